#!/bin/bash
# Every idsyncd endpoint over real TLS (curl with the server's certificate
# pinned as the only CA), RFC 7644 by RFC 7644: authentication, discovery
# documents, Users and Groups CRUD with their error cases, filters,
# pagination, attribute projection, .search, ETags, limits, TLS versions,
# hostile clients and certificate reload.
# Usage: test_endpoints.sh IDSYNCD IDSYNCCTL LIBNSS_IDSYNC_SO   (exit 77: skipped)
. "$(dirname "$0")/lib.sh"
scim_setup "max_body_kb = 64
page_size_max = 20
filter_max_length = 256
filter_max_depth = 4
request_timeout_s = 3"
start_server

ACME=urn:example:params:scim:schemas:extension:acme:2.0:User
empty_list='(.schemas == [$l]) and (.totalResults == 0) and ((.Resources // []) == [])'
is_int='(type == "number") and (. == floor)'

echo "# --- authentication"
AUTH=none scim GET /Users
want_error "no Authorization header: 401" 401
check "401 says WWW-Authenticate: Bearer" eval '[[ $(hdr WWW-Authenticate) == Bearer* ]]'
AUTH="Bearer idsync_not-a-real-token" scim GET /Users
want_error "a wrong bearer token: 401" 401
check "401 says WWW-Authenticate: Bearer (bad token)" eval '[[ $(hdr WWW-Authenticate) == Bearer* ]]'
AUTH="Bearer ${TOKEN}x" scim GET /Users
want_error "the right token with one more character: 401" 401
AUTH="Basic $(printf 'scim:%s' "$TOKEN" | base64 -w0)" scim GET /Users
want_error "the token as HTTP Basic: 401" 401
AUTH="Bearer" scim GET /Groups
want_error "Bearer without a token: 401" 401
AUTH=none scim POST /Users "$(user_json nobody.at.all@example.com)"
want_error "an unauthenticated POST: 401" 401
scim GET "/Users?filter=$(q 'userName eq "nobody.at.all@example.com"')"
want "the unauthenticated POST created nothing" 200 "$empty_list" --arg l "$URN_LIST"
ctl token create second >/dev/null 2>&1
ctl token revoke second >/dev/null 2>&1
T2=$(ctl token create third 2>/dev/null)
AUTH="Bearer $T2" scim GET /Users
want_status "a second token works" 200
ctl token revoke third >/dev/null 2>&1
AUTH="Bearer $T2" scim GET /Users
want_error "a revoked token: 401" 401

echo "# --- discovery"
scim GET /ServiceProviderConfig
want "ServiceProviderConfig: 200 with its schema" 200 'any(.schemas[]; . == $u)' --arg u "$URN_SPC"
check "ServiceProviderConfig is application/scim+json" eval '[[ $(hdr Content-Type) == application/scim+json* ]]'
want_json "patch supported" '.patch.supported == true'
want_json "filter supported, maxResults = page_size_max (20)" '.filter.supported == true and .filter.maxResults == 20'
want_json "bulk not supported, with integer limits" ".bulk.supported == false and (.bulk.maxOperations | $is_int) and (.bulk.maxPayloadSize | $is_int)"
want_json "sort not supported" '.sort.supported == false'
want_json "etag supported" '.etag.supported == true'
want_json "changePassword not supported" '.changePassword.supported == false'
want_json "authenticationSchemes has oauthbearertoken" 'any(.authenticationSchemes[]; .type == "oauthbearertoken" and (.name | type == "string") and (.description | type == "string"))'

scim GET /ResourceTypes
want "ResourceTypes: a ListResponse of 2" 200 '.schemas == [$l] and .totalResults == 2 and (.Resources | length) == 2' --arg l "$URN_LIST"
want_json "ResourceType User: /Users, core schema, enterprise extension" \
	'any(.Resources[]; .id == "User" and .name == "User" and .endpoint == "/Users" and .schema == $u and any(.schemaExtensions[]; .schema == $e))' \
	--arg u "$URN_USER" --arg e "$URN_ENT"
want_json "ResourceType Group: /Groups, core schema" \
	'any(.Resources[]; .id == "Group" and .endpoint == "/Groups" and .schema == $g)' --arg g "$URN_GROUP"
scim GET /ResourceTypes/User
want "GET /ResourceTypes/User" 200 '.id == "User" and .schema == $u and .schemas == ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"]' --arg u "$URN_USER"
scim GET /ResourceTypes/Group
want "GET /ResourceTypes/Group" 200 '.id == "Group" and .endpoint == "/Groups"'
scim GET /ResourceTypes/Printer
want_error "GET /ResourceTypes/Printer: 404" 404

scim GET /Schemas
want "Schemas: a ListResponse with User, Group, EnterpriseUser" 200 \
	'.schemas == [$l] and ([.Resources[].id] | index($u) and index($g) and index($e)) and (.totalResults | type == "number")' \
	--arg l "$URN_LIST" --arg u "$URN_USER" --arg g "$URN_GROUP" --arg e "$URN_ENT"
scim GET "/Schemas/$URN_USER"
want "GET /Schemas/User" 200 '.id == $u and (.attributes | type == "array")' --arg u "$URN_USER"
want_json "userName: required, unique (server), not caseExact" \
	'any(.attributes[]; .name == "userName" and .required == true and .uniqueness == "server" and .caseExact == false)'
