#!/bin/sh
# Builds the libFuzzer harnesses (clang, ASan+UBSan) and runs each for
# SECONDS (default 30), from a scratch copy of its seed corpus. Fails on any
# crash, leak or sanitizer report. Usage: tests/fuzz/run.sh [SECONDS]
set -eu
cd "$(dirname "$0")/../.."
seconds=${1:-30}
build=build-fuzz
if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" -Dfuzzers=true -Dtests=disabled \
		-Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
ninja -C "$build" >/dev/null
work=$(mktemp -d /tmp/idsync-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
# One harness per seed corpus directory (tests/fuzz/corpus/NAME -> fuzz_NAME).
for h in $(ls tests/fuzz/corpus); do
	mkdir -p "$work/$h"
	cp tests/fuzz/corpus/$h/* "$work/$h/"
	if ! (cd "$work" && "$OLDPWD/$build/tests/fuzz/fuzz_$h" -max_total_time="$seconds" \
		-max_len=65536 -timeout=10 -rss_limit_mb=2048 "$work/$h" >"$work/$h.log" 2>&1); then
		tail -n 40 "$work/$h.log"
		echo "fuzz_$h: FAILED (input saved in $work is removed on exit; rerun to reproduce)"
		exit 1
	fi
	echo "fuzz_$h: $(grep -o 'stat::number_of_executed_units: [0-9]*' "$work/$h.log" | tail -n 1 || true) $(grep -E '^#[0-9]+.*DONE' "$work/$h.log" | tail -n 1)"
done
echo "fuzzing: no crash in ${seconds}s per harness"
