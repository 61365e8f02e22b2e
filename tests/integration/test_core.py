"""Program setup, limits and results of issue 2: environment, redirections, rlimits, time
limits, meta file keys/order for every outcome, exit codes, keeper signals."""
import os
import signal
import subprocess
import time

import harness
from harness import Box, BIN

STATS = ["time", "time-wall", "max-rss", "csw-voluntary", "csw-forced"]
# isolate's meta keys; keys added by later issues (verdicts) come after them and are skipped
ISOLATE_KEYS = set(STATS + ["cg-mem", "cg-oom-killed", "exitcode", "exitsig", "killed", "status",
                            "message"])


def iso_keys(r):
    """The isolate keys of a Result, in order, after checking that they come first."""
    keys = r.meta_keys if hasattr(r, "meta_keys") else r
    n = len([k for k in keys if k in ISOLATE_KEYS])
    assert all(k in ISOLATE_KEYS for k in keys[:n]), ("new keys before isolate's", keys)
    return keys[:n]


def box_procs(uid):
    return harness.uid_processes(uid)


# ------------------------------------------------------------------ meta file and exit codes

def test_meta_ok():
    with Box() as b:
        r = b.run("exitn", "0")
        assert r.rc == 0 and iso_keys(r) == STATS + ["exitcode"], r
        assert r.meta["exitcode"] == "0"
        assert r.stderr.startswith("OK (") and "sec real" in r.stderr, r
        for k in ("time", "time-wall"):
            s, ms = r.meta[k].split(".")
            assert s.isdigit() and len(ms) == 3 and ms.isdigit(), r
        assert int(r.meta["max-rss"]) > 0, r


def test_meta_re():
    with Box() as b:
        r = b.run("exitn", "3")
        assert r.rc == 1, r
        assert iso_keys(r) == STATS + ["exitcode", "status", "message"], r
        assert (r.meta["exitcode"], r.meta["status"], r.meta["message"]) == (
            "3", "RE", "Exited with error status 3"), r
        assert r.stderr.strip().endswith("Exited with error status 3"), r


def test_meta_sg():
    with Box() as b:
        r = b.run("raisesig", "11")
        assert r.rc == 1, r
        assert iso_keys(r) == STATS + ["exitsig", "status", "message"], r
        assert (r.meta["exitsig"], r.meta["status"], r.meta["message"]) == (
            "11", "SG", "Caught fatal signal 11"), r
        r = b.run("raisesig", "6")
        assert r.rc == 1 and r.meta["exitsig"] == "6" and r.meta["status"] == "SG", r


def test_meta_to_cpu_killed():
    with Box() as b:
        r = b.run("burn", opts=["-t", "0.3"])
        assert r.rc == 1, r
        assert iso_keys(r) == ["status", "message", "killed"] + STATS, r
        assert r.meta["status"] == "TO" and r.meta["message"] == "Time limit exceeded", r
        assert r.meta["killed"] == "1"
        assert 0.3 <= r.time() < 3.0, r
        assert r.stderr.strip().endswith("Time limit exceeded"), r


def test_meta_to_wall_killed():
    with Box() as b:
        r = b.run("sleeper", "30", opts=["-w", "0.5"])
        assert r.rc == 1, r
        assert iso_keys(r) == ["status", "message", "killed"] + STATS, r
        assert r.meta["message"] == "Time limit exceeded (wall clock)", r
        assert 0.5 <= r.wall() < 10 and r.time() < 0.5, r
        assert "slept" not in r.stdout


def test_extra_time_is_absolute_threshold():
    """-t 0.3 -x 1: a program using 0.6 s is not killed, finishes, and is TO at exit."""
    with Box() as b:
        r = b.run("burn", "0.6", opts=["-t", "0.3", "-x", "1"])
        assert r.rc == 1, r
        assert r.stdout == "burned\n", r
        assert iso_keys(r) == STATS + ["status", "message"], r
        assert r.meta["status"] == "TO" and "killed" not in r.meta, r
        assert r.time() > 0.3, r
        # the same program with -t 0.3 alone is killed before it finishes
        r = b.run("burn", "0.6", opts=["-t", "0.3"])
        assert r.rc == 1 and r.stdout == "" and r.meta["killed"] == "1", r
        # and under the limit it is OK
        r = b.run("burn", "0.1", opts=["-t", "2", "-x", "3"])
        assert r.rc == 0 and r.stdout == "burned\n", r


