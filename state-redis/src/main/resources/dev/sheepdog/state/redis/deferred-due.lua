-- Part of the entries a replay pass should take now, oldest (first deferred) first: QUEUED ones
-- whose next attempt has come and REPLAYING ones whose lease has ended. Each call does bounded
-- work, so that a long queue never holds Redis up; the caller calls again from the cursor returned
-- until it has what it wants or the cursor is empty.
-- KEYS[1] due, KEYS[2] order
-- ARGV[1] now (epoch ms), ARGV[2] how many entries are still wanted (at least 1)
-- ARGV[3] the cursor: '' on the first call, then what the previous call returned
-- ARGV[4] how many entries of the order to look at in one call, ARGV[5] entry key prefix
-- Returns {cursor, entries}: the cursor to go on from ('' when done) and an array of entries'
-- fields (HGETALL each).
local now = tonumber(ARGV[1])
local want = tonumber(ARGV[2])
local prefix = ARGV[5]
local out = {}

-- the entry's seq when it is due now (and its fields in out), else nil
local function take(id)
  local f = redis.call('HMGET', prefix .. id, 'state', 'next', 'lease', 'seq')
  if not f[1] then
    -- its hash is gone (evicted under a maxmemory policy): it can never be replayed, stop counting it
    redis.call('ZREM', KEYS[1], id)
    redis.call('ZREM', KEYS[2], id)
    return nil
  end
  if (f[1] == 'QUEUED' and tonumber(f[2]) <= now) or (f[1] == 'REPLAYING' and tonumber(f[3]) <= now) then
    return tonumber(f[4])
  end
  return nil
end

local from = '-inf'
if ARGV[3] == '' then
  local count = redis.call('ZCOUNT', KEYS[1], '-inf', ARGV[1])
  if count == 0 then
    return {'', out}
  end
  if count <= want then
    -- few are due: take them all from the due set and put them in deferral order
    local found = {}
    for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])) do
      local seq = take(id)
      if seq then
        found[#found + 1] = {seq, id}
      end
    end
    table.sort(found, function(a, b) return a[1] < b[1] end)
    for i, due in ipairs(found) do
      out[i] = redis.call('HGETALL', prefix .. due[2])
    end
    return {'', out}
  end
else
  from = '(' .. ARGV[3]
end

-- more are due than wanted: walk the deferral order, a page at a time
local chunk = tonumber(ARGV[4])
local page = redis.call('ZRANGEBYSCORE', KEYS[2], from, '+inf', 'WITHSCORES', 'LIMIT', 0, chunk)
local cursor = ''
for i = 1, #page, 2 do
  local id = page[i]
  cursor = page[i + 1]
  local score = redis.call('ZSCORE', KEYS[1], id)
  if score and tonumber(score) <= now and take(id) then
    out[#out + 1] = redis.call('HGETALL', prefix .. id)
    if #out >= want then
      return {cursor, out}
    end
  end
end
if #page < 2 * chunk then
  cursor = ''
end
return {cursor, out}
