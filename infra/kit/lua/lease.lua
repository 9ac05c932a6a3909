--[[
  A lease: the key holds its owner's id and expires after `ms` unless the owner renews it.
  takeLease(key, owner, ms) takes or renews it and returns true, or returns false while another owner holds it.
]]
local function takeLease(key, owner, ms)
  local holder = redis.call('GET', key)
  if holder and holder ~= owner then
    return false
  end
  redis.call('SET', key, owner, 'PX', ms)
  return true
end
