--[[
  Moves shopper `from`'s holds on a drop to shopper `to` (a guest who signed up or signed in). Needs the hold keys
  and helpers of includes/holds.lua (KEYS[1..8]). Each live hold (in the deadlines set, held) of `from` becomes `to`'s,
  with its deadline unchanged and no longer marked a guest's; so do the records named in `candidates` (the guest's
  reservations PostgreSQL knows: paid or ended ones, so that the account reads and retries them as its own). The
  units perUserLimit counts and the units held now are added to `to`'s: the account may end up past the limit, and
  then reserves no more on this drop until holds end. While `to` holds units it stays active in the waiting room
  (HOLDING_SCORE), as a reserve leaves a holder; `from` leaves the active set. Stock figures, deadlines and the drop's `seq` do not change: no unit
  moves, and every later event of a moved hold names `to`.

  Returns the live holds moved, flat: { reservation id, quantity, deadline ms, … }.
]]
local function mergeHolds(from, to, candidates)
  local held = tonumber(redis.call('HGET', KEYS[6], from) or '0')
  local units = tonumber(redis.call('HGET', KEYS[5], from) or '0')
  local moved = {}
  local function take(resId, live)
    local raw = redis.call('HGET', KEYS[3], resId)
    if not raw then
      return
    end
    local r = cjson.decode(raw)
    if r.s ~= from or (live and r.st ~= 'held') then
      return
    end
    r.s = to
    r.g = false
    redis.call('HSET', KEYS[3], resId, cjson.encode(r))
    if r.st == 'held' then
      moved[#moved + 1] = resId
      moved[#moved + 1] = r.q
      moved[#moved + 1] = r.d
    end
  end
  -- The deadlines set holds the drop's live holds only (at most its held units): scanned only when `from` holds some.
  if held > 0 then
    for _, resId in ipairs(redis.call('ZRANGE', KEYS[4], 0, -1)) do
      take(resId, true)
    end
  end
  for _, resId in ipairs(candidates) do
    take(resId, false)
  end
  if units > 0 then
    redis.call('HINCRBY', KEYS[5], to, units)
    redis.call('HDEL', KEYS[5], from)
  end
  -- The guest's latest live hold (see reserve-9.lua) is now the account's, which queue/me names at once.
  local latest = redis.call('HGET', KEYS[5], 'live:' .. from)
  if latest then
    redis.call('HSET', KEYS[5], 'live:' .. to, latest)
    redis.call('HDEL', KEYS[5], 'live:' .. from)
  end
  -- `from` is merged away: it keeps no slot among the active shoppers (one its ended holds left finished included).
  redis.call('ZREM', KEYS[8], from)
  if held > 0 then
    redis.call('HINCRBY', KEYS[6], to, held)
    redis.call('HDEL', KEYS[6], from)
    redis.call('ZADD', KEYS[8], HOLDING_SCORE, to)
  end
  return moved
end
