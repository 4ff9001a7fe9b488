"""A maintenance calendar subscribed to by URL (maintenance.ics entry
{ url = ...; }): a local HTTP server on 127.0.0.1 publishes it, changes it,
answers 304 to ETag requests, fails and comes back; slamon's windows follow,
the journal records when each occurrence was first seen, and a restart with
the server down still has the last good copy. Also /calendar.ics read back
by libical (through slamon's importer) and by Python's icalendar."""
import datetime
import http.server
import json
import os
import signal
import threading
import urllib.request

from icalendar import Calendar

from lib import free_port, read_jsonl
from receivers import quiet_disconnect

UTC = datetime.timezone.utc


class CalHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        srv = self.server
        with srv.lock:
            srv.requests += 1
            mode, body, etag = srv.mode, srv.body, srv.etag
            conditional = self.headers.get("If-None-Match") == etag
            if conditional:
                srv.not_modified += 1
        if mode == "fail":
            code, body, extra = 500, b"backend down", {}
        elif conditional:
            code, body, extra = 304, b"", {"ETag": etag}
        else:
            code, extra = 200, {"ETag": etag, "Content-Type": "text/calendar"}
        self.send_response(code)
        for k, v in extra.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


@quiet_disconnect
class CalServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), CalHandler)
        self.lock = threading.Lock()
        self.requests = self.not_modified = 0
        self.mode, self.body, self.etag = "ok", b"", '"0"'
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def publish(self, text, etag):
        with self.lock:
            self.body, self.etag, self.mode = text.encode(), etag, "ok"


def z(dt):
    return dt.strftime("%Y%m%dT%H%M%SZ")


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def vcal(events):
    out = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Google Inc//Google Calendar 70.9054//EN",
           "METHOD:PUBLISH"]
    for uid, summary, start, hours in events:
        out += ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20200101T000000Z",
                "CREATED:20200101T000000Z", f"DTSTART:{z(start)}",
                f"DTEND:{z(start + datetime.timedelta(hours=hours))}", f"SUMMARY:{summary}",
                "DESCRIPTION:", "LOCATION:", "END:VEVENT"]
    return "\r\n".join(out + ["END:VCALENDAR"]) + "\r\n"


def lines(p, text):
    return open(p.errpath).read().count(text)


