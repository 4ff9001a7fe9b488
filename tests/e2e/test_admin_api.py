"""Announcing over HTTP (design.md 10, issue 18): a real `slamon run` with
admin_listen, and requests as a change-management tool sends them. Every
answer is checked with the journal (the record of announcements) and with
what the public side shows at once: scheduled-maintenances, /calendar.ics."""
import hashlib
import http.client
import json
import os
import signal
import socket
import time

from lib import free_port, read_jsonl

CI, OPS = "ci-secret-1", "ops-secret"


def h(s):
    return hashlib.sha256(s.encode()).hexdigest()


def future_saturday(weeks=2):
    """A Saturday at least a week ahead, as a local date string."""
    t = time.time() + weeks * 7 * 86400
    while time.localtime(t).tm_wday != 5:
        t += 86400
    return time.strftime("%Y-%m-%d", time.localtime(t))


class Daemon:
    def __init__(self, t, tokens_mode=0o600, admin_listen=None, tokens=None):
        self.t = t
        self.port, self.aport = free_port(), free_port()
        path = t.write("tokens", tokens or f"ci:{h(CI)}\nops:{h(OPS)}:emergency\n")
        os.chmod(path, tokens_mode)
        self.admin_listen = admin_listen or f"127.0.0.1:{self.aport}"
        self.conf = t.write("slamon.conf", f"""\
slamon: {{ state_dir = "state"; timezone = "Europe/Oslo"; listen = "127.0.0.1:{self.port}";
          admin_listen = "{self.admin_listen}"; admin_tokens = "{path}"; }};
targets = ( {{ name = "web"; component = "App"; type = "tcp"; host = "127.0.0.1"; port = 9; }} );
maintenance: {{ min_notice = 86400; windows = (
  {{ name = "infrastructure"; rrule = "FREQ=WEEKLY;BYDAY=SA"; first = "2026-01-03 20:00";
     end = "06:00"; requires_announcement = true; description = "Infrastructure work"; }},
  {{ name = "emergency"; requires_announcement = true; }} ); }};
""")

    def start(self):
        self.proc = self.t.spawn([self.t.bin, "-c", self.conf, "run"])
        self.t.wait_port(self.port)
        if not self.admin_listen.startswith("unix:"):
            self.t.wait_port(self.aport)
        return self

    def req(self, method, path, body=None, token=CI, headers=None, port=None, raw=None):
        c = http.client.HTTPConnection("127.0.0.1", port or self.aport, timeout=10)
        hd = dict(headers or {})
        if token is not None:
            hd["Authorization"] = f"Bearer {token}"
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        c.request(method, path, body=data, headers=hd)
        r = c.getresponse()
        text = r.read().decode()
        c.close()
        try:
            j = json.loads(text)
        except ValueError:
            j = None
        return r.status, j, r

    def post(self, body, **kw):
        return self.req("POST", "/api/v1/announcements", body, **kw)

    def journal(self, event):
        return [r for r in read_jsonl(self.t.path("state", "journal.jsonl"))
                if r["event"] == event]


def infra(sat, note="core switch", key=None):
    b = {"window": "infrastructure", "start": f"{sat} 20:00",
         "end": time.strftime("%Y-%m-%d", time.localtime(
             time.mktime(time.strptime(sat, "%Y-%m-%d")) + 86400 + 7200)) + " 06:00",
         "note": note}
    if key:
        b["idempotency_key"] = key
    return b


