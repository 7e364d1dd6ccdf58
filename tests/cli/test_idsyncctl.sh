#!/bin/sh
# idsyncctl end to end against a scratch store: every admin command works,
# every refused command changes nothing (the whole store is compared before
# and after), and export | apply on a second store reproduces the first.
# Usage: test_idsyncctl.sh IDSYNCCTL IDS_FIXTURE   (exit 77: skipped)
set -eu
ctl_bin=$1
fixture_bin=$2
[ "$(id -u)" = 0 ] || { echo "needs root (writes are root-only)"; exit 77; }
command -v mdb_dump >/dev/null || { echo "needs mdb_dump (lmdb-utils)"; exit 77; }

D=$(mktemp -d /tmp/idsyncctl-test.XXXXXX)
trap 'rm -rf "$D"' EXIT
mkconf() { # mkconf NAME
	mkdir -p "$D/$1"
	cat >"$D/$1/idsync.conf" <<CONF
[store]
path = $D/$1/store
[nss]
snapshot = $D/$1/nss.mdb
[identity]
passwd_file = $D/passwd
group_file = $D/group
subuid_file = $D/subuid
subgid_file = $D/subgid
[workspace]
directory_root = $D/$1/srv
CONF
}
printf 'root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n' >"$D/passwd"
printf 'root:x:0:\nstaff:x:50:\ndevs:x:60:\nalice:x:1000:\n' >"$D/group"
: >"$D/subuid"
: >"$D/subgid"
mkconf a
mkconf b
ctl() { "$ctl_bin" --config "$D/a/idsync.conf" "$@"; }
fixture() { "$fixture_bin" "$D/a/idsync.conf" "$@" >/dev/null; }
failures=0
passes=0
ok() { echo "ok - $*"; passes=$((passes + 1)); }
bad() { echo "not ok - $*"; failures=$((failures + 1)); }
store_sum() { mdb_dump -a -p "$D/a/store" | md5sum; }
# refused DESCRIPTION CMD...: the command must fail, say why, and change nothing.
refused() {
	desc=$1
	shift
	before=$(store_sum)
	if "$@" >"$D/out" 2>"$D/err"; then
		bad "$desc: succeeded"
		return
	fi
	after=$(store_sum)
	if [ "$before" != "$after" ]; then
		bad "$desc: changed the store"
	elif [ ! -s "$D/err" ]; then
		bad "$desc: no error message"
	else
		ok "$desc: $(head -n 1 "$D/err")"
	fi
}
expect() { # expect DESCRIPTION PATTERN CMD...
	desc=$1
	pat=$2
	shift 2
	if "$@" >"$D/out" 2>&1 && { [ -z "$pat" ] || grep -q -- "$pat" "$D/out"; }; then
		ok "$desc"
	else
		bad "$desc (wanted /$pat/ in: $(tr '\n' ' ' <"$D/out" | cut -c1-300))"
	fi
}

ctl init >/dev/null
expect "workspace add with a directory" "gid" ctl workspace add build --with-dir
stat_line=$(stat -c '%U %a' "$D/a/srv/build" 2>/dev/null || echo none)
[ "$stat_line" = "root 2770" ] && ok "directory root-owned, setgid, 2770" || bad "directory: $stat_line"
[ "$(stat -c %g "$D/a/srv/build")" = "$(ctl --json workspace show build | sed -n 's/.*"gid": \([0-9]*\).*/\1/p' | head -n 1)" ] &&
	ok "directory group is the workspace gid" || bad "directory group"
expect "workspace add with seats" "gid" ctl workspace add docs --seats 2 --seats-ro 1
expect "workspace add local" "gid" ctl workspace add lab --local
expect "workspace list" "docs" ctl workspace list
refused "duplicate workspace" ctl workspace add build
refused "workspace named like a local group" ctl workspace add devs
refused "workspace with a reserved name" ctl workspace add staff
refused "workspace gid of a local group" ctl workspace add web --gid 50
refused "workspace with an invalid name" ctl workspace add "Bad Name"
refused "workspace set on an unknown workspace" ctl workspace set nowhere --seats 3
refused "relative directory" ctl workspace add web --dir relative/path

expect "mapping add" "" ctl mapping add engineering --identifier G-ENG --workspace build --workspace docs
refused "duplicate mapping label" ctl mapping add engineering --identifier OTHER --workspace build
refused "duplicate mapping identifier" ctl mapping add eng2 --identifier G-ENG --workspace build
refused "mapping to an unknown workspace" ctl mapping add x --identifier X --workspace nowhere
refused "mapping with an unknown role" ctl mapping add x --identifier X --workspace build --role boss
expect "mapping list" "G-ENG" ctl mapping list

