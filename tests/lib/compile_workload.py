"""The compile workload (guest/workloads/compile-workload.sh): gcc inside
the guest builds the afterburner's annotator from its sources, and the
program it built must annotate the afterburner's test cases exactly as
the host's build does. A test of dynamic programs far larger than a
shell's (gcc, cc1, as, ld: fork, exec, mmap of 30 MB binaries, temporary
files), and the macro benchmark the issue names first ("compiling a small
C project with a compiler shipped in the initramfs").

files(dest) prepares the GUEST_FILES tree ('python3
tests/lib/compile_workload.py DIR' does it for 'make run'); run_compile()
is the test MODE-VERSION-compile, natively and as a VM.
"""

import os
import re
import shutil
import subprocess
import sys

import harness
import guest_toolchain  # tools/, on sys.path through harness
from linux_guest import LinuxBoot, work_dir

SRC = os.path.join(harness.ROOT, "afterburner")
CASES = os.path.join(SRC, "tests", "cases")
SCRIPT = os.path.join(harness.ROOT, "guest", "workloads",
                      "compile-workload.sh")
AFTERBURN = os.path.join(harness.BUILD, "bin", "afterburn")
# Files of the afterburner with a main() of their own, not afterburn's.
OTHER_MAINS = ("ab_as.c", "gen_doc.c")
CFLAGS = ["-std=gnu11", "-O2", "-D_GNU_SOURCE", "-I" + SRC]
RESULT = re.compile(r"^compile-workload: (ok \((\d+) rounds, (\d+) files, "
                    r"(\d+) cases\)|FAILED: .*)$", re.M)


def sources():
    return sorted(os.path.join(SRC, f) for f in os.listdir(SRC)
                  if f.endswith(".c") and f not in OTHER_MAINS)


def files(dest):
    """Fill DEST for GUEST_FILES: the toolchain, afterburn's sources under
    /src/afterburner, the non-error test cases with the host afterburn's
    output (.want) under /src/cases, the script as /bin/compile-workload.sh.
    Returns DEST."""
    if not os.access(AFTERBURN, os.X_OK):
        raise RuntimeError("%s not built ('make tools')" % AFTERBURN)
    srcs = sources()
    guest_toolchain.make_root(dest, srcs, CFLAGS)
    src_dir = os.path.join(dest, "src", "afterburner")
    cases_dir = os.path.join(dest, "src", "cases")
    os.makedirs(src_dir, exist_ok=True)
    os.makedirs(cases_dir, exist_ok=True)
    for name in os.listdir(SRC):
        if name.endswith((".h", ".def")):
            shutil.copy2(os.path.join(SRC, name), src_dir)
    for path in srcs:
        shutil.copy2(path, src_dir)
    for name in sorted(os.listdir(CASES)):
        if not name.endswith(".s") or name.startswith("err-"):
            continue
        shutil.copy2(os.path.join(CASES, name), cases_dir)
        with open(os.path.join(cases_dir, name[:-2] + ".want"), "wb") as out:
            subprocess.run([AFTERBURN, os.path.join(CASES, name)],
                           stdout=out, check=True)
    os.makedirs(os.path.join(dest, "bin"), exist_ok=True)
    shutil.copy2(SCRIPT, os.path.join(dest, "bin", "compile-workload.sh"))
    return dest


def result(console):
    """The workload's last line: a match whose group(2..4) are rounds,
    files and cases when it passed, None when it never finished."""
    found = list(RESULT.finditer(console))
    return found[-1] if found else None


def run_compile(mode, version):
    """Test MODE-VERSION-compile: one round of the workload; as a VM also
    no trap-and-emulate event."""
    test_id = "%s-%s-compile" % (mode, version)
    root = files(work_dir(test_id + "-files"))
    boot = LinuxBoot(test_id, version, "sh /bin/compile-workload.sh 1",
                     files=root, vm=(mode == "vm"), timeout=600).boot()
    got = result(boot.console)
    traps = (boot.counters() or {}).get("trap_emulations") \
        if mode == "vm" else 0
    if boot.passed() and got and got.group(2) and traps == 0:
        harness.report("PASS", test_id, "gcc -O2 built afterburn from %s "
                       "files in the guest; it annotates %s test cases "
                       "as the host's build does%s" % (
                           got.group(3), got.group(4),
                           ", 0 traps" if mode == "vm" else ""))
        return
    reason = got.group(1) if got else boot.why()
    if traps:
        reason += "; %s trap-and-emulate events" % traps
    harness.fail_with_log(test_id, reason, boot.run)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: compile_workload.py DIR (filled for GUEST_FILES)")
    files(sys.argv[1])
