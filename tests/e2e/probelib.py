"""probelib.py - shared helpers of the prober tests: targetd, a config of
targets, `slamon -v run` and its log, parsed."""
import os
import re
import signal

from lib import free_port

# a log line: "TIME LEVEL slamon: message" (log.c)
LOG = r"^\S+Z \w+ slamon: "
START_RE = re.compile(LOG + r"(\S+): probe start, planned ([\d.]+), actual ([\d.]+) \(lag ([-\d.]+) ms\)")
RESULT_RE = re.compile(LOG + r"(\S+): result (\w+): (.*) \(([-\d.]+) ms\)$")

CONF_HEAD = """\
slamon: { state_dir = "state"; timezone = "Europe/Oslo"; listen = ""; };
defaults: { interval = %(interval)d; timeout = %(timeout)d; fail_threshold = 2; };
targets = (
%(targets)s
);
maintenance: { windows = (); };
"""


def conf_text(targets, interval=2, timeout=1):
    return CONF_HEAD % {"interval": interval, "timeout": timeout, "targets": ",\n".join(targets)}


def targetd(t, *args):
    """Start targetd with an HTTP port (returned) plus args; waits until ready."""
    port = free_port()
    p = t.spawn([os.path.join(t.tools, "targetd"), "--http", str(port)] + [str(a) for a in args])
    t.wait_port(port)
    return port


class Run:
    """A running `slamon -v run` and its parsed stderr."""

    def __init__(self, t, conf, extra=(), binary=None):
        self.t = t
        self.proc = t.spawn([binary or t.bin, "-v", "-c", conf, "run"] + list(extra))

    def text(self):
        with open(self.proc.errpath) as f:
            return f.read()

    def lines(self):
        return self.text().splitlines()

    def starts(self, name=None):
        out = []
        for line in self.lines():
            m = START_RE.match(line)
            if m and (name is None or m.group(1) == name):
                out.append((m.group(1), float(m.group(2)), float(m.group(3)), float(m.group(4))))
        return out

    def results(self, name=None):
        out = []
        for line in self.lines():
            m = RESULT_RE.match(line)
            if m and (name is None or m.group(1) == name):
                out.append((m.group(1), m.group(2), m.group(3), float(m.group(4))))
        return out

    def wait_results(self, name, n, timeout=20):
        self.t.wait_for(lambda: len(self.results(name)) >= n, timeout,
                        f"{n} results of {name}: {self.text()[-3000:]}")
        return self.results(name)

    def wait_line(self, pattern, timeout=20):
        rx = re.compile(pattern)
        self.t.wait_for(lambda: any(rx.search(x) for x in self.lines()), timeout,
                        f"a line matching {pattern!r}: {self.text()[-3000:]}")

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        rc = self.proc.wait(timeout=20)
        assert rc == 0, f"exit {rc}: {self.text()[-3000:]}"
        return rc


def assert_schedule_kept(run, name, interval, max_lag_ms=200.0, min_starts=2):
    """Every start of name was on time, and the planned starts are one interval apart."""
    st = run.starts(name)
    assert len(st) >= min_starts, f"{name}: only {len(st)} starts"
    for _, planned, actual, lag in st:
        # epoll's millisecond timeouts can wake a timer a fraction of a
        # millisecond early; that is on time, not late
        assert -2.0 <= lag < max_lag_ms, f"{name}: started {lag} ms late"
    for a, b in zip(st, st[1:]):
        assert abs((b[1] - a[1]) - interval) < 0.01, f"{name}: planned {a[1]} then {b[1]}"
