"""The syscall policy (src/lib/seccomp.c, docs/security.md): every rule reached with a raw syscall,
SecurityViolation only on real seccomp evidence, isolate's --syscalls/syscall_flags, allow-list
mode, ordinary programs unaffected, and the /proc masking of the hardening layer.

Syscall numbers are x86_64's (the suite's hosts); sc_syscall issues them with syscall(2)."""
import os
import platform
import shutil
import subprocess

import harness
from harness import Box

X86_64 = platform.machine() == "x86_64"

ENOSYS, EPERM, EAFNOSUPPORT = 38, 1, 97
HI = 1 << 32  # set in an argument the kernel truncates to 32 bits

# (what, syscall args, errno) for the ERRNO rules of the default policy
ERRNO_CASES = [
    ("keyctl", [250, 0, 0xfffffffd], ENOSYS),
    ("add_key", [248], ENOSYS),
    ("request_key", [249], ENOSYS),
    ("io_uring_setup", [425, 8, 0], ENOSYS),
    ("io_uring_enter", [426], ENOSYS),
    ("io_uring_register", [427], ENOSYS),
    ("socket AF_VSOCK", [41, 40, 1, 0], EAFNOSUPPORT),
    ("socket AF_VSOCK, high bits", [41, HI | 40, 1, 0], EAFNOSUPPORT),
    ("socket AF_NETLINK", [41, 16, 3, 0], EAFNOSUPPORT),
    ("socket AF_PACKET", [41, 17, 3, 0], EAFNOSUPPORT),
    ("socket AF_ALG", [41, 38, 5, 0], EAFNOSUPPORT),
    ("flock", [73, 1, 2], ENOSYS),
    ("fcntl F_SETLK", [72, 1, 6, 0], EPERM),
    ("fcntl F_SETLK, high bits", [72, 1, HI | 6, 0], EPERM),
    ("fcntl F_OFD_SETLKW", [72, 1, 38, 0], EPERM),
    ("fcntl F_SETLEASE", [72, 1, 1024, 1], EPERM),
    ("clone3", [435, 0, 0], ENOSYS),
    ("personality ADDR_NO_RANDOMIZE", [135, 0x0040000], EPERM),
    ("personality READ_IMPLIES_EXEC", [135, 0x0400000], EPERM),
    ("settimeofday", [164, 0, 0], EPERM),
    ("clock_settime", [227, 0, 0], EPERM),
    ("adjtimex", [159, 0], EPERM),
    ("syslog", [103, 3, 0, 0], EPERM),
    ("name_to_handle_at", [303], ENOSYS),
    ("fanotify_init", [300, 0, 0], EPERM),
]

# (syscall name as reported, args) for the VIOLATION rules
VIOLATION_CASES = [
    ("ptrace", [101, 16, 1]),  # PTRACE_ATTACH to init (the box's own processes may be traced)
    ("process_vm_readv", [310, 1]),
    ("process_vm_writev", [311, 1]),
    ("pidfd_getfd", [438, 0, 0, 0]),
    ("mount", [165]),
    ("umount2", [166, 0, 0]),
    ("pivot_root", [155]),
    ("chroot", [161]),
    ("fsopen", [430]),
    ("fsconfig", [431]),
    ("fsmount", [432]),
    ("fspick", [433]),
    ("open_tree", [428]),
    ("move_mount", [429]),
    ("mount_setattr", [442]),
    ("setns", [308, 0, 0]),
    ("unshare", [272, 0x10000000]),            # CLONE_NEWUSER
    ("unshare", [272, 0x20000]),               # CLONE_NEWNS
    ("clone", [56, 0x10000000 | 17]),          # CLONE_NEWUSER | SIGCHLD
    ("clone", [56, (0xffffffff << 32) | 0x40000000 | 17]),  # CLONE_NEWNET, high bits set
    ("bpf", [321, 0, 0, 0]),
    ("perf_event_open", [298]),
    ("userfaultfd", [323, 0]),
    ("kexec_load", [246]),
    ("kexec_file_load", [320]),
    ("init_module", [175]),
    ("finit_module", [313]),
    ("delete_module", [176]),
    ("open_by_handle_at", [304]),
    ("ioctl", [16, 0, 0x5412, 0]),             # TIOCSTI
    ("ioctl", [16, 0, (0xffffffff << 32) | 0x5412, 0]),  # TIOCSTI, high bits (CVE-2019-10063)
    ("ioctl", [16, 0, 0x541c, 0]),             # TIOCLINUX
    ("quotactl", [179]),
    ("swapon", [167]),
    ("swapoff", [168]),
    ("reboot", [169]),
    ("acct", [163, 0]),
    ("modify_ldt", [154, 0, 0, 0]),
    ("iopl", [172, 3]),
    ("ioperm", [173, 0, 1, 1]),
    ("getpid [x32]", [0x40000000 | 39]),       # x32 ABI: a different syscall table
]


