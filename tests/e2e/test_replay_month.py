"""A month replayed through the real binary, checked second by second.

March 2026 in Europe/Oslo for two targets (60 s and 30 s intervals, rows off
the step grid), with outages inside, across (into and out of) and outside
announced windows, on the DST night of 2026-03-29, across the month
boundary (2026-03-31 23:30 to 2026-04-01 00:40 local), inside a one-off
announced window and a short-notice one, short failure runs, and gaps in
the data (one of exactly two intervals, which is not a gap, and longer
ones, also inside an outage). The expected seconds of every step, the
outages, alerts and recoveries are worked out here from the rows and the
windows (storelib's model of design.md 4 and 7), never by slamon.

The 1-minute archive holds two days, so the month is replayed twice: whole,
into state A (hourly and daily archives, journal, last two days per step),
and in files of at most 40 hours into state B, each checked per step with
`rrdtool fetch -r 60` right after it is replayed, so that every step of the
month is compared."""
import datetime
import json
import os
from zoneinfo import ZoneInfo

import storelib as S
from lib import read_jsonl

OSLO = ZoneInfo("Europe/Oslo")
ALERT_AFTER = 1800
THRESHOLD = 2
DETAIL = '"HTTP status 503, expected ""200"""'   # a quoted field with a comma and quotes

CONF = """\
slamon: { state_dir = "%(state)s"; timezone = "Europe/Oslo"; listen = ""; };
defaults: { interval = 60; timeout = 10; fail_threshold = 2; alert_after = 1800; };
targets = (
  { name = "web"; type = "http"; url = "http://127.0.0.1:9/"; },
  { name = "api"; type = "tcp"; host = "127.0.0.1"; port = 9; interval = 30; }
);
maintenance: {
  min_notice = 86400;
  windows = (
    { name = "sunday"; rrule = "FREQ=WEEKLY;BYDAY=SU"; first = "2026-01-04 01:00";
      duration = 3600; published = "2025-12-01 00:00"; },
    { name = "infra"; requires_announcement = true; }
  );
  announcements = (
    { window = "infra"; start = "2026-03-12 22:00"; end = "2026-03-13 02:00";
      announced_at = "2026-03-01 09:00"; note = "announced"; },
    { window = "infra"; start = "2026-03-19 10:00"; end = "2026-03-19 11:00";
      announced_at = "2026-03-19 09:00"; note = "short notice: counts as down"; }
  );
};
"""


def L(m, d, H, M, s=0, y=2026):
    """A local time in Oslo (fold 0: a time in the spring gap takes the offset before it)."""
    return int(datetime.datetime(y, m, d, H, M, s, tzinfo=OSLO).timestamp())


