"""The contract view (README "Contract terms"): service credits per month and
component, quarter and year periods that add up to their months, and the
customer's report in HTML (parsed here) and PDF (rendered by Chromium where
it is installed, with a PNG of page 1 under build/ to look at).

The first quarter of 2026 in Europe/Oslo is replayed through the real
binary: web and api (component Shop) and docs (component Docs, with a
credit schedule of its own). Expected seconds are worked out here from the
rows, never by slamon:

- web is down 45 min on 10 February (unplanned): 2,700 s of the month;
- api is down from 20:30 to 23:30 on 7 March, across the announced
  Saturday window 21:00-23:00: 7,200 s in maintenance, 3,600 s unplanned;
- docs is down 8 h on 18 March;
- docs is slow (900 ms, its objective 500 ms) for two hours on 3 March and
  from 20:00 to 22:00 on Saturday 7 March, half of it inside the announced
  window: 7,200 + 3,600 s degraded, not down.

A running daemon shows degraded_performance while a target is slower than
its objective, and operational again when it is not.
"""
import csv
import datetime
import html.parser
import io
import json
import os
import re
import shutil
import subprocess
import urllib.request
from zoneinfo import ZoneInfo

import storelib as S
from lib import Skip, free_port
from test_report import validate

OSLO = ZoneInfo("Europe/Oslo")

CONF = """\
slamon: {{ state_dir = "state"; timezone = "Europe/Oslo"; listen = "{listen}"; }};
defaults: {{ interval = 60; timeout = 5; fail_threshold = 1; alert_after = 1800; slo = 99.5;
  credits = ( {{ below = 99.0; percent = 25; }}, {{ below = 99.9; percent = 10; }},
              {{ below = 95.0; percent = 100; }} ); }};
targets = (
  {{ name = "web"; component = "Shop"; type = "tcp"; host = "127.0.0.1"; port = {port}; }},
  {{ name = "api"; component = "Shop"; type = "tcp"; host = "127.0.0.1"; port = {port}; }},
  {{ name = "docs"; component = "Docs"; type = "tcp"; host = "127.0.0.1"; port = {port};
    credits = ( {{ below = 99.5; percent = 5; }} ); latency_slo_ms = 500; }}
);
maintenance: {{
  min_notice = 86400;
  windows = (
    {{ name = "saturday"; rrule = "FREQ=WEEKLY;BYDAY=SA"; first = "2026-01-03 21:00";
      duration = 7200; published = "2025-12-01 00:00"; description = "Saturday evening"; }}
  );
}};
"""


def L(y, m, d, H=0, M=0):
    return int(datetime.datetime(y, m, d, H, M, tzinfo=OSLO).timestamp())


Q1 = (L(2026, 1, 1), L(2026, 4, 1))
MONTHS = [("2026-01", L(2026, 1, 1), L(2026, 2, 1)), ("2026-02", L(2026, 2, 1), L(2026, 3, 1)),
          ("2026-03", L(2026, 3, 1), L(2026, 4, 1))]
DOWN = {
    "web": [(L(2026, 2, 10, 14, 0), L(2026, 2, 10, 14, 45))],
    "api": [(L(2026, 3, 7, 20, 30), L(2026, 3, 7, 23, 30))],
    "docs": [(L(2026, 3, 18, 6, 0), L(2026, 3, 18, 14, 0))],
}
SLOW = {"docs": [(L(2026, 3, 3, 10, 0), L(2026, 3, 3, 12, 0)),
                 (L(2026, 3, 7, 20, 0), L(2026, 3, 7, 22, 0))]}
# Saturday 21:00-23:00 local in Q1 that fall in a window: all of them apply
SATURDAYS = [(L(2026, 1, 3, 21) + 7 * 86400 * k, L(2026, 1, 3, 23) + 7 * 86400 * k)
             for k in range(13)]


def inside(ts, spans):
    return any(a <= ts < b for a, b in spans)


