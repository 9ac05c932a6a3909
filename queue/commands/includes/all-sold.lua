--[[
  Whether a drop is sold out for good: every unit sold and none held, so nothing can come back. Read from the stock
  hash (exact the moment the last unit is paid); while Redis holds no stock for the drop (it is being rebuilt), from
  the drop's status as mirrored (`sold_out` means sold out for good).
]]
local function allSold(configKey, stockKey)
  local stock = redis.call('HMGET', stockKey, 'available', 'held')
  if stock[1] then
    return tonumber(stock[1]) <= 0 and tonumber(stock[2] or '0') <= 0
  end
  return redis.call('HGET', configKey, 'status') == 'sold_out'
end
