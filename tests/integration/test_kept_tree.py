"""The box's mount tree is built once and kept (<box>/mntns) for later runs (docs/design.md):
later runs must see exactly what a fresh build would show, and nothing a previous run left in
its per-run mounts."""
import os
import signal
import subprocess
import tempfile
import time

import harness
from harness import Box


def kept(b):
    """<box>/mntns holds a namespace: an nsfs mount there (the file bind under it, if any, is
    of the box root's filesystem)."""
    path = os.path.join(b.dir, "mntns")
    for line in open("/proc/self/mountinfo"):
        head, _, tail = line.partition(" - ")
        if head.split()[4] == path and tail.split()[0] == "nsfs":
            return True
    return False


def mountpoints(b):
    r = b.run("/bin/cat", "/proc/self/mountinfo", use_payload=False)
    assert r.rc == 0, r
    return sorted((l.split()[4], l.split()[5]) for l in r.stdout.splitlines())


class PeerNamespace:
    """A child process in a new mount namespace made by unshare(CLONE_NEWNS) (ctypes)."""

    def __init__(self):
        import ctypes
        unshare = ctypes.CDLL(None, use_errno=True).unshare  # resolved before the fork
        r, w = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(r)
            ok = unshare(0x00020000) == 0  # CLONE_NEWNS
            os.write(w, b"1" if ok else b"0")
            if ok:
                time.sleep(600)
            os._exit(0)
        os.close(w)
        ok = os.read(r, 1) == b"1"
        os.close(r)
        if not ok:
            self.stop()
            raise AssertionError("unshare(CLONE_NEWNS) failed")

    def stop(self):
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)


def hostdir(b, content, mode):
    """A host directory with one file f, for -d rules."""
    d = os.path.join(b.tmp, "hostdir")
    os.mkdir(d)
    os.chmod(d, mode)
    with open(os.path.join(d, "f"), "w") as f:
        f.write(content)
    return d


def run_ok(b, *cmd, opts=()):
    r = b.run(*cmd, opts=list(opts), use_payload=False)
    assert r.rc == 0 and r.meta.get("status") is None, r
    return r.stdout


def test_tree_is_kept_and_later_runs_see_the_same_tree():
    with Box() as b:
        first = mountpoints(b)
        assert kept(b), os.listdir(b.dir)
        key = open(os.path.join(b.dir, "mntns.key"), "rb").read()
        assert mountpoints(b) == first  # entered, not rebuilt: same mounts, same options
        assert open(os.path.join(b.dir, "mntns.key"), "rb").read() == key
        # Fresh PID namespace every run: the program is PID 2 (init is 1) each time.
        for _ in range(2):
            assert run_ok(b, "/bin/sh", "-c", "echo $$", opts=["-p4"]).strip() == "2"


def test_per_run_mounts_are_fresh_in_every_run():
    """/dev/shm (tmpfs) and /proc are mounted again in every run; /tmp and /box are the box's
    own directories and keep their files between runs, as in isolate."""
    with Box() as b:
        run_ok(b, "/bin/touch", "/dev/shm/left", "/tmp/kept", "/box/kept")
        assert kept(b)
        assert run_ok(b, "/bin/ls", "-A", "/dev/shm") == ""
        assert run_ok(b, "/bin/ls", "/tmp") == "kept\n"
        assert "kept" in run_ok(b, "/bin/ls", "/box").split()
        # /proc belongs to this run's PID namespace and keeps its masks.
        assert run_ok(b, "/bin/cat", "/proc/kallsyms") == ""
        r = b.run("sc_proc_probe", opts=["-p2"])
        assert r.meta.get("verdict") == "Success", r
        assert "/proc/sys ro" in r.stdout, r.stdout


def test_a_hostile_run_cannot_change_the_tree_of_the_next():
    """Runs share the kept tree: a run that tries to mount, unmount or move mounts (stopped by
    the policy, and with the policy off by the kernel: no CAP_SYS_ADMIN) or to write into the
    shared read-only root and /dev leaves the next run the same tree, and nothing in it."""
    with Box() as b:
        first = mountpoints(b)
        assert kept(b)
        for name in ("adv_fs_mount", "adv_fs_umount", "adv_k_move_mount"):
            r = b.run(name)
            assert r.meta.get("verdict") == "SecurityViolation", (name, r)
            r = b.run(name, opts=["--syscalls=0"])  # the kernel alone refuses the call
            assert "(ret=-1 errno=EPERM)" in r.stdout, (name, r)
            assert mountpoints(b) == first, name
        r = b.run("/bin/sh", "-c", "for p in /x /dev/x /dev/null2 /proc/x /usr/x; do "
                  ": > $p && echo wrote $p; done; mkdir /dev/d /d && echo made", opts=["-p4"],
                  use_payload=False)
        assert "wrote" not in r.stdout and "made" not in r.stdout, r
        assert mountpoints(b) == first
        listing = run_ok(b, "/bin/ls", "-A", "/", "/dev")
        for p in ("x", "null2", "d"):
            assert p not in listing.split(), listing


