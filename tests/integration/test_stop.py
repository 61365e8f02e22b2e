"""A program that stops (issue 10 part 2).  isolate (1.10.1, 2.x) never reports a stop: its proxy
waits without WUNTRACED, so the stopped program stays stopped until the wall-clock limit kills it
(status TO, "Time limit exceeded (wall clock)", killed:1; CMS's test timeout-sigstop), and without
-w it hangs forever.  We do the same under -w; without -w we kill a stopped program at once and say
so (Signaled, SG), since nothing else would ever end the run."""
import json
import time

import harness
from harness import Box


def test_stop_self_under_wall_limit_is_wall_timeout():
    for cg in (False, True):
        with Box(cg=cg) as b:
            t0 = time.monotonic()
            r = b.run("stopper", "self", "19", opts=["-t", "1", "-w", "2"], timeout=30)
            dt = time.monotonic() - t0
            assert r.rc == 1 and r.status == "TO", r
            assert r.meta.get("message") == "Time limit exceeded (wall clock)", r
            assert r.meta.get("killed") == "1" and r.meta.get("verdict") == "TimeLimit", r
            assert "exitsig" not in r.meta and "continued" not in r.stdout, r
            assert r.wall() >= 2.0 and dt >= 2.0 and r.time() < r.wall() - 1.0, r


def test_stop_self_without_wall_limit_is_killed_and_said():
    with Box() as b:
        # (the subprocess timeout bounds a hang; the run itself ends long before -t 5 of CPU)
        r = b.run("stopper", "self", "19", opts=["-t", "5", "--json"], timeout=60)
        assert r.wall() < 3.0 * harness.SLOW, r
        assert r.rc == 1 and r.status == "SG" and r.meta.get("exitsig") == "19", r
        assert r.meta["message"].startswith("Stopped by signal 19"), r
        assert "no wall-clock limit" in r.meta["message"], r
        assert r.meta.get("verdict") == "Signaled", r
        assert r.meta["verdict-message"] == r.meta["message"], r
        j = json.loads(r.stdout.strip().splitlines()[-1])
        assert j["status"] == "Signaled" and j["signal"] == 19 and j["isolate"]["killed"], j


def test_stop_child_under_wall_limit_is_wall_timeout():
    """A stopped helper the program waits for: the program sleeps in wait(), only -w ends it
    (as for any sleeping program; isolate alike)."""
    with Box(cg=True) as b:
        r = b.run("stopper", "child", "19", opts=["-p4", "-t", "1", "-w", "1.5"], timeout=30)
        assert r.status == "TO" and r.meta.get("message") == "Time limit exceeded (wall clock)", r
        assert r.meta.get("killed") == "1" and "parent done" not in r.stdout, r


def test_terminal_stop_signals_are_discarded():
    """SIGTSTP/SIGTTIN/SIGTTOU: the program is a session leader with no terminal (setsid, against
    TIOCSTI), so its process group is orphaned and the kernel discards these signals: the program
    goes on.  (In isolate the program's group is not orphaned: they stop it like SIGSTOP.)"""
    with Box() as b:
        for sig in ("20", "21", "22"):
            r = b.run("stopper", "self", sig, opts=["-w", "5"], timeout=30)
            assert r.status == "OK" and r.stdout == "continued\n", (sig, r)
