--[[
  Merges a guest into the account it signed up or signed in as, on one drop, in one step: the guest's waiting-room
  entry (queue/commands/includes/merge-entry.lua) and its holds (inventory/commands/includes/merge-holds.lua). Every
  key is the drop's (hash tag `{drop:<id>}`), so an admission tick, a hold's expiry or a payment runs wholly before
  or wholly after it and never sees half a merge.

  Input:
    KEYS[1..8] the inventory's hold keys (inventory/commands/includes/holds.lua; KEYS[8] the waiting room's active set)
    KEYS[9] the waiting room's pre-queue   KEYS[10] its waiting line   KEYS[11] its shopper states
    ARGV[1] guest id   ARGV[2] account id   ARGV[3..] the guest's reservations of the drop that PostgreSQL knows

  Output (codes: edge/scripts.ts):
    { OK, entry moved 0/1, reservation id, quantity, deadline ms, … } (each live hold moved)
    MERGE_FENCED   the guest has units on the drop and the drop is fenced while Redis is rebuilt: nothing written
]]
-- @include holds
-- @include shopper-state
-- @include merge-entry
-- @include merge-holds

local guest, account = ARGV[1], ARGV[2]
local hasUnits = redis.call('HEXISTS', KEYS[5], guest) == 1 or redis.call('HEXISTS', KEYS[6], guest) == 1
if hasUnits and fenced() then
  return MERGE_FENCED
end
local candidates = {}
for i = 3, #ARGV do
  candidates[#candidates + 1] = ARGV[i]
end
local entry = mergeEntry(KEYS[9], KEYS[10], KEYS[11], KEYS[8], guest, account)
local reply = mergeHolds(guest, account, candidates)
table.insert(reply, 1, entry)
table.insert(reply, 1, OK)
return reply
