--[[
  Expires the holds of a drop whose deadline has passed, oldest first: their units are available again and
  reservation.expired goes to the outbox. Safe when several sweepers run: a hold is expired once, by whichever
  script sees it held first (pay checks the deadline the same way, so exactly one of pay and expiry wins).

  Input:
    KEYS[1..8] see includes/holds.lua
    ARGV[1] now ms  ARGV[2] drop id  ARGV[3] at most this many holds

  Output:
    the number of holds expired (none while the drop is fenced: its holds are about to be rebuilt)
]]
-- @include holds

local expired = 0
if fenced() then
  return expired
end
local now = tonumber(ARGV[1])
local due = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
for _, resId in ipairs(due) do
  local raw = redis.call('HGET', KEYS[3], resId)
  if raw then
    local r = cjson.decode(raw)
    if r.st == 'held' then
      endHold(ARGV[2], resId, r, 'expired', now)
      expired = expired + 1
    else
      redis.call('ZREM', KEYS[4], resId)
    end
  else
    redis.call('ZREM', KEYS[4], resId)
  end
end
return expired
