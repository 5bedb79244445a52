"""Test harness: a QemuRun owns one QEMU boot (command line, serial log,
timeout, exit status), so a test reads as "boot this, do that, expect this".

Result lines follow the XTF convention, one per test:
    PASS <id> <description>
    FAIL <id> <reason>
    SKIP <id> <reason>
tests/run.py collects them from every group under tests/groups/.
"""

import os
import re
import subprocess
import sys
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import qemu  # noqa: E402

BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
LOG_DIR = os.path.join(BUILD, "test-logs")


class QemuRun:
    """One QEMU boot with its serial console captured to a log file."""

    def __init__(self, name, args, timeout=120, memory="512M", iommu=False,
                 console_input=False):
        """CONSOLE_INPUT: the serial line reads from the named pipe
        self.input_path (a QemuRun without it gets no input)."""
        os.makedirs(LOG_DIR, exist_ok=True)
        self.name = name
        self.log_path = os.path.join(LOG_DIR, name + ".log")
        self.input_path = None
        if console_input:
            # A pipe chardev: input from BASE.in, output to BASE.out
            # (drained by run()) and to the log file.
            base = os.path.join(LOG_DIR, name + ".console")
            for end in (".in", ".out"):
                if os.path.exists(base + end):
                    os.unlink(base + end)
                os.mkfifo(base + end)
            self.input_path = base + ".in"
            self.output_pipe = base + ".out"
            if os.path.exists(self.log_path):
                os.unlink(self.log_path)
            self.cmd = qemu.base_args(memory=memory, iommu=iommu) + [
                "-chardev", "pipe,id=con0,path=%s,logfile=%s"
                % (base, self.log_path), "-serial", "chardev:con0"] + \
                list(args)
        else:
            self.cmd = qemu.base_args(memory=memory, iommu=iommu,
                                      serial="file:" + self.log_path) + \
                list(args)
        self.timeout = timeout
        self.status = None
        self.timed_out = False
        self.seconds = 0.0

    def run(self):
        """Boot, wait for QEMU to exit or the timeout; return the console."""
        start = time.monotonic()
        if self.input_path:
            threading.Thread(target=self._drain_output, daemon=True).start()
        with open(self.log_path + ".qemu", "w") as err:
            proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL,
                                    stdout=err, stderr=subprocess.STDOUT)
            try:
                self.status = proc.wait(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                self.timed_out = True
                proc.kill()
                proc.wait()
        self.seconds = time.monotonic() - start
        return self.console()

    def _drain_output(self):
        with open(self.output_pipe, "rb") as f:
            while f.read(4096):
                pass

    def console(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def tail(self, lines=25):
        """The last LINES of the console and of QEMU's own output."""
        text = self.console().splitlines()[-lines:]
        try:
            with open(self.log_path + ".qemu", errors="replace") as f:
                text += ["[qemu] " + l for l in f.read().splitlines()[-5:]]
        except FileNotFoundError:
            pass
        return "\n".join("    | " + l for l in text)

    def why(self):
        if self.timed_out:
            return "timed out after %ds" % self.timeout
        return "qemu exit status %s" % self.status


def report(verdict, test_id, text):
    """Print one result line and flush (the runner reads it as it comes)."""
    print("%s %s %s" % (verdict, test_id, text), flush=True)


def fail_with_log(test_id, reason, run):
    """A FAIL line, then the tail of the failed run's log (kept on disk)."""
    report("FAIL", test_id, "%s (log: %s)" % (reason,
                                             os.path.relpath(run.log_path, ROOT)))
    print(run.tail(), flush=True)


def find(pattern, text):
    m = re.search(pattern, text, re.M)
    return m


def findall(pattern, text):
    return re.findall(pattern, text, re.M)
