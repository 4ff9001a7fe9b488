"""When alerts fire, checked through `slamon replay` (design.md 4, issue 7):
the journal's `alert`/`recovery` records carry the simulated time, so every
deadline is asserted to the second. Each test writes its own CSV: one probe
a minute, failing over [outage_start, outage_end). The 30-minute rule
(alert_after = 1800, the default) against announced, short-notice and
unannounced windows, alert_repeat, and --send-alerts through a real webhook
receiver on 127.0.0.1."""
import calendar
import json
import os
import re

from lib import read_jsonl
from receivers import Hook

# Tuesday 2026-03-10 09:00 UTC; nothing in these tests looks at the real clock.
T0 = calendar.timegm((2026, 3, 10, 9, 0, 0))
MIN = 60


def iso(t):
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % tuple(__import__("time").gmtime(t))[:6]


def conf(t, windows="", announcements="", defaults="", alerts="", targets=("web",)):
    tg = ",\n".join(f'  {{ name = "{n}"; component = "App"; type = "tcp"; host = "127.0.0.1"; '
                    f'port = 1; }}' for n in targets)
    return t.write("slamon.conf", f"""\
slamon: {{ state_dir = "state"; timezone = "Europe/Oslo"; listen = "";
          public_url = "http://127.0.0.1:8080/"; }};
defaults: {{ interval = 60; timeout = 5; fail_threshold = 2; {defaults} }};
targets = (
{tg}
);
maintenance: {{ min_notice = 86400;
  windows = ( {windows} );
  announcements = ( {announcements} ); }};
alerts = ( {alerts} );
""")


def csv(t, outages, start=T0, end=None, name="replay.csv"):
    """outages: {target: (first failed probe, first good probe after it)}."""
    if end is None:
        end = max(b for _, b in outages.values()) + 30 * MIN
    rows = ["time,target,ok,latency_ms,detail"]
    for ts in range(start, end, MIN):
        for target, (a, b) in sorted(outages.items()):
            down = a <= ts < b
            rows.append(f"{ts},{target},{0 if down else 1},{'' if down else '4.5'},"
                        f"{'HTTP 503' if down else 'HTTP status 200'}")
    return t.write(name, "\n".join(rows) + "\n")


def replay(t, c, data, *args, env=None):
    p = t.slamon("replay", *args, data, conf=c, env=env, check=0)
    return p, read_jsonl(t.path("state", "journal.jsonl"))


def events(journal, kind, target="web"):
    return [r for r in journal if r["event"] == kind and r.get("target", target) == target]


def announced(window, start, end, notice=2 * 86400):
    return (f'{{ window = "{window}"; start = "{iso(start)}"; end = "{iso(end)}"; '
            f'announced_at = "{iso(start - notice)}"; note = "test"; }}')


PLANNED = '{ name = "planned"; requires_announcement = true; }'
EMERGENCY = '{ name = "emergency"; requires_announcement = true; }'


def test_replay_29_minutes_no_alert(t):
    s = T0 + 60 * MIN
    p, j = replay(t, conf(t), csv(t, {"web": (s, s + 29 * MIN)}))
    assert "0 alerts, 0 recoveries" in p.stdout, p.stdout
    assert events(j, "alert") == [] and events(j, "recovery") == []
    (end,) = events(j, "outage_end")
    assert end["start"] == iso(s) and end["end"] == iso(s + 29 * MIN)
    assert end["unplanned_s"] == 29 * MIN and end["down_s"] == 29 * MIN


def test_replay_31_minutes_alert_at_30(t):
    s = T0 + 60 * MIN
    p, j = replay(t, conf(t), csv(t, {"web": (s, s + 31 * MIN)}))
    assert "1 alerts, 1 recoveries" in p.stdout, p.stdout
    (a,) = events(j, "alert")
    assert a["time"] == iso(s + 1800) and a["outage_start"] == iso(s)
    assert a["unplanned_s"] == 1800 and "repeat" not in a
    (r,) = events(j, "recovery")
    assert r["time"] == iso(s + 31 * MIN) and r["end"] == iso(s + 31 * MIN)
    assert r["outage_start"] == iso(s)
    # journaled in order: outage_start, alert, outage_end, recovery
    kinds = [x["event"] for x in j if x["event"] not in ("monitor_start", "monitor_stop",
                                                          "rule_seen")]
    assert kinds == ["outage_start", "alert", "outage_end", "recovery"], kinds


