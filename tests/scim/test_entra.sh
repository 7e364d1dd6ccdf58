#!/bin/bash
# The Microsoft Entra ID provisioning sequence, with the request shapes of
# Microsoft's public documentation ("Tutorial: Develop and plan provisioning
# for a SCIM endpoint", and "Known issues and resolutions with SCIM 2.0
# protocol compliance" for both the default job and the aadOptscim062020
# flag): connection test, lookups, create, one PATCH per attribute with
# capitalised ops and "False" strings, the manager as a plain id, group
# lookup without members, member add/remove, the 2020 shapes, delete. Every
# step is checked in the responses and in what the real glibc then serves.
# Usage: test_entra.sh IDSYNCD IDSYNCCTL LIBNSS_IDSYNC_SO   (exit 77: skipped)
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
scim_setup
workspaces eng ops lab
ENG_OID=5b1e8f4a-1c6d-4a8e-9f0b-3d2c7e6a1b90 # the Entra group's objectId, sent as externalId
map entra-eng "$ENG_OID" eng
map entra-ops "Ops Team" ops
start_server
empty_list='(.schemas == [$l]) and (.totalResults == 0) and ((.Resources // []) == [])'
ADSCIM=http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/Group

echo "# --- connection test and lookups"
guid=$(cat /proc/sys/kernel/random/uuid)
scim GET "/Users?filter=$(q "userName eq \"$guid\"")"
want "connection test: userName eq <random GUID> is an empty ListResponse" 200 "$empty_list" --arg l "$URN_LIST"
check "  ... application/scim+json" eval '[[ $(hdr Content-Type) == application/scim+json* ]]'
scim GET "/Users?filter=$(q 'userName eq "Ada.Lovelace@contoso.com"')"
want "lookup before create: none" 200 "$empty_list" --arg l "$URN_LIST"

echo "# --- create users (tutorial body)"
# entra_user USERNAME OBJECTID GIVEN FAMILY EMPLOYEE_NUMBER
entra_user() {
	jq -cn --arg u "$URN_USER" --arg e "$URN_ENT" --arg un "$1" --arg oid "$2" --arg g "$3" --arg f "$4" --arg n "$5" '{
		schemas: [$u, $e], externalId: $oid, userName: $un, active: true,
		emails: [{primary: true, type: "work", value: (($g | ascii_downcase) + "@contoso.com")}],
		meta: {resourceType: "User"},
		name: {formatted: ($g + " " + $f), familyName: $f, givenName: $g},
		roles: [],
		($e): {employeeNumber: $n, department: "Research"}}'
}
ADA_OID=0a1b2c3d-0000-4000-8000-00000000ada1
scim POST /Users "$(entra_user Ada.Lovelace@contoso.com "$ADA_OID" Ada Lovelace 1815)"
want "POST /Users ada: 201" 201 '.userName == "Ada.Lovelace@contoso.com" and .externalId == $o and .active == true and (.id | length > 0)' --arg o "$ADA_OID"
ada=$(j .id)
check "  ... Location header" eval '[[ $(hdr Location) == */Users/$ada ]]'
scim POST /Users "$(entra_user Charles.Babbage@contoso.com 0a1b2c3d-0000-4000-8000-0000000cbab1 Charles Babbage 1791)"
want_status "POST /Users charles (the manager): 201" 201
charles=$(j .id)
scim POST /Users "$(entra_user Mary.Somerville@contoso.com 0a1b2c3d-0000-4000-8000-00000000a5e1 Mary Somerville 1780)"
want_status "POST /Users mary: 201" 201
mary=$(j .id)
scim POST /Users "$(entra_user Carol.Shaw@contoso.com 0a1b2c3d-0000-4000-8000-0000000ca201 Carol Shaw 1955)"
want_status "POST /Users carol (2020-flag shapes): 201" 201
carol=$(j .id)
scim POST /Users "$(entra_user Ada.Lovelace@contoso.com 0a1b2c3d-0000-4000-8000-0000000dup01 Ada Lovelace 1)"
want_error "re-creating an existing userName: 409 uniqueness" 409 uniqueness

scim GET "/Users/$ada"
want "GET /Users/{id}" 200 '.id == $id and .name.givenName == "Ada" and .[$e].employeeNumber == "1815"' --arg id "$ada" --arg e "$URN_ENT"
scim GET "/Users?filter=$(q 'userName eq "ada.lovelace@contoso.com"')"
want "lookup by userName (other case) finds ada" 200 '.totalResults == 1 and .Resources[0].id == $id' --arg id "$ada"
scim GET "/Users?filter=$(q "externalId eq \"$ADA_OID\"")"
want "lookup by externalId finds ada" 200 '.totalResults == 1 and .Resources[0].id == $id' --arg id "$ada"
scim GET "/Users?filter=$(q "externalId eq $ADA_OID")"
want "older Entra: externalId eq <unquoted value> finds ada" 200 '.totalResults == 1 and .Resources[0].id == $id' --arg id "$ada"

