#!/bin/sh
# The idsync demo: builds everything, then plays an identity provider's
# changes into a scratch store and shows what the host would serve.
# Everything lives in a scratch directory; nothing under /etc or /var/lib is
# touched. The NSS part runs in a private mount namespace (unshare -m) where
# a bind-mounted nsswitch.conf lets the real glibc (getent, id) use idsync.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)

scripts/install-deps.sh
if [ ! -f build-demo/build.ninja ]; then
	meson setup build-demo -Dtests=enabled >/dev/null
fi
ninja -C build-demo >/dev/null

demo=$(mktemp -d /tmp/idsync-demo.XXXXXX)
trap 'rm -rf "$demo"' EXIT
cat >"$demo/idsync.conf" <<CONF
; A scratch configuration: the store and snapshot live in $demo.
[store]
path = $demo/store
[nss]
snapshot = $demo/nss.mdb
[workspace]
directory_root = $demo/srv
CONF
ctl="$top/build-demo/syncd/idsyncctl --config $demo/idsync.conf"
fixture="$top/build-demo/tests/ids-fixture $demo/idsync.conf"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "idsyncctl init: a new store and an empty NSS snapshot"
$ctl init

say "The IdP provisions three people (login from the email's local part; uid from the IdP's identity)"
$fixture provision ada.lovelace@example.com 8d3c2a52-0b8e-4a5b-9c5e-1f0e9c1d2a01 "Ada Lovelace"
$fixture provision grace@example.com 2f6b7c8d-1a2b-4c3d-8e9f-0a1b2c3d4e5f "Grace Hopper"
$fixture provision linus@example.com - "Linus T."

say "A name that cannot be a Unix login is refused with a reason the IdP admin can act on"
$fixture provision root@example.com || true
$fixture provision "José@example.com" || true

say "Workspaces: build (with a shared directory), docs (2 seats, 1 read-only seat), lab (local: admins only)"
$ctl workspace add build --with-dir
$ctl workspace add docs --seats 2 --seats-ro 1
$ctl workspace add lab --local

say "IdP group mappings: the Entra group eng-guid -> build + docs; the group Writers -> docs, read-only"
$ctl mapping add engineering --identifier 5f1c2a0e-9d5b-4c1e-8a77-2e6f3b9d1c40 --workspace build --workspace docs
$ctl mapping add writers --identifier Writers --workspace docs --role read-only
$ctl mapping list

say "The IdP pushes the group Writers over SCIM with grace in it: she gets docs, read-only"
$fixture group 7a0c4e11-3b2d-4f6a-9e8c-5d4b3a2f1e00 Writers
$fixture join grace 7a0c4e11-3b2d-4f6a-9e8c-5d4b3a2f1e00

say "ada logs in; her assertion carries the engineering group: build and docs are granted, build opens"
$fixture login ada.lovelace 5f1c2a0e-9d5b-4c1e-8a77-2e6f3b9d1c40

say "linus logs in with the same group: build is granted; docs has no free seat (refused for docs only)"
$fixture login linus 5f1c2a0e-9d5b-4c1e-8a77-2e6f3b9d1c40

say "An admin grants linus the local workspace lab by hand"
$ctl grant add linus lab

say "An IdP-derived grant cannot be revoked by hand"
$ctl grant revoke ada.lovelace build || true

say "Offboarding: the IdP deactivates linus (still resolves, no groups, nologin shell, sessions ended)"
$fixture deactivate linus

say "idsyncctl explain ada.lovelace"
$ctl explain ada.lovelace

say "idsyncctl user show ada.lovelace"
$ctl user show ada.lovelace

say "What NSS will serve (idsyncctl snapshot show)"
$ctl snapshot show

say "idsyncctl status"
$ctl status

say "The audit trail (idsyncctl audit)"
$ctl audit

nss_so="$top/build-demo/nss_idsync/libnss_idsync.so.2"
if [ -f "$nss_so" ] && [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null; then
	say "Real glibc in a private mount namespace: getent and id through nsswitch.conf"
	printf 'passwd: files idsync\ngroup: files idsync\nshadow: files\n' >"$demo/nsswitch.conf"
	# glibc finds NSS modules through the dynamic linker: LD_LIBRARY_PATH points it at the
	# build, so nothing is installed on the host.
	unshare -m sh -c "
		mount --make-rprivate /
		mount --bind '$demo/nsswitch.conf' /etc/nsswitch.conf
		export LD_LIBRARY_PATH='$(dirname "$nss_so")'
		export IDSYNC_NSS_SNAPSHOT='$demo/nss.mdb'
		echo '\$ getent passwd ada.lovelace'; getent passwd ada.lovelace
		echo '\$ getent group build';         getent group build
		echo '\$ id ada.lovelace';            id ada.lovelace
		echo '\$ id linus';                   id linus
		echo '\$ ls -ld $demo/srv/build';     ls -ld '$demo/srv/build'
	"
else
	say "(the NSS module is not built yet, or no private namespace here: skipping getent/id)"
fi
say "Demo finished; the scratch directory $demo is removed."
