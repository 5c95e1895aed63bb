-- Claims an entry for a replay, atomically: a QUEUED entry (due or not), or a REPLAYING one whose
-- lease has ended, becomes REPLAYING until the new lease end, one claim higher, and is due again
-- (for another replayer) when that lease ends.
-- KEYS[1] the entry's hash, KEYS[2] due
-- ARGV[1] id, ARGV[2] now (epoch ms), ARGV[3] lease until (epoch ms)
-- Returns the claimed entry's fields (HGETALL), or an empty array when it is not claimable.
local held = redis.call('HMGET', KEYS[1], 'state', 'lease')
if held[1] == 'QUEUED' or (held[1] == 'REPLAYING' and tonumber(held[2]) <= tonumber(ARGV[2])) then
  redis.call('HINCRBY', KEYS[1], 'claim', 1)
  redis.call('HSET', KEYS[1], 'state', 'REPLAYING', 'lease', ARGV[3])
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
  return redis.call('HGETALL', KEYS[1])
end
return {}
