"""The status page as customers read it, after a replayed month
(pagelib.MonthSite): in headless Chromium (tests/browser/status.js), the
Atom and RSS feeds through feedparser, the incident model and the
Statuspage fields behind it, and the page{} configuration group."""
import json
import os
import subprocess
import time

import feedparser

from lib import ROOT, free_port
from pagelib import MonthSite, iso

PAGE = """page: {
  title = "Example Corp status"; url = "https://example.com/";
  support = "mailto:support@example.com"; footer = "Example Corp, Oslo";
  order = ["Documents"];
};"""
STATUS = {"operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"}


def wait_affected(s):
    """docs is down inside the Documents migration: wait until the card says so."""
    def hit():
        act = s.json("/api/v2/scheduled-maintenances/active.json")["scheduled_maintenances"]
        return [m for m in act if m["window"] == "docs-migration" and m["affected"]]
    return s.t.wait_for(hit, 90, "the in-window outage on the maintenance card", step=0.2)[0]


def test_status_page_browser(t):
    s = MonthSite(t, PAGE)
    wait_affected(s)
    for f in ("status-page-1280.png", "status-page-390.png"):
        if os.path.exists(os.path.join(t.build, f)):
            os.unlink(os.path.join(t.build, f))
    p = subprocess.run(["node", os.path.join(ROOT, "tests", "browser", "status.js"), s.base + "/",
                        os.path.abspath(t.build)], cwd=ROOT, capture_output=True, text=True,
                       timeout=240)
    assert p.returncode == 0, p.stdout + p.stderr
    for f in ("status-page-1280.png", "status-page-390.png", "status-page-incident.png"):
        assert os.path.getsize(os.path.join(t.build, f)) > 20000, f
    s.alive()


def test_status_page_incidents(t):
    s = MonthSite(t, PAGE)
    m = wait_affected(s)
    assert m["name"] == "Documents migration" and m["status"] == "in_progress"
    assert "Affected: Documents." in m["incident_updates"][0]["body"]
    # docs is down now, inside the announced window: no incident
    assert s.json("/api/v2/incidents/unresolved.json")["incidents"] == []
    inc = s.json("/api/v2/incidents.json")["incidents"]
    starts = [i["created_at"] for i in inc]
    assert starts == sorted(starts, reverse=True), "newest first"
    names = [i["name"] for i in inc]
    assert names == ["Website: www unavailable", "API: api unavailable", "API: api unavailable"], names
    # the overrun: an incident from the window's end, which names the window
    over = inc[1]
    assert over["created_at"] == iso(s.migration[1]) and over["started_at"] == iso(s.migration[1])
    assert over["unplanned_s"] + over["maintenance_s"] == over["down_s"]
    assert over["maintenance_s"] > 0 and over["unplanned_s"] >= 2400
    assert [w["name"] for w in over["windows"]] == ["Storage migration"]
    tl = over["targets"]
    assert len(tl) == 1 and tl[0]["target"] == "api" and tl[0]["start"] < tl[0]["unplanned_from"]
    assert [u["status"] for u in over["incident_updates"]] == ["resolved", "identified", "investigating"]
    for u in over["incident_updates"]:
        for a in u["affected_components"]:
            assert a["new_status"] in STATUS and a["old_status"] in STATUS
    assert over["incident_updates"][0]["affected_components"][0]["new_status"] == "operational"
    # the alert and the recovery in the same second (30 min down, alert_after 30 min)
    for i in inc:
        assert i["incident_updates"][0]["status"] == "resolved", i["incident_updates"]
    # one incident by id, the page for it, and nothing for an unknown id
    one = s.json(f"/api/v2/incidents/{over['id']}.json")["incident"]
    assert one["id"] == over["id"] and one["name"] == over["name"]
    st, _, _ = s.get("/api/v2/incidents/zzzzzzzzzzzz.json")
    assert st == 404
    st, h, body = s.get(f"/incidents/{over['id']}")
    assert st == 200 and "text/html" in h["Content-Type"] and "'unsafe-inline'" not in h["Content-Security-Policy"]
    assert s.get("/incidents/../etc/passwd")[0] == 404
    # history: the past maintenance with what happened inside it, from the start of the data
    hist = s.json("/api/v1/history.json")
    assert hist["start"] <= iso(s.now - 30 * 86400)
    past = {m["name"]: m for m in hist["scheduled_maintenances"]}
    assert past["Database upgrade"]["affected"][0]["component"] == "Documents"
    assert past["Storage migration"]["affected"][0]["overran"] is True
    # a nightly restart that docs got through inside its window is not history
    assert "Nightly restart" not in past
    s.alive()