def need_x86_64():
    if not X86_64:
        raise harness.Skip("the syscall numbers of this test are x86_64's, the host is %s"
                           % platform.machine())


def sc(b, args, opts=()):
    return b.run("sc_syscall", *[str(a) for a in args], opts=list(opts))


def parse(r):
    """ret, errno printed by sc_syscall."""
    line = r.stdout.strip().splitlines()[-1]
    ret, err = line.split()
    return int(ret.split("=")[1]), int(err.split("=")[1])


def assert_violation(r, name, nr=None):
    assert r.meta.get("verdict") == "SecurityViolation", (name, r)
    assert r.rc == 1, (name, r)
    assert r.status == "SG", (name, r)
    assert name in r.meta["message"], (name, r)
    if nr is not None:
        assert "(%d)" % nr in r.meta["message"], (name, r)
    assert "ret=" not in r.stdout, (name, r)  # the call never returned


def test_errno_rules():
    need_x86_64()
    with Box() as b:
        for what, args, err in ERRNO_CASES:
            r = sc(b, args)
            assert r.rc == 0 and r.meta.get("verdict") == "Success", (what, r)
            ret, e = parse(r)
            assert ret == -1 and e == err, (what, ret, e, r)


def test_violation_rules():
    need_x86_64()
    with Box() as b:
        for name, args in VIOLATION_CASES:
            r = sc(b, args)
            nr = args[0] if "[" not in name else None
            assert_violation(r, name, nr)


def test_violation_i386_int80():
    need_x86_64()
    harness.need("i386")
    with Box() as b:
        assert_violation(b.run("sc_int80"), "getpid [i386]", 20)


def test_violation_in_child_process():
    """A forked child's forbidden call stops the whole box too."""
    need_x86_64()
    with Box() as b:
        r = b.run("sc_fork_violation", opts=["-p4"])
        assert_violation(r, "ptrace", 101)


def test_raised_sigsys_is_not_a_violation():
    with Box() as b:
        r = b.run("sc_raise_sigsys")
        assert r.status == "SG" and r.meta.get("exitsig") == "31", r
        assert r.meta.get("verdict") == "Signaled", r


def test_allowed_argument_values_pass():
    """The argument checks are precise: harmless values of filtered calls still work."""
    need_x86_64()
    with Box() as b:
        for what, args in [("socket AF_UNIX", [41, 1, 1, 0]), ("socket AF_INET", [41, 2, 2, 0]),
                           ("socket AF_INET6", [41, 10, 2, 0]),
                           ("unshare CLONE_FILES", [272, 0x400]),
                           ("ioctl FIONREAD", [16, 0, 0x541b, 0]),
                           ("fcntl F_GETFD", [72, 1, 1]),
                           ("personality query", [135, 0])]:
            r = sc(b, args)
            assert r.meta.get("verdict") == "Success", (what, r)
            ret, e = parse(r)
            assert e not in (ENOSYS, EAFNOSUPPORT) and not (what.startswith("socket") and ret < 0), \
                (what, ret, e)


