"""The Statuspage v2 API, /api/v1/availability and /calendar.ics of `slamon
run`, field by field against the public Statuspage v2 shape."""
import re
import subprocess

from httplib import EVIL, Site

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
ID = re.compile(r"^[0-9a-z]{12}$")
COMPONENT_STATUS = {"operational", "degraded_performance", "partial_outage", "major_outage",
                    "under_maintenance"}


def is_time(v):
    return isinstance(v, str) and TIME.match(v)


def check_page(p, port):
    assert set(p) >= {"id", "name", "url", "time_zone", "updated_at"}, p
    assert ID.match(p["id"]) and p["name"] and p["url"] == f"http://127.0.0.1:{port}/"
    assert p["time_zone"] == "Europe/Oslo" and is_time(p["updated_at"])


def check_component(c, page_id):
    keys = {"id", "name", "status", "created_at", "updated_at", "position", "description",
            "showcase", "start_date", "group_id", "page_id", "group", "only_show_if_degraded"}
    assert set(c) >= keys, set(keys) - set(c)
    assert ID.match(c["id"]) and c["status"] in COMPONENT_STATUS
    assert is_time(c["created_at"]) and is_time(c["updated_at"])
    assert isinstance(c["position"], int) and c["position"] >= 1
    assert c["description"] is None or isinstance(c["description"], str)
    assert c["showcase"] is True and c["start_date"] is None and c["group_id"] is None
    assert c["page_id"] == page_id and c["group"] is False and c["only_show_if_degraded"] is False


def check_update(u, inc_id):
    keys = {"id", "status", "body", "incident_id", "created_at", "updated_at", "display_at",
            "affected_components", "deliver_notifications", "custom_tweet", "tweet_id"}
    assert set(u) >= keys, set(keys) - set(u)
    assert ID.match(u["id"]) and u["incident_id"] == inc_id and isinstance(u["body"], str)
    assert is_time(u["created_at"]) and is_time(u["updated_at"]) and is_time(u["display_at"])
    for a in u["affected_components"]:
        assert set(a) >= {"code", "name", "old_status", "new_status"}
        assert a["old_status"] in COMPONENT_STATUS and a["new_status"] in COMPONENT_STATUS


def check_incident(i, page_id, maintenance=False):
    keys = {"id", "name", "status", "created_at", "updated_at", "monitoring_at", "resolved_at",
            "impact", "shortlink", "started_at", "page_id", "incident_updates", "components"}
    assert set(i) >= keys, set(keys) - set(i)
    assert ID.match(i["id"]) and i["name"] and i["page_id"] == page_id
    statuses = {"scheduled", "in_progress", "verifying", "completed"} if maintenance else \
        {"investigating", "identified", "monitoring", "resolved", "postmortem"}
    assert i["status"] in statuses, i["status"]
    assert i["impact"] in ({"maintenance"} if maintenance else {"none", "minor", "major", "critical"})
    assert is_time(i["created_at"]) and is_time(i["updated_at"]) and is_time(i["started_at"])
    assert i["monitoring_at"] is None
    assert (i["resolved_at"] is None) == (i["status"] not in ("resolved", "completed"))
    assert i["incident_updates"], i
    for u in i["incident_updates"]:
        check_update(u, i["id"])
    for c in i["components"]:
        # the whole component, as Atlassian documents it for incidents
        check_component(c, page_id)
        assert "targets" not in c
    if maintenance:
        assert is_time(i["scheduled_for"]) and is_time(i["scheduled_until"])
        assert i["scheduled_for"] < i["scheduled_until"]


