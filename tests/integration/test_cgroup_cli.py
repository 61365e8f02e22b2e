"""Control groups through the CLI (--cg): whole-box memory, process and CPU limits and
accounting, nothing left alive after a run, mode checks, --cleanup, --print-cg-root,
--check-environment and the isolate 1.x timing flags.

The same tests run on this hybrid host (cgroup v1 backend) and in the pure cgroup v2 VM
(tests/vm/run-vm-tests.sh).  MI_TEST_CG_ROOT, when set, is written as cg_root into the boxes'
configuration (a delegated cgroup v2 subtree, as under systemd with Delegate=yes).
"""
import os
import subprocess
import time

import harness
from harness import Box

FIRST_UID = 60000  # the configuration's default first_uid


def cg_conf():
    root = os.environ.get("MI_TEST_CG_ROOT")
    return "cg_root = %s\n" % root if root else ""


def cg_box(**kw):
    return Box(cg=True, conf_extra=cg_conf(), **kw)


def cg_files(box_id, name):
    """Paths of every file called name in the box's cgroup(s) and their children."""
    found = []
    for top in harness.cgroup_dirs(box_id):
        for root, _, files in os.walk(top):
            if name in files:
                found.append(os.path.join(root, name))
    return found


def box_tasks(box_id):
    """Pids still listed in any cgroup of the box."""
    pids = []
    for f in cg_files(box_id, "cgroup.procs"):
        with open(f) as fh:
            pids += [int(x) for x in fh.read().split()]
    return pids


def uid_processes(uid):
    return harness.uid_processes(uid)


def assert_box_empty(b):
    assert harness.cgroup_dirs(b.id), "the box cgroup is gone before --cleanup"
    assert box_tasks(b.id) == [], "tasks left in the box cgroup: %s" % box_tasks(b.id)
    assert uid_processes(FIRST_UID + b.id) == [], "processes of the box user left"


# ---------------------------------------------------------------- memory


def test_cg_oom_then_clean_run():
    harness.need("memory.peak")
    with cg_box() as b:
        r = b.run("cg_touch_mem", "128", opts=["--cg-mem=65536", "-t", "20", "-w", "60"])
        assert r.rc == 1, r
        assert r.meta.get("status") == "SG" and r.meta.get("exitsig") == "9", r
        assert r.meta.get("cg-oom-killed") == "1", r
        assert "touched" not in r.stdout, r
        assert 0 < int(r.meta["cg-mem"]) <= 65536 + 1024, r
        # The next run in the same box stays under the limit: no OOM reported, small peak.
        r = b.run("cg_touch_mem", "8", opts=["--cg-mem=65536", "-t", "20", "-w", "60"])
        assert r.rc == 0 and r.stdout == "touched 8\n", r
        assert "cg-oom-killed" not in r.meta, r
        assert 8 * 1024 <= int(r.meta["cg-mem"]) < 32 * 1024, r


def test_cg_mem_counts_the_whole_box():
    """cg-mem is the peak of all processes: two children touching 24 MiB each."""
    harness.need("memory.peak")
    with cg_box() as b:
        script = "./cg_touch_mem 24 2 & ./cg_touch_mem 24 2 & wait"
        b.put("cg_touch_mem", src=harness.payload("cg_touch_mem"))
        r = b.run("/bin/sh", "-c", script, opts=["-p", "--cg-mem=262144", "-t", "20", "-w", "60"],
                  use_payload=False)
        assert r.rc == 0 and r.stdout.count("touched 24") == 2, r
        assert int(r.meta["cg-mem"]) >= 40 * 1024, r


# ---------------------------------------------------------------- processes


def test_cg_forkbomb_contained():
    with cg_box() as b:
        r = b.run("cg_forkbomb", opts=["-p10", "-t", "10", "-w", "30"])
        assert r.rc == 1 and r.meta.get("exitcode") == "3", r
        forks = int(r.stdout.split()[1])
        assert 1 <= forks <= 9, r  # the program itself is the 10th task
        assert_box_empty(b)
        # -p with --cg is a pids limit on the box cgroup.
        maxes = [open(f).read().strip() for f in cg_files(b.id, "pids.max")]
        assert "10" in maxes, maxes


