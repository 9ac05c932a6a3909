--[[
  A shopper's entry in the state hash: "status|place|admissionEndsAtMs" (place and end may be empty).
  Returns status ('none' when absent), place (or nil), admission end (or nil).
]]
local function shopperState(stateKey, shopper)
  local raw = redis.call('HGET', stateKey, shopper)
  if not raw then
    return 'none', nil, nil
  end
  local status, place, ends = string.match(raw, '^([%a_]+)|(%d*)|(%d*)$')
  return status, tonumber(place), tonumber(ends)
end

--[[
  What a shopper sees of the queue, as one flat reply:
  { status, place | -1, ahead | -1, queueLength, pace (shoppers per minute, a string: it may be fractional),
    paused 0/1, available | -1, admissionEndsAt | -1, dropStatus, pauseMessage ('' when none) }
  `available` is -1 when the stock key does not exist (nothing known yet). Needs pace() (includes/pace.lua).
]]
local function view(configKey, waitKey, stateKey, stockKey, shopper)
  local status, place, ends = shopperState(stateKey, shopper)
  local ahead = -1
  if status == 'waiting' then
    ahead = redis.call('ZRANK', waitKey, shopper) or -1
  end
  local cfg = redis.call('HMGET', configKey, 'perMinute', 'paused', 'status', 'maxActive', 'activeMs', 'pauseMessage')
  local available = tonumber(redis.call('HGET', stockKey, 'available') or '-1')
  local perMinute = pace(tonumber(cfg[1] or '0'), tonumber(cfg[4] or '0'), tonumber(cfg[5] or ''))
  return { status, place or -1, ahead, redis.call('ZCARD', waitKey), tostring(perMinute), tonumber(cfg[2] or '0'),
    available, ends or -1, cfg[3] or 'none', cfg[6] or '' }
end
