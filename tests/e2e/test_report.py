"""`slamon report`: a replayed March and April 2026 (Europe/Oslo), every
figure of the text, --json and --csv forms checked against numbers worked
out by hand below, the JSON validated against doc/report.schema.json.

The scenario (all times local, Europe/Oslo; interval 600 s, fail_threshold 1,
so an outage runs from its first failed row to the next good row):

  windows   nightly-fix     monthly on the 10th 02:00-04:00, published long
                            before: announced, applies to all
            infrastructure  Saturdays 20:00 + 10 h, requires_announcement:
                            announced (config, 2 days ahead) only for
                            Sat 14 Mar 20:00 - Sun 15 Mar 06:00
            emergency       category; announced on 25 Mar 09:00 for
                            10:00-11:00 the same day: short notice, counts
  web  (Shop, slo 99.5)  down 10 Mar 03:30-04:45: crosses nightly-fix's end
                         (30 min maintenance, 45 min unplanned, alerted at
                         04:30); down 25 Mar 10:15-10:40 inside the
                         short-notice emergency window (25 min unplanned)
  api  (Shop, slo 99.9)  down 21 Mar 21:00-21:20 inside the *unannounced*
                         infrastructure occurrence (20 min unplanned); down
                         31 Mar 23:00 - 1 Apr 01:00 across the month end
  db   (Data, slo 99.0)  no rows 10 Mar 01:10-03:00 (a gap: unknown until
                         02:00, nightly-fix after); down 14 Mar 22:00-23:00
                         inside the announced infrastructure window; down
                         29 Mar 01:30-03:30 across the DST change (1 h)
"""
import atexit
import csv
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMA = os.path.join(ROOT, "doc", "report.schema.json")
INTERVAL = 600


def L(s):
    """Local Oslo time 'YYYY-MM-DD HH:MM' -> Unix seconds."""
    return int(datetime.strptime(s, "%Y-%m-%d %H:%M").replace(tzinfo=OSLO).timestamp())