def replay_file(t):
    rows = ["time,target,ok,latency_ms,detail"]
    for ts in range(Q1[0], Q1[1], 60):
        for name in ("web", "api", "docs"):
            ok = 0 if inside(ts, DOWN[name]) else 1
            lat = 900 if inside(ts, SLOW.get(name, [])) else 40
            rows.append(f"{ts},{name},{ok},{lat},{'' if ok else 'refused'}")
    return t.write("q1.csv", "\n".join(rows) + "\n")


def maint_overlap(a, b):
    return sum(max(0, min(b, y) - max(a, x)) for x, y in SATURDAYS)


def expected(name, start, end):
    """up, down, maintenance seconds of a target in [start, end)."""
    maint = maint_overlap(start, end)
    down = 0
    for a, b in DOWN[name]:
        x, y = max(a, start), min(b, end)
        if y > x:
            down += (y - x) - maint_overlap(x, y)
    return (end - start) - maint - down, down, maint


def setup(t, listen=""):
    conf = t.write("slamon.conf", CONF.format(listen=listen, port=9))
    t.slamon("replay", replay_file(t), conf=conf, check=0, timeout=600)
    return conf


def row(doc, kind, name):
    return next(r for r in doc[kind] if r["name"] == name)


def test_credits_month(t):
    conf = setup(t)
    doc = json.loads(t.slamon("report", "--month", "2026-02", "--json", conf=conf,
                              check=0).stdout)
    validate(doc)
    up, down, maint = expected("web", *MONTHS[1][1:])
    web = row(doc, "targets", "web")
    assert (web["up_s"], web["down_s"], web["maintenance_s"]) == (up, down, maint)
    assert down == 2700
    cr = web["credit"]
    # 2,700 s down of 2,419,200 - 14,400 countable: below 99.9, above 99.0
    assert cr["percent"] == 10 and cr["below"] == 99.9 and cr["tier"] == 1, cr
    assert cr["up_s"] == up and cr["down_s"] == down and cr["countable_s"] == up + down
    assert abs(cr["availability"] - 100.0 * up / (up + down)) < 1e-9
    # the tier starts at the first second that puts it below 99.9 % exactly
    n = up + down
    assert cr["tier_down_s"] == n // 1000 + 1, cr
    assert cr["next_tier_down_s"] == n // 100 + 1, cr
    assert [x["below"] for x in cr["tiers"]] == [99.9, 99.0, 95.0]
    # Shop adds api's seconds (no downtime): 2,700 of twice the seconds, no tier
    shop = row(doc, "components", "Shop")
    assert shop["credit"]["percent"] == 0 and shop["credit"]["tier"] is None
    assert shop["credit"]["next_tier_down_s"] == (shop["up_s"] + shop["down_s"]) // 1000 + 1
    # CSV: the same, per target
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(
        t.slamon("report", "--month", "2026-02", "--csv", conf=conf, check=0).stdout))}
    assert rows["web"]["credit_percent"] == "10" and rows["web"]["credit_below"] == "99.9"
    assert rows["api"]["credit_percent"] == "0" and rows["api"]["credit_below"] == ""
    # text: the credit and the seconds behind it
    text = t.slamon("report", "--month", "2026-02", conf=conf, check=0).stdout
    assert f"10 % (below 99.9 %): {100.0 * up / n:.6f}% = up {up} s / (up + down) {n} s" \
        in text, text
    # March: docs down 8 h, its own schedule gives 5 %, not the defaults' 25
    doc = json.loads(t.slamon("report", "--month", "2026-03", "--json", conf=conf,
                              check=0).stdout)
    docs = row(doc, "targets", "docs")
    up, down, maint = expected("docs", *MONTHS[2][1:])
    assert docs["down_s"] == down == 8 * 3600
    assert docs["credit"]["percent"] == 5 and docs["credit"]["below"] == 99.5
    assert row(doc, "components", "Docs")["credit"]["percent"] == 5
    # slow, not down: degraded outside the window only
    degraded = 7200 + 3600
    assert docs["latency_slo_ms"] == 500 and docs["degraded_s"] == degraded, docs
    assert abs(docs["latency_met"] - 100.0 * (up - degraded) / (up + down)) < 1e-6
    assert row(doc, "targets", "web")["latency_slo_ms"] is None
    assert row(doc, "targets", "web")["degraded_s"] is None
    assert row(doc, "components", "Docs")["degraded_s"] == degraded
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(
        t.slamon("report", "--month", "2026-03", "--csv", conf=conf, check=0).stdout))}
    assert rows["docs"]["degraded_s"] == str(degraded) and rows["docs"]["latency_slo_ms"] == "500"
    assert rows["web"]["degraded_s"] == "" and rows["web"]["latency_met"] == ""
    text = t.slamon("report", "--month", "2026-03", conf=conf, check=0).stdout
    assert (f"docs       objective 500 ms: met in {100.0 * (up - degraded) / (up + down):.3f}% "
            f"of the month; degraded 3h 0m ({degraded} s)") in text, text


