#!/usr/bin/env python3
"""Build the guest initramfs: a newc cpio archive written directly, so no
root privileges or device nodes on the host are needed.

Contents: Debian's static busybox, guest/initramfs/init, the udhcpc hook,
optional extra files (--add SRC:DEST), the tree of --files DIR
copied into the root, and --cmd written to /etc/guest-cmd for /init to run.

usage: mkinitramfs.py -o OUT [--files DIR] [--cmd CMD] [--add SRC:DEST ...]
"""

import argparse
import os
import stat
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BUSYBOX = "/bin/busybox"

DIRS = ["bin", "sbin", "dev", "etc", "lib", "lib64", "mnt", "proc", "root",
        "run", "sys", "tmp", "usr", "usr/bin", "usr/sbin", "usr/share",
        "usr/share/udhcpc", "var"]


class Cpio:
    """Writer of the "newc" cpio format the kernel unpacks (see Linux
    Documentation/driver-api/early-userspace/buffer-format.rst)."""

    def __init__(self, out):
        self.out = out
        self.ino = 1
        self.seen = set()

    def _entry(self, name, mode, data=b"", rdev=(0, 0)):
        name = name.strip("/")
        if stat.S_ISDIR(mode):
            if name in self.seen:     # directories once; files: last one wins
                return
            self.seen.add(name)
        nameb = name.encode() + b"\0"
        fields = [self.ino, mode, 0, 0, 1, 0, len(data), 0, 0,
                  rdev[0], rdev[1], len(nameb), 0]
        self.ino += 1
        hdr = b"070701" + b"".join(b"%08x" % f for f in fields)
        self.out.write(hdr + nameb)
        self._pad(len(hdr) + len(nameb))
        self.out.write(data)
        self._pad(len(data))

    def _pad(self, n):
        self.out.write(b"\0" * ((4 - n % 4) % 4))

    def directory(self, name, mode=0o755):
        self._entry(name, stat.S_IFDIR | mode)

    def file(self, name, data, mode=0o644):
        self._entry(name, stat.S_IFREG | mode, data)

    def symlink(self, name, target):
        self._entry(name, stat.S_IFLNK | 0o777, target.encode())

    def char_device(self, name, major, minor, mode=0o600):
        self._entry(name, stat.S_IFCHR | mode, rdev=(major, minor))

    def parents(self, name):
        parts = name.strip("/").split("/")[:-1]
        for i in range(1, len(parts) + 1):
            self.directory("/".join(parts[:i]))

    def host_path(self, src, dest):
        """Copy SRC (file, symlink or whole tree) to DEST in the archive."""
        st = os.lstat(src)
        self.parents(dest)
        if stat.S_ISLNK(st.st_mode):
            self.symlink(dest, os.readlink(src))
        elif stat.S_ISDIR(st.st_mode):
            if dest.strip("/"):
                self.directory(dest, stat.S_IMODE(st.st_mode))
            for entry in sorted(os.listdir(src)):
                self.host_path(os.path.join(src, entry),
                               dest.rstrip("/") + "/" + entry)
        elif stat.S_ISREG(st.st_mode):
            with open(src, "rb") as f:
                self.file(dest, f.read(), stat.S_IMODE(st.st_mode))
        else:
            sys.exit("mkinitramfs: %s: not a file, directory or symlink" % src)

    def trailer(self):
        self._entry("TRAILER!!!", 0)
        self._pad(self.out.tell())


def read(path):
    with open(path, "rb") as f:
        return f.read()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--files", help="directory copied into the guest root")
    ap.add_argument("--cmd", help="shell command /init runs after boot")
    ap.add_argument("--add", action="append", default=[],
                    metavar="SRC:DEST", help="extra host file for the guest")
    args = ap.parse_args()

    if args.files and not os.path.isdir(args.files):
        sys.exit("mkinitramfs: GUEST_FILES=%s is not a directory" % args.files)
    if not os.path.isfile(BUSYBOX):
        sys.exit("mkinitramfs: %s missing (run 'make setup')" % BUSYBOX)

    tmp = args.output + ".tmp"
    with open(tmp, "wb") as out:
        cpio = Cpio(out)
        for d in DIRS:
            cpio.directory(d)
        cpio.char_device("dev/console", 5, 1)
        cpio.char_device("dev/null", 1, 3, 0o666)
        cpio.file("bin/busybox", read(BUSYBOX), 0o755)
        cpio.symlink("bin/sh", "busybox")
        cpio.file("init", read(os.path.join(ROOT, "guest/initramfs/init")),
                  0o755)
        cpio.file("usr/share/udhcpc/default.script", read(os.path.join(
            ROOT, "guest/initramfs/udhcpc.script")), 0o755)
        cpio.file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n")
        cpio.file("etc/group", b"root:x:0:\n")
        if args.cmd is not None:
            cpio.file("etc/guest-cmd", args.cmd.encode() + b"\n")
        # The kernel unpacks in order, so later entries replace earlier ones:
        # --files may replace anything above.
        for spec in args.add:
            src, _, dest = spec.partition(":")
            cpio.host_path(src, dest)
        if args.files:
            for entry in sorted(os.listdir(args.files)):
                cpio.host_path(os.path.join(args.files, entry), entry)
        cpio.trailer()
    os.replace(tmp, args.output)


if __name__ == "__main__":
    main()
