"""pagelib.py - the fixture of the status page tests: a month replayed into
the state directory, then `slamon run` serving it. The month has what a
customer must be able to read back:

- a nightly 5-minute restart window (Nightly restart, daily 02:00-02:05),
  with short outages of docs inside it on some nights: no incident;
- an announced "Database upgrade" 10 days ago with docs down inside it:
  part of the maintenance, not an incident;
- an announced "Storage migration" 5 days ago that api overran by 40
  minutes: an incident from the window's end;
- unplanned outages of www (2 days ago) and api (20 days ago, for the
  monthly history);
- quiet days with nothing;
- now: an announced "Documents migration" in progress with docs down
  (a maintenance with an in-window outage, no open incident), and an
  upcoming "Network maintenance" in 3 days.
"""
import math
import os
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from httplib import Site, iso  # noqa: F401  (Site: the same get/json helpers)
from lib import free_port


class MonthSite(Site):
    def __init__(self, t, page_conf=""):
        self.t = t
        self.now = n = int(time.time())
        self.http_port = free_port()
        self.dead_port = free_port()
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.page_conf = page_conf
        t.spawn([os.path.join(t.tools, "targetd"), "--http", str(self.http_port)])
        t.wait_port(self.http_port)
        self.upgrade = (n - 10 * 86400, n - 10 * 86400 + 7200)
        self.migration = (n - 5 * 86400, n - 5 * 86400 + 3600)
        self.conf = self.write_conf("slamon.conf", 5)
        replay_conf = self.write_conf("replay.conf", 60)
        start = n - 31 * 86400
        start -= start % 60
        up, mg = self.upgrade, self.migration
        down = {
            "docs": [(up[0] + 1200, up[0] + 3000)],
            "api": [(mg[0] + 600, mg[1] + 2400), (n - 20 * 86400, n - 20 * 86400 + 1800)],
            "www": [(n - 2 * 86400, n - 2 * 86400 + 1200)],
        }
        rows = ["time,target,ok,latency_ms,detail"]
        oslo = ZoneInfo("Europe/Oslo")
        for ts in range(start, n - 600, 60):
            lt = datetime.fromtimestamp(ts, oslo)
            for name in ("www", "api", "docs"):
                bad = any(a <= ts < b for a, b in down[name])
                # docs restarts slowly some nights: down 02:01-02:03, inside the window
                if name == "docs" and lt.hour == 2 and 1 <= lt.minute < 3 and lt.day % 3 == 0:
                    bad = True
                lat = 40 + 25 * math.sin(ts / 7200.0) + (15 if name == "api" else 0)
                rows.append(f"{ts},{name},{0 if bad else 1},{'' if bad else f'{lat:.1f}'},"
                            f"{'refused' if bad else ''}")
        t.write("history.csv", "\n".join(rows) + "\n")
        t.slamon("replay", "history.csv", conf=replay_conf, check=0, timeout=300)
        self.proc = t.spawn([t.bin, "-v", "-c", self.conf, "run"])
        t.wait_port(self.port)

    def write_conf(self, name, interval):
        n = self.now
        up, mg = self.upgrade, self.migration
        return self.t.write(name, f"""
slamon: {{ state_dir = "state"; timezone = "Europe/Oslo"; listen = "127.0.0.1:{self.port}"; }};
defaults: {{ interval = {interval}; timeout = 1; retry_interval = 1; fail_threshold = 2; alert_after = 1800; slo = 99.5; }};
targets = (
  {{ name = "www"; component = "Website"; type = "http"; url = "http://127.0.0.1:{self.http_port}/"; }},
  {{ name = "api"; component = "API"; type = "tcp"; host = "127.0.0.1"; port = {self.http_port}; }},
  {{ name = "docs"; component = "Documents"; type = "tcp"; host = "127.0.0.1"; port = {self.dead_port}; }}
);
maintenance: {{
  min_notice = 3600;
  windows = (
    {{ name = "nightly-restart"; description = "Nightly restart"; rrule = "FREQ=DAILY";
       first = "2025-01-01 02:00"; duration = 300; published = "2024-12-01 00:00"; }},
    {{ name = "upgrade"; description = "Database upgrade"; requires_announcement = true; }},
    {{ name = "migration"; description = "Storage migration"; requires_announcement = true;
       applies_to = ["component:API"]; }},
    {{ name = "docs-migration"; description = "Documents migration"; requires_announcement = true;
       applies_to = ["component:Documents"]; }},
    {{ name = "network"; description = "Network maintenance"; requires_announcement = true; }}
  );
  announcements = (
    {{ window = "upgrade"; start = "{iso(up[0])}"; end = "{iso(up[1])}"; announced_at = "{iso(up[0] - 3 * 86400)}"; }},
    {{ window = "migration"; start = "{iso(mg[0])}"; end = "{iso(mg[1])}"; announced_at = "{iso(mg[0] - 3 * 86400)}"; }},
    {{ window = "docs-migration"; start = "{iso(n - 3600)}"; end = "{iso(n + 7200)}"; announced_at = "{iso(n - 86400)}"; }},
    {{ window = "network"; start = "{iso(n + 3 * 86400)}"; end = "{iso(n + 3 * 86400 + 5400)}"; announced_at = "{iso(n - 86400)}"; }}
  );
}};
{self.page_conf}
""")
