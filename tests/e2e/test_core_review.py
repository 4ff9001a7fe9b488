"""Core semantics found wrong in review, each checked against the real binary."""
import json
import os
import signal

from lib import free_port, read_jsonl
from probelib import Run, conf_text
from test_probe_http import tcp


def _journal(t):
    return read_jsonl(t.path("state", "journal.jsonl"))


def test_target_removed_and_readded_during_outage_keeps_its_outage(t):
    """A target removed by SIGHUP while down and added back by a later SIGHUP
    continues the outage the journal has open (as after a restart), instead
    of leaving it open for ever and starting a second one."""
    dead = free_port()
    x = tcp("x", dead)
    other = tcp("other", dead)
    conf = t.write("slamon.conf", conf_text([x, other], 1, 1))
    run = Run(t, conf)
    run.wait_line(r"x: DOWN since ")
    t.write("slamon.conf", conf_text([other], 1, 1))
    run.proc.send_signal(signal.SIGHUP)
    run.wait_line(r"reloaded: 1 targets$")  # the whole reload done, not the prober's part
    t.write("slamon.conf", conf_text([x, other], 1, 1))
    run.proc.send_signal(signal.SIGHUP)
    run.wait_line(r"reloaded: 2 targets$")
    n = len(run.results("x"))
    run.wait_results("x", n + 3)
    run.stop()
    recs = [r for r in _journal(t) if r.get("target") == "x"]
    starts = [r for r in recs if r["event"] == "outage_start"]
    ends = [r for r in recs if r["event"] == "outage_end"]
    open_ = {r["start"] for r in starts} - {r["start"] for r in ends}
    # one outage, still open: not two, one of them orphaned
    assert len(open_) <= 1, recs
    assert len(starts) - len(ends) <= 1, recs


def test_run_does_not_send_alerts_a_replay_only_recorded(t):
    """`slamon replay` records alerts without sending them (design.md 2);
    a `slamon run` started afterwards on the same state directory must not
    take them for alerts undelivered before a crash and send them."""
    import time
    from probelib import Run
    from receivers import Hook
    hook = Hook()
    try:
        now = int(time.time())
        t0 = now - now % 60 - 3 * 3600
        rows = ["time,target,ok,latency_ms,detail"]
        for ts in range(t0, now - 1200, 60):
            down = t0 + 3600 <= ts < now - 1800
            rows.append(f"{ts},x,{0 if down else 1},,")
        data = t.write("replay.csv", "\n".join(rows) + "\n")
        conf = t.write("slamon.conf", f"""\
slamon: {{ state_dir = "state"; timezone = "Europe/Oslo"; listen = ""; }};
defaults: {{ interval = 60; timeout = 5; fail_threshold = 2; }};
targets = ( {{ name = "x"; type = "tcp"; host = "127.0.0.1"; port = {free_port()}; }} );
maintenance: {{ windows = (); }};
alerts = ( {{ name = "hook"; type = "webhook"; url = "{hook.url}"; }} );
""")
        t.slamon("replay", data, conf=conf, check=0)
        j = _journal(t)
        assert [r["event"] for r in j if r["event"] in ("alert", "recovery")] == \
            ["alert", "recovery"], j
        run = Run(t, conf)
        run.wait_line(r"running with ")
        time.sleep(2)
        run.stop()
        assert hook.posts == [], hook.posts
        assert "sending again" not in run.text(), run.text()
    finally:
        hook.stop()
