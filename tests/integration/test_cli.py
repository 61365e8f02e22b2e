"""Command line of issue 2: lifecycle commands, subcommand words, usage errors, config file,
the `isolate` name, --version/--help, box id range, locking."""
import os
import subprocess
import tempfile
import threading
import time

import harness
from harness import Box, BIN


def run_bin(args, env=None, binary=None, timeout=60):
    e = {"PATH": "/usr/bin:/bin"}
    if env:
        e.update(env)
    return subprocess.run([binary or BIN] + args, capture_output=True, text=True, env=e,
                          timeout=timeout)


def test_init_prints_box_dir_and_box_owned_by_caller():
    with Box(init=False) as b:
        r = b.cli("--init", env=None)
        assert r.returncode == 0, r
        assert r.stdout == b.dir + "\n", r
        st = os.stat(b.boxdir)
        assert (st.st_uid, st.st_gid) == (0, 0), st
        # --as-uid/--as-gid: the box belongs to that user
        r = b.cli("--as-uid=4321", "--as-gid=4322", "--init")
        assert r.returncode == 0, r
        st = os.stat(b.boxdir)
        assert (st.st_uid, st.st_gid) == (4321, 4322), st


def test_second_init_resets_contents():
    with Box() as b:
        b.put("old.txt", "x")
        os.mkdir(os.path.join(b.boxdir, "sub"))
        r = b.init()
        assert r.returncode == 0, r
        assert r.stdout.strip() == b.dir
        assert os.listdir(b.boxdir) == [], os.listdir(b.boxdir)


def test_run_without_init_is_error():
    with Box(init=False) as b:
        r = b.run("./hello", use_payload=False)
        assert r.rc == 2, r
        assert "init" in r.stderr, r
        assert r.meta_keys[:2] == ["status", "message"] and r.meta["status"] == "XX", r
        assert "time" not in r.meta, r


def test_cleanup_removes_all_and_is_noop_on_missing_box():
    with Box() as b:
        b.put("f", "data")
        os.makedirs(os.path.join(b.boxdir, "a/b/c"))
        assert b.run("hello").rc == 0
        r = b.cleanup()
        assert r.returncode == 0 and r.stdout == "", r
        assert not os.path.exists(b.dir), os.listdir(os.path.dirname(b.dir))
        r = b.cleanup()
        assert r.returncode == 0, r
        r = b.run("./hello", use_payload=False)
        assert r.rc == 2, r


def test_subcommand_words():
    with Box(init=False) as b:
        r = b.cli("init")
        assert r.returncode == 0 and r.stdout.strip() == b.dir, r
        b.put("hello", src=harness.payload("hello"))
        r = b.cli("run", "--", "./hello", "sub")
        assert r.returncode == 0 and r.stdout == "hello sub\n", r
        r = b.cli("list")
        assert r.returncode == 0, r
        lines = [l.split() for l in r.stdout.splitlines()[1:]]
        mine = [l for l in lines if l[0] == str(b.id)]
        assert mine and mine[0][-1] == b.dir and mine[0][1] == "0", r.stdout
        r = b.cli("cleanup")
        assert r.returncode == 0 and not os.path.exists(b.dir), r
        r = b.cli("list")
        assert str(b.id) not in r.stdout.split(), r


