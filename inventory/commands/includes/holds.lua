--[[
  Shared by the hold scripts. KEYS of every hold script, in this order:
    KEYS[1] meta  KEYS[2] stock  KEYS[3] holds  KEYS[4] deadlines  KEYS[5] units  KEYS[6] heldby  KEYS[7] outbox
    KEYS[8] the waiting room's active set (named by whoever wires the waiting room in)
  The meta hash's `seq` counts every change of the drop's units or holds: each event carries its number (`dropSeq`),
  and PostgreSQL records the highest one applied, so a Redis whose `seq` is behind it came back older (rollback).
  While the meta hash's `fenced` is set (a rebuild is under way), no script changes the drop.
  A hold record (JSON): { s = shopper, q = quantity, st = status, d = deadline ms, c = created ms, a = amount cents,
  g = guest (boolean), e = ended ms, p = paid ms, n = its payment event's dropSeq, k = payment Idempotency-Key,
  kh = its request hash }.
  HOLDING_SCORE and FINISHED_SCORE (the waiting room's active-set scores) and the status codes (inventory/codes.ts)
  are constants declared above every script by the loader.
]]

-- The hold `resId` if it is `shopper`'s: its record as stored and decoded; nil for another's or none.
local function shoppersHold(resId, shopper)
  local raw = redis.call('HGET', KEYS[3], resId)
  if not raw then
    return nil
  end
  local r = cjson.decode(raw)
  if r.s ~= shopper then
    return nil
  end
  return raw, r
end

-- This Redis server's run id: a Redis that restarted (from a snapshot or an append-only file) or a promoted replica
-- has a new one.
local function serverRun()
  return string.match(redis.call('INFO', 'server'), 'run_id:(%x+)')
end

-- Whether the drop may not change: fenced while it is rebuilt from the record of truth, or not yet verified on this
-- server (its `run` names another): a Redis that came back older sells nothing until the workers have compared the
-- drop with PostgreSQL (verify-1.lua) or rebuilt it (restore-8.lua). A drop this Redis does not know is not fenced.
local function fenced()
  local meta = redis.call('HMGET', KEYS[1], 'fenced', 'run', 'version')
  if not meta[3] then
    return false
  end
  return meta[1] ~= false or meta[2] ~= serverRun()
end

-- Appends an event to the outbox, numbered by the drop's `seq`; the relay publishes it to JetStream with `id` as its
-- message id. Returns the entry's id.
local function emit(event)
  event.dropSeq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
  return redis.call('XADD', KEYS[7], '*', 'id', event.id, 'type', event.type, 'data', cjson.encode(event))
end

local function holdEvent(kind, dropId, resId, r, now)
  return { v = 1, id = resId .. ':' .. kind, type = kind, at = now, dropId = dropId, reservationId = resId,
    shopperId = r.s, guest = r.g, quantity = r.q, amountCents = r.a, createdAt = r.c, expiresAt = r.d, paidAt = r.p,
    dropSeq = r.n }
end

-- After a payment: when every unit is sold and none is held, the drop is sold out for good (nothing can come back),
-- and drop.sold_out goes to the outbox, numbered by `availabilitySeq`. While units are only held the drop stays
-- `open`: they may come back. Exactly one payment sees the last unit sold, so the drop sells out once.
local function sellOutIfAllSold(dropId, now)
  local stock = redis.call('HMGET', KEYS[2], 'available', 'held')
  if redis.call('HGET', KEYS[1], 'status') ~= 'open' or tonumber(stock[1]) > 0 or tonumber(stock[2]) > 0 then
    return
  end
  redis.call('HSET', KEYS[1], 'status', 'sold_out')
  local n = redis.call('HINCRBY', KEYS[1], 'availabilitySeq', 1)
  emit({ v = 1, id = dropId .. ':sold_out:' .. n, type = 'drop.sold_out', at = now, dropId = dropId, seq = n })
end

-- After units went back to `available`: a drop marked sold out while units were still held (the rule before
-- "sold out" meant every unit sold, kept for drops marked so then) sells again. A drop sold out for good holds
-- nothing, so this never touches it.
local function reopenIfSoldOut(dropId, now)
  if redis.call('HGET', KEYS[1], 'status') == 'sold_out' and tonumber(redis.call('HGET', KEYS[2], 'available')) > 0 then
    redis.call('HSET', KEYS[1], 'status', 'open')
    local n = redis.call('HINCRBY', KEYS[1], 'availabilitySeq', 1)
    emit({ v = 1, id = dropId .. ':reopened:' .. n, type = 'drop.reopened', at = now, dropId = dropId, seq = n })
  end
end

--[[
  Ends a held hold as `status` ('released', 'expired' or 'paid'): its units go back to available, or to sold when
  paid; the shopper's held units fall, and with none left the waiting room counts the shopper finished.
  Emits reservation.released, reservation.expired or payment.completed (then drop.sold_out when that payment sold the
  last unit). Returns the event and its outbox entry's id.
]]
local function endHold(dropId, resId, r, status, now)
  r.st = status
  r.e = now
  redis.call('ZREM', KEYS[4], resId)
  redis.call('HINCRBY', KEYS[2], 'held', -r.q)
  if status == 'paid' then
    r.p = now
    redis.call('HINCRBY', KEYS[2], 'sold', r.q)
  else
    redis.call('HINCRBY', KEYS[2], 'available', r.q)
    redis.call('HINCRBY', KEYS[5], r.s, -r.q)
  end
  if redis.call('HGET', KEYS[5], 'live:' .. r.s) == resId then
    redis.call('HDEL', KEYS[5], 'live:' .. r.s)
  end
  if redis.call('HINCRBY', KEYS[6], r.s, -r.q) <= 0 then
    redis.call('HDEL', KEYS[6], r.s)
    redis.call('ZADD', KEYS[8], 'XX', FINISHED_SCORE, r.s)
  end
  local kind = status == 'paid' and 'payment.completed' or ('reservation.' .. status)
  local event = holdEvent(kind, dropId, resId, r, now)
  local entry = emit(event)
  if status == 'paid' then
    -- A repeated pay answers this very event (see pay-8.lua), number included.
    r.n = event.dropSeq
  end
  redis.call('HSET', KEYS[3], resId, cjson.encode(r))
  if status == 'paid' then
    sellOutIfAllSold(dropId, now)
  else
    reopenIfSoldOut(dropId, now)
  end
  return event, entry
end
