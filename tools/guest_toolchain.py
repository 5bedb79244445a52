#!/usr/bin/env python3
"""Put the host's C toolchain into a directory for GUEST_FILES: the gcc
driver, cc1, collect2, as and ld with every shared library they load, the
start files and libraries a link needs (crt*.o, libgcc, libc's link
files), and the system headers that the given C sources include. The
guest's /usr then holds the same files at the same paths as the host's, so
gcc inside the guest compiles and links as gcc on the host does.

The files come from the Debian packages the setup step installs
(build-essential); nothing is downloaded. Which files: gcc says where its
own parts are (-print-prog-name, -print-file-name), ldd names the
libraries, linker scripts such as libc.so name the files they group, and
gcc -M lists the headers the sources include.

usage: guest_toolchain.py DEST [SOURCE.c ...] [--cflags FLAGS]
"""

import argparse
import os
import shlex
import shutil
import subprocess
import sys

GCC = os.environ.get("GUEST_GCC", "gcc")
PROGRAMS = ("cc1", "collect2", "as", "ld")
# Files a compile and a dynamic or static link ask gcc for.
LINK_FILES = ("crt1.o", "Scrt1.o", "crti.o", "crtn.o", "crtbegin.o",
              "crtend.o", "crtbeginS.o", "crtendS.o",
              "libgcc.a", "libgcc_eh.a", "libgcc_s.so", "libgcc_s.so.1",
              "libc.so", "libc_nonshared.a", "libm.so",
              "liblto_plugin.so")


def host(*argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit("guest_toolchain: %s failed: %s" % (" ".join(argv), e))


def gcc_path(kind, name):
    """Where the host gcc finds NAME (-print-prog-name or -print-file-name),
    or for a program it runs from PATH (as, ld) where PATH has it; None
    when neither knows it."""
    path = host(GCC, "-print-%s-name=%s" % (kind, name))
    if not os.path.isabs(path) and kind == "prog":
        path = shutil.which(path) or ""
    if not os.path.isabs(path) or not os.path.exists(path):
        return None
    return os.path.normpath(path)


def libraries(program):
    """The shared libraries ldd says PROGRAM loads, its interpreter
    included (absolute paths as ldd prints them)."""
    out = subprocess.run(["ldd", program], capture_output=True,
                         text=True).stdout
    return [w for w in out.split() if w.startswith("/") and
            os.path.exists(w)]


def linker_script_inputs(path):
    """The files a linker script such as libc.so names in GROUP or INPUT;
    [] for a real library."""
    with open(path, "rb") as f:
        head = f.read(4)
    if head == b"\x7fELF" or head.startswith(b"!<ar"):
        return []
    with open(path, errors="replace") as f:
        words = f.read().replace("(", " ").replace(")", " ").split()
    here = os.path.dirname(path)
    found = [os.path.join(here, w) for w in words
             if w.endswith((".so", ".a")) or ".so." in w]
    return [os.path.normpath(w) for w in found if os.path.exists(w)]


def headers(sources, cflags):
    """The headers outside the sources' own directories that gcc -M lists."""
    if not sources:
        return []
    run = subprocess.run([GCC, "-M", *cflags, *sources], capture_output=True,
                         text=True)
    if run.returncode != 0:
        sys.exit("guest_toolchain: cannot list the headers of %s: %s"
                 % (" ".join(sources), run.stderr.strip()))
    out = run.stdout
    own = {os.path.dirname(os.path.abspath(s)) for s in sources}
    found = []
    for word in out.replace("\\\n", " ").split():
        if word.endswith(":") or not word.startswith("/"):
            continue
        if os.path.dirname(word) not in own:
            found.append(word)
    return found


def toolchain_files(sources=(), cflags=()):
    """Every host file the guest needs to compile SOURCES with CFLAGS and
    link the result."""
    driver = shutil.which(GCC)
    if not driver:
        sys.exit("guest_toolchain: no %s on PATH (is build-essential "
                 "installed?)" % GCC)
    files, programs = set(), [driver]
    for name in PROGRAMS:
        path = gcc_path("prog", name)
        if not path:
            sys.exit("guest_toolchain: %s -print-prog-name=%s: not found "
                     "(is build-essential installed?)" % (GCC, name))
        programs.append(path)
    for name in LINK_FILES:
        path = gcc_path("file", name)
        if path:
            files.add(path)
            files.update(linker_script_inputs(path))
    for prog in programs:
        files.add(prog)
        files.update(libraries(prog))
    files.update(headers(sources, cflags))
    return sorted(files)


def copy_tree(files, dest):
    """Copy FILES under DEST at their own paths. A symlink in the path
    (/usr/bin/gcc -> gcc-12) is kept as a link, with its target copied."""
    for path in files:
        while True:
            target = os.path.join(dest, path.lstrip("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if not os.path.islink(path):
                if not os.path.exists(target):
                    shutil.copy2(path, target)
                break
            link = os.readlink(path)
            if not os.path.lexists(target):
                os.symlink(link, target)
            path = os.path.normpath(os.path.join(os.path.dirname(path),
                                                 link))


def make_root(dest, sources=(), cflags=()):
    """Fill DEST (created if needed) with the toolchain; returns DEST."""
    os.makedirs(dest, exist_ok=True)
    copy_tree(toolchain_files(sources, cflags), dest)
    return dest


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dest")
    ap.add_argument("sources", nargs="*",
                    help="C files whose system headers go along")
    ap.add_argument("--cflags", default="-O2",
                    help="flags the sources will be compiled with, which "
                    "decide the headers they pull in (default: -O2)")
    args = ap.parse_args()
    make_root(args.dest, args.sources, shlex.split(args.cflags))
    return 0


if __name__ == "__main__":
    sys.exit(main())