wait_nss "getent passwd: ada.lovelace, GECOS from the name, home, /bin/bash" "ada.lovelace:Ada Lovelace:/home/ada.lovelace:/bin/bash" "getent passwd ada.lovelace | cut -d: -f1,5,6,7"
wait_groups "id -Gn ada.lovelace: only her private group" ada.lovelace ada.lovelace
ada_uid=$(nss_run "id -u ada.lovelace")

echo "# --- update users: one PATCH per attribute (default job)"
# one_op USER_ID DESC OP_JSON: a PATCH with a single op, 200 or 204.
one_op() {
	scim PATCH "/Users/$1" "$(patch_json "[$3]")"
	want_status "PATCH $2" '200|204'
}
one_op "$ada" 'Replace displayName' '{"op":"Replace","path":"displayName","value":"Ada King"}'
one_op "$ada" 'Replace name.familyName' '{"op":"Replace","path":"name.familyName","value":"King"}'
one_op "$ada" 'Replace name.givenName' '{"op":"Replace","path":"name.givenName","value":"Augusta Ada"}'
one_op "$ada" 'Replace emails[type eq "work"].value' '{"op":"Replace","path":"emails[type eq \"work\"].value","value":"ada.king@contoso.com"}'
one_op "$ada" 'Add title' '{"op":"Add","path":"title","value":"Countess of Lovelace"}'
one_op "$ada" 'Replace enterprise department (URN path)' "{\"op\":\"Replace\",\"path\":\"$URN_ENT:department\",\"value\":\"Analytical Engines\"}"
one_op "$ada" 'Add enterprise manager as a plain id string' "{\"op\":\"Add\",\"path\":\"$URN_ENT:manager\",\"value\":\"$charles\"}"
one_op "$ada" 'Add phoneNumbers[type eq "mobile"].value' '{"op":"Add","path":"phoneNumbers[type eq \"mobile\"].value","value":"+44 7700 900001"}'
scim GET "/Users/$ada"
want "GET shows every PATCHed attribute" 200 '.displayName == "Ada King" and .name.familyName == "King" and .name.givenName == "Augusta Ada" and .title == "Countess of Lovelace"'
want_json "  ... the work email replaced in place (still one, still primary)" \
	'[.emails[] | select(.type == "work")] == [{primary: true, type: "work", value: "ada.king@contoso.com"}]'
want_json "  ... department and manager {value: id}" '.[$e].department == "Analytical Engines" and .[$e].manager.value == $m and .[$e].employeeNumber == "1815"' \
	--arg e "$URN_ENT" --arg m "$charles"
want_json "  ... the mobile phone added" 'any(.phoneNumbers[]; .type == "mobile" and .value == "+44 7700 900001")'
one_op "$ada" 'Replace enterprise manager with another plain id' "{\"op\":\"Replace\",\"path\":\"$URN_ENT:manager\",\"value\":\"$mary\"}"
scim GET "/Users/$ada"
want_json "  ... manager is mary now" '.[$e].manager.value == $m' --arg e "$URN_ENT" --arg m "$mary"
one_op "$ada" 'Remove enterprise manager' "{\"op\":\"Remove\",\"path\":\"$URN_ENT:manager\"}"
scim GET "/Users/$ada"
want_json "  ... no manager" '(.[$e].manager // null) == null' --arg e "$URN_ENT"
wait_nss "GECOS follows the PATCHed displayName" "Ada King" "getent passwd ada.lovelace | cut -d: -f5"

echo "# --- groups"
scim GET "/Groups?excludedAttributes=members&filter=$(q 'displayName eq "Engineering"')"
want "group lookup (excludedAttributes=members, displayName eq): none" 200 "$empty_list" --arg l "$URN_LIST"
scim POST /Groups "$(jq -cn --arg g "$URN_GROUP" --arg a "$ADSCIM" --arg oid "$ENG_OID" \
	'{schemas: [$g, $a], externalId: $oid, displayName: "Engineering", meta: {resourceType: "Group"}}')"
want "POST /Groups (tutorial body, ADSCIM schema): 201" 201 '.displayName == "Engineering" and .externalId == $o and ((.members // []) == [])' --arg o "$ENG_OID"
eng=$(j .id)
scim POST /Groups "$(jq -cn --arg g "$URN_GROUP" '{schemas: [$g], externalId: "7c3e2f10-aaaa-4bbb-8ccc-000000000005", displayName: "Ops Team"}')"
want_status "POST /Groups Ops Team: 201" 201
ops=$(j .id)
scim GET "/Groups?excludedAttributes=members&filter=$(q 'displayName eq "Engineering"')"
want "group lookup after create: found, no members attribute" 200 '.totalResults == 1 and .Resources[0].id == $id and (.Resources[0] | has("members") | not)' --arg id "$eng"
scim GET "/Groups/$eng?excludedAttributes=members"
want "GET /Groups/{id}?excludedAttributes=members" 200 '.id == $id and (has("members") | not)' --arg id "$eng"

