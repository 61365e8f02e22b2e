"""Isolation of issue 2: what a program in the box can see and touch."""
import os
import re
import subprocess
import time

import harness
from harness import Box, BIN


def box_procs(uid):
    """Host pids whose real uid is the box uid."""
    found = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open("/proc/%s/status" % p) as f:
                    uids = [l for l in f if l.startswith("Uid:")][0].split()
                if int(uids[1]) == uid:
                    found.append(int(p))
            except (OSError, IndexError):
                pass
    return found


def test_cannot_see_host_processes():
    with Box() as b:
        r = b.run("pids")
        assert r.rc == 0, r
        self_pid = int(r.stdout.split()[0].split("=")[1])
        pids = [int(x) for x in r.stdout.split("pids=")[1].split()]
        assert self_pid in pids, r
        # only the box's init and the program itself
        assert len(pids) <= 2 and all(p <= 3 for p in pids), r
        assert os.getpid() not in pids or os.getpid() <= 3


def test_network_only_loopback():
    with Box() as b:
        r = b.run("netif")
        assert r.rc == 0 and r.stdout == "lo up\n", r
        r = b.run("netif", opts=["--share-net"])
        assert r.rc == 0, r
        host = sorted(l.split(":")[0].strip() for l in open("/proc/net/dev") if ":" in l)
        assert sorted(l.split()[0] for l in r.stdout.splitlines()) == host, r


def test_etc_not_mounted_and_root_readonly():
    with Box() as b:
        r = b.run("fsprobe", "r:/etc/passwd", "x:/etc", "l:/", "r:/proc/1/environ",
                  "x:/sys/kernel", "x:/home", "x:/root", "x:/var")
        out = dict(l.split(" ", 1) for l in r.stdout.splitlines())
        assert out["r:/etc/passwd"] == "ENOENT" and out["x:/etc"] == "ENOENT", r
        for p in ("x:/sys/kernel", "x:/home", "x:/root", "x:/var"):
            assert out[p] == "ENOENT", (p, r)
        assert out["r:/proc/1/environ"] != "ok", r


def test_cannot_write_outside_box_and_tmp():
    with Box() as b:
        r = b.run("fsprobe", "w:/box/ok", "w:/tmp/ok", "d:/tmp/dir", "w:/newfile", "d:/newdir",
                  "w:/usr/x", "w:/bin/x", "w:/lib/x", "w:/proc/x", "w:/dev/x",
                  "w:/dev/null")
        out = dict(l.split(" ", 1) for l in r.stdout.splitlines())
        for p in ("w:/box/ok", "w:/tmp/ok", "d:/tmp/dir", "w:/dev/null"):
            assert out[p] == "ok", (p, r)
        for p in ("w:/newfile", "d:/newdir", "w:/usr/x", "w:/bin/x", "w:/lib/x", "w:/proc/x",
                  "w:/dev/x"):
            assert out[p] in ("EROFS", "EACCES", "EPERM", "ENOENT"), (p, r)
        for p in ("/usr/x", "/bin/x", "/lib/x"):
            assert not os.path.exists(p)
        # /tmp is per box and gone after cleanup; /box writes land in the box directory
        assert os.path.exists(os.path.join(b.boxdir, "ok"))


def test_tmp_is_private_per_box():
    with Box() as b1, Box() as b2:
        r = b1.run("writefile", "/tmp/mark")
        assert r.rc == 0, r
        r = b1.run("fsprobe", "r:/tmp/mark")
        assert r.stdout.split()[1] == "ok", r  # persists across runs of one box
        r = b2.run("fsprobe", "r:/tmp/mark")
        assert r.stdout.split()[1] == "ENOENT", r


def test_uid_gid_groups_caps_nnp():
    with Box() as b:
        r = b.run("ids")
        u = 60000 + b.id
        assert r.rc == 0, r
        assert r.stdout.startswith("uid=%d,%d,%d gid=%d,%d,%d groups=0 " % (u, u, u, u, u, u)), r
        assert "capeff=0000000000000000" in r.stdout and "capprm=0000000000000000" in r.stdout, r
        assert r.stdout.rstrip().endswith("nnp=1"), r


def test_no_controlling_tty():
    with Box() as b:
        r = b.run("tty")
        assert r.rc == 0, r
        f = dict(x.split("=") for x in r.stdout.split())
        assert f["tty"] != "ok", r
        assert f["sid"] == f["pid"], r  # own session
    # even when the caller has a terminal
    import pty
    with Box() as b:
        b.put("tty", src=harness.payload("tty"))
        master, slave = pty.openpty()
        try:
            p = subprocess.run(["setsid", "-c", BIN, "-b", str(b.id), "--run", "--", "./tty"],
                               stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=b.env(), text=True, timeout=60)
        finally:
            os.close(slave)
            os.close(master)
        assert p.returncode == 0 and "tty=ok" not in p.stdout and "tty=" in p.stdout, p


