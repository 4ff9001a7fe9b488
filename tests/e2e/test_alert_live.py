"""When alerts fire, live: `slamon -v run` probing a targetd route that the
test flips to 503 and back, with real receivers on 127.0.0.1 (webhook, one
failing its first two tries, an SMTP sink, an exec script). Times come from
the journal and the payloads; arrival is checked against them with a lower
bound (never before the deadline) and a generous upper one, never against
sleeps. Also: the alert fires by timer, not at the next probe; announced
maintenance holds it back until the window's end; a kill -9 and restart
neither repeats the alert nor loses the recovery."""
import calendar
import os
import json
import re
import signal
import time
import urllib.request

from lib import read_jsonl
from probelib import Run, targetd
from receivers import Hook, SMTPSink

FAST = {"SLAMON_NOTIFY_BACKOFF_MS": "50"}
LATE = 3.0  # seconds a notice may arrive after its deadline on a loaded machine


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def unix(s):
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


class LiveRun(Run):
    def __init__(self, t, conf, env=None):
        self.t = t
        self.proc = t.spawn([t.bin, "-v", "-c", conf, "run"], env=env)


def flip(port, spec):
    url = f"http://127.0.0.1:{port}/_set?path=/svc&spec={spec}"
    with urllib.request.urlopen(url, timeout=5) as r:
        assert r.status == 200


def conf(t, port, alerts, interval=1, alert_after=4, windows="", announcements=""):
    return t.write("slamon.conf", f"""\
slamon: {{ state_dir = "state"; timezone = "Europe/Oslo"; listen = "";
          public_url = "http://127.0.0.1:8080/"; }};
defaults: {{ interval = {interval}; timeout = 1; fail_threshold = 2; alert_after = {alert_after}; }};
targets = (
  {{ name = "web"; component = "App"; type = "http"; url = "http://127.0.0.1:{port}/svc"; }}
);
maintenance: {{ min_notice = 86400; windows = ( {windows} ); announcements = ( {announcements} ); }};
alerts = ( {alerts} );
""")


def journal(t):
    p = t.path("state", "journal.jsonl")
    return read_jsonl(p) if os.path.exists(p) else []


def records(t, event):
    return [r for r in journal(t) if r["event"] == event]


def env_script(t):
    d = t.path("env")
    os.mkdir(d)
    script = t.write("page.sh", f"""#!/bin/sh
env | grep '^SLAMON_' | sort > {d}/$SLAMON_EVENT.tmp
mv {d}/$SLAMON_EVENT.tmp {d}/$SLAMON_EVENT
""")
    os.chmod(script, 0o755)
    return script, d


def read_env(path):
    return dict(line.split("=", 1) for line in open(path).read().splitlines())


