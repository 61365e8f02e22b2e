"""Adversarial suite (issue 5, attack classes of attack-classes.md §4.2): one payload per attack,
tests/payloads/adv_*.c, listed with their expectations in docs/adversarial.md.

Every test asserts both that the attack was contained (the payload printed no "ESCAPED" line and
did not exit 42; host-side state is unchanged) and the expected verdict (meta key "verdict") and
isolate status.  At exit the module prints the table payload -> expected -> observed.

Expectations are the intended ones (the default syscall policy, namespaces, limits); a failing
test here is a hole to fix in the sandbox, never a reason to relax the expectation."""
import atexit
import fcntl
import hashlib
import os
import platform
import pty
import select
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import threading
import time

import harness
from harness import Box, BIN

X86_64 = platform.machine() == "x86_64"
GCC = shutil.which("gcc")
HAVE_CG = os.path.isdir("/sys/fs/cgroup")

# payload -> (class, expected, observed, ok)
RESULTS = {}
_rlock = threading.Lock()


def record(name, cls, expected, observed, ok):
    with _rlock:
        RESULTS[name] = (cls, expected, observed, ok)


def observed_of(r):
    v = r.meta.get("verdict", "?")
    st = r.meta.get("status", "OK")
    esc = " ESCAPED" if "ESCAPED" in r.stdout or r.meta.get("exitcode") == "42" else ""
    msg = r.meta.get("message", "")
    return "%s/%s%s%s" % (v, st, (" (" + msg + ")") if msg else "", esc)


def check(name, cls, r, verdicts, status=None, violation=None):
    """Assert containment and the verdict; record the row of the table either way."""
    if isinstance(verdicts, str):
        verdicts = (verdicts,)
    expected = "|".join(verdicts) + ((" " + violation) if violation else "")
    obs = observed_of(r)
    ok = False
    try:
        assert "ESCAPED" not in r.stdout, (name, "attack succeeded", r)
        assert r.meta.get("exitcode") != "42", (name, "attack succeeded", r)
        assert r.meta.get("verdict") in verdicts, (name, verdicts, r)
        if status is not None:
            assert r.meta.get("status", "OK") == status, (name, status, r)
        if violation is not None:
            assert r.status == "SG" and r.rc == 1, (name, r)
            assert violation in r.meta.get("message", ""), (name, violation, r)
            assert "ESCAPED" not in r.stdout and "reached the kernel" not in r.stdout, (name, r)
        if "Success" in verdicts and r.meta.get("verdict") == "Success":
            assert r.rc == 0, (name, r)
        ok = True
    finally:
        record(name, cls, expected, obs, ok)


def skip_row(name, cls, expected, why):
    """The host cannot show this attack's containment: a row saying so (neither contained nor
    not), and the test is reported as skipped with the reason."""
    record(name, cls, expected, "skipped: " + why, None)
    raise harness.Skip(why)


def fail_row(name, cls, expected, what):
    """Record a host-side containment failure found after the verdict check passed."""
    with _rlock:
        c, e, o, _ = RESULTS.get(name, (cls, expected, "", True))
        RESULTS[name] = (c, e, o + " HOST:" + what, False)


def host_assert(name, cls, cond, what):
    if not cond:
        fail_row(name, cls, "", what)
    assert cond, (name, what)


def secret_file(b, name="secret", uid=0, mode=0o600):
    p = os.path.join(b.tmp, name)
    with open(p, "w") as f:
        f.write("TOP SECRET expected output\n")
    os.chown(p, uid, uid)
    os.chmod(p, mode)
    return p


def file_state(p):
    st = os.lstat(p)
    with open(p, "rb") as f:
        data = f.read()
    return (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode), st.st_ino, data)


def raw_run(b, *cmd, opts=(), timeout=60, **popen):
    """Run the keeper directly (for a pty stdin or extra fds); returns (rc, stdout, stderr, meta)."""
    meta = os.path.join(b.tmp, "meta-raw")
    if os.path.exists(meta):
        os.unlink(meta)
    cmd = list(cmd)
    if os.path.exists(harness.payload(cmd[0])):
        b.put(cmd[0], src=harness.payload(cmd[0]))
        cmd[0] = "./" + cmd[0]
    argv = [BIN, "-b", str(b.id)] + (["--cg"] if b.cg else []) + ["-M", meta] + list(opts) + \
        ["--run", "--"] + cmd
    p = subprocess.run(argv, env=b.env(), timeout=timeout, capture_output=True, text=True,
                       errors="replace", **popen)
    text = open(meta).read() if os.path.exists(meta) else ""
    return harness.Result(p, text)


def wait_for(path, timeout=15):
    end = time.monotonic() + timeout * harness.SLOW
    while time.monotonic() < end:
        if os.path.exists(path):
            return True
        time.sleep(0.05)
    return False


def in_background(fn):
    out = {}

    def body():
        try:
            out["r"] = fn()
        except Exception as e:  # re-raised by the caller
            out["e"] = e
    t = threading.Thread(target=body)
    t.start()
    return t, out


def joined(t, out):
    t.join(120)
    if "e" in out:
        raise out["e"]
    return out["r"]


# ---------------------------------------------------------------------------------------------
# Simple cases: the payload alone shows containment.  (payload, class, opts, args, verdict,
# violation name or None).  "{secret}" in args is replaced by a root-only host file's path.
SECRET = "{secret}"
SIMPLE = [
    # 1 filesystem escape
    ("adv_fs_shadow", 1, [], [], "Success", None),
    ("adv_fs_dotdot", 1, [], [SECRET], "Success", None),
    ("adv_fs_proc_root", 1, ["-p4"], [SECRET], "Success", None),
    ("adv_fs_handle", 1, [], [], "SecurityViolation", "open_by_handle_at"),
    ("adv_fs_hardlink", 1, [], [], "Success", None),
    ("adv_fs_mknod", 1, [], [], "Success", None),
    ("adv_fs_mount", 1, [], [], "SecurityViolation", "mount"),
    ("adv_fs_umount", 1, [], [], "SecurityViolation", "umount2"),
    # 2 privilege
    ("adv_priv_caps", 2, [], [], "Success", None),
    ("adv_priv_userns", 2, [], [], "SecurityViolation", "unshare"),
    ("adv_priv_clone_newuser", 2, ["-p4"], [], "SecurityViolation", "clone"),
    ("adv_priv_ptrace_init", 2, [], [], "SecurityViolation", "ptrace"),
    ("adv_priv_process_vm", 2, [], [], "SecurityViolation", "process_vm_readv"),
    ("adv_priv_pid1", 2, [], [], "Success", None),
    ("adv_priv_setuid0", 2, [], [], "Success", None),
    ("adv_priv_uid_map", 2, [], [], "Success", None),
    # 3 kernel attack surface
    ("adv_k_bpf", 3, [], [], "SecurityViolation", "bpf"),
    ("adv_k_perf", 3, [], [], "SecurityViolation", "perf_event_open"),
    ("adv_k_userfaultfd", 3, [], [], "SecurityViolation", "userfaultfd"),
    ("adv_k_fsopen", 3, [], [], "SecurityViolation", "fsopen"),
    ("adv_k_open_tree", 3, [], [], "SecurityViolation", "open_tree"),
    ("adv_k_move_mount", 3, [], [], "SecurityViolation", "move_mount"),
    ("adv_k_kexec", 3, [], [], "SecurityViolation", "kexec_load"),
    ("adv_k_init_module", 3, [], [], "SecurityViolation", "init_module"),
    ("adv_k_setns", 3, [], [], "SecurityViolation", "setns"),
    ("adv_k_iopl", 3, [], [], "SecurityViolation", "iopl"),
    ("adv_k_tiocsti_hi", 3, [], [], "SecurityViolation", "ioctl"),
    ("adv_k_tioclinux_hi", 3, [], [], "SecurityViolation", "ioctl"),
    ("adv_k_x32", 3, [], [], "SecurityViolation", "[x32]"),
    ("adv_k_int80", 3, [], [], "SecurityViolation", "[i386]"),
    ("adv_k_io_uring", 3, [], [], "Success", None),
    ("adv_k_keyctl", 3, [], [], "Success", None),
    ("adv_k_clone3", 3, ["-p4"], [], "Success", None),
    ("adv_k_openat2", 3, [], [SECRET], "Success", None),
    ("adv_k_personality", 3, [], [], "Success", None),
    ("adv_k_memfd_exec", 3, ["-p4"], [], "Success", None),
    ("adv_k_own_filter", 3, [], [], "Success", None),
    # 4 cross-box / host channels (single-box ones)
    ("adv_x_lease", 4, [], [], "Success", None),
    ("adv_x_vsock", 4, [], [], "Success", None),
    ("adv_x_inotify", 4, [], [], "Success", None),
    # 5 terminal (no tty given)
    ("adv_t_tioclinux", 5, [], [], "SecurityViolation", "ioctl"),
    # 6 network
    ("adv_n_dns", 6, [], [], "Success", None),
    ("adv_n_ifaces", 6, [], [], "Success", None),
    ("adv_n_raw", 6, [], [], "Success", None),
    # 7 resource exhaustion
    ("adv_r_devshm_fill", 7, [], [], "Success", None),
    ("adv_r_fd_exhaust", 7, ["-n", "64"], [], "Success", None),
    ("adv_r_stack_rlimit", 7, ["-p1", "-f", "1024", "-n", "64", "-m", "262144"], [], "Success",
     None),
    ("adv_r_tmp_fill", 7, ["-f", "10240", "-w", "20"], [], "FileSizeLimit", None),
    # 8 escape from limits
    ("adv_l_sleep", 8, ["-t", "1", "-w", "1"], [], "TimeLimit", None),
    ("adv_l_ignore_term", 8, ["-t", "1", "-w", "3"], [], "TimeLimit", None),
    ("adv_l_kill_init", 8, [], [], "Success", None),
    # 9 measurement tampering
    ("adv_m_wallclock", 9, ["-w", "1"], [], "TimeLimit", None),
    ("adv_m_raise_xfsz", 9, [], [], "Signaled", None),
    # 11 timing / noise audit
    ("adv_a_rdtsc", 11, [], [], "Success", None),
    ("adv_a_sched", 11, [], [], "Success", None),
]

