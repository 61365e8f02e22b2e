"""Helpers for the server tests: a real `mini-isolate-serve` on a loopback port of its own (or a
Unix socket), its own host configuration and box ids, spoken to with http.client."""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import harness

SERVE = os.path.join(harness.BUILD, "mini-isolate-serve")
# How much slower than this machine the tests may run: the VM runner (TCG, no acceleration; it
# sets PYTHONHOME) is about ten times slower.  Limits a test expects a program to stay under, and
# waits, are scaled; limits a test expects to be hit are not.
SLOW = float(os.environ.get("MI_TEST_SLOW", "10" if os.environ.get("PYTHONHOME") else "1"))

_lock = threading.Lock()
_next = 1_500_000_000 + (os.getpid() % 10_000) * 10_000


def _ids(n):
    global _next
    with _lock:
        first = _next
        _next += n
    return first, first + n - 1


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class UnixConn(http.client.HTTPConnection):
    def __init__(self, path, timeout=60):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


class Server:
    """Use as a context manager; stop() (SIGTERM) and the leftover checks always run."""

    def __init__(self, *flags, boxes=16, unix=False, env=None, tmp=None, ids=None, own_store=False,
                 conf_extra=""):
        if not os.path.exists(SERVE):
            raise harness.Skip("mini-isolate-serve not built (libmicrohttpd missing)")
        self.tmp = tmp or tempfile.mkdtemp(prefix="mi-srv-", dir=harness.TMP)
        os.chmod(self.tmp, 0o755)
        self.conf = os.path.join(self.tmp, "mini-isolate.conf")
        with open(self.conf, "w") as f:
            f.write("box_root = %s/boxes\nlock_root = %s/locks\nnum_boxes = 2147483647\n%s"
                    % (self.tmp, self.tmp, conf_extra))
        self.ids = ids or _ids(boxes)
        self.unix = os.path.join(self.tmp, "sock") if unix else None
        self.port = None if unix else free_port()
        addr = "unix:" + self.unix if unix else "127.0.0.1:%d" % self.port
        self.store = os.path.join(self.tmp, "store")
        args = [SERVE, "-http-addr", addr, "-box-ids", "%d-%d" % self.ids]
        if own_store:
            self.store = "/dev/shm/mini-isolate-serve-%d" % self.ids[0]
        else:
            args += ["-dir", self.store]
        args += list(flags)
        e = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "MINI_ISOLATE_CONFIG": self.conf}
        for k in ("PYTHONHOME", "ASAN_OPTIONS", "UBSAN_OPTIONS"):
            if k in os.environ:
                e[k] = os.environ[k]
        e.update(env or {})
        self.log = open(os.path.join(self.tmp, "log"), "w+")
        self.proc = subprocess.Popen(args, env=e, stdout=self.log, stderr=self.log)
        self.wait_ready()

    def wait_ready(self):
        deadline = time.monotonic() + 30 * SLOW
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("server exited %s: %s" % (self.proc.returncode, self.logtext()))
            try:
                st, _ = self.get("/version", timeout=2)
                if st == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError("server did not start: " + self.logtext())

    def logtext(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def conn(self, timeout=120):
        if self.unix:
            return UnixConn(self.unix, timeout=timeout)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, timeout=120 * SLOW):
        c = self.conn(timeout)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            self.last_headers = dict(r.getheaders())
            return r.status, data
        finally:
            c.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def run(self, cmds, pipes=None, expect=200, headers=None, **extra):
        req = {"cmd": cmds}
        if pipes is not None:
            req["pipeMapping"] = pipes
        req.update(extra)
        st, data = self.request("POST", "/run", json.dumps(req), headers=headers)
        assert st == expect, (st, data, self.logtext())
        return json.loads(data)

    def stop(self, sig=signal.SIGTERM, timeout=30 * SLOW):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("server did not stop on %s" % sig)
        return self.proc.returncode

    def leftovers(self):
        """Box directories, cgroups and processes of the server's boxes still there."""
        left = []
        boxes = os.path.join(self.tmp, "boxes")
        if os.path.isdir(boxes):
            left += ["box " + d for d in os.listdir(boxes) if d.isdigit()]
        names = {"box-%d" % i for i in range(self.ids[0], self.ids[1] + 1)}
        for root, dirs, _ in os.walk("/sys/fs/cgroup"):
            left += [os.path.join(root, d) for d in dirs if d in names]
            if root.count("/") > 6:
                dirs[:] = []
        for i in range(self.ids[0], self.ids[1] + 1):
            left += ["process %d" % p for p in harness.uid_processes(60000 + i)]
        return left

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            rc = self.stop()
            assert rc == 0, ("exit status", rc, self.logtext())
            left = self.leftovers()
            assert not left, left
        finally:
            self.log.close()
            shutil.rmtree(self.tmp, ignore_errors=True)


def cmd(args, stdin="", max_out=1 << 20, **kw):
    c = {"args": args, "env": ["PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/w"],
         "files": [{"content": stdin}, {"name": "stdout", "max": max_out},
                   {"name": "stderr", "max": max_out}],
         "cpuLimit": int(5_000_000_000 * SLOW), "clockLimit": int(15_000_000_000 * SLOW),
         "memoryLimit": 256 << 20, "procLimit": 32}
    c.update(kw)
    return c


def sh(script, **kw):
    return cmd(["/bin/sh", "-c", script], **kw)