def test_live_alert_and_recovery_on_every_channel(t):
    port = targetd(t)
    hook, flaky, sink = Hook(), Hook(fail_first=2), SMTPSink()
    script, envdir = env_script(t)
    try:
        c = conf(t, port, f"""
          {{ name = "hook"; type = "webhook"; url = "{hook.url}"; }},
          {{ name = "flaky"; type = "webhook"; url = "{flaky.url}"; retry_for = 60; }},
          {{ name = "mail"; type = "smtp"; url = "{sink.url}"; from = "slamon@example.com";
             to = ["sre@example.com"]; }},
          {{ name = "pager"; type = "exec"; command = ["{script}"]; }}""")
        run = LiveRun(t, c, FAST)
        run.wait_results("web", 2)
        flipped = time.time()
        flip(port, "status:503")
        t.wait_for(lambda: hook.posts, 30, "the alert post")
        (o,) = records(t, "outage_start")
        start = unix(o["start"])
        # the first failed probe started after the flip, within an interval
        assert int(flipped) <= start <= flipped + 2, (flipped, o)
        due = start + 4
        a = json.loads(hook.posts[0]["body"])
        assert a == {"event": "alert", "test": False, "target": "web", "component": "App",
                     "outage_start": iso(start), "end": None, "unplanned_s": 4,
                     "down_s": 4, "windows": [], "reason": a["reason"],
                     "status_url": "http://127.0.0.1:8080/", "time": iso(due)}, a
        assert "503" in a["reason"], a
        assert list(a) == ["event", "test", "target", "component", "outage_start", "end",
                           "unplanned_s", "down_s", "windows", "reason", "status_url",
                           "time"], list(a)
        assert due <= hook.posts[0]["wall"] <= due + LATE, (hook.posts[0]["wall"], due)
        assert hook.posts[0]["headers"]["x-slamon-event"] == ["alert"]
        (ja,) = records(t, "alert")
        assert ja["time"] == iso(due) and ja["unplanned_s"] == 4
        # the receiver failing twice has it on the third attempt, same delivery
        t.wait_for(lambda: len(flaky.posts) >= 3, 30, "three attempts on flaky")
        assert [p["headers"]["x-slamon-attempt"][0] for p in flaky.posts] == ["1", "2", "3"]
        assert len({p["headers"]["x-slamon-delivery"][0] for p in flaky.posts}) == 1
        assert {p["body"] for p in flaky.posts} == {hook.posts[0]["body"]}
        t.wait_for(lambda: sink.mails, 30, "the alert mail")
        m = sink.mails[0]
        assert due <= m["wall"] <= due + LATE
        assert re.search(r"^Subject: \[slamon\] ALERT web down \S+ \(unplanned\)\r?$",
                         m["data"], re.M), m["data"]
        assert m["rcpt"] == ["<sre@example.com>"]
        t.wait_for(lambda: os.path.exists(os.path.join(envdir, "alert")), 30, "exec alert")
        e = read_env(os.path.join(envdir, "alert"))
        assert e["SLAMON_EVENT"] == "alert" and e["SLAMON_TEST"] == "0"
        assert e["SLAMON_TARGET"] == "web" and e["SLAMON_COMPONENT"] == "App"
        assert e["SLAMON_OUTAGE_START"] == iso(start) and e["SLAMON_TIME"] == iso(due)
        assert e["SLAMON_UNPLANNED_S"] == "4" and e["SLAMON_END"] == ""
        assert e["SLAMON_CHANNEL"] == "pager" and e["SLAMON_ATTEMPT"] == "1"
        assert e["SLAMON_STATE_DIR"] == "state"

        # recovery: one notice on every channel once the route answers again
        back = time.time()
        flip(port, "status:200")
        t.wait_for(lambda: len(hook.posts) >= 2, 30, "the recovery post")
        (oe,) = records(t, "outage_end")
        end = unix(oe["end"])
        assert int(back) <= end <= back + 2, (back, oe)
        r = json.loads(hook.posts[1]["body"])
        assert r["event"] == "recovery" and r["outage_start"] == iso(start)
        assert r["end"] == iso(end) and r["time"] == iso(end)
        assert r["down_s"] == end - start == r["unplanned_s"]
        assert end <= hook.posts[1]["wall"] <= end + LATE
        (jr,) = records(t, "recovery")
        assert jr["end"] == iso(end)
        t.wait_for(lambda: len(flaky.posts) >= 4 and len(sink.mails) >= 2 and
                   os.path.exists(os.path.join(envdir, "recovery")), 30, "every recovery")
        assert json.loads(flaky.posts[3]["body"])["event"] == "recovery"
        assert "RECOVERED web after" in sink.mails[1]["data"]
        assert read_env(os.path.join(envdir, "recovery"))["SLAMON_END"] == iso(end)
        # a few more healthy probes, then stop: nothing more was sent
        n = len(run.results("web"))
        run.wait_results("web", n + 2)
        run.stop()
        assert len(hook.posts) == 2 and len(flaky.posts) == 4 and len(sink.mails) == 2
        # every failed attempt and every final outcome is in the journal
        d = records(t, "delivery")
        got = sorted((x["channel"], x["kind"], x["attempt"], x["delivered"], x["final"]) for x in d)
        want = sorted([("flaky", "alert", 1, False, False),
                       ("flaky", "alert", 2, False, False),
                       ("flaky", "alert", 3, True, True)] +
                      [(ch, "alert", 1, True, True) for ch in ("hook", "mail", "pager")] +
                      [(ch, "recovery", 1, True, True) for ch in ("flaky", "hook", "mail", "pager")])
        assert got == want, d
        assert all("HTTP 503" in x["error"] for x in d if not x["delivered"])
    finally:
        hook.stop()
        flaky.stop()
        sink.stop()


