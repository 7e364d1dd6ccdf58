#!/bin/sh
# SCIM benchmark of idsyncd over keep-alive HTTPS, driven by wrk (Lua scripts
# in this directory). Not a test. For each size in USERS (default 1000 100000)
# a fresh server is loaded with that many users (a POST storm, itself
# measured), then measured: GET filter=userName eq "..." and POST /Users at 16
# and 64 connections; at sizes of at least 12000 users also single-member
# PATCHes on a 1k- and a 10k-member group. Finally an Entra-style initial sync
# (10k users + 1k groups, 8 sequential workers) on another fresh server.
# Prints the machine, then one table.
#
# Usage: bench/scim/run.sh [USERS ...]
# Environment: BENCH_BUILD (build dir, default build-bench, release),
#   BENCH_SECS (seconds per timed run, default 15), BENCH_SYNC_USERS (10000),
#   BENCH_SYNC_GROUPS (1000), BENCH_SYNC_WORKERS (8), BENCH_KEEP=1 keeps the
#   scratch directories, BENCH_PERF=1 records a perf profile of idsyncd
#   during the 64-connection POST run (kept in /tmp), BENCH_NODELAY=1 runs
#   idsyncd with nodelay_shim.c preloaded (TCP_NODELAY on accepted sockets:
#   an experiment, not how idsyncd ships).
set -eu
cd "$(dirname "$0")/../.."
root=$(pwd)
here=$root/bench/scim
build=${BENCH_BUILD:-build-bench}
secs=${BENCH_SECS:-15}
sync_users=${BENCH_SYNC_USERS:-10000}
sync_groups=${BENCH_SYNC_GROUPS:-1000}
sync_workers=${BENCH_SYNC_WORKERS:-8}