def test_http_statuspage_shape(t):
    s = Site(t)
    inc = s.wait_incident()
    summ = s.json("/api/v2/summary.json")
    assert set(summ) == {"page", "components", "incidents", "scheduled_maintenances", "status"}
    check_page(summ["page"], s.port)
    pid = summ["page"]["id"]
    comps = {c["name"]: c for c in summ["components"]}
    assert set(comps) == {EVIL, "Database", "Files"}, comps.keys()
    for c in summ["components"]:
        check_component(c, pid)
    assert [c["position"] for c in summ["components"]] == [1, 2, 3]
    # api is down, web up: some of the component's targets are down
    assert comps[EVIL]["status"] == "partial_outage"
    assert comps["Database"]["status"] == "operational"
    assert comps["Files"]["status"] == "under_maintenance"
    assert summ["status"] == {"indicator": "minor", "description": "Minor Service Outage"}
    # ids are stable: the same on every call
    assert s.json("/api/v2/components.json")["components"][0]["id"] == comps[EVIL]["id"]

    check_incident(inc, pid)
    assert inc["status"] == "investigating" and inc["resolved_at"] is None
    assert inc["components"][0]["name"] == EVIL and EVIL in inc["name"]
    # the same status as summary.json gives the component, in the incident and its update
    assert inc["components"][0]["status"] == comps[EVIL]["status"] == "partial_outage"
    assert inc["incident_updates"][0]["affected_components"][0]["new_status"] == "partial_outage"
    # created_at is when monitoring began (the replayed history), before updated_at
    for c in summ["components"]:
        assert c["created_at"] < c["updated_at"] and c["created_at"] <= summ["page"]["updated_at"]
    assert [i["id"] for i in summ["incidents"]] == [inc["id"]]

    allinc = s.json("/api/v2/incidents.json")
    check_page(allinc["page"], s.port)
    resolved = [i for i in allinc["incidents"] if i["status"] == "resolved"]
    assert len(resolved) == 1, allinc["incidents"]
    r = resolved[0]
    check_incident(r, pid)
    assert r["target"] == "db" and r["components"][0]["name"] == "Database"
    assert r["unplanned_s"] == 1200 and r["maintenance_s"] == 0
    assert r["incident_updates"][0]["status"] == "resolved"
    assert "20m" in r["incident_updates"][0]["body"] and "unplanned" in r["incident_updates"][0]["body"]

    active = s.json("/api/v2/scheduled-maintenances/active.json")["scheduled_maintenances"]
    # the title a customer reads is the window's description; the window is named beside it
    assert [m["name"] for m in active] == ["Disk swap"] and active[0]["window"] == "emergency"
    check_incident(active[0], pid, maintenance=True)
    assert active[0]["status"] == "in_progress"
    assert [c["name"] for c in active[0]["components"]] == ["Files"]
    up = s.json("/api/v2/scheduled-maintenances/upcoming.json")["scheduled_maintenances"]
    assert [m["window"] for m in up] == ["upgrade"] and up[0]["name"] == "Upgrade <b>v2</b>"
    check_incident(up[0], pid, maintenance=True)
    assert up[0]["status"] == "scheduled" and up[0]["scheduled_for"] > summ["page"]["updated_at"]
    assert {c["name"] for c in up[0]["components"]} == {EVIL, "Database", "Files"}
    allm = s.json("/api/v2/scheduled-maintenances.json")["scheduled_maintenances"]
    # the whole list newest first, as Statuspage
    assert [m["window"] for m in allm] == ["upgrade", "emergency"]
    assert [m["window"] for m in summ["scheduled_maintenances"]] == ["emergency", "upgrade"]
    st = s.json("/api/v2/status.json")
    assert set(st) == {"page", "status"} and st["status"]["indicator"] == "minor"
    s.alive()


def test_http_availability_and_bars(t):
    s = Site(t)
    month = t.slamon("report", "--month", "2026-01", "--json", conf=s.conf, check=0)
    import json
    import time
    cur = time.strftime("%Y-%m", time.localtime())
    rep = s.json("/api/v1/availability")
    assert set(rep) >= {"month", "timezone", "start", "end", "consistent", "targets", "components"}
    assert rep["timezone"] == "Europe/Oslo" and len(rep["targets"]) == 4
    db = [x for x in rep["targets"] if x["name"] == "db"][0]
    assert db["down_s"] == 1200 or rep["month"] != cur, db
    old = s.json("/api/v1/availability?month=2026-01")
    assert old == json.loads(month.stdout)
    for bad in ("2026-13", "x", "2026-1", "2026-01-01%00"):
        st, h, body = s.get("/api/v1/availability?month=" + bad)
        assert st == 400, (bad, st)
        assert json.loads(body)["error"]["code"] == 400
    bars = s.json("/api/v1/uptime.json")
    assert len(bars["days"]) == 90 and len(bars["components"]) == 3
    for c in bars["components"]:
        assert len(c["days"]) == 90
        for d in c["days"]:
            assert d["status"] in ("up", "degraded", "down", "maintenance", "unknown")
    assert bars["components"][0]["days"][0]["status"] == "unknown"
    dbbars = [c for c in bars["components"] if c["name"] == "Database"][0]["days"]
    assert any(d["down_s"] == 1200 for d in dbbars), [d for d in dbbars if d["down_s"]]
    s.alive()


def test_http_calendar_ics(t):
    s = Site(t)
    st, h, body = s.get("/calendar.ics")
    assert st == 200 and h["Content-Type"].startswith("text/calendar")
    text = body.decode()
    assert text.startswith("BEGIN:VCALENDAR") and "END:VCALENDAR" in text
    # parsed back by slamon's own importer: its windows are ours
    t.write("cal.ics", text)
    conf2 = t.write("c2.conf", """
slamon: { state_dir = "state2"; timezone = "Europe/Oslo"; listen = ""; };
targets = ({ name = "x"; type = "tcp"; host = "127.0.0.1"; port = 9; });
maintenance: { windows = (); ics = ({ file = "cal.ics"; trust_created = true; }); };
""")
    import json
    import time
    a = time.strftime("%Y-%m-%d", time.gmtime(s.now - 86400))
    b = time.strftime("%Y-%m-%d", time.gmtime(s.now + 3 * 86400))
    mine = json.loads(t.slamon("calendar", "--from", a, "--to", b, "--json", conf=s.conf,
                               check=0).stdout)
    back = json.loads(t.slamon("calendar", "--from", a, "--to", b, "--json", conf=conf2,
                               check=0).stdout)
    assert [(o["start"], o["end"]) for o in mine] == [(o["start"], o["end"]) for o in back]
    assert len(mine) == 2
    s.alive()