want_json "password: writeOnly, returned never" \
	'any(.attributes[]; .name == "password" and .mutability == "writeOnly" and .returned == "never")'
scim GET "/Schemas/$URN_GROUP"
want "GET /Schemas/Group: members multi-valued" 200 'any(.attributes[]; .name == "members" and .multiValued == true)'
scim GET "/Schemas/$URN_ENT"
want "GET /Schemas/EnterpriseUser: manager" 200 '.id == $e and any(.attributes[]; .name == "manager")' --arg e "$URN_ENT"
scim GET "/Schemas/urn:example:no:such:schema"
want_error "GET /Schemas/<unknown urn>: 404" 404

echo "# --- create"
ada_body=$(jq -cn --arg u "$URN_USER" --arg e "$URN_ENT" --arg a "$ACME" '{
	schemas: [$u, $e, $a], id: "client-chosen-id", userName: "Ada.Lovelace@example.com",
	externalId: "ext-ada", displayName: "Ada Lovelace", password: "Sup3r-Secret!",
	name: {givenName: "Ada", familyName: "Lovelace", formatted: "Ada Lovelace"},
	emails: [{value: "ada@example.com", type: "work", primary: true}, {value: "ada@home.example", type: "home"}],
	phoneNumbers: [{value: "+44 20 7946 0001", type: "work"}],
	active: true,
	($e): {employeeNumber: "1815", department: "Analytical Engines"},
	($a): {costCenter: "CC-9", badges: [1, 2]}}')
scim POST /Users "$ada_body"
want "POST /Users: 201" 201 '.id | type == "string" and length > 0'
ada=$(j .id)
ada_etag=$(hdr ETag)
want_json "the server assigns the id (a client id is ignored)" '.id != "client-chosen-id"'
check "Location is meta.location and ends in /scim/v2/Users/{id}" \
	eval '[ "$(hdr Location)" = "$(j .meta.location)" ] && [[ $(hdr Location) == https://*/scim/v2/Users/$ada ]]'
check "201 is application/scim+json" eval '[[ $(hdr Content-Type) == application/scim+json* ]]'
want_json "echoes userName, externalId, name, both emails, active" \
	'.userName == "Ada.Lovelace@example.com" and .externalId == "ext-ada" and .name.familyName == "Lovelace" and (.emails | length) == 2 and .active == true'
want_json "schemas list the core User URN" 'any(.schemas[]; . == $u)' --arg u "$URN_USER"
want_json "no password anywhere in the response" '[.. | objects | keys[] | ascii_downcase | select(. == "password")] == []'
want_json "meta: resourceType, created, lastModified, version" \
	'.meta.resourceType == "User" and (.meta.created | type == "string") and (.meta.lastModified | type == "string") and (.meta.version | type == "string")'
check "ETag header is W/\"...\" and equals meta.version" eval '[[ $ada_etag =~ ^W/\".+\"$ ]] && [ "$ada_etag" = "$(j .meta.version)" ]'
want_json "enterprise extension kept" '.[$e].employeeNumber == "1815" and .[$e].department == "Analytical Engines"' --arg e "$URN_ENT"
want_json "an unknown extension is kept and returned" '.[$a] == {costCenter: "CC-9", badges: [1, 2]} and any(.schemas[]; . == $a)' --arg a "$ACME"

scim GET "/Users/$ada"
want "GET /Users/{id}: 200" 200 '.id == $id and .userName == "Ada.Lovelace@example.com"' --arg id "$ada"
check "GET has the same ETag" eval '[ "$(hdr ETag)" = "$ada_etag" ]'
want_json "GET: no password" '[.. | objects | keys[] | ascii_downcase | select(. == "password")] == []'
want_json "GET: the unknown extension" '.[$a].costCenter == "CC-9"' --arg a "$ACME"
scim GET "/Users/$ada?attributes=password"
want_json "attributes=password returns no password" '[.. | objects | keys[] | ascii_downcase | select(. == "password")] == []'
if ctl audit 2>/dev/null | grep -q scim-test; then ok "the audit trail names the token"; else fail "the audit trail names the token (scim-test)" "$(ctl audit 2>&1 | tail -n 5)"; fi

line=$(nss_run "getent passwd ada.lovelace")
for i in $(seq 1 50); do [ -n "$line" ] && break; sleep 0.1; line=$(nss_run "getent passwd ada.lovelace"); done
IFS=: read -r l_login _ l_uid l_gid _ l_home l_shell <<<"$line"
if [ "$l_login" = ada.lovelace ] && [ "$l_uid" -ge 1000000 ] 2>/dev/null && [ "$l_uid" -le 1999999999 ] &&
	[ "$l_gid" = "$l_uid" ] && [ "$l_home" = /home/ada.lovelace ] && [ "$l_shell" = /bin/bash ]; then
	ok "getent passwd ada.lovelace: uid in range, private group, home, shell"
else
	fail "getent passwd ada.lovelace: uid in range, private group, home, shell" "got [$line]"
fi
wait_nss "getent group ada.lovelace: the private group, gid = uid" "ada.lovelace:$l_uid" "getent group ada.lovelace | cut -d: -f1,3"

