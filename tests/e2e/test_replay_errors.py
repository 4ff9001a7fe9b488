"""Malformed replay input: exit 1, one line FILE:LINE: field: message, and
nothing written, neither in a fresh state directory nor in one that already
holds a replay (its journal and RRD files stay byte for byte)."""
import hashlib
import os

CONF = """\
slamon: { state_dir = "state"; timezone = "Europe/Oslo"; listen = ""; };
defaults: { interval = 60; fail_threshold = 2; };
targets = (
  { name = "web"; type = "http"; url = "http://127.0.0.1:9/"; },
  { name = "api"; type = "tcp"; host = "127.0.0.1"; port = 9; }
);
maintenance: { windows = (); };
"""

HEAD = "time,target,ok,latency_ms,detail\n"
GOOD = ("2026-03-02 10:00:00,web,1,12.5,\n"
        "2026-03-02 10:01:00,web,1,12.5,ok\n"
        "2026-03-02 10:01:00,api,0,,\"refused, twice\"\n")

# (name, text, line, field, words in the message)
CASES = [
    ("bad-time", HEAD + GOOD + "2026-03-02 25:00:00,web,1,1,\n", 5, "time", None),
    ("bad-time-word", HEAD + "yesterday,web,1,1,\n" + GOOD, 2, "time", None),
    # epoch seconds beyond year 9999 (found by tests/fuzz/fuzz_tzparse.c)
    ("epoch-huge", HEAD + GOOD + "1775199660177519966,web,1,1,\n", 5, "time", None),
    ("unknown-target", HEAD + GOOD + "2026-03-02 10:03:00,mail,1,1,\n", 5, "target",
     "not a configured target"),
    ("ok-2", HEAD + GOOD + "2026-03-02 10:03:00,web,2,1,\n", 5, "ok", "1 or 0"),
    ("ok-word", HEAD + "2026-03-02 10:03:00,web,true,1,\n", 2, "ok", "1 or 0"),
    ("latency-word", HEAD + GOOD + "2026-03-02 10:03:00,web,1,fast,\n", 5, "latency_ms", None),
    ("latency-negative", HEAD + GOOD + "2026-03-02 10:03:00,web,1,-3,\n", 5, "latency_ms", None),
    ("too-few", HEAD + GOOD + "2026-03-02 10:03:00,web,1\n", 5, "(row)", "fields"),
    ("too-many", HEAD + GOOD + "2026-03-02 10:03:00,web,1,1,x,y\n", 5, "(row)", "fields"),
    ("quotes", HEAD + GOOD + "2026-03-02 10:03:00,web,1,1,\"open\n", 5, "(row)", "quote"),
    ("unsorted", HEAD + GOOD + "2026-03-02 10:00:30,web,1,1,\n", 5, "time", "sorted"),
    ("no-header", GOOD, 1, "(header)", None),
    ("wrong-header", "time,target,ok,latency,detail\n" + GOOD, 1, "(header)", None),
    ("empty", HEAD, None, "(file)", "no rows"),
]


def snapshot(d):
    out = {}
    for root, _, files in os.walk(d):
        for f in files:
            p = os.path.join(root, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, d)] = hashlib.sha256(fh.read()).hexdigest()
    return out


def check_case(t, conf, name, text, line, field, words):
    path = t.write(f"{name}.csv", text)
    p = t.slamon("replay", path, conf=conf, check=1)
    lines = [x for x in p.stderr.splitlines() if x.strip()]
    assert len(lines) == 1, f"{name}: {p.stderr!r}"
    prefix = f"{path}:{line}: {field}: " if line else f"{path}:"
    assert lines[0].startswith(prefix), f"{name}: {lines[0]!r}, wanted {prefix!r}"
    if line is None:
        assert f": {field}: " in lines[0], lines[0]
    if words:
        assert words in lines[0], f"{name}: {lines[0]!r}"
    assert p.stdout == "", p.stdout


def test_replay_malformed_fresh_state(t):
    conf = t.write("slamon.conf", CONF)
    for case in CASES:
        check_case(t, conf, *case)
        # nothing at all: no state directory, no rrd file, no journal
        assert not os.path.exists(t.path("state")), (case[0], snapshot(t.path("state")))


def test_replay_malformed_existing_state(t):
    conf = t.write("slamon.conf", CONF)
    good = t.write("good.csv", HEAD + GOOD)
    p = t.slamon("replay", good, conf=conf, check=0)
    assert "replayed 3 rows" in p.stdout
    before = snapshot(t.path("state"))
    assert set(before) == {"journal.jsonl", "rrd/web.rrd", "rrd/api.rrd", "slamon.lock"}, before
    for case in CASES:
        check_case(t, conf, *case)
        assert snapshot(t.path("state")) == before, case[0]
    # and a good file still goes on from where the state is
    more = t.write("more.csv", HEAD + "2026-03-02 10:02:00,web,1,1,\n2026-03-02 10:02:00,api,1,1,\n")
    t.slamon("replay", more, conf=conf, check=0)
    assert snapshot(t.path("state")) != before
