-- Shared by the wrk scripts of bench/scim (loaded with dofile): a monotonic
-- clock, the request headers, per-thread ids and counters, and the RESULT
-- line that run.sh parses. Settings come from the environment (BENCH_*).
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk, bench_timespec *ts);
]]
local ts = ffi.new("bench_timespec")

function now()
	ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
	return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9
end

function env(name, default)
	local v = os.getenv(name)
	if v == nil or v == "" then
		if default == nil then error(name .. " is not set") end
		return default
	end
	return v
end

headers = {
	["Authorization"] = "Bearer " .. env("BENCH_TOKEN"),
	["Content-Type"] = "application/scim+json",
	["Accept"] = "application/scim+json",
}

function user_body(name, ext)
	return '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"' .. name ..
		'","externalId":"' .. ext .. '","name":{"givenName":"Bench","familyName":"User"},' ..
		'"emails":[{"value":"' .. name .. '","type":"work","primary":true}],"active":true}'
end

function urlencode(s)
	return (s:gsub("[^%w%-%._~@]", function(c) return string.format("%%%02X", c:byte()) end))
end

-- Per-thread state, read back in done() (main state) with thread:get().
ok, bad, t_first, t_last, finished = 0, 0, 0, 0, 0
statuses = ""

local threads = {}
function setup(thread)
	thread:set("tid", #threads)
	thread:set("nthreads", tonumber(env("BENCH_THREADS", "2")))
	table.insert(threads, thread)
end

local bad_seen = {}
function count(status)
	t_last = now()
	if status >= 200 and status < 300 then
		ok = ok + 1
	else
		bad = bad + 1
		bad_seen[status] = (bad_seen[status] or 0) + 1
		local s = ""
		for k, v in pairs(bad_seen) do s = s .. k .. "x" .. v .. " " end
		statuses = s
	end
end

-- Tells run.sh (which polls BENCH_MARK) that this thread's fixed work is done.
function mark_done()
	if finished == 1 then return end
	finished = 1
	local dir = os.getenv("BENCH_MARK")
	if dir then
		local f = io.open(dir .. "/done." .. tid, "w")
		f:write(string.format("%.6f\n", t_last))
		f:close()
	end
	wrk.thread:stop()
end

-- wrk calls request() once in thread 0, right after init(), to check the
-- script, and throws that request away: skip_verify() answers that call.
verify_pending = nil
function skip_verify()
	if verify_pending == nil then verify_pending = (tid == 0) end
	if verify_pending then
		verify_pending = false
		return true
	end
	return false
end

-- RESULT name ok bad rps_ok p50_ms p99_ms wall_s statuses
function done(summary, latency, requests)
	local tok, tbad, first, last, st = 0, 0, math.huge, 0, ""
	for _, t in ipairs(threads) do
		tok = tok + t:get("ok")
		tbad = tbad + t:get("bad")
		local f, l = t:get("t_first"), t:get("t_last")
		if f > 0 and f < first then first = f end
		if l > last then last = l end
		st = st .. t:get("statuses")
	end
	local wall = last > first and (last - first) or 0
	local secs = summary.duration / 1e6
	if wall > 0 then secs = wall end
	io.write(string.format("RESULT %s %d %d %.1f %.2f %.2f %.2f %s\n",
		env("BENCH_NAME", "run"), tok, tbad, tok / secs,
		latency:percentile(50) / 1000, latency:percentile(99) / 1000, wall,
		st == "" and "-" or st))
end
