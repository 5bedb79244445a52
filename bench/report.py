"""The Markdown report of a benchmark run (used by bench/run.py).

write_report() turns the collected results and suite statuses into
report.md: the date, the host (CPU model, QEMU version, CPU count, commit),
a list of suites with their status, then one section per group with a PNG
chart of the ratios and a table. Failed suites get their own section with
the tail of their output, so a failure is never silently dropped.
"""

import datetime
import os
import re
import statistics
import subprocess

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    plt = None

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def command_line(cmd):
    """First output line of CMD, or None when it cannot run."""
    try:
        out = subprocess.run(cmd, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True,
                             cwd=ROOT, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    lines = out.strip().splitlines()
    return lines[0].strip() if lines else None


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def host_facts():
    qemu = os.environ.get("QEMU", "qemu-system-x86_64")
    commit = command_line(["git", "rev-parse", "--short", "HEAD"])
    if commit and command_line(["git", "status", "--porcelain",
                                "--untracked-files=no"]):
        commit += " (with uncommitted changes)"
    return [
        ("CPU", cpu_model()),
        ("CPUs (nproc)", command_line(["nproc"]) or str(os.cpu_count())),
        ("QEMU", command_line([qemu, "--version"]) or "not found"),
        ("kernel", command_line(["uname", "-sr"]) or "unknown"),
        ("commit", commit or "unknown"),
    ]


def fmt(value):
    """Numbers for tables: 4 significant digits, no exponent for big ones."""
    if value is None:
        return "–"
    if isinstance(value, int) or abs(value) >= 1000:
        return "{:,.0f}".format(value)
    return "{:.4g}".format(value)


def overhead(result):
    """Percent overhead of B over A; results with "higher_is_better" invert
    the ratio (a throughput 3% lower is a 3% overhead too)."""
    ratio = result.get("ratio")
    if ratio is None or ratio == 0:
        return None
    if result.get("higher_is_better"):
        return (1.0 / ratio - 1.0) * 100.0
    return (ratio - 1.0) * 100.0


def cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "group"


def spread(result):
    """(min, max) of the pairwise sample ratios, when the suite gave them."""
    a, b = result.get("samples_a"), result.get("samples_b")
    if not a or not b or len(a) != len(b):
        return None
    ratios = [y / x for x, y in zip(a, b)
              if x is not None and y is not None and x != 0]
    return (min(ratios), max(ratios)) if ratios else None


def label(result):
    return "%s (%s)" % (result["benchmark"], result["metric"])


def draw_chart(path, group, results):
    """Horizontal bars of B/A per benchmark, a line at 1.0, notes below."""
    rows = [r for r in results if r.get("ratio") is not None]
    if plt is None or not rows:
        return False
    notes = ["%s: %s" % (r["benchmark"], r["notes"])
             for r in results if r.get("notes")]
    height = 1.2 + 0.45 * len(rows) + 0.22 * len(notes)
    fig, ax = plt.subplots(figsize=(9, height))
    y = list(range(len(rows)))[::-1]
    ratios = [r["ratio"] for r in rows]
    colors = ["#c0504d" if overhead(r) and overhead(r) > 0 else "#4f81bd"
              for r in rows]
    ax.barh(y, ratios, color=colors, height=0.6)
    for yi, r in zip(y, rows):
        s = spread(r)
        if s:
            ax.plot(s, [yi, yi], color="black", linewidth=1)
        ax.text(max([r["ratio"]] + list(s or [])), yi, " %.3f" % r["ratio"],
                va="center", fontsize=8)
    ax.axvline(1.0, color="black", linestyle="--", linewidth=1)
    ax.set_yticks(y)
    ax.set_yticklabels([label(r) for r in rows], fontsize=8)
    ends = ratios + [1.0] + [x for r in rows for x in (spread(r) or ())]
    ax.set_xlim(0, max(ends) * 1.2)
    ax.set_xlabel("ratio B / A (1.0 = no difference; red: B worse; "
                  "whiskers: range of paired samples)", fontsize=8)
    first = rows[0]
    ax.set_title("%s\nA = %s, B = %s" % (group, first["config_a"],
                                         first["config_b"]), fontsize=9)
    if notes:
        fig.text(0.01, 0.01, "\n".join(notes), fontsize=7, va="bottom",
                 wrap=True)
    fig.tight_layout(rect=(0, 0.22 * len(notes) / height, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def group_section(out_dir, group, results, lines):
    lines += ["", "## %s" % group, ""]
    chart = "chart-%s.png" % slug(group)
    try:
        if draw_chart(os.path.join(out_dir, chart), group, results):
            lines += ["![%s](%s)" % (cell(group), chart), ""]
        elif plt is None:
            lines += ["(no chart: matplotlib is not installed)", ""]
        else:
            lines += ["(no chart: no result has a reference value)", ""]
    except Exception as e:  # a chart must never cost the report
        lines += ["(chart failed: %s)" % cell(e), ""]
    lines += ["| benchmark | metric | config A | config B | a | b | ratio "
              "| overhead |",
              "|---|---|---|---|---:|---:|---:|---:|"]
    for r in results:
        o = overhead(r)
        lines.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            cell(r["benchmark"]), cell(r["metric"]), cell(r["config_a"]),
            cell(r["config_b"]), fmt(r["a"]), fmt(r.get("b")),
            "–" if r.get("ratio") is None else "%.3f" % r["ratio"],
            "–" if o is None else "%+.1f%%" % o))
    notes = [r for r in results if r.get("notes")]
    if notes:
        lines.append("")
        for r in notes:
            lines.append("* %s: %s" % (cell(r["benchmark"]),
                                       cell(r["notes"])))
    samples = [r for r in results if r.get("samples_a")]
    if samples:
        n = statistics.median(len(r["samples_a"]) for r in samples)
        lines += ["", "Raw samples (typically %g per configuration) are in "
                  "results.json; the chart's whiskers show the range of "
                  "their pairwise ratios." % n]


def write_report(out_dir, results, statuses):
    """Write OUT_DIR/report.md (and its charts); return the report's path."""
    now = datetime.datetime.now(datetime.timezone.utc)
    lines = ["# Benchmark report", "",
             "Date: %s" % now.strftime("%Y-%m-%d %H:%M UTC"), "",
             "| host | |", "|---|---|"]
    lines += ["| %s | %s |" % (k, cell(v)) for k, v in host_facts()]
    lines += ["", "## Suites", ""]
    if statuses:
        lines += ["| suite | status | results | seconds |",
                  "|---|---|---:|---:|"]
        for s in statuses:
            lines.append("| %s | %s | %d | %.0f |" % (
                cell(s["suite"]), "ok" if s["ok"] else "**FAILED**",
                s["results"], s["seconds"]))
    else:
        lines.append("No suites ran.")

    groups = {}
    for r in results:
        groups.setdefault(r.get("group") or r.get("suite", "results"),
                          []).append(r)
    for group, members in groups.items():
        group_section(out_dir, group, members, lines)

    failed = [s for s in statuses if not s["ok"]]
    if failed:
        lines += ["", "## Failed suites"]
        for s in failed:
            lines += ["", "### %s" % s["suite"], ""]
            lines += ["* %s" % cell(p) for p in s["problems"]]
            if s["tail"]:
                lines += ["", "Last lines of its output:", "", "```"]
                lines += [t.replace("```", "'''") for t in s["tail"]]
                lines.append("```")
    path = os.path.join(out_dir, "report.md")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path
