#!/usr/bin/env python3
"""Example: run one program in a fresh box from Python, through ctypes and the library's
JSON-in / JSON-out ABI (no struct layouts to mirror):

    char *mi_run_json(const char *config_json, const char *const *argv);  /* NULL-terminated */
    void mi_free(void *p);

usage (root): examples/run.py [--lib build/libmini-isolate.so] CONFIG_JSON PROGRAM [ARGS...]
"""
import ctypes
import json
import os
import sys


def load(path):
    lib = ctypes.CDLL(path)
    lib.mi_run_json.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p)]
    lib.mi_run_json.restype = ctypes.c_void_p  # keep the pointer: we must mi_free it
    lib.mi_free.argtypes = [ctypes.c_void_p]
    lib.mi_free.restype = None
    return lib


def run(lib, config, argv):
    """config: a dict (IsolateConfig fields) or JSON text; argv: list of str.
    Returns the ExecutionResult as a dict."""
    text = config if isinstance(config, str) else json.dumps(config)
    arr = (ctypes.c_char_p * (len(argv) + 1))(*[a.encode() for a in argv], None)
    ptr = lib.mi_run_json(text.encode(), arr)
    if not ptr:
        raise MemoryError("mi_run_json: out of memory")
    try:
        return json.loads(ctypes.string_at(ptr).decode())
    finally:
        lib.mi_free(ptr)


def main():
    args = sys.argv[1:]
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build",
                        "libmini-isolate.so")
    if args[:1] == ["--lib"]:
        path, args = args[1], args[2:]
    if len(args) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    result = run(load(path), args[0], args[1:])
    print(json.dumps(result, indent=2))
    return 0 if result["status"] != "InternalError" else 2


if __name__ == "__main__":
    sys.exit(main())
