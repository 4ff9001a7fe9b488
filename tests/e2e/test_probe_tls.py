"""TLS: the tls probe's certificate days and handshake failures, and https
verification in the http probe, against targetd with certificates made now."""
import socket
import ssl
import threading
from datetime import timedelta as td

from certs import CA
from lib import free_port
from probelib import Run, assert_schedule_kept, conf_text, targetd


def test_tls_expiry_and_failures(t):
    ca = CA(t)
    good = ca.leaf("good", -td(days=1), td(days=365))
    soon = ca.leaf("soon", -td(days=1), td(days=5, hours=1))
    old = ca.leaf("old", -td(days=30), -td(days=2, hours=1))
    pg, ps, po = free_port(), free_port(), free_port()
    port = targetd(t, "--tls", pg, *good, "--tls", ps, *soon, "--tls", po, *old)

    def tls(name, p, extra=""):
        return ('  { name = "%s"; type = "tls"; host = "127.0.0.1"; port = %d; ca_file = "%s"; '
                'min_days = 14; %s }' % (name, p, ca.path, extra))
    targets = [
        '  { name = "healthy"; type = "http"; url = "http://127.0.0.1:%d/"; }' % port,
        tls("good", pg),
        tls("soon", ps),
        tls("expired", po),
        tls("expired_noverify", po, "verify_tls = false;"),
        tls("named", pg, 'servername = "localhost";'),
        '  { name = "https"; type = "http"; url = "https://127.0.0.1:%d/"; ca_file = "%s"; }' % (pg, ca.path),
        '  { name = "untrusted"; type = "http"; url = "https://127.0.0.1:%d/"; }' % pg,
        '  { name = "noverify"; type = "http"; url = "https://127.0.0.1:%d/"; verify_tls = false; }' % pg,
    ]
    conf = t.write("slamon.conf", conf_text(targets, 2, 1))
    run = Run(t, conf)
    want = {
        "good": ("ok", "certificate valid for 364 more days"),
        "named": ("ok", "certificate valid for"),
        "soon": ("cert_expiring", "certificate expiring in 5 days (< 14)"),
        "expired": ("tls_failure", "TLS failure: SSL certificate problem: certificate has expired"),
        "expired_noverify": ("cert_expiring", "certificate expired 2 days ago"),
        "https": ("ok", "HTTP status 200"),
        "untrusted": ("tls_failure", "TLS failure: "),
        "noverify": ("ok", "HTTP status 200"),
    }
    for name, (reason, frag) in want.items():
        res = run.wait_results(name, 2)
        for _, r, text, _ in res[:2]:
            assert r == reason and frag in text, f"{name}: {r} {text!r}, wanted {reason} {frag!r}"
    assert_schedule_kept(run, "healthy", 2)
    run.stop()


def test_tls_against_plain_ports(t):
    """A tls probe (and an https URL) pointed at a port that does not speak
    TLS is a handshake failure: a plain HTTP server that waits for a request,
    a server that speaks first, a port that answers nothing. Only a port
    whose TCP connect never completes is a connect timeout."""
    silent, banner, hole = free_port(), free_port(), free_port()
    port = targetd(t, "--tcp", silent, "hang", "--tcp", banner, "banner:220 smtp ready\r\n",
                   "--blackhole", hole)

    def tls(name, p):
        return '  { name = "%s"; type = "tls"; host = "127.0.0.1"; port = %d; }' % (name, p)
    targets = [
        tls("plain_http", port),
        tls("silent", silent),
        tls("banner", banner),
        tls("hole", hole),
        '  { name = "https_on_http"; type = "http"; url = "https://127.0.0.1:%d/"; }' % port,
        '  { name = "healthy"; type = "http"; url = "http://127.0.0.1:%d/"; }' % port,
    ]
    # 2 s: a loaded machine (ASan) must not turn a slow first handshake into a timeout
    run = Run(t, t.write("slamon.conf", conf_text(targets, 3, 2)))
    handshake = "TLS failure: no TLS handshake within 2000 ms (TCP connected; not a TLS port?)"
    want = {
        "plain_http": ("tls_failure", handshake),
        "silent": ("tls_failure", handshake),
        "https_on_http": ("tls_failure", handshake),
        "banner": ("tls_failure", "TLS failure: "),
        "hole": ("connect_timeout", "connect timeout after 2000 ms"),
        "healthy": ("ok", "HTTP status 200"),
    }
    for name, (reason, frag) in want.items():
        res = run.wait_results(name, 2)
        for _, r, text, _ in res[:2]:
            assert r == reason and frag in text, f"{name}: {r} {text!r}, wanted {reason} {frag!r}"
    run.stop()


def test_every_probe_is_a_full_handshake(t):
    """No probe resumes a TLS session an earlier probe of the same handle
    was given: a resumed session sends no certificate and is not verified
    again, so a certificate replaced by a bad or expired one would pass
    unseen for as long as the server keeps accepting the ticket (a week in
    TLS 1.3), while every new client fails. The server records, for each
    handshake, whether the client resumed."""
    ca = CA(t)
    crt, key = ca.leaf("good", -td(days=1), td(days=365))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(crt, key)
    lsock = socket.create_server(("127.0.0.1", 0))
    port = lsock.getsockname()[1]
    seen, lock = [], threading.Lock()

    def serve(conn):
        try:
            with ctx.wrap_socket(conn, server_side=True) as s:
                with lock:
                    seen.append(s.session_reused)
                s.settimeout(5)
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = s.recv(4096)
                    if not chunk:
                        return  # the tls probe: a handshake only
                    data += chunk
                s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        except (OSError, ssl.SSLError):
            pass

    def accept():
        while True:
            try:
                conn, _ = lsock.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    targets = [
        # a CA file of its own (the handle is reset after each run) ...
        '  { name = "https"; type = "http"; url = "https://127.0.0.1:%d/"; ca_file = "%s"; }'
        % (port, ca.path),
        # ... none (the handle is kept with its options) ...
        '  { name = "kept"; type = "http"; url = "https://127.0.0.1:%d/"; verify_tls = false; }'
        % port,
        # ... and the certificate probe
        '  { name = "cert"; type = "tls"; host = "127.0.0.1"; port = %d; ca_file = "%s"; }'
        % (port, ca.path),
    ]
    run = Run(t, t.write("slamon.conf", conf_text(targets, 1, 1)))
    try:
        for name in ("https", "kept", "cert"):
            res = run.wait_results(name, 4)
            assert all(r[1] == "ok" for r in res), res
    finally:
        run.stop()
        lsock.close()
    with lock:
        handshakes = list(seen)
    assert len(handshakes) >= 12, handshakes
    assert not any(handshakes), f"{sum(handshakes)} of {len(handshakes)} handshakes resumed a session"