scripts/install-deps.sh --bench
[ -f "$build/build.ninja" ] || meson setup "$build" -Dbuildtype=release -Dtests=disabled >/dev/null
ninja -C "$build" syncd/idsyncd syncd/idsyncctl >/dev/null
case $build in /*) ;; *) build=$root/$build ;; esac
[ "$(meson configure "$build" 2>/dev/null | awk '$1 == "buildtype" { print $2; exit }')" = release ] ||
	echo "warning: $build is not a release build" >&2

table=$(mktemp /tmp/idsync-bench-scim-table.XXXXXX)
server_pid=
dir=
cleanup() {
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
	[ -n "$dir" ] && [ "${BENCH_KEEP:-0}" != 1 ] && rm -rf "$dir"
	rm -f "$table"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
	p=$((20000 + $$ % 20000))
	while ss -Htln "sport = :$p" | grep -q .; do p=$((p + 1)); done
	echo "$p"
}

# start_server: a fresh store, config, token and idsyncd in a new scratch $dir.
start_server() {
	dir=$(mktemp -d /tmp/idsync-bench-scim.XXXXXX)
	cp /etc/passwd /etc/group "$dir/"
	: >"$dir/subuid"
	: >"$dir/subgid"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
		-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
		-keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
	port=$(free_port)
	cat >"$dir/idsync.conf" <<EOF
[store]
path = $dir/store
map_size_mb = 16384
[nss]
snapshot = $dir/nss.mdb
[identity]
passwd_file = $dir/passwd
group_file = $dir/group
subuid_file = $dir/subuid
subgid_file = $dir/subgid
[scim]
port = $port
tls_cert = $dir/cert.pem
tls_key = $dir/key.pem
max_connections = 1024
EOF
	"$build/syncd/idsyncctl" --config "$dir/idsync.conf" init >/dev/null
	token=$("$build/syncd/idsyncctl" --config "$dir/idsync.conf" token create bench 2>/dev/null)
	# Request logging goes to stderr, as under systemd; a file keeps it cheap.
	preload=
	if [ "${BENCH_NODELAY:-0}" = 1 ]; then
		cc -O2 -shared -fPIC -o "$dir/nodelay.so" "$here/nodelay_shim.c" -ldl
		preload=$dir/nodelay.so
	fi
	env ${preload:+LD_PRELOAD=$preload} "$build/syncd/idsyncd" --config "$dir/idsync.conf" 2>"$dir/idsyncd.log" &
	server_pid=$!
	i=0
	until grep -q "ready on" "$dir/idsyncd.log"; do
		i=$((i + 1))
		[ $i -lt 100 ] || { cat "$dir/idsyncd.log" >&2; exit 1; }
		sleep 0.1
	done
	url=https://127.0.0.1:$port
}

stop_server() {
	kill "$server_pid"
	wait "$server_pid" || true
	server_pid=
	[ "${BENCH_KEEP:-0}" = 1 ] && echo "kept $dir" >&2 || rm -rf "$dir"
	dir=
}

# wrk_run LABEL USERS THREADS CONNS SCRIPT SECONDS|fixed [VAR=VALUE ...]
# Timed runs last SECONDS; fixed runs end when every thread has marked its
# work done (wrk gets SIGINT then). Appends a table row.
wrk_run() {
	label=$1 stored=$2 threads=$3 conns=$4 script=$5 how=$6
	shift 6
	mark=$dir/mark.$$
	rm -rf "$mark" && mkdir "$mark"
	d=$how
	[ "$how" = fixed ] && d=3600
	env BENCH_DIR="$here" BENCH_TOKEN="$token" BENCH_THREADS="$threads" BENCH_MARK="$mark" \
		BENCH_NAME=x "$@" \
		wrk -t"$threads" -c"$conns" -d"${d}s" --timeout 30s -s "$here/$script" "$url" \
		>"$dir/wrk.out" 2>&1 &
	wpid=$!
	gen0=$(snap_gen)
	if [ "$how" = fixed ]; then
		while [ "$(ls "$mark" | wc -l)" -lt "$threads" ] && kill -0 "$wpid" 2>/dev/null; do
			sleep 0.2
		done
		kill -INT "$wpid" 2>/dev/null || true
	fi
	wait "$wpid" || true
	gen1=$(snap_gen)
	r=$(grep '^RESULT' "$dir/wrk.out") || { cat "$dir/wrk.out" >&2; exit 1; }
	if grep -q 'Socket errors' "$dir/wrk.out"; then
		echo "$label: $(grep 'Socket errors' "$dir/wrk.out")" >&2
	fi
	# RESULT name ok bad rps p50 p99 wall statuses... -> a tab-separated row
	echo "$r" | awk -v l="$label" -v s="$stored" -v c="$conns" -v load="$(cut -d' ' -f1 /proc/loadavg)" '{
		st = ""; for (i = 9; i <= NF; i++) st = st $i " "
		printf "%s\t%s\t%s\t%d\t%d\t%.0f\t%.2f\t%.2f\t%.1f\t%s\t%d\t%s\n", l, s, c, $3, $4, $5, $6, $7, $8, load, pubs, st }' \
		pubs=$((gen1 - gen0)) >>"$table"
}

members() { # GROUP_ID: how many members it has
	scim GET "/Groups/$1?attributes=members" | grep -o '"value":"' | wc -l
}

snap_gen() { # the NSS snapshot's publication counter (a native 64-bit word)
	od -An -tu8 -N8 "$dir/nss.mdb.gen" 2>/dev/null | tr -d ' ' || echo 0
}

scim() { # METHOD PATH [BODY]
	curl -sSk -X "$1" -H "Authorization: Bearer $token" -H 'Content-Type: application/scim+json' \
		"$url/scim/v2$2" ${3:+--data-binary "$3"}
}

# make_group NAME FIRST COUNT: a group with users u<FIRST>..u<FIRST+COUNT-1>,
# added by PATCHes of 100 values; prints its id.
make_group() {
	gid=$(scim POST /Groups "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:Group\"],\"displayName\":\"$1\"}" |
		sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
	awk -v a="$2" -v n="$3" '$1 >= a && $1 < a + n { print $2 }' "$dir/ids" | awk '
		{ v = v (v ? "," : "") "{\"value\":\"" $1 "\"}" }
		NR % 100 == 0 { print v; v = "" } END { if (v) print v }' |
		while read -r vals; do
			scim PATCH "/Groups/$gid" "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],\"Operations\":[{\"op\":\"Add\",\"path\":\"members\",\"value\":[$vals]}]}" >/dev/null
		done
	n=$(members "$gid")
	[ "$n" = "$3" ] || echo "warning: group $1 has $n members, not $3" >&2
	echo "$gid"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
fs=$(mktemp -d /tmp/idsync-bench-dd.XXXXXX)
dd_s=$(dd if=/dev/zero of="$fs/f" bs=4k count=200 oflag=dsync 2>&1 | awk '/copied/ { print $(NF-3) }')
rm -rf "$fs"
echo "storage: $(df -T /tmp | awk 'NR == 2 { print $2 " on " $1 }'); 4 KiB write+fdatasync (dd oflag=dsync, 200 writes): $(echo "$dd_s" | awk '{ printf "%.2f ms", $1 / 200 * 1000 }') each"
echo "wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}'), idsyncd from $build, defaults: batch_max 256, publish_delay_ms 200"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

for n in ${@:-1000 100000}; do
	start_server
	: >"$dir/ids"
	wrk_run "POST /Users load (fixed count)" "0..$n" 2 64 post_users.lua fixed \
		BENCH_MODE=load BENCH_BASE=0 BENCH_COUNT="$n" BENCH_IDS="$dir/ids"
	cat "$dir"/ids.* | sort -n >"$dir/ids"
	[ "$(wc -l <"$dir/ids")" = "$n" ] || echo "warning: $(wc -l <"$dir/ids") of $n users loaded" >&2
	wrk_run "GET filter userName eq" "$n" 2 16 get_filter.lua "$secs" BENCH_USERS="$n"
	for c in 16 64; do
		perf_pid=
		if [ "$c" = 64 ] && [ "${BENCH_PERF:-0}" = 1 ]; then
			perf record -g -o "$dir/perf.data" -p "$server_pid" -- sleep "$secs" >/dev/null 2>&1 &
			perf_pid=$!
		fi
		wrk_run "POST /Users" "$n+" 2 "$c" post_users.lua "$secs" BENCH_PREFIX="b$c"
		[ -z "$perf_pid" ] || wait "$perf_pid" || true
	done
	if [ "$n" -ge 12000 ]; then
		g1=$(make_group bench-1k 0 1000)
		g10=$(make_group bench-10k 0 10000)
		awk '$1 >= 10000 && $1 < 60000 { print $2 }' "$dir/ids" >"$dir/churn"
		wrk_run "PATCH 1 member, 1k group" "$n" 2 16 patch_member.lua "$secs" \
			BENCH_GROUP="$g1" BENCH_CHURN="$dir/churn"
		wrk_run "PATCH 1 member, 10k group" "$n" 2 16 patch_member.lua "$secs" \
			BENCH_GROUP="$g10" BENCH_CHURN="$dir/churn"
		n10=$(members "$g10")
		echo "note: the 10k group has $n10 members after the PATCH run (alternating add/remove)" >&2
	fi
	[ "${BENCH_PERF:-0}" = 1 ] && cp "$dir/perf.data" "/tmp/idsync-bench-scim-perf-$n.data" 2>/dev/null &&
		echo "perf profile: /tmp/idsync-bench-scim-perf-$n.data (perf report -i ... --no-children)" >&2
	stop_server
done

start_server
wrk_run "Entra sync ${sync_users}u+${sync_groups}g" 0 "$sync_workers" "$sync_workers" entra_sync.lua fixed \
	BENCH_USERS="$sync_users" BENCH_GROUPS="$sync_groups" BENCH_MEMBERS=10
stop_server

fmt='%-32s %10s %5s %8s %6s %8s %8s %8s %7s %5s %5s  %s\n'
printf "$fmt" test users conns 2xx non2xx "2xx/s" p50_ms p99_ms wall_s load pubs "non-2xx statuses"
awk -F'\t' -v fmt="$fmt" '{ printf fmt, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 }' "$table"
echo
echo "Timed runs: ${secs}s each, 2 wrk threads. 'users' is the store size (n+: grows during the run)."
echo "Every 2xx write was answered after its batch's durable commit (LMDB, fsync)."
echo "load: 1-minute load average after the run (other work on the machine competes for the cores);"
echo "pubs: NSS snapshot publications (full rebuilds) during the run."
echo "PATCH runs alternate Add and Remove of one member (Entra's shape), other users each time."
echo "Entra sync: $sync_workers workers, each sequential: per user GET filter + POST; per group GET"
echo "filter (excludedAttributes=members) + POST + one PATCH of 10 members; wall_s is first request to last answer."
first=$(echo ${@:-1000 100000} | awk '{print $1}')
last=$(echo ${@:-1000 100000} | awk '{print $NF}')
if [ "$first" != "$last" ]; then
	awk -F'\t' -v f="$first" -v l="$last" '
		$1 ~ /^GET/ && $2 == f { a = $7; ar = $6 } $1 ~ /^GET/ && $2 == l { b = $7; br = $6 }
		END { if (a && b) printf "GET filter %s/%s users: p50 ratio %.2f, throughput ratio %.2f (aim: p50 ratio <= 2)\n", l, f, b / a, ar / br }' "$table"
fi
awk -F'\t' '$1 ~ /1k group/ { a = $7; ar = $6 } $1 ~ /10k group/ { b = $7; br = $6 }
	END { if (a && b) printf "PATCH 10k/1k-member group: p50 ratio %.2f, throughput ratio %.2f (aim: p50 ratio <= 2)\n", b / a, ar / br }' "$table"
