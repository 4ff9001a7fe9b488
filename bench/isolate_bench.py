#!/usr/bin/env python3
"""isolate_bench.py - probe start lag with and without an attack on the page
(issue 20).

2,000 HTTP targets at a 1 s interval on one nginx (bench/probe_lib.py), with
storage through an rrdcached started here, and the status page on a port of
127.0.0.1. The start lag of every probe comes from the -v log, as in
schedule_precision.py. Two windows of the same daemon:

  quiet:  nobody on the page;
  attack: 2,000 slowloris connections (one header line a second, never a
          whole request) from 40 source addresses, and 20 clients from 20
          more addresses asking for /api/v1/availability of this month and
          of the last one, in a loop.

Usage: isolate_bench.py BUILD_DIR
Environment: BENCH_ISOLATE_SECONDS (each window, default 30),
BENCH_ISOLATE_TARGETS (default 2000), BENCH_RESULTS.
"""
import os
import re
import resource
import selectors
import socket
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from probe_lib import Procs, cpu_us, free_port, log, result, start_nginx, wait_port  # noqa: E402
from schedule_precision import START, pct, start_rrdcached  # noqa: E402

WINDOW = float(os.environ.get("BENCH_ISOLATE_SECONDS", "30"))
N = int(os.environ.get("BENCH_ISOLATE_TARGETS", "2000"))


def write_conf(path, state, port, nginx, rrdc):
    with open(path, "w") as f:
        f.write('slamon: { state_dir = "%s"; timezone = "Europe/Oslo"; listen = "127.0.0.1:%d";\n'
                '  rrdcached = "%s"; };\n' % (state, port, rrdc))
        f.write("defaults: { interval = 1; timeout = 1; retry_interval = 1; fail_threshold = 2; };\n")
        f.write("targets = (\n")
        f.write(",\n".join('{ name = "t%d"; type = "http"; url = "http://127.0.0.1:%d/s%d"; }'
                           % (i, nginx, i) for i in range(N)))
        f.write("\n);\nmaintenance: { windows = (); };\n")


def get(port, path, src, timeout=30):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout, source_address=(src, 0))
    try:
        s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path).encode())
        data = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    finally:
        s.close()
    m = re.match(rb"HTTP/1\.[01] (\d+)", data)
    return int(m.group(1)) if m else 0


class Attack:
    def __init__(self, port):
        self.port = port
        self.stop = threading.Event()
        self.conns = 0
        self.codes = {}
        self.ths = [threading.Thread(target=self.loris, daemon=True)]
        self.ths += [threading.Thread(target=self.flood, args=(k,), daemon=True) for k in range(20)]
        for th in self.ths:
            th.start()

    def loris(self):
        sel = selectors.DefaultSelector()
        srcs = ["127.0.0.%d" % i for i in range(2, 42)]
        k = 0
        last = 0.0
        while not self.stop.is_set():
            while len(sel.get_map()) < 2000:
                s = socket.socket()
                s.setblocking(False)
                s.bind((srcs[k % len(srcs)], 0))
                k += 1
                try:
                    s.connect(("127.0.0.1", self.port))
                except BlockingIOError:
                    pass
                except OSError:
                    s.close()
                    break
                sel.register(s, selectors.EVENT_READ, [False])
                self.conns += 1
                if k % 100 == 0:
                    break
            for key, _ in sel.select(timeout=0.05):
                try:
                    if key.fileobj.recv(4096):
                        continue
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    pass
                sel.unregister(key.fileobj)
                key.fileobj.close()
            if time.monotonic() - last >= 1:
                last = time.monotonic()
                for key in list(sel.get_map().values()):
                    try:
                        key.fileobj.send(b"X-a: b\r\n" if key.data[0] else b"GET / HTTP/1.1\r\n")
                        key.data[0] = True
                    except (BlockingIOError, InterruptedError):
                        pass
                    except OSError:
                        sel.unregister(key.fileobj)
                        key.fileobj.close()
        for key in list(sel.get_map().values()):
            key.fileobj.close()

    def flood(self, k):
        src = "127.0.1.%d" % (k + 1)
        months = [time.strftime("%Y-%m"), time.strftime("%Y-%m", time.localtime(time.time() - 40 * 86400))]
        i = 0
        while not self.stop.is_set():
            try:
                st = get(self.port, "/api/v1/availability?month=" + months[i % 2], src)
            except OSError:
                st = -1
            i += 1
            self.codes[st] = self.codes.get(st, 0) + 1

    def end(self):
        self.stop.set()
        for th in self.ths:
            th.join(60)