def test_status_page_feeds(t):
    s = MonthSite(t, PAGE)
    wait_affected(s)
    for path, version, ctype in (("/history.atom", "atom10", "application/atom+xml"),
                                 ("/history.rss", "rss20", "application/rss+xml")):
        st, h, body = s.get(path)
        assert st == 200 and h["Content-Type"].startswith(ctype), (path, h)
        f = feedparser.parse(body)
        assert not f.bozo, (path, f.bozo_exception)
        assert f.version == version, (path, f.version)
        assert f.feed.title == "Example Corp status - incident history"
        titles = [e.title for e in f.entries]
        assert titles.count("API: api unavailable") == 2 and "Website: www unavailable" in titles, titles
        assert "Maintenance: Network maintenance" in titles and "Maintenance: Documents migration" in titles
        assert titles.count("Maintenance: Nightly restart") == 1, titles
        ids = [e.id for e in f.entries]
        assert len(set(ids)) == len(ids)
        for e in f.entries:
            assert e.link.startswith(s.base + "/") and e.get("updated_parsed") or e.get("published_parsed")
        if version == "atom10":
            # RFC 4287: feed id, title, updated, author; entries id, title, updated
            assert f.feed.id == s.base + "/history.atom" and f.feed.updated_parsed and f.feed.author
            ups = [time.mktime(e.updated_parsed) for e in f.entries]
            assert ups == sorted(ups, reverse=True), "newest first"
            # when an entry changed, never a time to come (upcoming maintenance: its announcement)
            assert all(u <= time.mktime(time.gmtime()) + 1 for u in ups)
            inc = [e for e in f.entries if e.title == "Website: www unavailable"][0]
            assert inc.link.startswith(s.base + "/incidents/") and "Resolved" not in inc.title
            assert "resolved: www is back up" in inc.content[0].value
    s.alive()


def test_status_page_statuspage_fields(t):
    s = MonthSite(t, PAGE)
    wait_affected(s)
    a = s.json("/api/v2/components.json")["components"]
    summ = s.json("/api/v2/summary.json")
    assert summ["page"]["name"] == "Example Corp status"
    for c in a:
        assert c["created_at"] <= c["updated_at"], c
        assert c["created_at"] <= iso(s.now - 30 * 86400)
    # stable: the same on every call, and the same status on every endpoint
    time.sleep(1.1)
    b = {c["id"]: c for c in s.json("/api/v2/components.json")["components"]}
    for c in a:
        assert b[c["id"]]["created_at"] == c["created_at"]
    status = {c["id"]: c["status"] for c in summ["components"]}
    assert status == {c["id"]: c["status"] for c in b.values()}
    assert [c["name"] for c in summ["components"]] == ["Documents", "Website", "API"]
    for m in summ["scheduled_maintenances"]:
        for c in m["components"]:
            if m["status"] == "in_progress":
                assert c["status"] == status[c["id"]] == "under_maintenance"
        for u in m["incident_updates"]:
            for ac in u["affected_components"]:
                assert ac["new_status"] in STATUS
    page = s.json("/api/v1/page.json")
    assert page["title"] == "Example Corp status" and page["support"] == "mailto:support@example.com"
    assert page["url"] == "https://example.com/" and page["logo"] is None
    st, h, body = s.get("/favicon.svg")
    assert st == 200 and h["Content-Type"] == "image/svg+xml" and b"#2563eb" in body  # maintenance
    st, h, body = s.get("/api/v2/summary.json", method="OPTIONS",
                        headers={"Origin": "https://widget.example", "Access-Control-Request-Method": "GET"})
    assert st == 204 and h["Access-Control-Allow-Origin"] == "*"
    # the page's latency graph data: one line per target, buckets over the range
    cid = [c["id"] for c in summ["components"] if c["name"] == "API"][0]
    lat = s.json(f"/api/v1/latency.json?component={cid}&range=7d")
    vals = [v for v in lat["targets"][0]["latency_ms"] if v is not None]
    # the replayed 30-80 ms from the hourly rows (168 of them for 240 buckets)
    assert len(lat["down_s"]) == 240 and len(vals) >= 160 and 29 < min(vals) < max(vals) < 81
    assert sum(lat["maintenance_s"]) > 0 and sum(lat["down_s"]) > 0  # the overrun, 5 days ago
    day = s.json(f"/api/v1/latency.json?component={cid}&range=24h")
    assert sum(v is not None for v in day["targets"][0]["latency_ms"]) >= 230  # minute rows
    assert s.get(f"/api/v1/latency.json?component={cid}&range=1y")[0] == 400
    assert s.get("/api/v1/latency.json?component=nosuch&range=7d")[0] == 404
    # the rrdtool graph may colour its shapes with style attributes, and nothing else
    st, h, body = s.get("/graph/api.svg?range=90d")
    assert st == 200 and "style-src-attr 'unsafe-inline'" in h["Content-Security-Policy"]
    assert "script" not in h["Content-Security-Policy"]
    s.alive()


