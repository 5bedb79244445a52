"""Guest kernel modules (SPEC 6): the module helper, a test module full
of sensitive instructions, one whose code Linux rewrites while it runs
and one that watches its own data with a hardware breakpoint
(guest/modules/), loaded into a guest Linux natively or as a VM. The same
.ko files serve both.

In a VM the test module is first loaded without the helper: its sites are
then not rewritten, the instructions that fault are trapped and emulated
(and counted) and those that do not fault behave differently at CPL 3, so
its checks fail. That run shows the checks can fail. Then the helper is
loaded, and the test module loads, unloads and loads again with every
check passing, its sites rewritten and nothing trapped.
"""

import os

import harness
from linux_guest import LinuxBoot

SNAPSHOT = r"^vmm: counters@%s((?: \w+=\d+)+)\s*$"
SUMMARY = r"sensitive_test: (\d+) of (\d+) checks passed"
POKES = r"textpoke_test: (\d+) of (\d+) checks passed"
WATCH = r"hwbp_test: (\d+) of (\d+) checks passed"


def module_files(version):
    d = os.path.join(harness.BUILD, "guest", "modules", version)
    return [os.path.join(d, m + ".ko") for m in
            ("afterburn_helper", "sensitive_test", "vmmctl_badreq",
             "textpoke_test", "hwbp_test")]


def snapshot(console, label):
    m = harness.find(SNAPSHOT % label, console)
    if not m:
        return None
    return {k: int(v) for k, v in (kv.split("=") for kv in m.group(1).split())}


def delta(a, b, key):
    return b[key] - a[key] if a and b else None


VM_CMD = (
    "insmod /modules/sensitive_test.ko; echo \"modtest: without helper $?\"; "
    "echo '@vmm counters no-helper'; "
    "insmod /modules/afterburn_helper.ko || exit 10; "
    "echo '@vmm counters helper'; "
    "insmod /modules/sensitive_test.ko || exit 11; "
    "rmmod sensitive_test || exit 12; "
    "insmod /modules/sensitive_test.ko || exit 13; "
    "rmmod sensitive_test || exit 14; "
    "echo '@vmm counters done'; "
    "insmod /modules/vmmctl_badreq.ko || exit 15; "
    "echo '@vmm counters poke-before'; "
    "insmod /modules/textpoke_test.ko || exit 16; "
    "echo '@vmm counters poke-after'; "
    "insmod /modules/hwbp_test.ko || exit 17; "
    "echo '@vmm counters watch-after'")

NATIVE_CMD = (
    "insmod /modules/afterburn_helper.ko || exit 10; "
    "insmod /modules/sensitive_test.ko || exit 11; "
    "rmmod sensitive_test || exit 12; "
    "insmod /modules/textpoke_test.ko || exit 16; "
    "insmod /modules/hwbp_test.ko || exit 17")


def verdict(test_id, ok, text, boot, reason):
    if ok:
        harness.report("PASS", test_id, text)
    else:
        harness.fail_with_log(test_id, reason, boot.run)


def watch_verdict(tid, boot, extra_ok=True, extra=""):
    """hwbp_test: its kernel-data watchpoint counted every access."""
    m = harness.find(WATCH, boot.console)
    verdict(tid + "-kernel-watchpoint", boot.passed() and m and
            m.group(1) == m.group(2) and extra_ok,
            "a hardware watchpoint on a module's variable (register_wide_"
            "hw_breakpoint) counted its writes and reads exactly: %s "
            "checks%s" % (m.group(2) if m else "?", extra), boot,
            "%s; %s%s" % (boot.why(), m.group(0) if m else "no summary",
                          extra))