def window(p, logf, seconds):
    size0 = os.path.getsize(logf)
    c0 = cpu_us(p.pid)
    time.sleep(seconds)
    c1 = cpu_us(p.pid)
    size1 = os.path.getsize(logf)
    lags = []
    with open(logf, "rb") as f:
        f.seek(size0)
        for line in f.read(size1 - size0).splitlines():
            m = START.search(line)
            if m:
                lags.append(float(m.group(2)))
    lags.sort()
    return lags, (c1 - c0) / 1e6


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 16384), hard))
    with tempfile.TemporaryDirectory(prefix="slamon-isolate-") as tmp, Procs() as procs:
        nginx = start_nginx(procs, tmp)
        d = os.path.join(tmp, "run")
        os.makedirs(d)
        rrdc = start_rrdcached(procs, d)
        port = free_port()
        conf = os.path.join(d, "slamon.conf")
        logf = os.path.join(d, "slamon.log")
        write_conf(conf, os.path.join(d, "state"), port, nginx, rrdc)
        with open(logf, "wb") as lf:
            p = procs.spawn([os.path.join(build, "slamon"), "-v", "-c", conf, "run"],
                            stdout=lf, stderr=lf)
        wait_port(port, 300)
        # the attacker (this process) shares the machine with the daemon,
        # which a real attacker does not: it runs at the lowest priority
        os.nice(19)
        time.sleep(5)
        # this month's report, once, before the windows (the first costs most)
        t0 = time.monotonic()
        st = get(port, "/api/v1/availability", "127.0.0.1", timeout=600)
        first = time.monotonic() - t0
        log("isolate: first report of this month: %d after %.1f s" % (st, first))
        log("isolate: %d targets at 1 s, quiet window of %.0f s" % (N, WINDOW))
        quiet, qcpu = window(p, logf, WINDOW)
        log("isolate: attack window of %.0f s (2,000 slowloris, 20 report clients)" % WINDOW)
        a = Attack(port)
        time.sleep(3)  # the attack at full strength first
        attacked, acpu = window(p, logf, WINDOW)
        a.end()
        procs.stop(p)
        with open(logf, "rb") as f:
            text = f.read()
        outages = text.count(b"DOWN since")
        faults = text.count(b"monitor fault")
    for name, lags, cpu in (("quiet", quiet, qcpu), ("attack", attacked, acpu)):
        log("%s: %d starts, lag p50 %.1f p99 %.1f max %.1f ms, CPU %.0f %% of a core" %
            (name, len(lags), pct(lags, 50), pct(lags, 99), lags[-1] if lags else 0,
             100 * cpu / WINDOW))
        result("isolate", "%dk targets @1s, %s: starts in %.0f s" % (N // 1000, name, WINDOW),
               "%d" % len(lags), "%d expected" % int(N * WINDOW))
        result("isolate", "%dk targets @1s, %s: start lag p50 / p99 / max ms" % (N // 1000, name),
               "%.1f / %.1f / %.1f" % (pct(lags, 50), pct(lags, 99), lags[-1] if lags else 0),
               "p99 < 100")
        result("isolate", "%dk targets @1s, %s: CPU share of one core" % (N // 1000, name),
               "%.0f %%" % (100 * cpu / WINDOW))
    result("isolate", "p99 difference, attack - quiet, ms",
           "%.1f" % (pct(attacked, 99) - pct(quiet, 99)))
    result("isolate", "attack: slowloris connections opened / report answers by status",
           "%d / %s" % (a.conns, " ".join("%s:%d" % kv for kv in sorted(a.codes.items()))))
    result("isolate", "first report of this month (a worker, not the loop), s", "%.1f" % first)
    result("isolate", "outages / monitor faults logged", "%d / %d" % (outages, faults), "0 / 0")


if __name__ == "__main__":
    main()