X86_ONLY = {"adv_k_x32", "adv_k_int80", "adv_k_iopl", "adv_a_rdtsc"}
# Attacks whose verdict needs a kernel feature (harness.PROBES, probed outside the box): without
# i386 entry int $0x80 is a SIGSEGV before any filter; without io_uring the kernel's own ENOSYS
# is indistinguishable from the policy's.
NEEDS = {"adv_k_int80": "i386", "adv_k_io_uring": "io_uring", "adv_k_memfd_exec": "memfd_noexec"}
STATUS = {"TimeLimit": "TO", "FileSizeLimit": "SG", "SecurityViolation": "SG", "Success": "OK",
          "Signaled": "SG"}


def _make_simple(payload, cls, opts, args, verdict, violation):
    def test():
        if payload in X86_ONLY and not X86_64:
            skip_row(payload, cls, verdict, "x86-only attack, the host is " + platform.machine())
        if payload in NEEDS and harness.host_lacks(NEEDS[payload]):
            skip_row(payload, cls, verdict, harness.host_lacks(NEEDS[payload]))
        with Box() as b:
            secret = secret_file(b)
            before = file_state(secret)
            r = b.run(payload, *[secret if a == SECRET else a for a in args], opts=opts,
                      timeout=60)
            check(payload, cls, r, verdict, STATUS.get(verdict), violation)
            host_assert(payload, cls, file_state(secret) == before, "host secret changed")
            if verdict == "TimeLimit":
                assert r.meta.get("killed") == "1", r
    test.__name__ = "test_" + payload
    return test


for _case in SIMPLE:
    globals()["test_" + _case[0]] = _make_simple(*_case)


# ---------------------------------------------------------------------------------------------
# 1. Filesystem escape: host-side effects

def test_adv_fs_selfexe():
    with Box() as b:
        h = hashlib.sha256(open(BIN, "rb").read()).hexdigest()
        st = os.stat(BIN)
        r = b.run("adv_fs_selfexe", opts=["-p4"])
        check("adv_fs_selfexe", 1, r, "Success", "OK")
        host_assert("adv_fs_selfexe", 1,
                    hashlib.sha256(open(BIN, "rb").read()).hexdigest() == h and
                    os.stat(BIN).st_mode == st.st_mode, "sandbox binary modified")


def test_adv_fs_symlink_host():
    with Box() as b:
        secret = secret_file(b)
        other = secret_file(b, "owned", uid=4242, mode=0o640)
        states = {p: file_state(p) for p in (secret, other)}
        shadow = os.stat("/etc/shadow") if os.path.exists("/etc/shadow") else None
        r = b.run("adv_fs_symlink_host", secret, other, "/etc/shadow", b.tmp)
        check("adv_fs_symlink_host", 1, r, "Success", "OK")
        for p, s in states.items():
            host_assert("adv_fs_symlink_host", 1, file_state(p) == s, "%s changed" % p)
        if shadow:
            s2 = os.stat("/etc/shadow")
            host_assert("adv_fs_symlink_host", 1, (s2.st_uid, s2.st_mode) ==
                        (shadow.st_uid, shadow.st_mode), "/etc/shadow changed")
        host_assert("adv_fs_symlink_host", 1, os.stat(b.tmp).st_uid == 0, "dir chowned")
        left = [n for n in os.listdir(b.boxdir) if os.path.islink(os.path.join(b.boxdir, n))]
        host_assert("adv_fs_symlink_host", 1, left == [], "links left in box: %s" % left)


def test_adv_fs_symlink_output():
    with Box() as b:
        target = secret_file(b, "judge-file", uid=0, mode=0o644)
        before = file_state(target)
        r = b.run("adv_fs_symlink_output", target, "output")
        check("adv_fs_symlink_output", 1, r, "Success", "OK")
        # the judge's next run writes its output to the same name
        r2 = b.run("hello", "again", opts=["-o", "output"])
        assert r2.rc == 0 and r2.meta.get("verdict") == "Success", r2
        out = os.path.join(b.boxdir, "output")
        host_assert("adv_fs_symlink_output", 1, file_state(target) == before,
                    "write followed the planted link")
        host_assert("adv_fs_symlink_output", 1,
                    not os.path.islink(out) and open(out).read() == "hello again\n",
                    "output is not a fresh box file")


def test_adv_fs_share_plant():
    name = "adv_fs_share_plant"
    with Box() as b:
        share = os.path.join(b.tmp, "share")
        os.makedirs(os.path.join(share, "sub"))
        for p in (share, os.path.join(share, "sub")):
            os.chmod(p, 0o777)
        r = b.run(name, "plant", opts=["-d", "/share=%s:rw" % share])
        check(name + " [plant]", 1, r, "Success", "OK")
        planted = os.path.islink(os.path.join(share, "sub"))
        r = b.run(name, "read", opts=["-d", "/share=%s:rw" % share,
                                      "-d", "/other=%s/sub" % share])
        if planted:
            check(name, 1, r, "InternalError", "XX")
        else:
            check(name, 1, r, ("Success", "InternalError"))


def test_adv_fs_fifo():
    with Box() as b:
        r = b.run("adv_fs_fifo", timeout=30)
        check("adv_fs_fifo", 1, r, "Success", "OK")
        fifos = [n for n in os.listdir(b.boxdir)
                 if stat.S_ISFIFO(os.lstat(os.path.join(b.boxdir, n)).st_mode)]
        host_assert("adv_fs_fifo", 1, fifos == [], "fifos left: %s" % fifos)
        # next run writing to the trap's name, and the cleanup, must not hang
        r2 = b.run("hello", opts=["-o", "output", "-w", "5"], timeout=30)
        assert r2.rc == 0, r2
        c = b.cli("--cleanup", timeout=30)
        assert c.returncode == 0, c


