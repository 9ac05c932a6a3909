--[[
  The pace at which a drop's waiting line moves, in shoppers per minute. Admission is capped twice: by the rate
  (perMinute) and by the slots (at most maxActive admitted shoppers at once). When the slots bind, a slot frees as
  its shopper finishes, so the line moves at maxActive / (the time a shopper keeps a slot), by Little's law.
  `activeMs` is that time, a moving average kept by the admission tick over the admissions that ended (paid,
  released, expired); until one has ended only the rate is known. The pace is the smaller of the two.
]]
local PACE_WEIGHT = 0.1 -- the weight of each ended admission in activeMs: about the last 10 count

local function pace(perMinute, maxActive, activeMs)
  if activeMs and activeMs > 0 and maxActive > 0 then
    return math.min(perMinute, maxActive * 60000 / activeMs)
  end
  return perMinute
end