def test_wall_limit_at_exit_and_cpu_not_counted_for_sleep():
    with Box() as b:
        r = b.run("sleeper", "0.5", opts=["-t", "0.2"])
        assert r.rc == 0 and r.stdout == "slept\n", r


def test_execve_failure_is_re_127():
    with Box() as b:
        r = b.run("/nonexistent", use_payload=False)
        assert r.rc == 1, r
        assert r.meta["exitcode"] == "127" and r.meta["status"] == "RE", r
        assert "nonexistent" in r.stderr, r


def test_missing_stdin_file_is_xx_without_stats():
    with Box() as b:
        r = b.run("hello", opts=["-i", "nonexistent.in"])
        assert r.rc == 2, r
        assert iso_keys(r) == ["status", "message"] and r.meta["status"] == "XX", r
        assert "nonexistent.in" in r.meta["message"], r
        assert "hello" not in r.stdout


def test_meta_to_stdout_and_silent():
    with Box() as b:
        b.put("exitn", src=harness.payload("exitn"))
        r = b.cli("-s", "-M", "-", "--run", "--", "./exitn", "4")
        assert r.returncode == 1, r
        lines = r.stdout.splitlines()
        i = lines.index("exitcode:4")
        assert lines[i:i + 3] == ["exitcode:4", "status:RE",
                                  "message:Exited with error status 4"], r
        assert r.stderr == "", r
        r = b.cli("-s", "--run", "--", "./exitn", "0")
        assert r.returncode == 0 and r.stderr == "", r


