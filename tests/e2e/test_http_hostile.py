"""/metrics through promtool, and hostile clients: huge headers, header
floods, slowloris, path traversal, bad methods. The daemon keeps probing
and keeps answering correctly."""
import socket
import subprocess
import time

from httplib import EVIL, Site


def raw(port, data, timeout=15):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(data)
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except (ConnectionResetError, socket.timeout):
        pass
    s.close()
    return out


def test_http_metrics_promtool(t):
    s = Site(t)
    s.wait_incident()
    st, h, body = s.get("/metrics")
    assert st == 200 and h["Content-Type"].startswith("text/plain; version=0.0.4")
    p = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True)
    assert p.returncode == 0, p.stdout + p.stderr
    text = body.decode()
    esc = EVIL.replace("\\", "\\\\").replace('"', '\\"')
    assert f'slamon_target_up{{target="api",component="{esc}",type="tcp"}} 0' in text, text[:2000]
    assert f'slamon_target_up{{target="web",component="{esc}",type="http"}} 1' in text
    assert 'slamon_target_in_maintenance{target="files",component="Files",type="http"} 1' in text
    assert f'slamon_probes_total{{target="api",component="{esc}",type="tcp",reason="connect_refused"}}' in text
    assert f'slamon_probe_duration_seconds_bucket{{target="web",component="{esc}",type="http",le="+Inf"}}' in text
    assert 'slamon_availability_ratio{target="db",component="Database",type="tcp"}' in text
    assert 'slamon_error_budget_left_seconds{target="db",component="Database",type="tcp"}' in text
    assert "slamon_outages_total{" in text and "slamon_alerts_total{" in text


def test_http_hostile_requests(t):
    s = Site(t)
    before = s.probes()
    # a slow client that never finishes its headers
    slow = socket.create_connection(("127.0.0.1", s.port))
    slow.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
    # huge header and a flood of headers: refused, not served
    r = raw(s.port, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
    assert not r.startswith(b"HTTP/1.1 200"), r[:100]
    r = raw(s.port, b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(3000)) + b"\r\n")
    assert not r.startswith(b"HTTP/1.1 200"), r[:100]
    # a body on a GET beyond the bound
    r = raw(s.port, b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + b"z" * 100000)
    assert not r.startswith(b"HTTP/1.1 200"), r[:100]
    # traversal: only the fixed list is served
    for p in ("/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc%2fpasswd",
              "/graph/..%2f..%2fetc%2fpasswd.svg", "/graph/../web.svg", "/www/index.html",
              "/style.css/../../Makefile", "/graph/nosuch.svg", "/api/v2/", "//etc/passwd"):
        r = raw(s.port, b"GET " + p.encode() + b" HTTP/1.0\r\n\r\n")
        assert r.startswith(b"HTTP/1.0 404") or r.startswith(b"HTTP/1.1 404") or \
            r.startswith(b"HTTP/1.1 400"), (p, r[:200])
        assert b"root:" not in r
    # methods
    for m in ("POST", "PUT", "DELETE", "PATCH", "TRACE"):
        st, h, body = s.get("/api/v2/summary.json", method=m)
        assert st == 405 and h.get("Allow") == "GET, HEAD, OPTIONS", (m, st, h)
    # the CORS preflight is answered, and changes nothing
    st, h, body = s.get("/api/v2/summary.json", method="OPTIONS",
                        headers={"Origin": "https://example.com",
                                 "Access-Control-Request-Method": "GET",
                                 "Access-Control-Request-Headers": "Accept"})
    assert st == 204 and body == b"", (st, h)
    assert h["Access-Control-Allow-Origin"] == "*"
    assert "GET" in h["Access-Control-Allow-Methods"] and "POST" not in h["Access-Control-Allow-Methods"]
    st, h, body = s.get("/api/v2/summary.json", method="HEAD")
    assert st == 200 and body == b"" and h["Content-Type"] == "application/json"
    st, h, body = s.get("/graph/web.svg?range=1y")
    assert st == 400
    st, h, body = s.get("/graph/web.svg?range=7d")
    assert st == 200 and h["Content-Type"] == "image/svg+xml" and body.startswith(b"<?xml")
    # the page itself: the names are in the data, never in the HTML
    st, h, body = s.get("/")
    assert st == 200 and b"<script>alert" not in body and "text/html" in h["Content-Type"]
    # the slow client is still held; everyone else is answered meanwhile
    summ = s.json("/api/v2/summary.json")
    assert len(summ["components"]) == 3
    # and it is cut off once idle longer than the bound (10 s)
    slow.settimeout(25)
    t0 = time.monotonic()
    try:
        data = slow.recv(1000)
    except ConnectionResetError:
        data = b""
    assert time.monotonic() - t0 < 20 and (data == b"" or b"408" in data or b"400" in data), data
    # probing never stopped
    t.wait_for(lambda: s.probes() > before + 8, 20, "probes counting on")
    s.alive()