echo "# --- create: refusals"
scim POST /Users "$(user_json ADA.LOVELACE@EXAMPLE.COM)"
want_error "duplicate userName (other case): 409 uniqueness" 409 uniqueness
scim POST /Users "$(user_json ada.lovelace@elsewhere.example)"
want_error "another userName giving the same login: 409" 409
check "  ... with a detail an admin can act on" eval '[ "$(j .detail | wc -c)" -gt 10 ]'
scim POST /Users "$(user_json root@example.com)"
want_error "a reserved login (root): 400/409" '400|409'
scim POST /Users "$(user_json alice@example.com)"
want_error "a login of the host's passwd file (alice): 400/409" '400|409'
scim POST /Users "$(user_json 'Bad Name!@example.com')"
want_error "a userName that cannot be a login: 400/409" '400|409'
scim POST /Users "{\"schemas\":[\"$URN_USER\"],\"name\":{\"givenName\":\"No\"}}"
want_error "no userName: 400 invalidValue" 400 invalidValue
scim POST /Users "{\"schemas\":[\"$URN_USER\"],\"userName\":\"\"}"
want_error "empty userName: 400 invalidValue" 400 invalidValue
scim POST /Users "{\"schemas\":[\"$URN_USER\"],\"userName\":42}"
want_error "userName a number: 400 invalidValue/invalidSyntax" 400 'invalidValue|invalidSyntax'
scim POST /Users "{\"schemas\":[\"$URN_USER\"],\"userName\":\"x.y@example.com\",\"active\":\"maybe\"}"
want_error "active \"maybe\": 400 invalidValue" 400 'invalidValue|invalidSyntax'
scim POST /Users "{\"schemas\":[\"$URN_USER\"],\"userName\":\"x.y@example.com\",\"emails\":[{\"value\":\"a@x\",\"primary\":true},{\"value\":\"b@x\",\"primary\":true}]}"
want_error "two primary emails: 400" 400 'invalidValue|invalidSyntax'
scim POST /Users '{"userName": "broken@example.com", '
want_error "truncated JSON: 400 invalidSyntax" 400 invalidSyntax
scim POST /Users '[{"userName": "array@example.com"}]'
want_error "a JSON array: 400 invalidSyntax" 400 invalidSyntax
scim POST /Users '{"schemas":["urn:example:not:a:user"],"userName":"wrong.schema@example.com"}'
want_error "schemas without the User URN: 400" 400 'invalidSyntax|invalidValue'
scim POST /Users "" -H "Content-Type: application/scim+json" --data-binary ''
want_error "an empty body: 400" 400 'invalidSyntax|invalidValue'
scim GET "/Users?filter=$(q 'userName sw "x.y" or userName sw "broken" or userName sw "array" or userName sw "wrong.schema"')"
want "none of the refused creates left a user" 200 "$empty_list" --arg l "$URN_LIST"
CT=application/json scim POST /Users "$(user_json json.type@example.com)"
want "Content-Type application/json accepted" 201 '.userName == "json.type@example.com"'
jt=$(j .id)
CT="application/scim+json; charset=utf-8" scim POST /Users "$(user_json charset.type@example.com)"
want_status "Content-Type with charset accepted" 201

echo "# --- PUT, PATCH, If-Match"
put_body=$(jq -cn --arg u "$URN_USER" --arg e "$URN_ENT" '{schemas: [$u, $e], userName: "Ada.Lovelace@example.com",
	externalId: "ext-ada", name: {givenName: "Augusta Ada", familyName: "King"}, active: true,
	emails: [{value: "ada.king@example.com", type: "work", primary: true}], ($e): {employeeNumber: "1815"}}')
IFMATCH='W/"no-such-version"' scim PUT "/Users/$ada" "$put_body"
want_error "PUT with a stale If-Match: 412" 412
scim GET "/Users/$ada"
want_json "  ... changed nothing" '.name.familyName == "Lovelace" and (.phoneNumbers | length) == 1'
IFMATCH=$ada_etag scim PUT "/Users/$ada" "$put_body"
want "PUT with the current If-Match: 200" 200 '.name.familyName == "King" and .name.givenName == "Augusta Ada"'
want_json "PUT replaces: phoneNumbers, displayName, department gone" \
	'(.phoneNumbers // []) == [] and .displayName == null and .[$e].department == null and (.emails | length) == 1' --arg e "$URN_ENT"
check "PUT gives a new ETag" eval '[ -n "$(hdr ETag)" ] && [ "$(hdr ETag)" != "$ada_etag" ]'
ada_etag2=$(hdr ETag)
scim PUT "/Users/$ada" "$(user_json json.type@example.com)"
want_error "PUT to another user's userName: 409 uniqueness" 409 uniqueness
scim PUT /Users/no-such-id "$(user_json ghost@example.com)"
want_error "PUT to an unknown id: 404" 404
scim PUT "/Users/$ada" "{\"schemas\":[\"$URN_USER\"],\"name\":{\"givenName\":\"X\"}}"
want_error "PUT without userName: 400 invalidValue" 400 invalidValue
IFMATCH=$ada_etag scim PATCH "/Users/$ada" "$(patch_json '[{"op":"replace","path":"title","value":"Countess"}]')"
want_error "PATCH with the superseded ETag: 412" 412
IFMATCH=$ada_etag2 scim PATCH "/Users/$ada" "$(patch_json '[{"op":"replace","path":"title","value":"Countess"}]')"
want_status "PATCH with the current ETag: 200/204" '200|204'
scim PATCH "/Users/$ada" "$(patch_json '[{"op":"replace","path":"name.givenName","value":"Ada"},{"op":"add","path":"emails","value":[{"value":"ada@second.example","type":"other"}]},{"op":"add","path":"phoneNumbers","value":[{"value":"+1 555","type":"work"},{"value":"+1 556","type":"home"}]}]')"
want_status "PATCH replace + add (three ops): 200/204" '200|204'
scim PATCH "/Users/$ada" "$(patch_json '[{"op":"remove","path":"phoneNumbers[type eq \"work\"]"}]')"
want_status "PATCH remove with a value filter: 200/204" '200|204'
scim GET "/Users/$ada"
want_json "PATCHes applied: givenName, title, 2 emails, only the home phone" \
	'.name.givenName == "Ada" and .name.familyName == "King" and .title == "Countess" and (.emails | length) == 2 and ([.phoneNumbers[].type] == ["home"])'
