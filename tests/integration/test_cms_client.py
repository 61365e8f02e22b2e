"""CMS's client side (issue 10): the exact command lines CMS's IsolateSandbox
(cms/grading/Sandbox.py, v1.5.1 and master) gives isolate for a Batch evaluation, and CMS's
reading of the meta file, against our binary invoked as "isolate" — for the shapes of CMS's own
test programs (cmstestsuite: correct, timeouts, timeout-sigstop, nonzero return, OOM).

What CMS does (read from its source, restated here): --init is `isolate [--cg] --box-id=N --init`
(master: always --cg); a run is `--box-id=N [--cg] --chdir=/tmp --dir=/tmp=<home>:rw
--env=HOME=/tmp --fsize=<KiB> [--stdin=/tmp/input.txt] --cg-mem=<KiB> (without cgroups: --mem)
[--stdout=/tmp/output.txt] --processes=1 --stderr=/tmp/stderr.txt --time=T --wall-time=2T+1
--meta=<outer>/run.log.K --run -- ./prog`; the cleanup runs `/bin/chmod 777 -R /tmp` in the box
and then --cleanup.  It splits each meta line at the first ':', and decides: XX -> sandbox
error; TO -> "Execution timed out", with "(wall clock limit exceeded)" when the message
contains "wall"; SG -> killed by a signal; RE -> nonzero return; else OK."""
import os
import shutil
import subprocess
import tempfile

import harness
from harness import Box

TIME = 0.5  # cmstestsuite's batch tasks (raised on a slow host, see run_cases)
MEM_KIB = 128 * 1024


def cms_outcome(meta_text):
    log = {}
    for line in meta_text.splitlines():
        key, value = line.strip().split(":", 1)
        log.setdefault(key, []).append(value)
    st = log.get("status", [])
    if "XX" in st:
        return "sandbox error"
    if "TO" in st:
        return "timeout-wall" if "wall" in log.get("message", [""])[0] else "timeout"
    if "SG" in st:
        return "signal"
    if "RE" in st:
        return "nonzero"
    return "ok"


class CmsSandbox:
    """One CMS sandbox: its outer temp dir with home/ (bound at /tmp), a box made as CMS makes
    it, an `isolate` symlink to our binary (CMS runs the program by that name)."""

    def __init__(self, cg, master):
        self.cg, self.master = cg or master, master
        self.box = Box(cg=False, init=False)  # only its config and id; CMS passes --cg itself
        self.outer = tempfile.mkdtemp(prefix="cms-evaluate-", dir=self.box.tmp)
        self.home = os.path.join(self.outer, "home")
        os.mkdir(self.home)
        os.chmod(self.home, 0o777)
        self.isolate = os.path.join(self.box.tmp, "isolate")
        os.symlink(harness.BIN, self.isolate)
        self.runs = 0
        self.time = TIME
        self.cleanup(delete=False)
        r = self.call(*(["--box-id=%d" % self.box.id, "--cg", "--init"] if self.master else
                        (["--cg"] if self.cg else []) + ["--box-id=%d" % self.box.id, "--init"]))
        assert r.returncode == 0, r

    def call(self, *args, timeout=60):
        return subprocess.run([self.isolate] + list(args), capture_output=True, text=True,
                              env=self.box.env(), timeout=timeout)

    def run(self, argv, stdio=True):
        opts = ["--cg"] if self.master else []
        opts += ["--box-id=%d" % self.box.id]
        if self.cg and not self.master:
            opts += ["--cg"]
        opts += ["--chdir=/tmp", "--dir=/tmp=%s:rw" % self.home, "--env=HOME=/tmp",
                 "--fsize=%d" % (1024 * 1024)]
        if stdio:
            opts += ["--stdin=/tmp/input.txt"]
        opts += ["--cg-mem=%d" % MEM_KIB] if self.cg else ["--mem=%d" % MEM_KIB]
        if stdio:
            opts += ["--stdout=/tmp/output.txt"]
        opts += ["--processes=1", "--stderr=/tmp/stderr.txt", "--time=%g" % self.time,
                 "--wall-time=%g" % (2 * self.time + 1)]
        meta = os.path.join(self.outer, "run.log.%d" % self.runs)
        self.runs += 1
        opts += ["--meta=%s" % meta, "--run", "--"] + argv
        r = self.call(*opts)
        assert r.returncode in (0, 1), r  # CMS: 2 is a sandbox failure
        return r, open(meta).read()

    def cleanup(self, delete=True):
        base = (["--cg"] if self.cg else []) + ["--box-id=%d" % self.box.id]
        if delete:
            self.call(*(base + ["--dir=/tmp=%s:rw" % self.home, "--run", "--", "/bin/chmod",
                                "777", "-R", "/tmp"]))
        r = self.call(*(base + ["--cleanup"]))
        assert r.returncode == 0, r

    def close(self):
        self.cleanup(delete=True)
        shutil.rmtree(self.box.tmp, ignore_errors=True)


