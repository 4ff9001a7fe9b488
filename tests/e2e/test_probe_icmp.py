"""The icmp probe, through unprivileged ping sockets, inside a network
namespace of the test's own (unshare -n) where the test may allow ping
sockets and drop echo requests without touching the machine's settings.
Only loopback exists in that namespace."""
import os
import subprocess

from lib import free_port
from probelib import conf_text, RESULT_RE


def netns_run(t, conf, setup, seconds):
    """slamon -v run inside a fresh network namespace for a few seconds."""
    script = ("ip link set lo up && sysctl -qw net.ipv4.ping_group_range='0 2147483647' && "
              + setup + " exec \"$0\" -v -c \"$1\" run")
    p = subprocess.run(["timeout", "-s", "TERM", str(seconds), "unshare", "-n", "sh", "-c", script,
                        t.bin, conf], cwd=t.dir, capture_output=True, text=True, timeout=seconds + 20)
    t.log(p.stderr[-3000:])
    return p.stderr


def results(text, name):
    out = []
    for line in text.splitlines():
        m = RESULT_RE.match(line)
        if m and m.group(1) == name:
            out.append((m.group(2), m.group(3)))
    return out


def available():
    return os.geteuid() == 0 and subprocess.run(["unshare", "-n", "true"]).returncode == 0


def test_icmp_echo_reply_and_timeout(t):
    assert available(), "needs root and unshare -n (CI and make check run as root)"
    conf = t.write("slamon.conf", conf_text([
        '{ name = "ping4"; type = "icmp"; host = "127.0.0.1"; }',
        '{ name = "ping6"; type = "icmp"; host = "::1"; }',
    ], interval=2, timeout=1))
    text = netns_run(t, conf, "", 6)
    for name, host in (("ping4", "127.0.0.1"), ("ping6", "::1")):
        r = results(text, name)
        assert len(r) >= 2, text[-2000:]
        assert all(res == "ok" and detail == f"echo reply from {host}" for res, detail in r), r
    # requests ignored: every run ends by its deadline
    text = netns_run(t, conf, "sysctl -qw net.ipv4.icmp_echo_ignore_all=1 && ", 6)
    r = results(text, "ping4")
    assert len(r) >= 2, text[-2000:]
    assert all(res == "timeout" and detail.startswith("timeout after 1000 ms") for res, detail in r), r
    assert "ping4: DOWN since" in text, text[-2000:]


def test_icmp_refused_without_ping_sockets(t):
    assert available(), "needs root and unshare -n"
    conf = t.write("slamon.conf", conf_text(['{ name = "ping"; type = "icmp"; host = "127.0.0.1"; }']))
    p = subprocess.run(["unshare", "-n", "sh", "-c",
                        "sysctl -qw net.ipv4.ping_group_range='1 0' && exec \"$0\" -c \"$1\" check",
                        t.bin, conf], cwd=t.dir, capture_output=True, text=True, timeout=20)
    assert p.returncode == 1, p.stderr
    assert ":4: targets[0].type: icmp needs unprivileged ping sockets" in p.stderr, p.stderr
    bad = t.write("bad.conf", conf_text(['{ name = "ping"; type = "icmp"; host = "localhost"; }']))
    p = t.slamon("check", conf=bad, check=1)
    assert "targets[0].host: \"localhost\": an icmp probe takes an IPv4 or IPv6 address" in p.stderr
