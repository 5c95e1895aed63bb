-- Parks a deferred request, atomically: refused when its id is held or the queue is full.
-- KEYS[1] the entry's hash, KEYS[2] due, KEYS[3] order, KEYS[4] settled, KEYS[5] seq, KEYS[6] log
-- ARGV[1] id, ARGV[2] the request's JSON, ARGV[3] deferred at (epoch ms), ARGV[4] capacity
-- Returns 'ok', 'full' or 'duplicate'.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 'duplicate'
end
-- due holds exactly the unsettled entries (QUEUED or REPLAYING)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then
  return 'full'
end
local seq = redis.call('INCR', KEYS[5])
redis.call('HSET', KEYS[1], 'request', ARGV[2], 'state', 'QUEUED', 'replays', 0, 'next', ARGV[3], 'reason', '',
  'claim', 0, 'lease', 0, 'seq', seq, 'deferredAt', ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[3], seq, ARGV[1])
-- an id whose settled entry expired may come back: it is live again, not settled
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('XADD', KEYS[6], 'MAXLEN', '~', ARGV[4], '*', 'id', ARGV[1], 'deferredAt', ARGV[3])
return 'ok'
