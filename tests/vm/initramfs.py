#!/usr/bin/env python3
"""Writes the initramfs of the test VM (tests/vm/cgv2-vm.sh): one uncompressed cpio archive
("newc" format, the one the kernel unpacks) holding

  --root DIR     the contents of DIR at the archive's top (the guest's /init, busybox, /etc);
  --tree PATH    a host directory, recursively, at its own absolute path;
  PATH           a host file at its own absolute path;

and, for every dynamically linked ELF file among them, the shared libraries and the ELF
interpreter ldd names.  Host paths keep their host layout: a symlink on the way (Debian 12's
/lib -> usr/lib) is archived as a symlink next to its target, so programs find their files under
the same names in the guest.  Files are streamed from the host, never copied to a staging tree.
Everything is owned by root in the archive.

usage: initramfs.py OUT [--root DIR] [--tree PATH]... [--exclude GLOB]... [PATH]...
"""
import argparse
import fnmatch
import os
import stat
import subprocess
import sys


class Archive:
    def __init__(self, out):
        self.out = out
        self.ino = 0
        self.done = set()       # archive paths written
        self.elves = []         # host paths of ELF files, for ldd

    def _header(self, name, mode, size, target=b""):
        self.ino += 1
        fields = (self.ino, mode, 0, 0, 1, 0, size, 0, 0, 0, 0, len(name) + 1, 0)
        head = b"070701" + b"".join(b"%08X" % f for f in fields) + name + b"\0"
        self.out.write(head + b"\0" * (-len(head) % 4))

    def _pad(self, n):
        self.out.write(b"\0" * (-n % 4))

    def entry(self, path, mode, data=None, src=None):
        """Write one archive member: path is the guest's absolute path."""
        name = path.lstrip("/").encode()
        if not name or path in self.done:
            return
        self.done.add(path)
        if src is not None:
            size = os.path.getsize(src)
            self._header(name, mode, size)
            with open(src, "rb") as f:
                while True:
                    chunk = f.read(1 << 20)
                    if not chunk:
                        break
                    self.out.write(chunk)
            self._pad(size)
        else:
            data = data or b""
            self._header(name, mode, len(data))
            self.out.write(data)
            self._pad(len(data))

    def host_dir(self, real):
        """The directories leading to a canonical host directory, with their host modes."""
        if real == "/" or real in self.done:
            return
        self.host_dir(os.path.dirname(real))
        self.entry(real, stat.S_IFDIR | stat.S_IMODE(os.stat(real).st_mode))

    def host(self, path, recurse=False, exclude=()):
        """A host path at its own place; symlinks (on the way and at the end) are kept."""
        path = os.path.abspath(path)
        up = os.path.dirname(path)
        while up != "/":  # symlinked directories on the way: the guest needs the link too
            if os.path.islink(up):
                self.host(up)
            up = os.path.dirname(up)
        parent = os.path.realpath(os.path.dirname(path))
        self.host_dir(parent)
        real = os.path.join(parent, os.path.basename(path))
        if real in self.done or any(fnmatch.fnmatch(real, g) for g in exclude):
            return
        st = os.lstat(real)
        if stat.S_ISLNK(st.st_mode):
            target = os.readlink(real)
            self.entry(real, stat.S_IFLNK | 0o777, data=target.encode())
            self.host(os.path.join(parent, target), recurse, exclude)
        elif stat.S_ISDIR(st.st_mode):
            self.host_dir(real)
            if recurse:
                for child in sorted(os.listdir(real)):
                    self.host(os.path.join(real, child), True, exclude)
        elif stat.S_ISREG(st.st_mode):
            self.entry(real, stat.S_IFREG | stat.S_IMODE(st.st_mode), src=real)
            if is_elf(real):
                self.elves.append(real)

    def root(self, top):
        """The contents of a local directory at the archive's top."""
        for d, dirs, files in os.walk(top):
            dirs.sort()
            for n in sorted(dirs) + sorted(files):
                p = os.path.join(d, n)
                guest = "/" + os.path.relpath(p, top)
                st = os.lstat(p)
                if stat.S_ISLNK(st.st_mode):
                    self.entry(guest, stat.S_IFLNK | 0o777, data=os.readlink(p).encode())
                elif stat.S_ISDIR(st.st_mode):
                    self.entry(guest, stat.S_IFDIR | stat.S_IMODE(st.st_mode))
                elif stat.S_ISREG(st.st_mode):
                    self.entry(guest, stat.S_IFREG | stat.S_IMODE(st.st_mode), src=p)

    def libraries(self):
        """What the dynamic loader needs for every ELF file archived (ldd: the whole closure)."""
        libs = set()
        for i in range(0, len(self.elves), 200):
            r = subprocess.run(["ldd"] + self.elves[i:i + 200], capture_output=True, text=True)
            for line in r.stdout.splitlines():
                words = line.split()
                if "=>" in words and len(words) > words.index("=>") + 1:
                    lib = words[words.index("=>") + 1]
                elif len(words) == 2 and words[0].startswith("/") and words[1].startswith("(0x"):
                    lib = words[0]  # the ELF interpreter
                else:
                    continue
                if lib.startswith("/"):
                    libs.add(lib)
        self.elves = []
        for lib in sorted(libs):
            self.host(lib)

    def close(self):
        self._header(b"TRAILER!!!", 0, 0)
        self.out.flush()


def is_elf(path):
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--root")
    ap.add_argument("--tree", action="append", default=[])
    ap.add_argument("--exclude", action="append", default=[])
    ap.add_argument("paths", nargs="*")
    a = ap.parse_intermixed_args()
    with open(a.out, "wb") as out:
        ar = Archive(out)
        if a.root:
            ar.root(a.root)
        for t in a.tree:
            ar.host(t, recurse=True, exclude=a.exclude)
        for p in a.paths:
            if not os.path.lexists(p):
                sys.exit("initramfs.py: no such host file: %s" % p)
            ar.host(p, exclude=a.exclude)
        ar.libraries()
        ar.close()


if __name__ == "__main__":
    main()
