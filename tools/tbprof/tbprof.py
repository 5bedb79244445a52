#!/usr/bin/env python3
"""Read the profiles of the tbprof QEMU plugin (tbprof.c) and say where the
instructions went.

A profile holds segments (the guest ends one with guest/progs/tbmark); each
maps the address of a translation block to the instructions it executed.
The components of a VM live at disjoint addresses (SPEC 5 and 6), so an
address says who ran:

  user         guest user code                below 0x0000800000000000
  microkernel  the microkernel                KERNEL_RANGE (abi/map.h)
  vmm          the in-place VMM               the hypervisor slot after it,
                                              and the near window
                                              (VMM_NEAR_BASE, vm_boot.h)
  guest        the guest kernel               the rest of the upper half
(the near window's early-boot alias, used before the guest's own page
tables, counts as guest).

A profile taken with the plugin's pages=on also holds, per segment, the
address-space switches and the pages touched after each one (QEMU TLB
refills, at least), which the same split sorts by component.

usage: tbprof.py PROFILE [-s SEGMENT] [-n TOP] [--elf PATH ...]
  prints the instructions of a segment (default: 1, the first one after a
  marker) by component and, with --elf files for symbols (vmlinux, the
  VMM, the microkernel), its TOP functions; then the switches and page
  touches, if the profile has them.
"""

import argparse
import bisect
import collections
import subprocess
import sys

USER_END = 0x0000800000000000
MICROKERNEL = (0xffff800000000000, 0xffff878000000000)  # KERNEL_RANGE_*
VMM = ((0xffff878000000000, 0xffff880000000000),  # HYPERVISOR_SLOT_*
       (0xffffffffff000000, 0xffffffffff200000))  # VMM_NEAR_BASE, _END
COMPONENTS = ("user", "guest", "vmm", "microkernel")


class Segment(collections.Counter):
    """{vaddr: instructions} of one segment; with the plugin's pages=on
    also .switches (CR3 loads) and .touches ({page: first touches after a
    switch}), else 0 and empty."""

    def __init__(self):
        super().__init__()
        self.switches = 0
        self.touches = collections.Counter()


def load(path):
    """[Segment] in order."""
    segments = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            fields = line.split()
            if fields[:1] == ["segment"]:
                segments.append(Segment())
                continue
            try:
                if not segments:
                    raise ValueError
                if fields[:1] == ["switches"] and len(fields) == 2:
                    segments[-1].switches += int(fields[1])
                elif fields[:1] == ["touch"] and len(fields) == 3:
                    segments[-1].touches[int(fields[1], 16)] += \
                        int(fields[2])
                elif len(fields) == 3:
                    segments[-1][int(fields[0], 16)] += \
                        int(fields[1]) * int(fields[2])
                else:
                    raise ValueError
            except ValueError:
                raise ValueError("%s:%d: not a tbprof line: %r"
                                 % (path, n, line.rstrip())) from None
    return segments


def component(vaddr):
    if vaddr < USER_END:
        return "user"
    if MICROKERNEL[0] <= vaddr < MICROKERNEL[1]:
        return "microkernel"
    if any(lo <= vaddr < hi for lo, hi in VMM):
        return "vmm"
    return "guest"


def by_component(segment):
    """{component: sum} of a {vaddr: count} (every component listed):
    a segment's instructions, or its page touches."""
    total = dict.fromkeys(COMPONENTS, 0)
    for vaddr, n in segment.items():
        total[component(vaddr)] += n
    return total


class Symbols:
    """Function symbols of some ELF files, for addresses of any of them."""

    def __init__(self, paths):
        syms = []
        for path in paths:
            out = subprocess.run(["nm", "-n", path], capture_output=True,
                                 text=True, check=True).stdout
            for line in out.splitlines():
                f = line.split()
                if len(f) == 3 and f[1] in "tTwW":
                    syms.append((int(f[0], 16), f[2]))
        syms.sort()
        self.addrs = [a for a, _ in syms]
        self.names = [s for _, s in syms]

    def name(self, vaddr):
        if component(vaddr) == "user":
            return "(user)"
        i = bisect.bisect_right(self.addrs, vaddr) - 1
        # another component's last symbol is not this address's function
        if i < 0 or component(self.addrs[i]) != component(vaddr):
            return "?"
        return self.names[i]


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("profile")
    ap.add_argument("-s", "--segment", type=int, default=1)
    ap.add_argument("-n", "--top", type=int, default=30)
    ap.add_argument("--elf", action="append", default=[])
    args = ap.parse_args(argv)
    segments = load(args.profile)
    if not 0 <= args.segment < len(segments):
        sys.exit("%s has segments 0..%d, not %d"
                 % (args.profile, len(segments) - 1, args.segment))
    seg = segments[args.segment]
    comps = by_component(seg)
    total = sum(comps.values())
    print("segment %d: %d instructions" % (args.segment, total))
    for c in COMPONENTS:
        print("  %-12s %14d  %5.1f%%" % (c, comps[c],
                                         100.0 * comps[c] / max(total, 1)))
    if args.elf:
        syms = Symbols(args.elf)
        funcs = collections.Counter()
        for vaddr, n in seg.items():
            funcs[component(vaddr) + ":" + syms.name(vaddr)] += n
        for name, n in funcs.most_common(args.top):
            print("  %-50s %12d" % (name, n))
    if seg.switches:
        pages = by_component(seg.touches)
        touched = sum(pages.values())
        print("%d address-space switches, %d pages touched after them "
              "(%.1f a switch)" % (seg.switches, touched,
                                   touched / seg.switches))
        for c in COMPONENTS:
            print("  %-12s %14d  %5.1f a switch" % (
                c, pages[c], pages[c] / seg.switches))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