# group_op GROUP_ID DESC OPS_JSON
group_op() {
	scim PATCH "/Groups/$1" "$(patch_json "$3")"
	want_status "PATCH group: $2" '200|204'
}
group_op "$eng" "Add members [ada] (\$ref null)" "[{\"op\":\"Add\",\"path\":\"members\",\"value\":[{\"\$ref\":null,\"value\":\"$ada\"}]}]"
wait_members "getent group eng: ada.lovelace" eng ada.lovelace
wait_groups "id -Gn ada.lovelace: her group and eng" ada.lovelace ada.lovelace,eng
group_op "$eng" "Add members [mary]" "[{\"op\":\"Add\",\"path\":\"members\",\"value\":[{\"\$ref\":null,\"value\":\"$mary\"}]}]"
group_op "$eng" "Add members [ada] again (idempotent)" "[{\"op\":\"Add\",\"path\":\"members\",\"value\":[{\"\$ref\":null,\"value\":\"$ada\"}]}]"
group_op "$eng" "Add members [an unknown id] (skipped)" '[{"op":"Add","path":"members","value":[{"$ref":null,"value":"00000000-0000-0000-0000-000000000000"}]}]'
scim GET "/Groups/$eng"
want "GET /Groups/{id}: ada and mary, once each" 200 '([.members[].value] | sort) == ([$a, $m] | sort)' --arg a "$ada" --arg m "$mary"
wait_members "getent group eng: ada.lovelace, mary.somerville" eng ada.lovelace,mary.somerville
mary_uid=$(nss_run "id -u mary.somerville")
one_op "$mary" 'Replace userName (a rename)' '{"op":"Replace","path":"userName","value":"Mary.Fairfax@contoso.com"}'
wait_nss "a renamed user: new login, same uid, same home" "mary.fairfax:$mary_uid:/home/mary.somerville" "getent passwd $mary_uid | cut -d: -f1,3,6"
wait_absent "  ... the old login is gone" mary.somerville
wait_members "  ... and eng lists the new login" eng ada.lovelace,mary.fairfax
group_op "$eng" 'Replace displayName' '[{"op":"Replace","path":"displayName","value":"Engineering (all)"}]'
scim GET "/Groups/$eng?excludedAttributes=members"
want "rename applied" 200 '.displayName == "Engineering (all)"'
wait_members "a renamed group (mapped by objectId) keeps its workspace members" eng ada.lovelace,mary.fairfax
group_op "$eng" "Remove members [mary] (value array)" "[{\"op\":\"Remove\",\"path\":\"members\",\"value\":[{\"\$ref\":null,\"value\":\"$mary\"}]}]"
scim GET "/Groups/$eng"
want "GET /Groups/{id}: ada only" 200 '[.members[].value] == [$a]' --arg a "$ada"
wait_members "getent group eng: ada.lovelace only" eng ada.lovelace
wait_groups "id -Gn mary.fairfax: eng gone" mary.fairfax mary.fairfax

echo "# --- deactivate, reactivate (default job: string booleans)"
one_op "$ada" 'Replace active "False" (a string)' '{"op":"Replace","path":"active","value":"False"}'
scim GET "/Users/$ada"
want "active is the boolean false" 200 '.active == false'
wait_shell "a deactivated user still resolves, with nologin" ada.lovelace /usr/sbin/nologin
wait_groups "  ... and has no workspace groups" ada.lovelace ada.lovelace
wait_members "getent group eng: empty" eng ""
scim GET "/Groups/$eng"
want_json "  ... while the SCIM membership stays as Entra left it" '[.members[].value] == [$a]' --arg a "$ada"
one_op "$ada" 'Replace active "True" (a string)' '{"op":"Replace","path":"active","value":"True"}'
scim GET "/Users/$ada"
want "active is the boolean true" 200 '.active == true'
wait_shell "reactivated: /bin/bash again" ada.lovelace /bin/bash
wait_groups "  ... and eng is back" ada.lovelace ada.lovelace,eng

