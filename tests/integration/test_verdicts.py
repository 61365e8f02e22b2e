"""The seed's nine statuses, each provoked by a payload and decided from kernel evidence
(docs/verdicts.md).  Each status is checked in the meta file (new keys verdict/verdict-message at
the end, isolate's keys unchanged) and in the --json result.  Statuses that need control groups
run with --cg (v1 here; the VM runner runs the same file on v2)."""
import json
import os

from harness import Box

ISOLATE_KEYS = ["time", "time-wall", "max-rss", "csw-voluntary", "csw-forced", "cg-mem",
                "cg-oom-killed", "exitcode", "exitsig", "status", "message", "killed"]

# mount(2): a violation rule of the default syscall policy.
MOUNT_NR = {"x86_64": 165, "aarch64": 40}[os.uname().machine]


def run_json(box, *cmd, opts=()):
    r = box.run(*cmd, opts=("--json",) + tuple(opts))
    lines = r.stdout.strip().splitlines()
    assert lines, r
    return r, json.loads(lines[-1])


def check(r, j, status, iso_status, msg_part=None):
    assert j["status"] == status, (j, r)
    assert r.meta.get("verdict") == status, r
    assert j["success"] == (status == "Success"), j
    if iso_status is None:
        assert "status" not in r.meta and j["isolate"]["status"] is None, r
    else:
        assert r.meta.get("status") == iso_status and j["isolate"]["status"] == iso_status, r
    # New keys only at the end, after every isolate key.
    keys = r.meta_keys
    assert keys[-1] in ("verdict", "verdict-message"), keys
    assert all(k in ISOLATE_KEYS for k in keys[:keys.index("verdict")]), keys
    if status == "Success":
        assert j["error_message"] is None and "verdict-message" not in r.meta, r
    else:
        assert j["error_message"] and r.meta["verdict-message"] == j["error_message"], (j, r)
    if msg_part:
        assert msg_part in j["error_message"], j


def test_verdict_success():
    for cg in (False, True):
        with Box(cg=cg) as b:
            r, j = run_json(b, "hello", "x")
            check(r, j, "Success", None)
            assert j["exit_code"] == 0 and j["signal"] is None, j
            assert j["stdout"] == "hello x\n", j


def test_verdict_runtime_error():
    for cg in (False, True):
        with Box(cg=cg) as b:
            r, j = run_json(b, "exitn", "3")
            check(r, j, "RuntimeError", "RE", "status 3")
            assert j["exit_code"] == 3 and r.meta["exitcode"] == "3", j


def test_verdict_signaled():
    for cg in (False, True):
        with Box(cg=cg) as b:
            r, j = run_json(b, "raisesig", "11")
            check(r, j, "Signaled", "SG", "signal 11")
            assert j["signal"] == 11 and j["exit_code"] is None, j


def test_verdict_time_limit_cpu_and_wall():
    for cg in (False, True):
        with Box(cg=cg) as b:
            r, j = run_json(b, "burn", opts=["-t", "0.3", "-w", "10"])
            check(r, j, "TimeLimit", "TO", "Time limit exceeded")
            assert j["cpu_time"] >= 0.3, j
            r, j = run_json(b, "sleeper", "30", opts=["-w", "0.5"])
            check(r, j, "TimeLimit", "TO", "wall clock")


def test_verdict_file_size_limit_sigxfsz():
    for cg in (False, True):
        with Box(cg=cg) as b:
            r, j = run_json(b, "writefile", "big", "1000", opts=["-f", "100"])
            check(r, j, "FileSizeLimit", "SG", "SIGXFSZ")
            assert j["signal"] == 25, j


def test_verdict_file_size_limit_output_cap():
    with Box(cg=True) as b:
        r, j = run_json(b, "flood_stdout", "64", opts=["--output-limit=100", "-t", "10", "-w", "20"])
        check(r, j, "FileSizeLimit", "SG", "output limit")
        assert len(j["stdout"]) == 100 * 1024 and set(j["stdout"]) == {"x"}, len(j["stdout"])
        assert r.meta["message"] == "Output limit exceeded", r


def test_verdict_memory_limit():
    with Box(cg=True) as b:
        r, j = run_json(b, "cg_touch_mem", "256", opts=["--cg-mem", "65536"])
        check(r, j, "MemoryLimit", "SG", "memory limit")
        assert r.meta.get("cg-oom-killed") == "1" and j["isolate"]["cg-oom-killed"], r
        # The same payload under a larger limit is a Success: the verdict is per run.
        r, j = run_json(b, "cg_touch_mem", "16", opts=["--cg-mem", "262144"])
        check(r, j, "Success", None)


def test_verdict_process_limit():
    with Box(cg=True) as b:
        r, j = run_json(b, "forker", "3", opts=["-p2"])
        check(r, j, "ProcessLimit", "RE", "process limit")
        assert "fork failed after 1" in j["stdout"], j
        # Within the limit: no ProcessLimit.
        r, j = run_json(b, "forker", "1", opts=["-p2"])
        check(r, j, "Success", None)


def test_verdict_internal_error():
    for cg in (False, True):
        with Box(cg=cg) as b:
            r, j = run_json(b, "hello", opts=["-i", "/no/such/input"])
            check(r, j, "InternalError", "XX", "/no/such/input")
            assert r.rc == 2, r


def test_verdict_security_violation():
    for cg in (False, True):
        with Box(cg=cg) as b:
            r, j = run_json(b, "sc_syscall", str(MOUNT_NR))
            check(r, j, "SecurityViolation", "SG", "mount (number %d)" % MOUNT_NR)
            assert "ret=" not in j["stdout"], j  # killed before the call returned


def test_verdict_without_cg_says_what_is_undecidable():
    with Box() as b:
        r, j = run_json(b, "hello")
        assert sorted(j["isolate"]["undecidable"]) == ["MemoryLimit", "ProcessLimit"], j
        # Out of address space without --cg is the program's own failure, never MemoryLimit.
        r, j = run_json(b, "touchmem", "256", opts=["-m", "65536"])
        assert j["status"] in ("RuntimeError", "Signaled"), j
    with Box(cg=True) as b:
        r, j = run_json(b, "hello")
        assert j["isolate"]["undecidable"] == [], j


def test_verdict_meta_without_json():
    """Without --json the meta file still carries the verdict; isolate's keys are unchanged."""
    with Box() as b:
        r = b.run("hello", "w")
        assert r.meta_keys == ["time", "time-wall", "max-rss", "csw-voluntary", "csw-forced",
                               "exitcode", "verdict"], r
        assert r.stdout == "hello w\n", r
        r = b.run("burn", opts=["-t", "0.2"])
        assert r.meta_keys[:3] == ["status", "message", "killed"], r
        assert r.meta_keys[-2:] == ["verdict", "verdict-message"], r
        assert r.meta["verdict"] == "TimeLimit", r
