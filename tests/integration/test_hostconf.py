"""isolate's configuration files, unchanged (issue 10 part 3): every key isolate 1.x and 2.x
know is accepted and enforced: cg_parent (where the box groups go, v1 and v2), box<N>.cpus and
box<N>.mems (cpuset: the box's programs see exactly those CPUs and nodes), restricted_init (in
test_setuid.py: it needs a non-root caller), cg_root = auto:FILE, subid_user.  The same tests run
on the hybrid host (v1 backend) and in the pure cgroup v2 VM."""
import json
import os
import subprocess
import tempfile

import harness
from harness import Box, BIN

MI_TEST_CG_ROOT = os.environ.get("MI_TEST_CG_ROOT")


def cg_conf():
    return "cg_root = %s\n" % MI_TEST_CG_ROOT if MI_TEST_CG_ROOT else ""


def cg_mounts():
    """{controller or "cgroup2": mount point}."""
    found = {}
    for line in open("/proc/self/mountinfo"):
        pre, _, post = line.partition(" - ")
        mnt = pre.split()[4]
        fstype, _, opts = post.split()[:3]
        if fstype == "cgroup2":
            found.setdefault("cgroup2", mnt)
        elif fstype == "cgroup":
            for c in opts.split(","):
                found.setdefault(c, mnt)
    return found


def v1():
    return "memory" in cg_mounts()


def parent_name(tag):
    return "mi-test-%d-%s" % (os.getpid(), tag)


def conf_check(text):
    """--check-config -v -v with a config file of this text (no box is made)."""
    with tempfile.TemporaryDirectory(prefix="mi-conf-", dir=harness.TMP) as tmp:
        conf = os.path.join(tmp, "mini-isolate.conf")
        with open(conf, "w") as f:
            f.write(text)
        return subprocess.run([BIN, "-v", "-v", "--check-config"], capture_output=True,
                              text=True, env={"PATH": "/usr/bin:/bin", "MINI_ISOLATE_CONFIG": conf})


ISOLATE_1_CONF = """
box_root = /var/local/lib/isolate
cg_root = /sys/fs/cgroup
cg_parent = boxes
first_uid = 60000
first_gid = 60000
num_boxes = 1000
box0.cpus = 0
box0.mems = 0
box7.cpus = 0-1
"""

ISOLATE_2_CONF = """
box_root = /var/local/lib/isolate
lock_root = /run/isolate/locks
cg_root = auto:%s
first_uid = 60000
first_gid = 60000
num_boxes = 1000
syscall_flags = 65535
restricted_init = 1
box0.cpus = 0
box0.mems = 0
"""


def test_isolate_config_files_accepted():
    r = conf_check(ISOLATE_1_CONF)
    assert r.returncode == 0, r
    for want in ("cg_root=/sys/fs/cgroup", "cg_parent=boxes", "box0.cpus=0", "box0.mems=0",
                 "box7.cpus=0-1", "restricted_init=0"):
        assert want in r.stdout.splitlines(), (want, r.stdout)
    with tempfile.TemporaryDirectory(prefix="mi-conf-", dir=harness.TMP) as tmp:
        f = os.path.join(tmp, "cgroot")
        with open(f, "w") as fh:
            fh.write("/sys/fs/cgroup/isolate.slice/isolate.service\n")
        r = conf_check(ISOLATE_2_CONF % f)
    assert r.returncode == 0, r
    for want in ("cg_root=auto:" + f, "restricted_init=1", "syscall_flags=65535"):
        assert want in r.stdout.splitlines(), (want, r.stdout)


def test_isolate_config_bad_values_are_precise():
    bad = [("cg_parent = ../escape\n", "cg_parent"), ("cg_parent = /abs\n", "cg_parent"),
           ("cg_parent = a//b\n", "cg_parent"), ("box0.cpus = 1-x\n", "box0.cpus"),
           ("box0.cpus = 3-1\n", "box0.cpus"), ("box0.mems = \n", "box0.mems"),
           ("boxx.cpus = 1\n", "boxx.cpus"), ("box0.frob = 1\n", "box0.frob"),
           ("restricted_init = yes\n", "restricted_init"),
           ("subid_user = mi-no-such-user-xyz\n", "subid_user"),
           ("cg_root = auto:relative\n", "cg_root")]
    for text, what in bad:
        r = conf_check(text)
        assert r.returncode == 2 and what in r.stderr and "mini-isolate.conf" in r.stderr, (text, r)
        assert "line 1" in r.stderr or "subid_user" in text, (text, r)


