#!/usr/bin/env python3
"""probe_throughput.py - HTTP probes per second and CPU per probe at
saturation: slamon against a bare libcurl-multi loop (the ceiling),
prometheus-blackbox-exporter and Nagios check_http, one after the other
against the same nginx on 127.0.0.1, in one run.

Usage: probe_throughput.py BUILD_DIR     (bench/README.md, "Probing throughput")
Environment: BENCH_SECONDS (measured window per contender, default 10),
BENCH_RESULTS (file the table rows are appended to).
"""
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from probe_lib import (Procs, count_lines, cpu_us, free_port, log, nginx_requests,  # noqa: E402
                       result, start_nginx, wait_port, write_conf)

SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
WARMUP = 3.0
CONC = 32                # transfers in flight for the driven contenders
SLAMON_TARGETS = (4000, 6000, 7000, 8000)  # at a 1 s interval; the best point counts
FORK_CONC = 4            # check_http processes at a time (2 cores)
BLACKBOX = "/usr/bin/prometheus-blackbox-exporter"
CHECK_HTTP = "/usr/lib/nagios/plugins/check_http"

BLACKBOX_CONF = """\
modules:
  http_2xx:
    prober: http
    timeout: 10s
    http:
      preferred_ip_protocol: ip4
"""


def parse(out):
    d = dict(kv.split("=") for kv in out.split())
    return {k: float(v) for k, v in d.items()}


def curl_loop(build, port):
    out = os.popen("%s/bench/probe_curl_multi 'http://127.0.0.1:%d/c%%u' %d %g %g"
                   % (build, port, CONC, SECONDS, WARMUP)).read()
    return parse(out)


def slamon_at(procs, build, tmp, port, n, verbose=True):
    """slamon run --dry-run: n targets at a 1 s interval (timeout 1 s). With
    -v the ok results in the log over the window are the probes done;
    without, the requests nginx served in the window (no log cost)."""
    conf = os.path.join(tmp, "thr%d.conf" % n)
    logf = os.path.join(tmp, "thr%d%s.log" % (n, "v" if verbose else ""))
    write_conf(conf, os.path.join(tmp, "thr-state"), n,
               "http://127.0.0.1:%d/s%%d" % port, interval=1, timeout=1)
    with open(logf, "wb") as lf:
        p = procs.spawn([os.path.join(build, "slamon")] + (["-v"] if verbose else []) +
                        ["-c", conf, "run", "--dry-run"], stdout=lf, stderr=lf)

    def sample():
        if verbose:
            return count_lines(logf, b": result ok:"), count_lines(logf, b": result ")
        k = nginx_requests(port)
        return k, k
    time.sleep(WARMUP)
    c0, (n0, a0), t0 = cpu_us(p.pid), sample(), time.monotonic()
    time.sleep(SECONDS)
    c1, (n1, a1), t1 = cpu_us(p.pid), sample(), time.monotonic()
    procs.stop(p)
    r = {"done": a1 - a0, "ok": n1 - n0, "seconds": t1 - t0, "cpu_us": c1 - c0, "n": n}
    log("  slamon%s, %d targets at 1 s: %d results, %d ok (%.0f/s), %.1f us CPU per ok probe"
        % ("" if verbose else " (no -v, counted at nginx)", n, r["done"], r["ok"],
           r["ok"] / r["seconds"], r["cpu_us"] / max(1, r["ok"])))
    return r


def slamon(procs, build, tmp, port):
    """The offered load that gives the most completed probes per second."""
    runs = [slamon_at(procs, build, tmp, port, n) for n in SLAMON_TARGETS]
    return max(runs, key=lambda r: r["ok"] / r["seconds"])


def slamon_quiet(procs, build, tmp, port, n):
    return slamon_at(procs, build, tmp, port, n, verbose=False)


