#!/bin/sh
# Static analysis of idsync's C sources with cppcheck; any finding fails.
# Leaks are left to LeakSanitizer, which every test run under scripts/test.sh
# uses: cppcheck cannot follow __attribute__((cleanup)) and reports false leaks.
set -eu
cd "$(dirname "$0")/.."
cppcheck --quiet --error-exitcode=1 --std=c11 --inline-suppr \
	--enable=warning,performance,portability \
	--suppress=missingIncludeSystem \
	--suppress=memleak \
	-D_GNU_SOURCE -I. \
	--library=scripts/cppcheck-jansson.cfg \
	libidsync nss_idsync syncd pam_idsync tests/tools
echo "static analysis: clean"
