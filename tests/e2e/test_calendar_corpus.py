"""Calendars as Outlook/Exchange, Google, Apple, Thunderbird and Evolution
export them (tests/data/ics/, written in each program's shape): the
occurrences `slamon calendar --json` reads for 2026 are checked against an
independent expansion in Python (icalendar's content-line parser, dateutil's
RRULE, zoneinfo's zones), plus a few values worked out by hand for the DST
nights. The Windows and custom TZIDs are mapped here by hand, from the
VTIMEZONEs the files carry."""
import datetime
import json
import os
import re
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from icalendar.parser import Contentlines

from lib import ROOT

DATA = os.path.join(ROOT, "tests", "data", "ics")
UTC = datetime.timezone.utc
LOCAL = ZoneInfo("Europe/Oslo")  # the configured zone
BY_HAND = {
    "W. Europe Standard Time": "Europe/Berlin",
    "Customized Time Zone": "America/New_York",  # its VTIMEZONE: US Eastern rules
    "Pacific Standard Time": "America/Los_Angeles",
    "/freeassociation.sourceforge.net/Tzfile/Europe/Oslo": "Europe/Oslo",
}
Y0 = datetime.datetime(2026, 1, 1, tzinfo=LOCAL)
Y1 = datetime.datetime(2027, 1, 1, tzinfo=LOCAL)


def components(text):
    """VEVENTs as lists of (name, params, value), nested components skipped."""
    events, stack, cur = [], [], None
    for line in Contentlines.from_ical(text):
        if not line:
            continue
        name, params, value = line.parts()
        name = name.upper()
        if name == "BEGIN":
            stack.append(value.upper())
            if value.upper() == "VEVENT" and len(stack) == 2:
                cur = []
        elif name == "END":
            if stack.pop() == "VEVENT" and cur is not None and len(stack) == 1:
                events.append(cur)
                cur = None
        elif cur is not None and stack[-1] == "VEVENT":
            cur.append((name, params, value))
    return events


def zone(tzid):
    return ZoneInfo(BY_HAND.get(tzid, tzid)) if tzid else LOCAL


def parse_value(value, tzid):
    """An aware datetime (a DATE is midnight in the configured zone) and is_date."""
    if "T" not in value:
        d = datetime.datetime.strptime(value, "%Y%m%d")
        return d.replace(tzinfo=LOCAL), True
    if value.endswith("Z"):
        return datetime.datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC), False
    d = datetime.datetime.strptime(value, "%Y%m%dT%H%M%S")
    return d.replace(tzinfo=zone(tzid)), False  # fold=0: RFC 5545 3.3.5 for gap and overlap


def duration(text):
    """RFC 5545 3.3.6: (nominal days, exact seconds); PT24H is not P1D."""
    m = re.fullmatch(r"([+-]?)P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?",
                     text)
    w, d, h, mi, sec = (int(x or 0) for x in m.groups()[1:])
    return datetime.timedelta(days=7 * w + d), datetime.timedelta(hours=h, minutes=mi, seconds=sec)


def wall_add(start, delta):
    """Wall-clock arithmetic in start's zone, then the instant (fold=0)."""
    naive = start.replace(tzinfo=None) + delta
    return naive.replace(tzinfo=start.tzinfo).astimezone(UTC)


def expand(ev, y1=Y1):
    props = {}
    for name, params, value in ev:
        props.setdefault(name, []).append((params, value))

    def one(name):
        return props[name][0] if name in props else (None, None)

    status = one("STATUS")[1]
    params, value = one("DTSTART")
    if value is None:
        return None  # no DTSTART: no event
    try:
        start, is_date = parse_value(value, params.get("TZID"))
    except Exception:
        return None  # a zone nobody defines
    if "DTEND" in props:
        p, v = one("DTEND")
        end, _ = parse_value(v, p.get("TZID"))
        wall = end.astimezone(start.tzinfo).replace(tzinfo=None) - start.replace(tzinfo=None)
        if wall <= datetime.timedelta(0):
            return None  # ends before it starts, or lasts nothing
        length = (wall, datetime.timedelta(0))
    elif "DURATION" in props:
        length = duration(one("DURATION")[1])
    elif is_date:
        length = (datetime.timedelta(days=1), datetime.timedelta(0))
    else:
        return None  # a DATE-TIME without end lasts zero seconds

    def end_of(s):
        e = wall_add(s, length[0]) + length[1]
        if e <= s.astimezone(UTC):
            # a start in the spring gap whose wall end is before it: the
            # same length in elapsed time (slamon's documented choice)
            e = s.astimezone(UTC) + length[0] + length[1]
        return e

    starts = []
    if "RRULE" in props:
        rule = rrulestr("RRULE:" + one("RRULE")[1], dtstart=start)
        for s in rule:
            if s >= y1:
                break
            starts.append((s, None))
    else:
        starts.append((start, None))
    for p, v in props.get("RDATE", []):
        if p.get("VALUE") == "PERIOD":
            a, b = v.split("/")
            s, _ = parse_value(a, p.get("TZID"))
            if b.startswith("P"):
                e = s + sum(duration(b), datetime.timedelta(0))
            else:
                e, _ = parse_value(b, p.get("TZID"))
            starts.append((s, e.astimezone(UTC)))
        else:
            for x in v.split(","):
                s, _ = parse_value(x, p.get("TZID"))
                starts.append((s, None))
    ex = set()
    for p, v in props.get("EXDATE", []):
        for x in v.split(","):
            ex.add(parse_value(x, p.get("TZID"))[0].astimezone(UTC))
    occ = {}
    for s, e in starts:
        su = s.astimezone(UTC)
        if su in ex:
            continue
        occ[su] = e or end_of(s)
    rid = one("RECURRENCE-ID")
    return {
        "uid": one("UID")[1], "summary": one("SUMMARY")[1], "cancelled": status == "CANCELLED",
        "rid": parse_value(rid[1], rid[0].get("TZID"))[0].astimezone(UTC) if rid[1] else None,
        "occ": occ,
    }


