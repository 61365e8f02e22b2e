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
# The few wall-clock bounds of the tests ("ends promptly, not at the limit") are multiplied by
# this: 1 natively; the VM runner sets MI_TEST_SLOW, emulation (TCG) being ~10x slower.
SLOW = float(os.environ.get("MI_TEST_SLOW", "1"))


SUITE_CG_PARENT = "mi-suite-%d" % os.getpid()


class Skip(Exception):
    """Raised by a test that cannot say anything in this environment (reported as skipped)."""


# ---------------------------------------------------------------------------------------------
# Host probes.  A test whose verdict depends on a kernel feature asks here first: the probe runs
# a payload OUTSIDE any box (so no sandbox rule can be mistaken for the kernel's answer), once
# per feature and process, and the test raises Skip(reason) where the host lacks the feature
# and still asserts the verdict where it has it (CI lands on hosts of both kinds).
#
# Checked and needing no probe: every rule that kills or fails a call in the seccomp filter
# (unshare/clone of user namespaces, TIOCSTI, bpf, perf, x32 numbers, ...) acts at syscall
# entry, before the kernel looks the call up, so its verdict is the same whether the kernel
# has the feature, has it disabled by a sysctl, or was built without it.

def _sc(*args):
    """Run the sc_syscall payload on the host; (ret, errno) or None if it did not report."""
    r = subprocess.run([payload("sc_syscall")] + [str(a) for a in args], capture_output=True,
                       text=True, timeout=30)
    try:
        ret, err = r.stdout.split()
        return int(ret.split("=")[1]), int(err.split("=")[1])
    except ValueError:
        return None


def _probe_i386():
    # The box can only report "[i386]" if the kernel delivers int $0x80 to the syscall path:
    # kernels built without IA32_EMULATION, or booted with ia32_emulation=0, raise SIGSEGV
    # before any filter runs.
    r = subprocess.run([payload("sc_int80")], capture_output=True, text=True, timeout=30)
    if r.returncode == 0 and r.stdout.startswith("ret=") and int(r.stdout.split()[0][4:]) > 0:
        return None
    if r.returncode == -11:
        return ("this kernel refuses i386 system calls from 64-bit programs (int $0x80 outside "
                "the box dies with SIGSEGV: IA32_EMULATION off)")
    return "int $0x80 outside the box did not return a pid (rc %s, %r)" % (r.returncode, r.stdout)


def _probe_x32():
    got = _sc(0x40000000 | 39)  # getpid through the x32 table
    if got and got[0] > 0:
        return None
    return ("x32 system calls do not reach this kernel (getpid [x32] outside the box: %s; "
            "X86_X32_ABI off or syscall.x32=n)" % (got,))


def _probe_io_uring():
    # NULL params: EFAULT where io_uring exists, EPERM where kernel.io_uring_disabled refuses
    # it, ENOSYS only where the kernel was built without it.
    got = _sc(425, 8, 0)
    if got and got[1] != 38:
        return None
    return "io_uring is not in this kernel (io_uring_setup outside the box: ENOSYS)"


def _probe_landlock():
    got = _sc(444, 0, 0, 1)  # landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)
    if got and got[0] >= 1:
        return None
    why = {38: "not built (ENOSYS)", 95: "built but not enabled at boot (EOPNOTSUPP: lsm=)"}
    return "no Landlock in this kernel: %s" % why.get(got[1] if got else -1, got)


def _check_environment():
    return subprocess.run([BIN, "--check-environment"], capture_output=True, text=True,
                          env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}, timeout=60).stdout


def _probe_cg_file(name):
    # On the v1 backend the same data comes from files every v1 kernel has; on v2 the file is
    # looked for where box groups go (mini-isolate --check-environment does the looking).
    out = _check_environment()
    if "--cg backend: cgroup v1" in out:
        return None
    for line in out.splitlines():
        if line.strip().startswith(name + ":"):
            return None if line.split(":", 1)[1].split()[0] == "yes" else \
                "this kernel's cgroup v2 has no %s (%s)" % (name, line.strip())
    return "mini-isolate --check-environment says nothing about %s" % name


def _probe_memfd_noexec():
    if os.path.exists("/proc/sys/vm/memfd_noexec"):
        return None
    return "no vm.memfd_noexec in this kernel (< 6.3): memfds stay executable (docs/security.md)"


PROBES = {
    "memfd_noexec": _probe_memfd_noexec,
    "i386": _probe_i386,
    "x32": _probe_x32,
    "io_uring": _probe_io_uring,
    "landlock": _probe_landlock,
    "memory.peak": lambda: _probe_cg_file("memory.peak"),
    "cgroup.kill": lambda: _probe_cg_file("cgroup.kill"),
}
_probed = {}
_probe_lock = threading.Lock()


def host_lacks(feature):
    """Why the host lacks `feature` (a key of PROBES), or None if it has it."""
    with _probe_lock:
        if feature not in _probed:
            _probed[feature] = PROBES[feature]()
        return _probed[feature]


def need(*features):
    """Skip the calling test unless the host has every one of `features`."""
    for f in features:
        why = host_lacks(f)
        if why:
            raise Skip(why)


_lock = threading.Lock()
_next_id = 1_000_000 + (os.getpid() % 100_000) * 100
USED_IDS = []
USED_TMPS = []  # each Box's temp dir: the leftover check looks for mounts under these only


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
        with _lock:
            USED_TMPS.append(self.tmp)
        os.chmod(self.tmp, 0o755)
        self.conf = os.path.join(self.tmp, "mini-isolate.conf")
        with open(self.conf, "w") as f:
            # This suite's own cgroup parent: other suites (and an operator's boxes) never share
            # a group with ours; a test's conf_extra may set its own (later keys win).
            f.write("box_root = %s/boxes\nlock_root = %s/locks\nnum_boxes = 2147483647\n"
                    "cg_parent = %s\n%s" % (self.tmp, self.tmp, SUITE_CG_PARENT, conf_extra))
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
