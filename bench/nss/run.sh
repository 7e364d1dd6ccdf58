#!/bin/sh
# NSS benchmark: libnss_idsync.so.2 against glibc's nss_files and Debian's
# libnss-cache (with its sorted indexes), on the same directory, in one run;
# direct calls and through glibc. Runs in a private mount namespace: a
# scratch directory holding the generated passwd/group (and their .cache
# copies and indexes for libnss-cache), nsswitch.conf and the loader's cache
# is bound over /etc there only; the host's /etc is never written.
# Usage: bench/nss/run.sh [USERS...]
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
	# The /etc of the namespace: the loader's configuration, the directory as
	# files, and libnss-cache's files (/etc/passwd.cache, /etc/group.cache).
	mkdir "$d/etc"
	for f in ld.so.cache ld.so.conf ld.so.conf.d localtime; do
		[ -e "/etc/$f" ] && cp -a "/etc/$f" "$d/etc/"
	done
	for m in passwd group; do
		cp "$d/$m" "$d/etc/$m"
		cp "$d/$m" "$d/etc/$m.cache"
	done
	# Indexes last, so that they are not older than the files (libnss-cache checks).
	touch -d '-1 minute' "$d/etc/passwd.cache" "$d/etc/group.cache"
	for ix in passwd.ixname passwd.ixuid group.ixname group.ixgid; do
		cp "$d/$ix" "$d/etc/${ix%%.*}.cache.${ix#*.}"
	done
	unshare -m sh -c "
		set -e
		mount --make-rprivate /
		mount --bind '$d/etc' /etc
		build-bench/bench/bench_nss direct '$d' '$users' '$so'
		echo 'through glibc (getpwnam_r, getpwuid_r, getgrgid_r, getgrnam_r, getgrouplist)'
		for peer in idsync files cache; do
			printf 'passwd: %s\ngroup: %s\n' \$peer \$peer >/etc/nsswitch.conf
			label=\$peer; [ \$peer = files ] && label=nss_files; [ \$peer = cache ] && label=libnss-cache
			LD_LIBRARY_PATH='$(dirname "$so")' IDSYNC_NSS_SNAPSHOT='$d/nss.mdb' \
				build-bench/bench/bench_nss glibc \$label '$users'
		done
	"
	rm -rf "$d"
done