def python_view(path, y0=Y0, y1=Y1):
    text = open(path, encoding="utf-8").read()
    events = [x for x in (expand(e, y1) for e in components(text)) if x is not None]
    masters = {e["uid"]: e for e in events if e["rid"] is None}
    out = []
    for e in events:
        if e["rid"] is not None:
            m = masters.get(e["uid"])
            if m:
                m["occ"].pop(e["rid"], None)
    for e in events:
        if e["cancelled"]:
            continue
        for s, end in e["occ"].items():
            if s < y1 and end > y0:
                out.append((e["summary"], s.strftime("%Y-%m-%dT%H:%M:%SZ"),
                            end.strftime("%Y-%m-%dT%H:%M:%SZ")))
    return sorted(out)


def slamon_view(t, name, frm="2026-01-01", to="2027-01-01"):
    conf = t.write(f"{name}.conf", f"""
slamon: {{ state_dir = "state-{name}"; timezone = "Europe/Oslo"; listen = ""; }};
targets = ({{ name = "x"; type = "tcp"; host = "127.0.0.1"; port = 9; }});
maintenance: {{ windows = (); ics = ["{os.path.join(DATA, name)}"]; }};
""")
    p = t.slamon("calendar", "--from", frm, "--to", to, "--json", conf=conf, check=0)
    occ = json.loads(p.stdout)
    for o in occ:
        assert o["source"] == "ics", o
    return sorted((o["name"], o["start"], o["end"]) for o in occ), p.stderr


def compare(t, name, expect_count):
    mine, err = slamon_view(t, name)
    theirs = python_view(os.path.join(DATA, name))
    assert mine == theirs, (name, sorted(set(mine) ^ set(theirs))[:10])
    assert len(mine) == expect_count, (name, len(mine))
    return {(n, s): e for n, s, e in mine}, err


def test_outlook_exchange(t):
    occ, err = compare(t, "outlook.ics", 52 - 2 + 12 + 20)
    assert err == "", err
    # W. Europe Standard Time from its VTIMEZONE: 22:00 CET, then CEST.
    assert occ[("Database patching", "2026-01-06T21:00:00Z")] == "2026-01-06T22:30:00Z"
    assert occ[("Database patching", "2026-03-31T20:00:00Z")] == "2026-03-31T21:30:00Z"
    assert ("Database patching", "2026-04-14T20:00:00Z") not in occ  # EXDATE list
    # The custom TZID has US rules: 23:00 EST (04:00Z), 23:00 EDT (03:00Z).
    assert ("Storage firmware (Virginia)", "2026-01-04T04:00:00Z") in occ
    assert ("Storage firmware (Virginia)", "2026-04-05T03:00:00Z") in occ
    # A stub VTIMEZONE: the Windows name through CLDR, America/Los_Angeles.
    assert ("CDN config push (California)", "2026-02-05T02:00:00Z") in occ
    assert ("CDN config push (California)", "2026-03-12T01:00:00Z") in occ


def test_google(t):
    occ, err = compare(t, "google.ics", 51 + 10 + 1)
    assert err == "", err  # DESCRIPTION: and LOCATION: are no reason to complain
    # The override moved 2 March one hour later.
    assert ("Kubernetes node rotation", "2026-03-03T02:00:00Z") not in occ
    assert occ[("Kubernetes node rotation", "2026-03-03T03:00:00Z")] == "2026-03-03T05:59:00Z"
    # Chicago's DST starts 8 March, Oslo's 29 March: 20:00 CDT is 01:00Z.
    assert ("Kubernetes node rotation", "2026-03-10T01:00:00Z") in occ
    assert occ[("Change freeze (all day)", "2026-07-03T22:00:00Z")] == "2026-07-04T22:00:00Z"


def test_apple(t):
    occ, _ = compare(t, "apple.ics", 6 + 12 + 9)
    assert occ[("Network core upgrade", "2026-05-21T19:00:00Z")] == "2026-05-22T01:00:00Z"
    assert occ[("Network core upgrade", "2026-06-18T19:00:00Z")] == "2026-06-18T22:00:00Z"
    # BYSETPOS=-1: the last weekday of May 2026 is Friday 29 May.
    assert ("Month-end batch window", "2026-05-29T14:00:00Z") in occ


