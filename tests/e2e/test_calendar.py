"""The maintenance calendar on the real binary: `slamon calendar --json` over
the shipped 2026 schedule, the --ics export read back through `ics = [...]`,
`slamon announce` with enough and with short notice, and `slamon check`
finding calendar errors."""
import collections
import datetime
import json
import os
import re
import shutil
import subprocess
from zoneinfo import ZoneInfo

from lib import ROOT

OSLO = ZoneInfo("Europe/Oslo")
FIELDS = {"name", "start", "end", "announced", "announced_at", "short_notice",
          "applies_to", "source"}


def shipped(t, edit=None):
    """The shipped configuration in t's folder (its relative paths resolve there)."""
    os.makedirs(t.path("etc"), exist_ok=True)
    shutil.copy(os.path.join(ROOT, "etc", "alert-log.sh"), t.path("etc", "alert-log.sh"))
    text = open(os.path.join(ROOT, "etc", "slamon.conf")).read()
    if edit:
        text = edit(text)
    return t.write("etc/slamon.conf", text)


def calendar_json(t, conf, frm="2026-01-01", to="2027-01-01"):
    p = t.slamon("calendar", "--from", frm, "--to", to, "--json", conf=conf, check=0)
    return json.loads(p.stdout)


def z(dt):
    return dt.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_calendar_json_2026(t):
    occ = calendar_json(t, shipped(t))
    counts = collections.Counter(o["name"] for o in occ)
    assert counts == {"nightly-restart": 365, "infrastructure": 52, "system": 26,
                      "security-updates": 12, "app-upgrade-canary": 12,
                      "app-upgrade": 12}, counts
    assert [o["start"] for o in occ] == sorted(o["start"] for o in occ)
    for o in occ:
        assert FIELDS <= set(o), o
        assert o["source"] in ("rule", "announcement")
    by = collections.defaultdict(list)
    for o in occ:
        by[o["name"]].append(o)
    restarts = {o["start"] for o in by["nightly-restart"]}
    # Spring: 02:00 is skipped and becomes 03:00 CEST; autumn: the first 02:00.
    assert "2026-03-29T01:00:00Z" in restarts
    assert "2026-10-25T00:00:00Z" in restarts
    assert "2026-03-28T01:00:00Z" in restarts and "2026-03-30T00:00:00Z" in restarts
    infra = {o["start"]: o for o in by["infrastructure"]}
    assert infra["2026-03-28T19:00:00Z"]["end"] == "2026-03-29T04:00:00Z"  # 9 h
    assert infra["2026-10-24T18:00:00Z"]["end"] == "2026-10-25T05:00:00Z"  # 11 h
    assert infra["2026-10-24T18:00:00Z"]["announced"] is False
    assert infra["2026-10-24T18:00:00Z"]["announced_at"] is None
    nov28 = infra["2026-11-28T19:00:00Z"]
    assert nov28["source"] == "announcement" and nov28["announced"] is True
    assert nov28["announced_at"] == "2026-11-20T08:00:00Z"
    # Biweekly phase: 2 January, not 9 January; 3rd Tuesday and the Friday after.
    system = {o["start"] for o in by["system"]}
    assert "2026-01-01T23:00:00Z" in system and "2026-01-08T23:00:00Z" not in system
    canary = [o["start"] for o in by["app-upgrade-canary"]]
    wave2 = [o["start"] for o in by["app-upgrade"]]
    assert canary[0] == "2026-01-20T21:00:00Z" and wave2[0] == "2026-01-23T21:00:00Z"
    assert "2026-05-22T20:00:00Z" in wave2 and "2026-05-15T20:00:00Z" not in wave2
    # 13 February: system and security updates both listed (merged only in sums).
    feb13 = [o["name"] for o in occ if o["start"] == "2026-02-12T23:00:00Z"]
    assert sorted(feb13) == ["security-updates", "system"], feb13
    assert by["app-upgrade-canary"][0]["applies_to"] == ["group:canary"]
    # --target narrows to the windows that apply to it.
    mail = calendar_json(t, t.path("etc/slamon.conf"))
    only = json.loads(t.slamon("calendar", "--from", "2026-01-01", "--to", "2027-01-01",
                               "--json", "--target", "bulk-mail",
                               conf=t.path("etc/slamon.conf"), check=0).stdout)
    assert len(only) == len(mail) - 365 - 12 - 12, len(only)


def test_calendar_text(t):
    conf = shipped(t)
    p = t.slamon("calendar", "--from", "2026-11-28", "--to", "2026-11-30", conf=conf, check=0)
    assert "core switch replacement" in p.stdout
    assert re.search(r"2026-11-28 20:00:00\+01:00 +2026-11-29 06:00:00\+01:00 +"
                     r"2026-11-28T19:00:00Z +infrastructure +announced", p.stdout), p.stdout
    bad = t.slamon("calendar", "--from", "2026-13-01", "--to", "2027-01-01", conf=conf)
    assert bad.returncode == 1 and "--from" in bad.stderr