echo "# --- aadOptscim062020 shapes"
scim PATCH "/Users/$carol" "$(patch_json "[{\"op\":\"replace\",\"value\":{\"displayName\":\"Carol S. Shaw\",\"name.givenName\":\"Caroline\",\"name.familyName\":\"Shaw-Atari\",\"$URN_ENT:employeeNumber\":\"2600\",\"$URN_ENT:department\":\"Games\",\"active\":true}}]")"
want_status "no-path replace with dotted and URN-prefixed keys: 200/204" '200|204'
scim GET "/Users/$carol"
want "  ... every key applied" 200 \
	'.displayName == "Carol S. Shaw" and .name.givenName == "Caroline" and .name.familyName == "Shaw-Atari" and .[$e].employeeNumber == "2600" and .[$e].department == "Games" and .active == true' \
	--arg e "$URN_ENT"
want_json "  ... and no literal dotted keys stored" '(has("name.givenName") or has("name.familyName") or has($e + ":employeeNumber")) | not' --arg e "$URN_ENT"
scim PATCH "/Users/$carol" "$(patch_json '[{"op":"add","path":"title","value":"Engineer"},{"op":"replace","path":"emails[type eq \"work\"].value","value":"carol.shaw@contoso.com"}]')"
want_status "two lowercase ops in one request: 200/204" '200|204'
scim GET "/Users/$carol"
want_json "  ... both applied" '.title == "Engineer" and ([.emails[] | select(.type == "work") | .value] == ["carol.shaw@contoso.com"])'
group_op "$ops" "add members [carol, mary] (lowercase)" "[{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"$carol\"},{\"value\":\"$mary\"}]}]"
wait_members "getent group ops: carol.shaw, mary.fairfax" ops carol.shaw,mary.fairfax
scim PATCH "/Users/$carol" "$(patch_json '[{"op":"replace","path":"active","value":false}]')"
want_status "replace active false (a real boolean): 200/204" '200|204'
wait_shell "carol deactivated: nologin" carol.shaw /usr/sbin/nologin
wait_members "getent group ops: mary.fairfax only" ops mary.fairfax
scim PATCH "/Users/$carol" "$(patch_json '[{"op":"replace","value":{"active":true}}]')"
want_status "no-path replace {active: true}: 200/204" '200|204'
wait_members "carol reactivated: back in ops" ops carol.shaw,mary.fairfax
group_op "$ops" 'remove members[value eq "carol"]' "[{\"op\":\"remove\",\"path\":\"members[value eq \\\"$carol\\\"]\"}]"
scim GET "/Groups/$ops"
want "GET /Groups ops: mary only" 200 '[.members[].value] == [$m]' --arg m "$mary"
wait_members "getent group ops: mary.fairfax only (carol removed)" ops mary.fairfax
wait_groups "id -Gn carol.shaw: no workspace" carol.shaw carol.shaw
group_op "$ops" 'replace displayName (no path)' '[{"op":"replace","value":{"id":"'"$ops"'","displayName":"Operations"}}]'
scim GET "/Groups/$ops?excludedAttributes=members"
want "  ... renamed" 200 '.displayName == "Operations"'
wait_members "the group, mapped by its old name, no longer grants ops" ops ""

echo "# --- delete"
scim DELETE "/Users/$ada"
want_status "DELETE /Users/{id}: 204" 204
scim GET "/Users/$ada"
want_error "GET the deleted user: 404" 404
scim GET "/Users?filter=$(q 'userName eq "Ada.Lovelace@contoso.com"')"
want "lookup of the deleted user: none" 200 "$empty_list" --arg l "$URN_LIST"
scim GET "/Groups/$eng"
want "the deleted user left the group" 200 '(.members // []) == []'
wait_members "getent group eng: empty" eng ""
wait_nss "the deleted user's uid still resolves (files keep an owner name), nologin" \
	"ada.lovelace:/usr/sbin/nologin" "getent passwd $ada_uid | cut -d: -f1,7"
wait_groups "  ... without workspace groups" ada.lovelace ada.lovelace
scim POST /Users "$(entra_user Ada.Lovelace@contoso.com 0a1b2c3d-0000-4000-8000-0000000ada22 Ada Lovelace 1816)"
want_status "a new identity with the deleted user's userName: 201" 201
wait_nss "  ... gets a new uid (never reused)" "yes" "u=\$(id -u ada.lovelace); [ -n \"\$u\" ] && [ \"\$u\" != $ada_uid ] && echo yes"
wait_nss "  ... and the old uid no longer resolves" "2" "getent passwd $ada_uid >/dev/null; echo \$?"
scim DELETE "/Groups/$eng"
want_status "DELETE /Groups/{id}: 204" 204
scim GET "/Groups/$eng"
want_error "GET the deleted group: 404" 404
wait_members "workspace eng is still there, empty" eng ""
if ctl status >/dev/null 2>&1; then ok "idsyncctl status ok"; else fail "idsyncctl status ok" "$(ctl status 2>&1)"; fi
finish
