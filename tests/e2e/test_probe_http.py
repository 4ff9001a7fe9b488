"""The http and tcp probes on the real binary against targetd: every failure
reason with its text, while a healthy target beside the hostile ones keeps
its schedule to within a few milliseconds."""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from lib import free_port
from probelib import Run, assert_schedule_kept, conf_text, targetd


def http(name, url, extra=""):
    return '  { name = "%s"; type = "http"; url = "%s"; %s }' % (name, url, extra)


def tcp(name, port, extra=""):
    return '  { name = "%s"; type = "tcp"; host = "127.0.0.1"; port = %d; %s }' % (name, port, extra)


def check_reasons(t, targets, want, interval=2, timeout=1, healthy=("healthy",)):
    """Run until every target in want has two results; each must match its
    (reason, text fragment); healthy ones must have kept their schedule."""
    conf = t.write("slamon.conf", conf_text(targets, interval, timeout))
    run = Run(t, conf)
    for name, (reason, frag) in want.items():
        res = run.wait_results(name, 2)
        for _, r, text, _ in res[:2]:
            assert r == reason, f"{name}: {r} {text}, wanted {reason}"
            assert frag in text, f"{name}: {text!r} lacks {frag!r}"
    for h in healthy:
        assert_schedule_kept(run, h, interval)
        assert all(r[1] == "ok" for r in run.results(h)), run.results(h)
    run.stop()
    return run


def test_http_failure_reasons(t):
    port = targetd(t, "--route", "/down=status:503", "--route", "/wrong=body:nothing+here",
                   "--route", "/reset=reset", "--route", "/huge=huge:5000000",
                   "--route", "/hang=hang", "--route", "/drip=drip:200",
                   "--route", "/slow=delay:3000")
    base = f"http://127.0.0.1:{port}"
    refused = free_port()
    targets = [
        http("healthy", base + "/", 'body_contains = "targetd";'),
        http("status", base + "/down", "expect_status = [200, 204];"),
        http("body", base + "/wrong", 'body_contains = "SuperOffice";'),
        http("regex", base + "/wrong", 'body_regex = "^ok$";'),
        http("reset", base + "/reset"),
        http("large", base + "/huge", "max_body = 65536;"),
        http("hang", base + "/hang"),
        http("drip", base + "/drip"),
        http("slow", base + "/slow"),
        http("refused", f"http://127.0.0.1:{refused}/"),
    ]
    want = {
        "status": ("http_status", "HTTP status 503"),
        "body": ("body_mismatch", "body mismatch"),
        "regex": ("body_mismatch", "body mismatch"),
        "reset": ("reset", "reset mid-response"),
        "large": ("too_large", "response too large (> 65536 bytes)"),
        "hang": ("timeout", "timeout after 1000 ms"),
        "drip": ("timeout", "timeout after 1000 ms"),
        "slow": ("timeout", "timeout after 1000 ms"),
        "refused": ("connect_refused", "connection refused"),
    }
    run = check_reasons(t, targets, want)
    text = run.text()
    assert "status: DOWN since " in text and "(HTTP status 503)" in text, text[-2000:]


def test_connect_timeout(t):
    hole = free_port()
    port = targetd(t, "--blackhole", hole)
    targets = [
        http("healthy", f"http://127.0.0.1:{port}/"),
        http("web", f"http://127.0.0.1:{hole}/"),
        tcp("sock", hole),
    ]
    # a name that resolves (from the hosts file: no DNS traffic) to an address
    # that never answers is a connect timeout, not a DNS failure
    targets.append('  { name = "named"; type = "tcp"; host = "localhost"; port = %d; }' % hole)
    check_reasons(t, targets, {"web": ("connect_timeout", "connect timeout after 1000 ms"),
                               "sock": ("connect_timeout", "connect timeout after 1000 ms"),
                               "named": ("connect_timeout", "connect timeout after 1000 ms")})


