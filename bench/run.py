#!/usr/bin/env python3
"""The benchmark runner behind 'make bench'.

Runs every executable in bench/suites/ in name order. A suite prints one JSON
object per result on stdout (keys: docs/benchmarks.md); its other output is
progress text and passes through to the user. The collected results go to
build/bench/results.json, and bench/report.py turns them into
build/bench/report.md with one table and one PNG chart per group.

A suite that exits non-zero, or prints a malformed result line, is listed as
failed in the report (with the tail of its output) and makes this runner exit
non-zero once everything else is written; its valid results are still kept.

usage: bench/run.py [SUITE-SUBSTRING ...]
Environment: BUILD (default build), BENCH_SUITES (another suite directory,
for trying the runner out).
"""

import importlib.util
import json
import math
import os
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SUITES = os.environ.get("BENCH_SUITES", os.path.join(HERE, "suites"))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
OUT = os.path.join(BUILD, "bench")
TAIL_LINES = 30

sys.path.insert(0, HERE)
import benchlib  # noqa: E402


def ensure_matplotlib():
    """Re-run under the system python3 when this one lacks matplotlib.

    Debian's python3-matplotlib is installed for /usr/bin/python3; a python3
    earlier on PATH (a virtualenv, pyenv) may not see it. Without any
    matplotlib the report is still written, only without charts.
    """
    if importlib.util.find_spec("matplotlib"):
        return
    system = "/usr/bin/python3"
    if (os.environ.get("BENCH_NO_REEXEC") or not os.access(system, os.X_OK)
            or os.path.realpath(sys.executable) == os.path.realpath(system)):
        return
    probe = subprocess.run([system, "-c", "import matplotlib"],
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    if probe.returncode == 0:
        os.environ["BENCH_NO_REEXEC"] = "1"
        os.execv(system, [system, os.path.abspath(__file__)] + sys.argv[1:])


def list_suites(filters):
    if not os.path.isdir(SUITES):
        return []
    found = []
    for name in sorted(os.listdir(SUITES)):
        path = os.path.join(SUITES, name)
        if not os.path.isfile(path) or not os.access(path, os.X_OK):
            continue
        if filters and not any(f in name for f in filters):
            continue
        found.append(path)
    return found


def parse_result(line):
    """A result dict from a stdout line, None for progress text.

    Raises ValueError for a line that is meant as a result (a JSON object)
    but is malformed.
    """
    text = line.strip()
    if not text.startswith("{"):
        return None
    try:
        obj = json.loads(text)
    except ValueError as e:
        raise ValueError("bad JSON: %s" % e)
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    missing = [k for k in benchlib.REQUIRED_KEYS if k not in obj]
    if missing:
        raise ValueError("missing key(s) %s" % ", ".join(missing))
    for key in ("a", "b", "ratio"):
        value = obj[key]
        if value is None:
            continue
        if (isinstance(value, bool) or not isinstance(value, (int, float))
                or not math.isfinite(value)):
            raise ValueError("%s is not a finite number" % key)
    if obj["a"] is None:
        raise ValueError("a is null")
    return obj


def drain(stream, sink, tail):
    for line in stream:
        sink.write(line)
        sink.flush()
        tail.append(line.rstrip("\n"))
        del tail[:-TAIL_LINES]


def run_suite(path):
    """Run one suite; return (status dict, list of results)."""
    name = os.path.basename(path)
    print("== bench suite %s" % name, flush=True)
    env = dict(os.environ)
    env["BUILD"] = os.path.relpath(BUILD, ROOT)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (HERE, env.get("PYTHONPATH")) if p)
    start = time.monotonic()
    results, problems, tail = [], [], []
    try:
        proc = subprocess.Popen([path], cwd=ROOT, env=env,
                                stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True,
                                errors="replace")
    except OSError as e:
        return {"suite": name, "ok": False, "exit": None, "results": 0,
                "seconds": 0.0, "problems": ["cannot start: %s" % e],
                "tail": []}, []
    errors = threading.Thread(target=drain,
                              args=(proc.stderr, sys.stderr, tail))
    errors.start()
    for line in proc.stdout:
        try:
            obj = parse_result(line)
        except ValueError as e:
            problems.append("malformed result line (%s): %s"
                            % (e, line.strip()[:200]))
            obj = None
        if obj is None:
            sys.stdout.write(line)
            sys.stdout.flush()
            tail.append(line.rstrip("\n"))
            del tail[:-TAIL_LINES]
            continue
        obj.setdefault("group", name)
        obj["suite"] = name
        results.append(obj)
    status = proc.wait()
    errors.join()
    if status != 0:
        problems.insert(0, "exit status %d" % status)
    seconds = time.monotonic() - start
    print("== bench suite %s: %s, %d result(s), %.0f s" % (
        name, "ok" if not problems else "FAILED", len(results), seconds),
        flush=True)
    return {"suite": name, "ok": not problems, "exit": status,
            "results": len(results), "seconds": seconds,
            "problems": problems, "tail": tail}, results


def shown(path):
    """PATH relative to the repository when inside it, else absolute."""
    rel = os.path.relpath(path, ROOT)
    return path if rel.startswith("..") else rel


def main(argv):
    ensure_matplotlib()
    import report

    os.makedirs(OUT, exist_ok=True)
    suites = list_suites(argv[1:])
    if not suites:
        print("bench: no suites in %s%s" % (
            shown(SUITES),
            " match " + " ".join(argv[1:]) if argv[1:] else ""))
    statuses, results = [], []
    for path in suites:
        status, found = run_suite(path)
        statuses.append(status)
        results.extend(found)

    results_path = os.path.join(OUT, "results.json")
    with open(results_path, "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
        f.write("\n")
    report_path = report.write_report(OUT, results, statuses)
    failed = [s["suite"] for s in statuses if not s["ok"]]
    print("bench: %d result(s) from %d suite(s) -> %s, %s" % (
        len(results), len(statuses), shown(results_path),
        shown(report_path)))
    if failed:
        print("bench: FAILED suite(s): %s" % ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