def test_live_alert_fires_by_timer_not_at_next_probe(t):
    """interval 3 s, alert_after 4 s: probes at P, P+3, P+6; the deadline
    (floor(P)+4) falls between two probes, and the alert is decided there,
    before the probe at P+6 starts."""
    port = targetd(t, "--route", "/svc=status:503")
    hook = Hook()
    try:
        c = conf(t, port, f'{{ name = "hook"; type = "webhook"; url = "{hook.url}"; }}',
                 interval=3, alert_after=4)
        run = LiveRun(t, c)
        t.wait_for(lambda: hook.posts, 30, "the alert post")
        run.wait_results("web", 3)
        run.stop()
        lines = run.lines()
        starts = [i for i, x in enumerate(lines) if re.search(r" slamon: web: probe start", x)]
        (alert_at,) = [i for i, x in enumerate(lines) if re.search(r" slamon: web: ALERT: ", x)]
        before = [i for i in starts if i < alert_at]
        assert len(before) == 2, "\n".join(lines)  # P and P+3, not P+6
        # the probes kept their 3 s grid (the log's times are monotonic)
        st = run.starts("web")
        assert abs(st[1][1] - st[0][1] - 3) < 0.01 and abs(st[2][1] - st[1][1] - 3) < 0.01
        (o,) = records(t, "outage_start")
        start = unix(o["start"])
        a = json.loads(hook.posts[0]["body"])
        assert a["time"] == iso(start + 4) and a["unplanned_s"] == 4
        assert start + 4 <= hook.posts[0]["wall"] <= start + 4 + LATE
        assert len(hook.posts) == 1
    finally:
        hook.stop()


def test_live_announced_window_holds_the_alert_until_its_end(t):
    """An announcement covering now (announced two days before it began): the
    outage inside it is not alerted; after the window ends, it is, at the
    window's end + alert_after, with only the time after the end unplanned."""
    port = targetd(t, "--route", "/svc=status:503")
    hook = Hook()
    try:
        now = int(time.time())
        w0, w1 = now - 3600, now + 7
        ann = (f'{{ window = "planned"; start = "{iso(w0)}"; end = "{iso(w1)}"; '
               f'announced_at = "{iso(w0 - 2 * 86400)}"; note = "drill"; }}')
        c = conf(t, port, f'{{ name = "hook"; type = "webhook"; url = "{hook.url}"; }}',
                 windows='{ name = "planned"; requires_announcement = true; }',
                 announcements=ann)
        run = LiveRun(t, c)
        t.wait_for(lambda: hook.posts, 40, "the alert post")
        (o,) = records(t, "outage_start")
        start = unix(o["start"])
        assert start + 4 < w1, f"the outage began too late to test the window: {o}"
        a = json.loads(hook.posts[0]["body"])
        assert a["event"] == "alert" and a["time"] == iso(w1 + 4), (a, iso(w1 + 4))
        assert a["unplanned_s"] == 4 and a["down_s"] == w1 + 4 - start
        assert a["windows"] == ["planned"] and a["outage_start"] == iso(start)
        assert w1 + 4 <= hook.posts[0]["wall"] <= w1 + 4 + LATE
        (ja,) = records(t, "alert")
        assert ja["time"] == iso(w1 + 4)
        flip(port, "status:200")
        t.wait_for(lambda: len(hook.posts) >= 2, 30, "the recovery post")
        run.stop()
        (oe,) = records(t, "outage_end")
        assert oe["maintenance_s"] == w1 - start
        assert oe["unplanned_s"] == unix(oe["end"]) - w1
        assert [json.loads(p["body"])["event"] for p in hook.posts] == ["alert", "recovery"]
    finally:
        hook.stop()


