#!/bin/sh
# Runs every idsync test suite the way CI does: installs what is missing,
# builds with AddressSanitizer + UndefinedBehaviorSanitizer and warnings as
# errors, runs unit, module and integration suites, the static analysis pass,
# and a short run of each fuzz harness. Run as root (apt-get, unshare).
# Usage: scripts/test.sh [--quick]   (--quick: no fuzzing, no static analysis)
set -eu
cd "$(dirname "$0")/.."
quick=${1:-}

scripts/install-deps.sh

build=build-test
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" -Dwerror=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dtests=enabled >/dev/null
fi
ninja -C "$build"

# halt_on_error: a sanitizer report fails the test; detect_leaks catches leaks in the core.
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
summary=$(mktemp)
status=0
# Not a pipeline: sh has no pipefail, and the status must be meson's, not tee's.
meson test -C "$build" --print-errorlogs --num-processes 2 >"$summary" 2>&1 || status=$?
cat "$summary"
# One closing line in the plain "N passed, N failed" form, counted by meson.
passed=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$summary")
failed=$(sed -n 's/^Fail: *\([0-9]*\).*/\1/p' "$summary")
skipped=$(sed -n 's/^Skipped: *\([0-9]*\).*/\1/p' "$summary")
timeouts=$(sed -n 's/^Timeout: *\([0-9]*\).*/\1/p' "$summary")
failed=$((${failed:-0} + ${timeouts:-0}))
rm -f "$summary"
closing="tests: ${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
if [ "$status" -ne 0 ]; then
	echo "$closing"
	exit "$status"
fi

if [ "$quick" != "--quick" ]; then
	scripts/static-analysis.sh
	if [ -x tests/fuzz/run.sh ]; then
		tests/fuzz/run.sh 20
	fi
fi
echo "all idsync tests passed"
echo "$closing"
