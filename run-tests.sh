#!/bin/bash
# The full test suite, as CI runs it (root, Debian 12), from a bare clone:
#   1. build (strict warnings as errors) and run unit + integration tests natively;
#   2. the same under AddressSanitizer + UndefinedBehaviorSanitizer;
#   3. the whole suite again inside a pure cgroup v2 VM (tests/vm/run-vm-tests.sh: qemu, Debian's
#      cloud kernel and busybox, fetched with apt on first use), unless MI_SKIP_VM=1 or the host
#      cannot run qemu at all (then one line says why).
# Tests that need a kernel feature the host lacks print "skip NAME REASON".
# Ends with one line "N passed, M failed, K skipped" summing every part.
set -u
cd "$(dirname "$0")"
if [ "${MI_SKIP_VM:-0}" = 1 ]; then ./scripts/deps.sh; else ./scripts/deps.sh --vm; fi || exit 1
log=$(mktemp /tmp/mi-tests.XXXXXX)
trap 'rm -f "$log"' EXIT
status=0

step() { echo "=== $*"; }

# part LABEL COMMAND...: one part of the suite, its output shown and kept for the summary.  A
# part that fails without reporting a failed test (it did not get that far) counts as one.
part() {
    local label=$1 out rc
    shift
    out=$(mktemp /tmp/mi-part.XXXXXX)
    "$@" 2>&1 | tee "$out"
    rc=${PIPESTATUS[0]}
    cat "$out" >> "$log"
    if [ "$rc" != 0 ]; then
        status=1
        grep -Eq '^[a-z0-9 -]*: *[0-9]+ passed, [1-9][0-9]* failed' "$out" ||
            { echo "$label: exit code $rc before any test failed: counted as one failure"
              echo "$label: 0 passed, 1 failed"; } | tee -a "$log"
    fi
    rm -f "$out"
}

step "native build"
# (Re)configured each time: the payload list is read when meson configures.
setup() { if [ -d "$1" ]; then meson setup --reconfigure "$@"; else meson setup "$@"; fi >/dev/null; }
setup build && ninja -C build >/dev/null || { echo "build failed"; exit 1; }
step "native tests"
part native python3 tests/run_tests.py --build build --label native

step "ASan+UBSan build"
setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dpayloads=false \
      -Dc_args=-fno-sanitize-recover=all &&
    ninja -C build-asan >/dev/null || { echo "sanitizer build failed"; exit 1; }
step "ASan+UBSan tests"
ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    MI_SANITIZED=1 MI_PAYLOADS="$PWD/build/tests/payloads" \
    part asan python3 tests/run_tests.py --build build-asan --label asan

if [ "${MI_SKIP_VM:-0}" = 1 ]; then
    step "pure cgroup v2 VM: skipped (MI_SKIP_VM=1)"
elif ! why=$(tests/vm/cgv2-vm.sh --check); then
    step "pure cgroup v2 VM: skipped, this host cannot run qemu: $why"
else
    step "pure cgroup v2 VM"
    part vm tests/vm/run-vm-tests.sh build
fi

# One summary line over all parts.
awk '/^[a-z0-9 -]*: *[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$/ {
        sub(/^[^:]*: */, ""); p += $1; f += $3; s += $5; n++ }
     END { if (n == 0) { print "0 passed, 1 failed, 0 skipped"; exit 1 }
           printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit $status
