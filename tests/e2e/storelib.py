"""storelib.py - helpers of the storage and replay tests: rrdtool fetch and
info parsed, an rrdcached of the test's own on a unix socket, libfaketime
for a monitor that must see a given wall clock, and an independent model of
design.md sections 4 and 7 (rows and windows in, seconds per step out).

The model is written from the design text, not from slamon's code: a row's
state holds until the next row of its target, or for one interval when the
next one is more than two intervals away (the rest of the gap is unknown);
the last row counts for one interval; a failed row is down only inside a
run of at least fail_threshold consecutive failed rows; every second inside
an announced window is maintenance whatever the state."""
import math
import os
import signal
import subprocess

FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
STEP = 60

UP, DOWN, MAINT, UNKNOWN = 1, 2, 3, 0


# --- rrdtool -----------------------------------------------------------------

def fetch(path, res, start, end, cf="AVERAGE", daemon=None):
    """rrdtool fetch: (row length, ds names, [(row end, [values])]) for rows
    ending in (start, end]. Unknown values are NaN."""
    argv = ["rrdtool", "fetch", path, cf, "-r", str(res), "-s", str(start), "-e", str(end)]
    if daemon:
        argv += ["--daemon", daemon]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, f"{argv}: {p.stderr}"
    lines = [x for x in p.stdout.splitlines() if x.strip()]
    names = lines[0].split()
    rows = []
    for x in lines[1:]:
        ts, vals = x.split(":", 1)
        v = [float(f) if "nan" not in f.lower() else math.nan for f in vals.split()]
        rows.append((int(ts), v))
    step = rows[1][0] - rows[0][0] if len(rows) > 1 else None
    return step, names, [r for r in rows if start < r[0] <= end]


def info(path, daemon=None):
    argv = ["rrdtool", "info", path] + (["--daemon", daemon] if daemon else [])
    p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, f"{argv}: {p.stderr}"
    out = {}
    for line in p.stdout.splitlines():
        k, _, v = line.partition(" = ")
        out[k.strip()] = v.strip().strip('"')
    return out


def steps_of(path, start, end, daemon=None):
    """{step end: (up_s, down_s, maint_s, latency_ms)} from the 1-minute archive."""
    step, names, rows = fetch(path, STEP, start, end, daemon=daemon)
    assert step == STEP, f"rrdtool fetch -r 60 gave rows of {step} s"
    idx = [names.index(n) for n in ("up_s", "down_s", "maint_s", "latency_ms")]
    return {ts: tuple(v[i] for i in idx) for ts, v in rows}


# --- rrdcached ---------------------------------------------------------------

class Rrdcached:
    """rrdcached on DIR/sock with its journal in DIR/journal, confined to base."""

    def __init__(self, t, d, base):
        self.t, self.dir, self.base = t, d, base
        self.sock = os.path.join(d, "sock")
        self.addr = "unix:" + self.sock
        self.proc = None
        os.makedirs(os.path.join(d, "journal"), exist_ok=True)
        os.makedirs(base, exist_ok=True)

    def start(self):
        assert self.proc is None
        if os.path.exists(self.sock):
            os.unlink(self.sock)
        self.proc = self.t.spawn(["rrdcached", "-g", "-l", self.addr, "-b", self.base, "-B",
                                  "-p", os.path.join(self.dir, "pid"),
                                  "-j", os.path.join(self.dir, "journal"), "-F",
                                  "-w", "3600", "-z", "1"])

        def up():
            p = subprocess.run(["rrdtool", "info", "--daemon", self.addr, "/nonexistent.rrd"],
                               capture_output=True, text=True)
            # an answer from the daemon, even "No such file", means it listens
            return "Unable to connect" not in p.stderr and "connect" not in p.stderr.lower()
        self.t.wait_for(lambda: os.path.exists(self.sock) and up(), 20, "rrdcached up")

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        self.proc.wait(timeout=30)
        self.proc = None


# --- faketime ----------------------------------------------------------------

def faketime_env(offset):
    """Environment for a child that sees the wall clock offset seconds ahead.
    Monotonic time moves with it (a constant offset changes no interval).
    The child is t.bin_faketime, not t.bin (lib.T: libfaketime and jemalloc
    deadlock)."""
    return {"LD_PRELOAD": FAKETIME_LIB, "FAKETIME": "%+ds" % offset,
            "FAKETIME_NO_CACHE": "1", "DONT_FAKE_MONOTONIC": "1",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1",
            "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0"}


# --- the model -----------------------------------------------------------------

def classify(rows, interval, threshold, t0, t1, windows):
    """Seconds [t0, t1) of one target, one byte each (UP, DOWN, MAINT, UNKNOWN).
    rows: [(t, ok)] sorted; windows: [(start, end)] announced, merged or not."""
    n = t1 - t0
    sec = bytearray(n)                        # UNKNOWN
    # which failed rows are inside a confirmed run
    down = [False] * len(rows)
    i = 0
    while i < len(rows):
        if rows[i][1]:
            i += 1
            continue
        j = i
        while j < len(rows) and not rows[j][1]:
            j += 1
        if j - i >= threshold:
            for k in range(i, j):
                down[k] = True
        i = j
    for k, (t, ok) in enumerate(rows):
        if k + 1 < len(rows):
            nxt = rows[k + 1][0]
            hold = nxt if nxt - t <= 2 * interval else t + interval
        else:
            hold = t + interval
        a, b = max(t, t0) - t0, min(hold, t1) - t0
        if b > a:
            sec[a:b] = bytes([DOWN if down[k] else UP]) * (b - a)
    for ws, we in windows:
        a, b = max(ws, t0) - t0, min(we, t1) - t0
        if b > a:
            sec[a:b] = bytes([MAINT]) * (b - a)
    return sec


def per_step(sec, t0):
    """{step end: (up, down, maint)} for the whole steps of sec (t0 step-aligned)."""
    assert t0 % STEP == 0
    out = {}
    for k in range(0, len(sec) - len(sec) % STEP, STEP):
        chunk = sec[k:k + STEP]
        out[t0 + k + STEP] = (chunk.count(UP), chunk.count(DOWN), chunk.count(MAINT))
    return out


def outages(rows, threshold):
    """[(start, confirmed_at, end)] of confirmed outages (end None when open)."""
    out = []
    i = 0
    while i < len(rows):
        if rows[i][1]:
            i += 1
            continue
        j = i
        while j < len(rows) and not rows[j][1]:
            j += 1
        if j - i >= threshold:
            out.append((rows[i][0], rows[i + threshold - 1][0],
                        rows[j][0] if j < len(rows) else None))
        i = j
    return out


def overlap(a, b, windows):
    """Seconds of [a, b) inside the union of windows."""
    pts = sorted((max(s, a), min(e, b)) for s, e in windows if min(e, b) > max(s, a))
    tot, cur = 0, a
    for s, e in pts:
        s = max(s, cur)
        if e > s:
            tot += e - s
            cur = e
    return tot


def alert_deadline(start, need, windows):
    """The instant the seconds of [start, x) outside windows reach need."""
    x = start + need
    while (x - start) - overlap(start, x, windows) < need:
        x = start + need + overlap(start, x, windows)
    return x
