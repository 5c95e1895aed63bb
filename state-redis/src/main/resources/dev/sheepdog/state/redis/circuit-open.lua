-- Publishes that a model's circuit is open until ARGV[2] (epoch millis), keeping the latest
-- opening: an older publication arriving late never shortens a newer one.
--
-- KEYS[1]  <prefix>:circuits, a hash: model id -> open-until epoch millis
-- ARGV[1]  the model id
-- ARGV[2]  open until, epoch millis, > 0
-- Returns 1 if the hash changed.
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]))
local open_until = tonumber(ARGV[2])
if current ~= nil and current >= open_until then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
