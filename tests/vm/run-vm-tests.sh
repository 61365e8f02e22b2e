#!/bin/bash
# tests/vm/run-vm-tests.sh [BUILD_DIR]
#
# Runs the whole suite (unit and integration tests) on a PURE cgroup v2 host: a throwaway VM
# booted by tests/vm/cgv2-vm.sh (Debian 12's cloud kernel, busybox, qemu; installed or
# downloaded on first use).  Hybrid hosts (cgroup v1 controllers) never exercise the v2 backend,
# and hosts of either kind may lack kernel features the VM's kernel has (i386 entry).  Passes:
#   root    the tests run in the VM's root cgroup; boxes go to /sys/fs/cgroup/mini-isolate
#   scope   the tests run in sbx.slice/test.scope, as a service under systemd: once with
#           cg_root = auto (boxes at the top), and the cgroup tests once more with cg_root in
#           the delegated cgroup that contrib/systemd/mini-isolate.service sets up (its
#           mini-isolate-cg-keeper runs in the VM as that unit's process)
# The guest gets the build, the tests, Debian's python3 with its standard library (less what
# the tests never import) and a few host programs, at their host paths.  Prints each pass's
# summary line; exits non-zero if any failed.
#
# Environment: MI_VM_TESTS (test-name filters for run_tests.py -k, space separated),
#   MI_VM_EXTRA_BINS (more host programs to put into the VM), MI_VM_* (see cgv2-vm.sh).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(readlink -f "${1:-$REPO/build}")
PY=/usr/bin/python3
FILTERS=${MI_VM_TESTS:-"test_ unit/"}   # everything: the whole suite runs on pure cgroup v2 too

die() { echo "run-vm-tests: $*" >&2; exit 2; }
[ -x "$BUILD/mini-isolate" ] || die "no $BUILD/mini-isolate: build first (meson setup BUILD && ninja -C BUILD)"
[ -x "$PY" ] || die "$PY not found (apt-get install python3)"
[ "$(id -u)" = 0 ] || die "must run as root"
PYLIB=$("$PY" -c 'import sysconfig; print(sysconfig.get_path("stdlib"))')
[ -d "$PYLIB" ] || die "$PYLIB not found"