def test_fds_above_2_closed_unless_inherit():
    with Box() as b:
        b.put("fds", src=harness.payload("fds"))
        r, w = os.pipe()
        extra = os.open("/dev/null", os.O_RDONLY)
        try:
            p = subprocess.run([BIN, "-b", str(b.id), "--run", "--", "./fds"], env=b.env(),
                               capture_output=True, text=True, pass_fds=(r, w, extra), timeout=60)
            assert p.returncode == 0 and p.stdout == "fds:\n", p
            p = subprocess.run([BIN, "-b", str(b.id), "--inherit-fds", "--run", "--", "./fds"],
                               env=b.env(), capture_output=True, text=True, pass_fds=(r, w, extra),
                               timeout=60)
            got = set(int(x) for x in p.stdout.split()[1:])
            assert p.returncode == 0 and {r, w, extra} <= got, p
        finally:
            for fd in (r, w, extra):
                os.close(fd)


def test_nothing_keeps_running_after_run():
    with Box() as b:
        r = b.run("daemonize", opts=["-p"])
        assert r.rc == 0 and r.stdout == "daemonized\n", r
        assert os.path.exists(os.path.join(b.boxdir, "daemon.pid")), r
        assert box_procs(60000 + b.id) == [], "a daemon survived --run"
        time.sleep(0.3)
        assert box_procs(60000 + b.id) == []


def test_dev_shm_private():
    with Box() as b1, Box() as b2:
        r = b1.run("shmprobe", "put")
        assert r.rc == 0 and r.stdout == "put\n", r
        r = b2.run("shmprobe", "get")
        assert r.stdout.startswith("absent"), r
        r = b1.run("shmprobe", "get")
        assert r.stdout == "absent entries=0\n", r  # fresh each run
        assert not os.path.exists("/dev/shm/mi-probe")


def test_hostname_is_private():
    with Box() as b:
        r = b.run("/bin/cat", "/proc/sys/kernel/hostname", use_payload=False)
        assert r.rc == 0 and r.stdout.strip() == "mini-isolate", r
        assert open("/proc/sys/kernel/hostname").read().strip() != "mini-isolate"


def test_cleanup_leaves_nothing():
    with Box() as b:
        r = b.run("writefile", "/tmp/t", "10")
        assert r.rc == 0
        r = b.run("mkspecial")
        assert r.rc == 0, r
        assert b.cleanup().returncode == 0
        assert not os.path.exists(b.dir)
        # Only the compiled policy, cached for all boxes, stays in the box root.
        left = os.listdir(os.path.join(b.tmp, "boxes"))
        assert [f for f in left if not re.fullmatch(r"seccomp-[0-9a-f]{16}\.bpf", f)] == [], left


def _nsids(b, *opts):
    r = b.run("nsids", opts=list(opts))
    assert r.rc == 0, r
    return r.stdout.split()


def _host_ns(name):
    return os.readlink("/proc/self/ns/" + name)


def test_network_namespace_new_per_run_made_ahead():
    """Every run has a network namespace no run has used (issue 11 item 5): the first run's
    comes from clone3; each run makes the next run's while it runs and the keeper binds it on
    <box>/netns, which the next run takes and unbinds.  Other boxes and the host are not in
    it; the other namespaces are new per run."""
    with Box() as a, Box() as b:
        netns_file = os.path.join(a.dir, "netns")
        assert not os.path.exists(netns_file)  # --init makes none
        a1 = _nsids(a)
        st = os.stat(netns_file)  # the next run's, made during a1
        a2, b1 = _nsids(a), _nsids(b)
        assert a2[0] == "net:[%d]" % st.st_ino and a1[0] != a2[0], (a1, a2, st.st_ino)
        assert os.stat(netns_file).st_ino != st.st_ino  # a2 took it; a3's is there now
        # Inode numbers of freed namespaces are reused (a1 and a2 ended before b1 began), so b1 is
        # compared with the namespaces alive now: the host's and a's next one, bound on its file.
        a_next = "net:[%d]" % os.stat(netns_file).st_ino
        assert b1[0] != a_next and b1[0] != _host_ns("net") and a1[0] != _host_ns("net"), (a1, b1)
        for i, name in enumerate(("pid", "mnt", "ipc", "uts")):
            assert _host_ns(name) not in (a1[i + 1], a2[i + 1]), (name, a1, a2)
        # --share-net: the host's network namespace.
        assert _nsids(a, "--share-net")[0] == _host_ns("net")
        # After a reboot the bind mount is gone: a run then gets a fresh namespace of its own.
        subprocess.run(["umount", netns_file], check=True)
        b_next = "net:[%d]" % os.stat(os.path.join(b.dir, "netns")).st_ino  # alive: bound
        f1 = _nsids(a)
        assert f1[0] != _host_ns("net") and f1[0] != b_next, (f1, b_next)
        r = a.run("netif")
        assert r.stdout.strip() == "lo up", r
        assert a.cleanup().returncode == 0
        assert not os.path.exists(a.dir)
        assert "/%d/netns" % a.id not in open("/proc/self/mountinfo").read()
