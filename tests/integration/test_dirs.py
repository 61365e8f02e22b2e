"""Directory rules of issue 2 (-d with every option, in= removal, -D, replacing defaults)."""
import os
import shutil
import subprocess

import harness
from harness import Box


def probe(b, *args, opts=()):
    r = b.run("fsprobe", *args, opts=list(opts))
    assert r.rc == 0, r
    return dict(l.split(" ", 1) for l in r.stdout.splitlines()), r


def hostdir(b, name="hostdir", files=("f",)):
    d = os.path.join(b.tmp, name)
    os.mkdir(d)
    os.chmod(d, 0o777)
    for f in files:
        with open(os.path.join(d, f), "w") as fh:
            fh.write("x")
        os.chmod(os.path.join(d, f), 0o666)
    return d


def test_default_mounts_nosuid_and_readonly():
    with Box() as b:
        r = b.run("/bin/cat", "/proc/self/mountinfo", use_payload=False)
        assert r.rc == 0, r
        mounts = {}
        for line in r.stdout.splitlines():
            f = line.split()
            mounts[f[4]] = f[5]
        for mp in ("/box", "/bin", "/dev", "/dev/shm", "/lib", "/proc", "/tmp", "/usr"):
            assert mp in mounts, (mp, r.stdout)
        for mp, o in mounts.items():
            assert "nosuid" in o.split(","), (mp, o)
        for mp in ("/bin", "/lib", "/usr"):
            assert "ro" in mounts[mp].split(","), (mp, mounts[mp])
        for mp in ("/box", "/tmp", "/dev/shm"):
            assert "rw" in mounts[mp].split(","), (mp, mounts[mp])


def test_rw_and_readonly_bind():
    with Box() as b:
        d = hostdir(b)
        out, r = probe(b, "r:/h/f", "w:/h/new", opts=["-d", "/h=%s" % d])
        assert out["r:/h/f"] == "ok" and out["w:/h/new"] in ("EROFS", "EACCES"), r
        out, r = probe(b, "w:/h/new", opts=["-d", "/h=%s:rw" % d])
        assert out["w:/h/new"] == "ok", r
        assert os.path.exists(os.path.join(d, "new"))


def test_implicit_outside_and_relative_outside():
    with Box() as b:
        out, r = probe(b, "x:/etc/passwd", opts=["-d", "etc"])
        assert out["x:/etc/passwd"] == "ok", r
        os.mkdir(os.path.join(b.dir, "data"))
        with open(os.path.join(b.dir, "data", "d.txt"), "w") as f:
            f.write("1")
        out, r = probe(b, "r:/data/d.txt", opts=["-d", "data=./data"])
        assert out["r:/data/d.txt"] == "ok", r


def test_dev_option():
    with Box() as b:
        out, r = probe(b, "w:/hdev/null", opts=["-d", "hdev=/dev"])
        assert out["w:/hdev/null"] == "EACCES", r
        out, r = probe(b, "w:/hdev/null", opts=["-d", "hdev=/dev:dev"])
        assert out["w:/hdev/null"] == "ok", r


def test_noexec_option():
    with Box() as b:
        d = hostdir(b, files=())
        shutil.copy(harness.payload("hello"), os.path.join(d, "hello"))
        os.chmod(os.path.join(d, "hello"), 0o755)
        r = b.run("/x/hello", opts=["-d", "x=%s" % d], use_payload=False)
        assert r.rc == 0 and r.stdout == "hello\n", r
        r = b.run("/x/hello", opts=["-d", "x=%s:noexec" % d], use_payload=False)
        assert r.rc == 1 and r.meta["exitcode"] == "127", r


def test_maybe_option():
    with Box() as b:
        r = b.run("hello", opts=["-d", "nope=/nonexistent-mi-dir:maybe"])
        assert r.rc == 0, r
        r = b.run("hello", opts=["-d", "nope=/nonexistent-mi-dir"])
        assert r.rc == 2 and r.meta["status"] == "XX", r


def test_fs_option():
    with Box() as b:
        out, r = probe(b, "x:/p2/self/status", "w:/scratch/f", "x:/sysfs/kernel",
                       opts=["-d", "p2=proc:fs", "-d", "scratch=tmpfs:fs:rw",
                             "-d", "sysfs=sysfs:fs"])
        assert out["x:/p2/self/status"] == "ok" and out["w:/scratch/f"] == "ok", r
        assert out["x:/sysfs/kernel"] == "ok", r
        r = b.run("hello", opts=["-d", "x=ext4:fs"])
        assert r.rc == 2, r


