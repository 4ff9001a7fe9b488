"""Several locations through `slamon replay` (design.md 9, issue 14): the
CSV's location column runs each location's results through its own state
machine and the target through the per-second quorum rule, then through the
same pipeline as one location (journal, RRD, alerts, report). Every figure
is checked to the second against the simulated clock; nothing looks at the
real date. Also the cluster{} group's validation and `check`'s summary."""
import calendar
import json
import os
import subprocess

from lib import read_jsonl

# Tuesday 2026-03-10 09:00 UTC
T0 = calendar.timegm((2026, 3, 10, 9, 0, 0))
MIN = 60
# March 2026 in Europe/Oslo: 31 days less the hour of the DST night
MONTH = 31 * 86400 - 3600
LOCS = ("osl", "fra", "ams")
# each location probes at its own second of the minute
OFF = {"osl": 0, "fra": 17, "ams": 41}


def iso(t):
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % tuple(__import__("time").gmtime(t))[:6]


def conf(t, cluster='locations = ["osl", "fra", "ams"]; quorum = 2;', extra=""):
    return t.write("slamon.conf", f"""\
slamon: {{ state_dir = "state"; timezone = "Europe/Oslo"; listen = ""; }};
defaults: {{ interval = 60; timeout = 5; fail_threshold = 2; }};
targets = (
  {{ name = "web"; component = "App"; type = "tcp"; host = "127.0.0.1"; port = 1; }}
);
maintenance: {{ windows = (); }};
cluster: {{ {cluster} }};
{extra}""")


def csv(t, down=None, silent=None, start=T0, end=None, name="replay.csv"):
    """down/silent: {location: (from, to)}: that location's probes in
    [from, to) fail / are missing."""
    down, silent = down or {}, silent or {}
    end = end or start + 120 * MIN
    rows = ["time,target,ok,latency_ms,detail,location"]
    for m in range(start, end, MIN):
        for loc in LOCS:
            ts = m + OFF[loc]
            a, b = silent.get(loc, (0, 0))
            if a <= ts < b:
                continue
            a, b = down.get(loc, (0, 0))
            bad = a <= ts < b
            rows.append(f"{ts},web,{0 if bad else 1},{'' if bad else '12'},"
                        f"{'connection refused' if bad else 'ok'},{loc}")
    rows.sort(key=lambda r: (0, "") if r.startswith("time") else (int(r.split(",")[0]), r))
    return t.write(name, "\n".join(rows) + "\n")


def events(j, kind):
    return [r for r in j if r["event"] == kind]


def report(t, c):
    p = t.slamon("report", "--month", "2026-03", "--json", conf=c, check=0)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)["targets"][0]


def test_one_location_failing_alone_is_no_outage(t):
    c = conf(t)
    p = t.slamon("replay", csv(t, down={"fra": (T0 + 10 * MIN, T0 + 60 * MIN)}),
                 conf=c, check=0)
    assert p.returncode == 0, p.stderr
    j = read_jsonl(t.path("state", "journal.jsonl"))
    assert events(j, "outage_start") == [] and events(j, "alert") == []
    r = report(t, c)
    assert r["down_s"] == 0, r
    # before fra's first probe (:17) only osl is known: two unknown
    # locations reach the quorum, so [09:00:00, 09:00:17) is unknown; at the
    # end every location's last probe holds one interval: osl's to 11:00:00,
    # fra's to 11:00:17, ams's to 11:00:41, so [11:00:00, 11:00:17) is still
    # up (one unknown) and [11:00:17, 11:00:41) unknown
    assert r["up_s"] == 120 * MIN - 17 + 17, r
    assert r["unknown_s"] == MONTH - (120 * MIN + 41) + 17 + 24, r