def test_replay_alert_after_is_configurable(t):
    # alert_after = 600: 9 min no alert, 11 min an alert at +10 min
    s = T0 + 60 * MIN
    c = conf(t, defaults="alert_after = 600;", targets=("a", "b"))
    p, j = replay(t, c, csv(t, {"a": (s, s + 9 * MIN), "b": (s, s + 11 * MIN)}))
    assert events(j, "alert", "a") == []
    (a,) = events(j, "alert", "b")
    assert a["time"] == iso(s + 600) and a["unplanned_s"] == 600


def test_replay_outage_overruns_window_end(t):
    """Starts inside an announced window, runs 40 min past its end: the alert
    comes exactly 30 min after the window ended, with 1800 s unplanned."""
    w0, w1 = T0 + 60 * MIN, T0 + 180 * MIN
    s, e = w0 + 10 * MIN, w1 + 40 * MIN
    c = conf(t, PLANNED, announced("planned", w0, w1))
    p, j = replay(t, c, csv(t, {"web": (s, e)}))
    (a,) = events(j, "alert")
    assert a["time"] == iso(w1 + 1800), (a, iso(w1 + 1800))
    assert a["unplanned_s"] == 1800 and a["outage_start"] == iso(s)
    (end,) = events(j, "outage_end")
    assert end["unplanned_s"] == 40 * MIN and end["maintenance_s"] == w1 - s
    (r,) = events(j, "recovery")
    assert r["time"] == iso(e)


def test_replay_outage_runs_into_window(t):
    """Starts 20 min before an announced window: unplanned time stops counting
    inside it. Target a recovers inside the window (no alert, 20 min unplanned);
    target b is still down 10 min after the window ends (alert at end + 10 min:
    20 before + 10 after = 30 unplanned)."""
    w0, w1 = T0 + 60 * MIN, T0 + 180 * MIN
    s = w0 - 20 * MIN
    c = conf(t, PLANNED, announced("planned", w0, w1), targets=("a", "b"))
    p, j = replay(t, c, csv(t, {"a": (s, w0 + 60 * MIN), "b": (s, w1 + 15 * MIN)}))
    assert events(j, "alert", "a") == []
    (ea,) = events(j, "outage_end", "a")
    assert ea["unplanned_s"] == 20 * MIN and ea["maintenance_s"] == 60 * MIN
    (ab,) = events(j, "alert", "b")
    assert ab["time"] == iso(w1 + 10 * MIN) and ab["unplanned_s"] == 1800
    (rb,) = events(j, "recovery", "b")
    assert rb["time"] == iso(w1 + 15 * MIN)


def test_replay_short_notice_emergency_window_does_not_silence(t):
    """An emergency window announced 2 h before it starts (< min_notice):
    listed as short-notice, counted against availability, and the outage
    inside it is alerted at +30 min as if there were no window."""
    w0, w1 = T0 + 60 * MIN, T0 + 180 * MIN
    s = w0 + 5 * MIN
    c = conf(t, EMERGENCY, announced("emergency", w0, w1, notice=2 * 3600))
    p = t.slamon("calendar", "--from", iso(w0 - 3600), "--to", iso(w1 + 3600), "--json",
                 conf=c, check=0)
    (occ,) = json.loads(p.stdout)
    assert occ["name"] == "emergency" and occ["short_notice"] is True
    assert occ["announced"] is False
    p, j = replay(t, c, csv(t, {"web": (s, s + 45 * MIN)}))
    (a,) = events(j, "alert")
    assert a["time"] == iso(s + 1800) and a["unplanned_s"] == 1800
    (end,) = events(j, "outage_end")
    assert end["maintenance_s"] == 0 and end["unplanned_s"] == 45 * MIN


