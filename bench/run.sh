#!/bin/sh
# Builds Mini-Isolate (release) in build-bench and runs the benchmark as root: the CLI section
# (bench/bench) and then the server section (bench/floor: the kernel operations of one run, then
# bench/serverbench; docs/benchmarks.md "Server").
#   bench/run.sh [bench options...]       e.g. ISOLATE=/path/to/isolate bench/run.sh
#   bench/run.sh --server-only [serverbench options...]   only the server section
#   bench/run.sh --no-server [bench options...]           only the CLI section
# The CLI section prints its table and writes bench/results.json (or --out FILE); the server
# section prints its table and writes bench/results-server.json (SERVER_OUT=FILE to change it;
# SERVER_ARGS="..." passes options to it when the CLI section runs too).
set -e
cd "$(dirname "$0")/.."
mode=both
case "${1:-}" in
    --server-only) mode=server; shift ;;
    --no-server) mode=cli; shift ;;
esac
[ -d build-bench ] || meson setup -Dbuildtype=release -Db_ndebug=true build-bench >/dev/null
# Only the targets the benchmark needs (the test payloads are not required).
targets="mini-isolate bench/bench bench/floor bench/bench_spin bench/bench_burn bench/bench_touch bench/bench_noop"
if [ "$mode" != cli ]; then
    targets="$targets mini-isolate-serve bench/bench_pingpong"
    if grep -q "build bench/serverbench:" build-bench/build.ninja; then
        targets="$targets bench/serverbench"
    else
        echo "bench/run.sh: libcurl (libcurl4-openssl-dev) not found by meson: no server section" >&2
        [ "$mode" = server ] && exit 1
        mode=cli
    fi
fi
ninja -C build-bench $targets >build-bench/bench-build.log 2>&1 || { cat build-bench/bench-build.log; exit 1; }
common="--mi $PWD/build-bench/mini-isolate --payloads $PWD/build-bench/bench"
as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo ${ISOLATE:+ISOLATE="$ISOLATE"} "$@"; fi
}
server_out="${SERVER_OUT:-bench/results-server.json}"
# The floor of a fresh-namespace run on this host, printed before the server section.
floor() { echo; as_root build-bench/bench/floor 100; echo; }
case "$mode" in
    server) floor; as_root build-bench/bench/serverbench $common --out "$server_out" "$@" ;;
    cli) as_root build-bench/bench/bench $common "$@" ;;
    both)
        as_root build-bench/bench/bench $common "$@"
        floor
        # shellcheck disable=SC2086
        as_root build-bench/bench/serverbench $common --out "$server_out" ${SERVER_ARGS:-} ;;
esac