def test_create_list_retry_cancel(t):
    d = Daemon(t).start()
    sat = future_saturday()
    before = time.time()
    st, a, r = d.post(dict(infra(sat, key="CHG-42"), announced_at="2020-01-01T00:00:00Z"))
    assert st == 201, (st, a)
    assert r.getheader("Location") == f"/api/v1/announcements/{a['id']}"
    assert a["window"] == "infrastructure" and a["status"] == "scheduled", a
    assert a["by"] == "ci" and a["short_notice"] is False and a["ignored"] == ["announced_at"]
    # the server's clock, not the client's claim
    at = time.mktime(time.strptime(a["announced_at"], "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
    assert before - 2 <= at <= time.time() + 2, a
    (rec,) = d.journal("announcement")
    assert rec["id"] == a["id"] and rec["by"] == "ci" and rec["idempotency_key"] == "CHG-42"
    # the public side sees it at once, without a reload
    st, up, _ = d.req("GET", "/api/v2/scheduled-maintenances/upcoming.json", port=d.port,
                      token=None)
    assert st == 200 and any(m["started_at"] == a["start"] or m.get("scheduled_for") == a["start"]
                             for m in up["scheduled_maintenances"]), up
    c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=10)
    c.request("GET", "/calendar.ics")
    ics = c.getresponse().read().decode()
    assert "core switch" in ics, ics[:2000]
    # a retry with the same key and request: the same announcement
    st, b, _ = d.post(infra(sat, key="CHG-42"))
    assert st == 200 and b["id"] == a["id"], (st, b)
    assert len(d.journal("announcement")) == 1
    # the same key for another request: a conflict
    st, b, _ = d.post(infra(sat, note="other", key="CHG-42"))
    assert st == 409 and b["field"] == "idempotency_key", (st, b)
    # listed with its status
    st, lst, _ = d.req("GET", "/api/v1/announcements")
    assert st == 200
    (x,) = [y for y in lst["announcements"] if y["id"] == a["id"]]
    assert x["status"] == "scheduled"
    # short notice: accepted and said so
    now = time.time()
    st, e, _ = d.post({"window": "emergency", "start": time.strftime("%Y-%m-%d %H:%M", time.localtime(now + 600)),
                       "end": time.strftime("%Y-%m-%d %H:%M", time.localtime(now + 4200))}, token=OPS)
    assert st == 201 and e["short_notice"] is True and "counts against" in e["warning"], e
    # cancel: journaled with the token's name, never deleted
    st, cnl, _ = d.req("DELETE", f"/api/v1/announcements/{a['id']}")
    assert st == 200 and cnl["status"] == "cancelled" and cnl["cancelled_by"] == "ci", (st, cnl)
    (cr,) = d.journal("announcement_cancelled")
    assert cr["id"] == a["id"] and cr["by"] == "ci"
    assert len(d.journal("announcement")) == 2
    st, again, _ = d.req("DELETE", f"/api/v1/announcements/{a['id']}")
    assert st == 409, (st, again)
    st, nf, _ = d.req("DELETE", "/api/v1/announcements/0123456789abcdef")
    assert st == 404, (st, nf)
    # the ops token may not cancel an infrastructure announcement
    st, f, _ = d.post(infra(sat, note="again"))
    assert st == 201
    st, forb, _ = d.req("DELETE", f"/api/v1/announcements/{f['id']}", token=OPS)
    assert st == 403, (st, forb)


def test_refusals(t):
    d = Daemon(t).start()
    sat = future_saturday()
    st, b, r = d.post(infra(sat), token=None)
    assert st == 401 and "Bearer" in r.getheader("WWW-Authenticate"), (st, b)
    st, b, _ = d.post(infra(sat), token="wrong")
    assert st == 401, (st, b)
    st, b, _ = d.post(infra(sat), token=OPS)  # ops may announce emergency only
    assert st == 403 and b["field"] == "window", (st, b)
    st, b, _ = d.post(None, raw="window=infrastructure&start=tomorrow")
    assert st == 400 and b["field"] == "body", (st, b)
    st, b, _ = d.post(None, raw=json.dumps(dict(infra(sat), note="x" * 20000)))
    assert st == 413, (st, b)
    st, b, _ = d.post(dict(infra(sat), window="moon-landing"))
    assert st == 400 and b["field"] == "window", (st, b)
    st, b, _ = d.post({"window": "infrastructure", "start": "2026-01-03 20:00",
                       "end": "2026-01-04 06:00"})
    assert st == 400 and b["field"] == "end" and "ended" in b["error"], (st, b)
    st, b, _ = d.post(dict(infra(sat), start=f"{sat} 12:00"))  # outside the occurrence
    assert st == 400 and "occurrence" in b["error"], (st, b)
    st, b, _ = d.post(dict(infra(sat), colour="red"))
    assert st == 400 and b["field"] == "colour", (st, b)
    st, b, _ = d.post(dict(infra(sat), applies_to=["web"]))  # the window's own target
    assert st == 201, (st, b)
    st, b, _ = d.post(dict(infra(sat), applies_to=["nosuch"]))
    assert st == 400 and b["field"] == "applies_to", (st, b)
    assert len(d.journal("announcement")) == 1
    # failed attempts are limited per client
    for _ in range(12):
        st, b, r = d.post(infra(sat), token="guess")
    assert st == 429 and int(r.getheader("Retry-After")) > 0, (st, b)
    st, b, _ = d.post(infra(sat), token=CI)  # even a good token waits now
    assert st == 429
    log = open(d.proc.errpath).read()
    assert "failed attempts" in log, log


def test_public_listen_stays_read_only(t):
    d = Daemon(t).start()
    for m in ("POST", "PUT", "DELETE", "PATCH"):
        st, b, _ = d.req(m, "/api/v1/announcements", {"window": "emergency"}, port=d.port)
        assert st in (404, 405, 501), (m, st, b)
    assert d.journal("announcement") == []
    for m in ("GET", "HEAD"):
        st, _, _ = d.req(m, "/api/v2/status.json", port=d.port, token=None)
        assert st == 200, (m, st)


def test_kill9_right_after_201_keeps_it(t):
    d = Daemon(t).start()
    st, a, _ = d.post(infra(future_saturday()))
    assert st == 201
    d.proc.send_signal(signal.SIGKILL)
    d.proc.wait()
    p = t.slamon("calendar", "--from", a["start"], "--to", a["end"], "--json", conf=d.conf,
                 check=0)
    assert p.returncode == 0, p.stderr
    occ = [o for o in json.loads(p.stdout) if o["name"] == "infrastructure" and o["announced"]]
    assert occ and occ[0]["start"] == a["start"], p.stdout


def test_unix_socket_and_announce_url(t):
    sock = t.path("admin.sock")
    d = Daemon(t, admin_listen=f"unix:{sock}").start()
    t.wait_for(lambda: os.path.exists(sock), 10, "the admin socket")
    sat = future_saturday()
    b = infra(sat)
    env = {"SLAMON_ADMIN_TOKEN": CI}
    p = t.slamon("announce", "--url", f"unix:{sock}", "--window", b["window"], "--start",
                 b["start"], "--end", b["end"], "--note", "via the socket", env=env, check=0)
    assert p.returncode == 0 and p.stdout.startswith("announced "), (p.stdout, p.stderr)
    aid = p.stdout.split()[1].rstrip(":")
    (rec,) = d.journal("announcement")
    assert rec["id"] == aid and rec["note"] == "via the socket"
    # refusals come back as the daemon's message, exit 1
    p = t.slamon("announce", "--url", f"unix:{sock}", "--window", "emergency", "--start",
                 b["start"], "--end", b["end"], env={"SLAMON_ADMIN_TOKEN": "nope"}, check=1)
    assert "HTTP 401" in p.stderr, p.stderr
    # a rerun with the same change number: the same announcement, not two
    for _ in range(2):
        p = t.slamon("announce", "--url", f"unix:{sock}", "--idempotency-key", "CHG-7",
                     "--window", b["window"], "--start", b["start"], "--end", b["end"],
                     "--note", "rerun", env=env, check=0)
        assert p.returncode == 0, p.stderr
    assert len([r for r in d.journal("announcement") if r["note"] == "rerun"]) == 1
    p = t.slamon("announce", "--url", f"unix:{sock}", "--cancel", aid, env=env, check=0)
    assert p.returncode == 0 and p.stdout.startswith("cancelled "), (p.stdout, p.stderr)
    # the token never on the command line
    p = t.slamon("announce", "--url", f"unix:{sock}", "--cancel", aid, check=1,
                 env={"SLAMON_ADMIN_TOKEN": ""})
    assert "SLAMON_ADMIN_TOKEN" in p.stderr
    st = os.stat(sock)
    assert oct(st.st_mode & 0o777) == "0o660"


def test_token_configuration_errors(t):
    d = Daemon(t, tokens_mode=0o644)
    p = t.slamon("check", conf=d.conf, check=1)
    assert "admin_tokens" in p.stderr and "chmod" in p.stderr, p.stderr
    c = t.write("bad.conf", """\
slamon: { state_dir = "state"; listen = ""; admin_listen = "127.0.0.1:0"; };
targets = ( { name = "web"; type = "tcp"; host = "127.0.0.1"; port = 9; } );
maintenance: { windows = (); };
""")
    p = t.slamon("check", conf=c, check=1)
    assert f"{c}:1: slamon.admin_tokens: admin_listen needs tokens" in p.stderr, p.stderr
    # never written into the (world-readable) configuration itself
    c = t.write("inline.conf", f"""\
slamon: {{ state_dir = "state"; listen = ""; admin_listen = "127.0.0.1:0";
          admin_tokens = "ci:{h(CI)} ops:{h(OPS)}:emergency"; }};
targets = ( {{ name = "web"; type = "tcp"; host = "127.0.0.1"; port = 9; }} );
maintenance: {{ windows = (); }};
""")
    p = t.slamon("check", conf=c, check=1)
    assert "not written into the configuration" in p.stderr, p.stderr
    # from the environment, as a unit file's Environment= or a secret store gives it
    c = t.write("env.conf", """\
slamon: { state_dir = "state"; listen = ""; admin_listen = "127.0.0.1:0";
          admin_tokens = "${env:SLAMON_ADMIN_TOKENS}"; };
targets = ( { name = "web"; type = "tcp"; host = "127.0.0.1"; port = 9; } );
maintenance: { windows = (); };
""")
    t.slamon("check", conf=c, env={"SLAMON_ADMIN_TOKENS": f"ci:{h(CI)}"}, check=0)
    p = t.slamon("check", conf=c, env={"SLAMON_ADMIN_TOKENS": "ci:not-a-hash"}, check=1)
    assert "admin_tokens" in p.stderr and "not-a-hash" not in p.stderr, p.stderr
