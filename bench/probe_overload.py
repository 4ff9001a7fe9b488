#!/usr/bin/env python3
"""probe_overload.py - overload without collapse (issue 17): a demand sweep
from 50 % to 200 % of the machine's ceiling, for slamon and for the bare
libcurl-multi loop, in one run.

The ceiling is found first, in the same run: the bare loop
(bench/probe_curl_multi.c --http-opts: the libcurl options of probes/http.c)
with 32 GETs always in flight against the same nginx, completed probes per
second. Then, for each step, a demand of
step x ceiling probes a second: slamon as that many HTTP targets at a 1 s
interval (timeout 1 s, `slamon -v run --dry-run`, default max_inflight),
and the bare loop with --rate (the same planned starts, 32 in flight,
oldest first, skipped when a second late). For each: completed ok probes
per second, CPU per probe, and the start lag p50/p99 (actual minus planned
start) of the starts in the window.

Usage: probe_overload.py BUILD_DIR     (bench/README.md, "Overload")
Environment: BENCH_OVERLOAD_SECONDS (window per point, default 5),
BENCH_OVERLOAD_STEPS (default "0.5 0.75 1 1.25 1.5 2"), BENCH_SLAMON (another
slamon binary, to compare a build before a change), BENCH_RESULTS.
"""
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from probe_lib import Procs, cpu_us, log, result, start_nginx, write_conf  # noqa: E402

SECONDS = float(os.environ.get("BENCH_OVERLOAD_SECONDS", "5"))
STEPS = [float(x) for x in os.environ.get("BENCH_OVERLOAD_STEPS", "0.5 0.75 1 1.25 1.5 2").split()]
WARMUP = 3.0
CONC = 32
START = re.compile(rb": probe start, planned [0-9.]+, actual [0-9.]+ \(lag (-?[0-9.]+) ms\)")
OK = b": result ok:"


def parse(out):
    d = dict(kv.split("=") for kv in out.split())
    return {k: float(v) for k, v in d.items()}


def pct(xs, p):
    if not xs:
        return float("nan")
    return xs[min(len(xs) - 1, int(p / 100.0 * len(xs)))]


def loop(build, port, rate=0):
    cmd = "%s/bench/probe_curl_multi 'http://127.0.0.1:%d/c%%u' %d %g %g --http-opts" % (
        build, port, CONC, SECONDS, WARMUP)
    if rate:
        cmd += " --rate %d --timeout 1000" % rate
    r = parse(os.popen(cmd).read())
    r["rate"] = r["ok"] / r["seconds"]
    return r


def slamon(procs, build, tmp, port, n):
    d = os.path.join(tmp, "ov%d" % n)
    os.makedirs(d)
    conf, logf = os.path.join(d, "slamon.conf"), os.path.join(d, "slamon.log")
    write_conf(conf, os.path.join(d, "state"), n, "http://127.0.0.1:%d/s%%d" % port,
               interval=1, timeout=1)
    with open(logf, "wb") as lf:
        p = procs.spawn([os.environ.get("BENCH_SLAMON", os.path.join(build, "slamon")), "-v", "-c", conf, "run", "--dry-run"],
                        stdout=lf, stderr=lf)
    time.sleep(WARMUP)
    size0, c0, t0 = os.path.getsize(logf), cpu_us(p.pid), time.monotonic()
    time.sleep(SECONDS)
    size1, c1, t1 = os.path.getsize(logf), cpu_us(p.pid), time.monotonic()
    procs.stop(p)
    lags, ok, fail = [], 0, 0
    with open(logf, "rb") as f:
        f.seek(size0)
        for line in f.read(size1 - size0).splitlines():
            m = START.search(line)
            if m:
                lags.append(float(m.group(1)))
            elif OK in line:
                ok += 1
            elif b": result " in line:
                fail += 1
        f.seek(0)
        warned = sum(1 for line in f if b"overload: " in line)
    lags.sort()
    return {"ok": ok, "fail": fail, "seconds": t1 - t0, "cpu_us": c1 - c0,
            "rate": ok / (t1 - t0), "lag_p50_ms": pct(lags, 50), "lag_p99_ms": pct(lags, 99),
            "warned": warned}


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    with tempfile.TemporaryDirectory(prefix="slamon-overload-") as tmp, Procs() as procs:
        port = start_nginx(procs, tmp)
        ceil = loop(build, port)
        c = ceil["rate"]
        log("overload: ceiling (bare loop, %d in flight): %.0f probes/s, %.1f us CPU each"
            % (CONC, c, ceil["cpu_us"] / max(1, ceil["ok"])))
        result("overload", "ceiling: bare loop, probes/s", "%.0f" % c)
        worst = None
        for step in STEPS:
            n = int(step * c)
            b = loop(build, port, n)
            s = slamon(procs, build, tmp, port, n)
            ratio = s["rate"] / b["rate"] if b["rate"] else float("nan")
            log("overload %3.0f%% (%d/s): loop %.0f ok/s p99 lag %.1f ms; slamon %.0f ok/s "
                "(%d failed) p99 lag %.1f ms, %.1f us CPU/probe; slamon/loop %.2f"
                % (100 * step, n, b["rate"], b["lag_p99_ms"], s["rate"], s["fail"],
                   s["lag_p99_ms"], s["cpu_us"] / max(1, s["ok"]), ratio))
            label = "%3.0f%% (%d/s)" % (100 * step, n)
            result("overload", "%s: ok probes/s loop / slamon" % label,
                   "%.0f / %.0f" % (b["rate"], s["rate"]))
            result("overload", "%s: p99 start lag ms loop / slamon" % label,
                   "%.1f / %.1f" % (b["lag_p99_ms"], s["lag_p99_ms"]))
            result("overload", "%s: CPU us/probe loop / slamon" % label,
                   "%.1f / %.1f" % (b["cpu_us"] / max(1, b["ok"]), s["cpu_us"] / max(1, s["ok"])))
            result("overload", "%s: slamon failed probes, overload warnings" % label,
                   "%d, %d" % (s["fail"], s["warned"]))
            if step > 1 and (worst is None or ratio < worst):
                worst = ratio
        if worst is not None:
            result("overload", "slamon / loop, ok probes/s, worst step above 100 %",
                   "%.2f" % worst, ">= 0.80")


if __name__ == "__main__":
    main()
