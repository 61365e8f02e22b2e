#!/usr/bin/env python3
"""Where the per-run time of `mini-isolate --cg --run -- /bin/true` goes (docs/benchmarks.md).

Runs it N times under `perf trace` restricted to a few marker syscalls (low overhead: the other
syscalls are filtered in the kernel) and prints the median duration of each phase:

  keeper start   first syscall after exec (the config file's access) -> clone3 of the init
                 (config, lock, box state, cgroup layout and reset writes, tree key, policy cache)
  ns clone       clone3(CLONE_NEW{PID,IPC,UTS}[,NS]) of the init
  tree           init: its start -> the end of unshare(CLONE_NEWNS): with a kept tree, setns()
                 into the box's network and mount namespaces and the private copy; without
                 one, the whole build and pivot_root (the first run of a box)
  per-run mounts unshare end -> clone3 of the program (/proc + masks, /dev/shm)
  prog clone     clone3 of the program by the init
  to attach      program: from its start to its first cgroup.procs write
  cg attach      the program's cgroup.procs writes (cgroup v1: no CLONE_INTO_CGROUP)
  prog setup     attach done -> execve (rlimits, ids, seccomp filter load)
   of which seccomp  the seccomp() call that loads the filter
  program        execve -> exit_group of /bin/true
  init exit      program exit -> init exit_group (reap, report)
  keeper finish  init exit_group -> keeper exit_group (the init's teardown, accounting reads,
                 hand-back, meta)

usage: MINI_ISOLATE_CONFIG=conf bench/profile.py BINARY BOX_ID [RUNS]   (as root; box initialised
with --cg first).  ISOLATE-style binaries other than mini-isolate are not understood.
"""
import re
import statistics
import subprocess
import sys

MARKERS = "access,clone3,unshare,seccomp,execve,exit_group,write"
LINE = re.compile(r"^\s*([\d.?]+) \(\s*([\d.]*)\s*(?:ms)?\): (\S+)/(\d+) (.*)$")


def one_run(binary, box):
    p = subprocess.run(["perf", "trace", "-e", MARKERS, "--", binary, "--cg", "-b", box,
                        "--run", "--", "/bin/true"], capture_output=True, text=True)
    ev = []  # (time, duration, pid, syscall, rest)
    for line in (p.stderr + p.stdout).splitlines():
        m = LINE.match(line)
        if not m or m.group(1) == "?":
            continue
        t, d, _comm, pid, rest = m.groups()
        sc = rest.split("(", 1)[0]
        ev.append((float(t), float(d) if d else None, int(pid), sc, rest))
    if not ev:
        return None
    keeper = ev[0][2]
    end = lambda e: e[0] + (e[1] or 0)  # noqa: E731
    ph = {}
    try:
        t0 = next(e[0] for e in ev if e[2] == keeper and e[3] == "access")
        ns = next(e for e in ev if e[2] == keeper and e[3] == "clone3")
        init = int(re.search(r"= (\d+)", ns[4]).group(1))
        un = next(e for e in ev if e[2] == init and e[3] == "unshare")
        pc = next(e for e in ev if e[2] == init and e[3] == "clone3")
        prog_ev = [e for e in ev if e[2] not in (keeper, init)]
        writes = [e for e in prog_ev if e[3] == "write"]
        scmp = [e for e in prog_ev if e[3] == "seccomp"]
        exe = next(e for e in prog_ev if e[3] == "execve")
        pexit = next(e for e in prog_ev if e[3] == "exit_group")
        iexit = next(e for e in ev if e[2] == init and e[3] == "exit_group")
        kexit = [e for e in ev if e[2] == keeper and e[3] == "exit_group"][-1]
    except (StopIteration, AttributeError, IndexError):
        return None
    ph["keeper start"] = ns[0] - t0
    ph["ns clone"] = ns[1] or 0
    ph["tree"] = end(un) - end(ns)
    ph["per-run mounts"] = pc[0] - end(un)
    ph["prog clone"] = pc[1] or 0
    if writes:
        # the first write is the slow one (cgroup v1 attach); the last one ends the attach
        ph["to attach"] = writes[0][0] - end(pc)
        ph["cg attach"] = end(writes[-1]) - writes[0][0]
        ph["prog setup"] = exe[0] - end(writes[-1])
    else:
        ph["to attach"] = ph["cg attach"] = 0.0
        ph["prog setup"] = exe[0] - end(pc)
    ph[" of which seccomp"] = (scmp[0][1] or 0) if scmp else 0.0
    ph["program"] = pexit[0] - exe[0]
    ph["init exit"] = iexit[0] - pexit[0]
    ph["keeper finish"] = kexit[0] - iexit[0]
    ph["total (traced)"] = kexit[0] - t0
    return ph


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    binary, box = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 30
    res = [r for r in (one_run(binary, box) for _ in range(runs)) if r]
    if not res:
        sys.exit("no parsable runs (does `perf trace` work here?)")
    print("phase               median ms    p10     p90   (%d runs under perf trace)" % len(res))
    for k in res[0]:
        v = sorted(r[k] for r in res)
        print("  %-16s %9.3f %7.3f %7.3f" % (k, statistics.median(v), v[len(v) // 10],
                                            v[(len(v) * 9) // 10]))


if __name__ == "__main__":
    main()
