--[[
  Moves shopper `from`'s entry in a drop's waiting room to shopper `to` (a guest who signed up or signed in: the
  account keeps what the guest earned). Needs shopperState() (includes/shopper-state.lua). When both have an entry,
  the one further along is kept and the other is removed: admitted, then waiting, then pre-queue, then finished or
  expired; between two of a kind the earlier place (pre-queue: the smaller drawn score; admitted: the one holding
  units, else the later end of the window). The kept entry's place, scores and admission end move with it, so an
  admitted guest stays admitted, with the same deadline, as the account. `from` is then `left`, as a shopper who
  left: an admission token of `from` reserves no more, and `from` joining again goes to the back.

  Returns 1 when `from` had an entry to merge (not none or left), else 0; nothing is written then.
]]
local MERGE_RANK = { admitted = 5, waiting = 4, prequeue = 3, finished = 2, expired = 1, left = 0, none = 0 }

local function mergeEntry(preKey, waitKey, stateKey, activeKey, from, to)
  local fromStatus, fromPlace, fromEnds = shopperState(stateKey, from)
  if MERGE_RANK[fromStatus] == 0 then
    return 0
  end
  local toStatus, toPlace = shopperState(stateKey, to)
  local fromWins
  if MERGE_RANK[fromStatus] ~= MERGE_RANK[toStatus] then
    fromWins = MERGE_RANK[fromStatus] > MERGE_RANK[toStatus]
  elseif fromStatus == 'prequeue' then
    fromWins = tonumber(redis.call('ZSCORE', preKey, from)) < tonumber(redis.call('ZSCORE', preKey, to))
  elseif fromStatus == 'admitted' then
    -- Active scores: the end of the window, or the holding score (above every time) while units are held.
    fromWins = tonumber(redis.call('ZSCORE', activeKey, from) or '-1')
      > tonumber(redis.call('ZSCORE', activeKey, to) or '-1')
  else
    fromWins = (fromPlace or math.huge) < (toPlace or math.huge)
  end
  if fromWins then
    local scores = {
      { preKey, redis.call('ZSCORE', preKey, from) },
      { waitKey, redis.call('ZSCORE', waitKey, from) },
      { activeKey, redis.call('ZSCORE', activeKey, from) },
    }
    for _, s in ipairs(scores) do
      redis.call('ZREM', s[1], to)
      if s[2] then
        redis.call('ZADD', s[1], s[2], to)
      end
    end
    redis.call('HSET', stateKey, to, redis.call('HGET', stateKey, from))
  end
  redis.call('ZREM', preKey, from)
  redis.call('ZREM', waitKey, from)
  redis.call('ZREM', activeKey, from)
  redis.call('HSET', stateKey, from, 'left|' .. (fromPlace or '') .. '|' .. (fromEnds or ''))
  return 1
end
