#!/bin/bash
# Okta's SCIM 2.0 provisioning flow, with the request shapes of Okta's
# public "SCIM 2.0 protocol reference" and examples: lookups always with
# startIndex=1&count=100, create with a password, profile updates by PUT
# (what a PUT leaves out is cleared), deactivation by a no-path replace,
# group push (members in POST and PUT, a rename before every membership
# change, an empty push as replace members []), group delete; users are
# never deleted. Every step is checked in the responses and in what the
# real glibc then serves.
# Usage: test_okta.sh IDSYNCD IDSYNCCTL LIBNSS_IDSYNC_SO   (exit 77: skipped)
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
scim_setup
workspaces dev qa misc
map okta-dev "Okta Developers" dev
start_server
empty_list='(.schemas == [$l]) and (.totalResults == 0) and ((.Resources // []) == [])'
page='startIndex=1&count=100'

echo "# --- connection test, lookup"
scim GET "/Users?startIndex=1&count=2"
want "connection test GET /Users?startIndex=1&count=2" 200 '.schemas == [$l] and .totalResults == 0 and .startIndex == 1' --arg l "$URN_LIST"
scim GET "/Users?filter=$(q 'userName eq "john.doe@okta.example"')&$page"
want "lookup before create: empty ListResponse" 200 "$empty_list" --arg l "$URN_LIST"

echo "# --- create (with a password), get"
# okta_user USERNAME GIVEN FAMILY OKTA_ID [PASSWORD]
okta_user() {
	jq -cn --arg s "$URN_USER" --arg u "$1" --arg g "$2" --arg f "$3" --arg x "$4" --arg p "${5:-}" '{
		schemas: [$s], userName: $u, name: {givenName: $g, familyName: $f},
		emails: [{primary: true, value: $u, type: "work"}], displayName: ($g + " " + $f),
		locale: "en-US", externalId: $x, groups: [], active: true} + (if $p == "" then {} else {password: $p} end)'
}
nopw='[.. | objects | keys[] | ascii_downcase | select(. == "password")] == []'
scim POST /Users "$(okta_user john.doe@okta.example John Doe 00ujl29u0le5T6Aj10h7 '1mz050nq!')"
want "POST /Users with a password: 201" 201 '.userName == "john.doe@okta.example" and .externalId == "00ujl29u0le5T6Aj10h7" and .locale == "en-US" and .active == true'
john=$(j .id)
want_json "  ... the password is not returned" "$nopw"
scim POST /Users "$(okta_user jane.roe@okta.example Jane Roe 00ujl29u0le5T6Aj10h8 'x7Yq!pw')"
want_status "POST jane: 201" 201
jane=$(j .id)
scim POST /Users "$(okta_user sam.poe@okta.example Sam Poe 00ujl29u0le5T6Aj10h9)"
want_status "POST sam (no password): 201" 201
sam=$(j .id)
scim POST /Users "$(okta_user John.Doe@OKTA.example John Doe 00ujl29u0le5T6Aj1dup)"
want_error "the same userName in another case: 409 uniqueness" 409 uniqueness
scim GET "/Users/$john"
want "GET /Users/{id}" 200 '.id == $id and .name.familyName == "Doe"' --arg id "$john"
want_json "  ... no password" "$nopw"
scim GET "/Users?filter=$(q 'userName eq "john.doe@okta.example"')&$page"
want "lookup after create: one, startIndex 1, itemsPerPage 1" 200 '.totalResults == 1 and .startIndex == 1 and .itemsPerPage == 1 and .Resources[0].id == $id' --arg id "$john"
wait_nss "getent passwd john.doe: GECOS from displayName, /bin/bash" "john.doe:John Doe:/bin/bash" "getent passwd john.doe | cut -d: -f1,5,7"
if timeout 20 "$IDSYNCCTL" --config "$D/idsync.conf" export 2>/dev/null | grep -q '1mz050nq' || grep -rqa '1mz050nq' "$D/store" "$D/nss.mdb"; then
	fail "the password is not stored (found in the store or snapshot)"
else
	ok "the password is stored nowhere (store, snapshot, export)"
fi