def test_list_shows_busy_box():
    with Box() as b:
        b.put("sleeper", src=harness.payload("sleeper"))
        p = subprocess.Popen([BIN, "-b", str(b.id), "--run", "--", "./sleeper", "3"],
                             env=b.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            deadline = time.time() + 10
            busy = False
            while time.time() < deadline and not busy:
                r = b.cli("list")
                for l in r.stdout.splitlines()[1:]:
                    f = l.split()
                    if f[0] == str(b.id) and "busy" in f:
                        busy = True
                time.sleep(0.1)
            assert busy, r.stdout
        finally:
            p.wait(timeout=30)
        r = b.cli("list")
        f = [l.split() for l in r.stdout.splitlines()[1:] if l.split()[0] == str(b.id)]
        assert f and "idle" in f[0], r.stdout


def test_version_help_unknown_option():
    r = run_bin(["--version"])
    assert r.returncode == 0 and "The process isolator" in r.stdout, r
    r = run_bin(["--help"])
    assert r.returncode == 0 and "--run" in r.stdout and "--init" in r.stdout, r
    r = run_bin(["--no-such-option"])
    assert r.returncode == 2, r
    r = run_bin(["-b", "1"])
    assert r.returncode == 2, r  # no command
    r = run_bin(["--init", "--cleanup"])
    assert r.returncode == 2, r


def test_usage_errors_strict_numbers():
    with Box() as b:
        for opts in (["-t", "abc"], ["-t", "-1"], ["-w", "1e3"], ["-x", ""], ["-m", "12k"],
                     ["-p", "x"], ["-b", "-3"], ["-f", "1.5"], ["--cg-mem", "1000"],
                     ["-d", "foo:bogus"], ["-E", "=x"], ["-q", "10,10"]):
            r = b.cli(*opts, "--run", "--", "/bin/true")
            assert r.returncode == 2, (opts, r)
            assert r.stderr.strip(), (opts, r)
        r = b.cli("--cg-mem=1000", "--run", "--", "/bin/true")
        assert "require --cg" in r.stderr, r


def test_box_id_out_of_range():
    with Box(conf_extra="num_boxes = 10\n", box_id=9) as b:
        for cmd in ("--init", "--cleanup"):
            r = run_bin(["-b", "10", cmd], env={"MINI_ISOLATE_CONFIG": b.conf})
            assert r.returncode == 2 and "out of range" in r.stderr, r
            assert "0-9" in r.stderr, r
        r = run_bin(["-b", "10", "--run", "--", "/bin/true"], env={"MINI_ISOLATE_CONFIG": b.conf})
        assert r.returncode == 2 and "out of range" in r.stderr, r
        assert b.run("hello").rc == 0
    with Box(box_id=2147483646) as b:  # num_boxes = 2^31-1 in the harness config
        r = b.run("ids")
        assert r.rc == 0, r
        r = run_bin(["-b", "2147483647", "--init"], env={"MINI_ISOLATE_CONFIG": b.conf})
        assert r.returncode == 2 and "out of range" in r.stderr, r


def test_config_file_errors_and_override():
    with tempfile.TemporaryDirectory(dir=harness.TMP) as d:
        conf = os.path.join(d, "bad.conf")
        with open(conf, "w") as f:
            f.write("# comment\nbox_root = %s/b\n\nbogus_key = 3\n" % d)
        r = run_bin(["-b", "1", "--init"], env={"MINI_ISOLATE_CONFIG": conf})
        assert r.returncode == 2, r
        assert conf in r.stderr and "line 4" in r.stderr and "bogus_key" in r.stderr, r
        for bad, key in (("first_uid = abc", "first_uid"), ("num_boxes = 0", "num_boxes"),
                         ("num_boxes = 2147483648", "num_boxes"), ("box_root = relative", "box_root"),
                         ("first_gid = -5", "first_gid")):
            with open(conf, "w") as f:
                f.write(bad + "\n")
            r = run_bin(["-b", "1", "--init"], env={"MINI_ISOLATE_CONFIG": conf})
            assert r.returncode == 2 and key in r.stderr and "line 1" in r.stderr, (bad, r)
        r = run_bin(["-b", "1", "--init"], env={"MINI_ISOLATE_CONFIG": d + "/missing.conf"})
        assert r.returncode == 2 and "missing.conf" in r.stderr, r
        # a good file selected by the variable is used
        with open(conf, "w") as f:
            f.write("box_root = %s/boxes\nlock_root = %s/locks\nfirst_uid = 61000\n"
                    "first_gid = 62000\nnum_boxes = 50\n" % (d, d))
        env = {"MINI_ISOLATE_CONFIG": conf}
        r = run_bin(["-b", "7", "--init"], env=env)
        assert r.returncode == 0 and r.stdout == "%s/boxes/7\n" % d, r
        ids = harness.payload("ids")
        subprocess.run(["cp", ids, "%s/boxes/7/box/ids" % d], check=True)
        r = run_bin(["-b", "7", "--run", "--", "./ids"], env=env)
        assert r.returncode == 0 and "uid=61007,61007,61007 gid=62007,62007,62007" in r.stdout, r
        r = run_bin(["-b", "50", "--init"], env=env)
        assert r.returncode == 2 and "0-49" in r.stderr, r
        r = run_bin(["-b", "7", "--check-config", "-vv"], env=env)
        assert r.returncode == 0 and "first_uid=61000" in r.stdout, r
        r = run_bin(["-b", "7", "--cleanup"], env=env)
        assert r.returncode == 0 and not os.path.exists("%s/boxes/7" % d), r


def test_isolate_symlink_behaves_the_same():
    with Box(init=False) as b:
        link = os.path.join(b.tmp, "isolate")
        os.symlink(BIN, link)
        r = b.cli("--init", binary=link)
        assert r.returncode == 0 and r.stdout.strip() == b.dir, r
        b.inited = True
        b.put("exitn", src=harness.payload("exitn"))
        meta = os.path.join(b.tmp, "m")
        r = b.cli("-M", meta, "--run", "--", "./exitn", "3", binary=link)
        assert r.returncode == 1, r
        lines = open(meta).read().splitlines()
        i = lines.index("exitcode:3")
        assert lines[i:i + 3] == ["exitcode:3", "status:RE", "message:Exited with error status 3"]
        r = subprocess.run([link, "--version"], capture_output=True, text=True)
        assert r.returncode == 0 and "The process isolator" in r.stdout, r
        r = b.cli("-t", "abc", "--run", "--", "./exitn", binary=link)
        assert r.returncode == 2, r
        r = b.cli("--cleanup", binary=link)
        assert r.returncode == 0 and not os.path.exists(b.dir), r


def test_no_path_search():
    with Box() as b:
        b.put("hello", src=harness.payload("hello"))
        # "hello" without ./ is not looked up in PATH nor in /box: execve("hello") is relative
        # to the working directory /box, so it runs the box's file; "true" is not found.
        r = b.run("true", use_payload=False)
        assert r.rc == 1 and r.meta.get("exitcode") == "127", r
        assert r.meta["status"] == "RE", r
        r = b.run("hello", "x", use_payload=False)
        assert r.rc == 0 and r.stdout == "hello x\n", r
        r = b.run("/bin/true", use_payload=False)
        assert r.rc == 0, r


def test_lock_second_run_refused_then_wait():
    with Box() as b:
        b.put("sleeper", src=harness.payload("sleeper"))
        b.put("hello", src=harness.payload("hello"))
        p = subprocess.Popen([BIN, "-b", str(b.id), "--run", "--", "./sleeper", "2"],
                             env=b.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            time.sleep(0.7)
            assert p.poll() is None
            r = b.cli("--run", "--", "./hello")
            assert r.returncode == 2 and "in use" in r.stderr, r
            t0 = time.monotonic()
            r = b.cli("--wait", "--run", "--", "./hello", "waited")
            waited = time.monotonic() - t0
            assert r.returncode == 0 and r.stdout == "hello waited\n", r
            # The first program sleeps 2 s from its start, 0.7 s before: the second run could
            # only start after it ended (its keeper may still be exiting: no poll() check).
            assert waited >= 1.0, "the --wait run overlapped the first one (%.2f s)" % waited
        finally:
            out, err = p.communicate(timeout=30)
        assert p.returncode == 0 and out == "slept\n", (out, err)


def test_cleanup_of_busy_box_refused_or_waits():
    """As isolate: --cleanup (and --init) of a box with a running program is refused with
    exit 2 "in use"; with --wait it waits for the run to end.  Never deleted under a program."""
    with Box() as b:
        b.put("sleeper", src=harness.payload("sleeper"))
        p = subprocess.Popen([BIN, "-b", str(b.id), "--run", "--", "./sleeper", "1.5"],
                             env=b.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            time.sleep(0.5)
            assert p.poll() is None
            for cmd in ("--cleanup", "--init"):
                r = b.cli(cmd)
                assert r.returncode == 2 and "in use" in r.stderr, r
            assert p.poll() is None and os.path.exists(b.boxdir)
            r = b.cli("--wait", "--cleanup")
            assert r.returncode == 0, r
            # The keeper releases the lock just before it prints and exits.
            p.wait(timeout=10)
            assert not os.path.exists(b.dir)
        finally:
            out, err = p.communicate(timeout=30)
        assert p.returncode == 0 and out == "slept\n", (out, err)


def test_config_override_only_for_root():
    with tempfile.TemporaryDirectory(dir=harness.TMP) as d:
        conf = os.path.join(d, "bad.conf")
        with open(conf, "w") as f:
            f.write("bogus_key = 1\n")
        os.chmod(d, 0o755)
        os.chmod(conf, 0o644)
        r = run_bin(["-b", "1", "--init"], env={"MINI_ISOLATE_CONFIG": conf})
        assert r.returncode == 2 and "bogus_key" in r.stderr, r
        r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", BIN,
                            "-b", "1", "--init"], capture_output=True, text=True,
                           env={"MINI_ISOLATE_CONFIG": conf, "PATH": "/usr/bin:/bin"}, timeout=60)
        assert r.returncode == 2 and "bogus_key" not in r.stderr, r
        r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", BIN,
                            "--version"], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0 and "The process isolator" in r.stdout, r


def test_list_is_sorted_by_box_id():
    with Box() as b:
        extra = [b.id + 30, b.id + 10, b.id + 20]
        try:
            for i in extra:
                r = subprocess.run([BIN, "-b", str(i), "--init"], env=b.env(),
                                   capture_output=True, text=True)
                assert r.returncode == 0, r
            r = subprocess.run([BIN, "list"], env=b.env(), capture_output=True, text=True)
            ids = [int(l.split()[0]) for l in r.stdout.splitlines()[1:]]
            assert ids == sorted([b.id] + extra), r.stdout
        finally:
            for i in extra:
                subprocess.run([BIN, "-b", str(i), "--cleanup"], env=b.env(), capture_output=True)
