"""Secrets outside the configuration file: "${env:NAME}" and "${file:/path}"
in any string setting, resolved at load and at reload, refused with
FILE:LINE when missing, never shown in a message, and a warning for a
secret file that every user may read."""
import hashlib
import hmac
import json
import os
import signal

from probelib import Run, conf_text, targetd
from receivers import Hook
from test_notify import FAST, conf


def test_secret_from_env_and_file(t):
    hook = Hook()
    try:
        sfile = t.write("hook.secret", "s3cr3t-from-file\n")
        os.chmod(sfile, 0o600)
        c = conf(t, f"""{{ name = "hook"; type = "webhook"; url = "{hook.url}";
            secret = "${{file:{sfile}}}";
            headers = ["Authorization: Bearer ${{env:HOOK_TOKEN}}", "X-Literal: $${{not}}"]; }}""")
        env = dict(FAST, HOOK_TOKEN="tok-from-env")
        p = t.slamon("test-alert", conf=c, env=env, check=0)
        out = p.stdout + p.stderr
        assert "hook: delivered (attempt 1)" in p.stdout, out
        assert "readable by every user" not in out
        h = hook.posts[0]["headers"]
        assert h["authorization"] == ["Bearer tok-from-env"], h
        assert h["x-literal"] == ["${not}"], h
        want = hmac.new(b"s3cr3t-from-file", hook.posts[0]["body"], hashlib.sha256).hexdigest()
        assert h["x-slamon-signature"] == ["sha256=" + want]
        assert "tok-from-env" not in out and "s3cr3t" not in out
        # a world-readable secret file: a warning naming the file and line
        os.chmod(sfile, 0o644)
        p = t.slamon("check", conf=c, env=env, check=0)
        assert f"slamon.conf:7: alerts[0].secret: secret file {sfile} is readable by every user" \
            in p.stderr, p.stderr
    finally:
        hook.stop()


def test_secret_missing_is_refused(t):
    c = conf(t, '{ type = "webhook"; url = "http://127.0.0.1:9/"; secret = "${env:NO_SUCH_VAR}"; }')
    env = {k: v for k, v in os.environ.items() if k != "NO_SUCH_VAR"}
    p = t.slamon("check", conf=c, check=1)
    assert p.stderr.strip().endswith(
        "slamon.conf:6: alerts[0].secret: environment variable NO_SUCH_VAR is not set"), p.stderr
    missing = t.path("nope.secret")
    c = conf(t, '{ type = "smtp"; url = "smtp://127.0.0.1:25"; from = "a@b.c"; to = ["d@e.f"];\n'
                f'  username = "u"; password = "${{file:{missing}}}"; }}')
    p = t.slamon("check", conf=c, check=1)
    assert f"slamon.conf:7: alerts[0].password: ${{file:{missing}}}: No such file or directory" \
        in p.stderr, p.stderr
    for bad, msg in (('"${file:relative}"', "give an absolute path"),
                     ('"${vault:x}"', "expected ${env:NAME} or ${file:/path}"),
                     ('"${env:X"', '"${" without "}"')):
        c = conf(t, '{ type = "webhook"; url = "http://127.0.0.1:9/"; secret = %s; }' % bad)
        p = t.slamon("check", conf=c, check=1)
        assert "slamon.conf:6: alerts[0].secret: " in p.stderr and msg in p.stderr, p.stderr


def test_secret_never_in_messages(t):
    # a wrong value is reported, but the secret inside it is not
    c = conf(t, '{ type = "pagerduty"; routing_key = "k"; severity = "${env:SEV}"; }')
    p = t.slamon("check", conf=c, env={"SEV": "hunter2"}, check=1)
    assert "hunter2" not in p.stderr, p.stderr
    assert 'slamon.conf:6: alerts[0].severity: "(secret)": expected critical' in p.stderr
    # a short value is cut from the message, not from the file and line
    p = t.slamon("check", conf=c, env={"SEV": "6"}, check=1)
    assert 'slamon.conf:6: alerts[0].severity: "(secret)": expected critical' in p.stderr, p.stderr
    # nor where `slamon check` describes a target
    c = t.write("slamon.conf", conf_text([
        '  { name = "web"; type = "http"; url = "http://u:${env:PW}@127.0.0.1:9/"; }']))
    p = t.slamon("check", conf=c, env={"PW": "hunter2"}, check=0)
    assert "GET http://u:(secret)@127.0.0.1:9/" in p.stdout and "hunter2" not in p.stdout, p.stdout


def test_secret_resolved_again_on_reload(t):
    port = targetd(t, "--route", "/down=status:503")
    url = t.write("url.secret", f"http://127.0.0.1:{port}/down\n")
    os.chmod(url, 0o600)
    target = '  { name = "web"; type = "http"; url = "${file:%s}"; }' % url
    c = t.write("slamon.conf", conf_text([target], 1, 1))
    run = Run(t, c)
    run.wait_line(r"web: DOWN since ")
    # the file changes; SIGHUP reads it again
    with open(url, "w") as f:
        f.write(f"http://127.0.0.1:{port}/\n")
    run.proc.send_signal(signal.SIGHUP)
    run.wait_line(r"web: UP after ")
    # the file is gone: the reload is refused with FILE:LINE, the old one runs on
    os.unlink(url)
    run.proc.send_signal(signal.SIGHUP)
    run.wait_line(r"reload rejected, the old configuration keeps running: .*slamon.conf:4: "
                  r"targets\[0\].url: \$\{file:.*\}: No such file or directory")
    n = len(run.results("web"))
    run.wait_results("web", n + 2)
    run.stop()
