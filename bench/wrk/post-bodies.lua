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
-- done() prints one JSON line, `wrk-result {...}`, that the bench parses.
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
end

function init(args)
  local path, bodies_file, authorization = args[1], args[2], args[3]
  local headers = { ["Content-Type"] = "application/json", ["Authorization"] = authorization }
  request_path, request_headers = path, headers
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

function request()
  if templates then
    next_request = next_request % #templates + 1
    seq = seq + 1
    local body = templates[next_request]:gsub("@N@", tostring(seq)):gsub("@PHONE@", phone(seq))
    return wrk.format("POST", request_path, request_headers, body)
  end
  next_request = next_request % #requests + 1
  return requests[next_request]
end

if rate > 0 then
  local interval_ms = 1000 / rate
  function delay()
    local now = now_ms()
    if next_due == nil then next_due = now end
    next_due = next_due + interval_ms
    local wait = next_due - now
    if wait < -1 then late = late + 1 end
    return math.max(0, wait)
  end
end

function done(summary, latency, requests_)
  local late_total = 0
  for _, thread in ipairs(threads) do late_total = late_total + (thread:get("late") or 0) end
  local errors = summary.errors
  local function p(q) return latency:percentile(q) / 1000 end
  io.write(string.format(
    'wrk-result {"requests":%d,"duration_us":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,' ..
    '"status_errors":%d,"timeouts":%d,"late_slots":%d,"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f}\n',
    summary.requests, summary.duration, errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    late_total, p(50), p(90), p(99), latency.max / 1000))
end