def test_replay_unannounced_eligible_slot_does_not_silence(t):
    """infrastructure: Saturdays 20:00 local for 10 h, requires_announcement,
    never announced: an outage in it is alerted at +30."""
    infra = ('{ name = "infrastructure"; rrule = "FREQ=WEEKLY;BYDAY=SA"; '
             'first = "2026-01-03 20:00"; duration = 36000; requires_announcement = true; }')
    sat = calendar.timegm((2026, 3, 14, 19, 0, 0))  # 20:00 in Oslo (CET)
    s = sat + 60 * MIN
    c = conf(t, infra)
    p = t.slamon("calendar", "--from", iso(sat), "--to", iso(sat + 3600), "--json",
                 conf=c, check=0)
    (occ,) = json.loads(p.stdout)
    assert occ["start"] == iso(sat) and occ["announced"] is False
    p, j = replay(t, c, csv(t, {"web": (s, s + 40 * MIN)}, start=sat - 30 * MIN))
    (a,) = events(j, "alert")
    assert a["time"] == iso(s + 1800) and a["unplanned_s"] == 1800
    assert events(j, "outage_end")[0]["maintenance_s"] == 0


def test_replay_announced_eligible_slot_silences_inside(t):
    """The same slot with a timely announcement: an outage inside it is not
    alerted; one that overruns it is, 30 min after the announced end."""
    infra = ('{ name = "infrastructure"; rrule = "FREQ=WEEKLY;BYDAY=SA"; '
             'first = "2026-01-03 20:00"; duration = 36000; requires_announcement = true; }')
    sat = calendar.timegm((2026, 3, 14, 19, 0, 0))
    end = sat + 4 * 3600  # announced for 4 of the slot's 10 hours
    c = conf(t, infra, announced("infrastructure", sat, end), targets=("in", "over"))
    p = t.slamon("calendar", "--from", iso(sat), "--to", iso(sat + 3600), "--json",
                 conf=c, check=0)
    occ = [o for o in json.loads(p.stdout) if o["announced"]]
    assert len(occ) == 1 and occ[0]["end"] == iso(end), p.stdout
    s = sat + 30 * MIN
    p, j = replay(t, c, csv(t, {"in": (s, s + 150 * MIN), "over": (s, end + 31 * MIN)},
                            start=sat - 30 * MIN))
    assert events(j, "alert", "in") == []
    (e_in,) = events(j, "outage_end", "in")
    assert e_in["unplanned_s"] == 0 and e_in["maintenance_s"] == 150 * MIN
    (a,) = events(j, "alert", "over")
    assert a["time"] == iso(end + 1800) and a["unplanned_s"] == 1800


def test_replay_alert_repeat(t):
    """alert_repeat is off by default: a 2 h outage gives one alert. With
    alert_repeat = 600 a repeat every 10 min after the alert while it lasts,
    journaled with "repeat": true."""
    s = T0 + 60 * MIN
    c = t.write("slamon.conf", open(conf(t, targets=("once", "rep"))).read().replace(
        'name = "rep"; component = "App";', 'name = "rep"; component = "App"; alert_repeat = 600;'))
    p, j = replay(t, c, csv(t, {"once": (s, s + 120 * MIN), "rep": (s, s + 55 * MIN)}))
    assert len(events(j, "alert", "once")) == 1
    al = events(j, "alert", "rep")
    assert [x["time"] for x in al] == [iso(s + 1800), iso(s + 2400), iso(s + 3000)], al
    assert "repeat" not in al[0] and al[1]["repeat"] is True and al[2]["repeat"] is True
    assert [x["unplanned_s"] for x in al] == [1800, 2400, 3000]
    assert len(events(j, "recovery", "rep")) == 1
    assert "4 alerts, 2 recoveries" in p.stdout, p.stdout