scim PATCH "/Users/$ada" "$(patch_json '[{"op":"remove"}]')"
want_error "PATCH remove without path: 400 noTarget" 400 noTarget
scim PATCH "/Users/$ada" "$(patch_json '[{"op":"frobnicate","path":"title","value":"x"}]')"
want_error "PATCH with an unknown op: 400" 400 'invalidSyntax|invalidValue'
scim PATCH "/Users/$ada" "$(patch_json '[{"op":"replace","path":"name[[[","value":"x"}]')"
want_error "PATCH with a malformed path: 400 invalidPath" 400 'invalidPath|invalidFilter'
scim PATCH "/Users/$ada" "{\"schemas\":[\"$URN_PATCH\"]}"
want_error "PATCH without Operations: 400 invalidSyntax" 400 invalidSyntax
scim PATCH "/Users/$ada" "$(patch_json '[{"op":"replace","path":"userName","value":"JSON.TYPE@example.com"}]')"
want_error "PATCH userName onto another user's: 409 uniqueness" 409 uniqueness
scim PATCH "/Users/$ada" "$(patch_json '[{"op":"replace","path":"active","value":"sometimes"}]')"
want_error "PATCH active \"sometimes\": 400 invalidValue" 400 'invalidValue|invalidSyntax'
scim PATCH "/Users/$ada" "$(patch_json '[{"op":"replace","path":"title","value":"Lady"},{"op":"remove"}]')"
want_error "a PATCH with one bad op: 400" 400
scim GET "/Users/$ada"
want_json "  ... applied none of its ops (atomic)" '.title == "Countess"'
scim PATCH "/Users/$ada" "$(patch_json '[{"op":"add","value":{"nickName":"Enchantress","emails":[{"value":"ada@third.example","type":"other"}]}}]')"
want_status "PATCH add without path (a value object): 200/204" '200|204'
scim GET "/Users/$ada"
want_json "  ... nickName set, the email appended (3 now)" '.nickName == "Enchantress" and (.emails | length) == 3 and .title == "Countess"'
scim PATCH /Users/no-such-id "$(patch_json '[{"op":"replace","path":"title","value":"x"}]')"
want_error "PATCH an unknown id: 404" 404

echo "# --- filters"
grace_body=$(jq -cn --arg u "$URN_USER" --arg e "$URN_ENT" '{schemas: [$u, $e], userName: "Grace.Hopper@example.com",
	externalId: "ext-grace", name: {givenName: "Grace", familyName: "Hopper"}, active: true,
	emails: [{value: "grace@navy.example", type: "work", primary: true}], ($e): {employeeNumber: "1906"}}')
scim POST /Users "$grace_body"
want_status "POST grace" 201
grace=$(j .id)
scim POST /Users "$(jq -cn --arg u "$URN_USER" '{schemas: [$u], userName: "Alan.Turing@example.com", externalId: "ext-alan",
	name: {givenName: "Alan", familyName: "Turing"}, active: false, emails: [{value: "alan@bletchley.example", type: "work"}]}')"
want "POST alan (inactive)" 201 '.active == false'
alan=$(j .id)
# filter_case DESC FILTER IDS...: GET /Users?filter= finds exactly IDS.
filter_case() {
	local desc=$1 f=$2
	shift 2
	local want_ids
	want_ids=$(sorted_csv "$@")
	scim GET "/Users?filter=$(q "$f")&count=100"
	if [ "$ST" != 200 ]; then
		fail_req "filter $desc: $f" "status $ST, wanted 200"
	elif [ "$(j '[.Resources[]?.id] | sort | join(",")')" != "$want_ids" ] ||
		[ "$(j .totalResults)" != "$#" ] || [ "$(j '.schemas[0]')" != "$URN_LIST" ]; then
		fail_req "filter $desc: $f" "wanted ids [$want_ids] (totalResults $#)"
	else
		ok "filter $desc: $f"
	fi
}
filter_case "eq on userName is case-insensitive" 'userName eq "grace.HOPPER@EXAMPLE.com"' "$grace"
filter_case "operator and attribute names are case-insensitive" 'USERNAME EQ "grace.hopper@example.com"' "$grace"
filter_case "externalId is caseExact (no match)" 'externalId eq "EXT-GRACE"'
filter_case "externalId eq" 'externalId eq "ext-grace"' "$grace"
filter_case "sub-attribute sw" 'name.familyName sw "Hop"' "$grace"
filter_case "value path with and/co" 'emails[type eq "work" and value co "bletchley"]' "$alan"
filter_case "multi-valued sub-attribute ew" 'emails.value ew "navy.example"' "$grace"
filter_case "boolean eq false" 'active eq false and userName sw "Alan"' "$alan"
filter_case "not, or, parentheses" 'not (userName eq "x@y") and (userName sw "grace" or userName sw "alan")' "$grace" "$alan"
filter_case "URN-qualified enterprise attribute" "$URN_ENT:employeeNumber eq \"1906\"" "$grace"
filter_case "pr and" 'title pr and userName sw "ada"' "$ada"
filter_case "ne" 'userName ne "grace.hopper@example.com" and name.familyName sw "Hop"'
filter_case "co on userName" 'userName co "turing@"' "$alan"
filter_case "gt on a dateTime" 'meta.lastModified gt "2000-01-01T00:00:00Z" and userName sw "grace"' "$grace"
filter_case "lt on a dateTime (none that old)" 'meta.created lt "2000-01-01T00:00:00Z"'
filter_case "an id" "id eq \"$alan\"" "$alan"
filter_case "a random GUID finds nothing" "userName eq \"$(cat /proc/sys/kernel/random/uuid)\""
scim GET "/Users?filter=$(q "userName eq \"$(cat /proc/sys/kernel/random/uuid)\"")"
want "nothing found: 200 with an empty ListResponse" 200 "$empty_list" --arg l "$URN_LIST"
long=$(printf 'a%.0s' $(seq 1 300))
deep='((((((userName eq "a"))))))'
for bad in 'userName eq' 'userName zz "a"' '(userName eq "a"' 'userName eq "a" and' 'emails[type eq "work"' \
	'userName eq "unterminated' 'and or not' '"a" eq userName' "userName eq \"$long\"" "$deep"; do
	scim GET "/Users?filter=$(q "$bad")"
	want_error "400 invalidFilter: ${bad:0:60}" 400 invalidFilter
done
scim POST /Users/.search "{\"schemas\":[\"$URN_SEARCH\"],\"filter\":\"userName eq\"}"
want_error ".search with a bad filter: 400 invalidFilter" 400 invalidFilter

echo "# --- pagination (25 users, count=10)"
declare -a pg_ids=()
for i in $(seq -w 1 25); do
	scim POST /Users "$(user_json "pg$i.page@example.com" "ext-pg$i")"
	if [ "$ST" = 201 ]; then pg_ids+=("$(j .id)"); else fail_req "create pg$i" "status $ST"; fi
done
assert_eq "25 users created" "${#pg_ids[@]}" 25
pgf=$(q 'userName sw "pg"')
page_ids() { # page_ids START COUNT -> ids of that page, one a line; checks the envelope
	scim GET "/Users?filter=$pgf&startIndex=$1&count=$2"
	local n=$3
	if [ "$ST" = 200 ] && printf '%s' "$RESP" | jq -e --arg l "$URN_LIST" --argjson s "$1" --argjson n "$n" \
		"(.schemas == [\$l]) and (.totalResults == 25) and (.startIndex == \$s) and (.itemsPerPage == \$n) and ((.Resources // []) | length) == \$n and (.totalResults | $is_int) and (.startIndex | $is_int) and (.itemsPerPage | $is_int)" >/dev/null; then
		ok "page startIndex=$1 count=$2: $n resources, totalResults 25, integers"
	else
		fail_req "page startIndex=$1 count=$2: $n resources, totalResults 25, integers"
	fi
	j '.Resources[]?.id' >>"$D/pages"
}
: >"$D/pages"
page_ids 1 10 10
page_ids 11 10 10
page_ids 21 10 5
assert_eq "pages: no duplicates" "$(sort "$D/pages" | uniq -d | wc -l)" 0
assert_eq "pages: the union is exactly the 25 users" "$(sort "$D/pages" | paste -sd,)" "$(printf '%s\n' "${pg_ids[@]}" | sort | paste -sd,)"
mv "$D/pages" "$D/pages1"
: >"$D/pages"
page_ids 1 10 10 >/dev/null
page_ids 11 10 10 >/dev/null
page_ids 21 10 5 >/dev/null
check "the same order on a second pass (stable)" cmp -s "$D/pages1" "$D/pages"
scim GET "/Users?filter=$pgf&count=0"
want "count=0: only totalResults" 200 '.totalResults == 25 and ((.Resources // []) == [])'
scim GET "/Users?filter=$pgf&count=-3"
want "count<0 is 0 (RFC 7644 3.4.2.4)" 200 '.totalResults == 25 and ((.Resources // []) == [])'
scim GET "/Users?filter=$pgf&startIndex=0&count=3"
want "startIndex<1 is 1 (RFC 7644 3.4.2.4)" 200 '.startIndex == 1 and (.Resources | length) == 3'
scim GET "/Users?filter=$pgf&count=100"
want "count above page_size_max is lowered to 20" 200 '.totalResults == 25 and (.Resources | length) == 20 and .itemsPerPage == 20'
scim GET "/Users?filter=$pgf&startIndex=40&count=10"
want "startIndex past the end: empty page, totalResults 25" 200 '.totalResults == 25 and ((.Resources // []) == [])'
scim GET "/Users?count=5"
want "no filter: every user counted" 200 ".totalResults >= 29 and (.Resources | length) == 5 and (.totalResults | $is_int)"
scim GET "/Users?filter=$pgf"
want "no count: at most page_size_max" 200 '(.Resources | length) == 20 and .itemsPerPage == 20'
scim GET "/Users?filter=$pgf&startIndex=abc"
want_error "startIndex not a number: 400" 400
scim GET "/Users?filter=$pgf&sortBy=userName"
want_status "sortBy (unsupported, declared so) does not fail the request with 5xx" '200|400'

echo "# --- attributes / excludedAttributes"
scim GET "/Users/$grace?attributes=userName"
want "attributes=userName: id, userName, schemas; no name, emails" 200 \
	'.id == $g and .userName == "Grace.Hopper@example.com" and (.schemas | length) > 0 and .name == null and .emails == null and .externalId == null' --arg g "$grace"
scim GET "/Users/$grace?attributes=name.familyName"
want "attributes=name.familyName: that sub-attribute only" 200 '.name == {familyName: "Hopper"} and .emails == null'
scim GET "/Users/$grace?attributes=USERNAME,Name.GivenName"
want "attribute names are case-insensitive" 200 '.userName == "Grace.Hopper@example.com" and .name.givenName == "Grace" and .name.familyName == null'
scim GET "/Users/$grace?excludedAttributes=emails,name"
want "excludedAttributes=emails,name" 200 '.emails == null and .name == null and .externalId == "ext-grace" and .userName != null'
scim GET "/Users/$grace?excludedAttributes=userName,id"
want "excludedAttributes cannot drop returned:always (id, userName)" 200 '.id == $g and .userName == "Grace.Hopper@example.com"' --arg g "$grace"
scim GET "/Users/$grace?attributes=$URN_ENT:employeeNumber"
want "attributes=<enterprise URN>:employeeNumber" 200 '.[$e].employeeNumber == "1906" and .name == null' --arg e "$URN_ENT"
scim GET "/Users?filter=$(q 'userName sw "grace"')&attributes=userName"
want "a list with attributes=userName" 200 '.totalResults == 1 and (.Resources[0] | .userName != null and .name == null and .emails == null)'

echo "# --- .search"
scim POST /Users/.search "$(jq -cn --arg s "$URN_SEARCH" '{schemas: [$s], filter: "userName eq \"grace.hopper@example.com\"", attributes: ["userName", "name.familyName"], startIndex: 1, count: 10}')"
want "POST /Users/.search: filter and attributes" 200 \
	'.schemas == [$l] and .totalResults == 1 and (.Resources[0] | .id == $g and .name == {familyName: "Hopper"} and .emails == null)' \
	--arg l "$URN_LIST" --arg g "$grace"
