#!/usr/bin/env python3
"""Where the per-run time of `mini-isolate --cg --run -- /bin/true` goes (docs/benchmarks.md).

Runs it N times under `perf trace` restricted to a few marker syscalls (low overhead: the other
syscalls are filtered in the kernel) and prints the median duration of each phase:

  keeper start   first syscall after exec (access of ld.so.preload) -> clone3 of the init
                 (dynamic loading, config, lock, box state, cgroup layout, cgroup reset writes)
  ns clone       clone3(CLONE_NEW{PID,NS,IPC,UTS,NET}) of the init
  mounts         init: from its start to pivot_root (loopback up, mount tree build)
  pivot+detach   pivot_root + umount2(MNT_DETACH) of the old root
  prog clone     clone3 of the program by the init
  to attach      program: from its start to its first cgroup.procs write
  cg attach      the program's cgroup.procs writes (cgroup v1: no CLONE_INTO_CGROUP)
  prog setup     attach done -> execve (rlimits, ids, seccomp filter load)
  program        execve -> exit_group of /bin/true
  init exit      program exit -> init exit_group (reap, report)
  keeper finish  init exit -> keeper exit_group (freeze, accounting reads, hand-back, meta)
  (" of which" rows: single syscalls inside the phases above)

usage: MINI_ISOLATE_CONFIG=conf bench/profile.py BINARY BOX_ID [RUNS]   (as root; box initialised
with --cg first).  ISOLATE-style binaries other than mini-isolate are not understood.
"""
import re
import statistics
import subprocess
import sys

MARKERS = "access,clone3,pivot_root,umount2,execve,exit_group,write"
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
    ph = {}
    try:
        t0 = next(e[0] for e in ev if e[2] == keeper and e[3] == "access")
        ns = next(e for e in ev if e[2] == keeper and e[3] == "clone3")
        init = int(re.search(r"= (\d+)", ns[4]).group(1))
        piv = next(e for e in ev if e[2] == init and e[3] == "pivot_root")
        um = next(e for e in ev if e[2] == init and e[3] == "umount2")
        pc = next(e for e in ev if e[2] == init and e[3] == "clone3")
        prog_ev = [e for e in ev if e[2] not in (keeper, init)]
        prog = prog_ev[0][2]
        writes = [e for e in prog_ev if e[3] == "write"]
        exe = next(e for e in prog_ev if e[3] == "execve")
        pexit = next(e for e in prog_ev if e[3] == "exit_group")
        iexit = next(e for e in ev if e[2] == init and e[3] == "exit_group")
        kexit = [e for e in ev if e[2] == keeper and e[3] == "exit_group"][-1]
    except (StopIteration, AttributeError, IndexError):
        return None
    ns_end = ns[0] + (ns[1] or 0)
    ph["keeper start"] = ns[0] - t0
    ph["ns clone"] = ns[1] or 0
    ph["mounts"] = piv[0] - ns_end
    ph["pivot+detach"] = um[0] + (um[1] or 0) - piv[0]
    ph["prog clone"] = pc[1] or 0
    if writes:
        # the first write is the slow one (cgroup v1 attach); the last one ends the attach
        attach_end = writes[-1][0] + (writes[-1][1] or 0)
        ph["to attach"] = writes[0][0] - (pc[0] + (pc[1] or 0))
        ph["cg attach"] = attach_end - writes[0][0]
        ph["prog setup"] = exe[0] - attach_end
    else:
        ph["to attach"] = ph["cg attach"] = 0.0
        ph["prog setup"] = exe[0] - (pc[0] + (pc[1] or 0))
    ph["program"] = pexit[0] - exe[0]
    ph["init exit"] = iexit[0] - pexit[0]
    ph["keeper finish"] = kexit[0] - iexit[0]
    kw = [e for e in ev if e[2] == keeper and e[3] == "write"]
    # sub-items: the keeper's first write is memory.force_empty (cgroup v1 reset); its writes
    # after the init's exit are freezer.state FROZEN/THAWED
    ph[" of which force_empty"] = (kw[0][1] or 0) if kw and kw[0][0] < ns[0] else 0.0
    ph[" of which freezer"] = sum((e[1] or 0) for e in kw if iexit[0] < e[0] and "count: 6" in e[4])
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
