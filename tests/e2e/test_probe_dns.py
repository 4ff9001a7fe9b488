"""The dns probe against dnsd (libevent's evdns server): A, AAAA, CNAME,
expected answers, SERVFAIL, NXDOMAIN, no answer, a server that never
answers, and a port with no server; a healthy target keeps its schedule."""
import socket

from lib import free_port
from probelib import Run, assert_schedule_kept, conf_text, targetd


def test_dns_reasons(t):
    dport = free_port(socket.SOCK_DGRAM)
    d = t.spawn([t.tools + "/dnsd", str(dport), "www.test=A:127.0.0.7", "www.test=AAAA:::1",
                 "alias.test=CNAME:www.test", "broken.test=SERVFAIL", "empty.test=EMPTY",
                 "hole.test=DROP", "slow.test=SLOW:300:A:127.0.0.8"])
    t.wait_for(lambda: open(d.outpath).read().startswith("ready"), what="dnsd ready")
    port = targetd(t)
    srv = f"127.0.0.1:{dport}"
    nobody = free_port(socket.SOCK_DGRAM)

    def dns(name, host, extra="", server=srv):
        return '  { name = "%s"; type = "dns"; host = "%s"; server = "%s"; %s }' % (name, host, server, extra)
    targets = [
        '  { name = "healthy"; type = "http"; url = "http://127.0.0.1:%d/"; }' % port,
        dns("a", "www.test", 'expect = "127.0.0.7";'),
        dns("aaaa", "www.test", 'record = "AAAA"; expect = "::1";'),
        dns("cname", "alias.test", 'record = "CNAME"; expect = "www.test";'),
        dns("slow", "slow.test"),
        dns("wrong", "www.test", 'expect = "127.0.0.9";'),
        dns("servfail", "broken.test"),
        dns("nxdomain", "nosuch.test"),
        dns("empty", "empty.test"),
        dns("hole", "hole.test"),
        dns("noserver", "www.test", server=f"127.0.0.1:{nobody}"),
    ]
    conf = t.write("slamon.conf", conf_text(targets, 2, 1))
    run = Run(t, conf)
    want = {
        "a": ("ok", "A 127.0.0.7"),
        "aaaa": ("ok", "AAAA ::1"),
        "cname": ("ok", "CNAME www.test"),
        "slow": ("ok", "A 127.0.0.8"),
        "wrong": ("expect_mismatch", "DNS answer 127.0.0.7, expected 127.0.0.9"),
        "servfail": ("dns_failure", "DNS failure: SERVFAIL for broken.test"),
        "nxdomain": ("dns_failure", "DNS failure: NXDOMAIN for nosuch.test"),
        "empty": ("dns_failure", "DNS failure: no A record for empty.test"),
        "hole": ("dns_failure", "DNS failure: timeout after 1000 ms"),
        "noserver": ("dns_failure", "DNS failure: server refused"),
    }
    for name, (reason, frag) in want.items():
        res = run.wait_results(name, 2)
        for _, r, text, _ in res[:2]:
            assert r == reason and frag in text, f"{name}: {r} {text!r}, wanted {reason} {frag!r}"
    assert_schedule_kept(run, "healthy", 2)
    run.stop()