def test_subscription_follows_the_published_calendar(t):
    srv = CalServer()
    port = srv.server_address[1]
    url = f"http://127.0.0.1:{port}/cal.ics"
    listen = free_port()
    now = datetime.datetime.now(UTC).replace(second=0, microsecond=0)
    a = now + datetime.timedelta(days=3)
    b = now + datetime.timedelta(days=4)
    srv.publish(vcal([("a@test", "Patch A", a, 2)]), '"1"')
    conf = t.write("slamon.conf", f"""
slamon: {{ state_dir = "state"; timezone = "Europe/Oslo"; listen = "127.0.0.1:{listen}"; }};
targets = ({{ name = "x"; type = "tcp"; host = "127.0.0.1"; port = 9; interval = 60; }});
maintenance: {{ windows = (); ics_refresh = 1; ics = ({{ url = "{url}"; }}); }};
""")

    def calendar():
        p = t.slamon("calendar", "--from", iso(now), "--to", iso(now + datetime.timedelta(days=10)),
                     "--json", conf=conf, check=0)
        return {(o["name"], o["start"]): o for o in json.loads(p.stdout)}

    p = t.slamon("check", conf=conf, check=0)
    assert "not fetched yet" in p.stdout and "no copy fetched yet" in p.stderr, p
    run = t.spawn([t.bin, "-c", conf, "run"])
    t.wait_for(lambda: lines(run, f"ics: {url}: new copy") == 1, 30, "the first copy")
    p = t.slamon("check", conf=conf, check=0)
    assert "last good copy 20" in p.stdout and p.stderr == "", p
    t.wait_for(lambda: any(r["event"] == "ics_seen" for r in read_jsonl(t.path("state/journal.jsonl"))),
               30, "the ics_seen record")
    occ = calendar()
    first = occ[("Patch A", iso(a))]
    assert first["source"] == "ics" and first["announced"] is True, first
    seen_a = datetime.datetime.strptime(first["announced_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    # announced when slamon first saw it, not by the calendar's CREATED of 2020
    assert abs((seen_a - datetime.datetime.now(UTC)).total_seconds()) < 600, first
    rec = [r for r in read_jsonl(t.path("state/journal.jsonl")) if r["event"] == "ics_seen"]
    assert rec[0]["key"] == "a@test" and rec[0]["start"] == iso(a), rec

    # The calendar changes: A moves an hour, B appears.
    srv.publish(vcal([("a@test", "Patch A", a + datetime.timedelta(hours=1), 2),
                      ("b@test", "Patch B", b, 1)]), '"2"')
    t.wait_for(lambda: lines(run, f"ics: {url}: new copy") == 2, 30, "the second copy")
    t.wait_for(lambda: ("Patch B", iso(b)) in calendar(), 30, "B in the calendar")
    occ = calendar()
    assert ("Patch A", iso(a)) not in occ
    moved = occ[("Patch A", iso(a + datetime.timedelta(hours=1)))]
    assert moved["announced_at"] is not None and moved["announced_at"] >= first["announced_at"]
    # Unchanged: answered 304 from the ETag, and nothing is stored again.
    t.wait_for(lambda: srv.not_modified >= 3, 30, "conditional requests")
    assert lines(run, "new copy") == 2

    # The server fails: logged once for the streak, the copy stays.
    with srv.lock:
        srv.mode = "fail"
        failed_from = srv.requests
    t.wait_for(lambda: srv.requests >= failed_from + 4, 30, "failing fetches")
    assert lines(run, "HTTP status 500") == 1, open(run.errpath).read()
    assert ("Patch B", iso(b)) in calendar()
    # It comes back with B removed.
    srv.publish(vcal([("a@test", "Patch A", a + datetime.timedelta(hours=1), 2)]), '"3"')
    t.wait_for(lambda: lines(run, "(fetched again)") == 1, 30, "the recovery")
    t.wait_for(lambda: ("Patch B", iso(b)) not in calendar(), 30, "B gone")

    # A restart with the server down: the last good copy is still the calendar.
    run.send_signal(signal.SIGTERM)
    assert run.wait(timeout=30) == 0
    srv.shutdown()
    srv.server_close()
    run2 = t.spawn([t.bin, "-c", conf, "run"])
    t.wait_for(lambda: lines(run2, f"ics: {url}: Couldn't connect") == 1, 30, "the failed fetch")
    t.wait_port(listen)
    body = urllib.request.urlopen(f"http://127.0.0.1:{listen}/calendar.ics", timeout=10).read()
    cal = Calendar.from_ical(body)
    uids = [str(e["UID"]) for e in cal.walk("VEVENT")]
    assert uids == ["a@test"], uids
    occ = calendar()
    assert list(occ) == [("Patch A", iso(a + datetime.timedelta(hours=1)))], occ
    assert occ[("Patch A", iso(a + datetime.timedelta(hours=1)))]["announced"] is True
    run2.send_signal(signal.SIGTERM)
    assert run2.wait(timeout=30) == 0


def test_calendar_ics_round_trip_python(t):
    """/calendar.ics of the shipped schedule: parsed by Python's icalendar,
    its occurrences (dateutil over the TZID's zone) equal slamon's own."""
    from dateutil.rrule import rrulestr
    from zoneinfo import ZoneInfo
    from test_calendar import shipped, calendar_json
    conf = shipped(t)
    raw = t.slamon("calendar", "--ics", conf=conf, check=0).stdout
    cal = Calendar.from_ical(raw)
    assert str(cal["METHOD"]) == "PUBLISH"
    tz = [c for c in cal.walk("VTIMEZONE")]
    assert len(tz) == 1 and any("RRULE" in s for s in tz[0].subcomponents), tz
    # slamon calendar's --from 2026-01-01 --to 2027-01-01 are local dates
    y0 = datetime.datetime(2026, 1, 1, tzinfo=ZoneInfo("Europe/Oslo"))
    y1 = datetime.datetime(2027, 1, 1, tzinfo=ZoneInfo("Europe/Oslo"))
    mine = []
    for ev in cal.walk("VEVENT"):
        if "X-SLAMON-ANNOUNCEMENT-FOR" in ev or "RRULE" not in ev:
            continue
        p = ev.get("DTSTART")
        zone = ZoneInfo(p.params["TZID"])
        start = p.dt.replace(tzinfo=zone)
        if "DTEND" in ev:
            wall = ev.get("DTEND").dt.replace(tzinfo=None) - p.dt.replace(tzinfo=None)
        else:
            wall = None
            exact = ev.get("DURATION").dt
        rule = rrulestr(ev.get("RRULE").to_ical().decode(), dtstart=start)
        for s in rule.between(y0 - datetime.timedelta(days=2), y1, inc=True):
            if wall is not None:
                e = (s.replace(tzinfo=None) + wall).replace(tzinfo=zone)
            else:
                e = s.astimezone(UTC) + exact
            if s.astimezone(UTC) < y1 and e.astimezone(UTC) > y0:
                if ev.get("X-SLAMON-REQUIRES-ANNOUNCEMENT"):
                    continue
                mine.append((str(ev["SUMMARY"]), iso(s.astimezone(UTC)), iso(e.astimezone(UTC))))
    occ = calendar_json(t, conf)
    theirs = sorted((o["name"], o["start"], o["end"]) for o in occ
                    if o["source"] == "rule" and not o["requires_announcement"])
    assert sorted(mine) == theirs, sorted(set(mine) ^ set(theirs))[:10]
    assert len(theirs) > 400


def test_subscription_over_tls_is_verified(t):
    """https: a server whose certificate no system CA signed is refused
    (the copy is not replaced); with the entry's ca_file it is read."""
    import ssl
    from certs import CA
    ca = CA(t)
    crt, key = ca.leaf("cal", datetime.timedelta(days=-1), datetime.timedelta(days=30))
    srv = CalServer()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(crt, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    url = f"https://127.0.0.1:{srv.server_address[1]}/cal.ics"
    start = datetime.datetime.now(UTC).replace(second=0, microsecond=0) + datetime.timedelta(days=2)
    srv.publish(vcal([("tls@test", "Over TLS", start, 1)]), '"t"')

    def conf(extra):
        return t.write("tls.conf", f"""
slamon: {{ state_dir = "state"; timezone = "Europe/Oslo"; listen = ""; }};
targets = ({{ name = "x"; type = "tcp"; host = "127.0.0.1"; port = 9; interval = 60; }});
maintenance: {{ windows = (); ics_refresh = 1; ics = ({{ url = "{url}"; {extra} }}); }};
""")
    run = t.spawn([t.bin, "-c", conf(""), "run"])
    t.wait_for(lambda: "certificate" in open(run.errpath).read(), 30, "the refused fetch")
    assert lines(run, f"ics: {url}: SSL peer certificate") == 1, open(run.errpath).read()
    assert lines(run, "new copy") == 0
    run.send_signal(signal.SIGTERM)
    assert run.wait(timeout=30) == 0
    run = t.spawn([t.bin, "-c", conf(f'ca_file = "{ca.path}";'), "run"])
    t.wait_for(lambda: lines(run, f"ics: {url}: new copy") == 1, 30, "the copy over TLS")
    run.send_signal(signal.SIGTERM)
    assert run.wait(timeout=30) == 0
    srv.shutdown()


def test_subscription_refuses_what_is_no_calendar(t):
    """A login page answered with 200 and a body over the 16 MB cap are
    failures: the last good copy stays, each streak logged once."""
    srv = CalServer()
    url = f"http://127.0.0.1:{srv.server_address[1]}/cal.ics"
    start = datetime.datetime.now(UTC).replace(second=0, microsecond=0) + datetime.timedelta(days=2)
    srv.publish(vcal([("good@test", "Good", start, 1)]), '"1"')
    conf = t.write("s.conf", f"""
slamon: {{ state_dir = "state"; timezone = "Europe/Oslo"; listen = ""; }};
targets = ({{ name = "x"; type = "tcp"; host = "127.0.0.1"; port = 9; interval = 60; }});
maintenance: {{ windows = (); ics_refresh = 1; ics = ["{url}"]; }};
""")
    run = t.spawn([t.bin, "-c", conf, "run"])
    t.wait_for(lambda: lines(run, "new copy") == 1, 30, "the first copy")
    srv.publish("<html><body>Sign in to Outlook</body></html>", '"2"')
    t.wait_for(lambda: lines(run, "the answer is no iCalendar file") == 1, 30, "the login page")
    # back (a new streak may start), then too big
    srv.publish(vcal([("good@test", "Good", start, 2)]), '"2b"')
    t.wait_for(lambda: lines(run, "(fetched again)") == 1, 30, "the recovery")
    srv.publish("BEGIN:VCALENDAR\r\n" + "X-PAD:" + "x" * (17 * 1024 * 1024) + "\r\n", '"3"')
    t.wait_for(lambda: lines(run, "larger than 16 MB") == 1, 30, "the cap")
    with srv.lock:
        n = srv.requests
    t.wait_for(lambda: srv.requests >= n + 2, 30, "more refused fetches")
    assert lines(run, "larger than 16 MB") == 1 and lines(run, "new copy") == 2
    p = t.slamon("calendar", "--from", "2026-01-01", "--to", "2030-01-01", "--json", conf=conf,
                 check=0)
    assert [o["name"] for o in json.loads(p.stdout)] == ["Good"], p.stdout
    run.send_signal(signal.SIGTERM)
    assert run.wait(timeout=30) == 0
    srv.shutdown()
