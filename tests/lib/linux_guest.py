"""Scenarios that boot a guest Linux and run a command in it.

A LinuxBoot prepares the initramfs (guest command, extra files), boots the
kernel under a QemuRun, and hands back the console and the guest command's
exit status. Native boots today; the in-place VMM adds a VM mode with the
same interface.
"""

import os
import shutil
import subprocess

import harness
import guest  # tools/guest.py, on sys.path through harness

WORK = os.path.join(harness.BUILD, "test-work")


def work_dir(name):
    path = os.path.join(WORK, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


class LinuxBoot:
    """Boot VERSION natively with CMD as the guest command."""

    def __init__(self, name, version, cmd, files=None, add=(), devices=(),
                 timeout=300, memory="512M", variant="afterburn"):
        self.name = name
        self.dir = work_dir(name)
        self.kernel = guest.vmlinux(version, variant)
        initrd = guest.make_initramfs(os.path.join(self.dir, "initramfs.cpio"),
                                      files=files, cmd=cmd, add=add)
        self.run = harness.QemuRun(name, guest.native_args(self.kernel, initrd)
                                   + list(devices), timeout=timeout,
                                   memory=memory)
        self.console = ""
        self.status = None

    def boot(self):
        self.console = self.run.run()
        self.status = guest.guest_status(self.console)
        return self

    def passed(self):
        return self.status == 0 and not self.run.timed_out

    def why(self):
        if self.status is None:
            return "guest never reported its command's status, " + self.run.why()
        return "guest command exited with status %d" % self.status


def copy_with_libraries(program, dest_root):
    """Copy a dynamic host PROGRAM and the libraries ldd names (with the ELF
    interpreter) under DEST_ROOT at the same paths. Returns the guest path."""
    paths = [program]
    out = subprocess.run(["ldd", program], capture_output=True, text=True,
                         check=True).stdout
    for line in out.splitlines():
        for word in line.split():
            if word.startswith("/") and os.path.exists(word):
                paths.append(word)
    for p in paths:
        real = os.path.realpath(p)
        target = os.path.join(dest_root, p.lstrip("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(real, target)
    return program
