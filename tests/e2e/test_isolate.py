"""The monitor's own trouble is never the customer's outage (issue 20).

A probe that fails for lack of descriptors is a monitor fault: its time is
unknown, no outage is journaled. The public server is bounded: slowloris
connections and a flood of report requests from many addresses neither
starve the prober of descriptors nor stall it, and a normal client gets an
answer or a clean refusal."""
import json
import os
import re
import resource
import selectors
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

from lib import free_port, read_jsonl
from probelib import targetd


def _conf(t, port, targets, extra="", interval=1, timeout=None, fail_threshold=1):
    timeout = timeout or interval
    return t.write("slamon.conf", f"""
slamon: {{ state_dir = "state"; timezone = "Europe/Oslo"; listen = "127.0.0.1:{port}"; {extra} }};
defaults: {{ interval = {interval}; timeout = {timeout}; retry_interval = 1;
             fail_threshold = {fail_threshold}; alert_after = 60; }};
targets = (
{",".join(targets)}
);
maintenance: {{ windows = (); }};
""")


def _journal(t):
    p = t.path("state", "journal.jsonl")
    return read_jsonl(p) if os.path.exists(p) else []


def _get(port, path, src="127.0.0.1", timeout=20):
    """(status, headers, body) of a GET from source address src; status 0
    when the connection failed without an HTTP answer."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                 source_address=(src, 0))
    try:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    except (ConnectionResetError, socket.timeout):
        return 0, {}, data
    finally:
        s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    m = re.match(r"HTTP/1\.[01] (\d+)", lines[0]) if lines and lines[0] else None
    if not m:
        return 0, {}, data
    hdrs = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        hdrs[k.strip()] = v.strip()
    return int(m.group(1)), hdrs, body


def _metric(text, name, **labels):
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in text.splitlines():
        if line.startswith(name + ("{" + want + "}" if want else " ")):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_isolate_emfile_probe_is_unknown(t):
    """Under a tiny descriptor limit, probes that find no descriptor are
    monitor faults: logged with their reason, unknown time, no outage,
    though fail_threshold is 1 and alert_after one minute."""
    tport = targetd(t, "--route", "/slow=delay:1500")
    hport = free_port()
    targets = [f'{{ name = "t{i:02d}"; type = "http"; url = "http://127.0.0.1:{tport}/slow"; }}'
               for i in range(48)]
    # max_inflight above what the limit allows: left to itself the prober
    # would keep the probes within the descriptors (issue 17)
    conf = _conf(t, hport, targets, extra="max_inflight = 100;", interval=2)
    p = t.spawn(["prlimit", "--nofile=40:40", t.bin, "-v", "-c", conf, "run"])

    def log():
        with open(p.errpath) as f:
            return f.read()

    t.wait_for(lambda: "monitor fault, time unknown (not down)" in log(), 60,
               "a probe failing for lack of descriptors: " + log()[-3000:])
    assert "open files: limit 40" in log(), log()[:2000]
    assert "are not enough for 48 probes at once" in log()
    assert re.search(r"result local_fds: cannot open a socket: Too many open files", log()), \
        log()[-3000:]
    # and the server does not spin on accept when the table is full: it pauses
    socks = []
    try:
        def paused():
            for _ in range(20):
                try:
                    socks.append(socket.create_connection(("127.0.0.1", hport), timeout=2))
                except OSError:
                    pass
            return "httpd: accept: Too many open files; not accepting" in log()
        t.wait_for(paused, 60, "an accept pause: " + log()[-3000:], step=0.2)
    finally:
        for s in socks:
            s.close()
    # let faults and real successes both settle into a few steps
    time.sleep(1)
    p.send_signal(15)
    assert p.wait(timeout=30) == 0, log()[-3000:]
    ev = _journal(t)
    assert [e for e in ev if e["event"] == "outage_start"] == [], ev
    assert not [e for e in ev if e["event"] == "alert"]
    # the steps written at the stop: no second of any target is down
    downs = 0
    for i in range(48):
        out = subprocess.run(["rrdtool", "lastupdate", t.path("state", "rrd", f"t{i:02d}.rrd")],
                             capture_output=True, text=True, check=True).stdout.split("\n")
        names = out[0].split()
        vals = dict(zip(names, out[2].split(":", 1)[1].split()))
        downs += float(vals["down_s"])
    assert downs == 0


class Slowloris:
    """Keeps up to n connections to port, from source addresses 127.0.0.2..,
    each sending a header line a second and never finishing the request;
    reconnects those the server closes."""

    def __init__(self, port, n, sources):
        self.port, self.n, self.sources = port, n, sources
        self.stop = threading.Event()
        self.opened = self.closed_by_server = 0
        self.th = threading.Thread(target=self.run, daemon=True)
        self.th.start()

    def _open(self, sel, i):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.bind((self.sources[i % len(self.sources)], 0))
        try:
            s.connect(("127.0.0.1", self.port))
        except BlockingIOError:
            pass
        except OSError:
            s.close()
            return
        sel.register(s, selectors.EVENT_READ, i)
        self.opened += 1

    def run(self):
        sel = selectors.DefaultSelector()
        live = {}
        last_drip = 0.0
        while not self.stop.is_set():
            while len(sel.get_map()) < self.n and not self.stop.is_set():
                self._open(sel, self.opened)
                if self.opened % 200 == 0:
                    break
            for key, _ in sel.select(timeout=0.05):
                s = key.fileobj
                try:
                    if s.recv(4096):
                        continue
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    pass
                sel.unregister(s)
                s.close()
                self.closed_by_server += 1
            now = time.monotonic()
            if now - last_drip >= 1.0:
                last_drip = now
                for key in list(sel.get_map().values()):
                    s = key.fileobj
                    first = key.data not in live
                    live[key.data] = True
                    try:
                        s.send(b"GET / HTTP/1.1\r\nHost: x\r\n" if first else b"X-a: b\r\n")
                    except (BlockingIOError, InterruptedError):
                        pass
                    except OSError:
                        sel.unregister(s)
                        s.close()
        for key in list(sel.get_map().values()):
            key.fileobj.close()


def test_isolate_slowloris_and_report_flood(t):
    """The daemon under `ulimit -n 1024` with 200 targets at 1 s, attacked by
    2,000 slowloris connections from 40 addresses and a flood of availability
    requests: every target keeps being probed, no outage is journaled, no
    probe fails, and a normal client gets an answer or a clean 503/429."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 4096:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    tport = targetd(t, "--tcp", free_port(), "echo")
    hport = free_port()
    targets = []
    for i in range(200):
        if i % 2:
            targets.append(f'{{ name = "h{i:03d}"; type = "http"; url = "http://127.0.0.1:{tport}/"; }}')
        else:
            targets.append(f'{{ name = "c{i:03d}"; type = "tcp"; host = "127.0.0.1"; port = {tport}; }}')
    conf = _conf(t, hport, targets, extra="http_header_timeout = 3;", fail_threshold=1)
    p = t.spawn(["prlimit", "--nofile=1024:1024", t.bin, "-c", conf, "run"])

    def log():
        with open(p.errpath) as f:
            return f.read()

    t.wait_port(hport)
    t.wait_for(lambda: _get(hport, "/metrics")[0] == 200, 30, "the page")

    def probes_ok():
        st, _, body = _get(hport, "/metrics")
        assert st == 200, (st, body[:300])
        text = body.decode()
        return {m.group(1): float(m.group(2)) for m in re.finditer(
            r'^slamon_probes_total\{target="([^"]+)"[^}]*,reason="ok"\} (\S+)$', text, re.M)}, text

    t.wait_for(lambda: len(probes_ok()[0]) == 200 and min(probes_ok()[0].values()) >= 2, 60,
               "every target probed twice")
    before, _ = probes_ok()
    assert "open files: limit 1024" in log(), log()[:2000]

    sources = [f"127.0.0.{i}" for i in range(2, 42)]
    loris = Slowloris(hport, 2000, sources)
    month = time.strftime("%Y-%m")
    stop = threading.Event()
    flood = {"n": 0, "codes": {}}

    def flooder(k):
        src = f"127.0.1.{k + 1}"
        while not stop.is_set():
            m = month if k % 2 else time.strftime("%Y-%m", time.localtime(time.time() - 40 * 86400))
            try:
                st, _, _ = _get(hport, f"/api/v1/availability?month={m}", src=src, timeout=30)
            except OSError:
                st = -1
            flood["n"] += 1
            flood["codes"][st] = flood["codes"].get(st, 0) + 1

    floods = [threading.Thread(target=flooder, args=(k,), daemon=True) for k in range(20)]
    for th in floods:
        th.start()
    normal = {}
    try:
        t.wait_for(lambda: loris.opened >= 2000, 60, "2,000 slowloris connections")
        end = time.monotonic() + 15
        while time.monotonic() < end:
            st, h, body = _get(hport, "/api/v2/status.json", timeout=30)
            normal[st] = normal.get(st, 0) + 1
            # an answer, or a clean refusal: never a hang or a reset
            assert st in (200, 503), (st, h, body[:200])
            if st == 503:
                assert h.get("Retry-After"), h
            time.sleep(0.5)
    finally:
        stop.set()
        loris.stop.set()
        loris.th.join(30)
        for th in floods:
            th.join(60)
    t.log("slowloris opened", loris.opened, "closed by the server", loris.closed_by_server,
          "floods", flood, "normal client", normal)
    assert loris.closed_by_server > 0  # refused at accept, evicted, or cut at the deadline
    # reports: computed once and shared, or refused by the per-client rate
    assert set(flood["codes"]) <= {200, 429, 503} and flood["codes"].get(429), flood
    # a client with no connection open gets a slot from those that hold many
    assert normal.get(200), normal
    t.wait_for(lambda: _get(hport, "/metrics")[0] == 200, 30, "the page after the attack")
    after, text = probes_ok()
    slow = {n: after[n] - before.get(n, 0) for n in after if after[n] - before.get(n, 0) < 10}
    assert not slow, f"targets hardly probed during the attack: {slow}"
    # every probe succeeded: no descriptor shortage, no timeout from a stalled loop
    bad = re.findall(r'^slamon_probes_total\{target="[^"]+"[^}]*,reason="(?!ok")[^"]+"\} [1-9]', text, re.M)
    assert not bad, bad
    assert _metric(text, "slamon_monitor_faults_total", reason="local_fds") == 0
    refused = (_metric(text, "slamon_http_connections_refused_total", limit="total") +
               _metric(text, "slamon_http_connections_refused_total", limit="per_client"))
    assert refused > 0 and _metric(text, "slamon_http_connections_evicted_total") > 0, text[-3000:]
    # 1024 - what is open - (64 + 3 for each of the 200 probes at once)
    assert 100 < _metric(text, "slamon_http_connections_max") < 512, text[-3000:]
    p.send_signal(15)
    assert p.wait(timeout=60) == 0, log()[-3000:]
    ev = _journal(t)
    assert not [e for e in ev if e["event"] == "outage_start"], ev


