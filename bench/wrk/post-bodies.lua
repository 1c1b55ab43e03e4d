-- wrk script for `gavel bench`: POSTs the benchmark's bodies in turn, and with a rate, paces them (wrk2-style).
--
--   [GAVEL_WRK_RATE=<per second>] wrk -t1 -c64 -d8s -s bench/wrk/post-bodies.lua <origin> -- <path> <bodies file> <authorization>
--
-- The bodies file holds one JSON body per line (varied leads, encoded before the clock starts). Without a rate, each
-- connection sends its next request as soon as it has the answer (a closed loop: saturation). With one, the thread
-- hands out send slots on a fixed schedule of `rate` per second (an environment variable: wrk decides whether a
-- script paces before it passes the script its arguments) (run it with -t1): a connection whose answer came
-- back waits for the next free slot. A slot handed out late (every connection was still waiting for an answer when it
-- fell due) is counted: latency is then measured from the send, not from when it was due, and the run says so.
-- A body holding `@N@` or `@PHONE@` (direct posts, each a consumer never seen before) is formatted per request, with
-- `@N@` the request's number from GAVEL_WRK_SEQ_BASE up and `@PHONE@` a valid North American number unique to it.
-- done() prints one JSON line, `wrk-result {...}`, that the bench parses (paced runs add their sends' lag behind
-- their slots: see note_send).
--
-- Ping→post pairs: with a fourth argument, the post path (`/v1/post`), each line of the bodies file is a pair of
-- templates, the ping's and the post's, separated by a tab (benchPairBodies). The script pings consumers never seen
-- before (`@N@`, `@PHONE@` as above; `@EMAIL_SHA256@` and `@PHONE_SHA256@` the sha256 of that e-mail and phone,
-- through libcrypto, which wrk links), and when a ping bid, posts the full lead of that consumer for it (`@PING_ID@`);
-- a closed loop. wrk's response() does not say which connection answered, so every request carries its own
-- `X-Request-Id` (the ping's `p<consumer>`, the post's `l<consumer>`), which the seller API echoes: the thread keeps
-- each request in flight by its id, and an answer finds its consumer by the id it carries. A bid ping's post waits in
-- the thread's queue for the next request() of any of its connections, before any new ping. An answer without a
-- known id is counted (`unmatched`) and posts nothing. A few threads (GAVEL_WRK_THREADS) carry all the connections;
-- consumers are numbered GAVEL_WRK_SEQ_BASE + the thread's number, stepping by the thread count. done() adds the
-- pairs (posts answered 2xx), the pings, their no-bids, the failures and the unmatched answers, and a pair's latency
-- (its ping sent to its post's answer) to the result line.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } gavel_timespec;
int clock_gettime(int clk_id, gavel_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local timespec = ffi.new("gavel_timespec")
local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
  return tonumber(timespec.tv_sec) * 1000 + tonumber(timespec.tv_nsec) / 1e6
end

local requests = {}
local templates = nil -- bodies with placeholders, when the bodies file has them
local request_path, request_headers
local seq = tonumber(os.getenv("GAVEL_WRK_SEQ_BASE") or "0")
local next_request = 0
local rate = tonumber(os.getenv("GAVEL_WRK_RATE") or "0")
local next_due = nil
late = 0 -- global: read by done() through thread:get
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads - 1) -- before the thread's init()
end

local post_path = nil -- pair runs: where a bid ping's lead is posted
local pair_templates = {}
local ping_head, post_head -- pair runs: each request's line and headers, but for its Content-Length
local pair_request, pair_response -- defined below

-- Pair runs build two requests per pair: each template is kept as its literal pieces and its placeholders' names,
-- and a request as one concatenation, not a gsub per placeholder over the whole body and wrk.format's loop over the
-- headers (the generator shares the two cores with the server it measures).
local PLACEHOLDERS = { N = true, PHONE = true, PING_ID = true, EMAIL_SHA256 = true, PHONE_SHA256 = true }
local function compile(template)
  local pieces, from = {}, 1
  while true do
    local first, last, name = template:find("@([%u_%d]+)@", from)
    if not first then break end
    if PLACEHOLDERS[name] then
      table.insert(pieces, template:sub(from, first - 1))
      table.insert(pieces, { name = name })
      from = last + 1
    else
      table.insert(pieces, template:sub(from, first))
      from = first + 1
    end
  end
  table.insert(pieces, template:sub(from))
  return pieces
end

local function fill(pieces, values)
  local out = {}
  for i = 1, #pieces do
    local piece = pieces[i]
    out[i] = type(piece) == "string" and piece or values[piece.name]
  end
  return table.concat(out)
end

-- wrk.format's request line and headers (its Host among them) without the Content-Length, which varies per body.
local function request_head(path, headers)
  local formatted = wrk.format("POST", path, headers, "")
  local head = formatted:gsub("Content%-Length: 0\r\n", "")
  return head:sub(1, #head - 2) -- the blank line's CRLF comes after the Content-Length
end

local function with_head(head, request_id, body)
  return table.concat({ head, "X-Request-Id: ", request_id, "\r\nContent-Length: ", #body, "\r\n\r\n", body })
end

function init(args)
  local path, bodies_file, authorization = args[1], args[2], args[3]
  local headers = { ["Content-Type"] = "application/json", ["Authorization"] = authorization }
  request_path, request_headers = path, headers
  if args[4] and #args[4] > 0 then
    post_path = args[4]
    -- Kept as lines, each compiled the first time its thread uses it (compiling all 200 in each thread at start cost
    -- a measurable share of a short run's generator CPU when a pair run took a thread per connection).
    for line in io.lines(bodies_file) do
      if line:find("\t", 1, true) then table.insert(pair_templates, line) end
    end
    ping_head, post_head = request_head(path, headers), request_head(post_path, headers)
    pair_run = true -- global: done() asks the threads
    -- Only pair runs define response(): with one, wrk reads every answer's headers and body.
    response = pair_response
    return
  end
  for line in io.lines(bodies_file) do
    if #line > 0 then
      if line:find("@N@", 1, true) or line:find("@PHONE@", 1, true) then
        templates = templates or {}
        table.insert(templates, line)
      else
        table.insert(requests, wrk.format("POST", path, headers, line))
      end
    end
  end
end

-- Area and exchange codes from 200 (NANP), unique for the first 5.6 billion numbers.
local function phone(n)
  return string.format("%03d%03d%04d", 200 + math.floor(n / 7000000) % 800, 200 + math.floor(n / 10000) % 700, n % 10000)
end

local note_send -- paced runs: how late this send is against its slot (below)

function request()
  if post_path then return pair_request() end
  if note_send then note_send() end
  if templates then
    next_request = next_request % #templates + 1
    seq = seq + 1
    local body = templates[next_request]:gsub("@N@", tostring(seq)):gsub("@PHONE@", phone(seq))
    return wrk.format("POST", request_path, request_headers, body)
  end
  next_request = next_request % #requests + 1
  return requests[next_request]
end

-- wrk measures a request's latency from its send. A paced send can leave after its slot fell due: when the slot was
-- handed out late (counted above), or when its timer fires late (wrk waits in whole milliseconds, and its thread may
-- wait for a core). So each send's lag behind its slot is kept too (send_lags, ms): the due times handed out wait in a
-- queue, and each request() takes the earliest (timers fire in due order, give or take a millisecond's ties).
-- Latency from the due time is at most the latency from the send plus the send's lag.
send_lags = {} -- global: read by done() through thread:get
if rate > 0 then
  local interval_ms = 1000 / rate
  local dues, first_due, last_due = {}, 1, 0
  function delay()
    local now = now_ms()
    if next_due == nil then next_due = now end
    next_due = next_due + interval_ms
    local wait = next_due - now
    if wait < -1 then late = late + 1 end
    last_due = last_due + 1
    dues[last_due] = next_due
    return math.max(0, wait)
  end
  note_send = function()
    -- (wrk's check of the request before the run takes no slot.)
    if first_due > last_due then return end
    local lag = now_ms() - dues[first_due]
    dues[first_due] = nil
    first_due = first_due + 1
    send_lags[#send_lags + 1] = lag > 0 and lag or 0
  end
end

-- Pair runs: this thread's pairs. The counts are globals, for done() (through thread:get).
pair_count = 0 -- posts answered 2xx: durable leads
sold_count = 0
ping_count = 0 -- pings answered
no_bid_count = 0
ping_failures = 0 -- pings answered non-2xx, or a bid without a ping id
post_failures = 0 -- posts answered non-2xx
unmatched_count = 0 -- answers without the id of a request of this thread in flight
pair_latencies = {} -- ms from a pair's ping sent to its post's answer
local in_flight = {} -- request id -> its pair: { template, values, ping_sent_at, post = true once posted }
local posts_due, first_due_post, last_due_post = {}, 1, 0 -- pairs whose ping bid, in the order their answers came
local pair_seq = nil
local pair_stride = tonumber(os.getenv("GAVEL_WRK_THREADS") or "1") -- each thread numbers its consumers apart

local HEX = {}
for byte = 0, 255 do HEX[byte] = string.format("%02x", byte) end
local sha256 = nil
local function hex_sha256(text)
  if sha256 == nil then
    ffi.cdef [[ unsigned char *SHA256(const unsigned char *d, size_t n, unsigned char *md); ]]
    -- wrk links libcrypto (TLS), so its symbols are in the process; else load it by name.
    local found, symbol = pcall(function() return ffi.C.SHA256 end)
    sha256 = found and symbol or ffi.load("crypto").SHA256
  end
  local digest = ffi.new("unsigned char[32]")
  sha256(text, #text, digest)
  local out = {}
  for i = 0, 31 do out[i + 1] = HEX[digest[i]] end
  return table.concat(out)
end

-- The next consumer's pair: its template (compiled on first use) and its values.
local function next_pair()
  pair_seq = pair_seq and pair_seq + pair_stride or seq + (thread_number or 0) + 1
  next_request = next_request % #pair_templates + 1
  local template = pair_templates[next_request]
  if type(template) == "string" then
    local tab = template:find("\t", 1, true)
    local ping = template:sub(1, tab - 1)
    template = {
      ping = compile(ping),
      post = compile(template:sub(tab + 1)),
      hashes = ping:find("@EMAIL_SHA256@", 1, true) ~= nil,
    }
    pair_templates[next_request] = template
  end
  local n, number = tostring(pair_seq), phone(pair_seq)
  local values = { N = n, PHONE = number }
  if template.hashes then
    values.EMAIL_SHA256 = hex_sha256("bench." .. n .. "@example.com")
    values.PHONE_SHA256 = hex_sha256(number)
  end
  return { template = template, values = values }
end

-- A bid ping's post when one is due, else a new consumer's ping. (wrk also calls request() once on its first thread
-- before the run, to check the request: that ping is never sent, and stays in flight unanswered.)
function pair_request()
  if first_due_post <= last_due_post then
    local pair = posts_due[first_due_post]
    posts_due[first_due_post] = nil
    first_due_post = first_due_post + 1
    pair.post = true
    local id = "l" .. pair.values.N
    in_flight[id] = pair
    return with_head(post_head, id, fill(pair.template.post, pair.values))
  end
  local pair = next_pair()
  local id = "p" .. pair.values.N
  in_flight[id] = pair
  pair.ping_sent_at = now_ms()
  return with_head(ping_head, id, fill(pair.template.ping, pair.values))
end

function pair_response(status, headers, body)
  local id = headers["x-request-id"] or headers["X-Request-Id"]
  local pair = id and in_flight[id]
  if not pair then
    unmatched_count = unmatched_count + 1
    return
  end
  in_flight[id] = nil
  if not pair.post then
    ping_count = ping_count + 1
    if status < 200 or status > 299 then
      ping_failures = ping_failures + 1
    elseif body:find('"status":"bid"', 1, true) then
      pair.values.PING_ID = body:match('"ping_id":"([^"]+)"')
      if pair.values.PING_ID then
        last_due_post = last_due_post + 1
        posts_due[last_due_post] = pair
      else
        ping_failures = ping_failures + 1
      end
    else
      no_bid_count = no_bid_count + 1
    end
  elseif status < 200 or status > 299 then
    post_failures = post_failures + 1
  else
    pair_count = pair_count + 1
    if body:find('"status":"sold"', 1, true) then sold_count = sold_count + 1 end
    pair_latencies[#pair_latencies + 1] = now_ms() - pair.ping_sent_at
  end
end

-- The pairs' counts over every thread, and their latency percentiles, as more fields of the result line.
local function pair_summary()
  if not threads[1] or not threads[1]:get("pair_run") then return "" end
  local totals = {
    pair_count = 0, sold_count = 0, ping_count = 0, no_bid_count = 0, ping_failures = 0, post_failures = 0,
    unmatched_count = 0,
  }
  local latencies = {}
  for _, thread in ipairs(threads) do
    for name, total in pairs(totals) do totals[name] = total + (thread:get(name) or 0) end
    for _, value in ipairs(thread:get("pair_latencies") or {}) do latencies[#latencies + 1] = value end
  end
  table.sort(latencies)
  local function p(q)
    if #latencies == 0 then return 0 end
    return latencies[math.max(1, math.ceil(#latencies * q / 100))]
  end
  return string.format(
    ',"pairs":%d,"sold":%d,"pings":%d,"no_bids":%d,"ping_failures":%d,"post_failures":%d,"unmatched":%d,' ..
    '"pair_p50_ms":%.3f,"pair_p90_ms":%.3f,"pair_p99_ms":%.3f,"pair_max_ms":%.3f',
    totals.pair_count, totals.sold_count, totals.ping_count, totals.no_bid_count, totals.ping_failures,
    totals.post_failures, totals.unmatched_count, p(50), p(90), p(99), p(100))
end

-- The sends' lags behind their slots (paced runs), as more fields of the result line.
local function send_lag_summary(latency)
  local lags = {}
  for _, thread in ipairs(threads) do
    for _, value in ipairs(thread:get("send_lags") or {}) do lags[#lags + 1] = value end
  end
  if #lags == 0 then return "" end
  table.sort(lags)
  local function p(q) return lags[math.max(1, math.ceil(#lags * q / 100))] end
  -- A request's latency from its due time is its latency from the send plus its send's lag, so at most 1% of them
  -- exceed the two's 99.5th percentiles added (at most 0.5% exceed each): a bound on the p99 from the due time.
  return string.format(
    ',"send_lag_p50_ms":%.3f,"send_lag_p99_ms":%.3f,"send_lag_max_ms":%.3f,"due_p99_bound_ms":%.3f',
    p(50), p(99), p(100), latency:percentile(99.5) / 1000 + p(99.5))
end

function done(summary, latency, requests_)
  local late_total = 0
  for _, thread in ipairs(threads) do late_total = late_total + (thread:get("late") or 0) end
  local errors = summary.errors
  local function p(q) return latency:percentile(q) / 1000 end
  io.write(string.format(
    'wrk-result {"requests":%d,"duration_us":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,' ..
    '"status_errors":%d,"timeouts":%d,"late_slots":%d,"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f%s}\n',
    summary.requests, summary.duration, errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    late_total, p(50), p(90), p(99), latency.max / 1000, pair_summary() .. send_lag_summary(latency)))
end
