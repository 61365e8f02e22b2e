"""Smoke tests: the basic lifecycle works."""
from harness import Box


def test_hello_ok():
    with Box() as b:
        r = b.run("hello", "world")
        assert r.rc == 0, r
        assert r.stdout == "hello world\n", r
        isolate_keys = [k for k in r.meta_keys if not k.startswith("verdict")]
        assert isolate_keys == ["time", "time-wall", "max-rss", "csw-voluntary", "csw-forced",
                               "exitcode"], r
        assert r.meta.get("verdict") == "Success", r