def test_subid_user():
    """first_uid/first_gid (and num_boxes, when not given) from /etc/subuid and /etc/subgid."""
    try:
        sub = open("/etc/subuid").read().split()
        subg = open("/etc/subgid").read().split()
    except OSError:
        raise harness.Skip("no /etc/subuid or /etc/subgid on this host")
    users = {l.split(":")[0]: l.split(":") for l in sub if l.count(":") == 2}
    gusers = {l.split(":")[0]: l.split(":") for l in subg if l.count(":") == 2}
    both = [u for u in users if u in gusers]
    if not both:
        raise harness.Skip("no user with both a subuid and a subgid range")
    u = both[0]
    r = conf_check("subid_user = %s\nnum_boxes = 5\n" % u)
    assert r.returncode == 0, r
    assert "first_uid=%s" % users[u][1] in r.stdout and "num_boxes=5" in r.stdout, r
    assert "first_gid=%s" % gusers[u][1] in r.stdout, r
    r = conf_check("subid_user = %s\nfirst_uid = 70000\n" % u)
    assert r.returncode == 2 and "subid_user" in r.stderr, r


def box_cgroup_of_run(b, *opts):
    r = b.run("/bin/cat", "/proc/self/cgroup", use_payload=False, opts=list(opts))
    assert r.rc == 0, r
    return r.stdout


def test_cg_parent_places_the_box_groups():
    par = parent_name("par") + "/inner"
    with Box(cg=True, init=False, conf_extra=cg_conf() + "cg_parent = %s\n" % par) as b:
        r = b.init()
        assert r.returncode == 0, r
        m = cg_mounts()
        if v1():
            tops = [m[c] for c in ("memory", "cpuacct", "pids")]
            dirs = [os.path.join(t, par, "box-%d" % b.id) for t in tops]
        else:
            base = MI_TEST_CG_ROOT or m["cgroup2"]
            tops = [base]
            dirs = [os.path.join(base, par, "box-%d" % b.id)]
        for d in dirs:
            assert os.path.isdir(d), (d, harness.cgroup_dirs(b.id))
        assert all("/mini-isolate/" not in d for d in harness.cgroup_dirs(b.id)), \
            harness.cgroup_dirs(b.id)
        cg = box_cgroup_of_run(b)
        assert "/%s/box-%d" % (par, b.id) in cg, cg
        r = b.cleanup()
        assert r.returncode == 0, r
        for t in tops:  # the parent is ours: removed with its last box
            assert not os.path.exists(os.path.join(t, par.split("/")[0])), t


def test_cg_parent_separates_installations():
    """Two configurations with the same box id but different cg_parent: two groups."""
    pa, pb = parent_name("a"), parent_name("b")
    box_id = harness.new_box_id()
    with Box(cg=True, box_id=box_id, conf_extra=cg_conf() + "cg_parent = %s\n" % pa) as a, \
         Box(cg=True, box_id=box_id, conf_extra=cg_conf() + "cg_parent = %s\n" % pb) as b:
        ca, cb = box_cgroup_of_run(a), box_cgroup_of_run(b)
        assert pa in ca and pb in cb, (ca, cb)
        r = a.cleanup()
        assert r.returncode == 0, r
        # b's group survives a's cleanup and still runs
        assert pb in box_cgroup_of_run(b)


def ncpus():
    return len(os.sched_getaffinity(0))


def pinned_box(cpus, mems=None, cg=True, tag="pin"):
    box_id = harness.new_box_id()
    conf = cg_conf() + "cg_parent = %s\nbox%d.cpus = %s\n" % (parent_name(tag), box_id, cpus)
    if mems is not None:
        conf += "box%d.mems = %s\n" % (box_id, mems)
    return Box(cg=cg, box_id=box_id, conf_extra=conf)


