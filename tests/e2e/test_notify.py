"""Alert delivery end to end: `slamon test-alert` against real receivers on
127.0.0.1 started inside the test (an HTTP server recording webhook posts,
one failing the first tries, one that never answers, an SMTP sink) and an
exec script writing its environment to a file. Retry backoff is shortened
with SLAMON_NOTIFY_BACKOFF_MS; timing is asserted only as ordering and
lower bounds between timestamps taken on one clock, never on sleeps."""
import hashlib
import hmac
import json
import os
import re
import time

from receivers import Hook, SMTPSink

FAST = {"SLAMON_NOTIFY_BACKOFF_MS": "50"}
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def conf(t, alerts):
    return t.write("slamon.conf", f"""\
slamon: {{ state_dir = "state"; timezone = "Europe/Oslo"; public_url = "http://127.0.0.1:8080/"; }};
targets = (
  {{ name = "web"; component = "App"; type = "tcp"; host = "127.0.0.1"; port = 1; }}
);
maintenance: {{ windows = (); }};
alerts = ( {alerts} );
""")


def test_webhook_payload_headers_signature(t):
    hook = Hook()
    try:
        c = conf(t, f"""{{ name = "hook"; type = "webhook"; url = "{hook.url}";
            secret = "s3cr3t"; headers = ["Authorization: Bearer tok", "X-Team: sre",
                       "x-slamon-delivery: forged", "User-Agent: custom/1"]; }}""")
        before = int(time.time())
        p = t.slamon("test-alert", "--target", "web", conf=c, env=FAST, check=0)
        after = int(time.time())
        assert "hook: delivered (attempt 1)" in p.stdout, p.stdout
        assert "1 of 1 delivered" in p.stdout
        assert len(hook.posts) == 1
        post = hook.posts[0]
        h = post["headers"]
        assert post["path"] == "/hook"
        assert h["content-type"] == ["application/json"]
        assert h["authorization"] == ["Bearer tok"] and h["x-team"] == ["sre"]
        assert h["x-slamon-event"] == ["alert"]
        assert len(h["x-slamon-delivery"]) == 1, h
        assert re.fullmatch(r"[0-9a-f]{32}", h["x-slamon-delivery"][0])
        assert h["user-agent"] == ["custom/1"]
        assert 'ignoring header "x-slamon-delivery"' in p.stderr
        want = hmac.new(b"s3cr3t", post["body"], hashlib.sha256).hexdigest()
        assert h["x-slamon-signature"] == ["sha256=" + want], h
        j = json.loads(post["body"])
        assert j["event"] == "alert" and j["test"] is True
        assert j["target"] == "web" and j["component"] == "App"
        assert j["unplanned_s"] == 1800 and j["down_s"] == 1800
        assert j["end"] is None and j["windows"] == []
        assert j["status_url"] == "http://127.0.0.1:8080/"
        assert "test alert" in j["reason"]
        for k in ("outage_start", "time"):
            assert RFC3339.match(j[k]), j[k]
        ts = time.strptime(j["time"], "%Y-%m-%dT%H:%M:%SZ")
        import calendar
        assert before <= calendar.timegm(ts) <= after
        assert calendar.timegm(ts) - calendar.timegm(
            time.strptime(j["outage_start"], "%Y-%m-%dT%H:%M:%SZ")) == 1800
        # a wrong channel or target is a user error and sends nothing
        p = t.slamon("test-alert", "--channel", "nope", conf=c, check=1)
        assert 'no alert channel "nope"' in p.stderr
        p = t.slamon("test-alert", "--target", "nope", conf=c, check=1)
        assert len(hook.posts) == 1
    finally:
        hook.stop()


