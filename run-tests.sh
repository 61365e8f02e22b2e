#!/bin/bash
# The full test suite, as CI runs it (root, Debian 12):
#   1. build (strict warnings as errors) and run unit + integration tests natively;
#   2. the same under AddressSanitizer + UndefinedBehaviorSanitizer;
#   3. the cgroup and core tests inside a pure cgroup v2 VM (tests/vm/run-vm-tests.sh),
#      unless MI_SKIP_VM=1.
# Ends with one line "N passed, M failed" summing every part.
set -u
cd "$(dirname "$0")"
if [ "${MI_SKIP_VM:-0}" = 1 ]; then ./scripts/deps.sh; else ./scripts/deps.sh --vm; fi || exit 1
log=$(mktemp /tmp/mi-tests.XXXXXX)
trap 'rm -f "$log"' EXIT
status=0

step() { echo "=== $*"; }

step "native build"
{ [ -d build ] || meson setup build >/dev/null; } && ninja -C build >/dev/null || { echo "build failed"; exit 1; }
step "native tests"
python3 tests/run_tests.py --build build --label native | tee -a "$log"
[ "${PIPESTATUS[0]}" = 0 ] || status=1

step "ASan+UBSan build"
{ [ -d build-asan ] || meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false \
      -Dpayloads=false -Dc_args=-fno-sanitize-recover=all >/dev/null; } &&
    ninja -C build-asan >/dev/null || { echo "sanitizer build failed"; exit 1; }
step "ASan+UBSan tests"
ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    MI_SANITIZED=1 MI_PAYLOADS="$PWD/build/tests/payloads" \
    python3 tests/run_tests.py --build build-asan --label asan | tee -a "$log"
[ "${PIPESTATUS[0]}" = 0 ] || status=1

if [ "${MI_SKIP_VM:-0}" != 1 ]; then
    step "pure cgroup v2 VM"
    tests/vm/run-vm-tests.sh build | tee -a "$log"
    [ "${PIPESTATUS[0]}" = 0 ] || status=1
fi

# One summary line over all parts.
awk '/^[a-z0-9 -]*: *[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$/ {
        sub(/^[^:]*: */, ""); p += $1; f += $3; s += $5; n++ }
     END { if (n == 0) { print "0 passed, 1 failed"; exit 1 }
           printf "%d passed, %d failed%s\n", p, f, s ? ", " s " skipped" : "" }' "$log"
exit $status