def test_box_cpus_pinned_with_cg():
    if ncpus() < 2 or not {0, 1} <= os.sched_getaffinity(0):
        raise harness.Skip("needs CPUs 0 and 1")
    for cpu in ("1", "0"):
        with pinned_box(cpu, mems="0", tag="pin" + cpu) as b:
            r = b.run("affinity", opts=["-p4"])
            assert r.rc == 0 and r.stdout.strip() == "cpus=%s mems=0" % cpu, r
            # the program cannot widen it: the cpuset bounds every affinity it sets
            r = b.run("affinity", "widen", opts=["-p4"])
            assert r.rc == 0 and r.stdout.splitlines()[-1] == "cpus=%s mems=0" % cpu, r
            assert "warning" not in r.stderr.lower(), r
    # a box without a per-box entry sees every CPU
    with Box(cg=True, conf_extra=cg_conf()) as b:
        r = b.run("affinity")
        assert r.rc == 0 and r.stdout.startswith("cpus=%s" % subprocess.run(
            ["sh", "-c", "cat /sys/fs/cgroup/cpuset/cpuset.effective_cpus 2>/dev/null || "
             "cat /sys/fs/cgroup/cpuset.cpus.effective"], capture_output=True,
            text=True).stdout.strip()), r


def test_box_cpus_outside_the_host_refused():
    with pinned_box("1000", tag="bad") as b:
        r = b.run("affinity")
        assert r.rc == 2 and "box%d.cpus" % b.id in r.stderr and "1000" in r.stderr, r


def test_box_cpus_without_cg_is_affinity_and_warned():
    if ncpus() < 2 or not {0, 1} <= os.sched_getaffinity(0):
        raise harness.Skip("needs CPUs 0 and 1")
    with pinned_box("1", mems="0", cg=False, tag="nocg") as b:
        r = b.run("affinity", opts=["--json"])
        assert r.rc == 0, r
        j = json.loads(r.stdout.splitlines()[-1])
        assert j["stdout"] == "cpus=1 mems=0\n", j
        w = " ".join(j["warnings"])
        assert "without --cg" in w and "sched_setaffinity" in w, j
        assert "without --cg" in r.stderr, r
        r = b.run("affinity", "widen")
        assert r.stdout.splitlines()[0] == "widen=ok", r  # advisory only, as the warning says


def test_check_environment_reports_the_keys():
    box_id = harness.new_box_id()
    with Box(init=False, box_id=box_id, conf_extra=cg_conf() + "cg_parent = %s\nrestricted_init "
             "= 1\nbox%d.cpus = 0\n" % (parent_name("env"), box_id)) as b:
        r = subprocess.run([BIN, "--check-environment"], capture_output=True, text=True,
                           env=b.env())
        assert "cg_parent %s" % parent_name("env") in r.stdout, r.stdout
        assert "restricted_init 1" in r.stdout, r.stdout
        assert "box %d: cpus 0, mems (all)" % box_id in r.stdout, r.stdout
        assert "/%s/box-N" % parent_name("env") in r.stdout, r.stdout


def test_isolate_1x_config_runs_pinned():
    """isolate 1.x's own keys (cg_root = the cgroup filesystem root, cg_parent, box<N>.cpus) run
    a --cg box pinned to CPU 1 on either backend."""
    if ncpus() < 2 or 1 not in os.sched_getaffinity(0):
        raise harness.Skip("needs CPU 1")
    box_id = harness.new_box_id()
    conf = "cg_root = /sys/fs/cgroup\ncg_parent = %s\nfirst_uid = 60000\nfirst_gid = 60000\n" \
           "box%d.cpus = 1\nbox%d.mems = 0\n" % (parent_name("iso1"), box_id, box_id)
    with Box(cg=True, box_id=box_id, conf_extra=conf) as b:
        r = b.run("affinity", opts=["-p4"])
        assert r.rc == 0 and r.stdout.strip() == "cpus=1 mems=0", r
        assert "/%s/box-%d" % (parent_name("iso1"), box_id) in box_cgroup_of_run(b)