def blackbox(procs, build, tmp, port):
    """blackbox_exporter's /probe driven over kept-alive connections by the
    curl loop; only the exporter's CPU counts."""
    conf = os.path.join(tmp, "blackbox.yml")
    with open(conf, "w") as f:
        f.write(BLACKBOX_CONF)
    bport = free_port()
    p = procs.spawn([BLACKBOX, "--config.file=" + conf,
                     "--web.listen-address=127.0.0.1:%d" % bport, "--log.level=warn"],
                    stdout=open(os.devnull, "w"), stderr=open(os.devnull, "w"))
    wait_port(bport)
    url = ("http://127.0.0.1:%d/probe?module=http_2xx&target=http://127.0.0.1:%d/b%%u"
           % (bport, port))
    drv = os.popen("%s/bench/probe_curl_multi '%s' %d %g %g --reuse --expect "
                   "'probe_success 1'" % (build, url, CONC, SECONDS, WARMUP))
    time.sleep(WARMUP)
    c0 = cpu_us(p.pid)
    r = parse(drv.read())
    r["cpu_us"] = cpu_us(p.pid) - c0
    procs.stop(p)
    return r


def check_http(build, port):
    out = os.popen("%s/bench/probe_fork %d %g %g %s -H 127.0.0.1 -p %d -u /n -t 10"
                   % (build, FORK_CONC, SECONDS, WARMUP, CHECK_HTTP, port)).read()
    return parse(out)


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    rows = []
    with tempfile.TemporaryDirectory(prefix="slamon-bench-") as tmp, Procs() as procs:
        port = start_nginx(procs, tmp)
        runs = [("libcurl-multi loop (ceiling)", lambda: curl_loop(build, port)),
                ("slamon run --dry-run", lambda: slamon(procs, build, tmp, port))]
        if os.access(BLACKBOX, os.X_OK):
            runs.append(("blackbox_exporter", lambda: blackbox(procs, build, tmp, port)))
        if os.access(CHECK_HTTP, os.X_OK):
            runs.append(("check_http per fork", lambda: check_http(build, port)))
        for name, fn in runs:
            log("throughput: %s, %g s" % (name, SECONDS))
            rows.append((name, fn()))
            if name.startswith("slamon"):
                n = rows[-1][1]["n"]
                log("throughput: slamon without -v, %d targets, %g s" % (n, SECONDS))
                rows.append(("slamon, no -v (nginx count)",
                             slamon_quiet(procs, build, tmp, port, n)))
    by = dict(rows)
    ceil = by["libcurl-multi loop (ceiling)"]
    per_cpu = {n: r["ok"] / (r["cpu_us"] / 1e6) if r["cpu_us"] else 0 for n, r in rows}
    for name, r in rows:
        us = r["cpu_us"] / r["ok"] if r["ok"] else float("inf")
        log("%-30s done %6d ok %6d in %.1f s, cpu %.2f s"
            % (name, r["done"], r["ok"], r["seconds"], r["cpu_us"] / 1e6))
        result("throughput", "%s: probes/s" % name, "%.0f" % (r["ok"] / r["seconds"]))
        result("throughput", "%s: CPU us/probe" % name, "%.1f" % us)
    sl = per_cpu["slamon run --dry-run"]
    result("throughput", "slamon / libcurl loop, probes per CPU s",
           "%.2f" % (sl / per_cpu["libcurl-multi loop (ceiling)"]), ">= 0.80")
    if "slamon, no -v (nginx count)" in per_cpu:
        result("throughput", "slamon without -v / libcurl loop, probes per CPU s",
               "%.2f" % (per_cpu["slamon, no -v (nginx count)"]
                         / per_cpu["libcurl-multi loop (ceiling)"]), ">= 0.80")
    if "blackbox_exporter" in per_cpu:
        result("throughput", "slamon / blackbox_exporter, probes per CPU s",
               "%.1f" % (sl / per_cpu["blackbox_exporter"]), ">= 4")
    if "check_http per fork" in per_cpu:
        result("throughput", "slamon / check_http, probes per CPU s",
               "%.1f" % (sl / per_cpu["check_http per fork"]), "")
    result("throughput", "slamon / libcurl loop, probes per wall s",
           "%.2f" % ((by["slamon run --dry-run"]["ok"] / by["slamon run --dry-run"]["seconds"])
                     / (ceil["ok"] / ceil["seconds"])), "")


if __name__ == "__main__":
    main()
