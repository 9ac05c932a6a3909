--[[
  The shopper gives a hold back: its units are available again at once.

  Input:
    KEYS[1..8] see includes/holds.lua
    ARGV[1] reservation id  ARGV[2] shopper id  ARGV[3] now ms  ARGV[4] drop id

  Output (codes: inventory/codes.ts):
    { OK, record }               released
    RESERVATION_NOT_FOUND        no such reservation of this shopper
    { NOT_HELD, record, status } not held (paid, released or expired); an overdue hold is expired first
    UNAVAILABLE                  the drop is fenced while Redis is rebuilt
]]
-- @include holds

if fenced() then
  return UNAVAILABLE
end

local raw, r = shoppersHold(ARGV[1], ARGV[2])
if not raw then
  return RESERVATION_NOT_FOUND
end
local now = tonumber(ARGV[3])
if r.st == 'held' and r.d <= now then
  endHold(ARGV[4], ARGV[1], r, 'expired', now)
end
if r.st ~= 'held' then
  return { NOT_HELD, cjson.encode(r), r.st }
end
endHold(ARGV[4], ARGV[1], r, 'released', now)
return { OK, cjson.encode(r) }