def test_cg_threadbomb_contained():
    with cg_box() as b:
        r = b.run("cg_threadbomb", opts=["-p10", "-t", "10", "-w", "30"])
        assert r.rc == 1 and r.meta.get("exitcode") == "3", r
        assert 0 <= int(r.stdout.split()[1]) <= 9, r
        assert_box_empty(b)


def test_cg_double_fork_leaves_nothing():
    with cg_box() as b:
        r = b.run("cg_double_fork", opts=["-p10", "-t", "10", "-w", "30"])
        assert r.rc == 0 and r.stdout == "grandchild alive\n", r
        assert open(os.path.join(b.boxdir, "marker")).read() == "alive\n"
        assert_box_empty(b)


def test_cg_processes_default_is_one():
    """Without -p the box may hold one process: a fork is refused (as in isolate)."""
    with cg_box() as b:
        r = b.run("cg_forkbomb", opts=["-t", "10", "-w", "30"])
        assert r.rc == 1 and r.stdout == "forks 0\n", r
        assert "1" in [open(f).read().strip() for f in cg_files(b.id, "pids.max")]


# ---------------------------------------------------------------- CPU time


def test_cg_time_counts_threads_and_children():
    """2 threads + 2 children burning 500 ms each: time ~ 2 s, agreeing with the payload's own
    getrusage(SELF)+getrusage(CHILDREN).  (Whether time also exceeds the wall time depends on
    an idle second core, so that is measured by the benchmark, not asserted here.)"""
    with cg_box() as b:
        r = b.run("cg_burn", "500", opts=["-p10", "-t", "30", "-w", "90"])
        assert r.rc == 0 and r.stdout.startswith("rusage-ms "), r
        own = float(r.stdout.split()[1]) / 1000
        t = r.time()
        assert own >= 1.95, r  # the payload burned 4 x 500 ms
        assert t >= 0.97 * own, "time %.3f < kernel's %.3f: %r" % (t, own, r)
        assert t <= own * 1.05 + 0.1, "time %.3f >> kernel's %.3f: %r" % (t, own, r)


def test_cg_timing_flags():
    """--cg-timing (isolate 1.x) is the default; --no-cg-timing times from the processes' own
    accounting instead of the cgroup's counter -- and, as without --cg (issue 11 item 1), a
    forked child that is never reaped counts all the same: CPU time cannot hide in it."""
    with cg_box() as b:
        r = b.run("cg_orphan_burn", "1500", opts=["--cg-timing", "-p10", "-t", "10", "-w", "30"])
        assert r.rc == 0, r
        # The orphan burns for 1.5 s of wall time; on a loaded 2-core machine it gets less CPU.
        assert r.time() >= 0.2, "the orphan's CPU was not counted: %r" % r
        r2 = b.run("cg_orphan_burn", "1500", opts=["--no-cg-timing", "-p10", "-t", "10",
                                                   "-w", "30"])
        assert r2.rc == 0 and r2.wall() >= 1.4, r2
        assert r2.time() >= 0.2, "--no-cg-timing hid the orphan's CPU: %r" % r2
        assert_box_empty(b)
    # Judge0 sends --cg-timing; it is accepted without --cg too (and changes nothing there).
    with Box() as b:
        r = b.run("cg_burn", "50", opts=["--cg-timing", "-p10"])
        assert r.rc == 0 and r.time() >= 0.15, r


def test_cg_time_limit_counts_children():
    """-t with --cg is checked against the whole box: children burning in parallel hit it."""
    with cg_box() as b:
        r = b.run("cg_burn", "3000", opts=["-p10", "-t", "1", "-w", "60"])
        assert r.rc == 1 and r.meta.get("status") == "TO", r
        assert r.time() >= 1.0, r
        assert_box_empty(b)


