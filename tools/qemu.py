"""The one place that defines the machine every QEMU run uses.

Every boot in this project (native Linux, the microkernel, benchmarks, tests)
builds its command line here, so the CPU model and machine type are the same
for the runs that a comparison puts side by side (SPEC 3.4, 4.3).
"""

import os

QEMU = os.environ.get("QEMU", "qemu-system-x86_64")

# q35 chipset, TCG (no KVM on the build machines), the full TCG CPU model.
MACHINE = ["-machine", "q35", "-accel", "tcg", "-cpu", "max"]

# isa-debug-exit: a guest write of V to port 0xf4 ends QEMU with status
# (V << 1) | 1. Tests use it to report a verdict without a console parser.
DEBUG_EXIT_PORT = 0xF4
DEBUG_EXIT = ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]


def debug_exit_status(value):
    """The QEMU exit status that a guest write of VALUE to 0xf4 produces."""
    return (value << 1) | 1


def base_args(memory="512M", serial=None, iommu=False):
    """Command line shared by all runs: machine, CPU, memory, no display.

    SERIAL is a QEMU chardev spec for COM1 ("stdio", "file:PATH", ...);
    IOMMU adds the VT-d model (it must come before the devices it covers).
    """
    args = [QEMU] + MACHINE + ["-m", memory, "-nodefaults", "-no-reboot",
                               "-display", "none", "-vga", "none"]
    args += DEBUG_EXIT
    if iommu:
        args += ["-device", "intel-iommu,intremap=off"]
    if serial:
        args += ["-serial", serial]
    return args
