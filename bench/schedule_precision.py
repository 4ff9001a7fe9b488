#!/usr/bin/env python3
"""schedule_precision.py - start lag and memory of `slamon run` at scale.

  A: 10,000 targets at a 10 s interval with storage (RRD through an
     rrdcached started here), journal and engine: `slamon -v run`.
  B: 100,000 targets at a 60 s interval, `slamon -v run --dry-run`.

All targets are distinct URLs (/s<i>) on one nginx on 127.0.0.1 that closes
every connection itself, so TIME_WAIT stays on its side. The -v log has one
line per start: "probe start, planned P, actual A (lag L ms)"; the lags of
the starts in the measured window give p50/p99/max. RSS per target is the
daemon's RSS at the end of the window minus that of the same setup with 5
targets, divided by the difference in targets.

Usage: schedule_precision.py BUILD_DIR [a|b ...]   (bench/README.md)
Environment: BENCH_SCHED_SECONDS (measured window, default 60: it holds
exactly one minute boundary, where the steps of every target are stored),
BENCH_SCHED_RSS_EVERY (seconds: log the RSS that often during the window),
BENCH_SCHED_KEEP (a folder: the daemon's -v logs are copied there),
BENCH_RESULTS.
"""
import os
import re
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from probe_lib import Procs, log, result, rss_kib, start_nginx, write_conf, cpu_us  # noqa: E402

WINDOW = float(os.environ.get("BENCH_SCHED_SECONDS", "60"))
SAMPLE = float(os.environ.get("BENCH_SCHED_RSS_EVERY", "0"))
BASE_TARGETS = 5
START = re.compile(rb": probe start, planned [0-9.]+, actual ([0-9.]+) \(lag (-?[0-9.]+) ms\)")
READY = b"slamon: running"


def pct(xs, p):
    if not xs:
        return float("nan")
    return xs[min(len(xs) - 1, int(p / 100.0 * len(xs)))]


def start_rrdcached(procs, tmp):
    rrd = os.path.join(tmp, "state", "rrd")
    jdir = os.path.join(tmp, "rrdcached-journal")
    os.makedirs(rrd, exist_ok=True)
    os.makedirs(jdir, exist_ok=True)
    sock = os.path.join(tmp, "rrdcached.sock")
    procs.spawn(["rrdcached", "-g", "-l", "unix:" + sock, "-b", rrd, "-B", "-j", jdir,
                 "-F", "-w", "300", "-z", "60", "-p", os.path.join(tmp, "rrdcached.pid")],
                stdout=open(os.devnull, "w"), stderr=open(os.devnull, "w"))
    end = time.monotonic() + 20
    while not os.path.exists(sock):
        if time.monotonic() > end:
            raise RuntimeError("rrdcached did not start")
        time.sleep(0.05)
    return "unix:" + sock


