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
daemon_pid=
cleanup() {
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
	rm -rf "$demo"
}
trap cleanup EXIT
# A free loopback port for the SCIM service.
port=$((20000 + $$ % 20000))
cat >"$demo/idsync.conf" <<CONF
; A scratch configuration: the store and snapshot live in $demo.
[store]
path = $demo/store
[nss]
snapshot = $demo/nss.mdb
[workspace]
directory_root = $demo/srv
[scim]
listen = 127.0.0.1
port = $port
tls_cert = $demo/scim.crt
tls_key = $demo/scim.key
publish_delay_ms = 50
CONF
ctl="$top/build-demo/syncd/idsyncctl --config $demo/idsync.conf"
fixture="$top/build-demo/tests/ids-fixture $demo/idsync.conf"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "idsyncctl init: a new store and an empty NSS snapshot"
$ctl init

say "idsyncd: a TLS certificate, a bearer token for the IdP, and the SCIM service on loopback"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$demo/scim.key" -out "$demo/scim.crt" 2>/dev/null
token=$($ctl token create demo-idp 2>/dev/null)
"$top/build-demo/syncd/idsyncd" --config "$demo/idsync.conf" 2>"$demo/idsyncd.log" &
daemon_pid=$!
base="https://127.0.0.1:$port/scim/v2"
for _ in 1 2 3 4 5 6 7 8 9 10; do
	grep -q "ready on" "$demo/idsyncd.log" && break
	sleep 0.2
done
cat "$demo/idsyncd.log"
# scim METHOD PATH [BODY]: one request as the IdP sends it; prints the status and the body.
scim() {
	printf '%s %s\n' "$1" "$2" >&2
	curl -sS --cacert "$demo/scim.crt" -X "$1" -H "Authorization: Bearer $token" \
		-H 'Content-Type: application/scim+json' ${3:+-d "$3"} \
		-w '\n  -> HTTP %{http_code}\n' "$base$2"
}
user_json() {
	printf '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"%s",%s"displayName":"%s","active":true}' \
		"$1" "${2:+\"externalId\":\"$2\",}" "$3"
}
id_of() { sed -n 's/.*"id":"\([^"]*\)".*/\1/p' | head -n 1; }

say "The IdP provisions three people over SCIM (login from the email's local part; uid from the IdP's identity)"
scim POST /Users "$(user_json ada.lovelace@example.com 8d3c2a52-0b8e-4a5b-9c5e-1f0e9c1d2a01 "Ada Lovelace")"
grace=$(scim POST /Users "$(user_json grace@example.com 2f6b7c8d-1a2b-4c3d-8e9f-0a1b2c3d4e5f "Grace Hopper")" | tee /dev/stderr | id_of)
linus=$(scim POST /Users "$(user_json linus@example.com "" "Linus T.")" | tee /dev/stderr | id_of)

say "A name that cannot be a Unix login is refused with a reason the IdP admin can act on"
scim POST /Users "$(user_json root@example.com "" "Not Root")"
scim POST /Users "$(user_json "José@example.com" "" "José")"

say "Entra's connection test: a filter on a random userName finds nothing (200, empty list)"
scim GET "/Users?filter=userName%20eq%20%22$(cat /proc/sys/kernel/random/uuid)%22"

say "Workspaces: build (with a shared directory), docs (2 seats, 1 read-only seat), lab (local: admins only)"
$ctl workspace add build --with-dir
$ctl workspace add docs --seats 2 --seats-ro 1
$ctl workspace add lab --local

say "IdP group mappings: the Entra group eng-guid -> build + docs; the group Writers -> docs, read-only"
$ctl mapping add engineering --identifier 5f1c2a0e-9d5b-4c1e-8a77-2e6f3b9d1c40 --workspace build --workspace docs
$ctl mapping add writers --identifier Writers --workspace docs --role read-only
$ctl mapping list

say "The IdP pushes the group Writers over SCIM with grace in it: she gets docs, read-only"
scim POST /Groups '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Writers","members":[{"value":"'"$grace"'"}]}'

say "ada logs in; her assertion carries the engineering group: build and docs are granted, build opens"
$fixture login ada.lovelace 5f1c2a0e-9d5b-4c1e-8a77-2e6f3b9d1c40

say "linus logs in with the same group: build is granted; docs has no free seat (refused for docs only)"
$fixture login linus 5f1c2a0e-9d5b-4c1e-8a77-2e6f3b9d1c40

say "An admin grants linus the local workspace lab by hand"
$ctl grant add linus lab

say "An IdP-derived grant cannot be revoked by hand"
$ctl grant revoke ada.lovelace build || true

say "Offboarding: the IdP deactivates linus (still resolves, no groups, nologin shell, sessions ended)"
scim PATCH "/Users/$linus" '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}'
sleep 0.3 # the snapshot is republished within scim.publish_delay_ms

say "idsyncctl explain ada.lovelace"
$ctl explain ada.lovelace

say "idsyncctl user show ada.lovelace"
$ctl user show ada.lovelace

say "What NSS will serve (idsyncctl snapshot show)"
$ctl snapshot show

say "What idsyncd logged: one line per request, with the token's name"
cat "$demo/idsyncd.log"

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