def test_two_locations_make_an_outage_backdated_and_alerted_once(t):
    c = conf(t)
    fra_fail = T0 + 10 * MIN + OFF["fra"]
    osl_fail = T0 + 11 * MIN + OFF["osl"]
    # osl and fra down for 50 minutes; ams sees nothing wrong
    data = csv(t, down={"fra": (T0 + 10 * MIN, T0 + 60 * MIN),
                        "osl": (T0 + 11 * MIN, T0 + 62 * MIN)})
    p = t.slamon("replay", data, conf=c, check=0)
    assert p.returncode == 0, p.stderr
    assert "1 alerts, 1 recoveries" in p.stdout, p.stdout
    j = read_jsonl(t.path("state", "journal.jsonl"))
    (s,) = events(j, "outage_start")
    # the quorum's first down second: the later of the two first failures
    assert s["start"] == iso(osl_fail), (s, iso(fra_fail))
    (e,) = events(j, "outage_end")
    # fra's first success after its run ends the quorum (osl still down)
    up_again = T0 + 60 * MIN + OFF["fra"]
    assert e["start"] == iso(osl_fail) and e["end"] == iso(up_again), e
    assert e["down_s"] == up_again - osl_fail and e["unplanned_s"] == e["down_s"]
    (a,) = events(j, "alert")
    assert a["outage_start"] == iso(osl_fail) and a["unplanned_s"] == 1800, a
    assert a["time"] == iso(osl_fail + 1800), a
    r = report(t, c)
    assert r["down_s"] == up_again - osl_fail, r
    (inc,) = r["incidents"]
    assert inc["alerted"] is True and inc["down_s"] == up_again - osl_fail
    # which locations saw it: at its start and over its whole length
    assert s["locations"] == ["osl", "fra"], s
    assert e["locations"] == ["osl", "fra"], e
    assert inc["locations"] == ["osl", "fra"], inc
    p = t.slamon("report", "--month", "2026-03", conf=c, check=0)
    assert "seen from: osl,fra" in p.stdout, p.stdout
    # each location's own seconds, in its own RRD file beside the target's
    for loc, (a, b) in {"fra": (fra_fail, up_again),
                        "osl": (osl_fail, T0 + 62 * MIN + OFF["osl"]),
                        "ams": (0, 0)}.items():
        f = t.path("state", "rrd", f"web@{loc}.rrd")
        assert os.path.exists(f), os.listdir(t.path("state", "rrd"))
        x = subprocess.run(["rrdtool", "fetch", f, "AVERAGE", "-s", str(T0 - 60),
                            "-e", str(T0 + 125 * MIN), "-r", "60"],
                           capture_output=True, text=True, check=True).stdout
        down = 0
        for line in x.splitlines()[2:]:
            ts, vals = line.split(":")
            v = vals.split()
            if v[1] != "-nan":
                down += float(v[1])
        assert round(down) == b - a, (loc, down, b - a)


def test_slow_confirmation_is_waited_for(t):
    """fail_threshold 5 at one probe a minute: a location confirms its
    outage four minutes after its first failure. The quorum waits for it
    instead of deciding those seconds as unknown."""
    c = t.write("slow.conf", open(conf(t)).read().replace("fail_threshold = 2;",
                                                           "fail_threshold = 5;"))
    fra_fail = T0 + 10 * MIN + OFF["fra"]
    osl_fail = T0 + 11 * MIN + OFF["osl"]
    data = csv(t, down={"fra": (T0 + 10 * MIN, T0 + 60 * MIN),
                        "osl": (T0 + 11 * MIN, T0 + 62 * MIN)})
    p = t.slamon("replay", data, conf=c, check=0)
    assert p.returncode == 0, p.stderr
    j = read_jsonl(t.path("state", "journal.jsonl"))
    (s,) = events(j, "outage_start")
    assert s["start"] == iso(osl_fail), (s, iso(fra_fail))
    r = report(t, c)
    assert r["down_s"] == T0 + 60 * MIN + OFF["fra"] - osl_fail, r


def test_silent_location_is_unknown_never_down(t):
    c = conf(t)
    # ams stopped for 10 minutes while osl fails: one down, one unknown
    data = csv(t, down={"osl": (T0 + 20 * MIN, T0 + 40 * MIN)},
               silent={"ams": (T0 + 25 * MIN, T0 + 35 * MIN)})
    p = t.slamon("replay", data, conf=c, check=0)
    assert p.returncode == 0, p.stderr
    j = read_jsonl(t.path("state", "journal.jsonl"))
    assert events(j, "outage_start") == [], j
    r = report(t, c)
    assert r["down_s"] == 0, r
    # ams's last probe before its silence (09:24:41) holds one interval; it
    # is unknown until it is back at 09:35:41, and osl is down all that
    # time: [09:25:41, 09:35:41) is unknown, not up and not down
    assert r["unknown_s"] == MONTH - (120 * MIN + 41) + 17 + 24 + 10 * MIN, r
    assert r["up_s"] == 120 * MIN + 41 - (17 + 24 + 10 * MIN), r


