"""The alertmanager, pagerduty and slack channels end to end.

PagerDuty and Slack: `slamon replay --send-alerts` of a 31-minute outage
sends an alert and a recovery to local receivers on 127.0.0.1, whose bodies
are checked against the documented shapes (PagerDuty Events API v2, Slack
incoming webhooks with Block Kit), written out here as JSON schemas.

Alertmanager: Debian's prometheus-alertmanager, started by the test on
127.0.0.1 with its own storage and a webhook receiver, gets slamon's alert
from a live `slamon run`: amtool shows it active, and when the target
recovers Alertmanager itself notifies it as resolved."""
import json
import os
import re
import subprocess
import time
import urllib.request

import jsonschema

from lib import free_port, read_jsonl
from probelib import Run, targetd
from receivers import Hook
from test_alert_replay import MIN, T0, csv, iso, replay

# PagerDuty Events API v2, "Send an alert event" / "Resolve" (developer.pagerduty.com)
PD_TRIGGER = {
    "type": "object",
    "required": ["routing_key", "event_action", "payload"],
    "properties": {
        "routing_key": {"type": "string", "minLength": 32, "maxLength": 32},
        "event_action": {"const": "trigger"},
        "dedup_key": {"type": "string", "maxLength": 255},
        "client": {"type": "string"}, "client_url": {"type": "string"},
        "payload": {
            "type": "object",
            "required": ["summary", "source", "severity"],
            "properties": {
                "summary": {"type": "string", "minLength": 1, "maxLength": 1024},
                "source": {"type": "string", "minLength": 1},
                "severity": {"enum": ["critical", "error", "warning", "info"]},
                "timestamp": {"type": "string", "format": "date-time"},
                "component": {"type": "string"}, "group": {"type": "string"},
                "class": {"type": "string"}, "custom_details": {"type": "object"},
            },
            "additionalProperties": False,
        },
    },
    "additionalProperties": False,
}
PD_RESOLVE = {
    "type": "object",
    "required": ["routing_key", "event_action", "dedup_key"],
    "properties": {"routing_key": {"type": "string"}, "event_action": {"const": "resolve"},
                   "dedup_key": {"type": "string", "maxLength": 255}},
    "additionalProperties": False,
}
# Slack incoming webhook with Block Kit (api.slack.com/reference/block-kit/blocks)
TEXT = {"type": "object", "required": ["type", "text"],
        "properties": {"type": {"enum": ["plain_text", "mrkdwn"]},
                       "text": {"type": "string", "minLength": 1, "maxLength": 3000}},
        "additionalProperties": False}
SLACK = {
    "type": "object",
    "required": ["text", "blocks"],
    "properties": {
        "text": {"type": "string", "minLength": 1},
        "blocks": {"type": "array", "maxItems": 50, "items": {"oneOf": [
            {"type": "object", "required": ["type", "text"], "additionalProperties": False,
             "properties": {"type": {"const": "header"},
                            "text": {"type": "object", "properties": {
                                "type": {"const": "plain_text"},
                                "text": {"type": "string", "maxLength": 150}}}}},
            {"type": "object", "required": ["type"], "additionalProperties": False,
             "properties": {"type": {"const": "section"}, "text": TEXT,
                            "fields": {"type": "array", "maxItems": 10, "items": TEXT}}},
            {"type": "object", "required": ["type", "elements"], "additionalProperties": False,
             "properties": {"type": {"const": "context"},
                            "elements": {"type": "array", "maxItems": 10, "items": TEXT}}},
        ]}},
    },
    "additionalProperties": False,
}
KEY = "0123456789abcdef0123456789abcdef"


def channel_conf(t, alerts):
    return t.write("slamon.conf", f"""\
slamon: {{ state_dir = "state"; timezone = "Europe/Oslo"; listen = "";
          public_url = "http://127.0.0.1:8080/"; }};
defaults: {{ interval = 60; timeout = 5; fail_threshold = 2; }};
targets = ( {{ name = "web"; component = "App <&>"; type = "tcp"; host = "127.0.0.1"; port = 1; }} );
maintenance: {{ windows = (); }};
alerts = ( {alerts} );
""")


