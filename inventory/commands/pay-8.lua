--[[
  Marks a hold paid if it is still held and before its deadline: exactly one of pay and expiry wins, because both
  are this atomic check. The units move from held to sold and payment.completed goes to the outbox; the caller also
  publishes that event (same id) to JetStream before answering, so a paid answer is durable, and then deletes the
  outbox entry (the relay would only publish it again).

  Input:
    KEYS[1..8] see includes/holds.lua
    ARGV[1] reservation id  ARGV[2] shopper id  ARGV[3] now ms  ARGV[4] drop id
    ARGV[5] Idempotency-Key ('' without)  ARGV[6] request hash

  Output (codes: inventory/codes.ts):
    { OK, record, event, entry }      paid now (entry: the event's outbox entry id)
    { REPEATED, record, event }       paid already with this Idempotency-Key and request: the same answer
    RESERVATION_NOT_FOUND             no such reservation of this shopper
    { HOLD_EXPIRED, record }          expired (an overdue hold is expired first)
    { HOLD_RELEASED, record }         released
    { PAID_ALREADY, record }          paid already (without this key)
    { KEY_REUSED, record }            this Idempotency-Key was used with another request
    UNAVAILABLE                       the drop is fenced while Redis is rebuilt (nothing written)
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
if r.st == 'paid' then
  if ARGV[5] ~= '' and r.k == ARGV[5] then
    if r.kh ~= ARGV[6] then
      return { KEY_REUSED, raw }
    end
    return { REPEATED, raw, cjson.encode(holdEvent('payment.completed', ARGV[4], ARGV[1], r, r.p)) }
  end
  return { PAID_ALREADY, raw }
end
if r.st == 'held' and r.d <= now then
  endHold(ARGV[4], ARGV[1], r, 'expired', now)
end
if r.st == 'expired' then
  return { HOLD_EXPIRED, cjson.encode(r) }
end
if r.st == 'released' then
  return { HOLD_RELEASED, raw }
end
if ARGV[5] ~= '' then
  r.k = ARGV[5]
  r.kh = ARGV[6]
end
local event, entry = endHold(ARGV[4], ARGV[1], r, 'paid', now)
return { OK, cjson.encode(r), cjson.encode(event), entry }
