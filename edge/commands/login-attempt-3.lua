--[[
  Counts one sign-in attempt for an account from a client address, or refuses it while the account backs off.
  Two counters, each an exponential backoff once past its free attempts (1 s, 2 s, 4 s, … up to its cap): one per
  account and address (the guesser's own), and one per account from every address that has never signed in to it.
  An address the account signed in from before (the known set, written on success) skips the account-wide one, so a
  flood from elsewhere cannot keep the owner out; from a new address the owner waits at most the account-wide cap.
  An attempt counts before the password is checked, so concurrent guesses cannot all pass the gate together; a
  success clears both counters (edge/auth/login-guard.ts).

  Input:
    KEYS[1] the account and address's counter (hash: n, until)   KEYS[2] the account's counter (hash: n, until)
    KEYS[3] the addresses that signed in to the account (set)
    ARGV[1] now ms   ARGV[2] address   ARGV[3] free attempts per address   ARGV[4] free attempts per account
    ARGV[5] first backoff ms   ARGV[6] cap per address ms   ARGV[7] cap per account ms
    ARGV[8] how long a quiet counter is remembered (ms)

  Output (codes: edge/scripts.ts):
    { OK, 0 }                    counted; check the password
    { LOGIN_BACKOFF, wait ms }   refused, nothing counted
]]
local now, base, ttl = tonumber(ARGV[1]), tonumber(ARGV[5]), ARGV[8]
local known = redis.call('SISMEMBER', KEYS[3], ARGV[2]) == 1

local function waitOf(key)
  return tonumber(redis.call('HGET', key, 'until') or '0') - now
end

local wait = waitOf(KEYS[1])
if not known then
  wait = math.max(wait, waitOf(KEYS[2]))
end
if wait > 0 then
  return { LOGIN_BACKOFF, math.ceil(wait) }
end

local function count(key, free, cap)
  local n = redis.call('HINCRBY', key, 'n', 1)
  if n > free then
    redis.call('HSET', key, 'until', now + math.min(cap, base * 2 ^ (n - free - 1)))
  end
  redis.call('PEXPIRE', key, ttl)
end

count(KEYS[1], tonumber(ARGV[3]), tonumber(ARGV[6]))
if not known then
  count(KEYS[2], tonumber(ARGV[4]), tonumber(ARGV[7]))
end
return { OK, 0 }
