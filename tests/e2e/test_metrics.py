"""/metrics in blackbox_exporter's terms: the last probe's success, duration,
HTTP status and phases, certificate expiry (to the second, against a
certificate made now), TLS version and DNS lookup time, with target,
component and type labels; `promtool check metrics` on the text format,
OpenMetrics when asked for, and a real Prometheus scraping it."""
import json
import os
import re
import subprocess
import time
import urllib.parse
import urllib.request
from datetime import timedelta as td

from cryptography import x509

from certs import CA
from lib import dns_port, free_port
from probelib import targetd

CONF = """\
slamon: { state_dir = "state"; timezone = "Europe/Oslo"; listen = "127.0.0.1:%(port)d"; };
defaults: { interval = 2; timeout = 2; fail_threshold = 2; };
targets = (
  { name = "cert"; component = "Edge"; type = "tls"; host = "127.0.0.1"; port = %(tls)d;
    ca_file = "%(ca)s"; min_days = 14; },
  { name = "site"; component = "Edge"; type = "http"; url = "https://127.0.0.1:%(tls)d/";
    ca_file = "%(ca)s"; },
  { name = "plain"; component = "App"; type = "http"; url = "http://127.0.0.1:%(http)d/missing";
    expect_status = [200]; },
  { name = "gone"; component = "App"; type = "http"; url = "http://127.0.0.1:%(dead)d/"; },
  { name = "names"; component = "DNS"; type = "dns"; host = "www.test"; server = "127.0.0.1:%(dns)d"; }
);
maintenance: { windows = (); };
"""


def get(port, path, accept=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                 headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(req, timeout=20) as r:
        return dict(r.headers), r.read().decode()


def series(text, name):
    """{frozenset(labels): value} of every sample of name."""
    out = {}
    for line in text.splitlines():
        m = re.match(r'^(\w+)\{(.*)\} (\S+)$', line)
        if m and m.group(1) == name:
            labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2)))
            out[labels] = float(m.group(3))
    return out


def one(text, name, **want):
    got = [v for k, v in series(text, name).items() if set(want.items()) <= set(k)]
    assert len(got) == 1, f"{name} {want}: {got}\n{text}"
    return got[0]


def start(t):
    ca = CA(t)
    crt, key = ca.leaf("site", -td(days=1), td(days=200, hours=5, seconds=17))
    with open(crt, "rb") as f:
        not_after = int(x509.load_pem_x509_certificate(f.read()).not_valid_after
                        .replace(tzinfo=__import__("datetime").timezone.utc).timestamp())
    tls = free_port()
    http = targetd(t, "--tls", tls, crt, key, "--route", "/missing=status:404")
    dns = dns_port()  # dnsd serves UDP and TCP on it
    d = t.spawn([t.tools + "/dnsd", str(dns), "www.test=A:127.0.0.7"])
    t.wait_for(lambda: open(d.outpath).read().startswith("ready") or d.poll() is not None,
               what="dnsd ready")
    assert d.poll() is None, "dnsd: " + open(d.errpath).read()
    port = free_port()
    conf = t.write("slamon.conf", CONF % {"port": port, "tls": tls, "http": http,
                                           "dead": free_port(), "ca": ca.path, "dns": dns})
    t.spawn([t.bin, "-c", conf, "run"])
    t.wait_port(port)

    def probed():
        _, text = get(port, "/metrics")
        s = series(text, "slamon_probe_success")
        return text if len(s) == 5 else None
    text = t.wait_for(probed, 30, "a result of every target", step=0.2)
    return port, not_after, text


