--[[
  Checks and consumes a proof-of-work challenge that edge/ issued (a guest session's): it must exist (issued, not
  expired, not used), and the solution's zero bits, which the caller counted in Node (SHA-256; see
  edge/proof-of-work.ts), must reach both the difficulty it was issued at and the current one. It is deleted
  whatever the outcome: one attempt per challenge.

  Input:
    KEYS[1] the challenge (string: the bits it was issued at; expires with the challenge)
    ARGV[1] zero bits the solution achieved   ARGV[2] the difficulty now

  Output (codes: edge/scripts.ts): OK, or CHALLENGE_FAILED
]]
local issuedAt = redis.call('GET', KEYS[1])
if not issuedAt then
  return CHALLENGE_FAILED
end
redis.call('DEL', KEYS[1])
local achieved = tonumber(ARGV[1])
if achieved < tonumber(issuedAt) or achieved < tonumber(ARGV[2]) then
  return CHALLENGE_FAILED
end
return OK