def test_isolate_request_deadline(t):
    """A client that keeps sending header bytes, never finishing its request,
    is cut at http_header_timeout (evhttp's own timeout restarts with each
    byte and never would); a kept-alive idle connection at
    http_keepalive_timeout. Both show in /metrics."""
    hport = free_port()
    conf = _conf(t, hport, ['{ name = "a"; type = "tcp"; host = "127.0.0.1"; port = 9; }'],
                 extra="http_header_timeout = 2; http_keepalive_timeout = 1;", interval=5)
    t.spawn([t.bin, "-c", conf, "run"])
    t.wait_port(hport)
    slow = socket.create_connection(("127.0.0.1", hport))
    slow.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
    start = time.monotonic()
    slow.settimeout(0.5)
    closed = False
    while time.monotonic() - start < 30 and not closed:
        try:
            slow.sendall(b"X-a: b\r\n")
            closed = slow.recv(100) == b""
        except socket.timeout:
            pass
        except OSError:
            closed = True
    assert closed, "a request trickling in for 30 s was never cut"
    slow.close()
    # keep-alive: one answer, then silence
    ka = socket.create_connection(("127.0.0.1", hport), timeout=20)
    ka.sendall(b"GET /api/v2/status.json HTTP/1.1\r\nHost: x\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        data += ka.recv(65536)
    assert data.startswith(b"HTTP/1.1 200"), data[:100]
    ka.settimeout(20)
    try:
        while ka.recv(65536):
            pass
    except ConnectionResetError:
        pass
    ka.close()
    st, _, body = _get(hport, "/metrics")
    assert st == 200
    assert _metric(body.decode(), "slamon_http_request_timeouts_total") >= 2, body.decode()[-2000:]


def test_isolate_config_errors(t):
    """The server's bounds are checked like every other key: FILE:LINE: field."""
    cases = [
        ("http_workers = 0;", "slamon.http_workers: 0 is out of range 1..64"),
        ("http_max_connections = 10; http_max_connections_per_client = 20;",
         "slamon.http_max_connections_per_client: 20 is more than http_max_connections (10)"),
        ('http_header_timeout = "10";', "slamon.http_header_timeout: expected an integer"),
        ("http_max_header_bytes = 100;", "slamon.http_max_header_bytes: 100 is out of range"),
        ("http_bogus = 1;", "slamon.http_bogus: unknown setting"),
    ]
    for extra, msg in cases:
        conf = _conf(t, free_port(), ['{ name = "a"; type = "tcp"; host = "127.0.0.1"; port = 9; }'],
                     extra=extra, interval=5)
        p = t.slamon("check", conf=conf, check=1)
        assert re.match(r"^\S+slamon\.conf:2: " + re.escape(msg), p.stderr), (extra, p.stderr)
    conf = _conf(t, free_port(), ['{ name = "a"; type = "tcp"; host = "127.0.0.1"; port = 9; }'],
                 extra="http_max_connections = 100; http_header_timeout = 3; http_workers = 4;",
                 interval=5)
    t.slamon("check", conf=conf, check=0)


def test_isolate_no_resolver_is_unknown(t):
    """With no nameserver configured (an empty /etc/resolv.conf in a private
    mount namespace), names cannot be resolved: a monitor fault of reason
    resolver_unavailable for http, tcp and dns targets alike, never an
    outage."""
    if subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode != 0:
        raise AssertionError("unshare -m is needed (CI runs as root)")
    hport = free_port()
    targets = ['{ name = "web"; type = "http"; url = "http://nowhere.invalid:8080/"; }',
               '{ name = "api"; type = "tcp"; host = "nowhere.invalid"; port = 443; }',
               '{ name = "dns"; type = "dns"; host = "example.com"; }']
    conf = _conf(t, hport, targets, interval=1)
    p = t.spawn(["unshare", "-m", "sh", "-c",
                 'mount --bind /dev/null /etc/resolv.conf && exec "$0" -v -c "$1" run',
                 t.bin, conf])

    def log():
        with open(p.errpath) as f:
            return f.read()

    for name in ("web", "api", "dns"):
        t.wait_for(lambda: re.search(r"slamon: %s: result resolver_unavailable: " % name, log()),
                   30, f"{name} failing with resolver_unavailable: " + log()[-3000:])
    t.wait_for(lambda: log().count("monitor fault, time unknown (not down)") >= 3, 10,
               "the fault logged once per target")
    p.send_signal(15)
    assert p.wait(timeout=30) == 0, log()[-3000:]
    assert not [e for e in _journal(t) if e["event"] == "outage_start"], _journal(t)


def test_isolate_report_single_flight(t):
    """Ten identical requests for a month's report at once cost one
    computation, in a worker; every one gets the same answer."""
    hport = free_port()
    # up targets (the page's own port): no journal record to make a past
    # month's answer stale meanwhile
    targets = [f'{{ name = "t{i}"; type = "tcp"; host = "127.0.0.1"; port = {hport}; }}'
               for i in range(20)]
    conf = _conf(t, hport, targets, interval=5)
    t.spawn([t.bin, "-c", conf, "run"])
    t.wait_port(hport)
    out = [None] * 10

    def ask(k):
        out[k] = _get(hport, "/api/v1/availability?month=2026-01", src=f"127.0.2.{k + 1}", timeout=60)

    ths = [threading.Thread(target=ask, args=(k,)) for k in range(10)]
    for th in ths:
        th.start()
    for th in ths:
        th.join(90)
    assert all(o is not None and o[0] == 200 for o in out), [o and o[:2] for o in out]
    assert len({o[2] for o in out}) == 1
    assert json.loads(out[0][2])["month"] == "2026-01"
    # a past month stays cached: asked again, nothing is computed
    assert _get(hport, "/api/v1/availability?month=2026-01")[0] == 200
    st, _, body = _get(hport, "/metrics")
    text = body.decode()
    # 2026-01 once, and this month once (for /metrics itself)
    assert _metric(text, "slamon_http_answers_total", how="computed") == 2, text[-1500:]
    assert _metric(text, "slamon_http_answers_total", how="cached") >= 1, text[-1500:]
