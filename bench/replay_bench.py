#!/usr/bin/env python3
"""replay_bench.py - replay throughput and RRD updates per second.

N targets (default 1,000) x one day of probes at 60 s = N x 1,440 rows, one
failure an hour per target (short runs, not outages, and one outage a day),
replayed by the real binary into a fresh state directory:
  1. directly (rrd_updatex_r into the files),
  2. through an rrdcached of its own on a unix socket (-w 3600: the daemon
     writes when asked to flush, which slamon does per file at close).
Reported: wall time, rows per second, and RRD updates (steps) per second,
which is the same number of steps as rows here (one row a step a target).
Usage: bench/replay_bench.py [BUILD] [TARGETS]   (make bench runs it)"""
import datetime
import os
import shutil
import subprocess
import sys
import tempfile
import time

build = sys.argv[1] if len(sys.argv) > 1 else "build"
ntargets = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
slamon = os.path.abspath(os.path.join(build, "slamon"))
day0 = int(datetime.datetime(2026, 3, 2, tzinfo=datetime.timezone.utc).timestamp())

CONF = """\
slamon: { state_dir = "%(state)s"; timezone = "Europe/Oslo"; listen = ""; rrdcached = "%(rc)s"; };
defaults: { interval = 60; fail_threshold = 2; };
targets = (
%(targets)s
);
maintenance: { windows = (
  { name = "sunday"; rrule = "FREQ=WEEKLY;BYDAY=SU"; first = "2026-01-04 01:00";
    duration = 3600; published = "2025-12-01 00:00"; } ); };
"""


def main():
    d = tempfile.mkdtemp(prefix="slamon-bench-")
    try:
        targets = ",\n".join(f'  {{ name = "t{i:05d}"; type = "http"; url = "http://127.0.0.1:9/"; }}'
                             for i in range(ntargets))
        csv = os.path.join(d, "day.csv")
        t = time.monotonic()
        with open(csv, "w") as f:
            f.write("time,target,ok,latency_ms,detail\n")
            for k in range(1440):
                ts = day0 + k * 60
                minute = k % 60
                for i in range(ntargets):
                    ok = not (minute == i % 60 or (k // 60 == 12 and minute in (1, 2, 3) and i % 10 == 0))
                    f.write(f"{ts},t{i:05d},{1 if ok else 0},{10 + (i + k) % 17},"
                            f"{'' if ok else 'HTTP status 503'}\n")
        nrows = 1440 * ntargets
        print(f"generated {nrows} rows ({os.path.getsize(csv) >> 20} MiB) in {time.monotonic() - t:.1f} s")
        results = []
        for mode in ("direct", "rrdcached"):
            state = os.path.join(d, mode)
            rc, proc = "", None
            if mode == "rrdcached":
                os.makedirs(os.path.join(state, "rrd"))
                os.makedirs(os.path.join(d, "rcj"))
                sock = os.path.join(d, "rc.sock")
                rc = "unix:" + sock
                proc = subprocess.Popen(["rrdcached", "-g", "-l", rc, "-b", os.path.join(state, "rrd"),
                                         "-B", "-p", os.path.join(d, "rc.pid"), "-j",
                                         os.path.join(d, "rcj"), "-F", "-w", "3600", "-z", "1"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                for _ in range(500):
                    if os.path.exists(sock):
                        break
                    time.sleep(0.01)
            conf = os.path.join(d, mode + ".conf")
            with open(conf, "w") as f:
                f.write(CONF % {"state": state, "rc": rc, "targets": targets})
            t = time.monotonic()
            p = subprocess.run([slamon, "-c", conf, "replay", csv], capture_output=True, text=True)
            el = time.monotonic() - t
            if proc:
                proc.terminate()
                proc.wait()
            if p.returncode != 0:
                print(p.stderr[-2000:])
                raise SystemExit(f"replay ({mode}) failed: exit {p.returncode}")
            steps = int(p.stdout.split(": ")[1].split(" steps")[0])
            results.append((mode, el, nrows / el, steps / el))
            print(f"{mode:10s} {nrows} rows, {steps} steps in {el:.1f} s: "
                  f"{nrows / el:,.0f} rows/s, {steps / el:,.0f} RRD updates/s")
            shutil.rmtree(state, ignore_errors=True)
    finally:
        shutil.rmtree(d, ignore_errors=True)


main()