def test_syscalls_zero_means_no_filter():
    need_x86_64()
    with Box() as b:
        r = sc(b, [101, 0], opts=["--syscalls=0"])  # PTRACE_TRACEME on ourselves
        assert r.meta.get("verdict") == "Success", r
        assert parse(r) == (0, 0), r
    with Box(conf_extra="syscall_flags = 0\n") as b:
        r = sc(b, [101, 0])
        assert r.meta.get("verdict") == "Success", r
        # the command line overrides the config file
        assert_violation(sc(b, [101, 16, 1], opts=["--syscalls=65535"]), "ptrace", 101)


def test_syscalls_flags_select_groups():
    need_x86_64()
    with Box() as b:
        # everything but bit 1: keyrings reach the kernel, io_uring still blocked
        r = sc(b, [250, 0, 0xfffffffd], opts=["--syscalls=65534"])
        assert parse(r)[1] != ENOSYS, r
        assert parse(sc(b, [425, 8, 0], opts=["--syscalls=65534"]))[1] == ENOSYS
        assert_violation(sc(b, [321, 0, 0, 0], opts=["--syscalls=1"]), "bpf", 321)
        # bit 4 clear: flock works
        r = sc(b, [73, 1, 2], opts=["--syscalls=%d" % (0xffff & ~4)])
        assert parse(r)[1] != ENOSYS, r
        # bit 16 clear: x32 calls pass the filter (the kernel answers; ENOSYS where it has
        # no x32 table)
        r = sc(b, [0x40000000 | 39], opts=["--syscalls=%d" % (0xffff & ~16)])
        assert r.meta.get("verdict") == "Success", r
        if not harness.host_lacks("x32"):
            assert parse(r)[0] > 0, r  # getpid [x32] returned a pid
        r = b.run("hello", opts=["--syscalls=70000"])
        assert r.rc == 2, r


def test_syscalls_flags_io_uring_group():
    """--syscalls=0 and bit 8 clear: io_uring reaches the kernel (EFAULT for NULL params, or
    EPERM where kernel.io_uring_disabled refuses it), not the policy's ENOSYS.  On a kernel
    without io_uring the kernel's ENOSYS looks like the policy's: nothing to see."""
    need_x86_64()
    harness.need("io_uring")
    with Box() as b:
        for flags in (0, 0xffff & ~8):
            r = sc(b, [425, 8, 0], opts=["--syscalls=%d" % flags])  # NULL params
            assert r.meta.get("verdict") == "Success" and parse(r)[1] != ENOSYS, (flags, r)
        # with bit 8 clear the core rules stay
        assert_violation(sc(b, [321, 0, 0, 0], opts=["--syscalls=%d" % (0xffff & ~8)]),
                         "bpf", 321)


def test_syscalls_flags_i386_group():
    """Bit 16 clear: i386 calls are allowed, filtered with the same rules (i386 ptrace = 26)."""
    need_x86_64()
    harness.need("i386")
    with Box() as b:
        r = b.run("sc_int80", opts=["--syscalls=%d" % (0xffff & ~16)])
        assert r.meta.get("verdict") == "Success", r
        r = b.run("sc_int80", "26", "16", "1", opts=["--syscalls=%d" % (0xffff & ~16)])
        assert_violation(r, "ptrace [i386]", 26)


HELLO_SET = ("write,brk,arch_prctl,set_tid_address,set_robust_list,rseq,prlimit64,readlink,"
             "getrandom,mprotect,newfstatat,fstat,uname,mmap,munmap,exit_group")


def test_allow_list():
    with Box() as b:
        r = b.run("hello", "x", opts=["--allow-syscalls=" + HELLO_SET])
        assert r.meta.get("verdict") == "Success" and r.stdout == "hello x\n", r
        # without write the first printf is a violation that names write(1)
        r = b.run("hello", opts=["--allow-syscalls=" + HELLO_SET.replace("write,", "")])
        assert_violation(r, "write", 1 if X86_64 else None)
        r = b.run("hello", opts=["--allow-syscalls=read,no_such_call"])
        assert r.rc == 2 and "no_such_call" in r.stderr, r


def same_with_and_without_policy(b, *cmd, opts=()):
    on = b.run(*cmd, opts=list(opts))
    off = b.run(*cmd, opts=list(opts) + ["--syscalls=0"])
    for r in (on, off):
        assert r.rc == 0 and r.meta.get("verdict") == "Success", r
    assert on.stdout == off.stdout and on.stdout, (on, off)
    return on


