-- Counts the callers asking for a probe of one half-open episode of a model's circuit: the n-th
-- caller gets n, so the first `probes` callers across the fleet get a permit.
--
-- KEYS[1]  <prefix>:probe:{<model id>}:<open-until epoch millis>
-- ARGV[1]  how long the counter lives after the first caller, ms
local n = redis.call('INCR', KEYS[1])
if n == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return n
