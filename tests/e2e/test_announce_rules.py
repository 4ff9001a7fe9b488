"""`slamon announce`: an occurrence that has ended, a span that is no
occurrence of its window or runs outside one are refused with a clear
message and nothing written; short notice is accepted with a plain warning;
every announcement has an id, and `--cancel ID` journals a cancellation
(nothing is deleted) that takes effect from the time it is made."""
import datetime
import json
import os
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")

CONF = """\
slamon: { state_dir = "state"; timezone = "Europe/Oslo"; listen = ""; };
targets = ( { name = "web"; type = "http"; url = "http://127.0.0.1:9/"; } );
maintenance: {
  min_notice = 86400;
  windows = (
    { name = "infra"; rrule = "FREQ=WEEKLY;BYDAY=SA"; first = "2026-01-03 20:00";
      duration = 36000; requires_announcement = true; },
    { name = "emergency"; requires_announcement = true; }
  );
};
"""


def z(d):
    return d.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def saturday(weeks):
    """The Saturday 20:00 slot `weeks` weeks from the next one at least 3 days ahead."""
    d = datetime.datetime.now(OSLO).date() + datetime.timedelta(days=3)
    while d.weekday() != 5:
        d += datetime.timedelta(days=1)
    d += datetime.timedelta(weeks=weeks)
    s = datetime.datetime(d.year, d.month, d.day, 20, 0, tzinfo=OSLO)
    return s, s + datetime.timedelta(hours=10)


def journal(t):
    p = t.path("state", "journal.jsonl")
    if not os.path.exists(p):
        return []
    return [json.loads(x) for x in open(p).read().splitlines() if x]


def announce(t, conf, *args, check):
    return t.slamon("announce", *args, conf=conf, check=check)


def calendar(t, conf, a, b):
    p = t.slamon("calendar", "--from", z(a), "--to", z(b), "--json", conf=conf, check=0)
    return json.loads(p.stdout)


def test_announce_refusals(t):
    conf = t.write("slamon.conf", CONF)
    s, e = saturday(0)
    # an occurrence that has ended: last week's
    ps, pe = s - datetime.timedelta(weeks=2), e - datetime.timedelta(weeks=2)
    p = announce(t, conf, "--window", "infra", "--start", z(ps), "--end", z(pe), check=1)
    assert "has already ended" in p.stderr and p.stdout == "", p.stderr
    # not an occurrence: a Wednesday
    w = s - datetime.timedelta(days=3)
    p = announce(t, conf, "--window", "infra", "--start", z(w),
                 "--end", z(w + datetime.timedelta(hours=2)), check=1)
    assert "overlaps no slot of window \"infra\"" in p.stderr, p.stderr
    # outside the occurrence: an hour before it starts
    p = announce(t, conf, "--window", "infra", "--start", z(s - datetime.timedelta(hours=1)),
                 "--end", z(e), check=1)
    assert "runs outside the occurrence of window \"infra\"" in p.stderr, p.stderr
    # and past its end
    p = announce(t, conf, "--window", "infra", "--start", z(s),
                 "--end", z(e + datetime.timedelta(minutes=30)), check=1)
    assert "runs outside the occurrence" in p.stderr, p.stderr
    # an emergency that is over
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    p = announce(t, conf, "--window", "emergency", "--start", z(now - datetime.timedelta(hours=3)),
                 "--end", z(now - datetime.timedelta(hours=1)), check=1)
    assert "has already ended" in p.stderr, p.stderr
    # nothing was written, not even the rules seen
    assert journal(t) == []