def test_tmp_option():
    with Box() as b:
        out, r = probe(b, "l:/scratch", "w:/scratch/f", opts=["-d", "scratch:tmp"])
        assert out["l:/scratch"] == "ok 0" and out["w:/scratch/f"] == "ok", r
        out, r = probe(b, "r:/scratch/f", opts=["-d", "scratch:tmp"])
        assert out["r:/scratch/f"] == "ok", r  # kept for the box's later runs, like /tmp
        r = b.run("hello", opts=["-d", "scratch=/tmp:tmp"])
        assert r.rc == 2, r
        r = b.run("hello", opts=["-d", "scratch=proc:tmp:fs"])
        assert r.rc == 2, r


def test_norec_option():
    with Box() as b:
        d = hostdir(b)
        sub = os.path.join(d, "sub")
        os.mkdir(sub)
        subprocess.run(["mount", "-t", "tmpfs", "mi-test", sub], check=True)
        try:
            with open(os.path.join(sub, "inner"), "w") as f:
                f.write("x")
            out, r = probe(b, "x:/h/sub/inner", opts=["-d", "h=%s" % d])
            assert out["x:/h/sub/inner"] == "ok", r
            out, r = probe(b, "x:/h/sub/inner", "x:/h/f", opts=["-d", "h=%s:norec" % d])
            assert out["x:/h/sub/inner"] == "ENOENT" and out["x:/h/f"] == "ok", r
        finally:
            subprocess.run(["umount", sub], check=True)


def test_rule_removal_and_replacement():
    with Box() as b:
        out, r = probe(b, "x:/tmp", "x:/usr/bin", opts=["-d", "tmp="])
        assert out["x:/tmp"] == "ENOENT" and out["x:/usr/bin"] == "ok", r
        d = hostdir(b)
        out, r = probe(b, "x:/usr/f", "x:/usr/bin", opts=["-d", "usr=%s" % d])
        assert out["x:/usr/f"] == "ok" and out["x:/usr/bin"] == "ENOENT", r
        # a replaced rule keeps its slot: /dev replaced by the host's /dev is still mounted
        # before the private /dev/shm, so /dev/shm is not the host's
        assert not os.path.exists("/dev/shm/mi-probe")
        try:
            r = b.run("shmprobe", "put", opts=["-d", "dev=/dev:dev"])
            assert r.rc == 0 and r.stdout == "put\n", r
            assert not os.path.exists("/dev/shm/mi-probe"), "host /dev/shm reached"
        finally:
            if os.path.exists("/dev/shm/mi-probe"):
                os.unlink("/dev/shm/mi-probe")
        # removing an unknown rule is harmless
        r = b.run("hello", opts=["-d", "nosuch="])
        assert r.rc == 0, r


def test_no_default_dirs():
    with Box() as b:
        out, r = probe(b, "x:/bin", "x:/usr", "x:/proc/self", "x:/tmp", "x:/lib",
                       opts=["-D", "-d", "box=./box:rw"])
        for k in ("x:/bin", "x:/usr", "x:/proc/self", "x:/tmp", "x:/lib"):
            assert out[k] == "ENOENT", (k, r)
        # -D drops only the defaults: rules before and after it are kept
        out, r = probe(b, "x:/proc/self", opts=["-D", "-d", "box=./box:rw", "-d", "proc:fs"])
        assert out["x:/proc/self"] == "ok", r
        # without /box the program cannot be found
        b.put("hello", src=harness.payload("hello"))
        r = b.run("./hello", opts=["-D"], use_payload=False)
        assert r.rc != 0, r


def test_bad_rules_are_usage_errors():
    with Box() as b:
        for rule in ("x:bogus", "../x=/tmp", "a/../b=/tmp", "a=relative", "a=nosuchfs:fs",
                     "=/tmp", "x=/tmp:rw:zzz"):
            r = b.cli("-d", rule, "--run", "--", "/bin/true")
            assert r.returncode == 2 and r.stderr.strip(), (rule, r)