def test_replay_send_alerts_delivers(t):
    """Without --send-alerts nothing is posted; with it, the alert and the
    recovery reach a real webhook receiver, with the simulated times, in order;
    a failed first attempt is retried and journaled as a delivery record."""
    hook = Hook(fail_first=1)
    try:
        s = T0 + 60 * MIN
        c = conf(t, alerts=f'{{ name = "hook"; type = "webhook"; url = "{hook.url}"; '
                           f'retry_for = 60; }}')
        data = csv(t, {"web": (s, s + 31 * MIN)})
        p, j = replay(t, c, data)
        assert hook.posts == [] and len(events(j, "alert")) == 1
        # a fresh state directory: the replay again, now sending
        os.rename(t.path("state"), t.path("state.nosend"))
        p, j = replay(t, c, data, "--send-alerts", env={"SLAMON_NOTIFY_BACKOFF_MS": "50"})
        assert len(hook.posts) == 3, hook.posts  # alert (failed, then ok), recovery
        first, alert, rec = (json.loads(x["body"]) for x in hook.posts)
        assert first == alert
        assert [x["headers"]["x-slamon-attempt"][0] for x in hook.posts] == ["1", "2", "1"]
        assert alert["event"] == "alert" and alert["test"] is False
        assert alert["target"] == "web" and alert["component"] == "App"
        assert alert["outage_start"] == iso(s) and alert["time"] == iso(s + 1800)
        assert alert["unplanned_s"] == 1800 and alert["down_s"] == 1800
        assert alert["end"] is None and alert["windows"] == []
        assert alert["reason"] == "HTTP 503"
        assert alert["status_url"] == "http://127.0.0.1:8080/"
        assert rec["event"] == "recovery" and rec["end"] == iso(s + 31 * MIN)
        assert rec["time"] == iso(s + 31 * MIN) and rec["down_s"] == 31 * MIN
        d = [x for x in j if x["event"] == "delivery"]
        assert len(d) == 3, d
        assert d[0]["attempt"] == 1 and d[0]["delivered"] is False and d[0]["final"] is False
        assert "503" in d[0]["error"] and d[0]["channel"] == "hook" and d[0]["kind"] == "alert"
        assert d[1]["attempt"] == 2 and d[1]["delivered"] is True and d[1]["final"] is True
        assert d[2]["kind"] == "recovery" and d[2]["attempt"] == 1 and d[2]["delivered"] is True
        # the notice's own (simulated) time identifies it
        assert d[1]["notice_time"] == iso(s + 1800) and d[2]["notice_time"] == iso(s + 31 * MIN)
        assert re.search(r"1 alerts, 1 recoveries", p.stdout)
        assert "alerts sent: 2 delivered, 0 given up" in p.stdout, p.stdout
    finally:
        hook.stop()


def test_replay_send_alerts_windows_in_payload(t):
    """The payload names the announced window the outage touched."""
    hook = Hook()
    try:
        w0, w1 = T0 + 60 * MIN, T0 + 180 * MIN
        s = w0 + 10 * MIN
        c = conf(t, PLANNED, announced("planned", w0, w1),
                 alerts=f'{{ name = "hook"; type = "webhook"; url = "{hook.url}"; }}')
        p, j = replay(t, c, csv(t, {"web": (s, w1 + 40 * MIN)}), "--send-alerts")
        bodies = [json.loads(x["body"]) for x in hook.posts]
        assert [b["event"] for b in bodies] == ["alert", "recovery"], bodies
        assert bodies[0]["windows"] == ["planned"] and bodies[0]["unplanned_s"] == 1800
        assert bodies[0]["time"] == iso(w1 + 1800)
        assert bodies[0]["down_s"] == w1 + 1800 - s
        assert bodies[1]["unplanned_s"] == 40 * MIN
    finally:
        hook.stop()


def test_no_other_muting_option(t):
    """Only announced maintenance silences: keys that would mute an alert are
    rejected by the configuration loader."""
    for where, key in (("defaults", "mute = true;"), ("defaults", "silence = 3600;"),
                       ("defaults", "alerts_enabled = false;"), ("target", "muted = true;"),
                       ("target", "snooze = 3600;"), ("alert", "enabled = false;"),
                       ("alert", "mute = true;")):
        c = conf(t, defaults=key if where == "defaults" else "",
                 alerts='{ type = "webhook"; url = "http://127.0.0.1:9/h"; %s }' %
                        (key if where == "alert" else ""))
        if where == "target":
            c = t.write("slamon.conf", open(c).read().replace('port = 1;', 'port = 1; ' + key))
        p = t.slamon("check", conf=c, check=1)
        name = key.split()[0]
        assert name in p.stderr and re.search(r"slamon\.conf:\d+", p.stderr), p.stderr