def page_conf(t, page, logo=None):
    port = free_port()
    return t.write("page.conf", f"""
slamon: {{ state_dir = "state"; listen = "127.0.0.1:{port}"; }};
targets = (
  {{ name = "a"; component = "Alpha"; type = "tcp"; host = "127.0.0.1"; port = 9; }},
  {{ name = "b"; component = "Beta"; type = "tcp"; host = "127.0.0.1"; port = 9; }},
  {{ name = "c"; component = "Internal"; type = "tcp"; host = "127.0.0.1"; port = 9; }}
);
maintenance: {{ windows = (); }};
{page}
"""), port


def test_page_config_errors(t):
    for page, line, msg in (
        ('page: { order = ["Alpha", "Nope"]; };', 9, 'order: "Nope" is not the component of any target'),
        ('page: { hidden = ["Alpha", "Alpha"]; };', 9, '"Alpha" is listed twice'),
        ('page: { support = "ftp://x.example"; };', 9, "support"),
        ('page: { support = "mailto:nobody"; };', 9, "not a mailto: address"),
        ('page: { logo = "logo.png"; };', 9, "absolute file path"),
        ('page: { logo = "/nonexistent/logo.png"; };', 9, "cannot be read"),
        ('page: { logo = "/etc/hostname"; };', 9, "must end in .png"),
        ('page: { colour = "red"; };', 9, "colour"),
        ('page: { groups = ( { name = "G"; components = ["Alpha"]; },\n { name = "H"; components = ["Alpha"]; } ); };',
         10, 'already in group "G"'),
        ('page: { groups = ( { name = "Beta"; components = ["Alpha"]; } ); };', 9, "already the name of a component"),
    ):
        conf, _ = page_conf(t, page)
        p = t.slamon("check", conf=conf, check=1)
        assert f"page.conf:{line}:" in p.stderr and msg in p.stderr, (page, p.stderr)


def test_page_config_groups_hidden_logo(t):
    logo = t.write("logo.svg", '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
                   '<rect width="10" height="10" fill="#123456"/></svg>')
    conf, port = page_conf(t, f"""page: {{ title = "Acme"; logo = "{logo}"; hidden = ["Internal"];
  groups = ( {{ name = "Core"; components = ["Beta", "Alpha"]; }} ); }};""")
    t.spawn([t.bin, "-c", conf, "run"])
    t.wait_port(port)
    from httplib import Site
    s = Site.__new__(Site)
    s.base = f"http://127.0.0.1:{port}"
    comps = s.json("/api/v2/components.json")["components"]
    assert [c["name"] for c in comps] == ["Core", "Alpha", "Beta"]
    core = comps[0]
    assert core["group"] is True and core["components"] == [comps[1]["id"], comps[2]["id"]]
    assert comps[1]["group_id"] == core["id"] and comps[2]["group_id"] == core["id"]
    assert [c["position"] for c in comps] == [1, 2, 3]
    # hidden: not on the page, the v2 API or the bars
    assert "Internal" not in json.dumps(s.json("/api/v2/summary.json"))
    assert "Internal" not in json.dumps(s.json("/api/v1/uptime.json"))
    page = s.json("/api/v1/page.json")
    assert page["logo"] == "/logo" and page["groups"][0]["name"] == "Core"
    st, h, body = s.get("/logo")
    assert st == 200 and h["Content-Type"] == "image/svg+xml" and b"#123456" in body
    st, h, body = s.get("/")
    assert "img-src 'self' data:;" in h["Content-Security-Policy"]


def test_page_config_logo_url_in_policy(t):
    conf, port = page_conf(t, 'page: { logo = "https://cdn.example.com/a/logo.png"; };')
    t.spawn([t.bin, "-c", conf, "run"])
    t.wait_port(port)
    from httplib import Site
    s = Site.__new__(Site)
    s.base = f"http://127.0.0.1:{port}"
    st, h, body = s.get("/")
    assert "img-src 'self' data: https://cdn.example.com;" in h["Content-Security-Policy"]
    assert s.json("/api/v1/page.json")["logo"] == "https://cdn.example.com/a/logo.png"
    assert s.get("/logo")[0] == 404
