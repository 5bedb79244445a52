"""Helpers for benchmark suites (bench/suites/*).

A suite prints one JSON object per result line on stdout; bench/run.py
collects them (format: docs/benchmarks.md). Any other stdout line is
progress text shown to the user. bench/run.py puts this directory on
PYTHONPATH, so a suite can simply "import benchlib".
"""

import json
import re
import statistics
import sys

MICROBENCH_LINE = re.compile(r"^bench (\S+) ([\d.]+) (\d+)\s*$", re.M)

REQUIRED_KEYS = ("benchmark", "metric", "config_a", "config_b", "a", "b",
                 "ratio")


def emit(obj):
    """Print OBJ as one JSON result line and flush it at once."""
    missing = [k for k in REQUIRED_KEYS if k not in obj]
    if missing:
        raise ValueError("result lacks %s" % ", ".join(missing))
    sys.stdout.write(json.dumps(obj, sort_keys=True) + "\n")
    sys.stdout.flush()


def pairwise_ratios(pairs):
    """b_i / a_i for each (a_i, b_i) pair where both exist and a_i != 0."""
    return [b / a for a, b in pairs
            if a is not None and b is not None and a != 0]


def median_ratio(pairs):
    """Median of the pairwise ratios b_i / a_i, or None without any pair.

    Pairing runs taken back to back (A B, B A, ...) cancels slow drift of
    the host better than dividing the two medians.
    """
    ratios = pairwise_ratios(pairs)
    return statistics.median(ratios) if ratios else None


def progress(text):
    """A progress line for the user (not a result)."""
    sys.stdout.write(text.rstrip("\n") + "\n")
    sys.stdout.flush()


def parse_microbench(text):
    """{name: ns_per_op} from microbench output (e.g. a guest console log).

    Returns None when the run did not end with "bench-done", so a truncated
    run is never mistaken for a complete one.
    """
    if not re.search(r"^bench-done\s*$", text, re.M):
        return None
    return {name: float(ns) for name, ns, _ in MICROBENCH_LINE.findall(text)}