def test_quarter_year_sum_months(t):
    conf = setup(t)
    q = json.loads(t.slamon("report", "--quarter", "2026-Q1", "--json", conf=conf,
                            check=0).stdout)
    validate(q)
    assert q["quarter"] == "2026-Q1" and q["month"] is None
    assert [m["month"] for m in q["months"]] == ["2026-01", "2026-02", "2026-03"]
    keys = ("up_s", "down_s", "maintenance_s", "unknown_s")
    for kind in ("targets", "components"):
        for r in q[kind]:
            for k in keys:
                assert r[k] == sum(row(m, kind, r["name"])[k] for m in q["months"]), (r, k)
    assert row(q, "targets", "docs")["degraded_s"] == sum(
        row(m, "targets", "docs")["degraded_s"] for m in q["months"]) == 10800
    for name in ("web", "api", "docs"):
        up, down, maint = expected(name, *Q1)
        r = row(q, "targets", name)
        assert (r["up_s"], r["down_s"], r["maintenance_s"], r["unknown_s"]) == \
            (up, down, maint, 0), (name, r)
        for label, a, b in MONTHS:
            m = row(next(x for x in q["months"] if x["month"] == label), "targets", name)
            assert (m["up_s"], m["down_s"], m["maintenance_s"]) == expected(name, a, b)
    # each month has its own credit: web reached 10 % in February only
    credits = [row(m, "targets", "web")["credit"]["percent"] for m in q["months"]]
    assert credits == [0, 10, 0], credits
    # api's outage: one hour unplanned, two in the window
    api = row(q, "targets", "api")
    assert [(i["unplanned_s"], i["maintenance_s"]) for i in api["incidents"]] == [(3600, 7200)]
    # the year: the same seconds (nothing after March), twelve months
    y = json.loads(t.slamon("report", "--year", "2026", "--json", conf=conf,
                            check=0).stdout)
    validate(y)
    assert y["year"] == "2026"
    now = datetime.datetime.now(OSLO)
    assert len(y["months"]) == (12 if now.year > 2026 else now.month)
    for name in ("web", "api", "docs"):
        assert row(y, "targets", name)["down_s"] == row(q, "targets", name)["down_s"]
        assert row(y, "targets", name)["up_s"] == row(q, "targets", name)["up_s"]
    text = t.slamon("report", "--quarter", "2026-Q1", conf=conf, check=0).stdout
    assert "By month:" in text and "2026-02 Shop" in text, text
    # a bad period is a user error naming the form
    p = t.slamon("report", "--quarter", "2026-Q5", conf=conf, check=1)
    assert "YYYY-Qn" in p.stderr
    p = t.slamon("report", "--year", "26", conf=conf, check=1)
    assert "YYYY" in p.stderr