def Z(s):
    """Local Oslo time -> RFC 3339 UTC as the JSON writes it."""
    return datetime.fromtimestamp(L(s), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


CONF = """\
slamon: { state_dir = "state"; timezone = "Europe/Oslo"; listen = ""; };
defaults: { interval = 600; timeout = 5; fail_threshold = 1; alert_after = 1800; slo = 99.5; };
targets = (
  { name = "web"; component = "Shop"; type = "tcp"; host = "127.0.0.1"; port = 9; },
  { name = "api"; component = "Shop"; type = "tcp"; host = "127.0.0.1"; port = 9; slo = 99.9; },
  { name = "db"; component = "Data"; type = "tcp"; host = "127.0.0.1"; port = 9; slo = 99.0; }
);
maintenance: {
  min_notice = 86400;
  windows = (
    { name = "nightly-fix"; rrule = "FREQ=MONTHLY;BYMONTHDAY=10"; first = "2026-01-10 02:00";
      duration = 7200; published = "2025-12-01 00:00"; },
    { name = "infrastructure"; rrule = "FREQ=WEEKLY;BYDAY=SA"; first = "2026-01-03 20:00";
      duration = 36000; requires_announcement = true; },
    { name = "emergency"; requires_announcement = true; }
  );
  announcements = (
    { window = "infrastructure"; start = "2026-03-14 20:00"; end = "2026-03-15 06:00";
      announced_at = "2026-03-12 09:00"; note = "core switch"; },
    { window = "emergency"; start = "2026-03-25 10:00"; end = "2026-03-25 11:00";
      announced_at = "2026-03-25 09:00"; note = "hotfix"; }
  );
};
"""

OUTAGES = {
    "web": [("2026-03-10 03:30", "2026-03-10 04:45"), ("2026-03-25 10:15", "2026-03-25 10:40")],
    "api": [("2026-03-21 21:00", "2026-03-21 21:20"), ("2026-03-31 23:00", "2026-04-01 01:00")],
    "db": [("2026-03-14 22:00", "2026-03-14 23:00"), ("2026-03-29 01:30", "2026-03-29 03:30")],
}
GAPS = {"db": [("2026-03-10 01:00", "2026-03-10 03:00")]}  # rows at both ends, none between

MAR_S = 743 * 3600   # March 2026 in Oslo: 31 days less the hour skipped on 29 March = 2674800
APR_S = 720 * 3600   # 2592000


def write_csv(t, first="2026-03-01 00:00", last="2026-04-30 23:50", name="rows.csv"):
    """Rows every 600 s plus one at each outage's start and end; the last row
    counts for one interval, so data ends at `last` + 600 s."""
    a, b = L(first), L(last)
    lines = ["time,target,ok,latency_ms,detail"]
    for tgt in ("web", "api", "db"):
        outs = [(L(s), L(e)) for s, e in OUTAGES[tgt]]
        gaps = [(L(s), L(e)) for s, e in GAPS.get(tgt, [])]
        times = set(range(a, b + 1, INTERVAL))
        times |= {x for o in outs for x in o if a <= x <= b}
        for x in sorted(times):
            if any(s < x < e for s, e in gaps):
                continue
            down = any(s <= x < e for s, e in outs)
            lines.append(f"{x},{tgt},{0 if down else 1},{'' if down else 12.5},"
                         f"{'connection refused' if down else ''}")
    return t.write(name, "\n".join(lines) + "\n")


_cache = {}
_cache_lock = threading.Lock()


class _Dir:
    def __init__(self, d):
        self.dir = d

    def write(self, name, text):
        p = os.path.join(self.dir, name)
        with open(p, "w") as f:
            f.write(text)
        return p


def replayed(t, **kw):
    """The state directory of the scenario replayed once per build and
    range (a replay of two months takes seconds), copied for each test."""
    key = (t.build, tuple(sorted(kw.items())))
    with _cache_lock:
        ent = _cache.setdefault(key, {"lock": threading.Lock(), "dir": None})
    with ent["lock"]:
        if ent["dir"] is None:
            d = tempfile.mkdtemp(prefix="slamon-e2e-report-")
            atexit.register(shutil.rmtree, d, True)
            dd = _Dir(d)
            conf = dd.write("slamon.conf", CONF)
            rows = write_csv(dd, **kw)
            p = subprocess.run([t.bin, "-c", conf, "replay", rows], cwd=d, capture_output=True,
                               text=True, timeout=300)
            assert p.returncode == 0, p.stderr
            ent["dir"] = d
            ent["out"] = p.stdout
    return ent


def setup(t, **kw):
    ent = replayed(t, **kw)
    # web, db and api alert once each; api's recovery is missing when only
    # March is replayed (its outage is still open at the end of the rows)
    assert re.search(r"\b3 alerts, %d recoveries" % (2 if kw else 3), ent["out"]), ent["out"]
    shutil.copytree(os.path.join(ent["dir"], "state"), t.path("state"))
    return t.write("slamon.conf", CONF)


def report(t, conf, *args, check=0):
    return t.slamon("report", *args, conf=conf, check=check)


def report_json(t, conf, *args):
    p = report(t, conf, *args, "--json")
    doc = json.loads(p.stdout)
    validate(doc)
    return doc, p


def validate(doc):
    """Validate with python3-jsonschema (Debian's /usr/bin/python3)."""
    r = subprocess.run(["/usr/bin/python3", "-c", (
        "import json, sys, jsonschema\n"
        "s = json.load(open(sys.argv[1]))\n"
        "jsonschema.validators.validator_for(s).check_schema(s)\n"
        "jsonschema.validate(json.load(sys.stdin), s,"
        " format_checker=jsonschema.FormatChecker())\n"), SCHEMA],
        input=json.dumps(doc), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr[-3000:]


def row(doc, name, kind="targets"):
    r = [x for x in doc[kind] if x["name"] == name]
    assert len(r) == 1, (name, doc[kind])
    return r[0]


def target(name, component, slo, up, down, maint, unknown, period, incidents,
           by_window, short_notice=None):
    known = up + down
    assert up + down + maint + unknown == period  # the four classes fill the period
    avail = round(100.0 * up / known, 6) if known else None
    budget = int((1 - slo / 100.0) * known + 1e-6)
    return {"name": name, "component": component, "slo": slo, "up_s": up, "down_s": down,
            "maintenance_s": maint, "unknown_s": unknown,
            "coverage": round((up + down + maint) / period, 6),
            "availability": avail, "slo_met": None if avail is None else avail >= slo,
            "error_budget_s": budget if known else None,
            "error_budget_left_s": budget - down if known else None,
            "incidents": incidents, "maintenance_by_window": by_window,
            "short_notice_by_window": short_notice or {}, "consistent": True}


def inc(start, end, down, unplanned, maint, alerted, windows=(), short=()):
    return {"start": Z(start), "end": Z(end) if end else None, "down_s": down,
            "unplanned_s": unplanned, "maintenance_s": maint, "alerted": alerted,
            "windows": list(windows), "short_notice_windows": list(short)}


# ---- March 2026, by hand ------------------------------------------------------
# Announced maintenance of every target in March: nightly-fix 10 Mar 02:00-04:00
# (7200) + infrastructure 14 Mar 20:00 - 15 Mar 06:00 (36000) = 43200 s.
# The 21 Mar infrastructure occurrence had no announcement, the emergency one
# was announced 1 h ahead: neither excludes anything.
MAR_MAINT = 7200 + 36000
# The emergency window is short-notice for every target: 10:00-11:00 = 3600 s.
MAR_SHORT = {"emergency": 3600}
MAR_BYWIN = {"nightly-fix": 7200, "infrastructure": 36000}

# web: 10 Mar 03:30-04:45 = 4500 s down, of which 03:30-04:00 (1800) inside
# nightly-fix and 04:00-04:45 (2700) unplanned; the unplanned part reached
# 1800 s at 04:30, so it was alerted. 25 Mar 10:15-10:40 = 1500 s, all
# unplanned (emergency was short notice), not alerted (< 1800).
# down = 2700 + 1500 = 4200; up = 2674800 - 43200 - 4200 = 2627400;
# availability = 2627400 / 2631600 = 99.840401 %; budget = 0.5 % x 2631600 =
# 13158, left 13158 - 4200 = 8958.
WEB_MAR = target("web", "Shop", 99.5, 2627400, 4200, MAR_MAINT, 0, MAR_S, [
    inc("2026-03-10 03:30", "2026-03-10 04:45", 4500, 2700, 1800, True, ["nightly-fix"]),
    inc("2026-03-25 10:15", "2026-03-25 10:40", 1500, 1500, 0, False, [], ["emergency"]),
], MAR_BYWIN, MAR_SHORT)

# api: 21 Mar 21:00-21:20 = 1200 s unplanned (window not announced), not
# alerted; 31 Mar 23:00 - 1 Apr 01:00: March holds 23:00-24:00 = 3600 s,
# alerted at 23:30. down = 1200 + 3600 = 4800; up = 2674800 - 43200 - 4800 =
# 2626800; availability = 2626800 / 2631600 = 99.817601 % < 99.9: MISS.
# budget = 0.1 % x 2631600 = 2631 (2631.6 floored), left 2631 - 4800 = -2169.
API_MAR = target("api", "Shop", 99.9, 2626800, 4800, MAR_MAINT, 0, MAR_S, [
    inc("2026-03-21 21:00", "2026-03-21 21:20", 1200, 1200, 0, False),
    inc("2026-03-31 23:00", "2026-04-01 01:00", 3600, 3600, 0, True),
], MAR_BYWIN, MAR_SHORT)

# db: the gap 10 Mar: last row 01:00 counts to 01:10, unknown 01:10-02:00 =
# 3000 s, then nightly-fix (maintenance also without data) to 04:00.
# 14 Mar 22:00-23:00 inside announced infrastructure: 3600 s maintenance, 0
# unplanned. 29 Mar 01:30 CET (00:30Z) - 03:30 CEST (01:30Z) = 3600 s, alerted.
# down = 3600; unknown = 3000; up = 2674800 - 43200 - 3600 - 3000 = 2625000;
# availability = 2625000 / 2628600 = 99.863045 %; budget = 1 % x 2628600 =
# 26286, left 22686.
DB_MAR = target("db", "Data", 99.0, 2625000, 3600, MAR_MAINT, 3000, MAR_S, [
    inc("2026-03-14 22:00", "2026-03-14 23:00", 3600, 0, 3600, False, ["infrastructure"]),
    inc("2026-03-29 01:30", "2026-03-29 03:30", 3600, 3600, 0, True),
], MAR_BYWIN, MAR_SHORT)

# components add their targets' seconds (target-seconds); slo = the strictest.
# Shop: up 2627400 + 2626800 = 5254200, down 4200 + 4800 = 9000,
# availability = 5254200 / 5263200 = 99.829001 %, slo 99.9: MISS.
SHOP_MAR = {"name": "Shop", "targets": 2, "slo": 99.9, "up_s": 5254200, "down_s": 9000,
            "maintenance_s": 2 * MAR_MAINT, "unknown_s": 0, "availability": 99.829001,
            "slo_met": False, "coverage": 1.0,
            # 0.1 % x 5263200 = 5263.2 -> 5263; left 5263 - 9000
            "error_budget_s": 5263, "error_budget_left_s": -3737}
DATA_MAR = {"name": "Data", "targets": 1, "slo": 99.0, "up_s": 2625000, "down_s": 3600,
            "maintenance_s": MAR_MAINT, "unknown_s": 3000, "availability": 99.863045,
            "slo_met": True, "coverage": round((MAR_S - 3000) / MAR_S, 6),
            "error_budget_s": 26286, "error_budget_left_s": 22686}

# ---- April 2026 ----------------------------------------------------------------
# Only nightly-fix (10 Apr 02:00-04:00, 7200 s) is announced maintenance.
# api: 1 Apr 00:00-01:00 = 3600 s of the outage that began 31 Mar 23:00 (its
# true start and end are listed); up = 2592000 - 7200 - 3600 = 2581200,
# availability = 2581200 / 2584800 = 99.860724 % < 99.9.
# web, db: up = 2592000 - 7200 = 2584800, 100 %.
APR_BYWIN = {"nightly-fix": 7200}
WEB_APR = target("web", "Shop", 99.5, 2584800, 0, 7200, 0, APR_S, [], APR_BYWIN)
API_APR = target("api", "Shop", 99.9, 2581200, 3600, 7200, 0, APR_S, [
    inc("2026-03-31 23:00", "2026-04-01 01:00", 3600, 3600, 0, True)], APR_BYWIN)
DB_APR = target("db", "Data", 99.0, 2584800, 0, 7200, 0, APR_S, [], APR_BYWIN)


def check_target(got, want):
    for k, v in want.items():
        if k == "incidents":
            assert len(got[k]) == len(v), (got["name"], got[k], v)
            for g, w in zip(got[k], v):
                for kk, vv in w.items():
                    assert g[kk] == vv, (got["name"], kk, g, w)
        else:
            assert got[k] == v, (got["name"], k, got[k], v)


def check_month(doc, month, start, end, wants, comps=()):
    assert doc["month"] == month
    assert doc["timezone"] == "Europe/Oslo"
    assert doc["start"] == start and doc["end"] == end, (doc["start"], doc["end"])
    assert doc["consistent"] is True
    assert [x["name"] for x in doc["targets"]] == [w["name"] for w in wants]
    for w in wants:
        check_target(row(doc, w["name"]), w)
    for c in comps:
        check_target(row(doc, c["name"], "components"), c)


def test_report_march_json(t):
    conf = setup(t)
    doc, p = report_json(t, conf, "--month", "2026-03")
    assert p.stderr == "", p.stderr
    # March 2026 starts 1 Mar 00:00 CET = 28 Feb 23:00Z and ends 1 Apr 00:00
    # CEST = 31 Mar 22:00Z: 743 h
    check_month(doc, "2026-03", "2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z",
                [WEB_MAR, API_MAR, DB_MAR], [SHOP_MAR, DATA_MAR])
    # April: the month boundary splits api's outage; data from the hourly
    # archive except the last 2 days (the one-minute archive)
    doc, _ = report_json(t, conf, "--month", "2026-04")
    check_month(doc, "2026-04", "2026-03-31T22:00:00Z", "2026-04-30T22:00:00Z",
                [WEB_APR, API_APR, DB_APR])
    shop = row(doc, "Shop", "components")
    # Shop: up 2584800 + 2581200 = 5166000, down 3600: 5166000 / 5169600 = 99.930362 %
    assert (shop["up_s"], shop["down_s"], shop["availability"], shop["slo_met"]) == \
        (5166000, 3600, 99.930362, True), shop


def test_report_march_from_minute_archive(t):
    """Only March replayed: its last two days come from the one-minute
    archive, the rest from the hourly one; the figures are the same."""
    conf = setup(t, last="2026-03-31 23:50")
    doc, _ = report_json(t, conf, "--month", "2026-03")
    # api's outage is still open at the end of the file: the journal has no
    # end, the incident is listed as ongoing with the 50 min + the last
    # row's interval (10 min) = 3600 s of March, as before.
    api = dict(API_MAR)
    api["incidents"] = API_MAR["incidents"][:1] + [
        inc("2026-03-31 23:00", None, 3600, 3600, 0, True)]
    check_month(doc, "2026-03", "2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z",
                [WEB_MAR, api, DB_MAR], [SHOP_MAR, DATA_MAR])
    # open at the end of the data: end null, and where the data ends
    last = row(doc, "api")["incidents"][-1]
    assert last["end"] is None and last["data_end"] == "2026-03-31T22:00:00Z", last
    assert "data_end" not in row(doc, "api")["incidents"][0]


def test_report_csv(t):
    conf = setup(t)
    p = report(t, conf, "--month", "2026-03", "--csv")
    rows = list(csv.DictReader(io.StringIO(p.stdout)))
    assert [r["name"] for r in rows] == ["web", "api", "db"]
    for r, w in zip(rows, [WEB_MAR, API_MAR, DB_MAR]):
        assert r["component"] == w["component"]
        assert float(r["availability"]) == w["availability"], (r, w)
        assert float(r["slo"]) == w["slo"]
        assert r["slo_met"] == ("true" if w["slo_met"] else "false")
        for k in ("up_s", "down_s", "maintenance_s", "unknown_s", "error_budget_s",
                  "error_budget_left_s"):
            assert int(r[k]) == w[k], (k, r, w)
        assert float(r["coverage"]) == w["coverage"]
        assert int(r["incidents"]) == len(w["incidents"])
        assert r["consistent"] == "true"


def test_report_text(t):
    conf = setup(t)
    out = report(t, conf, "--month", "2026-03").stdout
    lines = out.splitlines()
    # 743 h = 30 days 23 hours
    assert lines[0] == ("Availability 2026-03 (Europe/Oslo): 2026-03-01 00:00:00+01:00 to "
                        "2026-04-01 00:00:00+02:00, 30d 23h"), lines[0]
    assert any(ln.startswith("availability = up / (up + down)") for ln in lines), out
    head = [ln for ln in lines if ln.startswith("TARGET")][0]
    rows = {ln.split()[0]: ln for ln in lines if re.match(r"^(web|api|db|Shop|Data) ", ln)}
    # aligned: every right-aligned column of every row ends where its header does
    ends = [re.search(r"\b%s\b" % h, head).end() for h in
            ("AVAIL", "SLO", "UP", "DOWN", "MAINT", "UNKNOWN", "COVERAGE", "BUDGET")]
    comp_head = [ln for ln in lines if ln.startswith("COMPONENT")][0]
    assert comp_head[9:] == head[9:], (head, comp_head)
    for name, ln in rows.items():
        assert len(ln) == ends[-1], (head, ln)
        for e in ends:
            assert ln[e - 1] != " " and (e == len(ln) or ln[e] == " "), (e, head, ln)
    def cols(ln):
        """name, then the fixed-width columns: %9s %6s %-4s %9s %9s %9s %9s %8s %9s"""
        w = len(head) - (10 + 7 + 5 + 4 * 10 + 9 + 10)
        out, pos = [ln[:w].strip()], w
        for width in (9, 6, 4, 9, 9, 9, 9, 8, 9):
            out.append(ln[pos + 1:pos + 1 + width].strip())
            pos += 1 + width
        return out

    # availability, slo, mark, up, down, maint, unknown, coverage, budget left
    assert cols(rows["web"]) == ["web", "99.840%", "99.50", "met", "30d 9h", "1h 10m",
                                   "12h 0m", "0s", "100.0%", "2h 29m"], rows["web"]
    # api misses: 2h 29m is 8958 s; -2169 s left = -36m 9s
    assert cols(rows["api"]) == ["api", "99.818%", "99.90", "MISS", "30d 9h", "1h 20m",
                                   "12h 0m", "0s", "100.0%", "-36m 9s"], rows["api"]
    # db: 3000 s unknown = 50m 0s, coverage (2674800 - 3000) / 2674800 = 99.9 %
    assert cols(rows["db"]) == ["db", "99.863%", "99.00", "met", "30d 9h", "1h 0m",
                                  "12h 0m", "50m 0s", "99.9%", "6h 18m"], rows["db"]
    assert cols(rows["Shop"])[1:4] == ["99.829%", "99.90", "MISS"], rows["Shop"]
    assert cols(rows["Data"])[1:4] == ["99.863%", "99.00", "met"], rows["Data"]
    # totals: up 2627400 + 2626800 + 2625000 = 7879200 s = 91d 4h;
    # down 4200 + 4800 + 3600 = 12600 s = 3h 30m; maintenance 3 x 43200 = 1d 12h;
    # 7879200 / 7891800 = 99.840340 %
    assert ("Total over 3 targets: up 91d 4h, down 3h 30m, maintenance 1d 12h, "
            "availability 99.840%.") in out, out
    assert "web: excluded maintenance: nightly-fix 2h 0m, infrastructure 10h 0m" in out
    assert "web: short notice, counted as downtime: emergency 1h 0m" in out, out
    inc_lines = [ln.split(None, 1)[1] for ln in lines[lines.index("Incidents:") + 1:] if ln]
    assert inc_lines == [
        # 4500 s = 1h 15m: 1800 s in nightly-fix, 2700 s = 45m after its end
        "2026-03-10 03:30:00+01:00 to 2026-03-10 04:45:00+01:00: down 1h 15m, unplanned 45m 0s,"
        " in maintenance 30m 0s, ALERTED, windows: nightly-fix",
        "2026-03-25 10:15:00+01:00 to 2026-03-25 10:40:00+01:00: down 25m 0s, unplanned 25m 0s,"
        " in maintenance 0s, short notice: emergency",
        "2026-03-21 21:00:00+01:00 to 2026-03-21 21:20:00+01:00: down 20m 0s, unplanned 20m 0s,"
        " in maintenance 0s",
        # listed with its true end in April; March holds 1 h of it
        "2026-03-31 23:00:00+02:00 to 2026-04-01 01:00:00+02:00: down 1h 0m, unplanned 1h 0m,"
        " in maintenance 0s, ALERTED",
        "2026-03-14 22:00:00+01:00 to 2026-03-14 23:00:00+01:00: down 1h 0m, unplanned 0s,"
        " in maintenance 1h 0m, windows: infrastructure",
        # across the DST change: 01:30 CET to 03:30 CEST is one hour
        "2026-03-29 01:30:00+01:00 to 2026-03-29 03:30:00+02:00: down 1h 0m, unplanned 1h 0m,"
        " in maintenance 0s, ALERTED",
    ], inc_lines
    assert "WARNING" not in out


def test_report_filters_and_quarter(t):
    conf = setup(t)
    doc, _ = report_json(t, conf, "--month", "2026-03", "--target", "api")
    assert [x["name"] for x in doc["targets"]] == ["api"]
    check_target(doc["targets"][0], API_MAR)
    assert [c["name"] for c in doc["components"]] == ["Shop"]
    # a component row of the one target shown
    assert row(doc, "Shop", "components")["down_s"] == 4800
    doc, _ = report_json(t, conf, "--month", "2026-03", "--component", "Shop")
    assert [x["name"] for x in doc["targets"]] == ["web", "api"]
    check_target(row(doc, "Shop", "components"), SHOP_MAR)
    report(t, conf, "--month", "2026-03", "--target", "nope", check=1)
    report(t, conf, "--month", "2026-03", "--component", "Nope", check=1)
    report(t, conf, "--month", "2026-13", check=1)
    report(t, conf, "--from", "2026-03-01", check=1)

    # Q1 2026: 1 Jan 00:00 CET to 1 Apr 00:00 CEST = (31 + 28 + 31) days - 1 h
    # = 7772400 s. January and February have no data at all: unknown.
    q1 = (31 + 28 + 31) * 86400 - 3600
    doc, _ = report_json(t, conf, "--from", "2026-01-01", "--to", "2026-04-01")
    assert doc["month"] is None and doc["period"] == "2026-01-01..2026-04-01"
    assert doc["start"] == "2025-12-31T23:00:00Z" and doc["end"] == "2026-03-31T22:00:00Z"
    for w in (WEB_MAR, API_MAR, DB_MAR):
        q = dict(w, unknown_s=q1 - MAR_S + w["unknown_s"],
                 coverage=round((MAR_S - w["unknown_s"]) / q1, 6))
        check_target(row(doc, w["name"]), q)
    # the quarter's maintenance by window is what the data covers: January's
    # and February's nightly-fix fell before the first row
    assert row(doc, "web")["maintenance_by_window"] == MAR_BYWIN

    # Q2 so far: April's data, May and June unknown
    doc, _ = report_json(t, conf, "--from", "2026-03-31T22:00:00Z", "--to", "2026-07-01")
    assert doc["period"] == "2026-04-01..2026-07-01", doc["period"]
    q2 = (30 + 31 + 30) * 86400
    assert row(doc, "api")["down_s"] == 3600 and row(doc, "api")["unknown_s"] == q2 - APR_S
    assert row(doc, "web")["availability"] == 100.0


def test_report_no_data(t):
    """February: before the first row. Availability null, not 100 %."""
    conf = setup(t)
    doc, _ = report_json(t, conf, "--month", "2026-02")
    feb = 28 * 86400
    for name, comp, slo in (("web", "Shop", 99.5), ("api", "Shop", 99.9), ("db", "Data", 99.0)):
        check_target(row(doc, name), target(name, comp, slo, 0, 0, 0, feb, feb, [], {}))
        assert row(doc, name)["availability"] is None and row(doc, name)["slo_met"] is None
    shop = row(doc, "Shop", "components")
    assert shop["availability"] is None and shop["unknown_s"] == 2 * feb
    assert doc["consistent"] is True
    # one clear line instead of a table of dashes, and no warning
    p = report(t, conf, "--month", "2026-02")
    assert p.returncode == 0 and p.stderr == "", p.stderr
    assert p.stdout.splitlines()[1:] == ["No data for this period."], p.stdout
    p = report(t, conf, "--month", "2026-02", "--csv")
    r = list(csv.DictReader(io.StringIO(p.stdout)))[0]
    assert r["availability"] == "" and r["slo_met"] == "", r
    assert r["error_budget_s"] == "" and r["error_budget_left_s"] == "", r


def test_report_schema_rejects(t):
    """The schema is not a rubber stamp: documents that break the contract fail."""
    conf = t.write("slamon.conf", CONF)
    # no state at all: every figure of every target is unknown
    doc, _ = report_json(t, conf, "--month", "2026-05")
    assert row(doc, "web")["availability"] is None
    bad = [
        lambda d: d.pop("consistent"),
        lambda d: d.update(start="2026-04-30T22:00:00+00:00"),
        lambda d: d.update(month="2026-5"),
        lambda d: d["targets"][0].update(availability=100.5),
        lambda d: d["targets"][0].update(up_s=-1),
        lambda d: d["targets"][0].update(coverage=1.5),
        lambda d: d["targets"][0].pop("incidents"),
        lambda d: d["components"][0].pop("targets"),
        lambda d: d["targets"][0]["incidents"].append({"start": "2026-05-01T00:00:00Z"}),
        lambda d: d["targets"][0]["incidents"].append(
            {"start": "2026-05-01T00:00:00Z", "end": None, "down_s": 1, "unplanned_s": 1,
             "maintenance_s": 0, "alerted": "yes", "windows": []}),
    ]
    for i, f in enumerate(bad):
        d = json.loads(json.dumps(doc))
        f(d)
        try:
            validate(d)
        except AssertionError:
            continue
        raise AssertionError(f"bad document {i} was accepted")
