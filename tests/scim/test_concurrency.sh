#!/bin/bash
# Several SCIM clients writing at once: 4 clients (each one curl process per
# phase, over one keep-alive connection, as IdPs do), each creating 50 users
# and patching them (displayName, deactivation) and two shared groups
# (member add and remove), while a fifth client keeps listing. Every request
# must succeed, nothing may be lost, and the final state must be exactly the
# one a serial replay of the same requests gives: in SCIM (users, attributes,
# members) and in what glibc serves (the whole NSS snapshot compared with
# the replay's, uids included, plus getent through the real glibc).
# Usage: test_concurrency.sh IDSYNCD IDSYNCCTL LIBNSS_IDSYNC_SO   (exit 77: skipped)
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
CLIENTS=4
PER=50
scim_setup

DEACT=$D/deactivate.json
printf '{"schemas":["%s"],"Operations":[{"op":"replace","path":"active","value":false}]}' "$URN_PATCH" >"$DEACT"
prepare() { # workspaces, two SCIM groups mapped by externalId; sets GA GB
	workspaces wa wb wc
	map grp-a grp-a wa
	map grp-b grp-b wb
	GA=$(create_group "Group A" grp-a)
	GB=$(create_group "Group B" grp-b)
	[ -n "$GA" ] && [ -n "$GB" ] || { echo "cannot create the groups"; finish; }
}

