-- PATCH /scim/v2/Groups/<BENCH_GROUP>, one member per request, alternating
-- Add and Remove of the same user (Entra's shapes: op Add / Remove, path
-- "members", a one-element value array), so the group keeps its size. The
-- users come from BENCH_CHURN (one id a line, none of them members), split
-- across threads.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")

local group, mine, k = env("BENCH_GROUP"), {}, 0

function init(args)
	local n = 0
	for line in io.lines(env("BENCH_CHURN")) do
		if n % nthreads == tid then table.insert(mine, line) end
		n = n + 1
	end
end

function request()
	if skip_verify() then return wrk.format("GET", "/scim/v2/ServiceProviderConfig", headers) end
	if t_first == 0 then t_first = now() end
	local id = mine[math.floor(k / 2) % #mine + 1]
	local op = (k % 2 == 0) and "Add" or "Remove"
	k = k + 1
	return wrk.format("PATCH", "/scim/v2/Groups/" .. group, headers,
		'{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"' ..
		op .. '","path":"members","value":[{"value":"' .. id .. '"}]}]}')
end

function response(status, hdrs, body)
	count(status)
end
