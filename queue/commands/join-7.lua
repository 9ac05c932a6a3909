--[[
  Joins a shopper to a drop's waiting room. Before opening the shopper goes to the pre-queue with a random score
  (drawn by the caller), whose order becomes the places at opening; after opening the shopper gets the next place.
  Joining again returns the same entry: one place per shopper per drop. A shopper who left joins at the back.

  Input:
    KEYS[1] config   KEYS[2] pre   KEYS[3] wait   KEYS[4] seq   KEYS[5] state   KEYS[6] stats   KEYS[7] stock
    ARGV[1] shopper id
    ARGV[2] random score for the pre-queue (uniform, drawn by the caller with a CSPRNG)
    ARGV[3] 10-second bucket of now (for joins per minute)

  Output (codes: queue/codes.ts):
    DROP_NOT_FOUND                  no waiting room mirrored
    DROP_SHUT                       drop closed or cancelled
    { OK, created 0/1, view... }    see view() in includes/shopper-state.lua
]]
-- @include shopper-state

local dropStatus = redis.call('HGET', KEYS[1], 'status')
if not dropStatus then
  return DROP_NOT_FOUND
end
if dropStatus == 'closed' or dropStatus == 'cancelled' then
  return DROP_SHUT
end

local shopper = ARGV[1]
local status = shopperState(KEYS[5], shopper)
local created = 0
if status == 'none' or status == 'left' then
  created = 1
  if dropStatus == 'scheduled' then
    redis.call('ZADD', KEYS[2], ARGV[2], shopper)
    redis.call('HSET', KEYS[5], shopper, 'prequeue||')
  else
    local place = redis.call('INCR', KEYS[4])
    redis.call('ZADD', KEYS[3], place, shopper)
    redis.call('HSET', KEYS[5], shopper, 'waiting|' .. place .. '|')
  end
  local bucket = tonumber(ARGV[3])
  redis.call('HINCRBY', KEYS[6], 'j:' .. bucket, 1)
  redis.call('HDEL', KEYS[6], 'j:' .. (bucket - 7))
end

local reply = view(KEYS[1], KEYS[3], KEYS[5], KEYS[7], shopper)
table.insert(reply, 1, created)
table.insert(reply, 1, OK)
return reply
