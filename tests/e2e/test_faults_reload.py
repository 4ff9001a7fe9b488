"""Reload faults: a configuration that cannot be read (a directory in its
place, gone) is a rejected reload with one line while the old one keeps
running; a target removed by a reload in the middle of its outage closes
the outage then ("target removed from the configuration"), sends the
recovery notice of its alert, and leaves no unresolved incident, also after
a restart; an outage the journal has open for a target that is no longer
configured is closed at the start."""
import json
import os
import signal
import urllib.request

import faultlib as F
from lib import free_port
from receivers import Hook

CONF = """\
slamon: { state_dir = "state"; timezone = "Europe/Oslo"; listen = "%(listen)s"; };
defaults: { interval = 1; timeout = 1; fail_threshold = 2; alert_after = 2; };
targets = ( %(targets)s );
maintenance: { windows = (); };
alerts = ( { name = "hook"; type = "webhook"; url = "%(hook)s"; } );
"""


def target(name, port, path):
    return f'{{ name = "{name}"; type = "http"; url = "http://127.0.0.1:{port}{path}"; }}'


def targetd(t):
    port = free_port()
    t.spawn([os.path.join(t.tools, "targetd"), "--http", str(port),
             "--route", "/ok=status:200", "--route", "/bad=status:503"])
    t.wait_port(port)
    return port


def log(proc):
    return open(proc.errpath).read()


def get(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
        return json.loads(r.read())


def test_reload_of_a_configuration_that_cannot_be_read(t):
    port = targetd(t)
    conf = t.write("slamon.conf", CONF % {"listen": "", "hook": "http://127.0.0.1:9/x",
                                          "targets": target("web", port, "/ok")})
    run = t.spawn([t.bin, "-v", "-c", conf, "run"])
    t.wait_for(lambda: "web: result ok" in log(run), 20, "a probe")
    os.rename(conf, conf + ".away")
    os.mkdir(conf)                              # the path is now a directory
    run.send_signal(signal.SIGHUP)
    t.wait_for(lambda: log(run).count("reload rejected") == 1, 20, "the rejection")
    os.rmdir(conf)                              # and now nothing at all
    run.send_signal(signal.SIGHUP)
    t.wait_for(lambda: log(run).count("reload rejected") == 2, 20, "the second rejection")
    n = log(run).count("web: result ok")
    t.wait_for(lambda: log(run).count("web: result ok") >= n + 2, 20, "probing goes on")
    os.rename(conf + ".away", conf)
    run.send_signal(signal.SIGHUP)
    t.wait_for(lambda: "reloaded: 1 targets" in log(run), 20, "a good reload")
    run.send_signal(signal.SIGTERM)
    assert run.wait(timeout=20) == 0
    rejected = [x for x in log(run).splitlines() if "reload rejected" in x]
    assert "not a regular file (a directory)" in rejected[0], rejected
    assert "No such file or directory" in rejected[1], rejected
    recs = F.check_journal(t.path("state", "journal.jsonl"))
    assert [r["event"] for r in recs] == ["monitor_start", "monitor_stop"], recs


def test_target_removed_mid_outage(t):
    port = targetd(t)
    api = free_port()
    hook = Hook()
    try:
        both = CONF % {"listen": f"127.0.0.1:{api}", "hook": hook.url,
                       "targets": target("keep", port, "/ok") + ", " + target("gone", port, "/bad")}
        conf = t.write("slamon.conf", both)
        run = t.spawn([t.bin, "-v", "-c", conf, "run"])
        t.wait_for(lambda: F.posts(hook, "alert"), 20, "the alert of gone")
        assert len(get(api, "/api/v2/incidents/unresolved.json")["incidents"]) == 1
        t.write("slamon.conf", both.replace(", " + target("gone", port, "/bad"), ""))
        run.send_signal(signal.SIGHUP)
        t.wait_for(lambda: F.posts(hook, "recovery"), 20, "the recovery of gone")
        assert get(api, "/api/v2/incidents/unresolved.json")["incidents"] == []
        run.send_signal(signal.SIGTERM)
        assert run.wait(timeout=20) == 0

        # a restart leaves it resolved
        run = t.spawn([t.bin, "-v", "-c", conf, "run"])
        t.wait_for(lambda: len(F.journal(t, "monitor_start")) == 2, 20, "the restart")
        t.wait_port(api)
        assert get(api, "/api/v2/incidents/unresolved.json")["incidents"] == []
        run.send_signal(signal.SIGTERM)
        assert run.wait(timeout=20) == 0
    finally:
        hook.stop()
    F.check_journal(t.path("state", "journal.jsonl"))
    end = F.journal(t, "outage_end")
    assert len(end) == 1 and end[0]["target"] == "gone", end
    assert end[0]["reason"] == "target removed from the configuration"
    start = F.journal(t, "outage_start")[0]["start"]
    assert [r["outage_start"] for r in F.journal(t, "recovery")] == [start]
    assert [p["outage_start"] for p in F.posts(hook, "recovery")] == [start]
    assert [p["target"] for p in F.posts(hook, "recovery")] == ["gone"]


def test_orphaned_open_outage_closed_at_start(t):
    """A journal with an open outage of a target that was taken out of the
    configuration while the monitor was stopped."""
    port = targetd(t)
    api = free_port()
    conf = t.write("slamon.conf", CONF % {"listen": f"127.0.0.1:{api}",
                                          "hook": "http://127.0.0.1:9/x",
                                          "targets": target("web", port, "/ok")})
    t.write("state/journal.jsonl", "\n".join([
        '{"time":"2026-01-05T10:00:00Z","event":"monitor_start","mode":"run"}',
        '{"time":"2026-01-05T10:00:04Z","event":"outage_start","target":"old",'
        '"start":"2026-01-05T10:00:02Z","reason":"HTTP 503"}',
        '{"time":"2026-01-05T10:01:02Z","event":"alert","target":"old",'
        '"outage_start":"2026-01-05T10:00:02Z","unplanned_s":60}',
        '{"time":"2026-01-05T10:05:00Z","event":"monitor_stop"}', ""]))
    run = t.spawn([t.bin, "-v", "-c", conf, "run"])
    t.wait_for(lambda: F.journal(t, "outage_end"), 20, "the orphan closed")
    t.wait_port(api)
    assert get(api, "/api/v2/incidents/unresolved.json")["incidents"] == []
    run.send_signal(signal.SIGTERM)
    assert run.wait(timeout=20) == 0
    F.check_journal(t.path("state", "journal.jsonl"))
    end = F.journal(t, "outage_end")[0]
    assert end["target"] == "old" and end["end"] == "2026-01-05T10:05:00Z", end
    assert end["down_s"] == 298 and end["reason"] == "target removed from the configuration"
    assert [r["target"] for r in F.journal(t, "recovery")] == ["old"]