def test_calendar_ics_round_trip(t):
    conf = shipped(t)
    # Bytes: CRLF line ends are part of the format.
    raw = subprocess.run([t.bin, "-c", conf, "calendar", "--ics"], cwd=t.dir,
                         capture_output=True, timeout=60, check=True).stdout
    ics = raw.decode()
    assert ics.startswith("BEGIN:VCALENDAR\r\n") and ics.endswith("END:VCALENDAR\r\n")
    for needed in ("BEGIN:VTIMEZONE", "TZID:Europe/Oslo", "DTSTART;TZID=Europe/Oslo:",
                   "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=FR", "DTSTAMP:", "UID:",
                   "DURATION:PT6H", "DTEND;TZID=Europe/Oslo:20260104T060000",
                   "METHOD:PUBLISH", "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3"):
        assert needed in ics, needed
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))
    with open(t.path("export.ics"), "wb") as f:
        f.write(raw)

    def imported(text):
        text = re.sub(r"  windows = \(.*?\n  \);\n", "", text, flags=re.S)
        text = re.sub(r"  announcements = \(.*?\n  \);\n", "", text, flags=re.S)
        # the export's own stamps are what slamon knew: trust them
        return text.replace("ics = [];",
                            'ics = ({ file = "export.ics"; trust_created = true; });')
    os.makedirs(t.path("b"), exist_ok=True)
    conf_b = t.write("b.conf", imported(open(conf).read()))
    a = calendar_json(t, conf, "2026-01-01", "2028-01-01")
    b = calendar_json(t, conf_b, "2026-01-01", "2028-01-01")
    key = ("name", "start", "end", "announced", "announced_at", "short_notice", "applies_to")
    assert [[o[k] for k in key] for o in a] == [[o[k] for k in key] for o in b]
    assert {o["source"] for o in b} == {"ics", "announcement"}
    check = t.slamon("check", conf=conf_b, check=0)
    assert "(6 windows)" in check.stdout, check.stdout


def next_saturday_slot(days_ahead):
    d = datetime.datetime.now(OSLO).date() + datetime.timedelta(days=days_ahead)
    # Not 28 November 2026, which the shipped configuration announces already.
    while d.weekday() != 5 or d == datetime.date(2026, 11, 28):
        d += datetime.timedelta(days=1)
    start = datetime.datetime(d.year, d.month, d.day, 20, 0, tzinfo=OSLO)
    end = datetime.datetime(d.year, d.month, d.day, 23, 0, tzinfo=OSLO)
    return start, end


def test_announce(t):
    conf = shipped(t)
    start, end = next_saturday_slot(3)
    p = t.slamon("announce", "--window", "infrastructure", "--start", z(start),
                 "--end", z(end), "--note", "router swap", conf=conf, check=0)
    assert "enough" in p.stdout, p.stdout
    journal = [json.loads(x) for x in open(t.path("var/slamon/journal.jsonl"))]
    seen = sorted(r["window"] for r in journal if r["event"] == "rule_seen")
    assert seen == ["app-upgrade", "app-upgrade-canary", "infrastructure",
                    "nightly-restart", "security-updates", "system"], seen
    ann = [r for r in journal if r["event"] == "announcement"]
    assert len(ann) == 1 and ann[0]["window"] == "infrastructure"
    assert ann[0]["start"] == z(start) and ann[0]["note"] == "router swap"

    # Short notice: an emergency in an hour.
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    es, ee = now + datetime.timedelta(hours=1), now + datetime.timedelta(hours=2)
    p = t.slamon("announce", "--window", "emergency", "--start", z(es), "--end", z(ee),
                 conf=conf, check=0)
    assert "SHORT NOTICE" in p.stdout, p.stdout
    journal = [json.loads(x) for x in open(t.path("var/slamon/journal.jsonl"))]
    assert sum(r["event"] == "rule_seen" for r in journal) == 6  # recorded once

    occ = calendar_json(t, conf, z(now - datetime.timedelta(days=1)),
                        z(now + datetime.timedelta(days=14)))
    infra = [o for o in occ if o["name"] == "infrastructure" and o["start"] == z(start)]
    assert len(infra) == 1 and infra[0]["announced"] and infra[0]["source"] == "announcement"
    assert infra[0]["end"] == z(end) and infra[0].get("note") == "router swap"
    em = [o for o in occ if o["name"] == "emergency"]
    assert len(em) == 1 and em[0]["short_notice"] and not em[0]["announced"]

    # A Wednesday is no slot of the Saturday window: refused, nothing recorded.
    wed = start - datetime.timedelta(days=3)
    p = t.slamon("announce", "--window", "infrastructure", "--start", z(wed),
                 "--end", z(wed + datetime.timedelta(hours=2)), conf=conf)
    assert p.returncode == 1 and "overlaps no slot" in p.stderr, p.stderr
    p = t.slamon("announce", "--window", "nosuch", "--start", z(wed),
                 "--end", z(wed + datetime.timedelta(hours=2)), conf=conf)
    assert p.returncode == 1 and "no window" in p.stderr
    assert len(open(t.path("var/slamon/journal.jsonl")).readlines()) == len(journal)


def test_check_calendar_errors(t):
    def wednesday(text):
        return text.replace('start = "2026-11-28 20:00"; end = "2026-11-29 06:00";',
                            'start = "2026-11-25 20:00"; end = "2026-11-26 06:00";')
    p = t.slamon("check", conf=shipped(t, wednesday))
    assert p.returncode == 1 and "overlaps no slot" in p.stderr, p.stderr
    t.write("broken.ics", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n"
            "BEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20260101T000000Z\r\n"
            "DTSTART:20260101T100000Z\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    p = t.slamon("check", conf=shipped(t, lambda s: s.replace("ics = [];",
                                                                'ics = ["broken.ics"];')))
    # a broken event is skipped with a warning; the file and the rest count
    assert p.returncode == 0, p.stderr
    assert 'warning: broken.ics:7: UID "a" (SUMMARY "x"): ' in p.stderr, p.stderr
    assert "1 warning:" in p.stdout, p.stdout
    p = t.slamon("check", conf=shipped(t, lambda s: s.replace(
        'rrule = "FREQ=DAILY"; first = "2026-01-01 02:00";',
        'rrule = "FREQ=DAILY;COUNT=2"; first = "2026-01-01 02:00";')))
    assert p.returncode == 1 and "nightly-restart" in p.stderr and "no occurrence" in p.stderr
