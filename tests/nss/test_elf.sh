#!/bin/sh
# The module's ELF interface: it needs only libc and liblmdb, and exports
# exactly the NSS entry points. Usage: test_elf.sh libnss_idsync.so.2
set -eu
so=$1
# Sanitizer builds add their runtimes; nothing else may appear.
needed=$(readelf -d "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' |
	grep -v -E '^lib(a|ub)san\.so' | sort | tr '\n' ' ')
[ "$needed" = "libc.so.6 liblmdb.so.0 " ] || { echo "unexpected DT_NEEDED: $needed"; exit 1; }
exported=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^_nss_idsync_' || true)
[ -z "$exported" ] || { echo "exports more than the NSS entry points: $exported"; exit 1; }
count=$(nm -D --defined-only "$so" | grep -c ' _nss_idsync_')
[ "$count" -eq 11 ] || { echo "expected 11 entry points, found $count"; exit 1; }
echo "1 passed, 0 failed"
