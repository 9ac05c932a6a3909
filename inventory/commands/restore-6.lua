--[[
  Rebuilds a drop's stock and holds in Redis from the record of truth, after Redis lost them. Refuses when the
  stock hash exists (Redis did not lose it), so a rebuild can never double-count units.

  Input:
    KEYS[1] stock  KEYS[2] holds  KEYS[3] deadlines  KEYS[4] units  KEYS[5] heldby
    KEYS[6] the waiting room's active set
    ARGV[1] total units
    ARGV[2] JSON array of hold records { id, s, q, st ('held' or 'paid'), d, c, a, g, p }

  Output (codes: inventory/codes.ts):
    { OK, held units, sold units }   rebuilt
    UNCHANGED                        the stock hash exists: nothing written
]]
if redis.call('EXISTS', KEYS[1]) == 1 then
  return UNCHANGED
end
local held, sold = 0, 0
for _, r in ipairs(cjson.decode(ARGV[2])) do
  local id = r.id
  r.id = nil
  redis.call('HSET', KEYS[2], id, cjson.encode(r))
  redis.call('HINCRBY', KEYS[4], r.s, r.q)
  if r.st == 'held' then
    held = held + r.q
    redis.call('ZADD', KEYS[3], r.d, id)
    redis.call('HINCRBY', KEYS[5], r.s, r.q)
    redis.call('ZADD', KEYS[6], HOLDING_SCORE, r.s)
  else
    sold = sold + r.q
  end
end
local total = tonumber(ARGV[1])
redis.call('HSET', KEYS[1], 'total', total, 'available', total - held - sold, 'held', held, 'sold', sold)
return { OK, held, sold }
