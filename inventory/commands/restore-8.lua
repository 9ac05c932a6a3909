--[[
  Rebuilds a drop's stock and holds in Redis from the record of truth. Two cases, one path:
  - 'missing': Redis lost the drop's units. Refused when the stock hash exists, so a rebuild never double-counts.
  - 'replace': Redis came back older (or its units disagree with the record of truth). Only a fenced drop is
    replaced: its stock, holds, deadlines, units, heldby and outbox are cleared first (the outbox holds the older
    history's events only), and the shoppers it counted as holding are let go in the waiting room.
  Either way the counters continue from the record of truth or from Redis, whichever is further (`seq`,
  `availabilitySeq`), so no event id repeats; the status follows the rebuilt units (sold out for good when every unit
  is sold and none held, with its event; a drop marked sold out under the former rule reopens when units are
  available), and the fence is lifted.

  Input:
    KEYS[1..8] see includes/holds.lua
    ARGV[1] total units
    ARGV[2] JSON array of hold records { id, s, q, st ('held' or 'paid'), d, c, a, g, p }
    ARGV[3] 'missing' or 'replace'
    ARGV[4] the highest drop sequence PostgreSQL applied  ARGV[5] its availability sequence
    ARGV[6] drop id  ARGV[7] now ms

  Output (codes: inventory/codes.ts):
    { OK, held units, sold units }   rebuilt
    UNCHANGED                        'missing' and the stock hash exists, or 'replace' and the drop is not fenced
]]
-- @include holds

if ARGV[3] == 'missing' then
  if redis.call('EXISTS', KEYS[2]) == 1 then
    return UNCHANGED
  end
else
  if not fenced() then
    return UNCHANGED
  end
  for _, shopper in ipairs(redis.call('HKEYS', KEYS[6])) do
    redis.call('ZADD', KEYS[8], 'XX', FINISHED_SCORE, shopper)
  end
  redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7])
end

local held, sold = 0, 0
for _, r in ipairs(cjson.decode(ARGV[2])) do
  local id = r.id
  r.id = nil
  redis.call('HSET', KEYS[3], id, cjson.encode(r))
  redis.call('HINCRBY', KEYS[5], r.s, r.q)
  if r.st == 'held' then
    held = held + r.q
    redis.call('ZADD', KEYS[4], r.d, id)
    redis.call('HINCRBY', KEYS[6], r.s, r.q)
    redis.call('ZADD', KEYS[8], HOLDING_SCORE, r.s)
  else
    sold = sold + r.q
  end
end
local total = tonumber(ARGV[1])
local available = total - held - sold
redis.call('HSET', KEYS[2], 'total', total, 'available', available, 'held', held, 'sold', sold)

local function atLeast(field, value)
  if tonumber(redis.call('HGET', KEYS[1], field) or '0') < tonumber(value) then
    redis.call('HSET', KEYS[1], field, value)
  end
end
atLeast('seq', ARGV[4])
atLeast('availabilitySeq', ARGV[5])

local status = redis.call('HGET', KEYS[1], 'status')
local now = tonumber(ARGV[7])
if status == 'open' then
  sellOutIfAllSold(ARGV[6], now)
elseif status == 'sold_out' then
  reopenIfSoldOut(ARGV[6], now)
end
redis.call('HDEL', KEYS[1], 'fenced')
redis.call('HSET', KEYS[1], 'run', serverRun())
return { OK, held, sold }