def test_normal_c_and_threads_unaffected():
    with Box() as b:
        same_with_and_without_policy(b, "hello", "a", "b")
        r = same_with_and_without_policy(b, "sc_threads", opts=["-p8"])
        assert r.stdout.startswith("sum="), r


def test_normal_cpp_unaffected():
    gxx = shutil.which("g++")
    if not gxx:
        raise harness.Skip("no g++ on this host")
    with Box() as b:
        src = os.path.join(b.tmp, "p.cpp")
        with open(src, "w") as f:
            f.write('#include <iostream>\n#include <vector>\n#include <thread>\n#include <map>\n'
                    '#include <string>\nint main(){std::vector<long> v(4);std::vector<std::thread> t;'
                    'for(int i=0;i<4;i++)t.emplace_back([&v,i]{for(long x=0;x<100000;x++)v[i]+=x%3;});'
                    'for(auto&x:t)x.join();std::map<std::string,long> m;m["s"]=v[0]+v[3];'
                    'std::cout<<"cpp "<<m["s"]<<std::endl;}\n')
        exe = os.path.join(b.boxdir, "p")
        subprocess.run([gxx, "-O2", "-static", "-pthread", "-o", exe, src], check=True)
        r = same_with_and_without_policy(b, "./p", opts=["-p8"])
        assert r.stdout.startswith("cpp "), r


def test_normal_python_unaffected():
    py = os.path.realpath("/usr/bin/python3")
    if not os.path.exists(py) or not os.path.isdir("/usr/lib/python3.11/encodings"):
        raise harness.Skip("no Debian python3 with its standard library in /usr on this host")
    with Box() as b:
        code = ("import threading, socket, json, os, subprocess, tempfile\n"
                "s = socket.socket(); s.close()\n"
                "t = threading.Thread(target=lambda: None); t.start(); t.join()\n"
                "p = subprocess.run(['/usr/bin/python3', '-c', 'print(6*7)'], capture_output=True)\n"
                "print(json.dumps({'sum': sum(range(100)), 'child': p.stdout.decode().strip()}))\n")
        r = same_with_and_without_policy(b, py, "-c", code, opts=["-p8", "-d", "/etc"])
        assert '"child": "42"' in r.stdout, r


def test_proc_masked():
    """Host-revealing /proc files are empty (masked) and /proc/sys is read-only."""
    with Box() as b:
        r = b.run("sc_proc_probe", opts=["-p2"])
        assert r.meta.get("verdict") == "Success", r
        lines = dict(l.split(" ", 1) for l in r.stdout.strip().splitlines())
        for p in ("/proc/kallsyms", "/proc/kcore", "/proc/timer_list", "/proc/keys",
                  "/proc/sched_debug", "/proc/sysrq-trigger"):
            if p in lines:
                assert lines[p].split()[0] in ("masked", "absent", "denied"), (p, lines)
        assert lines["/proc/kallsyms"].split()[0] in ("masked", "absent"), lines
        assert lines["/proc/sys"].startswith("ro"), lines


def test_proc_sys_read_only_even_with_a_read_write_proc():
    """/proc is read-only by default (which covers /proc/sys); when a rule mounts it read-write,
    sys, irq, bus, fs, ... are bound read-only on top, in every run (kept tree or not)."""
    with Box() as b:
        for _ in range(2):
            r = b.run("sc_proc_probe", opts=["-p2", "-d", "/proc=proc:fs:rw"])
            assert r.meta.get("verdict") == "Success", r
            assert "/proc/sys ro" in r.stdout, r.stdout
            assert "/proc/kallsyms masked" in r.stdout or "/proc/kallsyms absent" in r.stdout, r


