#!/bin/sh
# Builds Mini-Isolate (release) in build-bench and runs the benchmark as root.
#   bench/run.sh [bench options...]       e.g. ISOLATE=/path/to/isolate bench/run.sh
# Prints the table and writes bench/results.json (or --out FILE).  See docs/benchmarks.md.
set -e
cd "$(dirname "$0")/.."
[ -d build-bench ] || meson setup -Dbuildtype=release -Db_ndebug=true build-bench >/dev/null
# Only the targets the benchmark needs (the test payloads are not required).
ninja -C build-bench mini-isolate bench/bench bench/bench_spin bench/bench_burn bench/bench_touch bench/bench_noop \
    >build-bench/bench-build.log 2>&1 || { cat build-bench/bench-build.log; exit 1; }
set -- --mi "$PWD/build-bench/mini-isolate" --payloads "$PWD/build-bench/bench" "$@"
if [ "$(id -u)" = 0 ]; then
    exec build-bench/bench/bench "$@"
else
    exec sudo ${ISOLATE:+ISOLATE="$ISOLATE"} build-bench/bench/bench "$@"
fi
