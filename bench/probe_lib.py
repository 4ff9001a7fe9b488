"""probe_lib.py - helpers shared by the probing and schedule benchmarks.

Everything listens on and connects to 127.0.0.1 only. Every process started
here is stopped by the Procs context manager, whatever happens.
"""
import os
import signal
import socket
import subprocess
import sys
import time

HZ = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=20.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nothing listens on 127.0.0.1:%d" % port)


def cpu_us(pid):
    """User+system CPU of a process and all its threads, in microseconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1e6 / HZ


def rss_kib(pid):
    with open("/proc/%d/statm" % pid) as f:
        return int(f.read().split()[1]) * PAGE_KIB


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def result(section, metric, value, goal=""):
    """One row of the table `make bench` prints at the end."""
    path = os.environ.get("BENCH_RESULTS")
    line = "%s\t%s\t%s\t%s\n" % (section, metric, value, goal)
    if path:
        with open(path, "a") as f:
            f.write(line)
    sys.stdout.write(line.replace("\t", " | "))


class Procs:
    """Processes started for one benchmark; all are stopped on exit."""

    def __init__(self):
        self.procs = []

    def __enter__(self):
        return self

    def spawn(self, argv, **kw):
        kw.setdefault("stdin", subprocess.DEVNULL)
        p = subprocess.Popen([str(a) for a in argv], **kw)
        self.procs.append(p)
        return p

    def stop(self, p, sig=signal.SIGTERM, timeout=20):
        if p.poll() is None:
            p.send_signal(sig)
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def __exit__(self, *exc):
        for p in reversed(self.procs):
            self.stop(p)


NGINX_CONF = """\
worker_processes %(workers)d;
pid %(dir)s/nginx.pid;
error_log %(dir)s/nginx-error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_timeout 0;
    client_body_temp_path %(dir)s/body;
    proxy_temp_path %(dir)s/proxy;
    fastcgi_temp_path %(dir)s/fastcgi;
    uwsgi_temp_path %(dir)s/uwsgi;
    scgi_temp_path %(dir)s/scgi;
    server {
        listen 127.0.0.1:%(port)d backlog=4096;
        location = /nginx_status { stub_status; }
        location / { default_type text/plain; return 200 "ok\\n"; }
    }
}
"""


def start_nginx(procs, tmp, workers=2):
    """nginx from Debian on a free port of 127.0.0.1: every path answers 200
    "ok" and closes the connection (keepalive_timeout 0), so every probe is a
    fresh connection and the TIME_WAIT stays on the server side."""
    port = free_port()
    d = os.path.join(tmp, "nginx")
    os.makedirs(d, exist_ok=True)
    conf = os.path.join(d, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF % {"workers": workers, "dir": d, "port": port})
    procs.spawn(["/usr/sbin/nginx", "-p", d, "-c", conf, "-g", "daemon off;"])
    wait_port(port)
    return port


def nginx_requests(port):
    """The total of requests nginx has served (stub_status)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"GET /nginx_status HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        data = b""
        while True:
            b = s.recv(4096)
            if not b:
                break
            data += b
    lines = data.decode().split("\r\n\r\n", 1)[1].splitlines()
    return int(lines[2].split()[2])


CONF_HEAD = """\
slamon: { state_dir = "%(state)s"; timezone = "Europe/Oslo"; listen = "";
  rrdcached = "%(rrdcached)s"; };
defaults: { interval = %(interval)d; timeout = %(timeout)d; fail_threshold = 2; };
targets = (
"""


def write_conf(path, state, n, urlfmt, interval, timeout, rrdcached=""):
    """A configuration of n HTTP targets t0..t{n-1}; urlfmt has one %d."""
    with open(path, "w") as f:
        f.write(CONF_HEAD % {"state": state, "interval": interval, "timeout": timeout,
                             "rrdcached": rrdcached})
        for i in range(n):
            f.write('{ name = "t%d"; type = "http"; url = "%s"; }%s\n'
                    % (i, urlfmt % i, "," if i < n - 1 else ""))
        f.write(");\nmaintenance: { windows = (); };\n")


def count_lines(path, needle):
    n = 0
    with open(path, "rb") as f:
        for line in f:
            if needle in line:
                n += 1
    return n
