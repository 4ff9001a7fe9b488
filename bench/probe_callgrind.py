#!/usr/bin/env python3
"""probe_callgrind.py - user-space instructions per probe, slamon against the
bare libcurl-multi loop, counted by valgrind's callgrind: deterministic for a
given code path, so it compares on a loaded, shared machine where CPU
seconds do not (bench/README.md, "Cost per probe").

Both run under callgrind against the same nginx (keepalive off: a fresh
connection per probe), with instrumentation off at the start; after the
warm-up it is switched on (callgrind_control -i on) for a window, off again, and
the instructions (Ir) collected are divided by the probes nginx served in
the window. slamon: `slamon run --dry-run` (no -v), TARGETS HTTP targets at
a 1 s interval, more than it completes under callgrind (overload, with its
default max_inflight); the loop: 32 GETs in flight.
Kernel time is not counted by callgrind: bench/README.md gives the system
calls per probe beside it.

Usage: probe_callgrind.py BUILD_DIR
Environment: BENCH_CG_SECONDS (window, default 20), BENCH_CG_TARGETS
(default 2000), BENCH_CG_VGOPTS (more valgrind options, such as
--cache-sim=yes: the misses are then in the kept outputs), BENCH_CG_KEEP (a
path prefix: the two outputs are kept there, .slamon and .loop),
BENCH_RESULTS.
"""
import glob
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from probe_lib import Procs, log, nginx_requests, result, start_nginx, write_conf  # noqa: E402

SECONDS = float(os.environ.get("BENCH_CG_SECONDS", "20"))
TARGETS = int(os.environ.get("BENCH_CG_TARGETS", "2000"))
WARMUP = 8.0
LOOP_OPTS = os.environ.get("BENCH_CG_LOOP_OPTS", "--http-opts").split()
VGOPTS = os.environ.get("BENCH_CG_VGOPTS", "").split()


def ctl(pid, *args):
    subprocess.run(["callgrind_control"] + list(args) + [str(pid)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def measure(procs, tmp, port, name, argv):
    out = os.path.join(tmp, "cg-%s.out" % name)
    p = procs.spawn(["valgrind", "--tool=callgrind", "--instr-atstart=no",
                     "--callgrind-out-file=" + out] + VGOPTS + argv,
                    stdout=open(os.devnull, "w"), stderr=open(os.path.join(tmp, name + ".err"), "w"))
    time.sleep(WARMUP)
    ctl(p.pid, "-i", "on")
    k0 = nginx_requests(port)
    time.sleep(SECONDS)
    k1 = nginx_requests(port)
    ctl(p.pid, "-i", "off")
    procs.stop(p, timeout=120)
    ir = 0
    for f in glob.glob(out + "*"):
        with open(f) as fh:
            for line in fh:
                m = re.match(r"totals: (\d+)", line)
                if m:
                    ir += int(m.group(1))
                    break
    probes = k1 - k0 - 1  # the stub_status request itself
    log("callgrind %s: %d probes in %.0f s, %.0f Ir per probe" % (name, probes, SECONDS, ir / probes))
    return ir / probes, out


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    with tempfile.TemporaryDirectory(prefix="slamon-cg-") as tmp, Procs() as procs:
        port = start_nginx(procs, tmp)
        loop, lout = measure(procs, tmp, port, "loop",
                          [os.path.join(build, "bench", "probe_curl_multi"),
                           "http://127.0.0.1:%d/c%%u" % port, "32", "600", "0"] + LOOP_OPTS)
        conf = os.path.join(tmp, "cg.conf")
        write_conf(conf, os.path.join(tmp, "state"), TARGETS, "http://127.0.0.1:%d/s%%d" % port,
                   interval=1, timeout=1)
        sl, out = measure(procs, tmp, port, "slamon",
                          [os.path.join(build, "slamon"), "-c", conf, "run", "--dry-run"])
        if os.environ.get("BENCH_CG_KEEP"):
            os.system("cp %s %s.slamon" % (out, os.environ["BENCH_CG_KEEP"]))
            os.system("cp %s %s.loop" % (lout, os.environ["BENCH_CG_KEEP"]))
        result("cost", "bare loop: user-space instructions per probe (callgrind)", "%.0f" % loop)
        result("cost", "slamon run --dry-run: user-space instructions per probe", "%.0f" % sl)
        result("cost", "slamon / bare loop, instructions per probe", "%.2f" % (sl / loop),
               "<= 1.25")


if __name__ == "__main__":
    main()
