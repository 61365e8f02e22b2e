#!/bin/bash
# tests/vm/run-vm-tests.sh [BUILD_DIR]
#
# Runs the cgroup integration tests, the smoke/core tests and the unit tests on a PURE cgroup v2
# host: a throwaway VM booted by ../shared/tools/cgv2-vm/run-in-cgv2-vm.sh (beside the
# repository).  This host is hybrid (cgroup v1 controllers), so the v2 backend is only
# exercised here.  Two passes:
#   root    the tests run in the VM's root cgroup; boxes go to /sys/fs/cgroup/mini-isolate
#   scope   the tests run in sbx.slice/test.scope, as a service under systemd: once with
#           cg_root = auto (boxes at the top), and the cgroup tests once more with cg_root in
#           the delegated cgroup that contrib/systemd/mini-isolate.service sets up (its
#           mini-isolate-cg-keeper runs in the VM as that unit's process)
# The VM has only busybox, so Debian's python3 and a pruned copy of its standard library are
# staged next to the build.  Prints each pass's summary line; exits non-zero if any failed.
#
# Environment: MI_VM_TESTS (test-name filters for run_tests.py -k, space separated),
#   MI_VM_EXTRA_BINS (more host programs to copy into the VM),
#   CGV2_VM_DIR (where run-in-cgv2-vm.sh is), VM_* (passed on to run-in-cgv2-vm.sh).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(readlink -f "${1:-$REPO/build}")
VMDIR=${CGV2_VM_DIR:-$(dirname "$REPO")/shared/tools/cgv2-vm}
PY=/usr/bin/python3
FILTERS=${MI_VM_TESTS:-"test_ unit/"}   # everything: the whole suite runs on pure cgroup v2 too

die() { echo "run-vm-tests: $*" >&2; exit 2; }
[ -x "$VMDIR/run-in-cgv2-vm.sh" ] ||
    die "$VMDIR/run-in-cgv2-vm.sh not found: the VM tool must be in ../shared/tools/cgv2-vm beside the repository (or set CGV2_VM_DIR)"
[ -x "$BUILD/mini-isolate" ] || die "no $BUILD/mini-isolate: build first (meson setup BUILD && ninja -C BUILD)"
[ -x "$PY" ] || die "$PY not found (apt-get install python3)"
[ "$(id -u)" = 0 ] || die "must run as root (the VM tool installs qemu on first use)"
PYVER=$("$PY" -c 'import sys; print("python%d.%d" % sys.version_info[:2])')
PYLIB=/usr/lib/$PYVER
[ -d "$PYLIB" ] || die "$PYLIB not found"

# --- Staging: the build, the tests and python, packed into the VM at the same absolute path.
STAGE=$(mktemp -d /var/tmp/mi-vm-stage.XXXXXX)
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/build/tests/payloads" "$STAGE/tests/integration" "$STAGE/py/lib"
cp "$BUILD/mini-isolate" "$STAGE/build/"
[ ! -x "$BUILD/mini-isolate-serve" ] || cp "$BUILD/mini-isolate-serve" "$STAGE/build/"   # serve
for f in "$BUILD"/libmini-isolate.so*; do [ -d "$f" ] || cp -P "$f" "$STAGE/build/"; done
mkdir -p "$STAGE/examples" && cp "$REPO/examples/run.py" "$STAGE/examples/"
for f in "$BUILD"/tests/payloads/*; do [ -f "$f" ] && [ -x "$f" ] && cp "$f" "$STAGE/build/tests/payloads/"; done
for u in "$BUILD"/tests/*; do [ -f "$u" ] && [ -x "$u" ] && cp "$u" "$STAGE/build/tests/"; done   # unit tests
cp "$REPO"/tests/*.py "$STAGE/tests/"
cp "$REPO"/tests/integration/*.py "$STAGE/tests/integration/"
cp "$REPO/contrib/systemd/mini-isolate-cg-keeper" "$STAGE/"
# The standard library without what the tests never import (about 25 MB instead of 54).
tar -C /usr/lib -cf - \
    --exclude="$PYVER/test" --exclude="$PYVER/idlelib" --exclude="$PYVER/tkinter" \
    --exclude="$PYVER/ensurepip" --exclude="$PYVER/lib2to3" --exclude="$PYVER/pydoc_data" \
    --exclude="$PYVER/site-packages" --exclude="$PYVER/dist-packages" --exclude='__pycache__' \
    --exclude="$PYVER/config-*" --exclude="$PYVER/turtledemo" --exclude='*/lib-dynload/_test*' \
    --exclude='*/lib-dynload/_xx*' --exclude='*/lib-dynload/xx*' --exclude='*/lib-dynload/_ssl*' \
    --exclude='*/lib-dynload/_hashlib*' --exclude='*/lib-dynload/_sqlite3*' \
    --exclude='*/lib-dynload/_curses*' --exclude='*/lib-dynload/_dbm*' \
    --exclude='*/lib-dynload/readline*' --exclude='*/lib-dynload/_tkinter*' "$PYVER" |
    tar -C "$STAGE/py/lib" -xf -
