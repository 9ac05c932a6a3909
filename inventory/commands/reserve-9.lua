--[[
  Reserves units for an admitted shopper, all or nothing, in one step: the drop is selling, the admission has not
  ended, the shopper stays within perUserLimit (held + paid units), and enough units are available. The units move
  from available to held, the hold is recorded with its deadline, and reservation.created goes to the outbox.
  Holding the last unit leaves the drop `open`: held units may come back (a drop is sold out for good only once
  every unit is paid, see sellOutIfAllSold in includes/holds.lua). No lock: the script is atomic.

  Input:
    KEYS[1..8] see includes/holds.lua   KEYS[9] Idempotency-Key record (any key of the drop when none is given)
    ARGV[1] reservation id  ARGV[2] shopper id  ARGV[3] quantity  ARGV[4] now ms  ARGV[5] admission end ms
    ARGV[6] guest 0/1  ARGV[7] drop id  ARGV[8] request hash ('' without Idempotency-Key)  ARGV[9] its TTL s

  Output (codes: inventory/codes.ts):
    { OK, reservation id, record }         reserved
    { REPEATED, reservation id, record }   the same Idempotency-Key and request: the earlier reservation
    NOT_ADMITTED  admission ended          DROP_NOT_FOUND  unknown drop
    { DROP_NOT_OPEN, status }              STOCK_UNAVAILABLE  stock not in Redis (being recovered)
    { LIMIT_REACHED, held+paid, limit }    { SOLD_OUT, available }
    KEY_REUSED  same Idempotency-Key, another request
    UNAVAILABLE  the drop is fenced while Redis is rebuilt
]]
-- @include holds

if fenced() then
  return UNAVAILABLE
end

if ARGV[8] ~= '' then
  local prior = redis.call('GET', KEYS[9])
  if prior then
    local p = cjson.decode(prior)
    if p.h ~= ARGV[8] then
      return KEY_REUSED
    end
    return { REPEATED, p.r, redis.call('HGET', KEYS[3], p.r) }
  end
end

local now = tonumber(ARGV[4])
if tonumber(ARGV[5]) <= now then
  return NOT_ADMITTED
end
local meta = redis.call('HMGET', KEYS[1], 'status', 'perUserLimit', 'holdSeconds', 'priceCents')
if not meta[1] then
  return DROP_NOT_FOUND
end
if meta[1] == 'sold_out' then
  return { SOLD_OUT, 0 }
end
if meta[1] ~= 'open' then
  return { DROP_NOT_OPEN, meta[1] }
end
local available = tonumber(redis.call('HGET', KEYS[2], 'available') or '-1')
if available < 0 then
  return STOCK_UNAVAILABLE
end

local resId, shopper, qty = ARGV[1], ARGV[2], tonumber(ARGV[3])
local limit = tonumber(meta[2])
local have = tonumber(redis.call('HGET', KEYS[5], shopper) or '0')
if have + qty > limit then
  return { LIMIT_REACHED, have, limit }
end
if available < qty then
  return { SOLD_OUT, available }
end

local r = { s = shopper, q = qty, st = 'held', d = now + tonumber(meta[3]) * 1000, c = now,
  a = tonumber(meta[4]) * qty, g = ARGV[6] == '1' }
local record = cjson.encode(r)
redis.call('HSET', KEYS[3], resId, record)
redis.call('ZADD', KEYS[4], r.d, resId)
redis.call('HINCRBY', KEYS[5], shopper, qty)
-- The shopper's latest live hold, so any tab finds it at once (endHold clears it).
redis.call('HSET', KEYS[5], 'live:' .. shopper, resId)
redis.call('HINCRBY', KEYS[6], shopper, qty)
redis.call('HINCRBY', KEYS[2], 'available', -qty)
redis.call('HINCRBY', KEYS[2], 'held', qty)
-- Active in the waiting room while holding, however short its admission window was.
redis.call('ZADD', KEYS[8], HOLDING_SCORE, shopper)
emit(holdEvent('reservation.created', ARGV[7], resId, r, now))
if ARGV[8] ~= '' then
  redis.call('SET', KEYS[9], cjson.encode({ h = ARGV[8], r = resId }), 'EX', ARGV[9])
end
return { OK, resId, record }
