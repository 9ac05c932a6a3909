--[[
  Records that a shopper is about to hold units of a drop from a client address (and device, when the page sent
  one), refusing a new account once `cap` accounts of the address already hold units of the drop. Claimed before
  the hold (and given back by holder-unclaim-4.lua when the hold fails), so concurrent holds of new accounts from
  one address cannot pass the cap together. The per-value counts feed the operator's hoarding report.

  Input:
    KEYS[1] the address's holders (set)   KEYS[2] the drop's address counts (zset)
    KEYS[3] the device's holders (set)    KEYS[4] the drop's device counts (zset)
    ARGV[1] shopper id   ARGV[2] cap (0: none)   ARGV[3] address   ARGV[4] device ('' when none)
    ARGV[5] lifetime of these keys (seconds)

  Output (codes: edge/holders.ts):
    { OK, addedAddress 0/1, addedDevice 0/1 }
    { HOLDERS_CAPPED, 0, 0 }   the address has `cap` other accounts holding units of this drop; nothing written
]]
local shopper, cap, ttl = ARGV[1], tonumber(ARGV[2]), ARGV[5]
if cap > 0 and redis.call('SISMEMBER', KEYS[1], shopper) == 0 and redis.call('SCARD', KEYS[1]) >= cap then
  return { HOLDERS_CAPPED, 0, 0 }
end

local function add(set, counts, value)
  local added = redis.call('SADD', set, shopper)
  if added == 1 then
    redis.call('ZADD', counts, redis.call('SCARD', set), value)
  end
  redis.call('EXPIRE', set, ttl)
  redis.call('EXPIRE', counts, ttl)
  return added
end

local addedAddress = add(KEYS[1], KEYS[2], ARGV[3])
local addedDevice = 0
if ARGV[4] ~= '' then
  addedDevice = add(KEYS[3], KEYS[4], ARGV[4])
end
return { OK, addedAddress, addedDevice }