expect "role list has the defaults" "read-only" ctl role list
expect "role set" "" ctl role set auditor '{ws}-audit' --read-only
expect "role groups made for every workspace" "build-audit" ctl workspace show build
refused "role template without {ws}" ctl role set bad shared

fixture provision ann@example.com
fixture provision bob@example.com
fixture provision cat@example.com
expect "grant add" "" ctl grant add ann docs
expect "grant add second seat" "" ctl grant add bob docs
refused "grant beyond the seats" ctl grant add cat docs
refused "grant of an unknown workspace" ctl grant add ann nowhere
refused "grant to an unknown user" ctl grant add nobody docs
refused "grant with an unknown role" ctl grant add ann build --role boss
refused "seats below current use" ctl workspace set docs --seats 1
expect "user show lists grants and sources" "manual" ctl user show ann
expect "explain says why" "granted by an admin" ctl explain ann
expect "explain counts seats" "seats 2/2" ctl explain ann
expect "grant revoke" "" ctl grant revoke bob docs
refused "revoke of a grant not held" ctl grant revoke bob docs

expect "org set issuer" "" ctl org set issuer https://idp.example.com/entity
refused "org set unknown key" ctl org set colour blue
refused "org set bad boolean" ctl org set read_only_new_members maybe
refused "org default role unknown" ctl org set default_role boss
refused "role mode to scim without confirmation" ctl org set role_mode scim
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$D/key.pem" -out "$D/cert.pem" \
	-subj /CN=idp.example.com -days 2 2>/dev/null
expect "org cert add" "" ctl org cert add "$D/cert.pem"
refused "org cert add of the same certificate" ctl org cert add "$D/cert.pem"
printf 'not a certificate\n' >"$D/junk.pem"
refused "org cert add of junk" ctl org cert add "$D/junk.pem"
expect "org show lists the certificate" "CN = idp.example.com\|CN=idp.example.com" ctl org show
printf '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"' >"$D/broken.xml"
refused "malformed metadata XML" ctl org import-metadata "$D/broken.xml"
certb64=$(grep -v -- '-----' "$D/cert.pem" | tr -d '\n')
cat >"$D/md.xml" <<XML
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.org/meta">
 <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
  <md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>$certb64</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
  <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.org/sso"/>
 </md:IDPSSODescriptor>
</md:EntityDescriptor>
XML
expect "org import-metadata" "https://idp.example.org/meta" ctl org import-metadata "$D/md.xml"
expect "metadata set the sign-in URL" "https://idp.example.org/sso" ctl org show

expect "token create prints the secret once" "^idsync_" ctl token create okta
refused "duplicate token name" ctl token create okta
expect "token list" "okta" ctl token list
if ctl token list | grep -q idsync_; then bad "token list shows a secret"; else ok "token list shows no secret"; fi

ctl export >"$D/export.json"
expect "apply of the store's own export changes nothing" "no changes" ctl apply "$D/export.json"
sed 's/"seats_ro"/"seats_rw"/' "$D/export.json" >"$D/unknown-key.json"
refused "apply with an unknown key" ctl apply "$D/unknown-key.json"
grep -q 'seats_rw' "$D/err" && ok "the error names the unknown key's path" || bad "unknown key not named"
printf '{"idsync_export": 1, "workspaces": {"web": {"seats": "many"}}}' >"$D/badtype.json"
refused "apply with a wrong type" ctl apply "$D/badtype.json"
printf '{"idsync_export": 1, "mappings": {"m": {"identifier": "x", "workspaces": ["nowhere"]}}}' >"$D/badref.json"
refused "apply of a mapping to an unknown workspace" ctl apply "$D/badref.json"
before=$(store_sum)
sed 's/"seats": 2/"seats": 5/' "$D/export.json" >"$D/more-seats.json"
expect "apply --dry-run shows the change" "~ workspace docs" ctl apply "$D/more-seats.json" --dry-run
[ "$before" = "$(store_sum)" ] && ok "dry run changed nothing" || bad "dry run changed the store"

"$ctl_bin" --config "$D/b/idsync.conf" init >/dev/null
"$ctl_bin" --config "$D/a/idsync.conf" export | "$ctl_bin" --config "$D/b/idsync.conf" apply - >/dev/null
"$ctl_bin" --config "$D/b/idsync.conf" export >"$D/export-b.json"
if cmp -s "$D/export.json" "$D/export-b.json"; then
	ok "export | apply - on a second store reproduces the first exactly"
else
	bad "second store differs: $(diff "$D/export.json" "$D/export-b.json" | head -n 10 | tr '\n' ' ')"
fi
expect "applying again changes nothing" "no changes" "$ctl_bin" --config "$D/b/idsync.conf" apply "$D/export.json"

expect "audit shows admin actions" "workspace-created" ctl audit
expect "status" "snapshot" ctl status

echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