def run_modules(mode, version):
    """Tests MODE-VERSION-modules (native) or vm-VERSION-module-* (VM)."""
    files = module_files(version)
    missing = [f for f in files if not os.path.isfile(f)]
    tid = "%s-%s-module" % (mode, version)
    if missing:
        harness.report("FAIL", tid, "%s not built (make guest-modules)"
                       % missing[0])
        return
    add = [f + ":/modules/" + os.path.basename(f) for f in files]
    vm = mode == "vm"
    boot = LinuxBoot(tid, version, VM_CMD if vm else NATIVE_CMD, add=add,
                     vm=vm).boot()
    out = boot.console
    summaries = harness.findall(SUMMARY, out)
    pokes = harness.find(POKES, out)
    if not vm:
        ok = boot.passed() and summaries == [("11", "11")] and \
            harness.find(r"afterburn_helper: no in-place VMM here", out) \
            and pokes and pokes.group(1) == pokes.group(2)
        verdict(tid + "s", ok, "on bare hardware the helper stands aside "
                "and the test modules' %s and %s checks pass" %
                (summaries[0][1] if summaries else "?",
                 pokes.group(2) if pokes else "?"), boot,
                "%s; test modules: %s, %s" % (
                    boot.why(), summaries, pokes.group(0) if pokes else None))
        watch_verdict(tid, boot)
        return
    before, helper, done = (snapshot(out, s) for s in
                            ("no-helper", "helper", "done"))
    failed_first = harness.find(r"modtest: without helper (\d+)", out)
    traps_first = before and before["trap_emulations"]
    verdict(tid + "-without-helper",
            failed_first and failed_first.group(1) != "0" and
            summaries and summaries[0][0] != summaries[0][1] and
            traps_first, "without the helper its sites stay as they are: "
            "%s checks fail, %s instructions trapped" % (
                (int(summaries[0][1]) - int(summaries[0][0]), traps_first)
                if summaries and traps_first else ("?", "?")), boot,
            "the test module passed, or nothing trapped, without the "
            "helper: %s %s" % (summaries, before))
    rewrote = harness.findall(r"^vmm: module sensitive_test: rewrote (\d+) "
                              r"sites, left (\d+)", out)
    sites = delta(helper, done, "module_sites")
    traps = delta(helper, done, "trap_emulations")
    ok = (boot.passed() and summaries[-2:] == [("11", "11")] * 2 and
          len(rewrote) == 2 and int(rewrote[0][0]) > 10 and
          sites == 2 * int(rewrote[0][0]) and traps == 0)
    verdict(tid + "-with-helper", ok, "with the helper the test module "
            "loads twice: %s sites rewritten each time, all checks pass, "
            "0 instructions trapped" % (rewrote[0][0] if rewrote else "?"),
            boot, "%s; summaries %s, rewrote %s, module_sites %s, traps %s"
            % (boot.why(), summaries, rewrote, sites, traps))
    before, after = snapshot(out, "poke-before"), snapshot(out, "poke-after")
    flushes = delta(before, after, "tlb_flushes")
    traps = delta(before, after, "trap_emulations")
    verdict(tid + "-text-poke", boot.passed() and pokes and
            pokes.group(1) == pokes.group(2) and traps == 0 and
            flushes and flushes >= 16,
            "Linux rewrote live module code 16 times (static_call_update: "
            "text_poke_bp through its temporary address space, %s TLB "
            "flushes), all %s calls went to the new target, 0 traps" % (
                flushes, pokes.group(2) if pokes else "?"), boot,
            "%s; %s; flushes %s, traps %s" % (
                boot.why(), pokes.group(0) if pokes else "no summary",
                flushes, traps))
    after_watch = snapshot(out, "watch-after")
    sets = delta(after, after_watch, "debug_sets")
    traps = delta(after, after_watch, "trap_emulations")
    watch_verdict(tid, boot, bool(sets) and traps == 0,
                  " (%s breakpoint changes passed to the microkernel, %s "
                  "traps)" % (sets, traps))
    bad = harness.find(r"vmmctl_badreq: (\d+) of (\d+) malformed requests "
                       r"refused", out)
    logged = len(harness.findall(r"^vmm: module vmmctl_badreq: ", out))
    verdict(tid + "-bad-requests", boot.passed() and bad and
            bad.group(1) == bad.group(2) and int(bad.group(2)) >= 9 and
            logged >= int(bad.group(2)) - 1,
            "%s malformed control requests (bad ranges, unmapped or user "
            "memory, short or overlapping sites) each refused with its error "
            "and a VMM message, nothing changed" %
            (bad.group(2) if bad else "?"), boot,
            "%s; %s; %d VMM messages" % (
                boot.why(), bad.group(0) if bad else "no summary", logged))
