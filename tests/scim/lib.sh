# shellcheck shell=bash disable=SC2034
# Shared helpers of the SCIM end-to-end suites (sourced, never run): a scratch
# store and configuration, idsyncd on a free loopback port behind a fresh
# self-signed certificate, a curl wrapper that keeps the last request and
# response for failure messages, assertions, and the Unix view through the
# real glibc with libnss_idsync.so.2 in a private mount namespace.
# A suite, run as "test_X.sh IDSYNCD IDSYNCCTL LIBNSS_IDSYNC_SO", sources
# this file (which reads those three arguments), calls scim_setup, then
# start_server, its checks, and "finish" ("N passed, M failed"; exit 1 on
# any failure, 77 when it cannot run here).

set -u
IDSYNCD=${1:?usage: $0 IDSYNCD IDSYNCCTL LIBNSS_IDSYNC_SO}
IDSYNCCTL=${2:?usage: $0 IDSYNCD IDSYNCCTL LIBNSS_IDSYNC_SO}
NSS_SO=${3:?usage: $0 IDSYNCD IDSYNCCTL LIBNSS_IDSYNC_SO}

URN_USER=urn:ietf:params:scim:schemas:core:2.0:User
URN_GROUP=urn:ietf:params:scim:schemas:core:2.0:Group
URN_ENT=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User
URN_PATCH=urn:ietf:params:scim:api:messages:2.0:PatchOp
URN_LIST=urn:ietf:params:scim:api:messages:2.0:ListResponse
URN_ERROR=urn:ietf:params:scim:api:messages:2.0:Error
URN_SEARCH=urn:ietf:params:scim:api:messages:2.0:SearchRequest
URN_SPC=urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig

passes=0
failures=0
todos=0
SERVER_PID=""
PORT=""
BASE=""
TOKEN=""
ST=""    # status of the last scim request ("000": no HTTP response)
RESP=""  # its body
REQ=""   # "METHOD PATH" of the last scim request
REQ_BODY=""

# --- prerequisites, scratch directory ---------------------------------------

scim_require() {
	if [ "$(id -u)" != 0 ]; then
		echo "needs root (the store is root-only, the namespace needs CAP_SYS_ADMIN)"
		exit 77
	fi
	if ! unshare -m true 2>/dev/null; then
		echo "needs unshare -m (a private mount namespace)"
		exit 77
	fi
	local p
	for p in curl jq openssl; do
		command -v "$p" >/dev/null || { echo "needs $p (scripts/install-deps.sh)"; exit 77; }
	done
	for p in "$IDSYNCD" "$IDSYNCCTL"; do
		[ -x "$p" ] || { echo "not an executable: $p"; exit 1; }
	done
	[ -f "$NSS_SO" ] || { echo "no NSS module at $NSS_SO"; exit 1; }
}

# scim_setup [EXTRA_SCIM_KEYS]: scratch dir $D, host files, TLS, config, store,
# token; does not start the server.
scim_setup() {
	scim_require
	D=$(mktemp -d /tmp/idsync-scim.XXXXXX)
	chmod 755 "$D"
	trap scim_cleanup EXIT
	printf 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\nalice:x:1000:1000::/home/alice:/bin/sh\n' >"$D/passwd"
	printf 'root:x:0:\ndaemon:x:1:\nstaff:x:50:\nalice:x:1000:\n' >"$D/group"
	: >"$D/subuid"
	: >"$D/subgid"
	printf 'passwd: files idsync\ngroup: files idsync\nshadow: files\n' >"$D/nsswitch.conf"
	mkdir -p "$D/tls" "$D/srv"
	make_cert "$D/tls"
	CA="$D/tls/cert.pem"
	SCIM_EXTRA=${1:-}
	pick_port
	write_conf
	ctl init >/dev/null || { echo "idsyncctl init failed"; exit 1; }
	TOKEN=$(ctl token create scim-test 2>/dev/null)
	case "$TOKEN" in
	idsync_*) ;;
	*) echo "token create printed [$TOKEN], not a token"; exit 1 ;;
	esac
}

scim_cleanup() {
	local rc=$?
	if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
		kill -9 "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
	fi
	if [ -n "${SCIM_KEEP:-}" ]; then
		echo "# scratch directory kept: $D"
	else
		rm -rf "$D"
	fi
	return "$rc"
}

# make_cert DIR: a fresh self-signed P-256 certificate for 127.0.0.1.
make_cert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
		-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
		-keyout "$1/key.pem" -out "$1/cert.pem" 2>/dev/null || { echo "openssl req failed"; exit 1; }
	chmod 600 "$1/key.pem"
}

