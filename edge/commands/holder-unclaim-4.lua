--[[
  Gives back what holder-claim-4.lua added for a hold that then failed (sold out, not admitted, over the limit), so
  the cap and the hoarding report count only accounts that held units.

  Input:
    KEYS[1..4] as holder-claim-4.lua
    ARGV[1] shopper id   ARGV[2] address   ARGV[3] device ('' when none)
    ARGV[4] 1 when the claim added the shopper to the address   ARGV[5] 1 when it added it to the device

  Output: OK
]]
local function remove(set, counts, value)
  redis.call('SREM', KEYS[set], ARGV[1])
  local left = redis.call('SCARD', KEYS[set])
  if left == 0 then
    redis.call('ZREM', KEYS[counts], value)
  else
    redis.call('ZADD', KEYS[counts], left, value)
  end
end

if ARGV[4] == '1' then
  remove(1, 2, ARGV[2])
end
if ARGV[5] == '1' and ARGV[3] ~= '' then
  remove(3, 4, ARGV[3])
end
return OK