def test_kill_and_restart_same_outage_no_second_alert(t):
    """A replay cut in two (the aggregator stopped mid-outage and started
    again) keeps the outage and sends no second alert."""
    c = conf(t)
    down = {"fra": (T0 + 10 * MIN, T0 + 100 * MIN), "osl": (T0 + 10 * MIN, T0 + 100 * MIN)}
    first = csv(t, down=down, end=T0 + 50 * MIN, name="a.csv")
    second = csv(t, down=down, start=T0 + 52 * MIN, end=T0 + 120 * MIN, name="b.csv")
    assert t.slamon("replay", first, conf=c, check=0).returncode == 0
    p = t.slamon("replay", second, conf=c, check=0)
    assert p.returncode == 0, p.stderr
    # each location's own file goes on where it stopped, as the target's
    assert "gap" not in p.stderr and "not stored" not in p.stderr, p.stderr
    j = read_jsonl(t.path("state", "journal.jsonl"))
    assert len(events(j, "outage_start")) == 1, j
    assert len(events(j, "alert")) == 1, j
    (e,) = events(j, "outage_end")
    # begun when fra (:17) joined osl (:00); ended at osl's first success
    assert e["start"] == iso(T0 + 10 * MIN + 17) and e["end"] == iso(T0 + 100 * MIN), e
    # the time nobody saw (the replays' gap) is unknown, not down
    assert e["down_s"] + e["unknown_s"] == 90 * MIN - 17 and e["unknown_s"] > 0, e


def bad(t, c, text, line_prefix, words):
    path = t.write("bad.csv", text)
    p = t.slamon("replay", path, conf=c, check=1)
    lines = [x for x in p.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"slamon: {path}:{line_prefix}") or \
        lines[0].startswith(f"{path}:{line_prefix}"), lines
    assert words in lines[0], lines


def test_location_column_errors(t):
    c = conf(t)
    head = "time,target,ok,latency_ms,detail,location\n"
    bad(t, c, head + f"{T0},web,1,1,,osl\n{T0 + 1},web,1,1,,lhr\n", "3: location: ",
        "not one of cluster.locations")
    bad(t, c, "time,target,ok,latency_ms,detail\n" + f"{T0},web,1,1,\n", "1: (header): ",
        "location column")
    bad(t, c, head + f"{T0 + 60},web,1,1,,osl\n{T0},web,1,1,,osl\n", "3: time: ",
        "sorted")
    # sorted per location: another location may be earlier in file order
    path = t.write("ok.csv", head + f"{T0 + 60},web,1,1,,osl\n{T0},web,1,1,,fra\n")
    assert t.slamon("replay", path, conf=c, check=0).returncode == 0
    plain = t.write("plain.conf", """\
slamon: { state_dir = "state2"; listen = ""; };
targets = ( { name = "web"; type = "tcp"; host = "127.0.0.1"; port = 1; } );
maintenance: { windows = (); };
""")
    bad(t, plain, head + f"{T0},web,1,1,,osl\n", "1: location: ", "no cluster group")


def test_cluster_group_validation_and_check(t):
    cases = [
        ('locations = ["osl", "fra"]; quorum = 3;', "quorum"),
        ('locations = ["osl", "fra"]; quorum = 0;', "quorum"),
        ('locations = ["osl", "OSL!"];', "locations"),
        ('locations = ["osl", "osl"];', "locations"),
        ('locations = ["osl", "fra"]; location = "ams";', "location"),
        ('locations = ["osl", "fra"]; location = "osl"; role = "leader";', "role"),
        ('locations = ["osl", "fra"]; role = "probe";', "location"),
        ('locations = ["osl"]; location = "osl"; nats = "http://127.0.0.1:4222";', "nats"),
        ('locations = ["osl"]; location = "osl"; colour = "red";', "colour"),
        ('location = "osl";', "locations"),
    ]
    for i, (body, field) in enumerate(cases):
        c = t.write(f"c{i}.conf", f"""\
slamon: {{ state_dir = "state"; listen = ""; }};
targets = ( {{ name = "web"; type = "tcp"; host = "127.0.0.1"; port = 1; }} );
maintenance: {{ windows = (); }};
cluster: {{
  {body}
}};
""")
        p = t.slamon("check", conf=c, check=1)
        assert f"{c}:5: cluster.{field}: " in p.stderr or f"{c}:4: cluster.{field}: " in p.stderr, \
            (body, p.stderr)
    c = conf(t, 'nats = "nats://127.0.0.1:4222,nats://127.0.0.1:4223"; location = "osl"; '
                'role = "both"; locations = ["osl", "fra", "ams"];')
    p = t.slamon("check", conf=c, check=0)
    assert p.returncode == 0, p.stderr
    assert "3 locations (osl, fra, ams), quorum 2; this node: osl, role both" in p.stdout, p.stdout
    assert "nats://127.0.0.1:4222,nats://127.0.0.1:4223" in p.stdout
    # run says plainly that several locations are not served by run yet
    p = t.slamon("run", "--dry-run", conf=c, check=1)
    assert "cluster" in p.stderr, p.stderr
