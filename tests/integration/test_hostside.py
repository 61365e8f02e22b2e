"""Host-side safety of issue 2: the keeper treats the box as hostile territory."""
import os
import socket
import stat
import subprocess

import harness
from harness import Box, BIN


def host_file(b, name="hostfile", uid=12345, content="host data\n"):
    p = os.path.join(b.tmp, name)
    with open(p, "w") as f:
        f.write(content)
    os.chown(p, uid, uid)
    os.chmod(p, 0o644)
    return p


def test_special_files_removed_after_run():
    with Box() as b:
        r = b.run("mkspecial")
        assert r.rc == 0 and r.stdout == "traps set\n", r
        names = sorted(os.listdir(b.boxdir))
        assert names == ["dir", "mkspecial", "plain"], names
        assert os.listdir(os.path.join(b.boxdir, "dir")) == []
        for n in ("dir", "plain", "mkspecial"):
            st = os.lstat(os.path.join(b.boxdir, n))
            assert (st.st_uid, st.st_gid) == (0, 0), (n, st)


def test_special_files_kept_with_option():
    with Box() as b:
        r = b.run("mkspecial", opts=["--special-files"])
        assert r.rc == 0, r
        names = sorted(os.listdir(b.boxdir))
        assert names == ["dir", "fifo", "link", "mkspecial", "plain", "sock"], names
        assert stat.S_ISFIFO(os.lstat(os.path.join(b.boxdir, "fifo")).st_mode)
        assert os.path.islink(os.path.join(b.boxdir, "dir", "link2"))
        for n in ("fifo", "link", "sock", "dir/link2"):
            assert os.lstat(os.path.join(b.boxdir, n)).st_uid == 0, n


def test_chown_back_never_follows_symlink():
    with Box() as b:
        target = host_file(b)
        r = b.run("mkspecial", target, opts=["--special-files"])
        assert r.rc == 0, r
        assert os.readlink(os.path.join(b.boxdir, "link")) == target
        st = os.stat(target)
        assert (st.st_uid, st.st_gid) == (12345, 12345), st
        assert open(target).read() == "host data\n"
        # next run: the hand-over walk must not follow it either (to the box uid)
        r = b.run("hello", opts=["--special-files"])
        assert r.rc == 0, r
        assert os.stat(target).st_uid == 12345
        r = b.run("hello")
        assert r.rc == 0 and not os.path.lexists(os.path.join(b.boxdir, "link")), r
        assert os.stat(target).st_uid == 12345


def test_planted_symlink_to_root_file_not_handed_over():
    with Box() as b:
        target = host_file(b, uid=0)
        os.symlink(target, os.path.join(b.boxdir, "evil"))
        os.symlink(b.tmp, os.path.join(b.boxdir, "evildir"))
        r = b.run("fsprobe", "w:/box/evil", opts=["--special-files"])
        assert r.rc == 0, r
        st = os.stat(target)
        assert (st.st_uid, st.st_gid) == (0, 0), "symlink target was handed to the box user"
        assert open(target).read() == "host data\n", "box wrote through a planted symlink"
        assert os.stat(b.tmp).st_uid == 0


def test_hard_link_to_foreign_file_not_chowned():
    with Box() as b:
        target = host_file(b)
        os.link(target, os.path.join(b.boxdir, "hard"))
        r = b.run("hello")
        assert r.rc == 0, r
        st = os.stat(target)
        assert (st.st_uid, st.st_gid) == (12345, 12345), st
        r = b.run("fsprobe", "w:/box/hard")
        assert r.stdout.split()[1] == "EACCES", r
        assert open(target).read() == "host data\n"


def test_cleanup_does_not_follow_symlink_to_host_dir():
    with Box() as b:
        victim = os.path.join(b.tmp, "victim")
        os.mkdir(victim)
        with open(os.path.join(victim, "precious"), "w") as f:
            f.write("keep")
        r = b.run("mkspecial", victim, opts=["--special-files"])
        assert r.rc == 0, r
        os.symlink(victim, os.path.join(b.boxdir, "planted"))
        assert b.cleanup().returncode == 0
        assert not os.path.exists(b.dir)
        assert os.listdir(victim) == ["precious"]


def test_cleanup_does_not_cross_mounts():
    with Box() as b:
        victim = os.path.join(b.tmp, "victim")
        os.mkdir(victim)
        with open(os.path.join(victim, "precious"), "w") as f:
            f.write("keep")
        mp = os.path.join(b.boxdir, "mnt")
        os.mkdir(mp)
        subprocess.run(["mount", "--bind", victim, mp], check=True)
        try:
            r = b.cleanup()
            assert r.returncode == 2, r
            assert os.listdir(victim) == ["precious"]
        finally:
            subprocess.run(["umount", mp], check=True)
        assert b.cleanup().returncode == 0
        assert os.listdir(victim) == ["precious"] and not os.path.exists(b.dir)


def test_meta_fifo_and_symlink_not_opened():
    with Box() as b:
        b.put("hello", src=harness.payload("hello"))
        fifo = os.path.join(b.tmp, "meta.fifo")
        os.mkfifo(fifo)
        r = b.cli("-M", fifo, "--run", "--", "./hello", timeout=20)
        assert r.returncode == 2 and "meta" in r.stderr, r
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(os.path.join(b.tmp, "meta.sock"))
        try:
            r = b.cli("-M", os.path.join(b.tmp, "meta.sock"), "--run", "--", "./hello", timeout=20)
            assert r.returncode == 2 and "meta" in r.stderr, r
        finally:
            sock.close()
        # Any other device, even one named "null": /dev/zero's numbers (1:5) are refused.
        fake = os.path.join(b.tmp, "null")
        os.mknod(fake, 0o666 | stat.S_IFCHR, os.makedev(1, 5))
        r = b.cli("-M", fake, "--run", "--", "./hello", timeout=20)
        assert r.returncode == 2 and "not a regular file" in r.stderr, r
        target = host_file(b, "metatarget")
        link = os.path.join(b.tmp, "meta.link")
        os.symlink(target, link)
        r = b.cli("-M", link, "--run", "--", "./hello", timeout=20)
        assert r.returncode == 2, r
        assert open(target).read() == "host data\n"


def test_deep_tree_handed_back():
    with Box() as b:
        r = b.run("/bin/sh", "-c",
                  "d=/box; i=0; while [ $i -lt 100 ]; do d=$d/d; mkdir $d || exit 1; "
                  "i=$((i+1)); done; echo x > $d/leaf; chmod 000 /box/d/d",
                  opts=["-p"], use_payload=False)
        assert r.rc == 0, r
        bad = []
        for root, dirs, files in os.walk(b.boxdir):
            for n in dirs + files:
                if os.lstat(os.path.join(root, n)).st_uid != 0:
                    bad.append(os.path.join(root, n))
        assert bad == [], bad[:3]
        assert b.cleanup().returncode == 0 and not os.path.exists(b.dir)


def test_meta_to_the_null_device():
    """-M /dev/null (wrappers that discard the meta file): accepted as in isolate, as is any node
    that really is the null device (char 1:3), whatever its name."""
    with Box() as b:
        b.put("hello", src=harness.payload("hello"))
        r = b.cli("-M", "/dev/null", "--run", "--", "./hello", timeout=20)
        assert r.returncode == 0 and r.stdout == "hello\n", r
        other = os.path.join(b.tmp, "discard")
        os.mknod(other, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        r = b.cli("-M", other, "--run", "--", "./hello", timeout=20)
        assert r.returncode == 0, r
        st = os.stat("/dev/null")
        assert stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, 3)