# --- What goes into the guest: files at their host paths, the guest's scripts in $TOP.
TOP=$(mktemp -d /var/tmp/mi-vm-top.XXXXXX)
trap 'rm -rf "$TOP"' EXIT
trap 'exit 130' INT   # so that the EXIT trap also runs when interrupted or killed by TERM
trap 'exit 143' TERM
mkdir -p "$TOP/mi-vm"
put=()
add() { for f; do [ -f "$f" ] && [ -x "$f" ] && put+=(--file "$f"); done; return 0; }
add "$BUILD/mini-isolate" "$BUILD/mini-isolate-serve" "$BUILD"/tests/payloads/* "$BUILD"/tests/*   # unit tests too
for f in "$BUILD"/libmini-isolate.so* "$REPO"/tests/*.py "$REPO"/tests/integration/*.py \
         "$REPO/examples/run.py" "$REPO/contrib/systemd/mini-isolate-cg-keeper"; do
    [ -d "$f" ] || put+=(--file "$f")
done
# Data files the tests read from the source tree (ordinary programs' sources, the fuzz corpus).
for d in "$REPO/tests/payloads/ordinary" "$REPO/tests/fuzz"; do
    [ ! -d "$d" ] || put+=(--tree "$d")
done
# Host programs the tests call that busybox lacks or has in another form.
for b in "$PY" /usr/bin/setpriv /usr/bin/findmnt ${MI_VM_EXTRA_BINS:-}; do
    p=$(command -v "$b") || die "no such program on this host: $b"
    put+=(--file "$p")
done
# The standard library without what the tests never import (the guest holds it in RAM).
put+=(--tree "$PYLIB")
for x in test idlelib tkinter turtledemo ensurepip lib2to3 pydoc_data site-packages \
         dist-packages 'config-*' 'lib-dynload/_test*' 'lib-dynload/*xx*' 'lib-dynload/_ssl*' \
         'lib-dynload/_hashlib*' 'lib-dynload/_sqlite3*' 'lib-dynload/_curses*' \
         'lib-dynload/_dbm*' 'lib-dynload/readline*' 'lib-dynload/_tkinter*'; do
    put+=(--exclude "$PYLIB/$x")
done

# --- What runs inside the VM (busybox sh).  pass.sh LABEL ARGS: one run of the suite, the
# unit tests on their own first (test_cgroup expects to be alone in the mini-isolate parent).
printf 'repo=%q\nbuild=%q\n' "$REPO" "$BUILD" > "$TOP/mi-vm/paths"
cat > "$TOP/mi-vm/pass.sh" <<'INNER'
#!/bin/sh
. /mi-vm/paths
label=$1; shift
export PYTHONDONTWRITEBYTECODE=1 MI_BUILD=$build MI_TEST_TMP=/tmp MI_TEST_SLOW=10 MI_IN_VM=1
echo "== $label: runner in cgroup $(sed -n 's/^0:://p' /proc/self/cgroup), cg_root ${MI_TEST_CG_ROOT:-auto}"
rc=0
run() {
    # Streamed, not kept in a file: the suite fills the VM's RAM-backed /tmp on purpose
    # (inode and disk floods), and a full /tmp must not cost the report.
    set -o pipefail
    python3 "$repo/tests/run_tests.py" --build "$build" "$@" 2>&1 | grep -v '^ok ' || rc=1
}
case " $* " in *" -k unit/ "*) run --label "$label units" -k unit/ ;; esac
run --label "$label" --no-units "$@"
exit $rc
INNER
cat > "$TOP/mi-vm/main.sh" <<'INNER'
#!/bin/sh
# $1 = pass: root or scope; the rest = run_tests.py arguments.
. /mi-vm/paths
pass=$1; shift
if [ "$pass" = root ]; then
    echo "== mini-isolate --check-environment (pure cgroup v2 VM, root cgroup)"
    "$build/mini-isolate" --check-environment; echo "(exit code $?)"
    sh /mi-vm/pass.sh "vm-v2-root" "$@"
    exit $?
fi
rc=0
sh /mi-vm/pass.sh "vm-v2-scope-auto" "$@" || rc=1
# The delegated cgroup of contrib/systemd/mini-isolate.service, made here as systemd would
# (controllers enabled down to the unit, the unit's process started in it), with the shipped
# mini-isolate-cg-keeper as that process.  The runner stays in the non-root test.scope.
unit=/sys/fs/cgroup/mini-isolate.slice/mini-isolate.service
mkdir -p "$unit"
echo '+memory +pids +cpu' > /sys/fs/cgroup/mini-isolate.slice/cgroup.subtree_control
sh -c 'echo $$ > "$1/cgroup.procs" && exec sh "$2"' - "$unit" "$repo/contrib/systemd/mini-isolate-cg-keeper" &
keeper=$!
for i in 1 2 3 4 5 6 7 8 9 10; do [ -d "$unit/boxes" ] && grep -q pids "$unit/boxes/cgroup.controllers" && break; sleep 0.5; done
printf 'box_root = /tmp/mi-vm-boxes\nlock_root = /tmp/mi-vm-locks\ncg_root = %s\n' "$unit/boxes" > /tmp/mi-vm.conf
echo "== mini-isolate --check-environment (pure cgroup v2 VM, cg_root = $unit/boxes)"
MINI_ISOLATE_CONFIG=/tmp/mi-vm.conf "$build/mini-isolate" --check-environment; echo "(exit code $?)"
MI_TEST_CG_ROOT=$unit/boxes sh /mi-vm/pass.sh "vm-v2-scope-delegated" -k test_cgroup_cli || rc=1
rmdir "$unit/boxes" || { echo "vm-v2-scope-delegated: $unit/boxes not empty after the suite"; rc=1; }
kill $keeper
exit $rc
INNER

kargs=()
for k in $FILTERS; do kargs+=(-k "$k"); done
# The whole suite runs in the VM, flood tests included, with /tmp in the guest's RAM.  Under
# TCG, fork and exec (most of the suite) run about 1.5 times faster on the plain qemu64 CPU
# than on "max"; the payloads and Debian's binaries need nothing beyond it.  A pass takes
# 2-3 minutes on an idle 2-CPU host, several times that on a loaded one: the limit is wide.
export MI_VM_MEM=${MI_VM_MEM:-2G} MI_VM_TIMEOUT=${MI_VM_TIMEOUT:-1200} MI_VM_CPU=${MI_VM_CPU:-qemu64}
fail=0
for pass in root scope; do
    cg=(); [ $pass = root ] || cg=(--cgroup sbx.slice/test.scope)
    echo "=== VM pass: $pass${cg[1]:+ (cgroup ${cg[1]})}"
    rc=0
    "$REPO/tests/vm/cgv2-vm.sh" --root "$TOP" "${put[@]}" "${cg[@]}" -- \
        sh /mi-vm/main.sh $pass "${kargs[@]}" || rc=$?
    if [ $rc != 0 ]; then
        echo "=== VM pass $pass FAILED (exit $rc)"; fail=1
        [ $rc != 3 ] || break  # the host cannot run qemu: the next pass cannot either
    fi
done
[ $fail = 0 ] && echo "=== VM tests: all passes OK"
exit $fail