def test_adv_fs_ro_system():
    with Box() as b:
        r = b.run("adv_fs_ro_system")
        check("adv_fs_ro_system", 1, r, "Success", "OK")
        for p in ("/usr/mi-adv-probe", "/bin/mi-adv-probe", "/lib/mi-adv-probe",
                  "/lib64/mi-adv-probe", "/usr/bin/env2"):
            host_assert("adv_fs_ro_system", 1, not os.path.lexists(p), "host has " + p)
        host_assert("adv_fs_ro_system", 1, os.path.exists("/usr/bin/env"), "/usr/bin/env gone")


def test_adv_fs_deep_tree():
    with Box() as b:
        r = b.run("adv_fs_deep_tree", "10000", opts=["-w", "60"], timeout=120)
        check("adv_fs_deep_tree", 1, r, "Success", "OK")
        d = os.path.join(b.boxdir, "d")
        host_assert("adv_fs_deep_tree", 1, os.lstat(d).st_uid == 0, "tree not handed back")
        r2 = b.run("hello", timeout=120)  # hand-over walk of the deep tree
        assert r2.rc == 0, r2
        c = b.cli("--cleanup", timeout=120)
        host_assert("adv_fs_deep_tree", 1, c.returncode == 0 and not os.path.exists(b.dir),
                    "cleanup of a 10000-deep tree failed: %s" % c.stderr[-300:])


def test_adv_fs_leaked_fds():
    with Box() as b:
        # The judge has a host directory and a secret open: neither may reach the box.
        secret = secret_file(b)
        fd1 = os.open(secret, os.O_RDONLY)
        fd2 = os.open(b.tmp, os.O_RDONLY | os.O_DIRECTORY)
        try:
            r = raw_run(b, "adv_fs_leaked_fds", pass_fds=(fd1, fd2), cwd=b.tmp)
        finally:
            os.close(fd1)
            os.close(fd2)
        check("adv_fs_leaked_fds", 1, r, "Success", "OK")


# ---------------------------------------------------------------------------------------------
# 2. Privilege

def test_adv_priv_setuid_bin():
    with Box() as b:
        b.put("suid", src=harness.payload("adv_priv_setuid_bin"), mode=0o755)
        s = os.path.join(b.boxdir, "suid")
        os.chown(s, 0, 0)
        os.chmod(s, 0o4755)
        r = b.run("adv_priv_setuid_bin", opts=["-p4"])
        check("adv_priv_setuid_bin", 2, r, "Success", "OK")
        assert "setuid-root binary ran" in r.stdout, r


# ---------------------------------------------------------------------------------------------
# 4. Cross-box channels: two boxes at once

def two_boxes(payload, secs=4, extra_host_check=None):
    with Box() as a, Box() as b:
        t, out = in_background(lambda: a.run(payload, "put", str(secs), timeout=60))
        ready = wait_for(os.path.join(a.boxdir, "ready"))
        host_ok = extra_host_check() if (ready and extra_host_check) else True
        rb = b.run(payload, "get")
        ra = joined(t, out)
        assert ra.rc == 0 and "put" in ra.stdout, ("put side failed", ra)
        assert ready, ("put side never got ready", ra)
        check(payload, 4, rb, "Success", "OK")
        host_assert(payload, 4, host_ok, "object visible on the host")


def _not_in_sysvipc(kind, key):
    def f():
        try:
            lines = open("/proc/sysvipc/" + kind).read().split("\n")[1:]
        except OSError:
            return True
        return not any(l.split() and l.split()[0] == str(key) for l in lines)
    return f


def test_adv_x_sysv_shm():
    two_boxes("adv_x_sysv_shm", extra_host_check=_not_in_sysvipc("shm", 0x4d490001))


def test_adv_x_sysv_msg():
    two_boxes("adv_x_sysv_msg", extra_host_check=_not_in_sysvipc("msg", 0x4d490002))


def test_adv_x_sysv_sem():
    two_boxes("adv_x_sysv_sem", extra_host_check=_not_in_sysvipc("sem", 0x4d490003))


def test_adv_x_mqueue():
    two_boxes("adv_x_mqueue", extra_host_check=lambda: not os.path.exists("/dev/mqueue/mi-adv"))


def test_adv_x_devshm():
    two_boxes("adv_x_devshm", extra_host_check=lambda: not os.path.exists("/dev/shm/mi-adv"))


def test_adv_x_abstract_unix():
    name = "mi-adv-%d-%d" % (os.getpid(), threading.get_ident() % 100000)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind("\0" + name)
    srv.listen(4)
    srv.setblocking(False)
    try:
        with Box() as b:
            r = b.run("adv_x_abstract_unix", name)
            check("adv_x_abstract_unix", 4, r, "Success", "OK")
            try:
                c, _ = srv.accept()
                c.close()
                got = True
            except BlockingIOError:
                got = False
            host_assert("adv_x_abstract_unix", 4, not got, "host socket got a connection")
    finally:
        srv.close()


def test_adv_x_kill_all():
    victim = subprocess.Popen(["sleep", "60"])
    try:
        with Box() as a, Box() as b:
            t, out = in_background(lambda: b.run("sleeper", "3", opts=["-w", "20"], timeout=60))
            time.sleep(0.5)
            r = a.run("adv_x_kill_all", str(victim.pid), "1", "2", str(os.getpid()),
                      opts=["-p4"])
            check("adv_x_kill_all", 4, r, "Success", "OK")
            rb = joined(t, out)
            host_assert("adv_x_kill_all", 4, rb.rc == 0 and rb.stdout == "slept\n",
                        "the other box's run was hurt: %r" % rb)
            host_assert("adv_x_kill_all", 4, victim.poll() is None, "host process killed")
    finally:
        victim.kill()
        victim.wait()


def test_adv_x_proc_leak():
    with Box() as b:
        r = b.run("adv_x_proc_leak", b.tmp, opts=["-p2"])
        check("adv_x_proc_leak", 4, r, "Success", "OK")
        leak = [l for l in r.stdout.splitlines() if "mountinfo" in l]
        with _rlock:
            c, e, o, ok = RESULTS["adv_x_proc_leak"]
            RESULTS["adv_x_proc_leak"] = (c, e, o + " [" + (leak[0][6:] if leak else "") + "]", ok)


def test_adv_x_env_secret():
    with Box() as b:
        env = {"MI_ADV_SECRET": "hunter2"}
        r = b.run("adv_x_env_secret", env=env)
        check("adv_x_env_secret", 4, r, "Success", "OK")
        assert "hunter2" not in r.stdout
        # control: with -e the variable is passed on purpose, so the probe sees it
        r2 = b.run("adv_x_env_secret", opts=["-e"], env=env)
        assert r2.meta.get("exitcode") == "42" and "hunter2" in r2.stdout, r2


def test_adv_x_flock():
    target = "/usr/bin/env"
    with Box() as b:
        t, out = in_background(lambda: b.run("adv_x_flock", target, "3"))
        ready = wait_for(os.path.join(b.boxdir, "ready"))
        host_locked = None
        if ready:
            with open(target, "rb") as f:
                try:
                    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    fcntl.flock(f, fcntl.LOCK_UN)
                    host_locked = True
                except BlockingIOError:
                    host_locked = False
        r = joined(t, out)
        check("adv_x_flock", 4, r, "Success", "OK")
        host_assert("adv_x_flock", 4, host_locked is True, "host could not lock the shared file")


def test_adv_x_other_box():
    with Box() as a, Box() as victim:
        exp = victim.put("expected.out", "42\n", mode=0o644)
        r = a.run("adv_x_other_box", exp, victim.boxdir, victim.dir, victim.tmp)
        check("adv_x_other_box", 4, r, "Success", "OK")


# ---------------------------------------------------------------------------------------------
# 5. Terminal: the judge runs on a real terminal

def with_pty(payload, verdict, violation=None):
    master, slave = pty.openpty()
    try:
        with Box() as b:
            r = raw_run(b, payload, stdin=slave, timeout=30)
            check(payload, 5, r, verdict, STATUS.get(verdict), violation)
            got = b""
            while select.select([master], [], [], 0.2)[0]:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                got += chunk
            # anything injected with TIOCSTI shows up as input echoed on the master
            host_assert(payload, 5, b"id" not in got, "keystrokes injected: %r" % got)
    finally:
        os.close(master)
        os.close(slave)


