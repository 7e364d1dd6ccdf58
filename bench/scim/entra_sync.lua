-- An Entra ID style initial sync of BENCH_USERS users and BENCH_GROUPS groups,
-- run with one connection per wrk thread (-t C -c C) so each connection is a
-- sequential provisioning worker. Per user: GET /Users?filter=userName eq "x"
-- (expects an empty list), then POST /Users. Then per group: GET
-- /Groups?filter=displayName eq "g"&excludedAttributes=members, POST /Groups
-- (no members), one PATCH adding BENCH_MEMBERS of this worker's users. Thread
-- t takes users and groups t, t+C, t+2C, ... Names carry BENCH_PREFIX.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")

local prefix = env("BENCH_PREFIX", "e")
local nusers, ngroups = tonumber(env("BENCH_USERS")), tonumber(env("BENCH_GROUPS"))
local nmembers = tonumber(env("BENCH_MEMBERS", "10"))
local state, u, g, gid, gk = "uget", 0, 0, nil, 0
local ids = {}
lookups_nonempty = 0

local function uname() return prefix .. (tid + nthreads * u) .. "@example.com" end
local function gname() return prefix .. "group" .. (tid + nthreads * g) end

local function next_user()
	u = u + 1
	if tid + nthreads * u < nusers then state = "uget" else state = "gget" end
	if state == "gget" and tid >= ngroups then state = "done" end
end

local function next_group()
	g = g + 1
	if tid + nthreads * g < ngroups then state = "gget" else state = "done" end
end

function init(args)
	if tid >= nusers then state = (tid < ngroups) and "gget" or "done" end
end

function request()
	if skip_verify() or state == "done" then
		return wrk.format("GET", "/scim/v2/ServiceProviderConfig", headers)
	end
	if t_first == 0 then t_first = now() end
	if state == "uget" then
		return wrk.format("GET", "/scim/v2/Users?filter=" ..
			urlencode('userName eq "' .. uname() .. '"'), headers)
	elseif state == "upost" then
		return wrk.format("POST", "/scim/v2/Users", headers, user_body(uname(), "ext-" .. uname()))
	elseif state == "gget" then
		return wrk.format("GET", "/scim/v2/Groups?excludedAttributes=members&filter=" ..
			urlencode('displayName eq "' .. gname() .. '"'), headers)
	elseif state == "gpost" then
		return wrk.format("POST", "/scim/v2/Groups", headers,
			'{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"' ..
			gname() .. '","externalId":"ext-' .. gname() .. '"}')
	else -- gpatch
		local vals = {}
		for j = 0, nmembers - 1 do
			if #ids > 0 then
				table.insert(vals, '{"value":"' .. ids[(gk + j) % #ids + 1] .. '"}')
			end
		end
		gk = gk + nmembers
		return wrk.format("PATCH", "/scim/v2/Groups/" .. gid, headers,
			'{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":' ..
			'[{"op":"Add","path":"members","value":[' .. table.concat(vals, ",") .. ']}]}')
	end
end

function response(status, hdrs, body)
	if state == "done" or body:find("ServiceProviderConfig", 1, true) then return end
	if state == "uget" or state == "gget" then
		if status == 200 and not body:find('"totalResults":0', 1, true) then
			lookups_nonempty = lookups_nonempty + 1
			status = 0
		end
		count(status)
		state = (state == "uget") and "upost" or "gpost"
	elseif state == "upost" then
		count(status)
		local id = status == 201 and body:match('"id":"([^"]+)"')
		if id then table.insert(ids, id) end
		next_user()
	elseif state == "gpost" then
		count(status)
		gid = status == 201 and body:match('"id":"([^"]+)"')
		if gid then state = "gpatch" else next_group() end
	else
		count(status)
		next_group()
	end
	if state == "done" then mark_done() end
end