# client K: the requests of client K, from one curl process per phase over
# one keep-alive connection: PER creates, then for each user its PATCHes in
# order (displayName; Group A add; Group B add; Group A remove; deactivate).
# Logs "TAG STATUS" lines in $D/c$K/{create,patch}.log.
client() {
	local k=$1 i dir=$D/c$1 body id
	rm -rf "$dir"
	mkdir -p "$dir/b"
	for i in $(seq 1 "$PER"); do
		printf '{"schemas":["%s"],"userName":"c%s-%s.user@conc.example","externalId":"ext-c%s-%s","name":{"givenName":"C%s","familyName":"U%s"},"active":true}' \
			"$URN_USER" "$k" "$i" "$k" "$i" "$k" "$i" >"$dir/b/u$i.json"
		echo "POST /Users $dir/b/u$i.json create-$i"
	done >"$dir/create.spec"
	curl_batch "$dir/create" "$dir/create.spec"
	for i in $(seq 1 "$PER"); do
		body=""
		read -r -d '' body <"$dir/create.d/create-$i.json"
		[[ $body =~ \"id\"[[:space:]]*:[[:space:]]*\"([^\"]+)\" ]] || continue
		id=${BASH_REMATCH[1]}
		printf '{"schemas":["%s"],"Operations":[{"op":"replace","path":"displayName","value":"Client %s User %s"}]}' "$URN_PATCH" "$k" "$i" >"$dir/b/r$i.json"
		echo "PATCH /Users/$id $dir/b/r$i.json rename-$i"
		printf '{"schemas":["%s"],"Operations":[{"op":"add","path":"members","value":[{"value":"%s"}]}]}' "$URN_PATCH" "$id" >"$dir/b/m$i.json"
		printf '{"schemas":["%s"],"Operations":[{"op":"remove","path":"members[value eq \\"%s\\"]"}]}' "$URN_PATCH" "$id" >"$dir/b/x$i.json"
		[ $((i % 2)) = 0 ] && echo "PATCH /Groups/$GA $dir/b/m$i.json adda-$i"
		[ $((i % 3)) = 0 ] && echo "PATCH /Groups/$GB $dir/b/m$i.json addb-$i"
		[ $((i % 6)) = 0 ] && echo "PATCH /Groups/$GA $dir/b/x$i.json rema-$i"
		[ $((i % 10)) = 0 ] && echo "PATCH /Users/$id $DEACT deact-$i"
	done >"$dir/patch.spec"
	curl_batch "$dir/patch" "$dir/patch.spec"
}

# client_failures: every request of the clients that did not get a 2xx, with its answer.
client_failures() {
	local k tag st
	for k in $(seq 1 "$CLIENTS"); do
		cat "$D/c$k/create.log" "$D/c$k/patch.log" | while read -r tag st; do
			[[ $st =~ ^2 ]] && continue
			echo "client $k: $tag: $st $(head -c 400 "$D/c$k/"*.d/"$tag.json" 2>/dev/null) $(head -n 2 "$D/c$k/"*.err)"
		done
	done
}

# reader: lists while the others write; every answer 200 and self-consistent.
reader() {
	SCIM_TMP=$D/reader
	mkdir -p "$SCIM_TMP"
	: >"$SCIM_TMP/log"
	: >"$SCIM_TMP/errors"
	while [ ! -e "$D/writers-done" ]; do
		scim GET "/Users?filter=$(q 'userName sw "c"')&count=1000&attributes=userName"
		if [ "$ST" = 200 ] && [ "$(j '(.Resources // []) | length')" = "$(j .totalResults)" ] &&
			[ "$(j '[.Resources[]?.userName] | (length == (unique | length))')" = true ]; then
			echo "list 200 $(j .totalResults)" >>"$SCIM_TMP/log"
		else
			echo "list $ST" >>"$SCIM_TMP/log"
			fail_req "reader: a list during the writes" "wanted 200, totalResults = number of Resources, no duplicate userName" >>"$SCIM_TMP/errors"
		fi
	done
}

# Expected final state, from the request sequence alone.
expected() {
	local k i
	for k in $(seq 1 "$CLIENTS"); do
		for i in $(seq 1 "$PER"); do
			local a=no b=no act=yes
			[ $((i % 2)) = 0 ] && [ $((i % 6)) != 0 ] && a=yes
			[ $((i % 3)) = 0 ] && b=yes
			[ $((i % 10)) = 0 ] && act=no
			echo "c$k-$i $a $b $act $((2 + (i % 2 == 0) + (i % 3 == 0) + (i % 6 == 0) + (i % 10 == 0)))"
		done
	done
}
expected >"$D/expected"
want_a=$(awk '$2 == "yes" {print $1 ".user"}' "$D/expected" | sort | paste -sd, -)
want_b=$(awk '$3 == "yes" {print $1 ".user"}' "$D/expected" | sort | paste -sd, -)
want_wa=$(awk '$2 == "yes" && $4 == "yes" {print $1 ".user"}' "$D/expected" | sort | paste -sd, -)
want_wb=$(awk '$3 == "yes" && $4 == "yes" {print $1 ".user"}' "$D/expected" | sort | paste -sd, -)
n_requests=$(awk '{n += $5} END {print n}' "$D/expected")
# snapshot_norm: `idsyncctl snapshot show`, lines sorted, each member list sorted.
snapshot_norm() {
	ctl snapshot show | perl -lne '@f = split /:/, $_, -1; $f[3] = join ",", sort split /,/, $f[3] if @f == 4; print join ":", @f' | sort
}

# verify LABEL: the final state against the expectation.
verify() {
	local label=$1
	scim GET "/Users?filter=$(q 'userName sw "c"')&count=1000"
	if [ "$ST" != 200 ]; then
		fail_req "$label: list the users"
		return
	fi
	printf '%s' "$RESP" | jq -r '.Resources[] | [(.userName | sub("\\.user@conc\\.example$"; "")), .displayName, (.active | tostring)] | join("|")' |
		sort >"$D/got-users"
	awk '{split($1, p, "-"); k = substr(p[1], 2); printf "%s|Client %s User %s|%s\n", $1, k, p[2], ($4 == "yes" ? "true" : "false")}' "$D/expected" |
		sort >"$D/want-users"
	assert_eq "$label: totalResults = $((CLIENTS * PER))" "$(j .totalResults)" "$((CLIENTS * PER))"
	if cmp -s "$D/got-users" "$D/want-users"; then
		ok "$label: every user present once, with its displayName and active state"
	else
		fail "$label: every user present once, with its displayName and active state" \
			"$(diff "$D/want-users" "$D/got-users" | head -n 20)"
	fi
	members() { # members GROUP_ID -> sorted logins
		scim GET "/Groups/$1"
		local ids
		ids=$(j '.members[]?.value')
		printf '%s' "$RESP" >"$D/group.json"
		scim GET "/Users?filter=$(q 'userName sw "c"')&count=1000&attributes=userName"
		printf '%s' "$RESP" | jq -r --slurpfile g "$D/group.json" \
			'($g[0].members // [] | map(.value)) as $m | .Resources[] | select(.id as $i | $m | index($i)) | .userName | sub("@conc\\.example$"; "")' |
			sort | paste -sd, -
		[ "$(printf '%s\n' "$ids" | grep -c .)" = "$(printf '%s\n' "$ids" | sort -u | grep -c .)" ] || echo "DUPLICATE MEMBERS"
	}
	assert_eq "$label: Group A members exact" "$(members "$GA")" "$want_a"
	assert_eq "$label: Group B members exact" "$(members "$GB")" "$want_b"
	wait_members "$label: getent group wa: the active members of Group A" wa "$want_wa"
	wait_members "$label: getent group wb: the active members of Group B" wb "$want_wb"
	awk '{printf "%s.user:%s\n", $1, ($4 == "yes" ? "/bin/bash" : "/usr/sbin/nologin")}' "$D/expected" | sort >"$D/want-shells"
	nss_run "getent passwd $(awk '{printf "%s.user ", $1}' "$D/expected") | cut -d: -f1,7 | sort" >"$D/got-shells"
	if cmp -s "$D/want-shells" "$D/got-shells"; then
		ok "$label: getent passwd: all $((CLIENTS * PER)) users, nologin exactly for the deactivated"
	else
		fail "$label: getent passwd: all users, nologin exactly for the deactivated" "$(diff "$D/want-shells" "$D/got-shells" | head -n 20)"
	fi
	if ctl status >/dev/null 2>&1; then ok "$label: idsyncctl status ok"; else fail "$label: idsyncctl status ok" "$(ctl status 2>&1)"; fi
}

echo "# --- $CLIENTS clients at once, $n_requests writes, one reader"
start_server
prepare
start=$(now_ms)
pids=()
for k in $(seq 1 "$CLIENTS"); do
	client "$k" &
	pids+=($!)
done
reader &
reader_pid=$!
for p in "${pids[@]}"; do wait "$p"; done
touch "$D/writers-done"
wait "$reader_pid"
el=$(($(now_ms) - start))
echo "# $n_requests writes by $CLIENTS clients in $el ms"
cat "$D"/c*/create.log "$D"/c*/patch.log >"$D/all.log"
bad=$(client_failures)
if [ -z "$bad" ]; then
	ok "every concurrent write got a 2xx"
else
	fail "every concurrent write got a 2xx ($(printf '%s\n' "$bad" | wc -l) did not)"
	printf '%s\n' "$bad" | head -n 40
fi
assert_eq "no request lost: $n_requests answered" "$(wc -l <"$D/all.log")" "$n_requests"
if [ -s "$D/reader/errors" ]; then
	fail "the reader's lists during the writes were all 200 and consistent"
	head -n 30 "$D/reader/errors"
else
	ok "the reader's $(wc -l <"$D/reader/log") lists during the writes were all 200 and consistent"
fi
check "idsyncd still running" server_alive
verify concurrent
snapshot_norm >"$D/snapshot.concurrent"
stop_server
assert_eq "SIGTERM after the storm: exit 0" "$STOP_RC" 0

echo "# --- the same requests, serially, on a fresh store"
mkdir "$D/concurrent-store"
mv "$D/store" "$D"/nss.mdb* "$D/concurrent-store/"
ctl init >/dev/null
TOKEN=$(ctl token create scim-test 2>/dev/null)
start_server
prepare
for k in $(seq 1 "$CLIENTS"); do client "$k"; done
bad=$(client_failures)
if [ -z "$bad" ]; then ok "serial replay: every write 2xx"; else fail "serial replay: every write 2xx" "$(printf '%s\n' "$bad" | head -n 40)"; fi
assert_eq "serial replay: $n_requests answered" "$(cat "$D"/c*/create.log "$D"/c*/patch.log | wc -l)" "$n_requests"
verify serial
snapshot_norm >"$D/snapshot.serial"
if [ -s "$D/snapshot.serial" ] && cmp -s "$D/snapshot.concurrent" "$D/snapshot.serial"; then
	ok "the concurrent run's NSS snapshot equals the serial replay's (logins, uids, gids, members)"
else
	fail "the concurrent run's NSS snapshot equals the serial replay's" "$(diff "$D/snapshot.serial" "$D/snapshot.concurrent" | head -n 20)"
fi
finish