def run_one(procs, build, tmp, n, interval, dry, port, window):
    """Returns (lags sorted, rss KiB at the end, cpu s in window, seconds to start)."""
    d = os.path.join(tmp, "%s-n%d" % ("dry" if dry else "store", n))
    os.makedirs(d)
    rrdc = "" if dry else start_rrdcached(procs, d)
    conf = os.path.join(d, "slamon.conf")
    logf = os.path.join(d, "slamon.log")
    write_conf(conf, os.path.join(d, "state"), n, "http://127.0.0.1:%d/s%%d" % port,
               interval=interval, timeout=5, rrdcached=rrdc)
    argv = [os.path.join(build, "slamon"), "-v", "-c", conf, "run"] + (["--dry-run"] if dry else [])
    t0 = time.monotonic()
    with open(logf, "wb") as lf:
        p = procs.spawn(argv, stdout=lf, stderr=lf)
    with open(logf, "rb") as f:
        buf = b""
        while READY not in buf:
            if p.poll() is not None or time.monotonic() - t0 > 300:
                raise RuntimeError("slamon did not start: see " + logf)
            time.sleep(0.1)
            buf = buf[-64:] + f.read()
    startup = time.monotonic() - t0
    # the window opens 2 s after the daemon is up, in the log's own clock:
    # a start line carries its actual monotonic time
    time.sleep(2)
    size0 = os.path.getsize(logf)
    c0 = cpu_us(p.pid)
    if SAMPLE > 0 and n > BASE_TARGETS:
        # RSS along a long window (the store's log of acknowledged steps)
        end = time.monotonic() + window
        while time.monotonic() + SAMPLE < end:
            time.sleep(SAMPLE)
            log("  RSS %.0f s after the start: %d KiB" %
                (time.monotonic() - t0, rss_kib(p.pid)))
        time.sleep(max(0.0, end - time.monotonic()))
    else:
        time.sleep(window)
    rss = rss_kib(p.pid)
    c1 = cpu_us(p.pid)
    size1 = os.path.getsize(logf)
    procs.stop(p)
    if os.environ.get("BENCH_SCHED_KEEP"):
        os.makedirs(os.environ["BENCH_SCHED_KEEP"], exist_ok=True)
        shutil.copy(logf, os.path.join(os.environ["BENCH_SCHED_KEEP"], os.path.basename(d) + ".log"))
    lags = []
    with open(logf, "rb") as f:
        f.seek(size0)
        for line in f.read(size1 - size0).splitlines():
            m = START.search(line)
            if m:
                lags.append(float(m.group(2)))
    lags.sort()
    return lags, rss, (c1 - c0) / 1e6, startup


def scenario(procs, build, tmp, port, name, n, interval, dry):
    log("schedule %s: %d targets at %d s%s, base run with %d" %
        (name, n, interval, " (dry run)" if dry else " with rrdcached", BASE_TARGETS))
    _, base_rss, _, _ = run_one(procs, build, tmp, BASE_TARGETS, interval, dry, port, 5)
    lags, rss, cpu, startup = run_one(procs, build, tmp, n, interval, dry, port, WINDOW)
    per = (rss - base_rss) * 1024.0 / (n - BASE_TARGETS)
    late = sum(1 for x in lags if x >= 100)
    log("%s: %d starts in %.0f s, lag p50 %.1f p99 %.1f p99.9 %.1f max %.1f ms, %d starts "
        "100 ms late or more; RSS %d KiB (base %d KiB), %.0f B/target; CPU %.1f s; "
        "up after %.1f s" %
        (name, len(lags), WINDOW, pct(lags, 50), pct(lags, 99), pct(lags, 99.9),
         lags[-1] if lags else 0, late, rss, base_rss, per, cpu, startup))
    label = "%dk targets @%ds%s" % (n // 1000, interval, " dry-run" if dry else " +rrdcached")
    result("schedule", "%s: starts in %.0f s window" % (label, WINDOW), "%d" % len(lags),
           "%d expected" % int(n * WINDOW / interval))
    result("schedule", "%s: start lag p50 / p99 / p99.9 / max ms" % label,
           "%.1f / %.1f / %.1f / %.1f" % (pct(lags, 50), pct(lags, 99), pct(lags, 99.9),
                                          lags[-1] if lags else 0), "p99 < 100")
    result("schedule", "%s: starts 100 ms late or more" % label, "%d" % late)
    # issue 17: under 1 KiB a target in a dry run, under 1.5 KiB with storage
    result("schedule", "%s: RSS per target, bytes" % label, "%.0f" % per,
           "< 1024" if dry else "< 1536")
    result("schedule", "%s: startup (config, RRD files) s" % label, "%.1f" % startup)
    result("schedule", "%s: CPU share of one core" % label, "%.0f %%" % (100 * cpu / WINDOW))


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    which = sys.argv[2:] or ["a", "b"]
    with tempfile.TemporaryDirectory(prefix="slamon-sched-") as tmp, Procs() as procs:
        port = start_nginx(procs, tmp)
        if "a" in which:
            scenario(procs, build, tmp, port, "A", int(os.environ.get("BENCH_A_TARGETS", 10000)),
                     10, False)
        if "b" in which:
            scenario(procs, build, tmp, port, "B", int(os.environ.get("BENCH_B_TARGETS", 100000)),
                     60, True)


if __name__ == "__main__":
    main()
