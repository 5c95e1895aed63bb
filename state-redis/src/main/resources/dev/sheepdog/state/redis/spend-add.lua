-- Adds one batch of spend (one priced answer, or sums that waited while Redis was away) to the
-- day's counters, once: a batch carries an id, a bit in its instance's bitmap, and a batch whose
-- bit is already set was applied before (a retry after a timeout) and is skipped.
--
-- KEYS[1]  <prefix>:spend:{<epoch day>}, a hash: total, model:<id>, route:<task:priority>,
--          tag:<tag> -> nano-dollars
-- KEYS[2]  <prefix>:spendseen:{<epoch day>}:<instance>:<chunk>, the bitmap of applied batch ids
--          (same hash tag as KEYS[1]: one slot in a cluster)
-- ARGV[1]  the batch's bit in KEYS[2]
-- ARGV[2]  how long the bitmap outlives its latest write, ms
-- ARGV[3], ARGV[4], ...  field, nano-dollars; pairs
-- Returns 1 if applied, 0 if the batch had been applied already.
if redis.call('SETBIT', KEYS[2], ARGV[1], 1) == 1 then
  return 0
end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
for i = 3, #ARGV, 2 do
  redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
end
return 1
