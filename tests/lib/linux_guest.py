"""Scenarios that boot a guest Linux and run a command in it.

A LinuxBoot prepares the initramfs (guest command, extra files), boots the
kernel under a QemuRun, and hands back the console and the guest command's
exit status: natively, or (vm=True) as a VM on the microkernel, where the
in-place VMM loads the same vmlinux and prints its counters when the VM
stops.
"""

import hashlib
import os
import re
import shutil
import subprocess

import harness
import guest  # tools/guest.py, on sys.path through harness
import guest_toolchain  # tools/guest_toolchain.py, likewise

WORK = os.path.join(harness.BUILD, "test-work")


def work_dir(name):
    path = os.path.join(WORK, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


COUNTERS = re.compile(r"^vmm: counters((?: \w+=\d+)+)\s*$", re.M)


def vmm_counters(console):
    """The last "vmm: counters name=N ..." line as a dict, or None."""
    found = COUNTERS.findall(console)
    if not found:
        return None
    return {k: int(v) for k, v in
            (kv.split("=") for kv in found[-1].split())}


class LinuxBoot:
    """Boot VERSION with CMD as the guest command, natively or as a VM."""

    def __init__(self, name, version, cmd, files=None, add=(), devices=(),
                 timeout=300, memory=None, variant="afterburn", vm=False,
                 console_input=False, append=""):
        self.name = name
        self.dir = work_dir(name)
        self.kernel = guest.vmlinux(version, variant)
        initrd = guest.make_initramfs(os.path.join(self.dir, "initramfs.cpio"),
                                      files=files, cmd=cmd, add=add)
        if vm:
            args = guest.vm_args(self.kernel, initrd, self.dir, append)
        else:
            args = guest.native_args(self.kernel, initrd, append)
        self.run = harness.QemuRun(name, args + list(devices),
                                   timeout=timeout,
                                   memory=memory or guest.machine_memory(1 if vm else 0),
                                   console_input=console_input)
        self.console = ""
        self.status = None

    def boot(self):
        self.console = self.run.run()
        self.status = guest.guest_status(self.console)
        return self

    def counters(self):
        return vmm_counters(self.console)

    def passed(self):
        return self.status == 0 and not self.run.timed_out

    def why(self):
        if self.status is None:
            return "guest never reported its command's status, " + self.run.why()
        return "guest command exited with status %d" % self.status


def copy_with_libraries(program, dest_root):
    """Copy a dynamic host PROGRAM and the libraries ldd names (with the ELF
    interpreter) under DEST_ROOT at the same paths. Returns the guest path."""
    guest_toolchain.copy_tree([program] + guest_toolchain.libraries(program),
                              dest_root)
    return program


def read_log(test_id):
    """The log of an earlier test, or "" if it is not there."""
    try:
        with open(os.path.join(harness.LOG_DIR, test_id + ".log"),
                  errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def limits(console):
    m = harness.find(r"^guest limits: nproc (\d+)", console)
    return m.group(1) if m else None


def run_dynamic(mode, version):
    """Test MODE-VERSION-dynamic-run-MODE: tools/run-linux (what 'make
    run-native' and 'make run-vm' run) with GUEST_FILES holding dynamic
    Debian programs and their libraries; it must exit with the guest's
    status. The guest also prints its RLIMIT_NPROC, which Linux derives
    from its RAM: as a VM it must equal the native run's, when that run's
    log is there (group 40 runs before 50)."""
    test_id = "%s-%s-dynamic-run-%s" % (mode, version, mode)
    files = work_dir(test_id + "-files")
    copy_with_libraries("/usr/bin/sha256sum", files)
    copy_with_libraries("/usr/bin/sort", files)
    with open(os.path.join(files, "words"), "w") as f:
        f.write("pear\napple\nfig\n")
    cmd = ("/usr/bin/sort /words | /usr/bin/sha256sum; "
           "/usr/bin/sort --version | head -1; "
           "echo \"guest limits: nproc $(ulimit -u)\"; exit 7")
    want = hashlib.sha256(b"apple\nfig\npear\n").hexdigest()
    log = os.path.join(harness.LOG_DIR, test_id + ".log")
    with open(log, "w") as out:
        proc = subprocess.run([os.path.join(harness.ROOT, "tools/run-linux"),
                               mode, "--linux", version, "--files", files,
                               "--cmd", cmd, "--timeout", "300"],
                              stdout=out, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL)
    with open(log, errors="replace") as f:
        console = f.read()
    nproc, native = limits(console), None
    if mode == "vm":
        native = limits(read_log("native-%s-dynamic-run-native" % version))
    same = native is None or native == nproc
    if proc.returncode == 7 and want in console and nproc and same:
        harness.report("PASS", test_id, "dynamic glibc programs run; "
                       "run-linux exits with the guest's status (7); "
                       "RLIMIT_NPROC %s%s" % (nproc, "" if native is None
                                              else ", as natively"))
        return
    harness.report("FAIL", test_id, "exit %d, checksum %s, RLIMIT_NPROC %s "
                   "(native %s) (log: %s)" % (
                       proc.returncode, "found" if want in console else
                       "missing", nproc, native,
                       os.path.relpath(log, harness.ROOT)))
    print("\n".join("    | " + line for line in console.splitlines()[-25:]))
