"""Setuid-root use: a setuid copy of the CLI (built with a fixed config path,
tests/meson.build: mini-isolate-suidtest) run by an unprivileged uid through setpriv.

The config lives at the compiled-in /var/tmp/mi-suid-test<build dir>.conf (read back from the
binary: the VM runs a copy staged elsewhere), so only this one test function uses it (the suite never runs a test function twice at once)."""
import os
import re
import shutil
import subprocess
import tempfile

import harness

def compiled_conf(binary):
    """The config path compiled into the suidtest binary (tests/meson.build)."""
    try:
        with open(binary, "rb") as f:
            m = re.search(rb"/var/tmp/mi-suid-test[^\0]*?\.conf", f.read())
    except OSError:
        return None
    return m.group(0).decode() if m else None


CONF = compiled_conf(os.path.join(harness.BUILD, "tests", "mini-isolate-suidtest"))
UID = 64123  # an unused uid: no passwd entry needed with setpriv
BOX = 1990000 + os.getpid() % 1000


def nosuid(path):
    out = subprocess.run(["findmnt", "-no", "OPTIONS", "-T", path], capture_output=True,
                         text=True).stdout
    return "nosuid" in out.split(",") or "nosuid" in out


def policy_checks(as_user):
    """Issue 11 #24: a non-root caller may only tighten the administrator's syscall policy."""
    for opts in (["--syscalls=0"], ["--syscalls=65534"], ["--syscalls=15"],
                 ["--allow-syscalls=read,write,bpf"], ["-d", "/d=/dev:dev"]):
        r = as_user(*opts, "--run", "--", "./printenv")
        assert r.returncode == 2 and ("only root" in r.stderr or "root caller" in r.stderr), \
            (opts, r)
    r = as_user("--syscalls=65535", "--run", "--", "./printenv")  # the configured one: fine
    assert r.returncode == 0, r


def swap_race(as_user, boxdir, tmp):
    """Issue 11 #6: while the keeper hands box/ over and back, a name in it alternates between a
    file of the caller and a hard link to root's file (tests/payloads/swap_names.c: renameat2
    RENAME_EXCHANGE in a loop, as a caller could where fs.protected_hardlinks=0; root plays the
    caller's part here).  The walk before the fix (check by name, chown by name) handed root's
    file to the caller within 26 runs when measured; on descriptors it never changes hands."""
    rootfile = os.path.join(tmp, "rootfile")
    with open(rootfile, "w") as f:
        f.write("root's\n")
    os.chmod(rootfile, 0o644)
    a, b = os.path.join(boxdir, "a"), os.path.join(boxdir, "b")
    with open(a, "w") as f:
        f.write("mine\n")
    os.chown(a, UID, UID)
    os.link(rootfile, b)
    sw = subprocess.Popen([harness.payload("swap_names"), a, b])
    try:
        for _ in range(40):
            as_user("--run", "--", "/bin/true")
            st = os.stat(rootfile)
            if st.st_uid != 0 or st.st_gid != 0:
                break
    finally:
        sw.kill()
        sw.wait()
    st = os.stat(rootfile)
    assert st.st_uid == 0 and st.st_gid == 0, "root's file changed hands: %d:%d" % (
        st.st_uid, st.st_gid)
    for p in (a, b):
        os.unlink(p)


def cleanup_as_caller(as_user, boxroot):
    """Issue 11 #17: a setuid --cleanup removes only what the caller could remove itself;
    what the box uid still owns (a run killed before its hand-back) is handed back first."""
    box = os.path.join(boxroot, "box")
    rootdir = os.path.join(box, "rootdir")
    os.mkdir(rootdir, 0o755)
    with open(os.path.join(rootdir, "file"), "w") as f:
        f.write("root's\n")
    r = as_user("--cleanup")
    assert r.returncode == 2 and os.path.exists(os.path.join(rootdir, "file")), r
    shutil.rmtree(rootdir)
    box_uid = 60000 + BOX
    left = os.path.join(box, "left")
    os.mkdir(left, 0o700)
    with open(os.path.join(left, "out"), "w") as f:
        f.write("x")
    for p in (left, os.path.join(left, "out")):
        os.chown(p, box_uid, box_uid)
    os.chmod(os.path.join(left, "out"), 0)
    r = as_user("--cleanup")
    assert r.returncode == 0 and not os.path.exists(boxroot), r
    r = as_user("--init")
    assert r.returncode == 0, r


