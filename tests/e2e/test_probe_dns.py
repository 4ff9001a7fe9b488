"""The dns probe against dnsd (our UDP and TCP test server): A, AAAA, CNAME,
expected answers, SERVFAIL, NXDOMAIN, no answer, a server that never
answers, and a port with no server; a healthy target keeps its schedule."""
import socket

from lib import dns_port, free_port
from probelib import Run, assert_schedule_kept, conf_text, targetd


def _dnsd(t, *args):
    dport = dns_port()
    d = t.spawn([t.tools + "/dnsd"] + [a for a in args if a == "--edns"] + [str(dport)]
                + [a for a in args if a != "--edns"])
    t.wait_for(lambda: open(d.outpath).read().startswith("ready") or d.poll() is not None,
               what="dnsd ready")
    assert d.poll() is None, "dnsd: " + open(d.errpath).read()
    return d, f"127.0.0.1:{dport}"


def test_dns_reasons(t):
    d, srv = _dnsd(t, "www.test=A:127.0.0.7", "www.test=AAAA:::1",
                   "alias.test=CNAME:www.test", "broken.test=SERVFAIL", "empty.test=EMPTY",
                   "hole.test=DROP", "slow.test=SLOW:300:A:127.0.0.8")
    port = targetd(t)
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


def _queries(d):
    return [line.split() for line in open(d.outpath).read().splitlines()[1:]]


def _check(run, want):
    for name, (reason, frag) in want.items():
        res = run.wait_results(name, 2)
        for _, r, text, _ in res[:2]:
            assert r == reason and frag in text, f"{name}: {r} {text!r}, wanted {reason} {frag!r}"


def test_dns_answer_of_40_records(t):
    """40 A records (about 670 bytes): over UDP from a server without EDNS0
    the answer is cut (TC) and asked again over TCP, where it comes whole (the
    40th address is found); from a server that honours EDNS0 it fits in one
    UDP answer. Either way the query carried EDNS0."""
    big = ["big.test=A:127.0.1.%d" % i for i in range(1, 41)]
    plain, srv_plain = _dnsd(t, *big)
    ednsd, srv_edns = _dnsd(t, "--edns", *big)
    targets = [
        '  { name = "tc"; type = "dns"; host = "big.test"; server = "%s"; expect = "127.0.1.40"; }' % srv_plain,
        '  { name = "edns"; type = "dns"; host = "big.test"; server = "%s"; expect = "127.0.1.40"; }' % srv_edns,
    ]
    run = Run(t, t.write("slamon.conf", conf_text(targets, 2, 2)))
    _check(run, {"tc": ("ok", "A 127.0.1.40 (40 records)"),
                 "edns": ("ok", "A 127.0.1.40 (40 records)")})
    run.stop()
    q = _queries(plain)
    udp = [x for x in q if x[0] == "udp"]
    tcp = [x for x in q if x[0] == "tcp"]
    assert udp and all(x[3] == "edns=1232" and x[5] == "tc=1" for x in udp), q
    assert tcp and all(x[4] == "answers=40" for x in tcp), q
    q = _queries(ednsd)
    assert q and all(x[0] == "udp" and x[3] == "edns=1232" and x[5] == "tc=0" for x in q), q


def test_dns_record_types_and_chains(t):
    """Every record type, CNAME chains followed to their records, a CNAME
    loop, a chain that ends in no data, and mismatches of each type."""
    d, srv = _dnsd(t, "www.test=A:127.0.0.7", "www.test=AAAA:2001:db8::7",
                   "a.test=CNAME:b.test", "b.test=CNAME:www.test",
                   "dangling.test=CNAME:empty.test", "empty.test=EMPTY",
                   "loop1.test=CNAME:loop2.test", "loop2.test=CNAME:loop1.test",
                   "mail.test=MX:20:mx2.test", "mail.test=MX:10:mx1.test",
                   "txt.test=TXT:v=spf1 ip4:127.0.0.0/8 -all", "txt.test=TXT:token=abc123",
                   "zone.test=NS:ns1.zone.test", "zone.test=NS:ns2.zone.test",
                   "zone.test=SOA:ns1.zone.test:hostmaster.zone.test:2026120201")

    def dns(name, host, record, expect=None):
        e = ' expect = "%s";' % expect if expect else ""
        return ('  { name = "%s"; type = "dns"; host = "%s"; server = "%s"; record = "%s";%s }'
                % (name, host, srv, record, e))
    targets = [
        dns("aaaa", "www.test", "AAAA", "2001:db8:0::7"),
        dns("chain", "a.test", "A", "127.0.0.7"),
        dns("chain_cname", "a.test", "CNAME", "b.test."),
        dns("dangling", "dangling.test", "A"),
        dns("loop", "loop1.test", "A"),
        dns("mx", "mail.test", "MX", "mx1.test"),
        dns("mx_full", "mail.test", "MX", "20 mx2.test"),
        dns("mx_wrong", "mail.test", "MX", "mx3.test"),
        dns("txt", "txt.test", "TXT", "token=abc123"),
        dns("txt_wrong", "txt.test", "TXT", "token=zzz"),
        dns("ns", "zone.test", "NS", "ns2.zone.test"),
        dns("soa", "zone.test", "SOA", "ns1.zone.test"),
        dns("soa_any", "zone.test", "SOA"),
        dns("no_mx", "www.test", "MX"),
        dns("nxdomain_txt", "nosuch.test", "TXT"),
    ]
    run = Run(t, t.write("slamon.conf", conf_text(targets, 2, 1)))
    _check(run, {
        "aaaa": ("ok", "AAAA 2001:db8::7"),
        "chain": ("ok", "A 127.0.0.7 via CNAME a.test -> b.test -> www.test"),
        "chain_cname": ("ok", "CNAME b.test"),
        "dangling": ("dns_failure", "DNS failure: no A record for dangling.test via CNAME dangling.test -> empty.test"),
        "loop": ("dns_failure", "DNS failure: CNAME loop at loop1.test for loop1.test"),
        "mx": ("ok", "MX 10 mx1.test (2 records)"),
        "mx_full": ("ok", "MX 20 mx2.test (2 records)"),
        "mx_wrong": ("expect_mismatch", "expected mx3.test"),
        "txt": ("ok", "TXT token=abc123 (2 records)"),
        "txt_wrong": ("expect_mismatch", "DNS answer v=spf1 ip4:127.0.0.0/8 -all (2 records), expected token=zzz"),
        "ns": ("ok", "NS ns2.zone.test (2 records)"),
        "soa": ("ok", "SOA ns1.zone.test hostmaster.zone.test 2026120201 7200 3600 1209600 300"),
        "soa_any": ("ok", "SOA ns1.zone.test"),
        "no_mx": ("dns_failure", "DNS failure: no MX record for www.test"),
        "nxdomain_txt": ("dns_failure", "DNS failure: NXDOMAIN for nosuch.test"),
    })
    run.stop()
