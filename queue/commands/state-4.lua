--[[
  Reads what a shopper sees of a drop's waiting room (exact: places and counts straight from the sorted set).

  Input:
    KEYS[1] config   KEYS[2] wait   KEYS[3] state   KEYS[4] stock
    ARGV[1] shopper id

  Output (codes: queue/codes.ts):
    DROP_NOT_FOUND    no waiting room mirrored
    { OK, allSold 0/1, view... }   see view() in includes/shopper-state.lua; allSold: sold out for good
                                   (includes/all-sold.lua)
]]
-- @include pace
-- @include shopper-state
-- @include all-sold

if redis.call('EXISTS', KEYS[1]) == 0 then
  return DROP_NOT_FOUND
end
local reply = view(KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1])
table.insert(reply, 1, allSold(KEYS[1], KEYS[4]) and 1 or 0)
table.insert(reply, 1, OK)
return reply
