-- wrk script: POSTs the wrapped push fixture to /pubsub/push over keep-alive connections, with a message id that
-- is unique per request (per run, thread and request), so that no push is a redelivery.
-- Usage: wrk -t2 -c80 -d20s -s bench/push.lua http://127.0.0.1:18080 -- <fixture> <run-id>

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

local parts
local run = "run"
local counter = 0

function init(args)
  local path = args[1] or "src/test/resources/fixtures/push-wrapped.json"
  run = args[2] or tostring(os.time())
  local file = assert(io.open(path, "rb"))
  local text = file:read("*a")
  file:close()
  -- The fixture carries its id twice (messageId and message_id); cut the body around both.
  local id = '"13579246801"'
  parts = {}
  local from = 1
  while true do
    local s, e = string.find(text, id, from, true)
    if not s then break end
    table.insert(parts, string.sub(text, from, s))
    from = e
  end
  table.insert(parts, string.sub(text, from))
  assert(#parts == 3, "expected the message id twice in " .. path)
end

function request()
  counter = counter + 1
  local id = run .. "-" .. tid .. "-" .. counter
  local body = parts[1] .. id .. parts[2] .. id .. parts[3]
  return wrk.format("POST", "/pubsub/push", { ["Content-Type"] = "application/json" }, body)
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d seconds=%.2f rps=%.1f p50_ms=%.2f p99_ms=%.2f p999_ms=%.2f max_ms=%.2f non2xx=%d " ..
    "connect_errors=%d read_errors=%d write_errors=%d timeouts=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000,
    latency.max / 1000, e.status, e.connect, e.read, e.write, e.timeout))
end
