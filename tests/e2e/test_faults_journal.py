"""The journal on a full disk: whole records or nothing, records kept in
memory and written once there is room, alerts decided meanwhile still sent;
a torn tail cut at start; a journal that cannot be written stops the start
with one line and no monitor_start; an outage whose end was lost is closed
at the last second known, not at the first probe after the restart.

The disk is full for the journal only: faultfs (tests/tools/preload/) makes
write(2) on journal.jsonl put down half a record and then fail with ENOSPC,
as a disk that fills in the middle of a record does."""
import json
import os
import signal
import subprocess
import time

import faultlib as F
from lib import free_port
from receivers import Hook

CONF = """\
slamon: { state_dir = "state"; timezone = "Europe/Oslo"; listen = ""; };
defaults: { interval = 1; timeout = 1; fail_threshold = 2; alert_after = 3; };
targets = ( { name = "web"; type = "http"; url = "http://127.0.0.1:%(port)d/h"; } );
maintenance: { windows = (); };
alerts = ( { name = "hook"; type = "webhook"; url = "%(hook)s"; } );
"""


def targetd(t):
    port = free_port()
    t.spawn([os.path.join(t.tools, "targetd"), "--http", str(port), "--route", "/h=status:200"])
    t.wait_port(port)
    return port


def log(proc):
    return open(proc.errpath).read()


def test_disk_full_mid_outage_loses_nothing(t):
    port = targetd(t)
    hook = Hook()
    try:
        conf = t.write("slamon.conf", CONF % {"port": port, "hook": hook.url})
        run = t.spawn([t.bin, "-v", "-c", conf, "run"], env=F.fault_env(t))
        t.wait_for(lambda: F.journal(t, "monitor_start"), 20, "monitor_start")
        t.wait_for(lambda: "result ok" in log(run), 20, "a good probe")
        F.fault(t, "short journal.jsonl")
        F.set_route(port, "status:503")
        # decided while nothing can be written: sent all the same
        t.wait_for(lambda: F.posts(hook, "alert"), 20, "the alert, sent")
        assert "short-half" in F.hits(t) and "short " in F.hits(t), F.hits(t)
        assert F.journal(t, "outage_start") == []
        F.check_journal(t.path("state", "journal.jsonl"))   # no half record left
        assert "cannot be written: No space left on device" in log(run), log(run)
        F.set_route(port, "status:200")
        t.wait_for(lambda: F.posts(hook, "recovery"), 20, "the recovery, sent")
        F.check_journal(t.path("state", "journal.jsonl"))
        F.fault(t)                                          # room again
        t.wait_for(lambda: F.journal(t, "recovery"), 20, "the kept records written")
        run.send_signal(signal.SIGTERM)
        assert run.wait(timeout=20) == 0
        text = log(run)
    finally:
        hook.stop()
    recs = F.check_journal(t.path("state", "journal.jsonl"))
    events = [r["event"] for r in recs if r["event"] != "delivery"]
    assert events == ["monitor_start", "outage_start", "alert", "outage_end", "recovery",
                      "monitor_stop"], events
    start = F.journal(t, "outage_start")[0]["start"]
    assert [p["outage_start"] for p in F.posts(hook, "alert")] == [start]
    assert [p["outage_start"] for p in F.posts(hook, "recovery")] == [start]
    # the deliveries of both, recorded too
    assert {(r["kind"], r["delivered"]) for r in F.journal(t, "delivery")} == \
        {("alert", True), ("recovery", True)}
    assert "writable again" in text and "LOST" not in text, text


def test_unwritable_journal_stops_the_start_with_one_line(t):
    port = targetd(t)
    conf = t.write("slamon.conf", CONF % {"port": port, "hook": "http://127.0.0.1:9/x"})
    jpath = t.write("state/journal.jsonl",
                    '{"time":"2026-01-01T00:00:00Z","event":"monitor_stop"}\n{"time":"2026-0')
    F.fault(t, "write journal.jsonl")
    first = t.slamon("run", conf=conf, env=F.fault_env(t), timeout=30)
    assert first.returncode != 0
    # the torn tail is cut (with a warning) even when nothing can be added
    assert "last line is incomplete" in first.stderr, first.stderr
    again = t.slamon("run", conf=conf, env=F.fault_env(t), timeout=30)
    assert again.returncode != 0
    # one line beside the start-up's information (the open files limit)
    lines = [x for x in again.stderr.splitlines() if x.strip() and " info " not in x]
    assert len(lines) == 1, again.stderr
    assert "journal.jsonl: cannot be written (No space left on device)" in lines[0], lines
    recs = F.check_journal(jpath)
    assert [r["event"] for r in recs] == ["monitor_stop"], recs
    # room again: it starts, once
    F.fault(t)
    run = t.spawn([t.bin, "-c", conf, "run"])
    t.wait_for(lambda: F.journal(t, "monitor_start"), 20, "monitor_start")
    run.send_signal(signal.SIGTERM)
    assert run.wait(timeout=20) == 0
    recs = F.check_journal(jpath)
    assert [r["event"] for r in recs] == ["monitor_stop", "monitor_start", "monitor_stop"]


