--[[
  One admission tick of one drop, run every quarter second by every admission controller; only the holder of the
  lease acts, so the rate is kept however many edge processes run. It:
    1. ends admissions whose window passed unused (status expired) or whose holds all ended (finished);
    2. adds the rate's credit for the time since the last tick (at most one second's worth: no burst after a pause),
       while someone waits (none is saved up by an empty line: the first shoppers of a line go in at the rate too);
    3. admits the next shoppers in place order: as many as the whole credit, the free active slots (maxActive) and
       the waiting line allow — none while paused, while the drop is not open, or while no unit is available.
  ZPOPMIN gives each shopper to exactly one tick, in place order.
  Each admission that ends updates activeMs, the moving average of how long an admitted shopper keeps a slot, from
  which pace() (includes/pace.lua) tells how fast the line moves when maxActive binds.

  Input:
    KEYS[1] config  KEYS[2] wait  KEYS[3] active  KEYS[4] state  KEYS[5] serving  KEYS[6] stats  KEYS[7] lease
    KEYS[8] stock (hash with available, held, sold; may not exist)
    ARGV[1] controller id   ARGV[2] lease ms   ARGV[3] now ms   ARGV[4] admission window ms   ARGV[5] 10 s bucket

  Output (codes: queue/codes.ts):
    NOT_LEADER  another controller holds the lease
    { OK, dropStatus, nowServing, queueLength, perMinute, paused 0/1, maxActive, activeCount, admittedTotal,
      available | -1, held | -1, sold | -1, pace (shoppers per minute, a string), pauseMessage ('' when none),
      shopper, place, admissionEndsAt, shopper, place, … }
]]
-- @include lease
-- @include pace

if not takeLease(KEYS[7], ARGV[1], ARGV[2]) then
  return NOT_LEADER
end

local now = tonumber(ARGV[3])
local cfg = redis.call('HMGET', KEYS[1], 'status', 'perMinute', 'maxActive', 'paused', 'credit', 'lastTick', 'activeMs',
  'pauseMessage')
local status = cfg[1] or 'none'
local perMinute = tonumber(cfg[2] or '0')
local maxActive = tonumber(cfg[3] or '0')
local paused = cfg[4] == '1'
local credit = tonumber(cfg[5] or '0')
local elapsed = math.max(0, now - tonumber(cfg[6] or ARGV[3]))
local activeMs = tonumber(cfg[7] or '')
local window = tonumber(ARGV[4])

-- 1. admissions that ended: the window passed without a reservation (expired), or the shopper's holds all ended
--    (score FINISHED_SCORE, set by the inventory: finished)
local ended = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'WITHSCORES', 'LIMIT', 0, 1000)
for i = 1, #ended, 2 do
  local shopper, score = ended[i], tonumber(ended[i + 1])
  redis.call('ZREM', KEYS[3], shopper)
  local raw = redis.call('HGET', KEYS[4], shopper)
  if raw and string.sub(raw, 1, 9) == 'admitted|' then
    redis.call('HSET', KEYS[4], shopper, (score == FINISHED_SCORE and 'finished|' or 'expired|') .. string.sub(raw, 10))
    -- The slot was held from admission (its end less the window) until now, when it frees.
    local ends = tonumber(string.match(raw, '|(%d+)$') or '')
    if ends then
      local held = math.max(0, now - (ends - window))
      activeMs = activeMs and activeMs + PACE_WEIGHT * (held - activeMs) or held
    end
  end
end

local stock = redis.call('HMGET', KEYS[8], 'available', 'held', 'sold')
local available = tonumber(stock[1] or '-1')
local soldOut = available == 0
local open = status == 'open' or status == 'sold_out'

-- 2. credit
local queueLength = redis.call('ZCARD', KEYS[2])
if paused or soldOut or not open or queueLength == 0 then
  credit = 0
else
  credit = math.min(credit + perMinute * elapsed / 60000, math.max(1, perMinute / 60))
end

-- 3. admissions
local activeCount = redis.call('ZCARD', KEYS[3])
local n = math.floor(credit + 1e-9)
n = math.min(n, math.max(0, maxActive - activeCount), queueLength)
local reply = {}
if n > 0 then
  local popped = redis.call('ZPOPMIN', KEYS[2], n)
  local ends = now + window
  local serving = tonumber(redis.call('GET', KEYS[5]) or '0')
  for i = 1, #popped, 2 do
    local shopper, place = popped[i], tonumber(popped[i + 1])
    redis.call('ZADD', KEYS[3], ends, shopper)
    redis.call('HSET', KEYS[4], shopper, 'admitted|' .. place .. '|' .. ends)
    if place > serving then
      serving = place
    end
    reply[#reply + 1] = shopper
    reply[#reply + 1] = place
    reply[#reply + 1] = ends
  end
  redis.call('SET', KEYS[5], serving)
  credit = credit - n
  activeCount = activeCount + n
  queueLength = queueLength - n
  if queueLength == 0 then
    -- The line is gone: what credit is left must not let the next line in at once.
    credit = 0
  end
  local bucket = tonumber(ARGV[5])
  redis.call('HINCRBY', KEYS[6], 'a:' .. bucket, n)
  redis.call('HINCRBY', KEYS[6], 'admitted', n)
  redis.call('HDEL', KEYS[6], 'a:' .. (bucket - 7))
end
redis.call('HSET', KEYS[1], 'credit', tostring(credit), 'lastTick', ARGV[3], 'activeMs', tostring(activeMs or ''))

local head = { OK, status, tonumber(redis.call('GET', KEYS[5]) or '0'), queueLength, perMinute, paused and 1 or 0,
  maxActive, activeCount, tonumber(redis.call('HGET', KEYS[6], 'admitted') or '0'), available,
  tonumber(stock[2] or '-1'), tonumber(stock[3] or '-1'), tostring(pace(perMinute, maxActive, activeMs)), cfg[8] or '' }
for i = #head, 1, -1 do
  table.insert(reply, 1, head[i])
end
return reply