def test_webhook_fails_twice_then_delivers(t):
    hook = Hook(fail_first=2)
    try:
        c = conf(t, f'{{ name = "flaky"; type = "webhook"; url = "{hook.url}"; retry_for = 60; }}')
        p = t.slamon("test-alert", conf=c, env=FAST, check=0)
        out = p.stdout
        assert "flaky: attempt 1 failed: HTTP 503: try again later (will retry)" in out, out
        assert "flaky: attempt 2 failed: HTTP 503" in out
        assert "flaky: delivered (attempt 3)" in out
        assert len(hook.posts) == 3, len(hook.posts)
        ids = {p["headers"]["x-slamon-delivery"][0] for p in hook.posts}
        assert len(ids) == 1, ids          # one delivery, three attempts
        assert [p["headers"]["x-slamon-attempt"][0] for p in hook.posts] == ["1", "2", "3"]
        assert len({p["body"] for p in hook.posts}) == 1
        assert "x-slamon-signature" not in hook.posts[0]["headers"]
        # backoff doubles from 50 ms: lower bounds only
        t0, t1, t2 = (p["t"] for p in hook.posts)
        assert t1 - t0 >= 0.045 and t2 - t1 >= 0.095, (t1 - t0, t2 - t1)
    finally:
        hook.stop()


def test_webhook_gives_up_after_retry_for(t):
    hook = Hook(fail_first=1000, fail_status=500)
    try:
        c = conf(t, f'{{ name = "down"; type = "webhook"; url = "{hook.url}"; retry_for = 1; }}')
        p = t.slamon("test-alert", conf=c, env={"SLAMON_NOTIFY_BACKOFF_MS": "100"}, check=1)
        m = re.search(r"down: given up after (\d+) attempt\(s\): HTTP 500", p.stdout)
        assert m, p.stdout
        assert int(m.group(1)) == len(hook.posts) >= 2
        assert hook.posts[-1]["t"] - hook.posts[0]["t"] <= 1.0 + 0.5
        assert "0 of 1 delivered" in p.stdout
    finally:
        hook.stop()


def test_smtp_sink(t):
    sink = SMTPSink()
    try:
        c = conf(t, f"""{{ name = "mail"; type = "smtp"; url = "{sink.url}";
            from = "slamon@example.com"; to = ["sre@example.com", "boss@example.com"]; }}""")
        p = t.slamon("test-alert", "--target", "web", conf=c, env=FAST, check=0)
        assert "mail: delivered (attempt 1)" in p.stdout
        assert len(sink.mails) == 1
        m = sink.mails[0]
        assert m["from"] == "<slamon@example.com>"
        assert m["rcpt"] == ["<sre@example.com>", "<boss@example.com>"]
        head, body = m["data"].split("\r\n\r\n", 1)
        assert "\r\nSubject: [slamon] TEST ALERT web down 30m (unplanned)\r\n" in "\r\n" + head + "\r\n"
        assert "From: slamon@example.com" in head
        assert "To: sre@example.com,\r\n boss@example.com" in head
        assert re.search(r"^Message-ID: <[0-9a-f]{32}@example\.com>\r?$", head, re.M)
        assert re.search(r"^Date: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000\r?$", head, re.M)
        assert "THIS IS A TEST" in body
        assert "Target:        web\r\n" in body
        assert "Component:     App\r\n" in body
        assert "Status page:   http://127.0.0.1:8080/\r\n" in body
    finally:
        sink.stop()


