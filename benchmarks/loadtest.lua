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

-- no response() callback: defining one makes wrk hand every body to Lua, which would slow the
-- load generator; errors.status counts the responses with a status of 400 or more
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "LOADTEST requests=%d duration_us=%d status_errors=%d socket_errors=%d p50_us=%.0f p99_us=%.0f max_us=%.0f\n",
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