def test_live_kill9_restart_no_duplicate_alert(t):
    """kill -9 after the alert went out; the restarted daemon finds the open,
    alerted outage in the journal: no second alert while it lasts, and exactly
    one recovery, for the original outage, when it ends."""
    port = targetd(t, "--route", "/svc=status:503")
    hook = Hook()
    try:
        c = conf(t, port, f'{{ name = "hook"; type = "webhook"; url = "{hook.url}"; }}',
                 alert_after=2)
        run = LiveRun(t, c)
        t.wait_for(lambda: hook.posts, 30, "the alert post")
        run.wait_line(r"delivered via hook \(attempt 1\)")
        (o,) = records(t, "outage_start")
        run.proc.send_signal(signal.SIGKILL)
        run.proc.wait(timeout=10)
        assert len(records(t, "alert")) == 1
        run2 = LiveRun(t, c)
        # long enough for a due alert to have fired: the first tick is at once
        run2.wait_results("web", 3)
        assert len(hook.posts) == 1, [p["body"] for p in hook.posts]
        flip(port, "status:200")
        t.wait_for(lambda: len(hook.posts) >= 2, 30, "the recovery post")
        n = len(run2.results("web"))
        run2.wait_results("web", n + 2)
        run2.stop()
        bodies = [json.loads(p["body"]) for p in hook.posts]
        assert [b["event"] for b in bodies] == ["alert", "recovery"], bodies
        assert bodies[1]["outage_start"] == o["start"] == bodies[0]["outage_start"]
        assert len(records(t, "alert")) == 1 and len(records(t, "recovery")) == 1
        assert len(records(t, "outage_start")) == 1
        assert "ALERT" not in run2.text()
    finally:
        hook.stop()


def test_live_kill9_before_the_alert_keeps_its_deadline(t):
    """kill -9 after the outage was journaled but before its alert: the
    restarted daemon resumes the outage from the journal and alerts at the
    original start + alert_after, once, for the original start."""
    port = targetd(t, "--route", "/svc=status:503")
    hook = Hook()
    try:
        c = conf(t, port, f'{{ name = "hook"; type = "webhook"; url = "{hook.url}"; }}',
                 alert_after=6)
        run = LiveRun(t, c)
        t.wait_for(lambda: records(t, "outage_start"), 30, "the outage")
        run.proc.send_signal(signal.SIGKILL)
        run.proc.wait(timeout=10)
        (o,) = records(t, "outage_start")
        start = unix(o["start"])
        assert not hook.posts and time.time() < start + 6, "restart came too late to test"
        run2 = LiveRun(t, c)
        t.wait_for(lambda: hook.posts, 30, "the alert post")
        a = json.loads(hook.posts[0]["body"])
        assert a["outage_start"] == iso(start) and a["time"] == iso(start + 6), a
        assert a["unplanned_s"] == 6
        assert start + 6 <= hook.posts[0]["wall"] <= start + 6 + LATE
        flip(port, "status:200")
        t.wait_for(lambda: len(hook.posts) >= 2, 30, "the recovery post")
        run2.stop()
        assert [json.loads(p["body"])["event"] for p in hook.posts] == ["alert", "recovery"]
        assert len(records(t, "outage_start")) == 1 and len(records(t, "alert")) == 1
    finally:
        hook.stop()


def test_live_reload_cancelling_the_window_rearms_the_alert(t):
    """An outage inside an announced window waits for the window's end; a
    SIGHUP that removes the announcement makes the outage unplanned from its
    start, so the alert comes at start + alert_after, not after the old end."""
    port = targetd(t, "--route", "/svc=status:503")
    hook = Hook()
    try:
        now = int(time.time())
        w0, w1 = now - 3600, now + 120
        ann = (f'{{ window = "planned"; start = "{iso(w0)}"; end = "{iso(w1)}"; '
               f'announced_at = "{iso(w0 - 2 * 86400)}"; }}')
        alerts = f'{{ name = "hook"; type = "webhook"; url = "{hook.url}"; }}'
        win = '{ name = "planned"; requires_announcement = true; }'
        c = conf(t, port, alerts, alert_after=4, windows=win, announcements=ann)
        run = LiveRun(t, c)
        t.wait_for(lambda: records(t, "outage_start"), 30, "the outage")
        conf(t, port, alerts, alert_after=4, windows=win)
        run.proc.send_signal(signal.SIGHUP)
        run.wait_line(r"reloaded: ")
        (o,) = records(t, "outage_start")
        start = unix(o["start"])
        t.wait_for(lambda: hook.posts, 4 + LATE + 2, "the alert once the window is gone")
        a = json.loads(hook.posts[0]["body"])
        assert a["windows"] == [] and a["outage_start"] == iso(start), a
        assert a["unplanned_s"] >= 4 and unix(a["time"]) >= start + 4, a
        assert hook.posts[0]["wall"] <= start + 4 + LATE + 1
        run.stop()
    finally:
        hook.stop()


