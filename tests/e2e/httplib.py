"""httplib.py - the fixture of the HTTP tests: a history replayed into the
state directory, then `slamon run` with the server on a free port, probing
targetd (one target up, one TCP target refused, so an incident is open) and
one target inside an announced maintenance window. Component names are
hostile on purpose."""
import json
import os
import time
import urllib.error
import urllib.request

from lib import free_port

EVIL = 'Web <script>alert("x")</script> & \'co\' \\ \u00e6\u00f8\u00e5'


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class Site:
    def __init__(self, t, history_days=3):
        self.t = t
        self.now = int(time.time())
        self.http_port = free_port()
        self.dead_port = free_port()  # nothing listens: connect refused
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        t.spawn([os.path.join(t.tools, "targetd"), "--http", str(self.http_port)])
        t.wait_port(self.http_port)
        n = self.now
        self.conf = self.write_conf("slamon.conf", 1)
        # the history has a row a minute: replayed with a 60 s interval
        replay_conf = self.write_conf("replay.conf", 60)
        # history: every target up, with one 20-minute unplanned outage of db a day ago
        rows = ["time,target,ok,latency_ms,detail"]
        start = n - history_days * 86400
        start -= start % 60
        for ts in range(start, n - 600, 60):
            for name in ("web", "api", "db", "files"):
                ok = not (name == "db" and n - 86400 <= ts < n - 86400 + 1200)
                rows.append(f"{ts},{name},{1 if ok else 0},{'12.5' if ok else ''},{'' if ok else 'refused'}")
        t.write("history.csv", "\n".join(rows) + "\n")
        t.slamon("replay", "history.csv", conf=replay_conf, check=0, timeout=120)
        self.proc = t.spawn([t.bin, "-v", "-c", self.conf, "run"])
        t.wait_port(self.port)

    def write_conf(self, name, interval):
        n = self.now
        return self.t.write(name, f"""
slamon: {{ state_dir = "state"; timezone = "Europe/Oslo"; listen = "127.0.0.1:{self.port}"; }};
defaults: {{ interval = {interval}; timeout = 1; retry_interval = 1; fail_threshold = 2; alert_after = 3600; slo = 99.5; }};
targets = (
  {{ name = "web"; component = "{EVIL.replace(chr(92), chr(92)*2).replace('"', chr(92)+'"')}"; type = "http";
     url = "http://127.0.0.1:{self.http_port}/"; }},
  {{ name = "api"; component = "{EVIL.replace(chr(92), chr(92)*2).replace('"', chr(92)+'"')}"; type = "tcp";
     host = "127.0.0.1"; port = {self.dead_port}; }},
  {{ name = "db"; component = "Database"; type = "tcp"; host = "127.0.0.1"; port = {self.http_port}; }},
  {{ name = "files"; component = "Files"; type = "http"; url = "http://127.0.0.1:{self.http_port}/f"; }}
);
maintenance: {{
  min_notice = 3600;
  windows = (
    {{ name = "emergency"; description = "Disk swap"; requires_announcement = true;
       applies_to = ["component:Files"]; }},
    {{ name = "upgrade"; description = "Upgrade <b>v2</b>"; requires_announcement = true; }}
  );
  announcements = (
    {{ window = "emergency"; start = "{iso(n - 3600)}"; end = "{iso(n + 7200)}";
       announced_at = "{iso(n - 86400)}"; note = "disk swap"; }},
    {{ window = "upgrade"; start = "{iso(n + 86400)}"; end = "{iso(n + 90000)}";
       announced_at = "{iso(n - 86400)}"; note = "upgrade to v2"; }}
  );
}};
""")

    def get(self, path, method="GET", headers=None):
        req = urllib.request.Request(self.base + path, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=20) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def json(self, path):
        st, h, body = self.get(path)
        assert st == 200, f"{path}: {st} {body[:300]!r}"
        assert h["Content-Type"] == "application/json", h
        assert h["Access-Control-Allow-Origin"] == "*", h
        return json.loads(body)

    def wait_incident(self):
        def open_api():
            inc = self.json("/api/v2/incidents/unresolved.json")["incidents"]
            return [i for i in inc if i.get("target") == "api"]
        return self.t.wait_for(open_api, 30, "an open incident of api", step=0.2)[0]

    def probes(self):
        st, _, body = self.get("/metrics")
        assert st == 200
        total = 0
        for line in body.decode().splitlines():
            if line.startswith("slamon_probes_total{"):
                total += float(line.rsplit(" ", 1)[1])
        return total

    def alive(self):
        assert self.proc.poll() is None, "slamon run exited"