def Z(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


T0 = L(3, 1, 0, 0)            # 2026-02-28T23:00:00Z
T1 = L(4, 1, 12, 0)           # 2026-04-01T10:00:00Z

# announced windows: every Sunday 01:00 local for 3600 s of real time (on the
# DST night that is 01:00 CET to 03:00 CEST), and the announced one-off
WINDOWS = [(L(3, d, 1, 0), L(3, d, 1, 0) + 3600) for d in (1, 8, 15, 22, 29)]
WINDOWS += [(L(3, 12, 22, 0), L(3, 13, 2, 0))]
SHORT_NOTICE = (L(3, 19, 10, 0), L(3, 19, 11, 0))   # not maintenance

# outages [first failed row, first good row) and gaps [first missing, first present)
WEB_OUT = [
    (L(3, 3, 10, 0, 17), L(3, 3, 10, 20, 17)),     # outside, under alert_after
    (L(3, 4, 14, 0, 17), L(3, 4, 14, 45, 17)),     # outside, alerted at 30 min
    (L(3, 5, 8, 0, 17), L(3, 5, 8, 1, 17)),        # one failed row: not an outage
    (L(3, 8, 1, 10, 17), L(3, 8, 1, 40, 17)),      # inside a window
    (L(3, 12, 23, 0, 17), L(3, 13, 0, 30, 17)),    # inside the announced one-off
    (L(3, 15, 1, 30, 17), L(3, 15, 2, 45, 17)),    # starts inside, runs past the end
    (L(3, 19, 10, 10, 17), L(3, 19, 10, 30, 17)),  # inside short-notice: down
    (L(3, 22, 0, 20, 17), L(3, 22, 1, 30, 17)),    # starts before, runs into a window
    (L(3, 25, 14, 0, 17), L(3, 25, 14, 20, 17)),   # with a gap inside (below)
    (L(3, 26, 9, 0, 17), L(3, 26, 9, 25, 17)),     # a gap before it is confirmed (below)
    (L(3, 29, 0, 35, 17), L(3, 29, 3, 40, 17)),    # DST night: into, through, past
    (L(3, 31, 23, 30), L(4, 1, 0, 40)),            # across the month boundary
]
WEB_GAPS = [
    (L(3, 6, 12, 0, 17), L(3, 6, 12, 10, 17)),     # 10 rows missing: unknown
    (L(3, 6, 15, 0, 17), L(3, 6, 15, 1, 17)),      # one row missing: 2 intervals, held
    (L(3, 25, 14, 6, 17), L(3, 25, 14, 15, 17)),   # inside the outage: unknown, not down
    (L(3, 26, 9, 1, 17), L(3, 26, 9, 12, 17)),     # between its first two failed rows
]
API_OUT = [
    (L(3, 29, 0, 50, 5), L(3, 29, 4, 10, 5)),      # DST night, around the whole window
    (L(3, 31, 23, 30), L(4, 1, 0, 40)),            # across the month boundary
    (L(3, 20, 9, 0, 5), L(3, 20, 9, 0, 35)),       # one failed row
]
API_GAPS = [
    (L(3, 10, 9, 0, 5), L(3, 10, 9, 0, 35)),       # exactly two intervals: held
    (L(3, 10, 10, 0, 5), L(3, 10, 10, 1, 5)),      # three intervals: unknown after one
]


def splits():
    """File boundaries at most 40 h apart (the 1-minute archive holds 48),
    at 06:00 or 18:00 local, two hours or more away from every event."""
    events = WEB_OUT + WEB_GAPS + API_OUT + API_GAPS
    cand = [L(3, d, h, 0) for d in range(1, 32) for h in (6, 18)] + [L(4, 1, 6, 0)]
    ok = [e for e in cand if T0 < e < T1 - 7200 and
          not any(a - 7200 < e < b + 7200 for a, b in events)]
    out, prev = [], T0
    while True:
        nxt = [e for e in ok if prev < e <= prev + 40 * 3600]
        if not nxt or T1 - prev <= 40 * 3600:
            break
        prev = max(nxt)
        out.append(prev)
    assert T1 - prev <= 40 * 3600, Z(prev)
    return out


def make_rows(interval, phase, outs, gaps, cuts):
    """{t: (ok, latency_ms, detail)}, sorted later."""
    rows = {}
    for k, t in enumerate(range(T0 + phase, T1, interval)):
        rows[t] = (True, 5 + (k % 8) * 0.25, "")
    for a, b in outs:
        for t in [x for x in rows if a <= x < b]:
            rows[t] = (False, None, DETAIL)
        rows[a] = (False, None, DETAIL)
        rows[b] = (True, 7.5, "")
    for a, b in gaps:
        for t in [x for x in rows if a <= x < b]:
            del rows[t]
    # file boundaries on step ends: the last row of a file counts for one
    # interval, so it sits one interval before the next file's first row
    rows[T0] = (True, 6.0, "")
    for e in cuts + [T1]:
        for t in [x for x in rows if e - interval <= x <= e]:
            assert rows[t][0], f"a cut at {Z(e)} inside a failure"
            del rows[t]
        rows[e - interval] = (True, 6.25, "")
        if e < T1:
            rows[e] = (True, 6.5, "")
    return dict(sorted(rows.items()))


def csv_text(targets, a=None, b=None):
    lines = ["time,target,ok,latency_ms,detail"]
    allrows = []
    for name, rows in targets.items():
        for t, (ok, lat, det) in rows.items():
            if (a is None or t >= a) and (b is None or t < b):
                allrows.append((t, name, ok, lat, det))
    allrows.sort(key=lambda r: (r[0], r[1]))
    for i, (t, name, ok, lat, det) in enumerate(allrows):
        # times in the three accepted forms
        tt = (str(t) if i % 3 == 0 else Z(t) if i % 3 == 1 else
              datetime.datetime.fromtimestamp(t, OSLO).strftime("%Y-%m-%d %H:%M:%S"))
        lines.append(f"{tt},{name},{1 if ok else 0},{'' if lat is None else lat},{det}")
    return "\n".join(lines) + "\n"


def expected(rows, interval):
    sec = S.classify([(t, v[0]) for t, v in rows.items()], interval, THRESHOLD, T0, T1, WINDOWS)
    steps = S.per_step(sec, T0)
    lat = {}
    for t, (ok, ms, _) in rows.items():
        if ms is not None:
            lat.setdefault(t - t % 60 + 60, []).append(ms)
    return sec, steps, {k: sum(v) / len(v) for k, v in lat.items()}


def check_steps(got, want, lat, lo, hi, what):
    n = 0
    for end in range(lo + 60, hi + 1, 60):
        assert end in got, f"{what}: no row for the step ending {Z(end)}"
        up, down, maint, ms = got[end]
        assert (up, down, maint) == want[end], \
            f"{what}: step ending {Z(end)}: rrd {(up, down, maint)} expected {want[end]}"
        if end in lat:
            assert abs(ms - lat[end]) < 1e-6, f"{what}: latency {Z(end)}: {ms} vs {lat[end]}"
        else:
            assert ms != ms, f"{what}: latency {Z(end)} should be unknown, is {ms}"
        n += 1
    return n


def journal_expected(name, rows, sec, interval):
    out = []
    for start, confirmed, end in S.outages([(t, v[0]) for t, v in rows.items()], THRESHOLD):
        assert end is not None
        maint = S.overlap(start, end, WINDOWS)
        unknown = sec[start - T0:end - T0].count(S.UNKNOWN)
        out.append(("outage_start", name, confirmed, {"start": Z(start)}))
        out.append(("outage_end", name, end, {
            # seconds without data inside it are unknown: neither down nor unplanned
            "start": Z(start), "end": Z(end), "down_s": end - start - unknown,
            "maintenance_s": maint, "unplanned_s": end - start - maint - unknown,
            "unknown_s": unknown}))
        due = S.alert_deadline(start, ALERT_AFTER, WINDOWS)
        assert due != end
        if due < end:
            out.append(("alert", name, due, {"outage_start": Z(start), "unplanned_s": ALERT_AFTER}))
            out.append(("recovery", name, end, {"outage_start": Z(start), "end": Z(end)}))
    return out


def journal_got(path):
    out = []
    for r in read_jsonl(path):
        if r["event"] in ("outage_start", "outage_end", "alert", "recovery"):
            f = {k: v for k, v in r.items() if k not in ("time", "event", "target", "reason")}
            out.append((r["event"], r["target"], r["time"], f))
    return out


def test_replay_month(t):
    cuts = splits()
    web = make_rows(60, 17, WEB_OUT, WEB_GAPS, cuts)
    api = make_rows(30, 5, API_OUT, API_GAPS, cuts)
    data = {"web": web, "api": api}
    model = {"web": expected(web, 60), "api": expected(api, 30)}
    # the model itself, on hand-counted steps: a sanity check of the test
    wsteps = model["web"][1]
    assert wsteps[L(3, 15, 2, 46)] == (43, 17, 0)             # down until 02:45:17, past the window
    assert wsteps[L(3, 6, 12, 1)] == (17, 0, 0)               # 12:00:17.. unknown
    assert wsteps[L(3, 29, 1, 1)] == (0, 0, 60)               # 01:00 CET: the window starts
    assert wsteps[L(3, 29, 3, 0)] == (0, 0, 60)               # it ends at 03:00 CEST, one hour on
    assert wsteps[L(3, 29, 3, 1)] == (0, 60, 0)
    assert wsteps[L(3, 19, 10, 12)] == (0, 60, 0)             # short notice: down
    assert model["api"][1][L(3, 10, 10, 1)] == (5, 0, 0)      # 10:00:05 + 30 s held, then unknown

    confA = t.write("a.conf", CONF % {"state": "A"})
    csv = t.write("month.csv", csv_text(data))
    p = t.slamon("replay", csv, conf=confA, check=0)
    n_alerts = sum(1 for n in data for e in journal_expected(n, data[n], model[n][0], 0)
                   if e[0] == "alert")
    assert f"replayed {sum(len(r) for r in data.values())} rows" in p.stdout, p.stdout
    assert f"{n_alerts} alerts, {n_alerts} recoveries" in p.stdout, p.stdout
    assert "not stored again" not in p.stderr, p.stderr

    for name in data:
        f = t.path("A", "rrd", name + ".rrd")
        sec, steps, lat = model[name]
        inf = S.info(f)
        assert inf["step"] == "60" and int(inf["last_update"]) == T1, inf
        assert inf["ds[up_s].type"] == "GAUGE" and inf["ds[latency_ms].type"] == "GAUGE"
        # the last two days, per step, from the 1-minute archive
        lo = T1 - 2 * 86400 + 60
        assert check_steps(S.steps_of(f, lo, T1), steps, lat, lo, T1, f"A/{name}") == 2879
        # every hour of the replay from the hourly archive
        step, names, rows = S.fetch(f, 3600, T0, T1)
        assert step == 3600 and len(rows) == (T1 - T0) // 3600, (step, len(rows))
        tot = [0, 0, 0]
        for end, v in rows:
            got = [round(v[names.index(k)] * 60, 6) for k in ("up_s", "down_s", "maint_s")]
            want = [sum(steps[e][i] for e in range(end - 3540, end + 1, 60)) for i in range(3)]
            assert got == want, f"A/{name}: hour ending {Z(end)}: {got} expected {want}"
            tot = [a + b for a, b in zip(tot, got)]
        assert tot == [sec.count(S.UP), sec.count(S.DOWN), sec.count(S.MAINT)], tot
        # the daily archive: UTC days, all of whose steps were written
        d0 = T0 - T0 % 86400 + 86400
        d1 = T1 - T1 % 86400
        step, names, rows = S.fetch(f, 86400, d0, d1)
        assert step == 86400 and len(rows) == (d1 - d0) // 86400, (step, len(rows))
        dtot = [0, 0, 0]
        for end, v in rows:
            # rrdtool fetch prints 10 significant digits: a day's sum comes
            # back within 1e-4 s of the integer it is
            got = [round(v[names.index(k)] * 1440, 3) for k in ("up_s", "down_s", "maint_s")]
            day = sec[end - 86400 - T0:end - T0]
            want = [day.count(S.UP), day.count(S.DOWN), day.count(S.MAINT)]
            assert got == want, f"A/{name}: day ending {Z(end)}: {got} expected {want}"
            dtot = [a + b for a, b in zip(dtot, got)]
        span = sec[d0 - T0:d1 - T0]
        assert dtot == [span.count(S.UP), span.count(S.DOWN), span.count(S.MAINT)]

    # the journal: outages with their first failed row, confirmation, end,
    # split seconds, alerts at their deadline, recoveries
    want = sorted((e, n, Z(tm), f) for n in data
                  for e, n, tm, f in journal_expected(n, data[n], model[n][0], 0))
    got = sorted(journal_got(t.path("A", "journal.jsonl")))
    assert [g[:3] for g in got] == [w[:3] for w in want], (got, want)
    for g, w in zip(got, want):
        for k, v in w[3].items():
            assert g[3].get(k) == v, f"{g[:3]}: {k} = {g[3].get(k)}, expected {v}"
    assert any(g[0] == "alert" and g[2] == "2026-03-31T22:00:00Z" for g in got)  # 00:00 April 1

    # the same rows in files of 40 hours or less, each checked per step as it lands
    confB = t.write("b.conf", CONF % {"state": "B"})
    bounds = [T0] + cuts + [T1]
    checked = {n: 0 for n in data}
    for a, b in zip(bounds, bounds[1:]):
        part = t.write(f"part-{a}.csv", csv_text(data, a, b))
        p = t.slamon("replay", part, conf=confB, check=0)
        assert "not stored again" not in p.stderr, p.stderr
        for name in data:
            _, steps, lat = model[name]
            f = t.path("B", "rrd", name + ".rrd")
            checked[name] += check_steps(S.steps_of(f, a, b), steps, lat, a, b, f"B/{name}")
    assert checked == {n: (T1 - T0) // 60 for n in data}, checked
    gotB = sorted(journal_got(t.path("B", "journal.jsonl")))
    assert gotB == got
    with open(t.path("B", "journal.jsonl")) as fh:
        starts = [json.loads(x) for x in fh if '"monitor_start"' in x]
    assert len(starts) == len(bounds) - 1