def test_metrics_probe_details(t):
    port, not_after, text = start(t)
    h, text = get(port, "/metrics")
    assert h["Content-Type"].startswith("text/plain; version=0.0.4"), h
    p = subprocess.run(["promtool", "check", "metrics"], input=text.encode(), capture_output=True)
    assert p.returncode == 0, p.stdout + p.stderr
    # the certificate's notAfter, to the second, for both probe types that saw it
    for name, typ in (("cert", "tls"), ("site", "http")):
        v = one(text, "slamon_tls_cert_not_after_timestamp_seconds", target=name,
                component="Edge", type=typ)
        assert v == not_after, (name, v, not_after)
        assert one(text, "slamon_tls_version_info", target=name, version="TLSv1.3") == 1
    assert one(text, "slamon_probe_success", target="site", type="http") == 1
    assert one(text, "slamon_probe_success", target="plain") == 0
    assert one(text, "slamon_probe_success", target="gone") == 0
    assert one(text, "slamon_http_status_code", target="site") == 200
    assert one(text, "slamon_http_status_code", target="plain", component="App") == 404
    assert one(text, "slamon_http_status_code", target="gone") == 0
    for phase in ("resolve", "connect", "tls", "processing", "transfer"):
        assert one(text, "slamon_http_duration_seconds", target="site", phase=phase) >= 0
    assert one(text, "slamon_http_duration_seconds", target="plain", phase="tls") == 0
    assert one(text, "slamon_dns_lookup_seconds", target="names", type="dns") > 0
    # every result counts in the duration histogram, failures too
    assert one(text, "slamon_probe_duration_seconds_count", target="gone") >= 1
    assert one(text, "slamon_probe_last_duration_seconds", target="gone") >= 0
    assert one(text, "slamon_target_up", target="cert", component="Edge", type="tls") == 1
    b = series(text, "slamon_build_info")
    assert len(b) == 1 and dict(next(iter(b)))["version"], b


def test_metrics_openmetrics(t):
    port, not_after, _ = start(t)
    h, om = get(port, "/metrics", "application/openmetrics-text;version=1.0.0,text/plain;q=0.5")
    assert h["Content-Type"].startswith("application/openmetrics-text; version=1.0.0"), h
    assert om.endswith("\n# EOF\n"), om[-200:]
    assert "# TYPE slamon_outages counter\n" in om and "slamon_outages_total{" in om
    assert "# TYPE slamon_build info\n" in om and "slamon_build_info{" in om
    assert "# TYPE slamon_tls_version info\n" in om
    assert re.search(r'slamon_probe_duration_seconds_bucket\{[^}]*le="0\.005"\}', om), om
    h, text = get(port, "/metrics", "text/plain")
    assert "# EOF" not in text and "# TYPE slamon_outages_total counter" in text

    # Prometheus itself: it asks for OpenMetrics first and must parse it
    pport = free_port()
    cfg = t.write("prometheus.yml", f"""
global: {{ scrape_interval: 1s, scrape_timeout: 1s }}
scrape_configs:
  - job_name: slamon
    static_configs: [{{ targets: ["127.0.0.1:{port}"] }}]
""")
    t.spawn(["prometheus", "--config.file", cfg, "--storage.tsdb.path", t.path("tsdb"),
             "--web.listen-address", f"127.0.0.1:{pport}"])
    t.wait_port(pport, timeout=60)

    def query(q):
        u = f"http://127.0.0.1:{pport}/api/v1/query?" + urllib.parse.urlencode({"query": q})
        try:
            with urllib.request.urlopen(u, timeout=10) as r:
                return json.loads(r.read())["data"]["result"]
        except OSError:
            return []
    r = t.wait_for(lambda: query('slamon_tls_cert_not_after_timestamp_seconds{target="cert"}'),
                   60, "Prometheus to scrape slamon", step=0.5)
    assert float(r[0]["value"][1]) == not_after, r
    assert r[0]["metric"]["component"] == "Edge" and r[0]["metric"]["type"] == "tls"
    assert query('up{job="slamon"}')[0]["value"][1] == "1"
    with urllib.request.urlopen(f"http://127.0.0.1:{pport}/api/v1/targets", timeout=10) as f:
        tg = json.loads(f.read())["data"]["activeTargets"][0]
    assert tg["health"] == "up" and tg["lastError"] == "", tg