def test_pagerduty_and_slack_payloads(t):
    pd, slack = Hook(fail_first=1, fail_status=429), Hook()
    try:
        c = channel_conf(t, f"""
  {{ name = "pd"; type = "pagerduty"; url = "{pd.url}/v2/enqueue"; routing_key = "{KEY}";
     severity = "error"; retry_for = 60; }},
  {{ name = "chat"; type = "slack"; url = "{slack.url}/services/T0/B0/x"; }}""")
        p = t.slamon("check", conf=c, check=0)
        assert "pagerduty 1, slack 1" in p.stdout, p.stdout
        s = T0 + 60 * MIN
        p, j = replay(t, c, csv(t, {"web": (s, s + 31 * MIN)}), "--send-alerts",
                      env={"SLAMON_NOTIFY_BACKOFF_MS": "50"})
        # PagerDuty: a 429 is retried with the same bytes, then trigger and resolve
        assert [x["path"] for x in pd.posts] == ["/hook/v2/enqueue"] * 3, pd.posts
        first, trig, res = (json.loads(x["body"]) for x in pd.posts)
        assert first == trig
        jsonschema.validate(trig, PD_TRIGGER, format_checker=jsonschema.FormatChecker())
        jsonschema.validate(res, PD_RESOLVE)
        assert trig["routing_key"] == KEY == res["routing_key"]
        assert re.fullmatch(r"[0-9a-f]{32}", trig["dedup_key"])
        assert res["dedup_key"] == trig["dedup_key"]  # the resolve closes that incident
        pl = trig["payload"]
        assert pl["summary"] == "ALERT web down 30m (unplanned)", pl
        assert pl["source"] == "web" and pl["component"] == "App <&>"
        assert pl["severity"] == "error" and pl["timestamp"] == iso(s + 1800)
        assert pl["custom_details"]["outage_start"] == iso(s)
        assert pl["custom_details"]["unplanned_s"] == 1800
        assert trig["client_url"] == "http://127.0.0.1:8080/"
        assert pd.posts[0]["headers"]["content-type"] == ["application/json"]
        # Slack: one message per notice, with blocks; mrkdwn escaped
        assert len(slack.posts) == 2 and slack.posts[0]["path"] == "/hook/services/T0/B0/x"
        alert, rec = (json.loads(x["body"]) for x in slack.posts)
        for m in (alert, rec):
            jsonschema.validate(m, SLACK)
        assert alert["text"] == "ALERT web down 30m (unplanned)"
        assert alert["blocks"][0]["text"]["text"] == alert["text"]
        fields = {f["text"].split("\n")[0]: f["text"].split("\n")[1]
                  for f in alert["blocks"][1]["fields"]}
        assert fields["*Target*"] == "web" and fields["*Component*"] == "App &lt;&amp;&gt;"
        assert fields["*Outage start*"] == iso(s) and fields["*Unplanned*"] == "30m"
        assert rec["text"] == "RECOVERED web after 31m (31m unplanned)", rec["text"]
        assert "<http://127.0.0.1:8080/|Status page>" in json.dumps(rec)
        # journaled like every channel: one final delivery record per notice and channel
        d = [x for x in j if x["event"] == "delivery" and x["delivered"]]
        assert sorted((x["channel"], x["kind"]) for x in d) == [
            ("chat", "alert"), ("chat", "recovery"), ("pd", "alert"), ("pd", "recovery")], d
        assert "alerts sent: 4 delivered, 0 given up" in p.stdout, p.stdout
    finally:
        pd.stop()
        slack.stop()