def test_adv_t_tiocsti():
    with_pty("adv_t_tiocsti", "SecurityViolation", "ioctl")


def test_adv_t_devtty():
    with_pty("adv_t_devtty", "Success")


# ---------------------------------------------------------------------------------------------
# 6. Network

def test_adv_n_loopback():
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    srv.setblocking(False)
    try:
        with Box() as b:
            r = b.run("adv_n_loopback", str(srv.getsockname()[1]))
            check("adv_n_loopback", 6, r, "Success", "OK")
            try:
                srv.accept()[0].close()
                got = True
            except BlockingIOError:
                got = False
            host_assert("adv_n_loopback", 6, not got, "host service reached")
    finally:
        srv.close()


def test_adv_n_external():
    with Box() as b:
        r = b.run("adv_n_external", opts=["-w", "20"])
        check("adv_n_external", 6, r, "Success", "OK")
        host_assert("adv_n_external", 6, r.wall() < 5, "connects hung (%.2fs)" % r.wall())


# ---------------------------------------------------------------------------------------------
# 7. Resource exhaustion

def no_box_processes(b):
    """Processes still in the box's cgroups (cgroup mode)."""
    left = []
    for d in harness.cgroup_dirs(b.id):
        for fn in ("cgroup.procs", "tasks"):
            p = os.path.join(d, fn)
            if os.path.exists(p):
                left += open(p).read().split()
    return left


def test_adv_r_forkbomb():
    with Box() as b:
        r = b.run("adv_r_forkbomb", opts=["-w", "10"], timeout=60)
        check("adv_r_forkbomb", 7, r, "RuntimeError", "RE")
        assert "fork refused" in r.stdout, r


def test_adv_r_forkbomb_cg():
    with Box(cg=True) as b:
        r = b.run("adv_r_forkbomb", opts=["-p20", "-w", str(10 * harness.SLOW)],
                  timeout=60 * harness.SLOW)
        check("adv_r_forkbomb [--cg -p20]", 7, r, "ProcessLimit", "RE")
        host_assert("adv_r_forkbomb [--cg -p20]", 7, no_box_processes(b) == [],
                    "processes left")


def test_adv_r_threadbomb():
    with Box() as b:
        r = b.run("adv_r_threadbomb", opts=["-p20", "-w", "10"], timeout=60)
        check("adv_r_threadbomb", 7, r, "RuntimeError", "RE")


def test_adv_r_threadbomb_cg():
    with Box(cg=True) as b:
        r = b.run("adv_r_threadbomb", opts=["-p20", "-w", "10"], timeout=60)
        check("adv_r_threadbomb [--cg -p20]", 7, r, "ProcessLimit", "RE")


def test_adv_r_membomb_cg():
    with Box(cg=True) as b:
        r = b.run("adv_r_membomb", opts=["--cg-mem", "65536", "-w", "20"], timeout=60)
        check("adv_r_membomb [--cg-mem 64M]", 7, r, "MemoryLimit", "SG")
        assert r.meta.get("cg-oom-killed") == "1", r


def test_adv_r_inode_flood():
    with Box() as b:
        r = b.run("adv_r_inode_flood", "100000", opts=["-w", str(60 * harness.SLOW)],
                  timeout=120 * harness.SLOW)
        check("adv_r_inode_flood", 7, r, "Success", "OK")
        info = [l[6:] for l in r.stdout.splitlines() if l.startswith("info: ")]
        with _rlock:
            c, e, o, ok = RESULTS["adv_r_inode_flood"]
            RESULTS["adv_r_inode_flood"] = (c, e, o + " [" + "; ".join(info) + "]", ok)
        c = b.cli("--cleanup", timeout=60)
        host_assert("adv_r_inode_flood", 7, c.returncode == 0 and not os.path.exists(b.dir),
                    "cleanup failed")


def _quota_stop(r, key):
    for l in r.stdout.splitlines():
        if l.startswith("info: quota stop "):
            kv = dict(x.split("=") for x in l.split()[3:])
            return int(kv[key]), kv["errno"]
    return None, None


def test_adv_r_quota():
    """-q blocks,inodes at --init: one bound for box/ and /tmp together; the program sees ENOSPC
    (isolate's ext quota: EDQUOT) and its own exit decides the verdict, as in isolate."""
    name = "adv_r_quota"
    with Box(init=False) as b:
        r = b.cli("-q", "2048,50", "--init")
        assert r.returncode == 0, r
        b.inited = True
        r = b.run(name, "/box", "bytes", opts=["-w", "20"])
        check(name + " [box bytes]", 7, r, "Success", "OK")
        n, e = _quota_stop(r, "bytes")
        used = (n or 0) + os.path.getsize(os.path.join(b.boxdir, name))  # the payload is there
        host_assert(name, 7, n is not None and 1900 * 1024 <= used <= (2048 + 64) * 1024,
                    "box/ took %s bytes (%s) under a 2048 KiB quota" % (used, e))
        # the same bound covers /tmp: box/fill still holds almost all of it
        r = b.run(name, "/tmp", "bytes", opts=["-w", "20"])
        check(name + " [tmp bytes]", 7, r, "Success", "OK")
        m, e = _quota_stop(r, "bytes")
        host_assert(name, 7, m is not None and m <= 512 * 1024,
                    "/tmp took %s more bytes past the box's quota" % m)
        os.unlink(os.path.join(b.boxdir, "fill"))
        r = b.run(name, "/tmp", "inodes", opts=["-w", "20"])
        check(name + " [tmp inodes]", 7, r, "Success", "OK")
        n, e = _quota_stop(r, "inodes")
        host_assert(name, 7, n is not None and 40 <= n <= 50 + 16,
                    "%s files under a 50-inode quota" % n)
        # a quota is given to --init: anywhere else it is a usage error, not ignored
        r = b.cli("-q", "10,10", "--run", "--", "/bin/true")
        host_assert(name, 7, r.returncode == 2 and "--init" in r.stderr, "-q at --run: %r" % r)
        c = b.cli("--cleanup")
        host_assert(name, 7, c.returncode == 0 and not os.path.exists(b.dir) and
                    b.dir not in open("/proc/self/mountinfo").read(), "cleanup left %r" % c)


def test_adv_r_quota_judge_copy():
    """What the judge copies in counts too (it shares the bound), and the files stay readable
    by the judge after the run."""
    with Box(init=False) as b:
        r = b.cli("-q", "1024,0", "--init")
        assert r.returncode == 0, r
        b.inited = True
        with open(os.path.join(b.boxdir, "big"), "wb") as f:
            try:
                f.write(b"x" * (2 << 20))
                f.flush()
                full = False
            except OSError:
                full = True
        host_assert("adv_r_quota [judge copy]", 7, full, "the judge wrote 2 MiB into a 1 MiB box")
        os.unlink(os.path.join(b.boxdir, "big"))
        r = b.run("adv_r_quota", "/box", "bytes", opts=["-w", "20"])
        check("adv_r_quota [after judge copy]", 7, r, "Success", "OK")
        n, _ = _quota_stop(r, "bytes")
        with open(os.path.join(b.boxdir, "fill"), "rb") as f:
            host_assert("adv_r_quota [after judge copy]", 7, len(f.read()) == n,
                        "output not readable after the run")


def test_adv_r_output_flood():
    with Box() as b:
        r = b.run("adv_r_output_flood", opts=["-o", "out", "-f", "1024", "-w", "20"])
        check("adv_r_output_flood", 7, r, "FileSizeLimit", "SG")
        assert r.meta.get("exitsig") == "25", r
        host_assert("adv_r_output_flood", 7,
                    os.path.getsize(os.path.join(b.boxdir, "out")) <= 1024 * 1024, "out too big")


