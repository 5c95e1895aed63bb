-- When the next pass has something to do: the earliest next attempt of a QUEUED entry or lease end
-- of a REPLAYING one, as the entry holds it (a sorted set's score is a double).
-- KEYS[1] due
-- ARGV[1] entry key prefix
-- Returns the epoch millis as a string, or nil when no entry is unsettled.
local head = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #head == 0 then
  return false
end
local f = redis.call('HMGET', ARGV[1] .. head[1], 'state', 'next', 'lease')
if f[1] == 'QUEUED' then
  return f[2]
elseif f[1] == 'REPLAYING' then
  return f[3]
end
return head[2]
