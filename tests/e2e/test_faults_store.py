"""Storage faults are per target: state_dir on a small tmpfs of the test's
own. A garbage RRD file is moved aside and made anew at start; a file
deleted while running is made again at its next step; a target added by a
reload while the disk is full cannot have its file (ENOSPC, said plainly),
but is probed and journaled all the same, its steps kept until the disk has
room; the other targets' files go on being written meanwhile.

The monitor runs under libfaketime at a chosen second of the minute, so
that step boundaries (and the writes they bring) come within seconds."""
import os
import signal
import time

import faultlib as F
import storelib as S
from lib import free_port

CONF = """\
slamon: { state_dir = "%(state)s"; timezone = "Europe/Oslo"; listen = ""; };
defaults: { interval = 1; timeout = 1; fail_threshold = 2; alert_after = 600; };
targets = ( %(targets)s );
maintenance: { windows = (); };
"""


def target(name, port, path):
    return f'{{ name = "{name}"; type = "http"; url = "http://127.0.0.1:{port}{path}"; }}'


def offset_to_phase(phase):
    return int(round(phase - time.time() % 60)) % 60


def log(proc):
    return open(proc.errpath).read()


def last_update(path):
    try:
        return int(S.info(path)["last_update"])
    except Exception:
        return 0


def test_rrd_garbage_deleted_and_disk_full(t):
    if os.geteuid() != 0:
        print("skipped: mounting a tmpfs needs root")
        return
    port = free_port()
    t.spawn([os.path.join(t.tools, "targetd"), "--http", str(port),
             "--route", "/ok=status:200", "--route", "/bad=status:503"])
    t.wait_port(port)
    fs = F.Tmpfs(t.path("fs"), "24m")  # files are 3.4 MB (Europe/Oslo)
    try:
        state = os.path.join(fs.path, "state")
        rrd = os.path.join(state, "rrd")
        os.makedirs(rrd)
        with open(os.path.join(rrd, "b.rrd"), "w") as f:
            f.write("<html>certainly not an RRD file</html>\n")
        two = target("a", port, "/ok") + ", " + target("b", port, "/ok")
        conf = t.write("slamon.conf", CONF % {"state": state, "targets": two})
        run = t.spawn([t.bin_faketime, "-v", "-c", conf, "run"], env=S.faketime_env(offset_to_phase(45)))
        t.wait_for(lambda: F.journal(t, "monitor_start", state=state), 20, "monitor_start")
        t.wait_for(lambda: "running with" in log(run), 20, "every target begun")
        # the garbage: moved aside, a new file in its place
        aside = [n for n in os.listdir(rrd) if n.startswith("b.rrd.corrupt-")]
        assert len(aside) == 1, os.listdir(rrd)
        assert "not an RRD file" in open(os.path.join(rrd, aside[0])).read()
        assert int(S.info(os.path.join(rrd, "b.rrd"))["step"]) == 60
        # a's file deleted while running: made again at the next step
        os.unlink(os.path.join(rrd, "a.rrd"))
        t.wait_for(lambda: last_update(os.path.join(rrd, "a.rrd")) > 0, 90, "a.rrd made again")
        assert "is gone (deleted while running?)" in log(run)
        t.wait_for(lambda: last_update(os.path.join(rrd, "b.rrd")) >= last_update(
            os.path.join(rrd, "a.rrd")), 30, "b written as well")

        # the disk fills; a target added now cannot have its file
        fs.fill(leave=256 * 1024)
        conf = t.write("slamon.conf", CONF % {"state": state,
                                              "targets": two + ", " + target("c", port, "/bad")})
        run.send_signal(signal.SIGHUP)
        t.wait_for(lambda: "c: cannot create" in log(run), 20, "c's file refused")
        line = [x for x in log(run).splitlines() if "c: cannot create" in x][0]
        assert "No space left on device" in line, line
        # c is probed and journaled all the same
        t.wait_for(lambda: F.journal(t, "outage_start", state=state), 20, "c's outage")
        assert not os.path.exists(os.path.join(rrd, "c.rrd"))
        # and a's steps go on being written meanwhile
        a0 = last_update(os.path.join(rrd, "a.rrd"))
        t.wait_for(lambda: last_update(os.path.join(rrd, "a.rrd")) > a0, 90, "a's next step")
        # room again: c's file is made, and its steps kept meanwhile written
        fs.free()
        t.wait_for(lambda: "c.rrd is usable again" in log(run), 30, "c's file made")
        c_path = os.path.join(rrd, "c.rrd")
        t.wait_for(lambda: last_update(c_path) > a0, 90, "c's steps written")
        run.send_signal(signal.SIGTERM)
        assert run.wait(timeout=30) == 0
        recs = F.check_journal(os.path.join(state, "journal.jsonl"))
        assert [r["target"] for r in recs if r["event"] == "outage_start"] == ["c"]
        assert [r["event"] for r in recs].count("monitor_start") == 1
        # c's file begins with the step of its first failure, kept while the
        # file could not be made, and holds its down seconds; no step since
        # is missing
        c_start = F.epoch(recs[[r["event"] for r in recs].index("outage_start")]["start"])
        first = c_start - c_start % 60 + 60
        last = last_update(c_path)
        steps = {e: v for e, v in S.steps_of(c_path, first - 600, last).items()
                 if v[0] == v[0]}
        assert first - 60 <= min(steps) <= first and steps[first][1] > 0, (first, steps)
        assert sorted(steps) == list(range(min(steps), last + 1, 60)), steps
        assert "LOST" not in log(run)
    finally:
        fs.umount()
