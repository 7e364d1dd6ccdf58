#!/bin/sh
# Installs every package idsync needs to build and test, from Debian's archive.
# Idempotent: prints nothing and changes nothing when all of them are present.
# Usage: scripts/install-deps.sh [--bench]   (--bench adds the benchmark peers)
set -eu

pkgs="meson ninja-build gcc clang lld pkg-config libclang-rt-14-dev
 liblmdb-dev lmdb-utils libjansson-dev libxml2-dev libxmlsec1-dev libxmlsec1-openssl
 libssl-dev libpam0g-dev libevent-dev libinih-dev libcriterion-dev
 cppcheck util-linux curl openssl xmlsec1 pamtester jq"
if [ "${1:-}" = "--bench" ]; then
	pkgs="$pkgs libnss-cache wrk"
fi

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing Debian packages:$missing" >&2
	echo "install-deps: run this script as root, or: sudo apt-get install$missing" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# Keep the host's name-service configuration exactly as it is: save it and put
# it back whatever a package's maintainer script does to it.
nss_backup=$(mktemp)
cp -p /etc/nsswitch.conf "$nss_backup"
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
if ! cmp -s "$nss_backup" /etc/nsswitch.conf; then
	cp -p "$nss_backup" /etc/nsswitch.conf
	echo "install-deps: restored /etc/nsswitch.conf changed by a package" >&2
fi
rm -f "$nss_backup"
