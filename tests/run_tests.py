#!/usr/bin/env python3
"""Integration test runner: discovers tests/integration/test_*.py, runs every test_* function
(in parallel threads), plus the C unit test programs, and ends with "N passed, M failed, K skipped"
(a skipped test prints its reason: the host lacks what it needs, harness.PROBES).

usage: run_tests.py [-j N] [-k SUBSTRING] [--build DIR] [--no-units]
"""
import argparse
import concurrent.futures
import importlib.util
import os
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-j", type=int, default=4)
    ap.add_argument("-k", action="append", default=[], help="run tests whose name contains this")
    ap.add_argument("--build", default=os.environ.get("MI_BUILD", os.path.join(os.path.dirname(HERE), "build")))
    ap.add_argument("--no-units", action="store_true")
    ap.add_argument("--label", default="", help="prefix for the summary line")
    args = ap.parse_args()
    os.environ["MI_BUILD"] = os.path.abspath(args.build)
    import harness

    tests = []
    if not args.no_units:
        for unit in ("test_units", "test_cgroup", "test_json", "test_prepared"):
            path = os.path.join(args.build, "tests", unit)
            tests.append(("unit/" + unit, lambda p=path: run_unit(p)))
    idir = os.path.join(HERE, "integration")
    for fn in sorted(os.listdir(idir)):
        if not (fn.startswith("test_") and fn.endswith(".py")):
            continue
        spec = importlib.util.spec_from_file_location(fn[:-3], os.path.join(idir, fn))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for name in sorted(dir(mod)):
            if name.startswith("test_") and callable(getattr(mod, name)):
                tests.append(("%s/%s" % (fn[:-3], name), getattr(mod, name)))
    if args.k:
        tests = [t for t in tests if any(k in t[0] for k in args.k)]

    passed, failed = 0, []
    t0 = time.monotonic()

    skipped = []

    def one(t):
        name, fn = t
        s = time.monotonic()
        try:
            fn()
            return name, None, time.monotonic() - s
        except harness.Skip as e:
            return name, e, time.monotonic() - s
        except Exception:
            return name, traceback.format_exc(), time.monotonic() - s

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.j) as ex:
        for name, err, dt in ex.map(one, tests):
            if err is None:
                passed += 1
                print("ok   %-60s %.2fs" % (name, dt), flush=True)
            elif isinstance(err, harness.Skip):
                skipped.append(name)
                print("skip %-60s %s" % (name, err), flush=True)
            else:
                failed.append(name)
                print("FAIL %-60s %.2fs\n%s" % (name, dt, err), flush=True)

    # Nothing may be left behind: cgroups of the ids we used, mounts under our temp dirs (not
    # another suite's, running at the same time on the same host).
    left = [d for i in harness.USED_IDS for d in harness.cgroup_dirs(i)]
    ours = tuple(t + "/" for t in harness.USED_TMPS)
    mounts = [l for l in open("/proc/self/mountinfo")
              if any((f + "/").startswith(ours) for f in l.split()[3:5])]
    if left or mounts:
        failed.append("leftovers")
        print("FAIL leftovers: cgroups %s mounts %s" % (left, mounts))
    else:
        passed += 1
        print("ok   leftovers (no cgroups or mounts left by the suite)")
    print("%d tests in %.1fs%s" % (len(tests) + 1, time.monotonic() - t0,
          ("; failed: " + ", ".join(failed)) if failed else ""))
    print("%s%d passed, %d failed, %d skipped" % (args.label + ": " if args.label else "", passed,
                                                  len(failed), len(skipped)))
    return 1 if failed else 0


def run_unit(path):
    import harness
    env = dict(os.environ)
    if path.endswith("test_cgroup"):
        # Its fork-bomb workloads run under pids.max: LeakSanitizer cannot start its thread in
        # them at exit and aborts.  Leak checking of the library is done by the other programs.
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
    r = subprocess.run([path], capture_output=True, text=True, timeout=300, env=env)
    if r.returncode == 77:  # the automake convention: the host cannot run it; last line says why
        raise harness.Skip((r.stdout.strip().splitlines() or ["(no reason given)"])[-1])
    assert r.returncode == 0, "%s failed:\n%s%s" % (path, r.stdout[-4000:], r.stderr[-2000:])


if __name__ == "__main__":
    sys.exit(main())