# run-in-cgv2-vm.sh copies the libraries of executable files only: mark the extension modules.
chmod +x "$STAGE/py/lib/$PYVER/lib-dynload/"*.so

# --- What runs inside the VM (busybox sh).  vm-pass.sh LABEL ARGS: one run of the suite, the
# unit tests on their own first (test_cgroup expects to be alone in the mini-isolate parent).
cat > "$STAGE/vm-pass.sh" <<'INNER'
#!/bin/sh
stage=$(dirname "$0")
label=$1; shift
export PYTHONHOME=$stage/py PYTHONDONTWRITEBYTECODE=1 MI_BUILD=$stage/build MI_TEST_TMP=/tmp
echo "== $label: runner in cgroup $(sed -n 's/^0:://p' /proc/self/cgroup), cg_root ${MI_TEST_CG_ROOT:-auto}"
rc=0
run() {
    # Streamed, not kept in a file: the suite fills the VM's RAM-backed /tmp on purpose
    # (inode and disk floods), and a full /tmp must not cost the report.
    set -o pipefail
    python3 "$stage/tests/run_tests.py" --build "$MI_BUILD" "$@" 2>&1 | grep -v '^ok ' || rc=1
}
case " $* " in *" -k unit/ "*) run --label "$label units" -k unit/ ;; esac
run --label "$label" --no-units "$@"
exit $rc
INNER
cat > "$STAGE/vm-main.sh" <<'INNER'
#!/bin/sh
# $1 = pass: root or scope; the rest = run_tests.py arguments.
stage=$(dirname "$0")
pass=$1; shift
cg=/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/self/cgroup)
if [ "$pass" = root ]; then
    echo "== mini-isolate --check-environment (pure cgroup v2 VM, root cgroup)"
    "$stage/build/mini-isolate" --check-environment; echo "(exit code $?)"
    sh "$stage/vm-pass.sh" "vm-v2-root" "$@"
    exit $?
fi
rc=0
sh "$stage/vm-pass.sh" "vm-v2-scope-auto" "$@" || rc=1
# The delegated cgroup of contrib/systemd/mini-isolate.service, made here as systemd would
# (controllers enabled down to the unit, the unit's process started in it), with the shipped
# mini-isolate-cg-keeper as that process.  The runner stays in the non-root test.scope.
unit=/sys/fs/cgroup/mini-isolate.slice/mini-isolate.service
mkdir -p "$unit"
echo '+memory +pids +cpu' > /sys/fs/cgroup/mini-isolate.slice/cgroup.subtree_control
sh -c 'echo $$ > "$1/cgroup.procs" && exec sh "$2"' - "$unit" "$stage/mini-isolate-cg-keeper" &
keeper=$!
for i in 1 2 3 4 5 6 7 8 9 10; do [ -d "$unit/boxes" ] && grep -q pids "$unit/boxes/cgroup.controllers" && break; sleep 0.5; done
printf 'box_root = /tmp/mi-vm-boxes\nlock_root = /tmp/mi-vm-locks\ncg_root = %s\n' "$unit/boxes" > /tmp/mi-vm.conf
echo "== mini-isolate --check-environment (pure cgroup v2 VM, cg_root = $unit/boxes)"
MINI_ISOLATE_CONFIG=/tmp/mi-vm.conf "$stage/build/mini-isolate" --check-environment; echo "(exit code $?)"
MI_TEST_CG_ROOT=$unit/boxes sh "$stage/vm-pass.sh" "vm-v2-scope-delegated" -k test_cgroup_cli || rc=1
rmdir "$unit/boxes" || { echo "vm-v2-scope-delegated: $unit/boxes not empty after the suite"; rc=1; }
kill $keeper
exit $rc
INNER

kargs=()
for k in $FILTERS; do kargs+=(-k "$k"); done
# Host programs the tests call that busybox lacks or has in a different form.
export VM_EXTRA_BINS="$PY /usr/bin/setpriv /usr/bin/findmnt ${MI_VM_EXTRA_BINS:-}" VM_TIMEOUT=${VM_TIMEOUT:-420}
# The whole suite runs in the VM, flood tests included, with /tmp in the guest's RAM.
export VM_MEM=${VM_MEM:-2G}
fail=0
for pass in root scope; do
    if [ $pass = scope ]; then export VM_CGROUP=sbx.slice/test.scope; else unset VM_CGROUP; fi
    echo "=== VM pass: $pass${VM_CGROUP:+ (VM_CGROUP=$VM_CGROUP)}"
    "$VMDIR/run-in-cgv2-vm.sh" "$STAGE" sh "$STAGE/vm-main.sh" $pass "${kargs[@]}" || {
        echo "=== VM pass $pass FAILED (exit $?)"; fail=1; }
done
[ $fail = 0 ] && echo "=== VM tests: all passes OK"
exit $fail