def test_rule_changes_rebuild_the_tree():
    with Box() as b:
        d = hostdir(b, "one", 0o777)
        assert run_ok(b, "/bin/cat", "/data/f", opts=["-d", "/data=" + d]) == "one"
        assert kept(b)
        # Without the rule, /data is gone; with it again, it is back.
        r = b.run("/bin/ls", "/data", use_payload=False)
        assert r.rc != 0 and "No such file" in r.stderr, r
        assert run_ok(b, "/bin/cat", "/data/f", opts=["-d", "/data=" + d]) == "one"
        # Another option on the same rule: rw instead of read-only.
        r = b.run("/bin/touch", "/data/g", opts=["-d", "/data=" + d], use_payload=False)
        assert r.rc != 0 and "Read-only" in r.stderr, r
        run_ok(b, "/bin/touch", "/data/g", opts=["-d", "/data=" + d + ":rw"])
        assert os.path.exists(os.path.join(d, "g"))


def test_replaced_host_directory_is_seen():
    """A source directory replaced on the host between runs (same path, new inode) is bound
    anew: a kept tree must never show the old one."""
    with Box() as b:
        d = os.path.join(b.tmp, "testdata")
        for content in ("old", "new"):
            if os.path.exists(d):
                os.rename(d, d + ".gone")
            os.mkdir(d)
            os.chmod(d, 0o755)
            with open(os.path.join(d, "input"), "w") as f:
                f.write(content)
            assert run_ok(b, "/bin/cat", "/data/input", opts=["-d", "/data=" + d]) == content
        # A source that disappears fails the run as it would without a kept tree.
        os.rename(d, d + ".gone2")
        r = b.run("/bin/true", opts=["-d", "/data=" + d], use_payload=False)
        assert r.rc == 2 and "Cannot mount" in r.stderr, r


def test_host_mounts_below_a_source_are_seen():
    """Binds are recursive: a mount made (or removed) on the host below a bound directory after
    the tree was built is seen by the next run, as with a fresh build."""
    with Box() as b:
        src = os.path.join(b.tmp, "src")
        other = os.path.join(b.tmp, "other")
        os.makedirs(os.path.join(src, "sub"))
        os.mkdir(other)
        with open(os.path.join(other, "m"), "w") as f:
            f.write("m")
        for d in (src, os.path.join(src, "sub"), other):
            os.chmod(d, 0o755)
        opts = ["-d", "/d=" + src]
        assert run_ok(b, "/bin/ls", "/d/sub", opts=opts) == ""
        assert kept(b)
        sub = os.path.join(src, "sub")
        subprocess.run(["mount", "--bind", other, sub], check=True)
        try:
            assert run_ok(b, "/bin/ls", "/d/sub", opts=opts) == "m\n"
        finally:
            subprocess.run(["umount", sub], check=True)
        assert run_ok(b, "/bin/ls", "/d/sub", opts=opts) == ""


def test_overlapping_rules_are_built_whole_every_run():
    """A per-run mount (tmpfs) that a later rule covers: splitting would change the order, so
    such a rule set is not kept and behaves as a fresh build does."""
    with Box() as b:
        d = hostdir(b, "x", 0o755)
        opts = ["-d", "/a/b=tmpfs:fs", "-d", "/a=" + d]
        for _ in range(2):
            assert run_ok(b, "/bin/ls", "/a", opts=opts) == "f\n"
        assert not os.path.exists(os.path.join(b.dir, "mntns"))


def test_reinit_and_cleanup_drop_the_kept_tree():
    with Box() as b:
        run_ok(b, "/bin/true")
        assert kept(b)
        r = b.init()
        assert r.returncode == 0, r
        assert not os.path.exists(os.path.join(b.dir, "mntns"))
        run_ok(b, "/bin/true")
        assert kept(b)
        path = os.path.join(b.dir, "mntns")
    mounts = open("/proc/self/mountinfo").read()
    assert path not in mounts, mounts


def test_kept_tree_under_a_shared_mount_with_a_peer():
    """systemd hosts: '/' is a shared mount and other namespaces are its peers.  A mount
    namespace may not be bound where it would propagate (EINVAL), so the keeper binds it under
    a private bind of the file: no mount namespace reaches the peer, and --cleanup leaves
    nothing there (the unmount of the file bind propagates like its mount did)."""
    top = tempfile.mkdtemp(prefix="mi-test-shared-", dir=harness.TMP)
    subprocess.run(["mount", "-t", "tmpfs", "mi-shared", top], check=True)
    peer = None
    try:
        subprocess.run(["mount", "--make-shared", top], check=True)
        # A peer: a mount namespace that copied the shared mount (the raw unshare(2) keeps
        # propagation; util-linux's unshare would make it private, and the VM has none).
        peer = PeerNamespace()
        conf = os.path.join(top, "conf")
        with open(conf, "w") as f:
            f.write("box_root = %s/boxes\nlock_root = %s/locks\nnum_boxes = 2147483647\n"
                    % (top, top))
        b = Box(init=False)
        b.conf = conf
        b.dir = os.path.join(top, "boxes", str(b.id))
        b.boxdir = os.path.join(b.dir, "box")
        with b:
            assert b.init().returncode == 0
            for _ in range(3):
                assert run_ok(b, "/bin/cat", "/proc/self/mountinfo").count(" /box ") == 1
            assert kept(b)
            # The peer received the private bind of the file (a file of this tmpfs), never a
            # mount namespace.
            peer_mounts = open("/proc/%d/mountinfo" % peer.pid).read()
            assert "mnt:[" not in peer_mounts, peer_mounts
        for pid in ("self", str(peer.pid)):
            left = [l for l in open("/proc/%s/mountinfo" % pid).read().splitlines()
                    if os.path.join(top, "boxes") in l]
            assert not left, (pid, left)
    finally:
        if peer:
            peer.stop()
        subprocess.run(["umount", "-l", top])
        os.rmdir(top)
