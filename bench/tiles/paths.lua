-- wrk script: cycle through a fixed list of request paths.
--
--   wrk -t2 -c64 -d15s -s bench/tiles/paths.lua http://127.0.0.1:PORT -- PATHS_FILE
--
-- PATHS_FILE has one path (with query string) per line. Each wrk thread walks
-- the whole list in order, starting at its own offset, and wraps around. At
-- the end one line is printed for the benchmark scripts to parse:
--   WRK_JSON {"requests":…,"duration_us":…,"rps":…,"p50_us":…,…}
-- Used by bench/tiles/run.sh and bench/features/run.sh.

local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local paths = {}
local i = 0

function init(args)
  local f = assert(io.open(args[1], "r"), "cannot open paths file " .. tostring(args[1]))
  for line in f:lines() do
    if #line > 0 then paths[#paths + 1] = line end
  end
  f:close()
  assert(#paths > 0, "no paths in " .. args[1])
  local n = tonumber(args[2] or "2")
  i = math.floor((tid or 0) * #paths / n)
end

function request()
  i = i + 1
  if i > #paths then i = 1 end
  return wrk.format(nil, paths[i])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"rps":%.1f,"bytes":%d,' ..
    '"errors_connect":%d,"errors_read":%d,"errors_write":%d,"errors_status":%d,"errors_timeout":%d,' ..
    '"mean_us":%.1f,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6), summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
