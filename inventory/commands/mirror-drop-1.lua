--[[
  Mirrors a drop's fields into its meta hash, unless the hash already holds that version or a newer one,
  so that two processes mirroring the same drop out of order never put an older state back.

  Input:
    KEYS[1]  meta hash of the drop
    ARGV[1]  version of the drop being mirrored (integer)
    ARGV[2…] field, value, field, value, …

  Output:
    1  applied
    0  stale: the hash holds this version or a newer one
]]
local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if current >= tonumber(ARGV[1]) then
  return 0
end
redis.call('HSET', KEYS[1], 'version', ARGV[1], unpack(ARGV, 2))
return 1