# free_port: a loopback port nothing answers on, from a random base.
free_port() {
	local i p
	for i in $(seq 1 50); do
		p=$((20000 + (RANDOM * 7 + i * 131) % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}
pick_port() {
	PORT=$(free_port) || { echo "no free port found"; exit 1; }
	BASE="https://127.0.0.1:$PORT/scim/v2"
}

write_conf() {
	cat >"$D/idsync.conf" <<CONF
[store]
path = $D/store
map_size_mb = 256
[nss]
snapshot = $D/nss.mdb
[identity]
passwd_file = $D/passwd
group_file = $D/group
subuid_file = $D/subuid
subgid_file = $D/subgid
[workspace]
directory_root = $D/srv
[scim]
listen = 127.0.0.1
port = $PORT
tls_cert = $D/tls/cert.pem
tls_key = $D/tls/key.pem
publish_delay_ms = 50
$SCIM_EXTRA
CONF
}

ctl() { "$IDSYNCCTL" --config "$D/idsync.conf" "$@"; }

# --- the server ----------------------------------------------------------------

# start_server: runs idsyncd in the background (stderr appended to
# $D/idsyncd.log) and waits for its "ready on https://127.0.0.1:PORT/scim/v2"
# line. Tries another port when the chosen one was taken meanwhile.
start_server() {
	local try i from
	for try in 1 2 3 4 5; do
		echo "--- idsyncd start $(date +%T.%N) port $PORT" >>"$D/idsyncd.log"
		from=$(($(wc -c <"$D/idsyncd.log") + 1))
		"$IDSYNCD" --config "$D/idsync.conf" >>"$D/idsyncd.log" 2>&1 </dev/null &
		SERVER_PID=$!
		for i in $(seq 1 200); do
			if tail -c +"$from" "$D/idsyncd.log" | grep -q "idsyncd: ready on https://127.0.0.1:$PORT/scim/v2"; then
				return 0
			fi
			kill -0 "$SERVER_PID" 2>/dev/null || break
			sleep 0.05
		done
		if kill -0 "$SERVER_PID" 2>/dev/null; then
			echo "idsyncd did not print \"idsyncd: ready on https://127.0.0.1:$PORT/scim/v2\" within 10 s; log:"
			tail -c +"$from" "$D/idsyncd.log" | tail -n 30
			kill9_server
			exit 1
		fi
		wait "$SERVER_PID" 2>/dev/null
		SERVER_PID=""
		if tail -c +"$from" "$D/idsyncd.log" | grep -qi 'in use'; then
			pick_port
			write_conf
			continue
		fi
		echo "idsyncd exited at startup; log:"
		tail -c +"$from" "$D/idsyncd.log" | tail -n 30
		exit 1
	done
	echo "idsyncd could not bind a port in 5 tries"
	exit 1
}

show_log() {
	echo "# --- idsyncd log (last 40 lines) ---"
	tail -n 40 "$D/idsyncd.log" 2>/dev/null | sed 's/^/#   /'
}

# stop_server: SIGTERM, at most 10 s for a graceful stop; returns its exit
# status (also in STOP_RC; 137 when it had to be killed).
stop_server() {
	local i
	STOP_RC=0
	[ -n "$SERVER_PID" ] || return 0
	kill -TERM "$SERVER_PID" 2>/dev/null
	for i in $(seq 1 100); do
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$SERVER_PID" 2>/dev/null; then
		kill -9 "$SERVER_PID"
		wait "$SERVER_PID" 2>/dev/null
		STOP_RC=137
	else
		wait "$SERVER_PID"
		STOP_RC=$?
	fi
	SERVER_PID=""
	return "$STOP_RC"
}

# kill9_server: no chance to clean up.
kill9_server() {
	[ -n "$SERVER_PID" ] || return 0
	kill -9 "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	SERVER_PID=""
}

server_alive() { [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; }

# --- requests ------------------------------------------------------------------

# q STRING: percent-encoded for a query string.
q() { jq -rn --arg s "$1" '$s|@uri'; }

# scim METHOD PATH [BODY [CURL_ARGS...]]: one request over TLS with the CA
# pinned. Sets ST (HTTP status, "000" when there was no HTTP response), RESP
# (body) and HDRS (response headers file). Environment knobs for one call:
# AUTH ("none" for no Authorization header, else the header's value),
# CT (request Content-Type), IFMATCH (If-Match value), SCIM_TMP (where the
# request and response files go: one directory per parallel client).
scim() {
	local method=$1 path=$2 body=${3:-}
	shift 3 2>/dev/null || shift $#
	local auth=${AUTH-Bearer $TOKEN} ct=${CT-application/scim+json}
	T=${SCIM_TMP:-$D}
	local -a args=(-sS --cacert "$CA" --max-time "${SCIM_MAX_TIME:-20}" -X "$method"
		-H "Accept: application/scim+json" -o "$T/resp.body" -D "$T/resp.hdr" -w '%{http_code}')
	[ "$auth" != none ] && args+=(-H "Authorization: $auth")
	[ -n "${IFMATCH:-}" ] && args+=(-H "If-Match: $IFMATCH")
	if [ -n "$body" ]; then
		printf '%s' "$body" >"$T/req.body"
		args+=(-H "Content-Type: $ct" --data-binary "@$T/req.body")
	fi
	REQ="$method $path"
	REQ_BODY=$body
	: >"$T/resp.body"
	: >"$T/resp.hdr"
	ST=$(curl "${args[@]}" "$@" "$BASE$path" 2>"$T/curl.err")
	[ -n "$ST" ] || ST=000
	RESP=$(cat "$T/resp.body")
}

# curl_batch OUT SPEC: the requests of SPEC, in order, from one curl process
# over one keep-alive connection (as IdPs send them). SPEC lines are
# "METHOD PATH BODYFILE|- TAG" (PATH already percent-encoded). Writes
# OUT.log, one "TAG STATUS" line a request (000: no response), and each
# response body to OUT.d/TAG.json.
curl_batch() {
	local out=$1 spec=$2 method path body tag first=1
	mkdir -p "$out.d"
	while read -r method path body tag; do
		[ "$first" = 1 ] || echo "next"
		first=0
		printf 'silent\nshow-error\ncacert = "%s"\nmax-time = 30\nrequest = "%s"\n' "$CA" "$method"
		printf 'header = "Authorization: Bearer %s"\nheader = "Accept: application/scim+json"\n' "$TOKEN"
		if [ "$body" != - ]; then
			printf 'header = "Content-Type: application/scim+json"\ndata-binary = "@%s"\n' "$body"
		fi
		printf 'output = "%s"\nwrite-out = "%s %%{http_code}\\n"\nurl = "%s"\n' "$out.d/$tag.json" "$tag" "$BASE$path"
	done <"$spec" >"$out.curlrc"
	curl -K "$out.curlrc" >"$out.log" 2>"$out.err"
	return 0
}

# hdr NAME: a header of the last response (last occurrence, CR stripped).
hdr() {
	tr -d '\r' <"$T/resp.hdr" | awk -v n="$1" 'tolower(substr($0,1,length(n)+1))==tolower(n)":" {v=substr($0,length(n)+2); sub(/^[ \t]+/,"",v); val=v} END{print val}'
}

# j FILTER: jq -r on the last response body ("" when it is not JSON).
j() { printf '%s' "$RESP" | jq -r "$@" 2>/dev/null; }

# --- assertions ---------------------------------------------------------------

# A check that fails because of a known, reported server bug runs with
# KNOWN_BUG="what" in its environment: its failure is shown in full but
# reported as "# TODO" and does not fail the suite (SCIM_STRICT=1 makes it
# fail); once it passes, the marker is due for removal.
n_checks() { echo $((passes + failures + todos)); }
ok() {
	passes=$((passes + 1))
	if [ -n "${KNOWN_BUG:-}" ]; then
		echo "ok $(n_checks) - $* # TODO passed this time: remove its KNOWN_BUG marker once the bug is fixed ($KNOWN_BUG)"
	else
		echo "ok $(n_checks) - $*"
	fi
}
# counted_failure DESC: counts one failure (or known bug) and prints its line.
counted_failure() {
	if [ -n "${KNOWN_BUG:-}" ] && [ -z "${SCIM_STRICT:-}" ]; then
		todos=$((todos + 1))
		echo "not ok $(n_checks) - $1 # TODO known server bug: $KNOWN_BUG"
	else
		failures=$((failures + 1))
		echo "not ok $(n_checks) - $1"
	fi
}

# fail DESC [DETAIL...]: a failure with free-form detail lines.
fail() {
	counted_failure "$1"
	shift
	local l
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/#   /'; done
}

# fail_req DESC [NOTE]: a failure showing the last request and its response.
fail_req() {
	local note=${2:-}
	counted_failure "$1"
	[ -n "$note" ] && echo "#   $note"
	echo "#   request:  $REQ"
	[ -n "$REQ_BODY" ] && printf '%s\n' "$REQ_BODY" | head -c 3000 | sed 's/^/#     /'
	echo "#   response: $ST $(tr -d '\r' <"${T:-$D}/curl.err" 2>/dev/null | head -n 1)"
	tr -d '\r' <"${T:-$D}/resp.hdr" 2>/dev/null | sed -n '2,20p' | sed 's/^/#     /'
	printf '%s\n' "$RESP" | head -c 3000 | sed 's/^/#     /'
	echo
}

# check DESC CMD...: CMD must succeed (failure shows the last request/response).
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else fail_req "$desc" "failed: $*"; fi
}

# want_status DESC REGEX: the last status matches ^(REGEX)$.
want_status() {
	if [[ $ST =~ ^($2)$ ]]; then ok "$1"; else fail_req "$1" "status $ST, wanted $2"; fi
}

# want_json DESC JQ_EXPR [JQ_ARGS...]: jq -e EXPR holds on the last body.
want_json() {
	local desc=$1 expr=$2
	shift 2
	if printf '%s' "$RESP" | jq -e "$@" "$expr" >/dev/null 2>&1; then
		ok "$desc"
	else
		fail_req "$desc" "does not hold: $expr"
	fi
}

# want DESC STATUS_REGEX JQ_EXPR [JQ_ARGS...]: status and body in one check.
want() {
	local desc=$1 st=$2 expr=$3
	shift 3
	if ! [[ $ST =~ ^($st)$ ]]; then
		fail_req "$desc" "status $ST, wanted $st"
	elif ! printf '%s' "$RESP" | jq -e "$@" "$expr" >/dev/null 2>&1; then
		fail_req "$desc" "does not hold: $expr"
	else
		ok "$desc"
	fi
}

# want_error DESC STATUS [SCIMTYPE_REGEX]: a SCIM Error resource (RFC 7644
# §3.12) with that status (as a string, and as the HTTP status), the scimType
# when given, a detail, and the SCIM media type.
want_error() {
	local desc=$1 st=$2 type=${3:-} why=""
	local ctype
	ctype=$(hdr Content-Type)
	if ! [[ $ST =~ ^($st)$ ]]; then
		why="status $ST, wanted $st"
	elif ! printf '%s' "$RESP" | jq -e --arg u "$URN_ERROR" --arg s "$ST" \
		'(.schemas == [$u]) and (.status == $s) and ((.detail // "") | type == "string")' >/dev/null 2>&1; then
		why="not a SCIM Error with schemas [$URN_ERROR] and status \"$ST\" (a string)"
	elif [ -n "$type" ] && ! [[ $(j '.scimType // ""') =~ ^($type)$ ]]; then
		why="scimType \"$(j '.scimType // ""')\", wanted $type"
	elif ! [[ $ctype == application/scim+json* ]]; then
		why="Content-Type \"$ctype\", wanted application/scim+json"
	fi
	if [ -n "$why" ]; then fail_req "$desc" "$why"; else ok "$desc"; fi
}

# assert_eq DESC GOT WANT
assert_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "got:  [$2]" "want: [$3]"; fi
}

# finish: the closing line and exit status.
finish() {
	if server_alive; then
		if ! stop_server; then
			fail "idsyncd stops cleanly on SIGTERM (exit status $STOP_RC)"
		fi
	fi
	[ "$failures" -eq 0 ] || show_log
	if [ "$todos" -gt 0 ]; then
		echo "$passes passed, $failures failed, $todos known server bugs (TODO)"
	else
		echo "$passes passed, $failures failed"
	fi
	[ "$failures" -eq 0 ]
	exit $?
}

# --- SCIM bodies ----------------------------------------------------------------

# user_json USERNAME [EXTERNAL_ID [GIVEN FAMILY]]: a minimal core User.
user_json() {
	jq -cn --arg u "$1" --arg e "${2:-}" --arg g "${3:-Test}" --arg f "${4:-User}" --arg s "$URN_USER" \
		'{schemas: [$s], userName: $u, name: {givenName: $g, familyName: $f}, active: true}
		 + (if $e == "" then {} else {externalId: $e} end)'
}
# patch_json OPS_JSON_ARRAY: a PatchOp message.
patch_json() { jq -cn --argjson ops "$1" --arg s "$URN_PATCH" '{schemas: [$s], Operations: $ops}'; }

# create_user USERNAME [EXTERNAL_ID]: POST, prints the id (empty on failure).
create_user() {
	scim POST /Users "$(user_json "$1" "${2:-}")"
	if [ "$ST" = 201 ]; then j .id; else fail_req "create user $1" "status $ST, wanted 201"; fi
}
create_group() { # create_group DISPLAY_NAME [EXTERNAL_ID]: prints the id
	scim POST /Groups "$(jq -cn --arg d "$1" --arg e "${2:-}" --arg s "$URN_GROUP" \
		'{schemas: [$s], displayName: $d} + (if $e == "" then {} else {externalId: $e} end)')"
	if [ "$ST" = 201 ]; then j .id; else fail_req "create group $1" "status $ST, wanted 201"; fi
}

# --- the Unix view through glibc ------------------------------------------------

# A sanitizer-built module needs its runtime loaded first.
NSS_PRELOAD=""
if readelf -d "$NSS_SO" 2>/dev/null | grep -q libasan; then
	NSS_PRELOAD=$(gcc -print-file-name=libasan.so)
fi

# nss_run 'SHELL COMMANDS': runs them in a private mount namespace where
# /etc/nsswitch.conf says "files idsync" and the module reads this store's
# snapshot; prints their output.
nss_run() {
	unshare -m --propagation private sh -c '
		mount --bind "$1" /etc/nsswitch.conf || exit 99
		# No cache daemon between glibc and the module.
		for d in /run/nscd /var/run/nscd /var/db/nscd; do
			[ -d "$d" ] && mount -t tmpfs none "$d" 2>/dev/null
		done
		export LD_LIBRARY_PATH="$2" IDSYNC_NSS_SNAPSHOT="$3" LD_PRELOAD="$4" ASAN_OPTIONS=detect_leaks=0
		sh -c "$5"
	' sh "$D/nsswitch.conf" "$(dirname "$NSS_SO")" "$D/nss.mdb" "$NSS_PRELOAD" "$1" 2>&1
}


# wait_nss DESC WANT 'SHELL COMMANDS': polls (up to NSS_WAIT_S, 5 s) until
# the output is WANT.
now_ms() { echo $(($(date +%s%N) / 1000000)); }
wait_nss() {
	local desc=$1 want=$2 cmd=$3 got="" end
	end=$(($(now_ms) + ${NSS_WAIT_S:-5} * 1000))
	while :; do
		got=$(nss_run "$cmd")
		[ "$got" = "$want" ] && { ok "$desc"; return 0; }
		[ "$(now_ms)" -lt "$end" ] || break
		sleep 0.1
	done
	fail "$desc" "through glibc: $cmd" "got:  [$got]" "want: [$want]" \
		"snapshot: $(ctl snapshot show 2>&1 | grep -v '^#' | tr '\n' ' ' | cut -c1-1500)"
	return 1
}
# wait_members DESC GROUP WANT_CSV: the group exists and has exactly these members.
wait_members() {
	wait_nss "$1" "$2:$3" "g=\$(getent group '$2') || { echo 'no group $2'; exit; }
		echo \"$2:\$(echo \"\$g\" | cut -d: -f4 | tr ',' '\\n' | grep -v '^\$' | sort | paste -sd, -)\""
}
wait_groups() { wait_nss "$1" "$3" "id -Gn '$2' | tr ' ' '\n' | sort | paste -sd, -"; }
wait_shell() { wait_nss "$1" "$3" "getent passwd '$2' | cut -d: -f7"; }
# wait_absent DESC LOGIN: getent passwd LOGIN finds nothing (exit status 2).
wait_absent() { wait_nss "$1" "2" "getent passwd '$2' >/dev/null; echo \$?"; }

# sorted_csv WORDS...: the words sorted and comma-joined.
sorted_csv() { printf '%s\n' "$@" | grep -v '^$' | sort | paste -sd, -; }

# workspaces WS...: managed workspaces (two or more make mappings apply).
workspaces() {
	local ws
	for ws in "$@"; do
		ctl workspace add "$ws" >/dev/null 2>"$D/ctl.err" || { echo "workspace add $ws: $(cat "$D/ctl.err")"; exit 1; }
	done
}
# map LABEL IDENTIFIER WS: an IdP group mapping.
map() {
	ctl mapping add "$1" --identifier "$2" --workspace "$3" >/dev/null 2>"$D/ctl.err" ||
		{ echo "mapping add $1: $(cat "$D/ctl.err")"; exit 1; }
}
