"""Every month of the retention exact in any zone (README "Old months").

Fourteen months of history (January 2025 to February 2026, local midnights)
are replayed into a fresh state, then January 2025, which lies more than
400 days before the end of the data (beyond the hourly archives), is
reported in Europe/Oslo and in Australia/Adelaide (+10:30 in January: a
half-hour offset, which no UTC day or UTC hour of the daily and hourly
archives meets) and Asia/Kolkata (+5:30). The same local events give the
same figures in every zone; they are worked out by hand below, never by
slamon. A month with no data at all is one clear line, exit 0, no warning.
"""
import datetime
import json
import subprocess
from zoneinfo import ZoneInfo

ZONES = ("Europe/Oslo", "Australia/Adelaide", "Asia/Kolkata")
STEP = 300  # a row every 5 minutes

CONF = """\
slamon: {{ state_dir = "state"; timezone = "{tz}"; listen = ""; }};
defaults: {{ interval = 300; timeout = 10; fail_threshold = 2; alert_after = 1800; slo = 99.5; }};
targets = ( {{ name = "web"; component = "Shop"; type = "http"; url = "http://127.0.0.1:9/"; }} );
maintenance: {{
  min_notice = 86400;
  windows = ( {{ name = "upgrade"; requires_announcement = true; }} );
  announcements = (
    {{ window = "upgrade"; start = "2025-01-15 22:00"; end = "2025-01-16 02:00";
      announced_at = "2024-12-01 09:00"; note = "database upgrade"; }}
  );
}};
"""

# local times: (month, day, hour, minute) of [first failed row, first good row)
OUTAGES = [
    ((2025, 1, 1, 0, 0), (2025, 1, 1, 0, 20)),      # the very first rows: 1200 s
    ((2025, 1, 10, 10, 0), (2025, 1, 10, 11, 15)),  # 4500 s
    ((2025, 1, 15, 23, 0), (2025, 1, 15, 23, 30)),  # inside the announced window
    ((2025, 1, 31, 23, 30), (2025, 2, 1, 0, 45)),   # across the month boundary
    ((2025, 7, 4, 12, 0), (2025, 7, 4, 12, 30)),    # later history
]

# January 2025: 31 days = 2678400 s; maintenance 22:00-02:00 = 14400 s (the
# outage inside it is maintenance, not down); down 1200 + 4500 + 1800 (the
# last half hour of the 31st) = 7500 s; up 2678400 - 14400 - 7500 = 2656500;
# availability 2656500 / 2664000 = 99.718468 %; budget 0.5 % of 2664000 =
# 13320 s, 13320 - 7500 = 5820 s left.
JAN = {"up_s": 2656500, "down_s": 7500, "maintenance_s": 14400, "unknown_s": 0,
       "coverage": 1.0, "availability": 99.718468, "slo_met": True,
       "error_budget_s": 13320, "error_budget_left_s": 5820, "consistent": True}
# February 2025: 28 days = 2419200 s; down 45 min = 2700 s of the outage
# begun in January; up 2416500; 2416500 / 2419200 = 99.888393 %; budget
# 0.5 % of 2419200 = 12096 s, 9396 left.
FEB = {"up_s": 2416500, "down_s": 2700, "maintenance_s": 0, "unknown_s": 0,
       "coverage": 1.0, "availability": 99.888393, "slo_met": True,
       "error_budget_s": 12096, "error_budget_left_s": 9396, "consistent": True}


def local(tz, y, m, d, H, M):
    return int(datetime.datetime(y, m, d, H, M, tzinfo=ZoneInfo(tz)).timestamp())


