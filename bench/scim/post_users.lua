-- POST /scim/v2/Users with a unique userName per request.
-- BENCH_MODE=load: users u<N>@example.com for N in [BENCH_BASE, BENCH_BASE+BENCH_COUNT),
--   split across threads; each thread writes "N id" lines to BENCH_IDS.<tid> and
--   marks itself done in BENCH_MARK when its share is answered.
-- BENCH_MODE=timed (default): names <BENCH_PREFIX>t<tid>n<i>@example.com until wrk's -d ends.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")

local mode, prefix = env("BENCH_MODE", "timed"), env("BENCH_PREFIX", "b")
local base, total = tonumber(env("BENCH_BASE", "0")), tonumber(env("BENCH_COUNT", "0"))
local i, share, answered, ids = 0, 0, 0, nil

function init(args)
	if mode == "load" then
		-- indices base + tid, base + tid + nthreads, ...
		share = math.floor((total - tid + nthreads - 1) / nthreads)
		ids = io.open(env("BENCH_IDS") .. "." .. tid, "w")
	end
end

function request()
	if skip_verify() then return wrk.format("GET", "/scim/v2/ServiceProviderConfig", headers) end
	if t_first == 0 then t_first = now() end
	local name
	if mode == "load" then
		if i >= share then
			return wrk.format("GET", "/scim/v2/ServiceProviderConfig", headers)
		end
		local n = base + tid + nthreads * i
		name = "u" .. n .. "@example.com"
	else
		name = prefix .. "t" .. tid .. "n" .. i .. "@example.com"
	end
	i = i + 1
	return wrk.format("POST", "/scim/v2/Users", headers, user_body(name, "ext-" .. name))
end

function response(status, hdrs, body)
	if mode ~= "load" then
		count(status)
		return
	end
	if answered >= share or body:find("ServiceProviderConfig", 1, true) then return end -- a filler GET
	answered = answered + 1
	count(status)
	if status == 201 then
		local n, id = body:match('"userName":"u(%d+)@'), body:match('"id":"([^"]+)"')
		if n and id then ids:write(n, " ", id, "\n") end
	end
	if answered >= share then
		ids:close()
		mark_done()
	end
end
