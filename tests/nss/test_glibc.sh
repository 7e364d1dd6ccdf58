#!/bin/sh
# libnss_idsync.so.2 through the real glibc: inside a private mount
# namespace, a bind-mounted nsswitch.conf ("passwd: files idsync") and
# LD_LIBRARY_PATH pointing at the build make getent, id and ls use the
# module; the host's /etc is never touched. Exit 77 when no namespace.
# Usage: test_glibc.sh libnss_idsync.so.2 ids-fixture idsyncctl
set -eu
so=$1
fixture_bin=$2
ctl_bin=$3
if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
	echo "needs root and unshare -m"
	exit 77
fi
D=$(mktemp -d /tmp/idsync-nss.XXXXXX)
trap 'rm -rf "$D"' EXIT
cat >"$D/idsync.conf" <<CONF
[store]
path = $D/store
map_size_mb = 256
[nss]
snapshot = $D/nss.mdb
CONF
printf 'passwd: files idsync\ngroup: files idsync\nshadow: files\n' >"$D/nsswitch.conf"
fixture() { "$fixture_bin" "$D/idsync.conf" "$@" >/dev/null; }
ctl() { "$ctl_bin" --config "$D/idsync.conf" "$@"; }

ctl init >/dev/null
ann_uid=$("$fixture_bin" "$D/idsync.conf" provision ann@example.com | cut -d' ' -f2)
fixture provision ben@example.com
fixture provision gone@example.com
fixture workspace build
fixture workspace docs
fixture grant ann build member
fixture grant ann docs member
fixture grant ben build member
fixture deactivate gone
mkdir "$D/files"
touch "$D/files/a"
chown "$ann_uid:$ann_uid" "$D/files/a"

# A sanitizer-built module needs its runtime loaded first in getent and id.
preload=""
if readelf -d "$so" | grep -q 'libasan'; then
	preload=$(gcc -print-file-name=libasan.so)
fi

cat >"$D/checks.sh" <<'CHECKS'
set -u
passes=0
failures=0
ok() { echo "ok - $*"; passes=$((passes + 1)); }
bad() { echo "not ok - $*"; failures=$((failures + 1)); }
expect() { # expect DESC EXPECTED CMD...
	desc=$1; want=$2; shift 2
	got=$("$@" 2>&1) || true
	if [ "$got" = "$want" ]; then ok "$desc"; else bad "$desc: got [$got] want [$want]"; fi
}
ann_uid=$(getent passwd ann | cut -d: -f3)
build_gid=$(getent group build | cut -d: -f3)
docs_gid=$(getent group docs | cut -d: -f3)
[ -n "$ann_uid" ] && ok "getent passwd ann" || bad "getent passwd ann"
expect "getent passwd by uid" "ann" sh -c "getent passwd $ann_uid | cut -d: -f1"
expect "getent group by name, members" "build:x:$build_gid:ann,ben" getent group build
expect "getent group by gid" "docs:x:$docs_gid:ann" getent group "$docs_gid"
expect "id -Gn shows exactly the workspace groups" "ann build docs" id -Gn ann
expect "id -G gids" "$ann_uid $build_gid $docs_gid" id -G ann
expect "a deactivated user resolves, without groups" "gone" id -Gn gone
expect "its shell is nologin" "/usr/sbin/nologin" sh -c "getent passwd gone | cut -d: -f7"
expect "ls -l shows owner names" "ann ann" sh -c "stat -c '%U %G' $DIR/files/a"
expect "files users still resolve" "root" sh -c "getent passwd 0 | cut -d: -f1"
expect "enumeration lists idsync users" "3" sh -c "getent passwd | grep -c -E '^(ann|ben|gone):'"
expect "a name idsync does not know" "2" sh -c "getent passwd nobody-known; echo \$?"
echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
CHECKS

run_checks() { # run_checks SCRIPT
	unshare -m sh -c "
		mount --make-rprivate /
		mount --bind '$D/nsswitch.conf' /etc/nsswitch.conf
		export LD_LIBRARY_PATH='$(dirname "$so")' IDSYNC_NSS_SNAPSHOT='$D/nss.mdb' DIR='$D'
		export LD_PRELOAD='$preload' ASAN_OPTIONS=detect_leaks=0
		sh '$1'
	"
}
status=0
run_checks "$D/checks.sh" || status=1

# Enumeration off: no listing, lookups still work.
printf '[store]\npath = %s/store\nmap_size_mb = 256\n[nss]\nsnapshot = %s/nss.mdb\nenumerate = no\n' "$D" "$D" >"$D/idsync.conf"
ctl snapshot publish --force >/dev/null
cat >"$D/enum.sh" <<'CHECKS'
n=$(getent passwd | grep -c -E '^(ann|ben|gone):')
id -Gn ann >/dev/null && [ "$n" = 0 ] && echo "1 passed, 0 failed" && exit 0
echo "not ok - enumeration off still listed $n users"; exit 1
CHECKS
run_checks "$D/enum.sh" || status=1

# No snapshot: files users resolve, idsync users are simply unknown.
mv "$D/nss.mdb" "$D/nss.mdb.away"
cat >"$D/missing.sh" <<'CHECKS'
getent passwd root >/dev/null && ! getent passwd ann >/dev/null && echo "1 passed, 0 failed" && exit 0
echo "not ok - missing snapshot"; exit 1
CHECKS
run_checks "$D/missing.sh" || status=1

# A corrupt snapshot: no crash, files users resolve.
head -c 20000 /dev/urandom >"$D/nss.mdb"
printf '\377\377\377\377\377\377\377\377' | dd of="$D/nss.mdb.gen" bs=8 count=1 conv=notrunc 2>/dev/null
cat >"$D/corrupt.sh" <<'CHECKS'
getent passwd ann >/dev/null; rc=$?
[ "$rc" -eq 2 ] && getent passwd root >/dev/null && echo "1 passed, 0 failed" && exit 0
echo "not ok - corrupt snapshot: getent exited $rc"; exit 1
CHECKS
run_checks "$D/corrupt.sh" || status=1
exit $status