echo "# --- PUT full profile"
scim PUT "/Users/$john" "$(jq -cn --arg s "$URN_USER" --arg id "$john" '{schemas: [$s], id: $id, userName: "john.doe@okta.example",
	name: {givenName: "Johnny", familyName: "Doe"}, emails: [{primary: true, value: "john.doe@okta.example", type: "work"}],
	displayName: "Johnny Doe", title: "Builder", externalId: "00ujl29u0le5T6Aj10h7", password: "n3w-Passw0rd", active: true}')"
want "PUT /Users/{id}: 200 with the new profile" 200 '.name.givenName == "Johnny" and .displayName == "Johnny Doe" and .title == "Builder"'
want_json "  ... what the PUT left out (locale) is cleared" '.locale == null'
want_json "  ... the password is not returned" "$nopw"
scim GET "/Users/$john"
want "GET after PUT" 200 '.locale == null and .title == "Builder" and .name.givenName == "Johnny"'
wait_nss "GECOS follows the PUT displayName" "Johnny Doe" "getent passwd john.doe | cut -d: -f5"

echo "# --- group push"
scim GET "/Groups?filter=$(q 'displayName eq "Okta Developers"')&$page"
want "group lookup before push: empty" 200 "$empty_list" --arg l "$URN_LIST"
scim POST /Groups "$(jq -cn --arg s "$URN_GROUP" --arg j "$john" '{schemas: [$s], displayName: "Okta Developers",
	members: [{value: $j, display: "john.doe@okta.example"}]}')"