def z(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def history(t, tz):
    t0, t1 = local(tz, 2025, 1, 1, 0, 0), local(tz, 2026, 3, 1, 0, 0)
    assert t0 % STEP == 0 and t1 % STEP == 0
    outs = [(local(tz, *a), local(tz, *b)) for a, b in OUTAGES]
    lines = ["time,target,ok,latency_ms,detail"]
    for ts in range(t0, t1, STEP):
        down = any(a <= ts < b for a, b in outs)
        lines.append(f"{ts},web,{0 if down else 1},{'' if down else '12.5'},"
                     f"{'HTTP status 503' if down else ''}")
    return t.write(f"{tz.replace('/', '-')}.csv", "\n".join(lines) + "\n"), t0, t1, outs


def setup(t, tz):
    conf = t.write("slamon.conf", CONF.format(tz=tz))
    csv, t0, t1, outs = history(t, tz)
    # the last row counts for one interval: the data ends at t1
    p = t.slamon("replay", csv, conf=conf, check=0, timeout=300)
    assert f"to {z(t1)}:" in p.stdout, p.stdout
    return conf, t0, t1, outs


def report(t, conf, month):
    p = t.slamon("report", "--month", month, "--json", conf=conf, check=0)
    assert p.stderr == "", p.stderr  # no warning: RRD and journal agree
    return json.loads(p.stdout)


def check_month(doc, want, incidents):
    web = [r for r in doc["targets"] if r["name"] == "web"][0]
    got = {k: web[k] for k in want}
    assert got == want, (doc["month"], doc["timezone"], got, want)
    assert doc["consistent"] is True
    got_inc = [(i["start"], i["end"], i["down_s"], i["unplanned_s"], i["maintenance_s"])
               for i in web["incidents"]]
    assert got_inc == incidents, (doc["timezone"], got_inc)
    shop = doc["components"][0]
    assert (shop["up_s"], shop["down_s"], shop["availability"]) == \
        (want["up_s"], want["down_s"], want["availability"])


def run_zone(t, tz):
    conf, t0, t1, outs = setup(t, tz)
    # more than 400 days lie between January's start and the end of the
    # data: no hourly archive holds all of it any more
    assert t1 - t0 > 400 * 86400
    doc = report(t, conf, "2025-01")
    assert (doc["start"], doc["end"]) == (z(t0), z(local(tz, 2025, 2, 1, 0, 0)))
    (c0, c1), (a0, a1), (d0, d1), (b0, b1), _ = outs
    check_month(doc, JAN, [
        (z(c0), z(c1), 1200, 1200, 0),
        (z(a0), z(a1), 4500, 4500, 0),
        (z(d0), z(d1), 1800, 0, 1800),
        # its true end in February; January holds 1800 s of it
        (z(b0), z(b1), 1800, 1800, 0),
    ])
    doc = report(t, conf, "2025-02")
    check_month(doc, FEB, [(z(b0), z(b1), 2700, 2700, 0)])
    # the text form says the same
    p = t.slamon("report", "--month", "2025-01", conf=conf, check=0)
    assert "99.718%" in p.stdout and "WARNING" not in p.stdout, p.stdout
    return conf, t0


def test_old_month_oslo(t):
    conf, t0 = run_zone(t, "Europe/Oslo")
    # rrdtool reads the file unchanged: January's hourly rows (the ten-year
    # archive at the zone's granularity) add up to the same seconds
    end = t0 + 31 * 86400
    p = subprocess.run(["rrdtool", "fetch", t.path("state", "rrd", "web.rrd"), "AVERAGE",
                        "-r", "3600", "-s", str(t0), "-e", str(end - 3600)],
                       capture_output=True, text=True, check=True)
    rows = [ln.split() for ln in p.stdout.splitlines()[2:] if ln.strip()]
    sums = [0.0, 0.0, 0.0]
    n = 0
    for r in rows:
        when = int(r[0].rstrip(":"))
        if t0 < when <= end:
            n += 1
            for k in range(3):
                sums[k] += float(r[1 + k]) * 60
    assert n == 744, (n, p.stdout[:400])
    assert [round(x) for x in sums] == [JAN["up_s"], JAN["down_s"], JAN["maintenance_s"]], sums


def test_old_month_adelaide(t):
    run_zone(t, "Australia/Adelaide")


def test_old_month_kolkata(t):
    run_zone(t, "Asia/Kolkata")


def test_month_without_data(t):
    """Before the files, and beyond the ten years any archive holds: null
    availability, coverage 0, consistent, one clear line, exit 0, no warning."""
    conf = t.write("slamon.conf", CONF.format(tz="Asia/Kolkata"))
    t.write("h.csv", "time,target,ok,latency_ms,detail\n"
            "2026-03-02 10:00:00,web,1,5,\n2026-03-02 10:05:00,web,1,5,\n")
    t.slamon("replay", "h.csv", conf=conf, check=0)
    for month, days in (("2020-01", 31), ("2014-02", 28), ("2026-02", 28)):
        doc = report(t, conf, month)
        assert doc["consistent"] is True, doc
        for r in doc["targets"] + doc["components"]:
            assert r["availability"] is None and r["slo_met"] is None, r
            assert r["coverage"] == 0 and r["unknown_s"] == days * 86400, r
            assert r["error_budget_s"] is None and r["error_budget_left_s"] is None, r
            assert r["consistent"] is True
        p = t.slamon("report", "--month", month, conf=conf, check=0)
        assert p.stderr == "", p.stderr
        lines = p.stdout.splitlines()
        assert lines[0].startswith(f"Availability {month} (Asia/Kolkata): "), lines
        assert lines[1:] == ["No data for this period."], p.stdout
    # no state at all is the same
    t.write("none.conf", CONF.format(tz="Europe/Oslo").replace('"state"', '"nothing"'))
    p = t.slamon("report", "--month", "2020-01", conf=t.path("none.conf"), check=0)
    assert p.stderr == "" and p.stdout.splitlines()[1:] == ["No data for this period."]


def test_old_month_api(t):
    """/api/v1/availability of the month 14 months back (Australia/Adelaide,
    with its DST change if it has one) from the running daemon: exact, and
    the same as `slamon report`, which reads beside it without the lock."""
    import os
    import urllib.request
    from lib import free_port

    tz = "Australia/Adelaide"
    zi = ZoneInfo(tz)
    now = datetime.datetime.now(zi)
    y, m = now.year, now.month - 14
    while m < 1:
        y, m = y - 1, m + 12
    ny, nm = (y, m + 1) if m < 12 else (y + 1, 1)
    t0 = local(tz, y, m, 1, 0, 0)
    t1 = local(tz, now.year, now.month, 1, 0, 0)
    m_end = local(tz, ny, nm, 1, 0, 0)
    outs = [(local(tz, y, m, 10, 10, 0), local(tz, y, m, 10, 11, 15)),   # 4500 s
            (m_end - 1800, m_end + 2700)]                               # 1800 s of it
    lines = ["time,target,ok,latency_ms,detail"]
    for ts in range(t0, t1, STEP):
        down = any(a <= ts < b for a, b in outs)
        lines.append(f"{ts},web,{0 if down else 1},{'' if down else '7'},"
                     f"{'refused' if down else ''}")
    port = free_port()
    conf = t.write("slamon.conf", CONF.format(tz=tz).replace('listen = ""',
                                                             f'listen = "127.0.0.1:{port}"'))
    t.slamon("replay", t.write("h.csv", "\n".join(lines) + "\n"), conf=conf, check=0,
             timeout=300)
    t.spawn([t.bin, "-c", conf, "run"])
    t.wait_port(port)
    month = f"{y:04d}-{m:02d}"
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/availability?month={month}",
                                timeout=60) as r:
        doc = json.loads(r.read())
    period = m_end - t0
    web = [r for r in doc["targets"] if r["name"] == "web"][0]
    assert (doc["start"], doc["end"]) == (z(t0), z(m_end)), doc
    assert (web["up_s"], web["down_s"], web["maintenance_s"], web["unknown_s"]) == \
        (period - 6300, 6300, 0, 0), web
    assert web["availability"] == round(100.0 * (period - 6300) / period, 6), web
    assert web["coverage"] == 1.0 and web["consistent"] is True and doc["consistent"] is True
    cli = report(t, conf, month)
    assert cli["targets"] == doc["targets"], (cli["targets"], doc["targets"])
