-- A model's fleet-wide rate limits: two GCRA cells (requests and tokens) in one hash, decided and
-- updated atomically. The same algorithm as router-core's GcraCell and ModelRateLimiter, with the
-- same emission interval, so a fleet and a single instance decide alike.
--
-- KEYS[1]  <prefix>:limit:{<model id>}, a hash: field r = the requests cell's theoretical arrival
--          time (tat), field t = the tokens cell's; a missing field is an idle cell
-- ARGV[1]  "take" or "correct"
-- ARGV[2]  now in epoch microseconds, or "" to read the server's TIME (so that instances with
--          skewed clocks agree)
--
-- take:    ARGV[3] tokens, ARGV[4] requests per minute, ARGV[5] request burst, ARGV[6] tokens per
--          minute, ARGV[7] token burst (a limit of 0 is an unlimited dimension, left alone).
--          Returns {outcome, wait}: 0 admitted, 1 requests exhausted, 2 tokens exhausted (wait =
--          nanoseconds by which the units arrive too early), 3 too large (wait -1).
-- correct: ARGV[3] tokens per minute, ARGV[4] token burst, ARGV[5] reserved, ARGV[6] actual tokens.
--          Charges actual - reserved, or refunds reserved - actual. Returns 1 if the cell changed.
--
-- Precision. Lua numbers are doubles. A tat is stored as "<whole µs>.<ns, 3 digits>", e.g.
-- "1767225600123456.789": whole microseconds since the epoch (exact up to 2^53 µs, year 2255) and
-- the nanoseconds beyond them. Every computation is done in nanoseconds relative to now
-- (d = tat - now): whole-µs differences times 1000 plus the fraction, all integers far below 2^53
-- (104 days), so every sum and comparison is exact and the emission interval is the local
-- limiter's to the nanosecond (no fraction is ever rounded). A tat more than 104 days away from
-- now (only reachable by absurd charges or callers' clocks) loses nanoseconds, not magnitude.

local WINDOW = 60000000000 -- ns
local MAX_WAIT = 4611686018427387904 -- 2^62 ns: a wait always fits a Java long

local function now_micros(arg)
  if arg ~= '' then
    local now = tonumber(arg)
    if now == nil or now ~= math.floor(now) then
      error({err = 'ERR now must be whole epoch microseconds'})
    end
    return now
  end
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000000 + tonumber(time[2])
end

-- A stored tat in nanoseconds relative to now; nil for a missing (idle) cell or a value this
-- script did not write.
local function ahead(value, now)
  if not value then
    return nil
  end
  local whole, fraction = string.match(value, '^(-?%d+)%.(%d%d%d)$')
  if whole then
    return (tonumber(whole) - now) * 1000 + tonumber(fraction)
  end
  local micros = tonumber(value)
  if micros then
    return (math.floor(micros) - now) * 1000
  end
  return nil
end

-- now + d nanoseconds in the stored form.
local function stored(now, d)
  local micros = math.floor(d / 1000)
  local nanos = d - micros * 1000
  if nanos < 0 then
    micros = micros - 1
    nanos = nanos + 1000
  elseif nanos >= 1000 then
    micros = micros + 1
    nanos = nanos - 1000
  end
  return string.format('%.0f.%03d', now + micros, nanos)
end

-- ceil(window / (limit - burst + 1)), at least 1 ns: GcraCell's. The quotient of two integers
-- below 2^53 is correctly rounded, so ceil never lands on the wrong integer.
local function emission(limit, burst)
  return math.max(1, math.ceil(WINDOW / (limit - burst + 1)))
end

-- Keeps the hash until both cells are a window in the past, when a missing cell means the same.
local function expire(key, dr, dt)
  local lead = math.max(dr or -WINDOW, dt or -WINDOW)
  local millis = math.ceil((lead + WINDOW) / 1000000) + 1
  redis.call('PEXPIRE', key, math.min(math.max(millis, 1), 1099511627776))
end

local key = KEYS[1]
local mode = ARGV[1]
local now = now_micros(ARGV[2])
local cells = redis.call('HMGET', key, 'r', 't')
local dr = ahead(cells[1], now)
local dt = ahead(cells[2], now)

if mode == 'take' then
  local tokens = tonumber(ARGV[3])
  local rpm, request_burst = tonumber(ARGV[4]), tonumber(ARGV[5])
  local tpm, token_burst = tonumber(ARGV[6]), tonumber(ARGV[7])
  if tpm > 0 and tokens > tpm then
    return {3, -1}
  end
  -- requests first, then tokens; nothing is written unless both fit
  local request_emission
  if rpm > 0 then
    request_emission = emission(rpm, request_burst)
    local excess = (dr or -WINDOW) + request_emission - request_burst * request_emission
    if excess > 0 then
      return {1, math.min(excess, MAX_WAIT)}
    end
  end
  local take_tokens = tpm > 0 and tokens > 0
  local token_emission
  if take_tokens then
    token_emission = emission(tpm, token_burst)
    local excess = (dt or -WINDOW) + tokens * token_emission - token_burst * token_emission
    if excess > 0 then
      return {2, math.min(excess, MAX_WAIT)}
    end
  end
  if rpm == 0 and not take_tokens then
    return {0, 0}
  end
  local fields = {}
  if rpm > 0 then
    dr = math.max(dr or -WINDOW, 0) + request_emission
    fields[#fields + 1] = 'r'
    fields[#fields + 1] = stored(now, dr)
  end
  if take_tokens then
    dt = math.max(dt or -WINDOW, 0) + tokens * token_emission
    fields[#fields + 1] = 't'
    fields[#fields + 1] = stored(now, dt)
  end
  redis.call('HSET', key, unpack(fields))
  expire(key, dr, dt)
  return {0, 0}
elseif mode == 'correct' then
  local tpm, token_burst = tonumber(ARGV[3]), tonumber(ARGV[4])
  local reserved, actual = tonumber(ARGV[5]), tonumber(ARGV[6])
  if tpm <= 0 or reserved == actual then
    return 0
  end
  local token_emission = emission(tpm, token_burst)
  if actual > reserved then
    dt = math.max(dt or -WINDOW, 0) + (actual - reserved) * token_emission
  else
    -- a refund never moves the cell below now: it cannot be made to look idler than it was
    if dt == nil or dt <= 0 then
      return 0
    end
    dt = math.max(dt - (reserved - actual) * token_emission, 0)
  end
  redis.call('HSET', key, 't', stored(now, dt))
  expire(key, dr, dt)
  return 1
end
error({err = 'ERR unknown mode ' .. tostring(mode)})
