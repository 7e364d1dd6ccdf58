#!/bin/bash
# Durability: a storm of creates and member adds from 4 parallel clients,
# idsyncd killed with SIGKILL in the middle of it, restarted on the same
# store. Every write that was acknowledged (2xx) must be there, nothing that
# was never sent may be, the store must open cleanly (idsyncctl status) and
# the NSS snapshot must agree with the store, through the real glibc. A
# second storm ends with SIGTERM instead: a graceful stop, exit status 0,
# and again every acknowledged write present.
# Usage: test_crash.sh IDSYNCD IDSYNCCTL LIBNSS_IDSYNC_SO   (exit 77: skipped)
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
CLIENTS=4
PER=300
MIN=200
scim_setup ""
workspaces wa wb
map grp-a grp-a wa
start_server
GA=$(create_group "Group A" grp-a)
[ -n "$GA" ] || finish
# Users for the member adds of each round, created before the storm.
for r in 1 2; do
	for i in $(seq 1 100); do
		printf '{"schemas":["%s"],"userName":"p%s-%s@crash.example"}' "$URN_USER" "$r" "$i" >"$D/p$r-$i.json"
		echo "POST /Users $D/p$r-$i.json p$r-$i"
	done >"$D/pre-$r.spec"
	curl_batch "$D/pre-$r" "$D/pre-$r.spec"
	for i in $(seq 1 100); do
		body=""
		read -r -d '' body <"$D/pre-$r.d/p$r-$i.json"
		[[ $body =~ \"id\"[[:space:]]*:[[:space:]]*\"([^\"]+)\" ]] && echo "p$r-$i ${BASH_REMATCH[1]}"
	done >"$D/pre-$r"
	assert_eq "100 users for round $r's member adds created" "$(wc -l <"$D/pre-$r")" 100
done

# storm ROUND K: client K of round ROUND sends PER creates of users
# r<ROUND>k<K>-<i> from one curl process over one keep-alive connection.
# After idsyncd dies the rest fail at once (status 000, no response).
storm() {
	local r=$1 k=$2 i dir=$D/r$1/c$2
	mkdir -p "$dir/b"
	for i in $(seq 1 "$PER"); do
		printf '{"schemas":["%s"],"userName":"r%sk%s-%s@crash.example","externalId":"ext-r%sk%s-%s","name":{"givenName":"R","familyName":"K"}}' \
			"$URN_USER" "$r" "$k" "$i" "$r" "$k" "$i" >"$dir/b/u$i.json"
		echo "POST /Users $dir/b/u$i.json r${r}k$k-$i"
	done >"$dir/spec"
	curl_batch "$dir/out" "$dir/spec"
}
# adder ROUND: meanwhile, Group A gets the pre-created users one PATCH each.
adder() {
	local r=$1 dir=$D/r$1/adds login id
	mkdir -p "$dir/b"
	while read -r login id; do
		printf '{"schemas":["%s"],"Operations":[{"op":"add","path":"members","value":[{"value":"%s"}]}]}' "$URN_PATCH" "$id" >"$dir/b/$login.json"
		echo "PATCH /Groups/$GA $dir/b/$login.json $login"
	done <"$D/pre-$r" >"$dir/spec"
	curl_batch "$dir/out" "$dir/spec"
}

# run_storm ROUND SIGNAL: the storm; the signal once MIN creates are being
# answered (response files appearing), or after 20 s.
run_storm() {
	local r=$1 sig=$2 k n=0 end pids=() t0
	mkdir -p "$D/r$r"
	for k in $(seq 1 "$CLIENTS"); do
		storm "$r" "$k" &
		pids+=($!)
	done
	adder "$r" &
	pids+=($!)
	end=$(($(now_ms) + 20000))
	while [ "$(now_ms)" -lt "$end" ]; do
		n=$(find "$D/r$r" -path '*/out.d/*' -name 'r*.json' -size +0 2>/dev/null | wc -l)
		[ "$n" -ge "$MIN" ] && break
		sleep 0.02
	done
	echo "# round $r: $n creates answered when idsyncd gets SIG$sig"
	if [ "$sig" = KILL ]; then
		kill9_server
	else
		t0=$(now_ms)
		stop_server
		echo "# graceful stop took $(($(now_ms) - t0)) ms"
	fi
	for k in "${pids[@]}"; do wait "$k"; done
	# One line a create: "create STATUS LOGIN ID", and a member add: "add STATUS LOGIN".
	local login st body id
	for k in $(seq 1 "$CLIENTS"); do
		while read -r login st; do
			id=-
			body=""
			read -r -d "" body 2>/dev/null <"$D/r$r/c$k/out.d/$login.json"
			[[ $body =~ \"id\"[[:space:]]*:[[:space:]]*\"([^\"]+)\" ]] && id=${BASH_REMATCH[1]}
			echo "sent $login"
			echo "create $st $login $id"
			[[ $st =~ ^(201|000)$ ]] || echo "$login $st ${body//$'\n'/ }" >>"$D/r$r/c$k.answers"
		done <"$D/r$r/c$k/out.log"
	done >"$D/r$r/all.log"
	while read -r login st; do
		echo "add $st $(grep "^$login " "$D/pre-$r" | cut -d' ' -f2)"
	done <"$D/r$r/adds/out.log" >>"$D/r$r/all.log"
}

# check_round ROUND [ALLOWED]: after a restart, the round's acknowledged
# writes are there; ALLOWED: statuses other than 201 a create may get (503
# while stopping), as SCIM errors, and then the user must not exist.
check_round() {
	local r=$1 f=$D/r$1/all.log allowed=${2:-}
	awk '$1 == "create" && $2 == "201" {print $3 " " $4}' "$f" | sort >"$D/r$r/acked"
	awk '$1 == "sent" {print $2}' "$f" | sort >"$D/r$r/sent"
	awk '$1 == "add" && $2 ~ /^2/ {print $3}' "$f" | sort >"$D/r$r/acked-adds"
	local n_acked n_sent others
	n_acked=$(wc -l <"$D/r$r/acked")
	n_sent=$(wc -l <"$D/r$r/sent")
	others=$(awk '$1 == "create" && $2 != "201" && $2 != "000" {print $2}' "$f" | sort | uniq -c | xargs)
	echo "# round $r: $n_sent creates sent, $n_acked acknowledged, other answers: [${others:-none}]"
	[ "$n_acked" -ge 1 ] || fail "round $r: the storm had acknowledged creates before the signal"
	cat "$D/r$r"/c*.answers >"$D/r$r/answers" 2>/dev/null
	local bad_answers
	bad_answers=$(while read -r login st body; do
		if [ -z "$allowed" ] || ! [[ $st =~ ^($allowed)$ ]] ||
			! printf '%s' "$body" | jq -e --arg s "$st" --arg u "$URN_ERROR" '.schemas == [$u] and .status == $s' >/dev/null 2>&1; then
			echo "$login $st $body"
		fi
	done <"$D/r$r/answers")
	if [ -z "$bad_answers" ]; then
		ok "round $r: every create answered was 201${allowed:+ or a SCIM error $allowed} (the others got no response)"
	else
		fail "round $r: every create answered was 201${allowed:+ or a SCIM error $allowed}" "$(printf '%s\n' "$bad_answers" | head -n 5)"
	fi
	# What the server holds now: every user of this round, id and login.
	scim GET "/Users?filter=$(q "userName sw \"r${r}k\"")&count=1000&attributes=userName"
	if [ "$ST" != 200 ]; then
		fail_req "round $r: list the users after the restart"
		return
	fi
	j '.Resources[] | (.userName | sub("@crash\\.example$"; "")) + " " + .id' | sort >"$D/r$r/present"
	local missing phantom dups
	missing=$(comm -23 "$D/r$r/acked" "$D/r$r/present")
	if [ -z "$missing" ]; then
		ok "round $r: all $n_acked acknowledged creates present, with the acknowledged id"
	else
		fail "round $r: all acknowledged creates present ($(printf '%s\n' "$missing" | wc -l) missing)" "$(printf '%s\n' "$missing" | head -n 10)"
	fi
	phantom=$(cut -d' ' -f1 "$D/r$r/present" | sort | comm -13 "$D/r$r/sent" -)
	assert_eq "round $r: no user that was never sent" "$phantom" ""
	if [ -s "$D/r$r/answers" ]; then
		local refused_present
		refused_present=$(cut -d' ' -f1 "$D/r$r/answers" | sort | comm -12 - <(cut -d' ' -f1 "$D/r$r/present"))
		assert_eq "round $r: no create answered with an error was committed" "$refused_present" ""
	fi
	dups=$(cut -d' ' -f1 "$D/r$r/present" | sort | uniq -d)
	assert_eq "round $r: no userName twice" "$dups" ""
	assert_eq "round $r: totalResults = the users listed" "$(j .totalResults)" "$(wc -l <"$D/r$r/present")"
	# Each acknowledged user by id, and by filter, in a sample.
	local line login id bad_get=""
	while read -r login id; do
		scim GET "/Users/$id"
		[ "$ST" = 200 ] && [ "$(j .userName)" = "$login@crash.example" ] || bad_get="$bad_get $login:$ST"
		scim GET "/Users?filter=$(q "userName eq \"$login@crash.example\"")"
		[ "$ST" = 200 ] && [ "$(j '.Resources[0].id')" = "$id" ] || bad_get="$bad_get $login:filter"
	done < <(awk 'NR % 7 == 1' "$D/r$r/acked")
	assert_eq "round $r: a sample of acknowledged users by GET /Users/{id} and by filter" "$bad_get" ""
	# Memberships: every acknowledged add is there, and only members that were added.
	scim GET "/Groups/$GA"
	j '.members[]?.value' | sort >"$D/r$r/members"
	missing=$(comm -23 "$D/r$r/acked-adds" "$D/r$r/members")
	assert_eq "round $r: every acknowledged member add present" "$missing" ""
	assert_eq "round $r: no member that was never added" "$(cut -d' ' -f2 "$D"/pre-[12] | sort | comm -13 - "$D/r$r/members")" ""
	# The NSS snapshot agrees with the store, through glibc.
	cut -d' ' -f1 "$D/r$r/present" | sort >"$D/r$r/want-logins"
	line=""
	for i in $(seq 1 50); do
		nss_run "getent passwd | cut -d: -f1 | grep '^r${r}k' | sort" >"$D/r$r/nss-logins"
		cmp -s "$D/r$r/want-logins" "$D/r$r/nss-logins" && { line=same; break; }
		sleep 0.1
	done
	if [ "$line" = same ]; then
		ok "round $r: getent passwd lists exactly the users the store holds ($(wc -l <"$D/r$r/want-logins"))"
	else
		fail "round $r: getent passwd lists exactly the users the store holds" "$(diff "$D/r$r/want-logins" "$D/r$r/nss-logins" | head -n 10)"
	fi
}

# members_logins: the active members of Group A as logins, sorted, comma-joined.
members_logins() {
	scim GET "/Groups/$GA"
	printf '%s' "$RESP" >"$D/ga.json"
	scim GET "/Users?filter=$(q 'userName sw "p"')&count=1000&attributes=userName"
	printf '%s' "$RESP" | jq -r --slurpfile g "$D/ga.json" \
		'($g[0].members // [] | map(.value)) as $m | .Resources[] | select(.id as $i | $m | index($i)) | .userName | sub("@crash\\.example$"; "")' |
		sort | paste -sd, -
}

status_ok() { # status_ok DESC: idsyncctl status exits 0 within 5 s
	local i
	for i in $(seq 1 50); do
		ctl status >/dev/null 2>&1 && { ok "$1"; return; }
		sleep 0.1
	done
	fail "$1" "$(ctl status 2>&1)"
}

echo "# --- round 1: SIGKILL during the storm"
run_storm 1 KILL
if ctl user list >/dev/null 2>&1; then ok "the store opens after SIGKILL (idsyncctl user list)"; else fail "the store opens after SIGKILL" "$(ctl user list 2>&1 | tail -n 3)"; fi
start_server
ok "idsyncd restarts on the store it was killed on"
check_round 1
status_ok "round 1: idsyncctl status ok (store opens, snapshot current)"
wait_members "round 1: getent group wa: the members of Group A" wa "$(members_logins)"
# The uniqueness index survived: an acknowledged userName is taken, an unsent one is free.
first=$(head -n 1 "$D/r1/acked" | cut -d' ' -f1)
scim POST /Users "$(user_json "$first@crash.example")"
want_error "round 1: re-creating an acknowledged user: 409 uniqueness" 409 uniqueness
scim POST /Users "$(user_json after.crash@crash.example)"
want_status "round 1: a new create after the restart: 201" 201
# A create that got no answer is either fully there or fully absent.
unanswered=$(awk '$1 == "create" && $2 == "000" {print $3}' "$D/r1/all.log" | head -n 4)
for login in $unanswered; do
	scim POST /Users "$(user_json "$login@crash.example" "ext-$login")"
	if grep -q "^$login " "$D/r1/present"; then
		want_error "round 1: unanswered create $login (committed): 409 on retry" 409 uniqueness
	else
		want_status "round 1: unanswered create $login (not committed): 201 on retry" 201
	fi
done

echo "# --- round 2: SIGTERM during the storm"
run_storm 2 TERM
assert_eq "round 2: SIGTERM during writes: exit status 0" "$STOP_RC" 0
start_server
check_round 2 503
status_ok "round 2: idsyncctl status ok"
(check_round 1) >"$D/r1-again.out"
if grep -q '^not ok' "$D/r1-again.out"; then
	fail "round 1's writes are all still there after round 2" "$(grep -A3 '^not ok' "$D/r1-again.out" | head -n 12)"
else
	ok "round 1's writes are all still there after round 2"
fi
wait_members "getent group wa: the members of Group A after both rounds" wa "$(members_logins)"
finish
