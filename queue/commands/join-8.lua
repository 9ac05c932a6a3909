--[[
  Joins a shopper to a drop's waiting room. Before opening the shopper goes to the pre-queue with a random score
  (drawn by the caller), whose order becomes the places at opening; after opening the shopper gets the next place.
  Joining again returns the same entry: one place per shopper per drop. A shopper who left joins at the back.
  While the drop asks for a proof of work (config challengeBits > 0), a new entry needs a challenge issued to this
  shopper for this drop (KEYS[8], set by issueChallenge) whose solution has at least that many leading zero bits;
  the challenge is consumed here, whatever the outcome, so each one is good for one attempt. The caller hashes
  (SHA-256 in Node, before this call) and passes the bits its solution achieved: Redis's own hash is SHA-1 only,
  and hashing here would spend the single-threaded server's time on every bot's attempt. A repeat join of a shopper
  already in the room needs no proof and consumes nothing.

  Input:
    KEYS[1] config   KEYS[2] pre   KEYS[3] wait   KEYS[4] seq   KEYS[5] state   KEYS[6] stats   KEYS[7] stock
    KEYS[8] challenge (the drop's challenge key of the one presented; any unused one of the drop when none)
    ARGV[1] shopper id
    ARGV[2] random score for the pre-queue (uniform, drawn by the caller with a CSPRNG)
    ARGV[3] 10-second bucket of now (for joins per minute)
    ARGV[4] leading zero bits of SHA-256(challenge ":" nonce), 0 when no solution was presented

  Output (codes: queue/codes.ts):
    DROP_NOT_FOUND                  no waiting room mirrored
    DROP_SHUT                       drop closed or cancelled
    SOLD_OUT                        sold out for good (every unit sold, none held): the line is closed, to
                                    newcomers and to shoppers already in it alike
    CHALLENGE_FAILED                proof of work asked for, and the challenge is missing, unknown, used, expired,
                                    issued to another shopper, or its solution has too few zero bits
    { OK, created 0/1, view... }    see view() in includes/shopper-state.lua
]]
-- @include pace
-- @include shopper-state
-- @include all-sold

local dropStatus = redis.call('HGET', KEYS[1], 'status')
if not dropStatus then
  return DROP_NOT_FOUND
end
if dropStatus == 'closed' or dropStatus == 'cancelled' then
  return DROP_SHUT
end
-- Before the proof of work is consumed: a refused join changes nothing.
if allSold(KEYS[1], KEYS[7]) then
  return SOLD_OUT
end

local shopper = ARGV[1]
local status = shopperState(KEYS[5], shopper)
local created = 0
if status == 'none' or status == 'left' then
  local required = tonumber(redis.call('HGET', KEYS[1], 'challengeBits') or '0')
  if required > 0 then
    local issuedTo = redis.call('GET', KEYS[8])
    if issuedTo then
      redis.call('DEL', KEYS[8])
    end
    if issuedTo ~= shopper or tonumber(ARGV[4]) < required then
      return CHALLENGE_FAILED
    end
  end
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
