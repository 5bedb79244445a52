#!/usr/bin/env python3
"""The test suite runner behind 'make test'.

Runs every executable in tests/groups/ in name order. A group prints one
result line per test ("PASS id text", "FAIL id text", "SKIP id text"); other
lines pass through as context. A group that exits non-zero without having
reported a failure counts as one failed test ("CRASH"), so a broken group can
never make the suite look green. The last line is "N passed, N failed,
N skipped".

usage: tests/run.py [GROUP-SUBSTRING ...]
"""

import os
import re
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
GROUPS = os.path.join(ROOT, "tests", "groups")
RESULT = re.compile(r"^(PASS|FAIL|SKIP|ERROR|CRASH)\s+(\S+)")


def run_group(path, counts):
    name = os.path.basename(path)
    print("== %s" % name, flush=True)
    proc = subprocess.Popen([path], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True,
                            errors="replace")
    failed_here = 0
    for line in proc.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        m = RESULT.match(line)
        if not m:
            continue
        verdict = m.group(1)
        if verdict == "PASS":
            counts["passed"] += 1
        elif verdict == "SKIP":
            counts["skipped"] += 1
        else:
            counts["failed"] += 1
            failed_here += 1
    status = proc.wait()
    if status != 0 and failed_here == 0:
        print("CRASH %s group exited with status %d and reported no failure"
              % (name, status), flush=True)
        counts["failed"] += 1


def main(argv):
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    groups = sorted(os.listdir(GROUPS))
    for g in groups:
        path = os.path.join(GROUPS, g)
        if not os.access(path, os.X_OK) or os.path.isdir(path):
            continue
        if argv and not any(a in g for a in argv):
            continue
        run_group(path, counts)
    line = "%d passed, %d failed" % (counts["passed"], counts["failed"])
    if counts["skipped"]:
        line += ", %d skipped" % counts["skipped"]
    print(line)
    return 0 if counts["failed"] == 0 and counts["passed"] > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