# ---------------------------------------------------------------- lifecycle and mode


def test_cg_mode_mismatch():
    with Box() as b:
        r = b.cli("--cg", "--run", "--", "/bin/true")
        assert r.returncode == 2, r
        assert "incompatible control group mode" in r.stderr, r
    with cg_box() as b:
        r = subprocess.run([harness.BIN, "-b", str(b.id), "--run", "--", "/bin/true"],
                           capture_output=True, text=True, env=b.env(), timeout=60)
        assert r.returncode == 2, r
        assert "incompatible control group mode" in r.stderr, r


def test_cg_cleanup_removes_cgroups():
    b = cg_box()
    try:
        dirs = harness.cgroup_dirs(b.id)
        assert dirs, "--init --cg created no cgroup"
        r = b.run("cg_burn", "50", opts=["-p10"])
        assert r.rc == 0, r
        c = b.cleanup()
        assert c.returncode == 0, c
        assert harness.cgroup_dirs(b.id) == [], harness.cgroup_dirs(b.id)
        assert not os.path.exists(b.dir)
        # A second cleanup of a box that is gone is fine.
        assert b.cleanup().returncode == 0
    finally:
        b.cleanup()
        harness.shutil.rmtree(b.tmp, ignore_errors=True)


def test_cg_run_without_cgroup_fails():
    """The box's cgroup vanished (e.g. a reboot): --run --cg fails with exit 2 and says why,
    instead of running the program without limits."""
    with cg_box() as b:
        for d in sorted(harness.cgroup_dirs(b.id), key=len, reverse=True):
            for root, dirs, _ in sorted(os.walk(d), key=lambda x: -len(x[0])):
                os.rmdir(root)
        r = b.run("hello", opts=["--cg-mem=65536"])
        assert r.rc == 2, r
        assert "--init --cg" in r.stderr, r
        assert r.stdout == "", r


def test_cg_print_cg_root():
    with cg_box() as b:
        r = b.cli("--print-cg-root")
        assert r.returncode == 0, r
        root = r.stdout.strip()
        assert root.startswith("/") and os.path.isdir(root), r
        assert any(d.startswith(root + "/") for d in harness.cgroup_dirs(b.id)), \
            (root, harness.cgroup_dirs(b.id))


def expected_layout():
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            if fields[4] == "/sys/fs/cgroup":
                return ("pure cgroup v2" if fields[fields.index("-") + 1] == "cgroup2"
                        else "hybrid")
    return "?"


def test_cg_check_environment():
    for argv in (["--check-environment"], ["check"]):
        b = Box(init=False, conf_extra=cg_conf())
        try:
            r = subprocess.run([harness.BIN] + argv, capture_output=True, text=True,
                               env=b.env(), timeout=60)
        finally:
            harness.shutil.rmtree(b.tmp, ignore_errors=True)
        assert r.returncode == 0, r
        out = r.stdout
        assert "layout: " + expected_layout() in out, out
        want = "cgroup v2" if expected_layout() == "pure cgroup v2" else "cgroup v1"
        assert "--cg backend: " + want in out, out
        for word in ("cgroup.kill", "memory.peak", "swap",
                     "mount", "pid", "net", "user", "Seccomp", "Result: --cg can work"):
            assert word in out, (word, out)


def test_cg_check_environment_bad_root():
    """A cg_root that is not a cgroup v2 directory: check exits non-zero naming the problem,
    and --init --cg fails with exit 2 instead of running without cgroups."""
    with Box(init=False, conf_extra="cg_root = /tmp\n") as b:
        r = subprocess.run([harness.BIN, "--check-environment"], capture_output=True, text=True,
                           env=b.env(), timeout=60)
        assert r.returncode == 1, r
        assert "CANNOT" in r.stdout and "/tmp" in r.stdout, r
        r = b.cli("--cg", "--init")
        assert r.returncode == 2 and "cgroup v2" in r.stderr, r