def test_channel_config_errors(t):
    bad = [
        ('{ type = "pagerduty"; }', "alerts[0].routing_key: missing"),
        ('{ type = "pagerduty"; routing_key = "k"; severity = "fatal"; }',
         'alerts[0].severity: "fatal": expected critical, error, warning or info'),
        ('{ type = "slack"; url = "ftp://x/"; }', "alerts[0].url"),
        ('{ type = "alertmanager"; url = "http://127.0.0.1:9093"; labels = ["target=x"]; }',
         "alerts[0].labels"),
        ('{ type = "alertmanager"; url = "http://127.0.0.1:9093"; routing_key = "k"; }',
         "not a setting of a alertmanager alert"),
        ('{ type = "pager"; }', "expected webhook, exec, smtp, alertmanager, pagerduty or slack"),
    ]
    for text, msg in bad:
        c = channel_conf(t, text)
        p = t.slamon("check", conf=c, check=1)
        assert re.search(r"slamon\.conf:6: ", p.stderr) and msg in p.stderr, (text, p.stderr)


AM_CONF = """\
route:
  receiver: hook
  group_by: [alertname, target]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: "%s/am"
        send_resolved: true
"""


def test_alertmanager_active_then_resolved(t):
    hook = Hook()
    try:
        amport = free_port()
        am = f"http://127.0.0.1:{amport}"
        cfg = t.write("alertmanager.yml", AM_CONF % hook.url)
        t.spawn(["prometheus-alertmanager", "--config.file", cfg,
                 "--storage.path", t.path("am-data"),
                 "--web.listen-address", f"127.0.0.1:{amport}",
                 "--cluster.listen-address", ""])
        t.wait_port(amport, timeout=60)
        port = targetd(t, "--route", "/health=status:503")
        c = t.write("slamon.conf", f"""\
slamon: {{ state_dir = "state"; timezone = "Europe/Oslo"; listen = "";
          public_url = "http://127.0.0.1:8080/"; }};
defaults: {{ interval = 1; timeout = 1; retry_interval = 1; fail_threshold = 2; alert_after = 2; }};
targets = ( {{ name = "web"; component = "App"; type = "http";
              url = "http://127.0.0.1:{port}/health"; }} );
maintenance: {{ windows = (); }};
alerts = ( {{ name = "am"; type = "alertmanager"; url = "{am}/";
             labels = ["severity=page", "team=sre"]; }} );
""")
        run = Run(t, c)
        run.wait_line(r"notify: alert for web delivered via am", timeout=30)

        def amtool_active():
            p = subprocess.run(["amtool", "--alertmanager.url", am, "-o", "json",
                                "alert", "query", "target=web"], capture_output=True, text=True)
            return [a for a in json.loads(p.stdout or "[]") if a["status"]["state"] == "active"]
        (a,) = t.wait_for(amtool_active, 30, "amtool to show the alert active", step=0.2)
        assert a["labels"] == {"alertname": "SlamonTargetDown", "target": "web",
                               "component": "App", "severity": "page", "team": "sre"}, a
        assert a["annotations"]["summary"].startswith("ALERT web down ")
        assert a["annotations"]["description"] == "HTTP status 503"
        assert a["generatorURL"] == "http://127.0.0.1:8080/"
        starts = a["startsAt"]

        def notified(status):
            out = []
            for p in hook.posts:
                b = json.loads(p["body"])
                out += [x for x in b["alerts"] if x["status"] == status]
            return out
        t.wait_for(lambda: notified("firing"), 30, "Alertmanager's firing notification")
        # the target recovers: the recovery resolves that very alert
        urllib.request.urlopen(f"http://127.0.0.1:{port}/_set?path=/health&spec=status:200",
                               timeout=10).read()
        run.wait_line(r"notify: recovery for web delivered via am", timeout=30)
        (r,) = t.wait_for(lambda: notified("resolved"), 30, "Alertmanager's resolved notification")
        assert r["labels"] == a["labels"] and r["startsAt"][:19] == starts[:19], (r, a)
        assert r["endsAt"] > r["startsAt"]
        assert amtool_active() == []
        j = read_jsonl(t.path("state", "journal.jsonl"))
        rec = [x for x in j if x["event"] == "recovery"]
        assert len(rec) == 1
        assert r["endsAt"].startswith(rec[0]["end"][:-1]), (r["endsAt"], rec[0]["end"])
        run.stop()
    finally:
        hook.stop()
