#!/usr/bin/env python3
"""probe_overload.py - overload without collapse (issue 17): a demand sweep
from 50 % to 200 % of the machine's ceiling, for slamon and for the bare
libcurl-multi loop, in one run.

The ceiling is found first, in the same run: the bare loop
(bench/probe_curl_multi.c --http-opts: the libcurl options of probes/http.c)
with 32 GETs always in flight against the same nginx, completed probes per
second, the best of BENCH_OVERLOAD_ROUNDS runs. Then, for each step, a demand of step x ceiling probes a second:

- the bare loop with --rate (the same planned starts, 32 in flight, oldest
  first, skipped when a second late);
- slamon as that many HTTP targets at a 1 s interval (timeout 1 s,
  `slamon run --dry-run`, default max_inflight), as it runs in production:
  without -v. Its completed probes are counted at nginx (stub_status), its
  CPU from /proc;
- once per step, the same slamon with -v, for what only its log tells: the
  start lag of every probe (actual minus planned start) and the probes that
  failed. -v writes two lines a probe, so this run's rate is not the one
  compared.

The machine is shared and a 5 s window moves by 10-20 % from one run to the
next, so the loop and slamon (without -v) take turns, BENCH_OVERLOAD_ROUNDS
times at each step, and the medians are compared.

Usage: probe_overload.py BUILD_DIR     (bench/README.md, "Overload")
Environment: BENCH_OVERLOAD_SECONDS (window per run, default 5),
BENCH_OVERLOAD_STEPS (default "0.5 0.75 1 1.25 1.5 2"),
BENCH_OVERLOAD_ROUNDS (default 3), BENCH_SLAMON (another slamon binary, to
compare a build before a change), BENCH_RESULTS.
"""
import os
import re
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from probe_lib import Procs, cpu_us, log, nginx_requests, result, start_nginx, write_conf  # noqa: E402

SECONDS = float(os.environ.get("BENCH_OVERLOAD_SECONDS", "5"))
STEPS = [float(x) for x in os.environ.get("BENCH_OVERLOAD_STEPS", "0.5 0.75 1 1.25 1.5 2").split()]
ROUNDS = int(os.environ.get("BENCH_OVERLOAD_ROUNDS", "3"))
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
    r["cpu_per"] = r["cpu_us"] / max(1, r["ok"])
    return r


def slamon(procs, build, tmp, port, n, verbose):
    d = tempfile.mkdtemp(prefix="ov%d-" % n, dir=tmp)
    conf, logf = os.path.join(d, "slamon.conf"), os.path.join(d, "slamon.log")
    write_conf(conf, os.path.join(d, "state"), n, "http://127.0.0.1:%d/s%%d" % port,
               interval=1, timeout=1)
    binary = os.environ.get("BENCH_SLAMON", os.path.join(build, "slamon"))
    with open(logf, "wb") as lf:
        p = procs.spawn([binary] + (["-v"] if verbose else []) + ["-c", conf, "run", "--dry-run"],
                        stdout=lf, stderr=lf)
    time.sleep(WARMUP)
    size0, r0, c0, t0 = os.path.getsize(logf), nginx_requests(port), cpu_us(p.pid), time.monotonic()
    time.sleep(SECONDS)
    size1, r1, c1, t1 = os.path.getsize(logf), nginx_requests(port), cpu_us(p.pid), time.monotonic()
    procs.stop(p)
    out = {"rate": (r1 - r0) / (t1 - t0), "cpu_per": (c1 - c0) / max(1, r1 - r0)}
    if not verbose:
        return out
    lags, fail = [], 0
    with open(logf, "rb") as f:
        f.seek(size0)
        for line in f.read(size1 - size0).splitlines():
            m = START.search(line)
            if m:
                lags.append(float(m.group(1)))
            elif b": result " in line and OK not in line:
                fail += 1
        f.seek(0)
        warned = sum(1 for line in f if b"overload: " in line)
    lags.sort()
    out.update({"fail": fail, "lag_p50_ms": pct(lags, 50), "lag_p99_ms": pct(lags, 99),
                "warned": warned})
    return out


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    with tempfile.TemporaryDirectory(prefix="slamon-overload-") as tmp, Procs() as procs:
        port = start_nginx(procs, tmp)
        # the ceiling: the best of ROUNDS runs (a neighbour only ever lowers it)
        ceil = max((loop(build, port) for _ in range(ROUNDS)), key=lambda r: r["rate"])
        c = ceil["rate"]
        log("overload: ceiling (bare loop, %d in flight): %.0f probes/s, %.1f us CPU each"
            % (CONC, c, ceil["cpu_per"]))
        result("overload", "ceiling: bare loop, probes/s", "%.0f" % c)
        worst = worst_cpu = None
        for step in STEPS:
            n = int(step * c)
            runs_b, runs_s = [], []
            for _ in range(ROUNDS):
                runs_b.append(loop(build, port, n))
                runs_s.append(slamon(procs, build, tmp, port, n, False))
            v = slamon(procs, build, tmp, port, n, True)
            b_rate = statistics.median(r["rate"] for r in runs_b)
            s_rate = statistics.median(r["rate"] for r in runs_s)
            b_cpu = statistics.median(r["cpu_per"] for r in runs_b)
            s_cpu = statistics.median(r["cpu_per"] for r in runs_s)
            b_lag = statistics.median(r["lag_p99_ms"] for r in runs_b)
            ratio = s_rate / b_rate if b_rate else float("nan")
            log("overload %3.0f%% (%d/s): loop %.0f ok/s (%s) p99 lag %.1f ms; slamon %.0f ok/s (%s), "
                "%.1f us CPU/probe; slamon/loop %.2f; with -v: %.0f/s, %d failed, p99 lag %.1f ms"
                % (100 * step, n, b_rate, " ".join("%.0f" % r["rate"] for r in runs_b), b_lag,
                   s_rate, " ".join("%.0f" % r["rate"] for r in runs_s), s_cpu, ratio,
                   v["rate"], v["fail"], v["lag_p99_ms"]))
            label = "%3.0f%% (%d/s)" % (100 * step, n)
            result("overload", "%s: ok probes/s loop / slamon (median of %d)" % (label, ROUNDS),
                   "%.0f / %.0f" % (b_rate, s_rate))
            result("overload", "%s: slamon / loop" % label, "%.2f" % ratio)
            result("overload", "%s: p99 start lag ms loop / slamon -v" % label,
                   "%.1f / %.1f" % (b_lag, v["lag_p99_ms"]))
            result("overload", "%s: CPU us/probe loop / slamon" % label,
                   "%.1f / %.1f" % (b_cpu, s_cpu))
            result("overload", "%s: slamon -v: ok probes/s, failed probes, overload warnings" % label,
                   "%.0f, %d, %d" % (v["rate"], v["fail"], v["warned"]))
            if step > 1:
                if worst is None or ratio < worst:
                    worst = ratio
                if worst_cpu is None or s_cpu / b_cpu > worst_cpu:
                    worst_cpu = s_cpu / b_cpu
        if worst is not None:
            result("overload", "slamon / loop, ok probes/s, worst step above 100 %",
                   "%.2f" % worst, ">= 0.80")
            result("overload", "slamon / loop, CPU per probe, worst step above 100 %",
                   "%.2f" % worst_cpu, "<= 1.25")


if __name__ == "__main__":
    main()
