--[[
  A shopper leaves a drop's waiting room for good: the place is not given back; joining again goes to the back.

  Input:
    KEYS[1] config   KEYS[2] pre   KEYS[3] wait   KEYS[4] state   KEYS[5] active
    ARGV[1] shopper id

  Output (codes: queue/codes.ts):
    DROP_NOT_FOUND   no waiting room mirrored
    NOT_IN_QUEUE     the shopper is not in the queue (never joined, or already left)
    OK               left
]]
-- @include shopper-state

if redis.call('EXISTS', KEYS[1]) == 0 then
  return DROP_NOT_FOUND
end
local shopper = ARGV[1]
local status, place, ends = shopperState(KEYS[4], shopper)
if status == 'none' or status == 'left' then
  return NOT_IN_QUEUE
end
redis.call('ZREM', KEYS[2], shopper)
redis.call('ZREM', KEYS[3], shopper)
redis.call('ZREM', KEYS[5], shopper)
redis.call('HSET', KEYS[4], shopper, 'left|' .. (place or '') .. '|' .. (ends or ''))
return OK
