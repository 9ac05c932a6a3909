--[[
  Takes or renews a lease: the key holds the owner's id and expires unless renewed.

  Input:
    KEYS[1] lease key
    ARGV[1] owner id   ARGV[2] lease ms

  Output:
    1  the caller holds the lease (taken or renewed)
    0  another owner holds it
]]
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
