-- wrk script: POSTs the wrapped push fixture to /pubsub/push over keep-alive connections, with a message id and a
-- LogEntry insertId that are unique per request (per run, thread and request), so that no push is a redelivery:
-- rows are keyed by the insertId, which sits in the base64 data. The user_id of the LogEntry's requestUrl takes one of
-- <users> distinct values (u0…, round robin per wrk thread), so that rows fan out over users as real traffic does.
-- Usage: wrk -t2 -c80 -d20s -s bench/push.lua http://127.0.0.1:18080 -- <fixture> <run-id> [users, default 1]

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

local parts
local run = "run"
local counter = 0

local bit = require("bit")
local ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local DECODE = {}
for i = 1, #ALPHABET do
  DECODE[string.byte(ALPHABET, i)] = i - 1
end

local function sextet(n, shift)
  local index = bit.band(bit.rshift(n, shift), 63) + 1
  return string.sub(ALPHABET, index, index)
end

local function b64encode(text)
  local out = {}
  for i = 1, #text, 3 do
    local a, b, c = string.byte(text, i, i + 2)
    local n = bit.bor(bit.lshift(a, 16), bit.lshift(b or 0, 8), c or 0)
    out[#out + 1] = sextet(n, 18) .. sextet(n, 12) .. (b and sextet(n, 6) or "=") .. (c and sextet(n, 0) or "=")
  end
  return table.concat(out)
end

local function b64decode(text)
  local out = {}
  local n, bits = 0, 0
  for i = 1, #text do
    local value = DECODE[string.byte(text, i)]
    if value then
      n = bit.bor(bit.lshift(n, 6), value)
      bits = bits + 6
      if bits >= 8 then
        bits = bits - 8
        out[#out + 1] = string.char(bit.band(bit.rshift(n, bits), 255))
      end
    end
  end
  return table.concat(out)
end

-- The data is base64 of a LogEntry that starts with its insertId. Each request's data is the concatenation of three
-- base64 pieces, each encoding a multiple of 3 bytes so that they join: the head ({"insertId": "<unique>", padded),
-- encoded per request; the middle (the rest up to and including the user id), encoded once per user at start; the
-- tail (everything after the user id), encoded once.
local INSERT_ID_HEAD = '{"insertId": "'
local USER_KEY = "user_id="
local before_data, after_data, tail_b64
local users = 1
local middles = {}

function init(args)
  local path = args[1] or "src/test/resources/fixtures/push-wrapped.json"
  run = args[2] or tostring(os.time())
  users = tonumber(args[3] or "1")
  assert(users and users >= 1, "users must be a positive number")
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
  local s, e = string.find(parts[1], '"data": "', 1, true)
  assert(s, "expected the data before the message id in " .. path)
  local close = string.find(parts[1], '"', e + 1, true)
  local entry = b64decode(string.sub(parts[1], e + 1, close - 1))
  assert(string.sub(entry, 1, #INSERT_ID_HEAD) == INSERT_ID_HEAD, "expected the LogEntry to start with its insertId")
  local id_end = string.find(entry, '"', #INSERT_ID_HEAD + 1, true)
  before_data = string.sub(parts[1], 1, e)
  after_data = string.sub(parts[1], close)
  -- middle: from the insertId's closing quote to the user id's value; tail: from the end of that value.
  local key_start, key_end = string.find(entry, USER_KEY, id_end, true)
  assert(key_start, "expected " .. USER_KEY .. " in the LogEntry's requestUrl")
  local value_end = string.find(entry, "[&\"]", key_end + 1) - 1
  local middle = string.sub(entry, id_end, key_end)
  -- User ids "u" + digits, of one width chosen so that middle + id is a multiple of 3 bytes.
  local width = #tostring(users - 1) + 1
  while (#middle + width) % 3 ~= 0 do
    width = width + 1
  end
  for u = 0, users - 1 do
    middles[u] = b64encode(middle .. "u" .. string.rep("0", width - 1 - #tostring(u)) .. tostring(u))
  end
  tail_b64 = b64encode(string.sub(entry, value_end + 1))
end

local function data(id)
  local head = INSERT_ID_HEAD .. id
  while #head % 3 ~= 0 do
    head = head .. "_"
  end
  return b64encode(head) .. middles[(counter + tid * 7919) % users] .. tail_b64
end

function request()
  counter = counter + 1
  local id = run .. "-" .. tid .. "-" .. counter
  local body = before_data .. data(id) .. after_data .. id .. parts[2] .. id .. parts[3]
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