def test_credits_api(t):
    port = free_port()
    conf = setup(t, listen=f"127.0.0.1:{port}")
    # the daemon's clock five minutes after the quarter: it would otherwise
    # first write every step since March as unknown
    now = int(datetime.datetime.now(datetime.timezone.utc).timestamp())
    t.spawn([t.bin_faketime, "-c", conf, "run"], env=S.faketime_env(Q1[1] + 300 - now))
    t.wait_port(port)

    def get(q):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/availability?{q}",
                                    timeout=30) as r:
            return json.load(r)
    feb = get("month=2026-02")
    assert row(feb, "targets", "web")["credit"]["percent"] == 10
    assert row(feb, "components", "Shop")["credit"]["percent"] == 0
    q = get("quarter=2026-Q1")
    assert [m["month"] for m in q["months"]] == ["2026-01", "2026-02", "2026-03"]
    assert row(q, "targets", "web")["down_s"] == 2700
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/availability?quarter=2026-5",
                               timeout=30)
        assert False, "a bad quarter was accepted"
    except urllib.error.HTTPError as e:
        assert e.code == 400


class Page(html.parser.HTMLParser):
    """The customer report's structure: per component section, its heading,
    its tables (rows of cell texts) and its text."""

    def __init__(self):
        super().__init__()
        self.sections, self.cur, self.table, self.cell, self.tag = [], None, None, None, []
        self.external = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tag.append(tag)
        if tag in ("script", "link", "img", "iframe"):
            self.external.append((tag, a))
        if tag == "section" and a.get("class") == "component":
            self.cur = {"h1": "", "tables": [], "text": ""}
            self.sections.append(self.cur)
        elif tag == "table" and self.cur is not None:
            self.table = {"class": a.get("class"), "rows": []}
            self.cur["tables"].append(self.table)
        elif tag == "tr" and self.table is not None:
            self.table["rows"].append([])
        elif tag in ("td", "th") and self.table is not None:
            self.cell = ""

    def handle_endtag(self, tag):
        if self.tag:
            self.tag.pop()
        if tag in ("td", "th") and self.table is not None and self.cell is not None:
            self.table["rows"][-1].append(self.cell.strip())
            self.cell = None
        elif tag == "table":
            self.table = None
        elif tag == "section":
            self.cur = None

    def handle_data(self, data):
        if self.cur is None:
            return
        self.cur["text"] += data
        if self.tag and self.tag[-1] == "h1":
            self.cur["h1"] += data
        if self.cell is not None:
            self.cell += data


