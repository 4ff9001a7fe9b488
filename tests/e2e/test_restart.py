"""`kill -9` of `slamon run` in the middle of an outage whose alert went out,
then a restart: the outage goes on from its first start (one outage_start,
one alert record, one alert post), ends once (one outage_end with the
original start, one recovery), and the time the monitor was not running is
unknown in RRD.

The monitor runs under libfaketime with a constant offset, so that its wall
clock is at a chosen second of a minute when it starts and the restarted
one sees two more minutes pass than really did: whole steps of absence,
without waiting for them. targetd and the webhook receiver run on the real
clock; nothing here compares their times with the monitor's."""
import json
import os
import signal
import time
import urllib.request

import storelib as S
from lib import free_port, read_jsonl
from test_notify import Hook

CONF = """\
slamon: { state_dir = "state"; timezone = "Europe/Oslo"; listen = ""; };
defaults: { interval = 1; timeout = 1; fail_threshold = 2; alert_after = 3; };
targets = ( { name = "web"; type = "http"; url = "http://127.0.0.1:%(port)d/h"; } );
maintenance: { windows = (); };
alerts = ( { name = "hook"; type = "webhook"; url = "%(hook)s"; } );
"""


def offset_to_phase(phase):
    """A faketime offset that puts the wall clock at second `phase` of a minute now."""
    now = time.time()
    return int(round(phase - now % 60)) % 60


def set_route(port, spec):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_set?path=/h&spec={spec}", timeout=5) as r:
        assert r.status == 200


def journal(t, event=None):
    p = t.path("state", "journal.jsonl")
    if not os.path.exists(p):
        return []
    return [r for r in read_jsonl(p) if event is None or r["event"] == event]


def posts(hook, event):
    with hook.lock:
        return [json.loads(p["body"]) for p in hook.posts
                if json.loads(p["body"]).get("event") == event]


def epoch(z):
    import datetime
    return int(datetime.datetime.strptime(z, "%Y-%m-%dT%H:%M:%SZ")
               .replace(tzinfo=datetime.timezone.utc).timestamp())


def test_kill9_mid_outage_and_restart(t):
    port = free_port()
    t.spawn([os.path.join(t.tools, "targetd"), "--http", str(port), "--route", "/h=status:200"])
    t.wait_port(port)
    hook = Hook()
    try:
        conf = t.write("slamon.conf", CONF % {"port": port, "hook": hook.url})
        off = offset_to_phase(5)
        run1 = t.spawn([t.bin_faketime, "-v", "-c", conf, "run"], env=S.faketime_env(off))
        rrd = t.path("state", "rrd", "web.rrd")
        t.wait_for(lambda: len(journal(t, "monitor_start")) == 1, 20, "first start")
        t.wait_for(lambda: "result ok" in open(run1.errpath).read(), 20, "a good probe")
        set_route(port, "status:503")
        t.wait_for(lambda: journal(t, "alert") and posts(hook, "alert"), 20, "the alert")
        # its delivery record follows the receiver's answer: killed before
        # it, the alert is rightly sent again at the restart
        t.wait_for(lambda: [r for r in journal(t, "delivery") if r["delivered"]], 20,
                   "the delivery record")
        start = journal(t, "outage_start")[0]["start"]
        os.kill(run1.pid, signal.SIGKILL)
        run1.wait(timeout=10)
        assert journal(t, "outage_end") == [] and journal(t, "monitor_stop") == []
        stored = int(S.info(rrd)["last_update"])

        # two minutes later for the monitor, still down
        run2 = t.spawn([t.bin_faketime, "-v", "-c", conf, "run"], env=S.faketime_env(off + 120))
        t.wait_for(lambda: len(journal(t, "monitor_start")) == 2, 20, "second start")
        restarted = epoch(journal(t, "monitor_start")[1]["time"])
        assert restarted - stored >= 120, (restarted, stored)
        t.wait_for(lambda: ": result " in open(run2.errpath).read(), 20, "a probe after restart")
        set_route(port, "status:200")
        t.wait_for(lambda: journal(t, "recovery") and posts(hook, "recovery"), 20, "the recovery")
        n = open(run2.errpath).read().count(": result ok")
        t.wait_for(lambda: open(run2.errpath).read().count(": result ok") >= n + 2, 20,
                   "two more good probes")
        run2.send_signal(signal.SIGTERM)
        assert run2.wait(timeout=20) == 0
        log2 = open(run2.errpath).read()
    finally:
        hook.stop()

    # one outage, its first start kept; one alert, sent once; one end, one recovery
    assert [r["start"] for r in journal(t, "outage_start")] == [start], journal(t)
    assert [r["outage_start"] for r in journal(t, "alert")] == [start]
    assert [p["outage_start"] for p in posts(hook, "alert")] == [start]
    ends = journal(t, "outage_end")
    assert len(ends) == 1 and ends[0]["start"] == start, ends
    rec = journal(t, "recovery")
    assert len(rec) == 1 and rec[0]["outage_start"] == start and rec[0]["end"] == ends[0]["end"]
    assert [p["outage_start"] for p in posts(hook, "recovery")] == [start]
    assert "DOWN since" not in log2, log2          # the same outage, not a new one
    # the seconds from the last stored step to the first probe after the
    # restart are not known: the outage's unknown_s is that stretch within it
    s0, end = epoch(start), epoch(ends[0]["end"])
    # and are not down either
    assert ends[0]["down_s"] == end - s0 - ends[0]["unknown_s"], ends[0]
    assert restarted - s0 <= ends[0]["unknown_s"] <= restarted + 2 - s0, (ends[0], restarted)

    # RRD: the steps the monitor missed are written, as zeros
    stop = epoch(journal(t, "monitor_stop")[0]["time"])
    first = restarted - restarted % 60
    steps = S.steps_of(rrd, stored, stop - stop % 60 + 60)
    assert sorted(steps) == list(range(stored + 60, stop - stop % 60 + 61, 60)), sorted(steps)
    for e in range(stored + 60, first + 1, 60):
        assert steps[e][:3] == (0, 0, 0), (e, steps[e])
    up = down = 0
    for e in range(first + 60, stop - stop % 60 + 61, 60):
        u, d, m, _ = steps[e]
        assert m == 0
        up, down = up + u, down + d
        # nothing before the restart counts
        assert u + d <= min(60, e - restarted), (e, steps[e], restarted)
    assert down > 0 and up > 0, steps
    assert down <= end - restarted, (down, end, restarted)