def test_adv_r_argv():
    with Box() as b:
        args = [("%02d" % i) * 32768 for i in range(16)]  # 16 x 64 KiB = 1 MiB of arguments
        big = "B" * 100000
        r = b.run("adv_r_argv", *args, opts=["-E", "BIG=" + big])
        check("adv_r_argv", 7, r, "Success", "OK")
        want = "argc=17 argv_bytes=%d" % (len("./adv_r_argv") + 1 + 16 * 65537)
        assert want in r.stdout and "big=100000" in r.stdout, r.stdout


def test_adv_r_core():
    with Box() as b:
        r = b.run("adv_r_core", opts=["--core", "0", "-p4"])
        check("adv_r_core", 7, r, "Signaled", "SG")
        assert r.meta.get("exitsig") == "6", r
        cores = [n for n in os.listdir(b.boxdir) if n.startswith("core")]
        host_assert("adv_r_core", 7, cores == [], "core files: %s" % cores)


# ---------------------------------------------------------------------------------------------
# 8. Escape from limits / cleanup

def _orphan(b, name, opts):
    r = b.run("adv_l_orphan", opts=opts + ["-w", "10"], timeout=60)
    check(name, 8, r, "Success", "OK")
    hb = os.path.join(b.boxdir, "heartbeat")
    s1 = os.path.getsize(hb) if os.path.exists(hb) else 0
    time.sleep(0.6)
    s2 = os.path.getsize(hb) if os.path.exists(hb) else 0
    host_assert(name, 8, s1 == s2, "orphan still running after --run (%d -> %d)" % (s1, s2))


def test_adv_l_orphan():
    with Box() as b:
        _orphan(b, "adv_l_orphan", ["-p4"])


def test_adv_l_orphan_cg():
    with Box(cg=True) as b:
        _orphan(b, "adv_l_orphan [--cg]", ["-p10"])
        host_assert("adv_l_orphan [--cg]", 8, no_box_processes(b) == [], "processes left")


def test_adv_l_sigstop():
    with Box() as b:
        r = b.run("adv_l_sigstop", opts=["-w", "1"], timeout=30)
        check("adv_l_sigstop", 8, r, "TimeLimit", "TO")
        assert r.meta.get("message") == "Time limit exceeded (wall clock)", r
        assert r.meta.get("killed") == "1" and r.wall() >= 1.0, r
        r = b.run("adv_l_sigstop", opts=["-t", "1"], timeout=30)
        check("adv_l_sigstop [no -w]", 8, r, "Signaled", "SG")
        assert r.meta["message"].startswith("Stopped by signal 19 (killed"), r


def test_adv_l_threads_cpu_cg():
    with Box(cg=True) as b:
        r = b.run("adv_l_threads_cpu", opts=["-p10", "-t", "1", "-w", "10"], timeout=60)
        check("adv_l_threads_cpu [--cg]", 8, r, "TimeLimit", "TO")
        assert r.time() >= 1.0 and r.meta.get("message") == "Time limit exceeded", r
        with _rlock:
            c, e, o, ok = RESULTS["adv_l_threads_cpu [--cg]"]
            RESULTS["adv_l_threads_cpu [--cg]"] = (
                c, e, o + " time=%s wall=%s" % (r.meta.get("time"), r.meta.get("time-wall")), ok)


def test_adv_l_fork_exit_cg():
    with Box(cg=True) as b:
        r = b.run("adv_l_fork_exit", opts=["-p4", "-w", "10"], timeout=60)
        check("adv_l_fork_exit [--cg]", 8, r, "Success", "OK")
        host_assert("adv_l_fork_exit [--cg]", 8, no_box_processes(b) == [], "burner survived")


