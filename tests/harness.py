"""Test harness for the integration suite: real binary, real kernel, run as root.

Every Box gets its own configuration file (box root and lock root under a fresh temp dir) and a
box id no other test uses, so tests run in parallel and never touch an operator's boxes.
"""
import os
import shutil
import subprocess
import tempfile
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("MI_BUILD", os.path.join(ROOT, "build"))
BIN = os.path.join(BUILD, "mini-isolate")
PAYLOADS = os.environ.get("MI_PAYLOADS", os.path.join(BUILD, "tests", "payloads"))
TMP = os.environ.get("MI_TEST_TMP", "/tmp")

# Set by run-tests.sh for the ASan+UBSan pass: the keeper carries the sanitizer runtime.
SANITIZED = os.environ.get("MI_SANITIZED") == "1"


class Skip(Exception):
    """Raised by a test that cannot say anything in this environment (reported as skipped)."""


_lock = threading.Lock()
_next_id = 1_000_000 + (os.getpid() % 100_000) * 100
USED_IDS = []


def new_box_id():
    global _next_id
    with _lock:
        _next_id += 1
        USED_IDS.append(_next_id)
        return _next_id


def payload(name):
    return os.path.join(PAYLOADS, name)


class Result:
    def __init__(self, proc, meta_text):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.meta_text = meta_text
        self.meta_keys = []
        self.meta = {}
        for line in meta_text.splitlines():
            if not line:
                continue
            k, _, v = line.partition(":")
            self.meta_keys.append(k)
            self.meta[k] = v

    def __repr__(self):
        return "rc=%s meta=%r stdout=%r stderr=%r" % (
            self.rc, self.meta_text, self.stdout[-2000:], self.stderr[-2000:])

    @property
    def status(self):
        return self.meta.get("status", "OK")

    def time(self):
        return float(self.meta["time"])

    def wall(self):
        return float(self.meta["time-wall"])


class Box:
    """A sandbox with its own config.  Use as a context manager: cleanup is always run."""

    def __init__(self, cg=False, init=True, conf_extra="", box_id=None):
        self.cg = cg
        self.id = box_id if box_id is not None else new_box_id()
        self.tmp = tempfile.mkdtemp(prefix="mi-test-", dir=TMP)
        os.chmod(self.tmp, 0o755)
        self.conf = os.path.join(self.tmp, "mini-isolate.conf")
        with open(self.conf, "w") as f:
            f.write("box_root = %s/boxes\nlock_root = %s/locks\nnum_boxes = 2147483647\n%s"
                    % (self.tmp, self.tmp, conf_extra))
        self.dir = os.path.join(self.tmp, "boxes", str(self.id))
        self.boxdir = os.path.join(self.dir, "box")
        self.inited = False
        if init:
            r = self.init()
            assert r.returncode == 0, r

    def env(self, extra=None):
        e = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "MINI_ISOLATE_CONFIG": self.conf}
        for k in ("PYTHONHOME", "ASAN_OPTIONS", "UBSAN_OPTIONS"):  # the VM runner's python
            if k in os.environ:
                e[k] = os.environ[k]
        if extra:
            e.update(extra)
        return e

    def cli(self, *args, input=None, timeout=120, env=None, binary=None):
        argv = [binary or BIN, "-b", str(self.id)] + (["--cg"] if self.cg else []) + list(args)
        return subprocess.run(argv, input=input, capture_output=True, timeout=timeout,
                              env=self.env(env), text=isinstance(input, str) or input is None,
                              errors="replace" if input is None or isinstance(input, str) else None)

    def init(self):
        r = self.cli("--init")
        if r.returncode == 0:
            self.inited = True
        return r

    def put(self, name, data=None, src=None, mode=0o755):
        """Copy a payload (src) or write data into the box directory, owned by root."""
        dst = os.path.join(self.boxdir, name)
        if src is not None:
            # Copied by cp, not by this process: a fork in another test thread would inherit
            # our write descriptor for a moment, and exec of the file would fail (ETXTBSY).
            subprocess.run(["cp", src, dst], check=True)
        else:
            with open(dst, "wb" if isinstance(data, bytes) else "w") as f:
                f.write(data)
        os.chmod(dst, mode)
        return dst

    def run(self, *cmd, opts=(), use_payload=True, timeout=120, input=None, env=None):
        """Run a command in the box.  If cmd[0] names a built payload, it is copied in first and
        run as ./name.  Returns a Result with the parsed meta file."""
        cmd = list(cmd)
        if use_payload and cmd and os.path.exists(payload(cmd[0])) and "/" not in cmd[0]:
            self.put(cmd[0], src=payload(cmd[0]))
            cmd[0] = "./" + cmd[0]
        meta = os.path.join(self.tmp, "meta")
        if os.path.exists(meta):
            os.unlink(meta)
        r = self.cli("-M", meta, *opts, "--run", "--", *cmd, timeout=timeout, input=input,
                     env=env)
        text = open(meta).read() if os.path.exists(meta) else ""
        return Result(r, text)

    def cleanup(self):
        return self.cli("--cleanup")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        r = self.cleanup()
        shutil.rmtree(self.tmp, ignore_errors=True)
        if exc[0] is None:
            assert r.returncode == 0, r
        return False


def cgroup_dirs(box_id):
    """Box cgroups of this id still present anywhere under /sys/fs/cgroup."""
    found = []
    for root, dirs, _ in os.walk("/sys/fs/cgroup"):
        for d in dirs:
            if d == "box-%d" % box_id:
                found.append(os.path.join(root, d))
        if root.count("/") > 6:
            dirs[:] = []
    return found


def uid_processes(uid):
    """PIDs (host view) of the processes whose real uid is `uid`."""
    found = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/status" % p) as f:
                for line in f:
                    if line.startswith("Uid:"):
                        if int(line.split()[1]) == uid:
                            found.append(int(p))
                        break
        except OSError:
            pass
    return found
