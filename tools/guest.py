"""Guest Linux boots: where the kernels are, how their initramfs is made,
and the QEMU command line of a native boot.

Native boots use QEMU's PVH loader: it starts the uncompressed vmlinux ELF
through its PVH note (CONFIG_PVH), so the file that boots natively is
byte for byte the file the in-place VMM loads (SPEC 3.3).
"""

import hashlib
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
VERSIONS = ("6.1", "6.12")

# Kernel command line of every guest boot. panic=-1: a panicking guest
# reboots at once, which -no-reboot turns into a QEMU exit.
APPEND = "console=ttyS0,115200 panic=-1 oops=panic"
# Linux's COMMAND_LINE_SIZE on x86 is 2048 with the terminating NUL; it cuts
# a longer line short, the VMM refuses it (vmm/loader.c).
CMDLINE_MAX = 2047

STATUS = re.compile(r"^guest-cmd exit=(\d+)\s*$", re.M)
# Linux's message when the initramfs does not fit the guest's RAM (or is
# corrupt): the guest then runs on with part of its files missing.
UNPACK_FAILED = re.compile(r"Initramfs unpacking failed: (.*)")

# The guest's RAM, natively and as a VM, so that a program that fits in
# one fits in the other. The root task gives each VM the same amount
# (VM_RAM in user/roottask/vm.c).
GUEST_RAM_MIB = 512


def machine_memory(vms=0):
    """QEMU's -m for a native boot (VMS 0) or for VMS VMs on the
    microkernel: each VM's RAM with its boot modules, the kernel pool
    (a sixteenth of the machine, docs/microkernel.md) and the root task.
    Three VMs stay below 2.75 GiB, where q35 would split RAM around the
    PCI hole."""
    if not vms:
        return "%dM" % GUEST_RAM_MIB
    return "%dM" % (GUEST_RAM_MIB + (GUEST_RAM_MIB + 192) * vms)


def kernel_dir(version, variant="afterburn"):
    if version not in VERSIONS:
        sys.exit("LINUX=%s: supported versions are %s"
                 % (version, ", ".join(VERSIONS)))
    name = version if variant == "afterburn" else version + "-" + variant
    return os.path.join(BUILD, "linux", name)


def vmlinux(version, variant="afterburn"):
    path = os.path.join(kernel_dir(version, variant), "vmlinux")
    if not os.path.isfile(path):
        sys.exit("%s missing: build it with 'make linux LINUX=%s'"
                 % (os.path.relpath(path, ROOT), version))
    return path


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def make_initramfs(out, files=None, cmd=None, add=()):
    """Write an initramfs to OUT (see tools/mkinitramfs.py)."""
    argv = [sys.executable, os.path.join(ROOT, "tools", "mkinitramfs.py"),
            "-o", out]
    if files:
        argv += ["--files", files]
    if cmd is not None:
        argv += ["--cmd", cmd]
    for spec in add:
        argv += ["--add", spec]
    subprocess.run(argv, check=True)
    return out


# The VM's ACPI tables describe power-off only, not the PCI host bridge
# (vmm/dev/acpi.c): Linux scans PCI configuration space itself.
VM_APPEND = "pci=noacpi"


def cmdline(vm, append=""):
    """The guest kernel's command line, natively or as a VM, with APPEND's
    words last."""
    return " ".join(x for x in (APPEND, VM_APPEND if vm else "", append)
                    if x)


def native_args(kernel, initrd, append=""):
    """QEMU arguments (after tools/qemu.py's base) of a native boot."""
    return ["-kernel", kernel, "-initrd", initrd,
            "-append", cmdline(False, append)]


def vm_files():
    """The microkernel, its root task and the VMM (make microkernel vmm)."""
    files = [os.path.join(BUILD, "microkernel", "kernel.bin"),
             os.path.join(BUILD, "microkernel", "roottask.elf"),
             os.path.join(BUILD, "vmm", "vmm.elf")]
    for f in files:
        if not os.path.isfile(f):
            sys.exit("%s missing: build it with 'make microkernel vmm'"
                     % os.path.relpath(f, ROOT))
    return files


def vm_modules(guests):
    """Multiboot modules for the root task and one VM per (kernel, initrd,
    cmdline file) triple in GUESTS."""
    mk, root, vmm = vm_files()
    mods = [root]
    for kernel, initrd, cmdline in guests:
        mods += [vmm, kernel, initrd, cmdline]
    return ["-kernel", mk, "-initrd", ",".join(mods)]


def vm_args(kernel, initrd, work, append="", count=1):
    """QEMU arguments (after tools/qemu.py's base) of a boot as COUNT VMs
    on the microkernel, each with the same vmlinux and initramfs as
    native_args."""
    path = os.path.join(work, "cmdline.txt")
    with open(path, "w") as f:
        f.write(cmdline(True, append) + "\n")
    return vm_modules([(kernel, initrd, path)] * count)


def net_args(netdev_opts=""):
    """An e1000 NIC on QEMU's user-mode network (DHCP server at 10.0.2.2)."""
    opts = "user,id=net0" + ("," + netdev_opts if netdev_opts else "")
    return ["-netdev", opts, "-device", "e1000,netdev=net0"]


def disk_args(image, fmt="raw"):
    """IMAGE as a virtio-blk disk (/dev/vda in the guest)."""
    return ["-drive", "file=%s,format=%s,if=none,id=disk0,cache=writeback"
            % (image, fmt), "-device", "virtio-blk-pci,drive=disk0"]


def unpack_error(console):
    """Why the guest could not unpack its initramfs, or None."""
    m = UNPACK_FAILED.search(console)
    return m.group(1).strip() if m else None


def guest_status(console):
    """The N of the last "guest-cmd exit=N" line, or None."""
    found = STATUS.findall(console)
    return int(found[-1]) if found else None
