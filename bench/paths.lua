-- wrk script: each request GETs a random path from a file (one path per line), with an optional bearer token.
-- Usage: wrk ... -s bench/paths.lua http://127.0.0.1:PORT -- PATHS_FILE [TOKEN]
-- done() prints one machine-readable RESULT line for bench/run.sh.

local threads = {}
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("id", counter)
   table.insert(threads, thread)
end

function init(args)
   local file = args[1]
   paths = {}
   for line in io.lines(file) do
      if #line > 0 then
         paths[#paths + 1] = line
      end
   end
   if #paths == 0 then
      error("no paths in " .. file)
   end
   headers = { ["Accept"] = "application/json" }
   if args[2] and #args[2] > 0 then
      headers["Authorization"] = "Bearer " .. args[2]
   end
   math.randomseed(os.time() * 1000 + id)
end

function request()
   return wrk.format("GET", paths[math.random(#paths)], headers)
end

function done(summary, latency, requests)
   local seconds = summary.duration / 1e6
   local e = summary.errors
   io.write(string.format(
      "RESULT requests=%d seconds=%.2f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f non2xx=%d socket_errors=%d bytes=%d\n",
      summary.requests, seconds, summary.requests / seconds,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
      e.status, e.connect + e.read + e.write + e.timeout, summary.bytes))
end
