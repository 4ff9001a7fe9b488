"""Budget left is the whole month's budget less what was spent: at 100 %
it is the full budget of the month (not of the part gone by), in the
report (text, JSON) and the API; without data it is "no data", not 0 s."""
import datetime
import json
import math
import os
import urllib.request
from zoneinfo import ZoneInfo

from lib import free_port

OSLO = ZoneInfo("Europe/Oslo")

CONF = """\
slamon: {{ state_dir = "state"; timezone = "Europe/Oslo"; listen = "{listen}"; }};
defaults: {{ interval = 60; timeout = 2; fail_threshold = 2; alert_after = 1800; slo = 99.5; }};
targets = (
  {{ name = "web"; type = "http"; url = "http://127.0.0.1:{port}/"; }},
  {{ name = "api"; type = "tcp"; host = "127.0.0.1"; port = {port}; }}
);
maintenance: {{ windows = (); }};
"""


def month_of(ts):
    d = datetime.datetime.fromtimestamp(ts, OSLO)
    return f"{d.year:04d}-{d.month:02d}"


def utc(s):
    return int(datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
               .replace(tzinfo=datetime.timezone.utc).timestamp())


def history(t, now):
    """web up from the start of this month (or an hour back) to two minutes ago."""
    d = datetime.datetime.fromtimestamp(now, OSLO)
    start = int(datetime.datetime(d.year, d.month, 1, tzinfo=OSLO).timestamp())
    start = min(start, now - 3600)
    rows = ["time,target,ok,latency_ms,detail"]
    for ts in range(start - start % 60, now - 120, 60):
        rows.append(f"{ts},web,1,5,")
    return t.write("h.csv", "\n".join(rows) + "\n")


def whole_month_budget(row, doc):
    """0.5 % of the countable seconds of the whole month: those counted so far
    and those still to come (no maintenance is scheduled)."""
    future = utc(doc["end"]) - utc(doc["data_end"])
    return math.floor(0.005 * (row["up_s"] + row["down_s"] + future) + 1e-6)


def test_budget_report(t):
    now = int(datetime.datetime.now(datetime.timezone.utc).timestamp())
    conf = t.write("slamon.conf", CONF.format(listen="", port=9))
    t.slamon("replay", history(t, now), conf=conf, check=0)
    month = month_of(now)
    p = t.slamon("report", "--month", month, "--json", conf=conf, check=0)
    doc = json.loads(p.stdout)
    web = [r for r in doc["targets"] if r["name"] == "web"][0]
    api = [r for r in doc["targets"] if r["name"] == "api"][0]
    assert web["availability"] == 100.0 and web["down_s"] == 0, web
    full = whole_month_budget(web, doc)
    # more than what the part gone by allows, unless the month is over
    assert full >= math.floor(0.005 * web["up_s"])
    if utc(doc["data_end"]) < utc(doc["end"]):
        assert full > math.floor(0.005 * web["up_s"])
    assert web["error_budget_s"] == full and web["error_budget_left_s"] == full, web
    assert api["availability"] is None
    assert api["error_budget_s"] is None and api["error_budget_left_s"] is None, api
    text = t.slamon("report", "--month", month, conf=conf, check=0).stdout
    lines = text.splitlines()
    head = [ln for ln in lines if ln.startswith("TARGET")][0]
    col = head.index("BUDGET") + len("BUDGET")
    web_ln = [ln for ln in lines if ln.startswith("web ")][0]
    api_ln = [ln for ln in lines if ln.startswith("api ")][0]
    assert api_ln[:col].endswith("no data"), api_ln
    h, m = full // 3600, full % 3600 // 60
    want = f"{h // 24}d {h % 24}h" if h >= 24 else f"{h}h {m}m" if h else f"{m}m {full % 60}s"
    assert web_ln[:col].endswith(want), (web_ln, want)


def test_budget_api(t):
    port = free_port()
    tport = free_port()
    t.spawn([os.path.join(t.tools, "targetd"), "--http", str(tport)])
    t.wait_port(tport)
    now = int(datetime.datetime.now(datetime.timezone.utc).timestamp())
    conf = t.write("slamon.conf", CONF.format(listen=f"127.0.0.1:{port}", port=tport))
    t.slamon("replay", history(t, now), conf=conf, check=0)
    t.spawn([t.bin, "-c", conf, "run"])
    t.wait_port(port)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/availability?month="
                                f"{month_of(now)}", timeout=20) as r:
        doc = json.loads(r.read())
    web = [r for r in doc["targets"] if r["name"] == "web"][0]
    assert web["down_s"] == 0, web
    full = whole_month_budget(web, doc)
    assert web["error_budget_s"] == full and web["error_budget_left_s"] == full, (web, doc)
