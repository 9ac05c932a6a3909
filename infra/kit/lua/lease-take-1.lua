--[[
  Takes or renews a lease (see includes lease.lua).

  Input:
    KEYS[1] lease key
    ARGV[1] owner id   ARGV[2] lease ms

  Output:
    1  the caller holds the lease (taken or renewed)
    0  another owner holds it
]]
-- @include lease

return takeLease(KEYS[1], ARGV[1], ARGV[2]) and 1 or 0
