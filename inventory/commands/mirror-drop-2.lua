--[[
  Mirrors a drop's fields into its meta hash, unless the hash already holds that version or a newer one,
  so that two processes mirroring the same drop out of order never put an older state back.
  While the drop is scheduled no unit can be held or sold, so its stock counters are (re)set to the stock.

  Input:
    KEYS[1]  meta hash of the drop
    KEYS[2]  stock hash of the drop (total, available, held, sold)
    ARGV[1]  version of the drop being mirrored (integer)
    ARGV[2]  status
    ARGV[3]  stock
    ARGV[4…] further field, value pairs

  Output (codes: inventory/codes.ts):
    OK         applied
    UNCHANGED  stale: the hash holds this version or a newer one
]]
local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if current >= tonumber(ARGV[1]) then
  return UNCHANGED
end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'status', ARGV[2], 'stock', ARGV[3], unpack(ARGV, 4))
if current == 0 then
  -- New to this Redis: nothing older to compare with, so it is verified on this server (see includes/holds.lua).
  redis.call('HSET', KEYS[1], 'run', string.match(redis.call('INFO', 'server'), 'run_id:(%x+)'))
end
if ARGV[2] == 'scheduled' then
  redis.call('HSET', KEYS[2], 'total', ARGV[3], 'available', ARGV[3], 'held', 0, 'sold', 0)
end
return OK