def test_compiled_policy_cache_is_keyed_and_not_trusted_when_writable():
    """The keeper caches the compiled filter (root's, 0600), keyed by the policy: isolate-style
    policies once for all boxes in <box_root>/seccomp-<key>.bpf, an allow-list in
    <box>/seccomp.bpf.  Another policy recompiles, and a cache file others could have written
    (here: an allow-everything program) is ignored, not loaded, and replaced."""
    import glob
    import struct
    with Box() as b:
        ptrace = 101
        assert_violation(sc(b, [ptrace, 16, 1]), "ptrace", ptrace)
        # Other policies (no filter at all, then only keyrings off) must not reuse it.
        assert parse(sc(b, [ptrace, 16, 1], ["--syscalls=0"]))[0] == -1  # PTRACE_ATTACH to init: EPERM
        assert parse(sc(b, [250, 0], ["--syscalls=1"])) == (-1, 38)  # keyctl: ENOSYS
        assert_violation(sc(b, [ptrace, 16, 1]), "ptrace", ptrace)
        root = os.path.dirname(b.dir)
        files = glob.glob(os.path.join(root, "seccomp-*.bpf"))
        assert len(files) >= 2, files  # the default policy and --syscalls=1
        for f in files:
            st = os.stat(f)
            assert st.st_uid == 0 and (st.st_mode & 0o777) == 0o600, (f, oct(st.st_mode))
        assert not os.path.exists(os.path.join(b.dir, "seccomp.bpf"))
        # Forge every cached program: keep the key, replace the program by "return ALLOW",
        # world-writable.  Replaced by rename, so that a box of a test running in parallel
        # sees either the real file or the forged one, never a forged root-only one.
        for f in files:
            key = open(f, "rb").read(8)
            tmp = f + ".forged"
            with open(tmp, "wb") as out:
                out.write(key + struct.pack("<HBBI", 0x06, 0, 0, 0x7FFF0000))
            os.chmod(tmp, 0o666)
            os.rename(tmp, f)
        assert_violation(sc(b, [ptrace, 16, 1]), "ptrace", ptrace)
        assert parse(sc(b, [250, 0], ["--syscalls=1"])) == (-1, 38)
        for f in files:  # recompiled and replaced by a trusted file
            assert (os.stat(f).st_mode & 0o777) == 0o600, f
        # An allow-list is cached in the box (and removed with it).
        r = b.run("hello", opts=["--allow-syscalls=" + HELLO_SET])
        assert r.meta.get("verdict") == "Success", r
        st = os.stat(os.path.join(b.dir, "seccomp.bpf"))
        assert st.st_uid == 0 and (st.st_mode & 0o777) == 0o600, oct(st.st_mode)


def test_landlock_fences_writes_through_a_leaked_host_directory_fd():
    """A host directory fd passed with --inherit-fds (an operator's mistake; runc
    CVE-2024-21626 is this class) reaches outside the mount tree, where no mount flag applies:
    with --inherit-fds, Landlock refuses writes there, even into a world-writable directory.  Without Landlock in
    the kernel this is reported by --check-environment and the test cannot say anything."""
    harness.need("landlock")
    with Box() as b:
        host = os.path.join(b.tmp, "hostdir")
        os.mkdir(host)
        os.chmod(host, 0o777)
        b.put("fd_write_host", src=harness.payload("fd_write_host"))
        fd = os.open(host, os.O_RDONLY | os.O_DIRECTORY)
        try:
            meta = os.path.join(b.tmp, "meta")
            r = subprocess.run([harness.BIN, "-b", str(b.id), "-M", meta, "--inherit-fds",
                                "--run", "--", "./fd_write_host", str(fd)],
                               pass_fds=(fd,), capture_output=True, text=True, env=b.env(),
                               timeout=60)
        finally:
            os.close(fd)
        assert r.returncode == 0, (r, open(meta).read())
        assert r.stdout == "file: Permission denied\ndir: Permission denied\n", r.stdout
        assert os.listdir(host) == [], os.listdir(host)
        # Writes beneath the read-write rules are untouched.
        for path in ("/box/ok", "/tmp/ok", "/dev/shm/ok", "/dev/null"):
            r = b.run("writefile", path, "1", opts=["--inherit-fds"])
            assert r.rc == 0 and r.stdout == "wrote %s\n" % path, r
