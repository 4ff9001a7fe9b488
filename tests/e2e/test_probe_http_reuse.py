"""Easy handles reused between http targets (max_inflight = 1: every run
takes the handle the run before it gave back; a GET without a CA file of its
own keeps its options, curlm_keep): nothing one target sets may show in
another target's request or result. test_probe_http.test_handles_carry_nothing_over
covers headers, methods and pinned addresses on plain http; these cover the
TLS and redirect settings, what a transfer leaves in the handle for /metrics
(certificate, TLS version), and a reload that frees a target's headers while
handles kept with its options are reused."""
import re
import signal
import ssl
import threading
import urllib.request
from datetime import timedelta as td
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from certs import CA
from lib import free_port
from probelib import Run, conf_text
from test_probe_http import http


class _Recorder(BaseHTTPRequestHandler):
    """Records method, path and headers; /redir answers 302 to /landing,
    /slow answers after 1.5 s, everything else 200 "ok"."""
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        with self.server.lock:
            self.server.seen.append((self.command, self.path,
                                     {k.lower(): v for k, v in self.headers.items()}))
        if self.path == "/slow":
            self.server.slow.wait(1.5)
        if self.path == "/redir":
            self.send_response(302)
            self.send_header("Location", "/landing")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *a):
        pass

    def handle(self):
        try:
            super().handle()
        except (OSError, ssl.SSLError):
            pass


def _server(ctx=None):
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    srv.daemon_threads = True
    srv.seen, srv.lock, srv.slow = [], threading.Lock(), threading.Event()
    if ctx is not None:
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.handle_error = lambda *a: None  # a probe that refuses the certificate
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def _seen(srv):
    with srv.lock:
        out = {}
        for method, path, hdrs in srv.seen:
            out.setdefault(path, []).append((method, hdrs))
        return out


def _metrics(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=20) as r:
        return r.read().decode()


def _targets_of(text, family):
    return set(re.findall(r'^%s\{[^}]*target="([^"]+)"' % family, text, re.M))


def test_kept_handles_carry_no_tls_or_redirect_setting(t):
    """verify_tls = false, follow_redirects = true, headers and the TLS watch
    of one https target must not reach the next target's transfer on the same
    handle: "strict" (no CA to trust the test certificate) fails every time,
    "nofollow" sees the 302 every time, "plain" never has a certificate or a
    TLS version in /metrics. Only GETs without a CA file of their own, so that
    one handle goes round all four (a reset-path run in between would hand
    the next one a reset handle from the pool)."""
    ca = CA(t)
    crt, key = ca.leaf("site", -td(days=1), td(days=300))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(crt, key)
    tls, plain = _server(ctx), _server()
    ts, ps = tls.server_address[1], plain.server_address[1]
    api = free_port()
    targets = [
        http("loose", f"https://127.0.0.1:{ts}/redir",
             'verify_tls = false; follow_redirects = true; headers = ["X-Carried: loose"];'),
        http("strict", f"https://127.0.0.1:{ts}/strict"),
        # a name: pinned with CURLOPT_RESOLVE
        http("nofollow", f"https://localhost:{ts}/redir", "verify_tls = false; expect_status = [302];"),
        http("plain", f"http://127.0.0.1:{ps}/plain"),
    ]
    text = conf_text(targets, interval=1, timeout=1).replace(
        'listen = "";', f'listen = "127.0.0.1:{api}"; max_inflight = 1;')
    run = Run(t, t.write("slamon.conf", text))
    try:
        want = {"loose": "ok", "strict": "tls_failure", "nofollow": "ok", "plain": "ok"}
        for name, reason in want.items():
            res = run.wait_results(name, 5)
            assert all(r[1] == reason for r in res), (name, res)
        assert any("HTTP status 302" in r[2] for r in run.results("nofollow")), run.results("nofollow")
        metrics = _metrics(api)
    finally:
        run.stop()
        tls.shutdown()
        plain.shutdown()
    # only what saw a certificate reports one
    for fam in ("slamon_tls_cert_not_after_timestamp_seconds", "slamon_tls_version_info"):
        got = _targets_of(metrics, fam)
        assert "plain" not in got, (fam, got)
        assert {"loose", "nofollow"} <= got, (fam, got)
    seen = _seen(tls)
    assert len(seen.get("/landing", [])) >= 5, seen.keys()  # loose followed
    assert "/strict" not in seen, seen["/strict"]  # never past the handshake
    # /redir is asked by loose (with its header) and by nofollow (without)
    nof = [h for _, h in seen["/redir"] if h.get("host", "").startswith("localhost")]
    assert len(nof) >= 5, seen["/redir"]
    assert all("x-carried" not in h for h in nof), nof
    assert all("x-carried" not in h for _, h in _seen(plain)["/plain"])


def test_reload_frees_what_kept_handles_pointed_at(t):
    """SIGHUP while a GET with headers and a pinned name is in flight, and
    with handles kept after runs of it: the reload removes that target and
    changes another's headers (the old conf, its header lists, is freed).
    The runs after it on the same handles carry none of the freed headers,
    and slamon (under ASan in a SAN=1 build, or valgrind) reads no freed
    memory."""
    srv = _server()
    port = srv.server_address[1]
    base = f"http://127.0.0.1:{port}"

    def conf(targets):
        return conf_text(targets, interval=2, timeout=2).replace(
            'listen = "";', 'listen = ""; max_inflight = 1;')
    v1 = [
        http("gone", f"http://localhost:{port}/slow", 'headers = ["X-Gone: 1", "X-Pad: ' + "p" * 200 + '"];'),
        http("changed", base + "/changed", 'headers = ["X-Old: 1"];'),
        http("plain", base + "/plain"),
    ]
    v2 = [
        http("changed", base + "/changed", 'headers = ["X-New: 2"];'),
        http("plain", base + "/plain"),
        http("named", f"http://localhost:{port}/named"),
    ]
    path = t.write("slamon.conf", conf(v1))
    run = Run(t, path)
    try:
        run.wait_results("gone", 2, timeout=30)
        run.wait_results("plain", 2, timeout=30)
        # the next run of "gone" is on its way: reload under it
        n = len(srv.seen)
        t.wait_for(lambda: any(p == "/slow" for _, p, _ in srv.seen[n:]), 20, "a /slow in flight")
        t.write("slamon.conf", conf(v2))
        run.proc.send_signal(signal.SIGHUP)
        run.wait_line(r"reloaded: 3 targets")
        mark = len(srv.seen)
        for name in ("changed", "plain", "named"):
            before = len(run.results(name))
            run.wait_results(name, before + 2, timeout=30)
    finally:
        srv.slow.set()
        run.stop()
        srv.shutdown()
    with srv.lock:
        after = srv.seen[mark:]
        slow = sum(1 for _, p, _ in srv.seen if p == "/slow")
    assert after
    # one run of "gone" was abandoned by the reload: asked, never reported
    assert slow == len(run.results("gone")) + 1, (slow, run.results("gone"))
    for method, p, h in after:
        assert p != "/slow", (p, h)
        assert "x-gone" not in h and "x-pad" not in h and "x-old" not in h, (p, h)
        if p == "/changed":
            assert h.get("x-new") == "2", h
        else:
            assert "x-new" not in h, (p, h)
    text = run.text()
    assert "AddressSanitizer" not in text and "runtime error" not in text, text[-3000:]