def test_announce_short_notice_and_cancel(t):
    conf = t.write("slamon.conf", CONF)
    s, e = saturday(0)
    # a part of the occurrence, with notice enough
    p = announce(t, conf, "--window", "infra", "--start", z(s),
                 "--end", z(s + datetime.timedelta(hours=3)), "--note", "router swap", check=0)
    assert "enough" in p.stdout and p.stderr == "", p.stdout + p.stderr
    ann = [r for r in journal(t) if r["event"] == "announcement"]
    assert len(ann) == 1 and len(ann[0]["id"]) == 16, ann
    sat_id = ann[0]["id"]
    assert f"(id {sat_id})" in p.stdout
    # short notice: an emergency in an hour, accepted, said plainly
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    p = announce(t, conf, "--window", "emergency", "--start", z(now + datetime.timedelta(hours=1)),
                 "--end", z(now + datetime.timedelta(hours=2)), check=0)
    assert "SHORT NOTICE" in p.stdout, p.stdout
    assert "warning: short notice" in p.stderr and \
        "counts against availability" in p.stderr, p.stderr
    # one under way (begun an hour ago): accepted as short notice too
    p = announce(t, conf, "--window", "emergency", "--start", z(now - datetime.timedelta(hours=1)),
                 "--end", z(now + datetime.timedelta(hours=3)), "--note", "disk", check=0)
    assert "SHORT NOTICE" in p.stdout
    ids = {r.get("note"): r["id"] for r in journal(t) if r["event"] == "announcement"}
    assert len(set(ids.values())) == 3, ids
    occ = calendar(t, conf, now - datetime.timedelta(days=1), e + datetime.timedelta(days=1))
    by_id = {o.get("id"): o for o in occ if o.get("id")}
    assert by_id[sat_id]["announced"] and not by_id[sat_id]["short_notice"]
    assert by_id[ids["disk"]]["short_notice"] and not by_id[ids["disk"]]["announced"]

    # cancelling the Saturday one before it starts: journaled, not deleted,
    # and the slot needs an announcement again
    p = t.slamon("announce", "--cancel", sat_id, conf=conf, check=0)
    assert f"cancelled {sat_id} infra" in p.stdout and "no longer maintenance" in p.stdout
    recs = journal(t)
    assert [r["id"] for r in recs if r["event"] == "announcement"].count(sat_id) == 1
    canc = [r for r in recs if r["event"] == "announcement_cancelled"]
    assert [(c["id"], c["window"], c["start"]) for c in canc] == [(sat_id, "infra", z(s))]
    occ = calendar(t, conf, now - datetime.timedelta(days=1), e + datetime.timedelta(days=1))
    sat = [o for o in occ if o["name"] == "infra" and o["start"] == z(s)]
    assert len(sat) == 1 and not sat[0]["announced"] and "id" not in sat[0], sat
    # cancelling the one under way ends it now
    p = t.slamon("announce", "--cancel", ids["disk"], conf=conf, check=0)
    assert "maintenance ends now" in p.stdout, p.stdout
    cut = [r for r in journal(t) if r["event"] == "announcement_cancelled"][-1]["time"]
    occ = calendar(t, conf, now - datetime.timedelta(days=1), e + datetime.timedelta(days=1))
    disk = [o for o in occ if o.get("id") == ids["disk"]]
    assert len(disk) == 1 and disk[0]["end"] == cut, (disk, cut)
    # again, unknown, or over: refused, nothing written
    n = len(journal(t))
    p = t.slamon("announce", "--cancel", sat_id, conf=conf, check=1)
    assert f"announcement {sat_id} was cancelled at" in p.stderr, p.stderr
    p = t.slamon("announce", "--cancel", "feedfacefeedface", conf=conf, check=1)
    assert "no announcement with id \"feedfacefeedface\"" in p.stderr, p.stderr
    with open(t.path("state", "journal.jsonl"), "a") as f:
        f.write('{"time":"2026-01-01T09:00:00Z","event":"announcement","id":"00000000000000aa",'
                '"window":"emergency","start":"2026-01-10T10:00:00Z","end":"2026-01-10T11:00:00Z"}\n')
    p = t.slamon("announce", "--cancel", "00000000000000aa", conf=conf, check=1)
    assert "ended at" in p.stderr and "cannot be cancelled" in p.stderr, p.stderr
    assert len(journal(t)) == n + 1
    # usage: --cancel takes nothing else
    p = t.slamon("announce", "--cancel", sat_id, "--window", "infra", conf=conf, check=1)
    assert "usage" in p.stderr.lower(), p.stderr
