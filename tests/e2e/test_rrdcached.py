"""rrdcached away and back under a running `slamon run`: no step is lost.

The RRD file is first filled by a replay up to ten minutes before the
monitor's clock, so the monitor has ten steps of absence to write as soon as
it starts, while its rrdcached is not there yet; the daemon is started and
the queue must drain through it (run's tick puts it back in line for the
step writer: store_requeue, store_flush_some). Then the
daemon is stopped while a step boundary passes (the monitor runs under
libfaketime, started at second 50 of a minute, so the boundary comes within
seconds), started again, and that step must arrive too. Every step from the
replay's first to the monitor's last is then read back with rrdtool fetch:
present, and with the seconds it must hold."""
import datetime
import os
import signal
import time

import storelib as S
from lib import free_port, read_jsonl
from test_restart import epoch, offset_to_phase

CONF = """\
slamon: { state_dir = "state"; timezone = "Europe/Oslo"; listen = ""; rrdcached = "%(rc)s"; };
defaults: { interval = %(interval)d; timeout = 1; fail_threshold = 2; };
targets = ( { name = "web"; type = "http"; url = "http://127.0.0.1:%(port)d/"; } );
maintenance: { windows = (); };
"""


def test_rrdcached_away_and_back(t):
    port = free_port()
    t.spawn([os.path.join(t.tools, "targetd"), "--http", str(port)])
    t.wait_port(port)
    rc = S.Rrdcached(t, t.path("rc"), t.path("state", "rrd"))
    off = offset_to_phase(50)
    fake = int(time.time()) + off
    # a replay ending ten minutes before the monitor starts, written
    # directly (a 60 s interval there: the same target, probed once a minute)
    end = fake - fake % 60 - 600
    first = end - 1800
    rows = "".join(f"{x},web,1,3.5,\n" for x in range(first, end, 60))
    t.write("old.csv", "time,target,ok,latency_ms,detail\n" + rows)
    t.slamon("replay", "old.csv", conf=t.write("direct.conf", CONF % {"rc": "", "port": port, "interval": 60}),
             check=0)
    rrd = t.path("state", "rrd", "web.rrd")
    assert int(S.info(rrd)["last_update"]) == end

    conf = t.write("slamon.conf", CONF % {"rc": rc.addr, "port": port, "interval": 1})
    mon = t.spawn([t.bin_faketime, "-v", "-c", conf, "run"], env=S.faketime_env(off))

    def log():
        with open(mon.errpath) as f:
            return f.read()
    t.wait_for(lambda: "keeping the updates" in log(), 20, "updates kept while rrdcached is away")
    started = epoch([r for r in read_jsonl(t.path("state", "journal.jsonl"))
                     if r["event"] == "monitor_start"][-1]["time"])
    assert started - end >= 600

    # the daemon comes: the ten steps of absence go through it
    rc.start()
    t.wait_for(lambda: int(S.info(rrd, daemon=rc.addr)["last_update"]) >= started - started % 60,
               20, "the queued steps written through rrdcached")
    # it goes while a step ends, and comes back
    boundary = started - started % 60 + 60
    rc.stop()
    failures = log().count("keeping the updates")
    t.wait_for(lambda: log().count("keeping the updates") > failures, 30,
               "a step not written while rrdcached is stopped")
    rc.start()
    t.wait_for(lambda: int(S.info(rrd, daemon=rc.addr)["last_update"]) >= boundary,
               20, "the step written once rrdcached is back")
    mon.send_signal(signal.SIGTERM)
    assert mon.wait(timeout=20) == 0, log()[-3000:]
    rc.stop()
    stopped = epoch([r for r in read_jsonl(t.path("state", "journal.jsonl"))
                     if r["event"] == "monitor_stop"][-1]["time"])
    assert stopped > boundary, (stopped, boundary)
    assert "closing with" not in log(), log()[-3000:]

    # every step, from the replay's first to the monitor's last
    last = stopped - stopped % 60 + (60 if stopped % 60 else 0)
    assert int(S.info(rrd)["last_update"]) == last
    steps = S.steps_of(rrd, first, last)
    assert sorted(steps) == list(range(first + 60, last + 1, 60))
    for e, (u, d, m, _) in steps.items():
        assert u == u and d == d and m == m, f"step ending {e} lost: {steps[e]}"
        assert d == 0 and m == 0, (e, steps[e])
        if e <= end:
            assert u == 60, (e, steps[e])                       # replayed
        elif e <= started - started % 60:
            assert u == 0, (e, steps[e])                        # absent: zeros
        else:
            # up from the first probe (within a second of the start) to the stop
            hi = min(e, stopped) - max(e - 60, started)
            lo = min(e, stopped) - max(e - 60, started + 1)
            assert lo <= u <= hi, (e, steps[e], started, stopped)