def test_live_alert_undelivered_at_kill9_is_sent_after_restart(t):
    """The alert is journaled, then its delivery hangs and slamon is killed:
    the next start sends it again, once, with the same delivery id."""
    port = targetd(t)
    hung = Hook(hang=True)
    hook = Hook()
    try:
        alerts = lambda url: f'{{ name = "hook"; type = "webhook"; url = "{url}"; timeout = 30; }}'
        c = conf(t, port, alerts(hung.url))
        run = LiveRun(t, c, FAST)
        run.wait_results("web", 2)
        flip(port, "status:503")
        t.wait_for(lambda: hung.posts, 30, "the alert reaching the hung receiver")
        assert len(records(t, "alert")) == 1
        assert records(t, "delivery") == []
        os.killpg(run.proc.pid, signal.SIGKILL)
        run.proc.wait()
        first_id = hung.posts[0]["headers"]["x-slamon-delivery"][0]
        # the same channel, now pointing at a receiver that answers
        c = conf(t, port, alerts(hook.url))
        run = LiveRun(t, c, FAST)
        t.wait_for(lambda: hook.posts, 30, "the alert sent again after the restart")
        a = json.loads(hook.posts[0]["body"])
        assert a["event"] == "alert" and a["target"] == "web", a
        assert hook.posts[0]["headers"]["x-slamon-delivery"] == [first_id]
        # the receiver has it; the record follows once the answer is read
        (d,) = t.wait_for(lambda: [x for x in records(t, "delivery") if x["kind"] == "alert"],
                          30, "the delivery record")
        assert d["delivered"] is True and d["final"] is True and d["channel"] == "hook"
        # still down: no second alert for the same outage, and one alert record
        run.wait_results("web", 3)
        assert len(hook.posts) == 1 and len(records(t, "alert")) == 1
        assert "sending again the alert for web" in run.text()
        flip(port, "status:200")
        t.wait_for(lambda: len(hook.posts) >= 2, 30, "the recovery")
        assert json.loads(hook.posts[1]["body"])["event"] == "recovery"
        run.stop()
        assert len(hook.posts) == 2
    finally:
        hung.stop()
        hook.stop()


def test_live_alert_abandoned_at_stop_is_sent_after_restart(t):
    """A clean stop while the alert is still being retried records it as
    abandoned (not given up), and the next start delivers it."""
    port = targetd(t)
    failing = Hook(fail_first=1000)
    try:
        c = conf(t, port, f'{{ name = "hook"; type = "webhook"; url = "{failing.url}"; }}')
        run = LiveRun(t, c, {"SLAMON_NOTIFY_BACKOFF_MS": "200"})
        run.wait_results("web", 2)
        flip(port, "status:503")
        t.wait_for(lambda: len(failing.posts) >= 2, 30, "two failed attempts")
        run.stop()
        d = records(t, "delivery")
        assert d and d[-1]["abandoned"] is True and d[-1]["final"] is False, d
        assert all(x["delivered"] is False for x in d)
        failing.fail_first = 0  # the receiver is fixed
        n = len(failing.posts)
        run = LiveRun(t, c, FAST)
        t.wait_for(lambda: any(x["delivered"] for x in records(t, "delivery")), 30,
                   "the alert delivered after the restart")
        ok = [x for x in records(t, "delivery") if x["delivered"]]
        assert len(ok) == 1 and ok[0]["kind"] == "alert" and ok[0]["final"] is True
        assert json.loads(failing.posts[n]["body"])["event"] == "alert"
        run.stop()
    finally:
        failing.stop()