def test_setuid_unprivileged_caller():
    src = os.path.join(harness.BUILD, "tests", "mini-isolate-suidtest")
    setpriv = shutil.which("setpriv")
    if not os.path.exists(src):
        raise harness.Skip("no %s in this build" % src)
    if not setpriv:
        raise harness.Skip("no setpriv on this host (util-linux)")
    if nosuid("/var/tmp"):
        raise harness.Skip("/var/tmp is mounted nosuid: a setuid copy cannot run from there")
    tmp = tempfile.mkdtemp(prefix="mi-suid-", dir="/var/tmp")
    try:
        os.chmod(tmp, 0o755)
        binary = os.path.join(tmp, "mini-isolate")
        subprocess.run(["cp", src, binary], check=True)  # not our fd: no ETXTBSY (harness.put)
        os.chown(binary, 0, 0)
        os.chmod(binary, 0o4755)
        with open(CONF, "w") as f:
            f.write("box_root = %s/boxes\nlock_root = %s/locks\nnum_boxes = 2147483647\n"
                    % (tmp, tmp))
        user_dir = os.path.join(tmp, "user")  # the caller's own directory
        os.mkdir(user_dir)
        os.chown(user_dir, UID, UID)
        secret = os.path.join(tmp, "secret")  # root-only
        os.mkdir(secret, 0o700)

        def as_user(*args, env=None):
            e = {"PATH": "/usr/bin:/bin", "MINI_ISOLATE_CONFIG": "/nonexistent",
                 "FOO": "from-caller", "LD_PRELOAD": "/nonexistent.so"}
            e.update(env or {})
            return subprocess.run([setpriv, "--reuid=%d" % UID, "--regid=%d" % UID,
                                   "--clear-groups", binary, "-b", str(BOX)] + list(args),
                                  capture_output=True, text=True, env=e, timeout=60)

        # MINI_ISOLATE_CONFIG is ignored (it names a missing file): --init uses CONF
        r = as_user("--init")
        assert r.returncode == 0 and r.stdout.strip() == "%s/boxes/%d" % (tmp, BOX), r
        boxdir = os.path.join(tmp, "boxes", str(BOX), "box")
        subprocess.run(["cp", harness.payload("printenv"), os.path.join(boxdir, "printenv")], check=True)
        os.chmod(os.path.join(boxdir, "printenv"), 0o755)
        meta = os.path.join(user_dir, "meta")
        r = as_user("-M", meta, "-E", "FOO", "--run", "--", "./printenv")
        assert r.returncode == 0, r
        assert "FOO=from-caller" in r.stdout and "LD_PRELOAD" not in r.stdout, r
        assert os.stat(meta).st_uid == UID, "meta file not created as the caller"
        # a meta file where the caller cannot write
        r = as_user("-M", os.path.join(secret, "meta"), "--run", "--", "./printenv")
        assert r.returncode == 2 and not os.path.exists(os.path.join(secret, "meta")), r
        # a -d source the caller cannot read
        r = as_user("-d", "/s=%s" % secret, "--run", "--", "./printenv")
        assert r.returncode == 2, r
        # another caller's box: root initialises box BOX+1, the user may not run or clean it
        env = {"PATH": "/usr/bin:/bin"}
        r = subprocess.run([binary, "-b", str(BOX + 1), "--init"], capture_output=True,
                           text=True, env=env)
        assert r.returncode == 0, r
        r = as_user("-b", str(BOX + 1), "--run", "--", "/bin/true")
        assert r.returncode == 2, r
        r = as_user("-b", str(BOX + 1), "--cleanup")
        assert r.returncode == 2, r
        # --as-uid is for root only
        r = as_user("--as-uid=0", "--as-gid=0", "--init")
        assert r.returncode == 2, r
        subprocess.run([binary, "-b", str(BOX + 1), "--cleanup"], capture_output=True, env=env)
        policy_checks(as_user)
        swap_race(as_user, boxdir, tmp)
        cleanup_as_caller(as_user, os.path.join(tmp, "boxes", str(BOX)))
        r = as_user("--cleanup")
        assert r.returncode == 0, r
        # restricted_init (isolate 2.x): only root makes boxes; root may make one for the user
        with open(CONF, "a") as f:
            f.write("restricted_init = 1\n")
        r = as_user("--init")
        assert r.returncode == 2 and "only by root" in r.stderr, r
        assert not os.path.exists(os.path.join(tmp, "boxes", str(BOX))), r
        r = subprocess.run([binary, "-b", str(BOX), "--as-uid=%d" % UID, "--as-gid=%d" % UID,
                            "--init"], capture_output=True, text=True, env=env)
        assert r.returncode == 0, r
        subprocess.run(["cp", harness.payload("printenv"), os.path.join(boxdir, "printenv")],
                       check=True)
        os.chmod(os.path.join(boxdir, "printenv"), 0o755)
        r = as_user("--run", "--", "./printenv")
        assert r.returncode == 0, r
        r = as_user("--cleanup")
        assert r.returncode == 0, r
    finally:
        subprocess.run([os.path.join(tmp, "mini-isolate"), "-b", str(BOX), "--cleanup"],
                       capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
        if os.path.exists(CONF):
            os.unlink(CONF)
