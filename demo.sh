#!/bin/sh
# Installs the dependencies, builds Mini-Isolate and judges four sample programs:
# accepted, time limit, memory limit, runtime error, crash.  Run as root on Debian 12.
set -eu
cd "$(dirname "$0")"
./scripts/deps.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null
MI="$PWD/build/mini-isolate"
work=$(mktemp -d /tmp/mini-isolate-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
printf 'box_root = %s/boxes\nlock_root = %s/locks\n' "$work" "$work" > "$work/demo.conf"
export MINI_ISOLATE_CONFIG="$work/demo.conf"
CG=""
"$MI" --check-environment >/dev/null 2>&1 && CG="--cg"
[ -n "$CG" ] || echo "note: control groups unavailable here (see: $MI --check-environment); memory is limited by address space instead"
printf '%-14s %-8s %-14s %s\n' PROGRAM EXIT VERDICT "META (status, time, memory)"
for prog in accepted time_limit memory_limit runtime_error crash; do
    box=$("$MI" -b 990 $CG --init)
    gcc -O2 -static -o "$box/box/$prog" "examples/demo/$prog.c"
    echo "2 40" > "$box/box/input.txt"
    if [ -n "$CG" ]; then lim="--cg-mem=131072"; else lim="--mem=131072"; fi
    set +e
    "$MI" -b 990 $CG -s -M "$work/meta" -t 1 -w 3 $lim -i input.txt -o output.txt -r errors.txt --run -- "./$prog"
    code=$?
    set -e
    verdict=$(sed -n 's/^verdict://p' "$work/meta")
    st=$(sed -n 's/^status://p' "$work/meta")
    printf '%-14s %-8s %-14s status=%s time=%s cg-mem=%s oom=%s out=%s\n' "$prog" "$code" \
        "${verdict:-?}" "${st:-OK}" "$(sed -n 's/^time://p' "$work/meta")" \
        "$(sed -n 's/^cg-mem://p' "$work/meta")" "$(sed -n 's/^cg-oom-killed://p' "$work/meta")" \
        "$(cat "$box/box/output.txt" 2>/dev/null | head -c 20)"
    "$MI" -b 990 $CG --cleanup
done
