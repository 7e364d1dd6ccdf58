-- GET /scim/v2/Users?filter=userName eq "u<N>@example.com" for random N in
-- [0, BENCH_USERS): users that run.sh loaded. A 200 that does not hold exactly
-- one resource is counted as a failure with status 0.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")

local users = tonumber(env("BENCH_USERS"))

function init(args)
	math.randomseed(1000 + tid)
end

function request()
	if t_first == 0 then t_first = now() end
	local f = 'userName eq "u' .. math.random(0, users - 1) .. '@example.com"'
	return wrk.format("GET", "/scim/v2/Users?filter=" .. urlencode(f), headers)
end

function response(status, hdrs, body)
	if status == 200 and not body:find('"totalResults":1,', 1, true) then status = 0 end
	count(status)
end
