#!/usr/bin/env python3
"""cluster_bench.py - several locations through NATS JetStream (issue 14):
results per second from slamon's own publisher (bench/cluster_pub.c) into a
three-server JetStream cluster on 127.0.0.1 (stream replicas 3), and through
it to an aggregating `slamon run`, with the aggregator's CPU per result.

  python3 bench/cluster_bench.py BUILD [NTARGETS] [SECONDS]

Goal: at least 20,000 results/s end to end with R=3 on loopback."""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

build = sys.argv[1] if len(sys.argv) > 1 else "build"
ntargets = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
secs = int(sys.argv[3]) if len(sys.argv) > 3 else 60
LOCS = ["osl", "fra", "ams"]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        v = f.read().rsplit(")", 1)[1].split()
    return (int(v[11]) + int(v[12])) / os.sysconf("SC_CLK_TCK")


def wait(cond, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.05)
    raise SystemExit(f"cluster_bench: timed out waiting for {what}")


def consumed(port):
    m = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    x = re.search(r"^slamon_cluster_consumed_total (\d+)", m, re.M)
    return int(x.group(1)) if x else 0


def main():
    d = tempfile.mkdtemp(prefix="slamon-cluster-bench-")
    procs = []
    try:
        ports = set()
        while len(ports) < 7:
            ports.add(free_port())
        ports = sorted(ports)
        client, route, http = ports[:3], ports[3:6], ports[6]
        routes = ", ".join(f"nats-route://127.0.0.1:{r}" for r in route)
        logs = []
        for i in range(3):
            with open(f"{d}/n{i}.conf", "w") as f:
                f.write(f"server_name: b{i}\nlisten: 127.0.0.1:{client[i]}\n"
                        f"jetstream {{ store_dir: \"{d}/js{i}\" }}\n"
                        f"cluster {{ name: bench, listen: 127.0.0.1:{route[i]}, "
                        f"no_advertise: true, routes: [{routes}] }}\n")
            log = open(f"{d}/n{i}.log", "w")
            logs.append(f"{d}/n{i}.log")
            procs.append(subprocess.Popen(["nats-server", "-c", f"{d}/n{i}.conf"],
                                          stdout=log, stderr=log))
        wait(lambda: any("metadata leader" in open(x).read() for x in logs), 30, "a leader")
        nats = ",".join(f"nats://127.0.0.1:{p}" for p in client)
        targets = ",\n".join(f'  {{ name = "t{i:05d}"; type = "tcp"; host = "127.0.0.1"; port = 9; }}'
                             for i in range(ntargets))
        common = f"""defaults: {{ interval = 1; timeout = 1; }};
targets = (
{targets}
);
maintenance: {{ windows = (); }};
"""
        with open(f"{d}/agg.conf", "w") as f:
            f.write(f'slamon: {{ state_dir = "{d}/agg"; listen = "127.0.0.1:{http}"; }};\n'
                    + common + f'cluster: {{ nats = "{nats}"; role = "aggregate"; '
                    f'locations = ["osl", "fra", "ams"]; }};\n')
        with open(f"{d}/pub.conf", "w") as f:
            f.write(f'slamon: {{ state_dir = "{d}/pub"; listen = ""; }};\n'
                    + common + f'cluster: {{ nats = "{nats}"; role = "probe"; location = "osl"; '
                    f'locations = ["osl", "fra", "ams"]; }};\n')
        alog = open(f"{d}/agg.log", "w")
        agg = subprocess.Popen([f"{build}/slamon", "-c", f"{d}/agg.conf", "run"],
                               stdout=alog, stderr=alog)
        procs.append(agg)
        wait(lambda: "role aggregate" in open(f"{d}/agg.log").read(), 60, "the aggregator")
        wait(lambda: consumed(http) == 0, 10, "the aggregator's /metrics")
        total = ntargets * secs * len(LOCS)
        cpu0 = cpu_seconds(agg.pid)
        t0 = time.monotonic()
        out = subprocess.run([f"{build}/bench/cluster_pub", f"{d}/pub.conf", str(ntargets),
                              str(secs)], capture_output=True, text=True, check=True)
        pub = json.loads(out.stdout)
        wait(lambda: consumed(http) >= total, 600, "every result at the aggregator")
        elapsed = time.monotonic() - t0
        cpu = cpu_seconds(agg.pid) - cpu0
        rows = [
            ("cluster", "results published (3 locations x targets x seconds)", str(total), ""),
            ("cluster", "publish rate, acked by JetStream R=3 (results/s)",
             f"{pub['published'] / pub['seconds']:.0f}", ">= 20000"),
            ("cluster", "end to end, publisher to aggregator (results/s)",
             f"{total / elapsed:.0f}", ">= 20000"),
            ("cluster", "aggregator CPU per result (us)", f"{cpu / total * 1e6:.1f}", ""),
        ]
        for r in rows:
            print("\t".join(r))
        if os.environ.get("BENCH_RESULTS"):
            with open(os.environ["BENCH_RESULTS"], "a") as f:
                for r in rows:
                    f.write("\t".join(r) + "\n")
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
