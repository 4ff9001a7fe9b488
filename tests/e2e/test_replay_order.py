"""Replay order: rows inside what is already stored are refused before
anything is written (or skipped with --skip-stored, and counted); nothing in
the journal ends before it starts; an outage open at the end of the data is
open at the data's end, the same in the incident list, the table and JSON."""
import datetime
import hashlib
import json
import os
import re

from lib import read_jsonl

CONF = """\
slamon: { state_dir = "state"; timezone = "Europe/Oslo"; listen = ""; };
defaults: { interval = 60; timeout = 10; fail_threshold = 2; alert_after = 1800; slo = 99.5; };
targets = (
  { name = "web"; type = "http"; url = "http://127.0.0.1:9/"; },
  { name = "api"; type = "tcp"; host = "127.0.0.1"; port = 9; }
);
maintenance: { windows = (); };
"""

T0 = 1772323200  # 2026-03-01T00:00:00Z


def z(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def rows(a, b, down=(), targets=("web", "api")):
    out = []
    for ts in range(a, b, 60):
        for name in targets:
            bad = any(x <= ts < y for n, x, y in down if n == name)
            out.append(f"{ts},{name},{0 if bad else 1},{'' if bad else '5'},"
                       f"{'refused' if bad else ''}")
    return out


def csv(t, name, lines):
    return t.write(name, "time,target,ok,latency_ms,detail\n" + "\n".join(lines) + "\n")


def snapshot(d):
    out = {}
    for root, _, files in os.walk(d):
        for f in files:
            p = os.path.join(root, f)
            if f != "slamon.lock":  # holds the pid of the last writer
                out[os.path.relpath(p, d)] = hashlib.sha256(open(p, "rb").read()).hexdigest()
    return out


def test_replay_refuses_rows_before_the_stored_data(t):
    conf = t.write("slamon.conf", CONF)
    # a day stored, ending in an outage of web still open at its end
    first = csv(t, "first.csv", rows(T0, T0 + 86400, down=[("web", T0 + 86400 - 6300, T0 + 86400)]))
    t.slamon("replay", first, conf=conf, check=0)
    before = snapshot(t.path("state"))
    # older rows (a day before), then rows overlapping the stored end
    old = csv(t, "old.csv", rows(T0 - 86400, T0 - 86400 + 3600))
    p = t.slamon("replay", old, conf=conf, check=1)
    assert p.stderr.strip() == (f"{old}:2: time: before the stored data of web "
                                f"(ends {z(T0 + 86400)})"), p.stderr
    assert p.stdout == ""
    assert snapshot(t.path("state")) == before
    # api is stored to the same end; a file whose api rows begin 2 min
    # before it (its web rows, after a first good one, are fine)
    lines = [f"{T0 + 86400},web,1,5,", f"{T0 + 86400 - 120},api,1,5,",
             f"{T0 + 86400 - 60},api,1,5,"] + rows(T0 + 86400 + 60, T0 + 86400 + 600)
    late = csv(t, "late.csv", lines)
    p = t.slamon("replay", late, conf=conf, check=1)
    assert p.stderr.strip() == (f"{late}:3: time: before the stored data of api "
                                f"(ends {z(T0 + 86400)})"), p.stderr
    assert snapshot(t.path("state")) == before
    # --skip-stored leaves them out, counts them, replays the rest
    p = t.slamon("replay", "--skip-stored", late, conf=conf, check=0)
    assert "replayed 19 rows" in p.stdout and "2 rows skipped (before the stored data)" in \
        p.stdout, p.stdout
    p = t.slamon("replay", "--skip-stored", old, conf=conf, check=0)
    assert "all 120 were before the stored data" in p.stdout, p.stdout
    # a row exactly at the stored end continues the data
    p = t.slamon("replay", csv(t, "next.csv", rows(T0 + 86400 + 600, T0 + 86400 + 1200)),
                 conf=conf, check=0)
    # nothing in the journal ends before it starts, and the outage open at
    # the end of the first file was closed by the later rows, once
    ends = [r for r in read_jsonl(t.path("state", "journal.jsonl")) if r["event"] == "outage_end"]
    assert ends and all(r["end"] >= r["start"] and r["down_s"] >= 0 for r in ends), ends
    assert [(r["target"], r["start"], r["end"], r["down_s"]) for r in ends] == \
        [("web", z(T0 + 86400 - 6300), z(T0 + 86400), 6300)], ends


def test_open_outage_at_the_end_of_the_data(t):
    """A file ending mid-outage: the incident is open at the data's end
    (1 h 45 m), never extended to now, in the text, the table and JSON."""
    conf = t.write("slamon.conf", CONF)
    start = T0 + 86400 - 6300
    t.slamon("replay", csv(t, "a.csv", rows(T0, T0 + 86400, down=[("web", start, T0 + 86400)])),
             conf=conf, check=0)
    p = t.slamon("report", "--month", "2026-03", "--json", conf=conf, check=0)
    assert p.stderr == "", p.stderr
    doc = json.loads(p.stdout)
    web = [r for r in doc["targets"] if r["name"] == "web"][0]
    assert web["down_s"] == 6300 and web["consistent"] is True, web
    inc = web["incidents"]
    assert len(inc) == 1 and inc[0]["end"] is None, inc
    assert inc[0]["data_end"] == z(T0 + 86400) and inc[0]["down_s"] == 6300, inc
    assert inc[0]["unplanned_s"] == 6300
    text = t.slamon("report", "--month", "2026-03", conf=conf, check=0).stdout
    row = [ln for ln in text.splitlines() if ln.startswith("web ")][0]
    assert " 1h 45m " in row, row
    line = [ln for ln in text.splitlines() if ln.startswith("  web ")][0]
    assert re.search(r"to \(open at the end of the data, 2026-03-02 01:00:00\+01:00\): "
                     r"down 1h 45m, unplanned 1h 45m", line), line
    assert "WARNING" not in text


def test_report_reads_an_old_negative_outage(t):
    """A journal written by an older slamon, with an outage that ends before
    it starts: counted as ending at its start, and said."""
    conf = t.write("slamon.conf", CONF)
    t.slamon("replay", csv(t, "a.csv", rows(T0, T0 + 7200)), conf=conf, check=0)
    with open(t.path("state", "journal.jsonl"), "a") as f:
        f.write(json.dumps({"time": z(T0 + 3600), "event": "outage_start", "target": "web",
                            "start": z(T0 + 3600)}) + "\n")
        f.write(json.dumps({"time": z(T0 + 1800), "event": "outage_end", "target": "web",
                            "start": z(T0 + 3600), "end": z(T0 + 1800), "down_s": -1800,
                            "unplanned_s": -1800, "maintenance_s": 0, "unknown_s": 0}) + "\n")
    p = t.slamon("report", "--month", "2026-03", "--json", conf=conf, check=0)
    assert "an outage of web ends before it starts; counted as ending at its start" in \
        p.stderr, p.stderr
    web = [r for r in json.loads(p.stdout)["targets"] if r["name"] == "web"][0]
    assert [(i["start"], i["end"], i["down_s"]) for i in web["incidents"]] == \
        [(z(T0 + 3600), z(T0 + 3600), 0)], web["incidents"]
    assert web["consistent"] is True and web["down_s"] == 0