scim POST /Users/.search "$(jq -cn --arg s "$URN_SEARCH" '{schemas: [$s], filter: "userName sw \"pg\"", excludedAttributes: ["name"], startIndex: 21, count: 10}')"
want "POST /Users/.search: paging and excludedAttributes" 200 \
	'.totalResults == 25 and .startIndex == 21 and (.Resources | length) == 5 and all(.Resources[]; .name == null)'
scim POST /Users/.search "{\"schemas\":[\"$URN_SEARCH\"],\"count\":0}"
want "POST /Users/.search count 0" 200 '.totalResults >= 29 and ((.Resources // []) == [])'

echo "# --- groups"
scim POST /Groups "$(jq -cn --arg s "$URN_GROUP" --arg g "$grace" '{schemas: [$s], displayName: "Analysts", externalId: "ext-analysts", members: [{value: $g}, {value: "no-such-user-id"}]}')"
want "POST /Groups with members (one unknown): 201" 201 '.displayName == "Analysts" and ([.members[].value] == [$g])' --arg g "$grace"
gid=$(j .id)
check "group Location ends in /scim/v2/Groups/{id}" eval '[[ $(hdr Location) == https://*/scim/v2/Groups/$gid ]]'
want_json "group meta and ETag" '.meta.resourceType == "Group" and (.meta.version | type == "string")'
g_etag=$(hdr ETag)
scim POST /Groups "{\"schemas\":[\"$URN_GROUP\"],\"displayName\":\"ANALYSTS\"}"
want_error "duplicate group displayName (other case): 409 uniqueness" 409 uniqueness
scim POST /Groups "{\"schemas\":[\"$URN_GROUP\"],\"externalId\":\"x\"}"
want_error "group without displayName: 400 invalidValue" 400 invalidValue
scim GET "/Groups/$gid"
want "GET /Groups/{id}" 200 '.id == $id and [.members[].value] == [$g]' --arg id "$gid" --arg g "$grace"
scim GET "/Groups/$gid?excludedAttributes=members"
want "GET /Groups/{id}?excludedAttributes=members" 200 '.id == $id and .members == null and .displayName == "Analysts"' --arg id "$gid"
scim GET "/Groups?filter=$(q 'displayName eq "analysts"')"
want "GET /Groups?filter=displayName eq (case-insensitive)" 200 '.totalResults == 1 and .Resources[0].id == $id' --arg id "$gid"
scim GET "/Groups?filter=$(q 'externalId eq "ext-analysts"')&excludedAttributes=members"
want "GET /Groups?filter=externalId eq &excludedAttributes=members" 200 '.totalResults == 1 and .Resources[0].members == null'
scim GET "/Groups?filter=$(q 'displayName eq "Nobody Here"')"
want "a group filter finding nothing: empty ListResponse" 200 "$empty_list" --arg l "$URN_LIST"
scim PATCH "/Groups/$gid" "$(patch_json "[{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"$alan\"},{\"value\":\"$grace\"}]}]")"
want_status "PATCH add members (one already in): 200/204" '200|204'
scim PATCH "/Groups/$gid" "$(patch_json '[{"op":"add","path":"members","value":[{"value":"no-such-user-id"}]}]')"
want_status "PATCH add an unknown member: skipped, 200/204" '200|204'
scim GET "/Groups/$gid"
want_json "members: grace and alan once each" '([.members[].value] | sort) == ([$a, $g] | sort)' --arg a "$alan" --arg g "$grace"
scim PATCH "/Groups/$gid" "$(patch_json "[{\"op\":\"remove\",\"path\":\"members[value eq \\\"$alan\\\"]\"}]")"
want_status "PATCH remove members[value eq]: 200/204" '200|204'
scim GET "/Groups/$gid"
want_json "members: grace only" '[.members[].value] == [$g]' --arg g "$grace"
IFMATCH=$g_etag scim PUT "/Groups/$gid" "{\"schemas\":[\"$URN_GROUP\"],\"displayName\":\"Analysts\"}"
want_error "PUT group with a stale If-Match: 412" 412
scim PUT "/Groups/$gid" "$(jq -cn --arg s "$URN_GROUP" --arg a "$alan" '{schemas: [$s], displayName: "Data Analysts", externalId: "ext-analysts", members: [{value: $a}]}')"
want "PUT group: renamed, members replaced" 200 '.displayName == "Data Analysts" and [.members[].value] == [$a]' --arg a "$alan"
scim PUT /Groups/no-such-group "{\"schemas\":[\"$URN_GROUP\"],\"displayName\":\"Ghosts\"}"
want_error "PUT an unknown group: 404" 404
scim GET /Groups/no-such-group
want_error "GET an unknown group: 404" 404
scim POST /Groups/.search "$(jq -cn --arg s "$URN_SEARCH" '{schemas: [$s], filter: "displayName sw \"Data\"", excludedAttributes: ["members"]}')"
want "POST /Groups/.search" 200 '.totalResults == 1 and .Resources[0].id == $id and .Resources[0].members == null' --arg id "$gid"
scim GET "/Groups?count=0"
want "GET /Groups?count=0" 200 '.totalResults == 1 and ((.Resources // []) == [])'

echo "# --- delete"
IFMATCH='W/"stale"' scim DELETE "/Users/$alan"
want_error "DELETE with a stale If-Match: 412" 412
scim GET "/Users/$alan"
want_status "  ... the user is still there" 200
scim DELETE "/Users/$alan"
want_status "DELETE /Users/{id}: 204" 204
check "204 has no body" eval '[ -z "$RESP" ]'
scim GET "/Users/$alan"
want_error "GET a deleted user: 404" 404
scim DELETE "/Users/$alan"
want_error "DELETE it again: 404" 404
scim GET "/Users?filter=$(q 'userName eq "alan.turing@example.com"')"
want "a deleted user is not listed" 200 "$empty_list" --arg l "$URN_LIST"
scim GET "/Groups/$gid"
want_json "a deleted user is no longer a group member" '(.members // []) == []'
scim DELETE "/Groups/$gid"
want_status "DELETE /Groups/{id}: 204" 204
scim GET "/Groups/$gid"
want_error "GET a deleted group: 404" 404
scim DELETE /Users/no-such-id
want_error "DELETE an unknown user: 404" 404
scim DELETE "/Users/$jt"
want_status "DELETE json.type: 204" 204

echo "# --- unsupported methods and paths"
scim DELETE /Users
want_error "DELETE /Users (the collection): an error" '404|405|501'
scim PUT /ServiceProviderConfig '{}'
want_error "PUT /ServiceProviderConfig: an error" '404|405|501'
scim POST /Bulk "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:BulkRequest\"],\"Operations\":[]}"
want_error "POST /Bulk (bulk unsupported): an error" '404|405|501'
scim GET /Printers
want_error "GET /Printers: 404" 404
scim GET "/Users/$grace/extra"
want_error "GET /Users/{id}/extra: 404" 404

echo "# --- limits"
big=$(head -c 100000 /dev/zero | tr '\0' 'x')
scim POST /Users "{\"schemas\":[\"$URN_USER\"],\"userName\":\"big.body@example.com\",\"displayName\":\"$big\"}"
	want_error "a 100 KB body with max_body_kb = 64: 413" 413
scim GET "/Users?filter=$(q 'userName eq "big.body@example.com"')"
want "  ... created nothing, the server still answers" 200 "$empty_list" --arg l "$URN_LIST"
scim GET /ServiceProviderConfig "" -H "X-Padding: $(head -c 20000 /dev/zero | tr '\0' 'y')"
if [[ $ST =~ ^(000|4[0-9][0-9])$ ]]; then ok "a 20 KB header (max_header_kb 16) is refused ($ST)"; else fail_req "a 20 KB header (max_header_kb 16) is refused"; fi
scim GET /ServiceProviderConfig
want_status "  ... the server still answers" 200

echo "# --- TLS"
# Control: this curl can still speak TLS 1.1 when asked, so a failure below is the server's refusal.
mkdir -p "$D/tls11"
make_cert "$D/tls11"
ctl_port=$(free_port)
openssl s_server -accept "127.0.0.1:$ctl_port" -cert "$D/tls11/cert.pem" -key "$D/tls11/key.pem" \
	-cipher 'DEFAULT@SECLEVEL=0' -tls1_1 -www -quiet >/dev/null 2>&1 &
s_pid=$!
can11=no
for i in $(seq 1 30); do
	if curl -s --max-time 2 --cacert "$D/tls11/cert.pem" --tls-max 1.1 --ciphers 'DEFAULT@SECLEVEL=0' \
		"https://127.0.0.1:$ctl_port/" -o /dev/null; then can11=yes; break; fi
	sleep 0.1
done
kill "$s_pid" 2>/dev/null
wait "$s_pid" 2>/dev/null
if [ "$can11" = yes ]; then
	scim GET /ServiceProviderConfig "" --tls-max 1.1 --ciphers 'DEFAULT@SECLEVEL=0'
	if [ "$ST" = 000 ]; then ok "TLS 1.1 is refused (a client able to speak it gets no response)"; else fail_req "TLS 1.1 is refused"; fi
	if echo | timeout 5 openssl s_client -connect "127.0.0.1:$PORT" -tls1_1 -cipher 'DEFAULT@SECLEVEL=0' \
		-CAfile "$CA" 2>&1 | grep -Eq '^New, [^(]*Cipher is [^(]'; then
		fail "openssl s_client -tls1_1 does not negotiate TLS 1.1"
	else
		ok "openssl s_client -tls1_1 does not negotiate TLS 1.1"
	fi
else
	ok "TLS 1.1 refusal # SKIP this curl/OpenSSL cannot speak TLS 1.1 at all"
fi
scim GET /ServiceProviderConfig "" --tlsv1.2 --tls-max 1.2
want_status "TLS 1.2 works" 200
scim GET /ServiceProviderConfig "" --tlsv1.3
want_status "TLS 1.3 works" 200
start=$(date +%s%N)
plain=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/scim/v2/ServiceProviderConfig")
el=$((($(date +%s%N) - start) / 1000000))
if [[ $plain =~ ^(000|4[0-9][0-9])$ ]] && [ "$el" -lt 4500 ]; then
	ok "plain HTTP to the HTTPS port fails at once ($plain, ${el} ms)"
else
	fail "plain HTTP to the HTTPS port fails at once" "got status $plain after ${el} ms"
fi
head -c 8192 /dev/urandom | timeout 5 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$CA" -quiet >/dev/null 2>&1
printf 'GARBAGE \x00\x01\x02 / HTTP/9.9\r\n\r\n%s' "$(head -c 3000 /dev/urandom | base64 -w0)" |
	timeout 5 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$CA" -quiet >/dev/null 2>&1
(exec 3<>"/dev/tcp/127.0.0.1/$PORT" && head -c 8192 /dev/urandom >&3) 2>/dev/null
(exec 3<>"/dev/tcp/127.0.0.1/$PORT" && printf '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03' >&3 && head -c 600 /dev/urandom >&3) 2>/dev/null
scim GET /ServiceProviderConfig
if [ "$ST" = 200 ] && server_alive; then ok "garbage over TLS and raw TCP: the server still answers"; else fail_req "garbage over TLS and raw TCP: the server still answers"; fi

# A client that connects and sends nothing stalls nobody, and is dropped after request_timeout_s (3).
exec 7<>"/dev/tcp/127.0.0.1/$PORT"
sleep 30 2>/dev/null | openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$CA" -quiet >/dev/null 2>&1 &
slow_pid=$!
sleep 0.3
SCIM_MAX_TIME=3 scim GET /ServiceProviderConfig
want_status "an idle TCP client and an idle TLS client stall nobody" 200
start=$(date +%s)
timeout 10 cat <&7 >/dev/null 2>&1
el=$(($(date +%s) - start))
exec 7<&-
if [ "$el" -le 6 ]; then ok "an idle connection is closed after request_timeout_s (${el} s)"; else fail "an idle connection is closed after request_timeout_s" "still open after ${el} s"; fi
kill "$slow_pid" 2>/dev/null
wait "$slow_pid" 2>/dev/null

# SIGHUP reloads the certificate and key.
cp "$CA" "$D/old-ca.pem"
make_cert "$D/tls"
kill -HUP "$SERVER_PID"
reloaded=no
for i in $(seq 1 30); do
	scim GET /ServiceProviderConfig
	[ "$ST" = 200 ] && { reloaded=yes; break; }
	sleep 0.1
done
if [ "$reloaded" = yes ]; then ok "after SIGHUP the new certificate is served"; else fail_req "after SIGHUP the new certificate is served"; fi
CA="$D/old-ca.pem" scim GET /ServiceProviderConfig
if [ "$ST" = 000 ]; then ok "  ... and the old one no longer"; else fail_req "after SIGHUP the old certificate is no longer served"; fi
check "the server survived SIGHUP" server_alive

echo "# --- graceful stop"
stop_server
assert_eq "SIGTERM: idsyncd exits 0" "$STOP_RC" 0
if ctl status >/dev/null 2>&1; then ok "idsyncctl status ok after the stop"; else fail "idsyncctl status ok after the stop" "$(ctl status 2>&1)"; fi
finish