def test_exec_environment_no_shell(t):
    out = t.path("env.out")
    script = t.write("page.sh", f"""#!/bin/sh
env | grep '^SLAMON_' | sort > {out}.tmp
printf 'ARG1=%s\\n' "$1" >> {out}.tmp
printf 'STDIN=%s\\n' "$(cat)" >> {out}.tmp
mv {out}.tmp {out}
""")
    os.chmod(script, 0o755)
    c = conf(t, f'{{ name = "pager"; type = "exec"; command = ["{script}", "a b; touch {t.path("pwned")}"]; }}')
    p = t.slamon("test-alert", "--target", "web", conf=c, env=dict(FAST, SLAMON_TARGET="stale"),
                 check=0)
    assert "pager: delivered (attempt 1)" in p.stdout
    env = dict(line.split("=", 1) for line in open(out).read().splitlines())
    assert env["ARG1"] == f"a b; touch {t.path('pwned')}"
    assert not os.path.exists(t.path("pwned"))
    assert env["STDIN"] == ""
    assert env["SLAMON_EVENT"] == "alert" and env["SLAMON_TEST"] == "1"
    assert env["SLAMON_TARGET"] == "web"       # the inherited one is replaced
    assert env["SLAMON_COMPONENT"] == "App"
    assert env["SLAMON_UNPLANNED_S"] == "1800" and env["SLAMON_DOWN_S"] == "1800"
    assert RFC3339.match(env["SLAMON_OUTAGE_START"]) and RFC3339.match(env["SLAMON_TIME"])
    assert env["SLAMON_END"] == "" and env["SLAMON_WINDOWS"] == ""
    assert env["SLAMON_STATUS_URL"] == "http://127.0.0.1:8080/"
    assert env["SLAMON_CHANNEL"] == "pager" and env["SLAMON_ATTEMPT"] == "1"
    assert re.fullmatch(r"[0-9a-f]{32}", env["SLAMON_DELIVERY"])
    assert env["SLAMON_STATE_DIR"] == "state"


def test_exec_failure_retried(t):
    count = t.path("count")
    script = t.write("flaky.sh", f"""#!/bin/sh
echo x >> {count}
[ "$SLAMON_ATTEMPT" -ge 2 ] || {{ echo "pager service unreachable" >&2; exit 4; }}
""")
    os.chmod(script, 0o755)
    c = conf(t, f'{{ name = "pager"; type = "exec"; command = ["{script}"]; }}')
    p = t.slamon("test-alert", conf=c, env=FAST, check=0)
    assert "pager: attempt 1 failed: exit status 4: pager service unreachable" in p.stdout, p.stdout
    assert "pager: delivered (attempt 2)" in p.stdout
    assert len(open(count).read().split()) == 2


def test_hung_receiver_does_not_block_others(t):
    hung, good, sink = Hook(hang=True), Hook(), SMTPSink()
    marker = t.path("exec.done")
    script = t.write("mark.sh", f"#!/bin/sh\ntouch {marker}\n")
    os.chmod(script, 0o755)
    try:
        c = conf(t, f"""
            {{ name = "hung"; type = "webhook"; url = "{hung.url}"; timeout = 4; retry_for = 0; }},
            {{ name = "good"; type = "webhook"; url = "{good.url}"; }},
            {{ name = "mail"; type = "smtp"; url = "{sink.url}"; from = "a@example.com"; to = ["b@example.com"]; }},
            {{ name = "pager"; type = "exec"; command = ["{script}"]; }}""")
        p = t.spawn([t.bin, "-c", c, "test-alert"], env=FAST)
        # while the hung receiver still holds its request, the others are done
        t.wait_for(lambda: hung.posts and good.posts and sink.mails and os.path.exists(marker),
                   what="all four channels reached")
        assert not hung.closed, "the hung request was closed before the others finished"
        assert p.poll() is None
        t.wait_for(lambda: p.poll() is not None, what="test-alert to finish")
        assert p.returncode == 1
        # the receiver's thread sees the close after test-alert is gone
        t.wait_for(lambda: hung.closed, what="the hung request to be closed")
        assert hung.closed[0] - hung.posts[0]["t"] >= 3.5, hung.closed[0] - hung.posts[0]["t"]
        assert good.posts[0]["t"] < hung.closed[0] - 1.0
        out = open(p.outpath).read()
        assert "hung: given up after 1 attempt(s)" in out, out
        for ch in ("good", "mail", "pager"):
            assert f"{ch}: delivered (attempt 1)" in out
        assert out.index("good: delivered") < out.index("hung: given up")
        assert "3 of 4 delivered" in out
    finally:
        hung.stop()
        good.stop()
        sink.stop()
