"""Log lines: an RFC 3339 time and a level on stderr; the <N> priority
prefixes journald reads when JOURNAL_STREAM names stderr; `-s` without a
syslog daemon falls back to stderr with a warning instead of losing
everything."""
import os
import re
import shutil
import subprocess

from lib import Skip
from probelib import conf_text, targetd

LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (debug|info|warning|error) slamon: (.*)$")


def run_conf(t):
    port = targetd(t, "--route", "/down=status:503")
    return t.write("slamon.conf", conf_text([
        '  { name = "web"; type = "http"; url = "http://127.0.0.1:%d/down"; }' % port], 1, 1))


def wait_text(t, p, frag):
    return t.wait_for(lambda: frag in open(p.errpath).read() and open(p.errpath).read(),
                      20, repr(frag))


def test_log_time_and_level(t):
    c = run_conf(t)
    p = t.spawn([t.bin, "-v", "-c", c, "run"])
    text = wait_text(t, p, "web: DOWN since")
    p.terminate()
    p.wait(timeout=20)
    levels = {}
    for line in open(p.errpath).read().splitlines():
        m = LINE.match(line)
        assert m, f"not a log line: {line!r}"
        levels.setdefault(m.group(1), []).append(m.group(2))
    assert any(x.startswith("running with ") for x in levels["info"]), levels
    assert any(x.startswith("web: result http_status") for x in levels["debug"])
    assert any(x.startswith("web: DOWN since") for x in levels["warning"]), levels
    # a warning is a warning: the one a world-readable secret file gives
    s = t.write("s.secret", "x")
    os.chmod(s, 0o644)
    c2 = t.write("w.conf", open(c).read().replace('listen = "";', 'listen = ""; rrdcached = "${file:%s}";' % s))
    q = t.slamon("check", conf=c2)
    assert re.search(r"^\S+Z warning slamon: .*w\.conf:1: slamon\.rrdcached: secret file .* is "
                     r"readable by every user", q.stderr, re.M), q.stderr


def test_log_journal_prefixes(t):
    c = run_conf(t)
    err = open(t.path("journal.err"), "w")
    st = os.fstat(err.fileno())
    p = t.spawn([t.bin, "-c", c, "run"], env={"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"},
                stderr=err)
    wait_text(t, p, "web: DOWN since")
    p.terminate()
    p.wait(timeout=20)
    lines = open(p.errpath).read().splitlines()
    assert lines and all(re.match(r"^<[0-7]>\S", x) for x in lines), lines
    assert any(x.startswith("<6>running with ") for x in lines), lines
    assert any(x.startswith("<4>web: DOWN since") for x in lines), lines
    # JOURNAL_STREAM naming another stream (a shell redirected stderr): plain lines
    err2 = open(t.path("other.err"), "w")
    p = t.spawn([t.bin, "-c", c, "run"], env={"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"},
                stderr=err2)
    wait_text(t, p, "running with")
    p.terminate()
    p.wait(timeout=20)
    assert LINE.match(open(p.errpath).read().splitlines()[0])


def test_log_syslog_unreachable_falls_back(t):
    c = run_conf(t)
    argv = [t.bin, "-s", "-c", c, "run"]
    if os.path.exists("/dev/log"):
        # hide the syslog socket in a mount namespace of our own
        if os.geteuid() != 0 or not shutil.which("unshare"):
            raise Skip("/dev/log exists and hiding it needs root and unshare(1)")
        empty = t.write("nolog", "")
        argv = ["unshare", "-m", "--propagation", "private", "sh", "-c",
                f'mount --bind "{empty}" /dev/log && exec "$0" "$@"'] + argv
    p = t.spawn(argv)
    text = wait_text(t, p, "web: DOWN since")
    p.terminate()
    p.wait(timeout=20)
    first = text.splitlines()[0]
    assert re.match(r"^\S+Z warning slamon: syslog unreachable \(/dev/log: .*\): logging to stderr$",
                    first), first
    assert "running with " in text