def test_interrupt_signals_kill_box():
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        with Box() as b:
            b.put("daemonize", src=harness.payload("daemonize"))
            b.put("sleeper", src=harness.payload("sleeper"))
            meta = os.path.join(b.tmp, "meta")
            p = subprocess.Popen([BIN, "-b", str(b.id), "-M", meta, "-p", "--run", "--",
                                  "./sleeper", "60"], env=b.env(), stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
            deadline = time.monotonic() + 20
            while not box_procs(60000 + b.id) and time.monotonic() < deadline:
                time.sleep(0.05)  # until the program runs (slow in the emulated VM)
            assert p.poll() is None and box_procs(60000 + b.id)
            p.send_signal(sig)
            out, err = p.communicate(timeout=20)
            keys = [l.partition(":")[0] for l in open(meta).read().splitlines()]
            text = open(meta).read()
            assert p.returncode == 1, (sig, p.returncode, err, text)
            assert iso_keys(keys) == ["exitsig", "status", "message", "killed"] + STATS, (sig, text)
            assert "exitsig:%d\nstatus:SG\nmessage:Interrupted\nkilled:1\n" % sig in text, text
            assert "Interrupted" in err
            assert box_procs(60000 + b.id) == [], "processes left after interrupt"


def test_sigabrt_is_xx():
    with Box() as b:
        b.put("sleeper", src=harness.payload("sleeper"))
        meta = os.path.join(b.tmp, "meta")
        p = subprocess.Popen([BIN, "-b", str(b.id), "-M", meta, "--run", "--", "./sleeper", "60"],
                             env=b.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(0.7)
        p.send_signal(signal.SIGABRT)
        out, err = p.communicate(timeout=20)
        text = open(meta).read()
        assert p.returncode == 2, (p.returncode, err, text)
        assert text.startswith("status:XX\n"), text
        assert box_procs(60000 + b.id) == []
        # the box is usable afterwards
        r = b.run("hello")
        assert r.rc == 0, r


# ------------------------------------------------------------------ environment

def env_of(r):
    return [l for l in r.stdout.splitlines()]


def test_default_env():
    with Box() as b:
        r = b.run("printenv", env={"FOO": "bar"})
        assert r.rc == 0 and env_of(r) == ["LIBC_FATAL_STDERR_=1"], r


def test_env_rules():
    with Box() as b:
        r = b.run("printenv", opts=["-E", "FOO", "-E", "BAR=baz", "-E", "NOTSET"],
                  env={"FOO": "bar"})
        e = env_of(r)
        assert "FOO=bar" in e and "BAR=baz" in e and "LIBC_FATAL_STDERR_=1" in e, r
        assert not any(x.startswith("NOTSET") for x in e), r
        # VAR= removes, even a built-in one; later rules win
        r = b.run("printenv", opts=["-E", "LIBC_FATAL_STDERR_=", "-E", "A=1", "-E", "A=2"])
        assert env_of(r) == ["A=2"], r
        r = b.run("printenv", opts=["-E", "A=1", "-E", "A="])
        assert env_of(r) == ["LIBC_FATAL_STDERR_=1"], r
        r = b.run("printenv", opts=["-E", "X=a=b"])
        assert "X=a=b" in env_of(r), r


def test_full_env():
    with Box() as b:
        r = b.run("printenv", opts=["-e", "-E", "GONE="], env={"FOO": "bar", "GONE": "x"})
        e = env_of(r)
        assert "FOO=bar" in e and "PATH=/usr/sbin:/usr/bin:/sbin:/bin" in e, r
        assert "LIBC_FATAL_STDERR_=1" in e and not any(x.startswith("GONE=") for x in e), r


# ------------------------------------------------------------------ redirections and chdir

def test_redirections():
    with Box() as b:
        b.put("in.txt", "input data\n", mode=0o644)
        r = b.run("cwd", opts=["-i", "in.txt", "-o", "out.txt", "-r", "err.txt"])
        assert r.rc == 0, r
        assert r.stdout == "" and "to-stderr" not in r.stderr, r
        out = open(os.path.join(b.boxdir, "out.txt")).read()
        assert out == "cwd=/box\ninput data\n", out
        assert open(os.path.join(b.boxdir, "err.txt")).read() == "to-stderr\n"
        st = os.stat(os.path.join(b.boxdir, "out.txt"))
        assert st.st_uid == 0, "output not handed back to the caller"
        # --stderr-to-stdout
        r = b.run("cwd", opts=["-o", "both.txt", "--stderr-to-stdout"], input="")
        assert open(os.path.join(b.boxdir, "both.txt")).read() == "cwd=/box\nto-stderr\n"
        # stdin from the caller when not redirected
        r = b.run("cwd", input="piped\n")
        assert r.stdout == "cwd=/box\npiped\n" and r.stderr.startswith("to-stderr\n"), r


def test_redirections_are_opened_as_box_user():
    with Box() as b:
        # a root-only file in the box must not be readable through -i
        b.put("secret", "s\n", mode=0o600)
        os.chown(os.path.join(b.boxdir, "secret"), 12345, 12345)
        r = b.run("cwd", opts=["-i", "secret"])
        assert r.rc == 2 and r.meta["status"] == "XX", r
        # -o to a path outside the writable tree fails as XX
        r = b.run("cwd", opts=["-o", "/usr/evil"])
        assert r.rc == 2 and r.meta["status"] == "XX", r
        assert not os.path.exists("/usr/evil")


def test_chdir():
    with Box() as b:
        os.mkdir(os.path.join(b.boxdir, "sub"))
        r = b.run("/box/cwd", opts=["-c", "sub"], use_payload=False, input="") if False else None
        b.put("cwd", src=harness.payload("cwd"))
        r = b.run("/box/cwd", opts=["-c", "/tmp"], use_payload=False, input="")
        assert r.rc == 0 and r.stdout == "cwd=/tmp\n", r
        r = b.run("../cwd", opts=["-c", "sub"], use_payload=False, input="")
        assert r.rc == 0 and r.stdout == "cwd=/box/sub\n", r
        r = b.run("/box/cwd", opts=["-c", "/nonexistent"], use_payload=False, input="")
        assert r.rc == 2 and r.meta["status"] == "XX", r


# ------------------------------------------------------------------ rlimits

def test_rlimit_values():
    with Box() as b:
        r = b.run("rlimits")
        assert r.rc == 0, r
        v = dict(x.split("=") for x in r.stdout.split())
        assert v["as"] == "-1" and v["fsize"] == "-1" and v["core"] == "0", v
        assert v["nofile"] == "1024" and v["nproc"] == "1" and v["stack"] == "-1", v
        r = b.run("rlimits", opts=["-m", "100000", "-k", "2048", "-n", "50", "-f", "300",
                                   "--core", "8", "-p7"])
        v = dict(x.split("=") for x in r.stdout.split())
        assert v == {"as": str(100000 * 1024), "stack": str(2048 * 1024), "nofile": "50",
                     "fsize": str(300 * 1024), "core": str(8 * 1024), "nproc": "7"}, v
        # bare -p: RLIMIT_NPROC is not set (inherited from the caller), as in isolate
        r = b.run("rlimits", opts=["-p"])
        assert "nproc=1 " not in r.stdout + " ", r
        with open("/proc/self/limits") as f:
            mine = [l.split()[2] for l in f if l.startswith("Max processes")][0]
        assert "nproc=%s" % ("-1" if mine == "unlimited" else mine) in r.stdout, r


def test_mem_limit_malloc_fails():
    with Box() as b:
        r = b.run("touchmem", "128", opts=["-m", "65536"])
        assert r.rc == 1 and r.meta["status"] == "RE" and r.meta["exitcode"] == "1", r
        assert r.stdout == "malloc failed\n", r
        r = b.run("touchmem", "16", opts=["-m", "262144"])
        assert r.rc == 0 and r.stdout.startswith("touched"), r


def test_fsize_limit_sigxfsz():
    with Box() as b:
        r = b.run("writefile", "/box/big", "100", opts=["-f", "10"])
        assert r.rc == 1 and r.meta["status"] == "SG" and r.meta["exitsig"] == "25", r
        assert os.path.getsize(os.path.join(b.boxdir, "big")) == 10 * 1024
        r = b.run("writefile", "/box/big", "5", opts=["-f", "10"])
        assert r.rc == 0, r
        # -o files are limited too
        r = b.run("burn", "0", opts=["-f", "0", "-o", "o.txt"])
        assert r.rc == 1 and r.meta["exitsig"] == "25", r


def test_stack_limit():
    with Box() as b:
        r = b.run("bigstack", "4000", opts=["-k", "1024"])
        assert r.rc == 1 and r.meta["status"] == "SG" and r.meta["exitsig"] == "11", r
        r = b.run("bigstack", "4000", opts=["-k", "16384"])
        assert r.rc == 0 and r.stdout == "deep ok\n", r


def test_open_files_limit():
    with Box() as b:
        r = b.run("openmany", opts=["-n", "20"])
        assert r.rc == 0 and r.stdout == "opened 17\n", r
        r = b.run("openmany")
        assert r.stdout == "opened 1021\n", r


def test_process_limit():
    with Box() as b:
        r = b.run("forker", "1")
        assert r.rc == 1 and r.stdout == "fork failed after 0\n", r
        assert r.meta["exitcode"] == "3", r
        r = b.run("forker", "3", opts=["-p4"])
        assert r.rc == 0 and r.stdout == "forked 3\n", r
        r = b.run("forker", "4", opts=["--processes=4"])
        assert r.rc == 1 and r.stdout == "fork failed after 3\n", r
        r = b.run("forker", "20", opts=["-p"])
        assert r.rc == 0 and r.stdout == "forked 20\n", r


def test_core_limit_default_zero():
    with Box() as b:
        r = b.run("rlimits", opts=["--core", "0"])
        assert "core=0" in r.stdout, r