def test_lost_outage_end_is_not_invented_down_time(t):
    """The outage ended while the disk was full and the monitor was killed
    before it had room: at the restart the journal still has it open. The
    first probe finds the target up, so the outage ends at the last second
    the monitor knew (its last record), not at that probe."""
    port = targetd(t)
    conf = t.write("slamon.conf", CONF % {"port": port, "hook": "http://127.0.0.1:9/x"})
    conf_text = open(conf).read().replace("alerts = ( {", "alerts = (); #")
    conf = t.write("slamon.conf", conf_text)
    run = t.spawn([t.bin, "-v", "-c", conf, "run"], env=F.fault_env(t))
    t.wait_for(lambda: "result ok" in log(run), 20, "a good probe")
    F.set_route(port, "status:503")
    t.wait_for(lambda: F.journal(t, "alert"), 20, "the alert")
    last_written = F.epoch(F.journal(t)[-1]["time"])
    F.fault(t, "write journal.jsonl")
    F.set_route(port, "status:200")
    t.wait_for(lambda: ": UP after" in log(run), 20, "the end of the outage, decided")
    n = log(run).count("result ok")
    t.wait_for(lambda: log(run).count("result ok") >= n + 3, 20, "up for a while")
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=10)
    F.fault(t)
    assert F.journal(t, "outage_end") == []

    run2 = t.spawn([t.bin, "-v", "-c", conf, "run"])
    t.wait_for(lambda: F.journal(t, "outage_end"), 20, "the outage closed")
    run2.send_signal(signal.SIGTERM)
    assert run2.wait(timeout=20) == 0
    recs = F.check_journal(t.path("state", "journal.jsonl"))
    end = F.journal(t, "outage_end")[0]
    restarted = F.epoch(F.journal(t, "monitor_start")[1]["time"])
    assert F.epoch(end["end"]) == last_written, (end, last_written)
    assert F.epoch(end["end"]) < restarted - 1, (end, restarted)
    assert len(F.journal(t, "outage_start")) == 1
    # the alert went out before: the recovery is owed, and recorded
    rec = F.journal(t, "recovery")
    assert len(rec) == 1 and rec[0]["end"] == end["end"], rec
    assert [r["event"] for r in recs].count("outage_end") == 1


def test_stop_while_the_disk_is_full_says_what_is_lost(t):
    """Stopped before there is room: the records still waiting are logged,
    whole, one a line, so that nothing decided disappears silently."""
    port = targetd(t)
    conf = t.write("slamon.conf", CONF % {"port": port, "hook": "http://127.0.0.1:9/x"})
    conf = t.write("slamon.conf", open(conf).read().replace("alerts = ( {", "alerts = (); #"))
    run = t.spawn([t.bin, "-v", "-c", conf, "run"], env=F.fault_env(t))
    t.wait_for(lambda: "result ok" in log(run), 20, "a good probe")
    F.fault(t, "write journal.jsonl")
    F.set_route(port, "status:503")
    t.wait_for(lambda: ": DOWN since" in log(run), 20, "the outage, decided")
    run.send_signal(signal.SIGTERM)
    assert run.wait(timeout=20) == 0
    lost = [x.split("lost journal record: ", 1)[1] for x in log(run).splitlines()
            if "lost journal record: " in x]
    events = [json.loads(x)["event"] for x in lost]
    assert events[0] == "outage_start" and events[-1] == "monitor_stop", events
    assert "records could not be written (No space left on device) and are LOST" in log(run)
    recs = F.check_journal(t.path("state", "journal.jsonl"))
    assert [r["event"] for r in recs] == ["monitor_start"], recs


def test_restart_ends_a_lost_outage_at_its_last_stored_down_step(t):
    """kill -9 long after the outage's last journal record, the outage over
    by the restart: it ends at the end of the last stored step that was down
    all through, which the monitor knew, not at its last record, nor at the
    first probe after the restart."""
    port = targetd(t)
    conf = t.write("slamon.conf", CONF % {"port": port, "hook": "http://127.0.0.1:9/x"})
    conf = t.write("slamon.conf", open(conf).read().replace("alerts = ( {", "alerts = (); #"))
    t0 = int(time.time()) // 60 * 60
    rrd = t.path("state", "rrd", "web.rrd")
    os.makedirs(os.path.dirname(rrd))
    subprocess.run(["rrdtool", "create", rrd, "--start", str(t0 - 600), "--step", "60",
                    "DS:up_s:GAUGE:60:0:60", "DS:down_s:GAUGE:60:0:60",
                    "DS:maint_s:GAUGE:60:0:60", "DS:latency_ms:GAUGE:60:0:U",
                    "RRA:AVERAGE:0.5:1:2880"], check=True)
    rows = [f"{e}:60:0:0:5" for e in range(t0 - 540, t0 - 299, 60)]
    rows += [f"{e}:0:60:0:U" for e in range(t0 - 240, t0 + 1, 60)]
    subprocess.run(["rrdtool", "update", rrd] + rows, check=True)
    z = lambda s: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(s))  # noqa: E731
    t.write("state/journal.jsonl", "\n".join([
        '{"time":"%s","event":"monitor_start","mode":"run"}' % z(t0 - 600),
        '{"time":"%s","event":"outage_start","target":"web","start":"%s","reason":"HTTP 503"}'
        % (z(t0 - 298), z(t0 - 300)), ""]))
    run = t.spawn([t.bin, "-v", "-c", conf, "run"])
    t.wait_for(lambda: F.journal(t, "outage_end"), 20, "the outage closed")
    run.send_signal(signal.SIGTERM)
    assert run.wait(timeout=20) == 0
    F.check_journal(t.path("state", "journal.jsonl"))
    (end,) = F.journal(t, "outage_end")
    assert end["end"] == z(t0) and end["down_s"] == 300 and end["unknown_s"] == 0, end