CASES = [  # (payload action, task kind, CMS outcome, output written)
    ("ok", "stdio", "ok", True),
    ("ok", "fileio", "ok", True),
    ("exit1", "stdio", "nonzero", True),
    ("exit1", "fileio", "nonzero", True),
    # CMS's CheckTimeout accepts both kinds ("Execution timed out..."); on a loaded host the
    # burner may get less than 0.5 s of CPU within the 2 s of wall clock
    ("cpu", "stdio", ("timeout", "timeout-wall"), True),
    ("pause", "stdio", "timeout-wall", True),
    ("sleep", "stdio", "timeout-wall", True),
    ("select", "stdio", "timeout-wall", True),
    ("sigstop", "stdio", "timeout-wall", True),  # CMS's timeout-sigstop
]


def run_cases(cg, master):
    sb = CmsSandbox(cg, master)
    try:
        shutil.copy(harness.payload("cms_case"), os.path.join(sb.home, "prog"))
        os.chmod(os.path.join(sb.home, "prog"), 0o755)
        # An emulated VM (TCG) needs more than 0.5 s of CPU to start even a trivial program:
        # the limit is 20 times what this host needs for it (CMS's formulas unchanged).
        with open(os.path.join(sb.home, "input.txt"), "w") as f:
            f.write("7\n")
        sb.time = 10
        r, meta = sb.run(["./prog", "ok"])
        used = float(dict(l.split(":", 1) for l in meta.splitlines())["time"])
        sb.time = max(TIME, round(20 * used, 1))
        for action, kind, want, wrote in CASES:
            for f in ("input.txt", "output.txt"):
                if os.path.exists(os.path.join(sb.home, f)):
                    os.unlink(os.path.join(sb.home, f))
            with open(os.path.join(sb.home, "input.txt"), "w") as f:
                f.write("7\n")
            argv = ["./prog", action] + (["fileio"] if kind == "fileio" else [])
            r, meta = sb.run(argv, stdio=kind == "stdio")
            got = cms_outcome(meta)
            assert got in (want if isinstance(want, tuple) else (want,)), \
                (cg, master, action, kind, got, meta, r)
            if got.startswith("timeout"):
                assert "killed:1" in meta.splitlines(), (action, meta)
            out = open(os.path.join(sb.home, "output.txt")).read()
            assert (out == "correct 7\n") == wrote, (action, out)
        # OOM: CMS has no status of its own for it: killed (SG; with --cg the OOM killer) and
        # 0 points.  (On a loaded host the page faults may first use up the 2 s wall clock.)
        r, meta = sb.run(["./prog", "oom"])
        got = cms_outcome(meta)
        if cg:
            assert got in ("signal", "timeout", "timeout-wall"), meta
            assert got != "signal" or "cg-oom-killed:1" in meta.splitlines(), meta
        else:
            assert got in ("nonzero", "signal"), meta  # -m: malloc fails, or SIGSEGV
    finally:
        sb.close()


def test_cms_v151_with_cgroups():
    run_cases(cg=True, master=False)


def test_cms_v151_without_cgroups():
    run_cases(cg=False, master=False)


def test_cms_master():
    run_cases(cg=True, master=True)
