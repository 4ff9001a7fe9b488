"""TLS: the tls probe's certificate days and handshake failures, and https
verification in the http probe, against targetd with certificates made now."""
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
