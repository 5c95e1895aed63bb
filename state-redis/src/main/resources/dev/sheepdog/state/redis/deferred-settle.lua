-- Settles a claimed entry, atomically, only while that claim is the entry's.
-- KEYS[1] the entry's hash, KEYS[2] due, KEYS[3] order, KEYS[4] settled, KEYS[5] seq
-- ARGV[1] id, ARGV[2] claim, ARGV[3] outcome: 'failed', 'released', 'delivered' or 'dead'
-- ARGV[4] the reason, or the answer's JSON when delivered
-- ARGV[5] the next attempt (failed, released) or now (delivered, dead), epoch ms
-- ARGV[6] retention (ms), ARGV[7] how many settled entries to keep at most, ARGV[8] entry key prefix
-- Returns 1 when settled, 0 when the claim is stale (or the entry is unknown or settled).
local held = redis.call('HMGET', KEYS[1], 'state', 'claim')
if held[1] ~= 'REPLAYING' or held[2] ~= ARGV[2] then
  return 0
end
local outcome = ARGV[3]
if outcome == 'failed' or outcome == 'released' then
  redis.call('HSET', KEYS[1], 'state', 'QUEUED', 'lease', 0, 'reason', ARGV[4], 'next', ARGV[5])
  if outcome == 'failed' then
    redis.call('HINCRBY', KEYS[1], 'replays', 1)
  end
  redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
  return 1
end
if outcome == 'delivered' then
  redis.call('HSET', KEYS[1], 'state', 'DELIVERED', 'lease', 0, 'answer', ARGV[4], 'settledAt', ARGV[5])
else
  redis.call('HSET', KEYS[1], 'state', 'DEAD_LETTERED', 'lease', 0, 'reason', ARGV[4], 'settledAt', ARGV[5])
  redis.call('HINCRBY', KEYS[1], 'replays', 1)
end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[4], redis.call('INCR', KEYS[5]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[6])

-- settled entries in settling order: forget those past the retention (their hash may have expired
-- already), a hundred at most per call, then the oldest beyond the count kept
local function forget(id)
  local key = ARGV[8] .. id
  local state = redis.call('HGET', key, 'state')
  if not state or state == 'DELIVERED' or state == 'DEAD_LETTERED' then
    redis.call('DEL', key)
    redis.call('ZREM', KEYS[3], id)
  end
  redis.call('ZREM', KEYS[4], id)
end
local cutoff = tonumber(ARGV[5]) - tonumber(ARGV[6])
for _, id in ipairs(redis.call('ZRANGE', KEYS[4], 0, 99)) do
  local settledAt = redis.call('HGET', ARGV[8] .. id, 'settledAt')
  if settledAt and tonumber(settledAt) > cutoff then
    break
  end
  forget(id)
end
local over = redis.call('ZCARD', KEYS[4]) - tonumber(ARGV[7])
if over > 0 then
  for _, id in ipairs(redis.call('ZRANGE', KEYS[4], 0, over - 1)) do
    forget(id)
  end
end
return 1