def test_thunderbird(t):
    occ, _ = compare(t, "thunderbird.ics", 52 - 2 - 1)
    assert ("Saturday infrastructure window", "2026-03-14T19:00:00Z") not in occ  # cancelled
    assert occ[("Saturday infrastructure window", "2026-03-21T21:00:00Z")] == "2026-03-22T03:00:00Z"
    # The spring night: 20:00 to 06:00 local is 9 hours.
    assert occ[("Saturday infrastructure window", "2026-03-28T19:00:00Z")] == "2026-03-29T04:00:00Z"


def test_evolution(t):
    occ, err = compare(t, "evolution.ics", 231)
    assert "X-LIC-ERROR" not in err and err == "", err
    # 02:30 in the spring gap takes the offset before it; the autumn one is the first.
    assert ("Nightly database vacuum", "2026-03-29T01:30:00Z") in occ
    assert ("Nightly database vacuum", "2026-10-25T00:30:00Z") in occ


def test_all_day_and_durations_across_dst(t):
    occ, _ = compare(t, "allday-dst.ics", 3 - 1 + 2 + 1 + 2 + 1 + 1)
    assert ("Sunday freeze", "2026-04-04T22:00:00Z") not in occ  # EXDATE;VALUE=DATE
    assert occ[("Sunday freeze", "2026-05-09T22:00:00Z")] == "2026-05-10T22:00:00Z"  # RDATE
    # an all-day Sunday is 23 hours on the spring night
    assert occ[("Sunday freeze", "2026-03-28T23:00:00Z")] == "2026-03-29T22:00:00Z"
    # a two-day event over the autumn night is 49 hours
    assert occ[("Autumn weekend freeze", "2026-10-23T22:00:00Z")] == "2026-10-25T23:00:00Z"
    # P1D is a nominal day (23 h), PT24H exact
    assert occ[("Day-long migration", "2026-03-28T11:00:00Z")] == "2026-03-29T10:00:00Z"
    assert occ[("Exact day", "2026-03-28T11:00:00Z")] == "2026-03-29T11:00:00Z"
    # P1DT2H: 25 wall hours on the autumn night, then 2 exact
    assert occ[("Autumn migration", "2026-10-24T10:00:00Z")] == "2026-10-25T13:00:00Z"


def test_us_zones_in_oslo(t):
    occ, _ = compare(t, "us-zones.ics", 52 + 24 + 26 + 1)
    assert ("New York release", "2026-03-09T13:00:00Z") in occ   # EDT already
    assert ("New York release", "2026-11-02T14:00:00Z") in occ   # EST again
    assert ("Phoenix patching", "2026-07-08T06:00:00Z") in occ  # no DST in Arizona
    # 01:30 on the night LA falls back: the first (PDT) one, two hours long
    assert occ[("LA ambiguous hour", "2026-11-01T08:30:00Z")] == "2026-11-01T10:30:00Z"


def test_broken_events_are_skipped_with_lines(t):
    occ, err = compare(t, "broken.ics", 1)
    for line, uid, why in ((4, "no-start", "no usable DTSTART"),
                           (14, "backwards", "DTEND is before DTSTART"),
                           (20, "nozone", 'unknown time zone "Mars/Olympus_Mons"'),
                           (27, "instant", "zero seconds")):
        assert f'broken.ics:{line}: UID "{uid}@slamon.test"' in err and why in err, (line, err)
    conf = t.path("broken.ics.conf")
    p = t.slamon("check", conf=conf, check=0)
    assert p.stderr.count("warning: ") == 4 and "4 warnings:" in p.stdout, p.stderr


def test_rfc5545_rule_shapes(t):
    """The recurrence rules of RFC 5545 section 3.8.5.3 (written out in
    rfc5545-rules.ics, DTSTART in America/New_York as there), 1996-2008."""
    y0 = datetime.datetime(1996, 1, 1, tzinfo=LOCAL)
    y1 = datetime.datetime(2008, 1, 1, tzinfo=LOCAL)
    mine, err = slamon_view(t, "rfc5545-rules.ics", "1996-01-01", "2008-01-01")
    theirs = python_view(os.path.join(DATA, "rfc5545-rules.ics"), y0, y1)
    assert err == "", err
    assert mine == theirs, sorted(set(mine) ^ set(theirs))[:10]
    occ = {(n, s) for n, s, e in mine}
    # a few as the RFC lists them (09:00 EDT is 13:00Z, EST 14:00Z)
    assert ("Friday the 13th", "1998-02-13T14:00:00Z") in occ
    assert ("Friday the 13th", "1997-09-02T13:00:00Z") not in occ
    assert ("US election day", "2004-11-02T14:00:00Z") in occ
    assert ("Third of TU WE TH, 3 times", "1997-10-07T13:00:00Z") in occ
    assert sum(n == "TU and SU every other week, WKST=SU" for n, s in occ) == 4
    assert ("TU and SU every other week, WKST=SU", "1997-08-17T13:00:00Z") in occ
    assert ("TU and SU every other week, WKST=MO", "1997-08-10T13:00:00Z") in occ
