--[[
  Mirrors a drop's status and admission settings into its waiting room, unless a newer version is there already.
  When the drop is open (or sold out) and the pre-queue holds shoppers, they are given their places now, in the
  order of the random scores drawn when they joined: a uniformly random order, ahead of every later joiner.
  This runs in the same script as the status change, so no join can slip between opening and the shuffle.

  Input:
    KEYS[1] config   KEYS[2] pre   KEYS[3] wait   KEYS[4] seq   KEYS[5] state
    ARGV[1] version   ARGV[2] status   ARGV[3] perMinute   ARGV[4] maxActive   ARGV[5] paused (0/1)
    ARGV[6] challengeBits (leading zero bits a joiner's proof of work needs; 0: none)
    ARGV[7] pauseMessage (the organiser's word to waiting shoppers while paused; '' for none)

  Output (codes: queue/codes.ts):
    { UNCHANGED, 0 }    the waiting room holds this version or a newer one
    { OK, placed }      applied; placed: shoppers given their places from the pre-queue
]]
local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if current >= tonumber(ARGV[1]) then
  return { UNCHANGED, 0 }
end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'status', ARGV[2], 'perMinute', ARGV[3], 'maxActive', ARGV[4],
  'paused', ARGV[5], 'challengeBits', ARGV[6], 'pauseMessage', ARGV[7])

local placed = 0
if ARGV[2] == 'open' or ARGV[2] == 'sold_out' then
  local pre = redis.call('ZRANGE', KEYS[2], 0, -1)
  if #pre > 0 then
    local seq = tonumber(redis.call('GET', KEYS[4]) or '0')
    local batch, states = {}, {}
    for i, shopper in ipairs(pre) do
      seq = seq + 1
      batch[#batch + 1] = seq
      batch[#batch + 1] = shopper
      states[#states + 1] = shopper
      states[#states + 1] = 'waiting|' .. seq .. '|'
      if #batch >= 1000 or i == #pre then
        redis.call('ZADD', KEYS[3], unpack(batch))
        redis.call('HSET', KEYS[5], unpack(states))
        batch, states = {}, {}
      end
    end
    redis.call('SET', KEYS[4], seq)
    redis.call('DEL', KEYS[2])
    placed = #pre
  end
end
return { OK, placed }
