-- wrk script of benchmarks/loadtest.sh: one chat-completion POST, the same on every request.
-- LOADTEST_MODEL picks the model, LOADTEST_STREAM=1 asks for a stream, LOADTEST_KEY (if set) is
-- sent as the Bearer key. At the end it prints one machine-readable LOADTEST line.
local model = os.getenv("LOADTEST_MODEL") or "gpt-4.1-mini"
local stream = os.getenv("LOADTEST_STREAM") == "1"
local key = os.getenv("LOADTEST_KEY")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
if key and key ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. key
end
wrk.body = '{"model":"' .. model .. '","messages":[{"role":"user","content":"What is the capital of France?"}],'
  .. '"max_tokens":64' .. (stream and ',"stream":true' or '') .. '}'

-- LOADTEST_CHECK_DONE=1 (the slow scenario's streams) counts the 2xx streams that did not end with
-- data: [DONE]. Only then is a response() callback defined: it makes wrk hand every body to Lua,
-- which would slow the load generator in the fast runs. errors.status counts statuses of 400 or more.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

if os.getenv("LOADTEST_CHECK_DONE") == "1" then
  incomplete = 0
  function response(status, headers, body)
    if status < 400 and not string.find(body, "data: [DONE]", 1, true) then
      incomplete = incomplete + 1
    end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local incomplete = 0
  for _, thread in ipairs(threads) do
    incomplete = incomplete + (thread:get("incomplete") or 0)
  end
  io.write(string.format(
    "LOADTEST requests=%d duration_us=%d status_errors=%d socket_errors=%d p50_us=%.0f p99_us=%.0f max_us=%.0f"
      .. " incomplete=%d\n",
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max, incomplete))
end