def test_customer_report_html_pdf(t):
    conf = setup(t)
    p = t.slamon("report", "--month", "2026-03", "--format", "html", conf=conf, check=0)
    page = Page()
    page.feed(p.stdout)
    assert page.external == [], "the report must be self-contained"
    assert [s["h1"] for s in page.sections] == [
        "Shop \u2013 service report 2026-03", "Docs \u2013 service report 2026-03"]
    shop, docs = page.sections
    up, down, maint = expected("api", *MONTHS[2][1:])
    wup, wdown, wmaint = expected("web", *MONTHS[2][1:])
    avail = 100.0 * (up + wup) / (up + wup + down + wdown)
    assert f"{avail:.4f} %" in shop["text"]
    assert "objective 99.5 %: met" in shop["text"]
    inc = next(x for x in shop["tables"] if x["class"] == "incidents")
    assert len(inc["rows"]) == 2   # header and api's outage
    assert inc["rows"][1][0] == "api" and inc["rows"][1][4:6] == ["1h 0m", "2h 0m"]
    assert inc["rows"][1][6] == "saturday"
    mt = next(x for x in shop["tables"] if x["class"] == "maintenance")
    # the Saturdays of March: 7, 14, 21, 28; published 2025-12-01, so the notice is long
    assert [r[0] for r in mt["rows"][1:]] == ["Saturday evening"] * 4
    assert mt["rows"][1][1] == "2026-03-07 21:00" and mt["rows"][1][5] == "maintenance (excluded)"
    assert mt["rows"][1][4].endswith("d 21h") or "d " in mt["rows"][1][4]
    assert "Coverage" in shop["text"] or "coverage" in shop["text"]
    assert "How this was calculated" in shop["text"]
    assert "strictly below its threshold" in shop["text"]
    # Docs: 8 h down of March: its own tier, 5 %
    assert "5 %" in docs["text"] and "tier 1: below 99.5 %" in docs["text"]
    dup, ddown, _ = expected("docs", *MONTHS[2][1:])
    assert f"{100.0 * (dup - 10800) / (dup + ddown):.2f} %" in docs["text"]
    assert "latency objective (500 ms) met, of the time counted; degraded 10800 s" \
        in docs["text"]
    assert "mean latency is above the latency objective is degraded" in docs["text"]
    assert "latency objective" not in shop["text"]
    # --component: one page; --output: to a file
    out = t.path("docs.html")
    t.slamon("report", "--month", "2026-03", "--component", "Docs", "--format", "html",
             "--output", out, conf=conf, check=0)
    one = Page()
    one.feed(open(out).read())
    assert [s["h1"] for s in one.sections] == ["Docs \u2013 service report 2026-03"]
    # PDF where Chromium is installed, and a picture of page 1 to look at
    chromium = "/usr/bin/chromium"
    if not os.path.exists(chromium):
        raise Skip("no /usr/bin/chromium: the PDF is not rendered")
    pdf = os.path.join(os.path.abspath(t.build), "contract-report.pdf")
    t.slamon("report", "--month", "2026-03", "--format", "pdf", "--output", pdf,
             conf=conf, check=0, timeout=180)
    data = open(pdf, "rb").read()
    assert data.startswith(b"%PDF-"), data[:20]
    # a page (at least) per component: each starts on a page of its own
    pages = re.findall(rb"/Type\s*/Pages\b.*?/Count (\d+)", data, re.S)
    assert pages and int(pages[0]) >= 2, pages
    png = os.path.join(os.path.abspath(t.build), "contract-report-page1.png")
    full = t.path("full.html")
    with open(full, "w") as f:
        f.write(p.stdout)
    argv = [chromium, "--headless", "--disable-gpu", "--hide-scrollbars",
            f"--user-data-dir={t.path('chromium')}", "--window-size=794,1123",
            f"--screenshot={png}", "file://" + full]
    if os.geteuid() == 0:
        argv.insert(1, "--no-sandbox")
    subprocess.run(argv, capture_output=True, timeout=180, check=True)
    assert open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    # without a browser: a clear message, exit 1... no PDF, no crash
    p = t.slamon("report", "--month", "2026-03", "--format", "pdf", "--output",
                 t.path("x.pdf"), conf=conf, env={"SLAMON_CHROMIUM": "/nonexistent"})
    assert p.returncode != 0 and "Chromium" in p.stderr
    p = t.slamon("report", "--month", "2026-03", "--format", "pdf", conf=conf, check=1)
    assert "--output" in p.stderr


def test_degraded_performance_live(t):
    """An HTTP target slower than its latency objective makes its component
    degraded_performance while it lasts; fast again, operational."""
    from probelib import targetd
    web = targetd(t, "--route", "/=delay:400")
    port = free_port()
    conf = t.write("slamon.conf", f"""\
slamon: {{ state_dir = "state"; timezone = "Europe/Oslo"; listen = "127.0.0.1:{port}"; }};
defaults: {{ interval = 1; timeout = 1; fail_threshold = 2; }};
targets = (
  {{ name = "web"; component = "Shop"; type = "http"; url = "http://127.0.0.1:{web}/";
    latency_slo_ms = 150; }}
);
maintenance: {{ windows = (); }};
""")
    t.spawn([t.bin, "-c", conf, "run"])
    t.wait_port(port)

    def status():
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/components.json",
                                    timeout=10) as r:
            return next(c["status"] for c in json.load(r)["components"] if c["name"] == "Shop")
    t.wait_for(lambda: status() == "degraded_performance", timeout=30, what="degraded")
    urllib.request.urlopen(f"http://127.0.0.1:{web}/_set?path=/&spec=status:200", timeout=10)
    t.wait_for(lambda: status() == "operational", timeout=30, what="operational")
