--[[
  Verifies a drop on this Redis server, once the workers have drained the event stream and compared it with the
  record of truth: its change counter is not behind the highest one PostgreSQL applied. Until then the hold scripts
  refuse the drop (includes/holds.lua `fenced`), so a Redis that came back older sells nothing on stale units.

  Input:
    KEYS[1] meta hash of the drop
    ARGV[1] the highest drop sequence PostgreSQL applied

  Output (codes: inventory/codes.ts):
    OK         verified now or before, or a drop this Redis does not know
    UNCHANGED  behind PostgreSQL: left unverified (the caller fences and rebuilds it)
]]
local meta = redis.call('HMGET', KEYS[1], 'seq', 'run', 'version')
if not meta[3] then
  return OK
end
local run = string.match(redis.call('INFO', 'server'), 'run_id:(%x+)')
if meta[2] == run then
  return OK
end
if tonumber(meta[1] or '0') < tonumber(ARGV[1]) then
  return UNCHANGED
end
redis.call('HSET', KEYS[1], 'run', run)
return OK