def test_tcp_reasons(t):
    banner, hang, echo = free_port(), free_port(), free_port()
    port = targetd(t, "--tcp", banner, "banner:SSH-2.0-test\r\n", "--tcp", hang, "hang",
                   "--tcp", echo, "echo")
    refused = free_port()
    targets = [
        tcp("healthy", banner, 'expect = "SSH-2.0";'),
        tcp("echo", echo, 'send = "PING\\n"; expect = "PING";'),
        tcp("plain", hang),
        tcp("silent", hang, 'expect = "220 ";'),
        tcp("refused", refused),
    ]
    want = {"silent": ("timeout", "timeout after 1000 ms"),
            "refused": ("connect_refused", "connection refused"),
            "echo": ("ok", "received"), "plain": ("ok", "connected")}
    check_reasons(t, targets, want, healthy=("healthy", "echo", "plain"))


def test_flip_down_and_up(t):
    """A target that goes down is DOWN from its first failure after
    fail_threshold failures, then UP again on the first success."""
    import urllib.request
    port = targetd(t)
    conf = t.write("slamon.conf", conf_text([http("flip", f"http://127.0.0.1:{port}/x")], 1, 1))
    run = Run(t, conf)
    run.wait_line(r"flip: UP \(HTTP status 200\)")
    urllib.request.urlopen(f"http://127.0.0.1:{port}/_set?path=/x&spec=status:500").read()
    run.wait_line(r"flip: DOWN since \d{4}-\d\d-\d\dT[\d:]+Z \(HTTP status 500\)")
    urllib.request.urlopen(f"http://127.0.0.1:{port}/_set?path=/x&spec=status:200").read()
    run.wait_line(r"flip: UP after \d+s")
    # while suspect the retry interval applies (1 s here, = interval)
    run.stop()


class _Recorder(BaseHTTPRequestHandler):
    """Records each request's method, path and headers; answers 200."""
    protocol_version = "HTTP/1.1"

    def _answer(self):
        n = int(self.headers.get("Content-Length", "0") or 0)
        if n:
            self.rfile.read(n)
        with self.server.lock:
            self.server.seen.append((self.command, self.path,
                                     {k.lower(): v for k, v in self.headers.items()}))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(b"ok")

    do_GET = do_HEAD = do_POST = _answer

    def log_message(self, *a):
        pass


def test_handles_carry_nothing_over(t):
    """One transfer at a time (max_inflight = 1), so every run takes the easy
    handle the run before it gave back, kept with its options where it was a
    GET (curlm_keep): a header, a pinned address or a method of one target
    must never reach another's request."""
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    srv.daemon_threads = True
    srv.seen, srv.lock = [], threading.Lock()
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    port = srv.server_address[1]
    base = f"http://127.0.0.1:{port}"
    targets = [
        http("hdr", base + "/hdr", 'headers = ["X-Carried: hdr", "User-Agent: custom"];'),
        http("plain", base + "/plain"),
        # a name, resolved by slamon and pinned with CURLOPT_RESOLVE
        http("named", f"http://localhost:{port}/named"),
        http("head", base + "/head", 'method = "HEAD";'),
        http("post", base + "/post", 'method = "POST";'),
    ]
    text = conf_text(targets, interval=1, timeout=1).replace(
        'listen = "";', 'listen = ""; max_inflight = 1;')
    run = Run(t, t.write("slamon.conf", text))
    try:
        for name in ("hdr", "plain", "named", "head", "post"):
            res = run.wait_results(name, 4)
            assert all(r[1] == "ok" for r in res), res
    finally:
        run.stop()
        srv.shutdown()
        srv.server_close()
    with srv.lock:
        seen = list(srv.seen)
    by_path = {}
    for method, path, hdrs in seen:
        by_path.setdefault(path, []).append((method, hdrs))
    assert by_path["/hdr"] and all(h.get("x-carried") == "hdr" and h["user-agent"] == "custom"
                                   for _, h in by_path["/hdr"]), by_path["/hdr"]
    for path, method in (("/plain", "GET"), ("/named", "GET"), ("/head", "HEAD"), ("/post", "POST")):
        reqs = by_path.get(path, [])
        assert len(reqs) >= 4, (path, reqs)
        for m, h in reqs:
            assert m == method, (path, m)
            assert "x-carried" not in h and h.get("user-agent") == "slamon", (path, h)
            if method != "POST":
                assert "content-length" not in h, (path, h)
