#!/bin/sh
# NSS benchmark: libnss_idsync.so.2 against glibc's nss_files and Debian's
# libnss-cache, on the same directory, in one run; direct calls and through
# glibc. Runs in a private mount namespace (the generated passwd/group are
# bound over /etc only there). Usage: bench/nss/run.sh [USERS...]
set -eu
cd "$(dirname "$0")/../.."
[ "$(id -u)" = 0 ] || { echo "run as root (mount namespace)"; exit 1; }
scripts/install-deps.sh --bench
[ -f build-bench/build.ninja ] || meson setup build-bench -Dbuildtype=release -Dtests=disabled >/dev/null
ninja -C build-bench bench/bench_nss nss_idsync/libnss_idsync.so.2 >/dev/null
so=$(pwd)/build-bench/nss_idsync/libnss_idsync.so.2
for users in "${@:-1000 10000 100000}"; do
	d=$(mktemp -d /tmp/idsync-bench-nss.XXXXXX)
	build-bench/bench/bench_nss build "$d" "$users"
	unshare -m sh -c "
		mount --make-rprivate /
		mount --bind '$d/passwd' /etc/passwd
		mount --bind '$d/group' /etc/group
		build-bench/bench/bench_nss direct '$d' '$users' '$so'
		# Through glibc: libnss-cache would need /etc/passwd.cache, which this host lacks
		# and a namespace cannot create; it is measured by direct calls only.
		for peer in idsync files; do
			printf 'passwd: %s\ngroup: %s\n' \$peer \$peer >'$d/nsswitch.conf'
			mount --bind '$d/nsswitch.conf' /etc/nsswitch.conf
			label=\$peer; [ \$peer = files ] && label=nss_files
			LD_LIBRARY_PATH='$(dirname "$so")' IDSYNC_NSS_SNAPSHOT='$d/nss.mdb' \
				build-bench/bench/bench_nss glibc \$label '$users'
			umount /etc/nsswitch.conf
		done
	"
	rm -rf "$d"
done