want "POST /Groups with a member: 201" 201 '.displayName == "Okta Developers" and [.members[].value] == [$j]' --arg j "$john"
dev=$(j .id)
wait_members "getent group dev: john.doe" dev john.doe
wait_groups "id -Gn john.doe: john.doe, dev" john.doe dev,john.doe
# okta_rename GROUP_ID NAME: what Okta sends before every membership change.
okta_rename() {
	scim PATCH "/Groups/$1" "$(patch_json "[{\"op\":\"replace\",\"value\":{\"id\":\"$1\",\"displayName\":\"$2\"}}]")"
	want_status "PATCH rename {id, displayName: $2} (no path): 200/204" '200|204'
}
okta_rename "$dev" "Okta Developers"
scim PATCH "/Groups/$dev" "$(patch_json "[{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"$jane\",\"display\":\"jane.roe@okta.example\"}]}]")"
want_status "PATCH add members [jane]: 200/204" '200|204'
wait_members "getent group dev: jane.roe, john.doe" dev jane.roe,john.doe
okta_rename "$dev" "Okta Developers"
scim PATCH "/Groups/$dev" "$(patch_json "[{\"op\":\"remove\",\"path\":\"members[value eq \\\"$john\\\"]\"}]")"
want_status "PATCH remove members[value eq john]: 200/204" '200|204'
scim GET "/Groups/$dev"
want "GET group: jane only" 200 '[.members[].value] == [$j] and .displayName == "Okta Developers"' --arg j "$jane"
wait_members "getent group dev: jane.roe" dev jane.roe
wait_groups "id -Gn john.doe: dev gone" john.doe john.doe
scim PUT "/Groups/$dev" "$(jq -cn --arg s "$URN_GROUP" --arg id "$dev" --arg j "$john" --arg m "$sam" '{schemas: [$s], id: $id,
	displayName: "Okta Developers", members: [{value: $j, display: "john.doe@okta.example"}, {value: $m, display: "sam.poe@okta.example"}]}')"
want "PUT /Groups/{id} with members: 200, members replaced" 200 '([.members[].value] | sort) == ([$j, $m] | sort)' --arg j "$john" --arg m "$sam"
wait_members "getent group dev: john.doe, sam.poe" dev john.doe,sam.poe
okta_rename "$dev" "Okta Developers"
scim PATCH "/Groups/$dev" "$(patch_json '[{"op":"replace","path":"members","value":[]}]')"
want_status "empty group push: replace members []: 200/204" '200|204'
scim GET "/Groups/$dev"
want "  ... the group has no members" 200 '(.members // []) == [] and .displayName == "Okta Developers"'
wait_members "getent group dev: empty" dev ""
scim PATCH "/Groups/$dev" "$(patch_json "[{\"op\":\"replace\",\"path\":\"members\",\"value\":[{\"value\":\"$jane\"},{\"value\":\"$sam\"}]}]")"
want_status "replace members [jane, sam]: 200/204" '200|204'
wait_members "getent group dev: jane.roe, sam.poe" dev jane.roe,sam.poe

scim POST /Groups "$(jq -cn --arg s "$URN_GROUP" --arg j "$jane" '{schemas: [$s], displayName: "QA", members: [{value: $j}]}')"
want_status "POST /Groups QA: 201" 201
qa=$(j .id)
map okta-qa "$qa" qa
wait_members "a mapping by SCIM id added after the push grants qa" qa jane.roe
okta_rename "$qa" "QA Engineering"
scim GET "/Groups?filter=$(q 'displayName eq "QA Engineering"')&$page"
want "the renamed group is found by its new name" 200 '.totalResults == 1 and .Resources[0].id == $id' --arg id "$qa"
scim GET "/Groups?filter=$(q 'displayName eq "QA"')&$page"
want "  ... and not by its old one" 200 "$empty_list" --arg l "$URN_LIST"
wait_members "a group mapped by id keeps its grants through a rename" qa jane.roe
scim GET "/Groups?$page"
want "GET /Groups?startIndex=1&count=100 (import): 2 groups" 200 '.totalResults == 2 and .startIndex == 1 and (.Resources | length) == 2 and (.itemsPerPage | type == "number")'

echo "# --- deactivate, reactivate"
scim PATCH "/Users/$jane" "$(patch_json '[{"op":"replace","value":{"active":false}}]')"
want_status "deactivate: replace {active: false} without path: 200/204" '200|204'
scim GET "/Users/$jane"
want "  ... active false" 200 '.active == false and .userName == "jane.roe@okta.example"'
wait_shell "a deactivated user still resolves, with nologin" jane.roe /usr/sbin/nologin
wait_groups "  ... without workspace groups" jane.roe jane.roe
wait_members "getent group dev: sam.poe" dev sam.poe
wait_members "getent group qa: empty" qa ""
scim GET "/Users?filter=$(q 'userName eq "jane.roe@okta.example"')&$page"
want "a deactivated user is still found by a lookup" 200 '.totalResults == 1 and .Resources[0].active == false'
scim PATCH "/Users/$jane" "$(patch_json '[{"op":"replace","value":{"active":true}}]')"
want_status "reactivate: replace {active: true} without path: 200/204" '200|204'
wait_shell "reactivated: /bin/bash" jane.roe /bin/bash
wait_groups "  ... and dev, qa are back" jane.roe dev,jane.roe,qa
scim PUT "/Users/$sam" "$(okta_user sam.poe@okta.example Sam Poe 00ujl29u0le5T6Aj10h9 | jq -c '.active = false')"
want "deactivate by PUT active false: 200" 200 '.active == false'
wait_shell "sam deactivated: nologin" sam.poe /usr/sbin/nologin
wait_members "getent group dev: jane.roe" dev jane.roe
scim PUT "/Users/$sam" "$(okta_user sam.poe@okta.example Sam Poe 00ujl29u0le5T6Aj10h9)"
want "reactivate by PUT active true: 200" 200 '.active == true'
wait_members "getent group dev: jane.roe, sam.poe" dev jane.roe,sam.poe

echo "# --- group delete"
scim DELETE "/Groups/$dev"
want_status "DELETE /Groups/{id}: 204" 204
scim GET "/Groups/$dev"
want_error "GET the deleted group: 404" 404
wait_members "the workspace stays, without the group's members" dev ""
wait_groups "id -Gn jane.roe: qa only" jane.roe jane.roe,qa
scim DELETE "/Groups/$qa"
want_status "DELETE /Groups QA: 204" 204
wait_members "getent group qa: empty" qa ""
scim GET "/Users?$page"
want "no user was deleted: 3 users" 200 '.totalResults == 3 and (.Resources | length) == 3'
scim GET "/Groups?$page"
want "no groups left" 200 '.totalResults == 0'
wait_nss "all three still resolve" "jane.roe,john.doe,sam.poe" "for u in john.doe jane.roe sam.poe; do getent passwd \$u | cut -d: -f1; done | sort | paste -sd, -"
if ctl status >/dev/null 2>&1; then ok "idsyncctl status ok"; else fail "idsyncctl status ok" "$(ctl status 2>&1)"; fi
finish