def test_adv_l_keeper_signal():
    """Keeper robustness: the judge's keeper gets SIGTERM while a program (that ignores every
    signal it can) runs: the run ends as Interrupted at once and nothing of the box survives."""
    with Box(cg=True) as b:
        b.put("adv_l_ignore_term", src=harness.payload("adv_l_ignore_term"))
        meta = os.path.join(b.tmp, "meta-sig")
        argv = [BIN, "-b", str(b.id), "--cg", "-M", meta, "-w", "30", "--run", "--",
                "./adv_l_ignore_term"]
        p = subprocess.Popen(argv, env=b.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        # The program runs (as the box uid) before the keeper is signalled: on a slow host (an
        # emulated VM) a fixed delay can hit the keeper before it has set up its handlers.
        end = time.monotonic() + 30
        while not harness.uid_processes(60000 + b.id) and time.monotonic() < end:
            time.sleep(0.05)
        time.sleep(0.2)
        p.send_signal(signal.SIGTERM)
        try:
            out, err = p.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            raise AssertionError("keeper did not stop on SIGTERM")
        r = harness.Result(subprocess.CompletedProcess(argv, p.returncode, out, err),
                           open(meta).read() if os.path.exists(meta) else "")
        check("adv_l_ignore_term [keeper SIGTERM]", 8, r, "InternalError", "SG")
        assert r.meta.get("message") == "Interrupted" and r.meta.get("exitsig") == "15", r
        host_assert("adv_l_ignore_term [keeper SIGTERM]", 8, no_box_processes(b) == [],
                    "processes left")


# ---------------------------------------------------------------------------------------------
# 9. Measurement tampering

def test_adv_m_settime():
    with Box() as b:
        w0, m0 = time.time(), time.monotonic()
        r = b.run("adv_m_settime")
        check("adv_m_settime", 9, r, "Success", "OK")
        drift = (time.time() - w0) - (time.monotonic() - m0)
        host_assert("adv_m_settime", 9, abs(drift) < 5, "host clock moved by %.1fs" % drift)


def test_adv_m_maxrss():
    with Box() as b:
        r = b.run("adv_m_maxrss")
        check("adv_m_maxrss", 9, r, "Success", "OK")
        if harness.SANITIZED:
            # The program's pre-exec process is a copy of the keeper, whose RSS the kernel
            # carries into ru_maxrss: with the sanitizer runtime that copy alone is ~6 MiB.
            raise harness.Skip("max-rss includes the sanitizer runtime of the keeper")
        host_assert("adv_m_maxrss", 9, int(r.meta["max-rss"]) < 5120,
                    "max-rss %s KiB for a tiny program" % r.meta["max-rss"])


def test_adv_m_hidden_cpu_cg():
    with Box(cg=True) as b:
        r = b.run("adv_m_hidden_cpu", opts=["-p4", "-w", "15"], timeout=60)
        check("adv_m_hidden_cpu [--cg]", 9, r, "Success", "OK")
        host_assert("adv_m_hidden_cpu [--cg]", 9, r.time() >= 1.0,
                    "CPU of a late-reaped grandchild not counted (time %s)" % r.meta.get("time"))


def test_adv_m_live_cpu():
    """Issue 11 item 1: without --cg a child that computes the answer and never exits."""
    with Box() as b:
        t0 = time.monotonic()
        r = b.run("adv_m_live_cpu", "1.5", opts=["-p4", "-t", "1", "-w", "20"], timeout=60)
        check("adv_m_live_cpu [-t 1]", 9, r, "TimeLimit", "TO")
        # stopped by the limit while the child ran, not at the wall limit
        host_assert("adv_m_live_cpu [-t 1]", 9, r.wall() < 15 and time.monotonic() - t0 < 30,
                    "CPU limit fired late (wall %s)" % r.meta.get("time-wall"))
    with Box() as b:
        r = b.run("adv_m_live_cpu", "0.6", opts=["-p4", "-t", "5", "-w", "30"], timeout=60)
        check("adv_m_live_cpu [end]", 9, r, "Success", "OK")
        host_assert("adv_m_live_cpu [end]", 9, r.time() >= 0.5,
                    "CPU of a child alive at the end not counted (time %s)" % r.meta.get("time"))


# ---------------------------------------------------------------------------------------------
# 10. Compile-time attacks: gcc runs inside the box

GCC_OPTS = ["-p50", "--cg-mem", "262144", "-E", "PATH=/usr/bin:/bin"]


def _gcc_case(payload, opts, verdicts, status=None, args=()):
    if not GCC:
        skip_row(payload, 10, "|".join(verdicts), "no gcc on this host")
    with Box(cg=True) as b:
        t0 = time.monotonic()
        r = b.run(payload, *args, opts=GCC_OPTS + opts, timeout=120)
        check(payload, 10, r, verdicts, status)
        host_assert(payload, 10, time.monotonic() - t0 < 60, "judge held too long")
        return r, b


def test_adv_c_gcc_ok():
    if not GCC:
        return _gcc_case("adv_c_gcc_ok", [], ("Success",))
    with Box(cg=True) as b:
        r = b.run("adv_c_gcc_ok", opts=GCC_OPTS + ["-t", "20", "-w", "40"], timeout=120)
        check("adv_c_gcc_ok", 10, r, "Success", "OK")
        assert os.path.exists(os.path.join(b.boxdir, "ok")), r


def test_adv_c_include_zero():
    _gcc_case("adv_c_include_zero", ["-t", "5", "-w", "10"], ("MemoryLimit", "TimeLimit"))


def test_adv_c_include_shadow():
    if not GCC:
        return _gcc_case("adv_c_include_shadow", [], ("Success",))
    with Box(cg=True) as b:
        secret = secret_file(b)
        r = b.run("adv_c_include_shadow", secret, opts=GCC_OPTS + ["-t", "10", "-w", "20"],
                  timeout=120)
        check("adv_c_include_shadow", 10, r, "Success", "OK")
        assert "TOP SECRET" not in r.stdout + r.stderr, r


def test_adv_c_macro_bomb():
    _gcc_case("adv_c_macro_bomb", ["-t", "3", "-w", "8"], ("TimeLimit", "MemoryLimit"))


def test_adv_c_output_bomb():
    if not GCC:
        return _gcc_case("adv_c_output_bomb", [], ("FileSizeLimit", "TimeLimit"))
    with Box(cg=True) as b:
        cc1 = subprocess.run([GCC, "-print-prog-name=cc1"], capture_output=True,
                             text=True).stdout.strip()
        r = b.run("adv_c_output_bomb", cc1,
                  opts=GCC_OPTS + ["-f", "10240", "-t", "5", "-w", "10"], timeout=120)
        check("adv_c_output_bomb", 10, r, ("FileSizeLimit", "TimeLimit"))
        oi = os.path.join(b.boxdir, "o.i")
        size = os.path.getsize(oi) if os.path.exists(oi) else 0
        host_assert("adv_c_output_bomb", 10, size <= 10240 * 1024, "o.i is %d bytes" % size)


# ---------------------------------------------------------------------------------------------
# 12. Local host users: what a run leaves must not reach another host user, and the judge's
# own files must not reach the program.  NOBODY is a uid that owns nothing on the host.

NOBODY = 65534
SETPRIV = shutil.which("setpriv")


def as_nobody(*argv):
    return subprocess.run([SETPRIV, "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY,
                           "--clear-groups"] + list(argv), capture_output=True, text=True,
                          timeout=30)


def setid_files(top):
    bad = []
    for root, dirs, files in os.walk(top):
        for n in dirs + files:
            st = os.lstat(os.path.join(root, n))
            if st.st_mode & (stat.S_ISUID | stat.S_ISGID):
                bad.append("%s %o" % (os.path.join(root, n), stat.S_IMODE(st.st_mode)))
    return bad


def test_adv_h_setuid_tmp():
    name = "adv_h_setuid_tmp"
    with Box() as b:
        r = b.run(name)
        check(name, 12, r, "Success", "OK")
        mode = lambda p: stat.S_IMODE(os.stat(p).st_mode)
        tmpdir = os.path.join(b.dir, "tmp")
        for p in (b.boxdir, tmpdir, os.path.join(tmpdir, "tmp")):
            host_assert(name, 12, mode(p) == 0o700, "%s is mode %o" % (p, mode(p)))
        bad = setid_files(b.boxdir) + setid_files(tmpdir)
        host_assert(name, 12, not bad, "setuid/setgid left: %s" % bad)
        if SETPRIV:
            for door in (os.path.join(tmpdir, "tmp", "door"), os.path.join(b.boxdir, "door")):
                p = as_nobody(door)
                host_assert(name, 12, p.returncode != 0 or "uid" not in p.stdout,
                            "another host user ran %s: %r" % (door, p))


def test_adv_h_setuid_tmp_twice():
    """The doors are gone at the next hand-over too, even if the modes were changed between
    runs by someone else (a box kept from before this version)."""
    name = "adv_h_setuid_tmp [2 runs]"
    with Box() as b:
        r = b.run("adv_h_setuid_tmp")
        door = os.path.join(b.dir, "tmp", "tmp", "door")
        os.chmod(door, 0o6755)  # as an older version would have left it
        os.chmod(os.path.join(b.dir, "tmp"), 0o755)
        r = b.run("adv_h_setuid_tmp")
        check(name, 12, r, "Success", "OK")
        bad = setid_files(os.path.join(b.dir, "tmp"))
        host_assert(name, 12, not bad, "setuid/setgid left: %s" % bad)
        m = stat.S_IMODE(os.stat(os.path.join(b.dir, "tmp")).st_mode)
        host_assert(name, 12, m == 0o700, "<box>/tmp is mode %o" % m)


def test_adv_h_hardlink_master():
    name = "adv_h_rewrite [hard link]"
    with Box() as b:
        master = os.path.join(b.tmp, "master.in")
        with open(master, "w") as f:
            f.write("the judge's master input\n")
        os.chmod(master, 0o644)
        before = file_state(master)
        os.link(master, os.path.join(b.boxdir, "input"))
        r = b.run("adv_h_rewrite", "/box/input")
        check(name, 12, r, "Success", "OK")
        host_assert(name, 12, file_state(master) == before,
                    "the master copy changed: %r" % (file_state(master),))
        inbox = os.path.join(b.boxdir, "input")
        host_assert(name, 12, os.path.exists(inbox) and os.stat(inbox).st_nlink == 1
                    and os.stat(inbox).st_ino != before[3], "the box's copy is the master")
        with open(inbox) as f:
            host_assert(name, 12, f.read() == "PWNED\n", "the box's copy was not writable")


def test_adv_h_mode_000_output():
    name = "adv_h_rewrite [mode 000]"
    with Box() as b:
        r = b.run("adv_h_rewrite", "-z")
        check(name, 12, r, "Success", "OK")
        st = os.stat(os.path.join(b.boxdir, "zero"))
        host_assert(name, 12, st.st_mode & 0o600 == 0o600,
                    "output handed back mode %o" % stat.S_IMODE(st.st_mode))
        r = b.run("adv_h_rewrite", opts=["-o", "zero"])
        check(name + " next run", 12, r, "Success", "OK")


def test_adv_h_caps_dropped():
    name = "box file with a capability"
    if not shutil.which("setcap") or not shutil.which("getcap"):
        raise harness.Skip("no setcap/getcap")
    with Box() as b:
        p = b.put("capped", src=harness.payload("adv_h_rewrite"))
        if subprocess.run(["setcap", "cap_net_raw+ep", p], capture_output=True).returncode:
            raise harness.Skip("file capabilities not supported here")
        os.chmod(p, 0o6755)
        r = b.run("./capped", use_payload=False)
        check(name, 12, r, "Success", "OK")
        caps = subprocess.run(["getcap", p], capture_output=True, text=True).stdout
        host_assert(name, 12, "cap_" not in caps, "capability kept: %s" % caps)
        host_assert(name, 12, not setid_files(b.boxdir), "setuid kept")


def test_adv_h_size_overflow():
    """Sizes are KiB the keeper multiplies by 1024; ids are 32 bits: a value that would wrap is
    a usage error (exit 2), never a tiny limit, no limit, or uid 0."""
    name = "size/id overflow"
    with Box(cg=True) as b:
        for opt in ("--cg-mem=18014398509481985", "--cg-mem=18014398509481984",
                    "--core=18014398509481985"):
            r = b.cli(opt, "--run", "--", "/bin/true")
            host_assert(name, 12, r.returncode == 2 and "too large" in r.stderr,
                        "%s accepted: %r" % (opt, r))
        for opt in ("-m", "-f", "-k"):
            r = b.cli(opt, "18014398509481985", "--run", "--", "/bin/true")
            host_assert(name, 12, r.returncode == 2 and "too large" in r.stderr,
                        "%s 2^54+1 accepted: %r" % (opt, r))
        for uid in ("4294967296", "4294967295"):
            r = b.cli("--as-uid=" + uid, "--as-gid=5", "--init")
            host_assert(name, 12, r.returncode == 2 and "valid id" in r.stderr,
                        "--as-uid=%s accepted: %r" % (uid, r))
        record(name, 12, "usage error", "usage error", True)


def test_adv_h_as_uid_opens():
    """--as-uid: -M and --config are opened as the user acted for, not as root."""
    name = "--as-uid -M/--config"
    with Box(init=False) as b:
        secret = os.path.join(b.tmp, "root-only")
        os.mkdir(secret, 0o700)
        cfg = os.path.join(secret, "c.json")
        with open(cfg, "w") as f:
            f.write("{}")
        meta = os.path.join(secret, "meta")
        r = b.cli("--as-uid=64125", "--as-gid=64125", "-M", meta, "--init")
        host_assert(name, 12, r.returncode == 2 and not os.path.exists(meta),
                    "-M written as root: %r" % r)
        r = b.cli("--as-uid=64125", "--as-gid=64125", "--config", cfg, "--init")
        host_assert(name, 12, r.returncode == 2 and "Cannot read config" in r.stderr,
                    "--config read as root: %r" % r)
        # a file the user may write still works, and is the user's
        own = os.path.join(b.tmp, "own")
        os.mkdir(own)
        os.chown(own, 64125, 64125)
        r = b.cli("--as-uid=64125", "--as-gid=64125", "-M", os.path.join(own, "meta"), "--init")
        host_assert(name, 12, r.returncode == 0 and
                    os.stat(os.path.join(own, "meta")).st_uid == 64125, "meta: %r" % r)
        b.inited = True
        record(name, 12, "opened as the user", "opened as the user", True)


def test_adv_h_box_root_owner():
    """A box_root or lock_root (or a directory above it) that a non-root user owns or may write
    lets that user steer where the root keeper creates, binds and deletes: refused."""
    name = "box_root not root's"
    tmp = tempfile.mkdtemp(prefix="mi-test-", dir=harness.TMP)
    try:
        os.chmod(tmp, 0o755)
        user = os.path.join(tmp, "user")
        os.mkdir(user)
        os.chown(user, 64126, 64126)
        loose = os.path.join(tmp, "loose")
        os.mkdir(loose)
        os.chmod(loose, 0o777)
        sticky = os.path.join(tmp, "sticky")
        os.mkdir(sticky)
        os.chmod(sticky, 0o1777)
        conf = os.path.join(tmp, "c.conf")
        ok_locks = os.path.join(tmp, "locks")
        cases = [("%s/boxes" % user, ok_locks, False), (user, ok_locks, False),
                 ("%s/boxes" % loose, ok_locks, False), (tmp + "/boxes", user + "/locks", False),
                 ("%s/boxes" % sticky, ok_locks, True)]
        for box_root, lock_root, good in cases:
            with open(conf, "w") as f:
                f.write("box_root = %s\nlock_root = %s\nnum_boxes = 2147483647\n"
                        % (box_root, lock_root))
            argv = [BIN, "-b", str(harness.new_box_id())]
            env = {"PATH": "/usr/bin:/bin", "MINI_ISOLATE_CONFIG": conf}
            r = subprocess.run(argv + ["--init"], capture_output=True, text=True, env=env)
            subprocess.run(argv + ["--cleanup"], capture_output=True, env=env)
            if good:
                host_assert(name, 12, r.returncode == 0, "sticky parent refused: %r" % r)
            else:
                host_assert(name, 12, r.returncode == 2 and "Refusing" in r.stderr,
                            "box_root %s lock_root %s accepted: %r" % (box_root, lock_root, r))
        record(name, 12, "refused", "refused", True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_adv_h_box_uid_process():
    """A host process running as the box uid (got through a door of an earlier caller) does
    not survive --cleanup or --init: the next caller of this box id gets the same uid."""
    name = "box uid process outside the box"
    if not SETPRIV:
        raise harness.Skip("no setpriv")
    with Box() as b:
        uid = 60000 + b.id
        for cmd in ("--cleanup", "--init"):
            p = subprocess.Popen([SETPRIV, "--reuid=%d" % uid, "--regid=%d" % uid,
                                  "--clear-groups", "sleep", "60"])
            try:
                end = time.monotonic() + 30  # setpriv has switched to the uid (slow hosts)
                while p.pid not in harness.uid_processes(uid) and time.monotonic() < end:
                    time.sleep(0.05)
                r = b.cli(cmd)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    pass
                host_assert(name, 12, r.returncode == 0 and p.poll() is not None,
                            "%s left a box-uid process: %r" % (cmd, r))
            finally:
                if p.poll() is None:
                    p.kill()
                    p.wait()
        record(name, 12, "killed", "killed", True)


# ---------------------------------------------------------------------------------------------
# 4. Cross-box channels through kernel state shared by all boxes (issue 11 items 2, 3, 9)

def _resident_pages(path):
    """Pages of path in the host's page cache (mincore on a mapping, from outside the box)."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                          ctypes.c_int, ctypes.c_long]
    libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    size = os.path.getsize(path)
    pages = (size + 4095) // 4096
    vec = (ctypes.c_ubyte * pages)()
    fd = os.open(path, os.O_RDONLY)
    try:
        addr = libc.mmap(None, size, 1, 1, fd, 0)  # PROT_READ, MAP_SHARED
        assert addr not in (None, ctypes.c_void_p(-1).value), ctypes.get_errno()
        rc = libc.mincore(addr, size, vec)
        libc.munmap(addr, size)
        assert rc == 0, ctypes.get_errno()
    finally:
        os.close(fd)
    return sum(v & 1 for v in vec), pages


def test_adv_x_pagecache():
    with Box() as b:
        d = os.path.join(b.tmp, "shared")
        os.mkdir(d)
        f = os.path.join(d, "lib.so")
        with open(f, "wb") as out:
            out.write(os.urandom(1 << 20))
        os.chmod(d, 0o755)
        os.chmod(f, 0o644)
        with open(f, "rb") as inp:
            inp.read()  # in the page cache now
        before, pages = _resident_pages(f)
        r = b.run("adv_x_pagecache", "/shared/lib.so", opts=["-d", "/shared=" + d])
        check("adv_x_pagecache", 4, r, "Success", "OK")
        after, _ = _resident_pages(f)
        host_assert("adv_x_pagecache", 4, before == pages and after == pages,
                    "posix_fadvise(DONTNEED) evicted a shared file (%d -> %d of %d pages)" %
                    (before, after, pages))


def test_adv_x_netns_state():
    """Issue 11 item 5: no state of the network namespace crosses runs of one box."""
    with Box() as b:
        r = b.run("adv_x_netns_state", "put", "5")
        assert r.meta.get("exitcode") == "0" and "5 connections closed" in r.stdout, r
        r = b.run("adv_x_netns_state", "get")
        check("adv_x_netns_state", 4, r, "Success", "OK")
        # the namespace the next run gets is made ahead (during this run): still a new one
        r2 = b.run("nsids")
        r3 = b.run("nsids")
        net = [l for l in (r2.stdout + r3.stdout).splitlines() if l.startswith("net")]
        host_assert("adv_x_netns_state", 4, len(net) == 2 and net[0] != net[1],
                    "two runs shared a network namespace: %s" % net)


def test_adv_r_memfd_hoard():
    """Issue 11 item 8: -m without --cg does not bound memfd/tmpfs storage: never silently."""
    import json
    with Box() as b:
        r = b.run("adv_r_memfd_hoard", "256", opts=["-m", "65536", "--json"])
        check("adv_r_memfd_hoard [-m]", 7, r, "Success", "OK")
        host_assert("adv_r_memfd_hoard [-m]", 7, "Warning: without --cg, -m" in r.stderr and
                    "memfd" in r.stderr, "no warning on stderr: %r" % r.stderr[-300:])
        j = json.loads(r.stdout.strip().splitlines()[-1])
        assert j["isolate"]["mem-unbounded"] is True and "memfd" in j["warnings"][0], j
        r = b.run("hello", opts=["--json"])  # no -m: nothing to warn about
        j = json.loads(r.stdout.strip().splitlines()[-1])
        assert j["warnings"] == [] and "Warning" not in r.stderr, (j, r.stderr)
    if not HAVE_CG:
        return
    with Box(cg=True) as b:
        r = b.run("adv_r_memfd_hoard", "256", opts=["--cg-mem", "65536"])
        check("adv_r_memfd_hoard [--cg-mem]", 7, r, ("MemoryLimit", "RuntimeError"))
        assert "Warning" not in r.stderr, r


def _judge_with_session_key(argv, env):
    """Runs the keeper in a new session keyring holding a key a judge might keep there."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long

    def pre():
        libc.syscall(250, 1, None)  # keyctl(KEYCTL_JOIN_SESSION_KEYRING, NULL)
        libc.syscall(248, b"user", b"mi-judge-secret", b"judge-data", 10, ctypes.c_long(-3))
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60,
                          preexec_fn=pre)


def test_adv_k_keyring():
    with Box() as b:
        b.put("adv_k_keyring", src=harness.payload("adv_k_keyring"))
        meta = os.path.join(b.tmp, "meta-keys")
        argv = [BIN, "-b", str(b.id), "-M", meta, "--syscalls=0", "--run", "--",
                "./adv_k_keyring", "judge"]
        p = _judge_with_session_key(argv, b.env())
        r = harness.Result(p, open(meta).read() if os.path.exists(meta) else "")
        check("adv_k_keyring [judge's session keyring]", 4, r, "Success", "OK")
        r = b.run("adv_k_keyring", "plant", opts=["--syscalls=0"])
        assert "planted key" in r.stdout and "(ok)" in r.stdout, r
        assert b.cleanup().returncode == 0
        assert b.cli("--init").returncode == 0
        r = b.run("adv_k_keyring", "find", opts=["--syscalls=0"])
        check("adv_k_keyring [after --cleanup]", 4, r, "Success", "OK")


# ---------------------------------------------------------------------------------------------
# 13. Ordinary programs: false alarms are as bad as escapes (issue 11 item 25).  Sanitizer
# builds, Java and Python must run to their normal verdict under the default policy.

ORDINARY = os.path.join(harness.ROOT, "tests", "payloads", "ordinary")
GXX = shutil.which("g++")
SANITIZERS = ["address", "undefined", "thread", "leak"]


def _build(b, compiler, src, out, flags):
    p = subprocess.run([compiler, "-O1", "-g", "-pthread"] + flags +
                       [os.path.join(ORDINARY, src), "-o", os.path.join(b.boxdir, out)],
                       capture_output=True, text=True)
    if p.returncode:
        if "cannot find" in p.stderr or "No such file" in p.stderr:
            raise harness.Skip("%s: sanitizer runtime missing: %s" % (compiler, p.stderr[-200:]))
        raise AssertionError(p.stderr)


def _sanitized(compiler, src, tag):
    if not compiler:
        record("adv_o_sanitized_%s" % tag, 13, "Success", "skipped (no compiler)", True)
        raise harness.Skip("no %s (scripts/deps.sh installs it)" % tag)
    with Box() as b:
        for s in SANITIZERS:
            name = "adv_o_sanitized_%s [%s]" % (tag, s)
            out = "san_" + s
            _build(b, compiler, src, out, ["-fsanitize=" + s])
            r = b.run("./" + out, use_payload=False, opts=["-p16", "-t", "10", "-w", "30"])
            check(name, 13, r, "Success", "OK")
            assert "sanitized ok 2000" in r.stdout, (name, r)


def test_adv_o_sanitized_c():
    _sanitized(GCC, "sanitized.c", "c")


def test_adv_o_sanitized_cxx():
    _sanitized(GXX, "sanitized.cc", "c++")


def test_adv_o_leak_reported():
    """LeakSanitizer must get to report a real leak, not die as a violation."""
    if not GCC:
        raise harness.Skip("no gcc")
    with Box() as b:
        for s in ("leak", "address"):
            _build(b, GCC, "leak.c", "leak_" + s, ["-fsanitize=" + s])
            r = b.run("./leak_" + s, use_payload=False, opts=["-p16", "-t", "10", "-w", "30"])
            check("adv_o_leak_reported [%s]" % s, 13, r, "RuntimeError", "RE")
            # the sanitizer's exit code for a leak: 23 (LSan alone), 1 (ASan)
            assert r.meta.get("exitcode") in ("23", "1") and "LeakSanitizer" in r.stderr, r


def test_adv_o_ptrace_own():
    with Box() as b:
        r = b.run("adv_o_ptrace_own", opts=["-p4"])
        check("adv_o_ptrace_own", 13, r, "Success", "OK")
        assert "PTRACE_TRACEME: Operation not permitted" in r.stdout, r


def test_adv_o_java():
    javac = shutil.which("javac")
    java = shutil.which("java")
    if not javac or not java:
        record("adv_o_java", 13, "Success", "skipped (no JDK)", True)
        raise harness.Skip("no javac/java (scripts/deps.sh installs default-jdk-headless)")
    java = os.path.realpath(java)  # /etc/alternatives is not in the box
    if not java.startswith("/usr/"):
        raise harness.Skip("java is not under /usr (%s): not in the box" % java)
    with Box() as b:
        subprocess.run([javac, "-d", b.boxdir, os.path.join(ORDINARY, "Hello.java")], check=True)
        # What a judge gives Java: threads (-p), a heap bound the JVM knows about.
        r = b.run(java, "-Xmx256m", "-XX:+UseSerialGC", "-Xss64m", "Hello", use_payload=False,
                  opts=["-p64", "-t", "10", "-w", "30"], timeout=90)
        check("adv_o_java", 13, r, "Success", "OK")
        assert "java ok 499500" in r.stdout, r


def test_adv_o_python():
    py = "/usr/bin/python3"
    if not os.path.exists(py):
        record("adv_o_python", 13, "Success", "skipped (no /usr/bin/python3)", True)
        raise harness.Skip("no /usr/bin/python3")
    with Box() as b:
        shutil.copy(os.path.join(ORDINARY, "hello.py"), os.path.join(b.boxdir, "hello.py"))
        r = b.run(py, "hello.py", use_payload=False, opts=["-t", "10", "-w", "30"])
        check("adv_o_python", 13, r, "Success", "OK")
        assert "python ok" in r.stdout, r


# ---------------------------------------------------------------------------------------------

def print_table():
    if not RESULTS:
        return
    rows = sorted(RESULTS.items(), key=lambda kv: (kv[1][0], kv[0]))
    w = max(len(k) for k in RESULTS)
    print("\nAdversarial suite: %d payload runs" % len(rows))
    print("%-*s  cls  %-34s  %s" % (w, "payload", "expected", "observed"))
    for name, (cls, exp, obs, ok) in rows:
        print("%-*s  %3d  %-34s  %s%s" % (w, name, cls, exp, obs,
                                          "   <== FAIL" if ok is False else ""))
    bad = [k for k, v in rows if v[3] is False]
    skipped = [k for k, v in rows if v[3] is None]
    print("contained with the expected verdict: %d/%d%s%s" % (
        len(rows) - len(bad) - len(skipped), len(rows) - len(skipped),
        ("; not: " + ", ".join(bad)) if bad else "",
        ("; skipped (the host cannot show it): " + ", ".join(skipped)) if skipped else ""))


atexit.register(print_table)


def test_zz_table():
    """The table is printed at exit (all tests done); here: every payload run so far has a row
    with an expectation, so the table cannot silently lose entries."""
    with _rlock:
        assert all(v[1] for v in RESULTS.values()), RESULTS
