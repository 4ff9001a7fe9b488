"""Steps of the system clock during outages. The monitor runs under
libfaketime whose offset is read from a file at every call, so the test
moves its wall clock mid-run (the monotonic clock is left alone, as NTP
leaves it): forward two hours in the middle of an outage, then back ten
minutes in the middle of the next one.

Forward: the jump is logged, the two hours are unknown (not down, not
unplanned), the alert does not fire at once, and the outage lasts what it
lasted. Back: the jump is logged, the monitor keeps its own time, no record
ends before it starts, record times never go back, and the alert comes after
alert_after seconds of the outage, as measured by the monotonic clock."""
import os
import re
import signal

import faultlib as F
import storelib as S
from lib import free_port
from receivers import Hook

ALERT_AFTER = 20

CONF = """\
slamon: { state_dir = "state"; timezone = "Europe/Oslo"; listen = ""; };
defaults: { interval = 1; timeout = 1; fail_threshold = 2; alert_after = %(after)d; };
targets = ( { name = "web"; type = "http"; url = "http://127.0.0.1:%(port)d/h"; } );
maintenance: { windows = (); };
alerts = ( { name = "hook"; type = "webhook"; url = "%(hook)s"; } );
"""


def set_clock(t, spec):
    p = t.path("faketime")
    with open(p + ".tmp", "w") as f:
        f.write(spec + "\n")
    os.rename(p + ".tmp", p)


def log(proc):
    return open(proc.errpath).read()


def test_clock_jumps_forward_and_back_during_outages(t):
    port = free_port()
    t.spawn([os.path.join(t.tools, "targetd"), "--http", str(port), "--route", "/h=status:200"])
    t.wait_port(port)
    hook = Hook()
    try:
        conf = t.write("slamon.conf", CONF % {"port": port, "hook": hook.url, "after": ALERT_AFTER})
        set_clock(t, "+0s")
        env = S.faketime_env(0)
        del env["FAKETIME"]
        env["FAKETIME_TIMESTAMP_FILE"] = t.path("faketime")
        run = t.spawn([t.bin_faketime, "-v", "-c", conf, "run"], env=env)
        t.wait_for(lambda: "result ok" in log(run), 20, "a good probe")

        # forward two hours, a few seconds into an outage
        F.set_route(port, "status:503")
        t.wait_for(lambda: F.journal(t, "outage_start"), 20, "the first outage")
        set_clock(t, "+7200s")
        t.wait_for(lambda: "jumped 7200s forward" in log(run)
                   or "jumped 7199s forward" in log(run)
                   or "jumped 7201s forward" in log(run), 20, "the jump, logged")
        F.set_route(port, "status:200")
        t.wait_for(lambda: F.journal(t, "outage_end"), 20, "the first outage's end")
        assert not F.posts(hook, "alert") and not F.journal(t, "alert"), \
            "the jump must not bring the alert"
        (end1,) = F.journal(t, "outage_end")
        span = F.epoch(end1["end"]) - F.epoch(end1["start"])
        assert span >= 7200, end1
        assert 7190 <= end1["unknown_s"] <= span, end1
        assert 0 < end1["down_s"] < ALERT_AFTER and end1["unplanned_s"] == end1["down_s"], end1

        # back ten minutes, a few seconds into the next one; it lasts past
        # alert_after
        F.set_route(port, "status:503")
        t.wait_for(lambda: len(F.journal(t, "outage_start")) == 2, 20, "the second outage")
        set_clock(t, "+6600s")
        t.wait_for(lambda: re.search(r"jumped 60[01]s back|jumped 599s back", log(run)),
                   20, "the jump back, logged")
        t.wait_for(lambda: F.posts(hook, "alert"), 60, "the alert")
        F.set_route(port, "status:200")
        t.wait_for(lambda: len(F.journal(t, "outage_end")) == 2, 20, "the second end")
        t.wait_for(lambda: F.posts(hook, "recovery"), 20, "the recovery")
        run.send_signal(signal.SIGTERM)
        assert run.wait(timeout=20) == 0
    finally:
        hook.stop()
    recs = F.check_journal(t.path("state", "journal.jsonl"))
    times = [F.epoch(r["time"]) for r in recs]
    assert times == sorted(times), "record times went back: %r" % recs
    start2 = F.journal(t, "outage_start")[1]["start"]
    (alert,) = F.journal(t, "alert")
    assert alert["outage_start"] == start2 and alert["unplanned_s"] == ALERT_AFTER, alert
    assert F.epoch(alert["time"]) == F.epoch(start2) + ALERT_AFTER, alert
    end2 = F.journal(t, "outage_end")[1]
    assert end2["unknown_s"] == 0 and end2["down_s"] >= ALERT_AFTER, end2
    assert [p["outage_start"] for p in F.posts(hook, "alert")] == [start2]
    text = log(run)
    assert "slamon keeps its own time, 600s ahead" in text or "ahead of it" in text, text
