"""`slamon report` cross-checks the RRD files against the journal: a
journal that lost an outage_end, or gained an outage that never happened,
makes the report say `"consistent": false` and name the target and the
difference; a difference of one step or less is tolerated."""
import csv as _csv
import io
import json

from test_report import (API_MAR, DB_MAR, WEB_MAR, check_target, report, report_json,
                         row, setup)


def journal(t):
    return t.path("state", "journal.jsonl")


def edit_journal(t, drop=None, add=()):
    with open(journal(t)) as f:
        lines = f.read().splitlines()
    kept = [ln for ln in lines if not (drop and drop(json.loads(ln)))]
    assert len(kept) == len(lines) - (1 if drop else 0), "exactly one line dropped"
    with open(journal(t), "w") as f:
        f.write("\n".join(kept + [json.dumps(a) for a in add]) + "\n")


def fake_outage(target, start, end, secs):
    return [{"time": start, "event": "outage_start", "target": target, "start": start,
             "reason": "fake"},
            {"time": end, "event": "outage_end", "target": target, "start": start, "end": end,
             "down_s": secs, "unplanned_s": secs, "maintenance_s": 0, "unknown_s": 0}]


def test_report_lost_outage_end(t):
    conf = setup(t)
    # db's DST outage (29 Mar 00:30Z - 01:30Z) loses its end: the journal now
    # says db has been down since 00:30Z on 29 March until the data ends
    # (31 Mar 22:00Z): 2 d 21 h 30 min = 250200 s unplanned, the RRD 3600 s.
    # Difference 250200 - 3600 = 246600 s = 2d 20h.
    edit_journal(t, drop=lambda r: r["event"] == "outage_end" and r["target"] == "db"
                 and r["start"] == "2026-03-29T00:30:00Z")
    doc, p = report_json(t, conf, "--month", "2026-03")
    assert doc["consistent"] is False
    assert row(doc, "db")["consistent"] is False
    assert row(doc, "web")["consistent"] is True and row(doc, "api")["consistent"] is True
    assert row(doc, "Data", "components")["consistent"] is False
    assert row(doc, "Shop", "components")["consistent"] is True
    warn = ("slamon: warning: db: RRD has 1h 0m down, the journal's outages 2d 21h unplanned: "
            "they differ by 2d 20h (246600 s)")
    assert warn in p.stderr.splitlines(), p.stderr
    # the seconds still come from RRD; the incident is listed as open
    want = dict(DB_MAR, consistent=False)
    want["incidents"] = [DB_MAR["incidents"][0], dict(DB_MAR["incidents"][1], end=None,
                                                      down_s=250200, unplanned_s=250200)]
    check_target(row(doc, "db"), want)
    text = report(t, conf, "--month", "2026-03").stdout
    assert "\nWARNING:\n" + warn[len("slamon: warning: "):] + "\n" in text, text
    assert "RRD and journal disagree" in text
    # --csv: the row says so too
    csv = report(t, conf, "--month", "2026-03", "--csv")
    db = [r for r in _csv.DictReader(io.StringIO(csv.stdout)) if r["name"] == "db"][0]
    assert (db["incidents"], db["consistent"]) == ("2", "false"), csv.stdout
    assert warn in csv.stderr.splitlines()


def test_report_fake_outage(t):
    conf = setup(t)
    # an outage of web that never happened, 5 Mar 09:00Z-09:30Z (1800 s):
    # journal 4200 + 1800 = 6000 s unplanned, RRD 4200: differ by 30m 0s
    edit_journal(t, add=fake_outage("web", "2026-03-05T09:00:00Z", "2026-03-05T09:30:00Z",
                                    1800))
    doc, p = report_json(t, conf, "--month", "2026-03")
    assert doc["consistent"] is False and row(doc, "web")["consistent"] is False
    assert ("slamon: warning: web: RRD has 1h 10m down, the journal's outages 1h 40m "
            "unplanned: they differ by 30m 0s (1800 s)") in p.stderr.splitlines(), p.stderr
    assert "api" not in p.stderr and "db:" not in p.stderr
    check_target(row(doc, "api"), API_MAR)
    assert len(row(doc, "web")["incidents"]) == 3
    for k in ("up_s", "down_s", "maintenance_s", "unknown_s", "availability"):
        assert row(doc, "web")[k] == WEB_MAR[k]


def test_report_one_step_tolerated(t):
    conf = setup(t)
    # 60 s more in the journal than in RRD is within one step: consistent
    edit_journal(t, add=fake_outage("api", "2026-03-05T09:00:00Z", "2026-03-05T09:01:00Z", 60))
    doc, p = report_json(t, conf, "--month", "2026-03")
    assert doc["consistent"] is True and p.stderr == "", p.stderr
    # 120 s is not
    edit_journal(t, add=fake_outage("api", "2026-03-06T09:00:00Z", "2026-03-06T09:01:00Z", 60))
    doc, p = report_json(t, conf, "--month", "2026-03")
    assert doc["consistent"] is False and "api: " in p.stderr and "(120 s)" in p.stderr, p.stderr


def test_report_restarts_inside_an_outage_tolerated(t):
    conf = setup(t)
    # a stop leaves up to a step of an open outage unseen that its outage_end
    # does not count in unknown_s; each monitor start inside an outage allows
    # one more step. 150 s more in the journal than in RRD, with two restarts
    # inside the (fake) outage: within 3 steps, consistent.
    out = fake_outage("api", "2026-03-05T09:00:00Z", "2026-03-05T09:02:30Z", 150)
    starts = [{"time": f"2026-03-05T09:0{m}:00Z", "event": "monitor_start", "mode": "run"}
              for m in (1, 2)]
    edit_journal(t, add=[out[0]] + starts + [out[1]])
    doc, p = report_json(t, conf, "--month", "2026-03")
    assert doc["consistent"] is True and p.stderr == "", p.stderr
    # the same 150 s without the restarts: inconsistent
    edit_journal(t, drop=lambda r: r["event"] == "monitor_start" and r["time"].startswith(
        "2026-03-05T09:01"))
    doc, p = report_json(t, conf, "--month", "2026-03")
    assert doc["consistent"] is False and "(150 s)" in p.stderr, p.stderr
