"""The system resolver seen by http, tls, tcp and dns targets, in a private
mount and network namespace of the test's own (`unshare -m -n`, as root):
/etc/resolv.conf and /etc/hosts are bind-mounted there, the resolver they
name runs on the namespace's own 127.0.0.1:53, and nothing leaves it.

- A resolver that never answers must not freeze the event loop: targets
  with numeric addresses and names from /etc/hosts keep being probed while
  the names it should resolve fail with a DNS timeout.
- No nameserver configured at all is the monitoring host's own fault, with
  its own reason (resolver_unavailable).
"""
import os
import re
import signal
import subprocess

from lib import Skip, free_port
from probelib import LOG, Run, conf_text

HOSTS = "127.0.0.1 localhost\n127.0.0.1 web.test\n"


def _need_namespaces():
    if not os.path.exists("/etc/resolv.conf") or not os.path.exists("/etc/hosts"):
        raise Skip("no /etc/resolv.conf or /etc/hosts to bind-mount over")
    try:
        p = subprocess.run(["unshare", "-m", "-n", "true"], capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise Skip(f"unshare not usable: {e}")
    if p.returncode != 0:
        raise Skip("unshare -m -n not permitted here (needs root or user namespaces): "
                   + p.stderr.decode(errors="replace").strip())


def ns_run(t, resolv, targets, dnsd_args=None, interval=2, timeout=1, targetd_args=()):
    """slamon -v run inside a new mount and network namespace whose
    /etc/resolv.conf and /etc/hosts are ours, with targetd (HTTP on the
    returned port) and, given dnsd_args, dnsd on 127.0.0.1:53 beside it."""
    _need_namespaces()
    port = free_port()
    conf = t.write("slamon.conf", conf_text([x % {"port": port} for x in targets],
                                            interval, timeout))
    t.write("resolv.conf", resolv)
    t.write("hosts", HOSTS)
    dnsd = ""
    if dnsd_args is not None:
        dnsd = ('%s/dnsd 53 %s >%s 2>&1 &\n'
                'while ! grep -q ready %s; do sleep 0.02; done\n'
                % (t.tools, " ".join("'%s'" % a for a in dnsd_args), t.path("dnsd.out"),
                   t.path("dnsd.out")))
    script = t.write("ns.sh", f"""set -e
ip link set lo up
mount --bind {t.path("resolv.conf")} /etc/resolv.conf
mount --bind {t.path("hosts")} /etc/hosts
{dnsd}{t.tools}/targetd --http {port} {" ".join("'%s'" % (a % {"port": port}) for a in targetd_args)} >{t.path("targetd.out")} 2>&1 &
exec {t.bin} -v -c {conf} run
""")
    run = Run.__new__(Run)
    run.t = t
    run.proc = t.spawn(["unshare", "-m", "-n", "sh", script])
    # dnsd and targetd share slamon's process group, which lib.T's cleanup
    # does not signal once slamon itself has exited
    t.on_cleanup.append(lambda: _killpg(run.proc.pid))
    return run


def _killpg(pgid):
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        pass


def _lines_of(run, name, kind):
    rx = re.compile(LOG + r"%s: %s" % (re.escape(name), kind))
    return [i for i, line in enumerate(run.lines()) if rx.match(line)]


def test_stuck_resolver_does_not_stop_the_loop(t):
    """resolv.conf names a server that never answers and tells the system to
    wait 30 s for it. Before, libcurl's resolver thread for each named http
    target was joined inside the loop when the 1 s probe timed out, and the
    loop stood still for the 30 s; every other target was probed late."""
    targets = [
        '  { name = "healthy"; type = "http"; url = "http://127.0.0.1:%(port)d/"; }',
        '  { name = "hosts"; type = "http"; url = "http://web.test:%(port)d/"; }',
        '  { name = "stuck1"; type = "http"; url = "http://stuck1.test:%(port)d/"; }',
        '  { name = "stuck2"; type = "http"; url = "https://stuck2.test/"; }',
        '  { name = "stuck3"; type = "tls"; host = "stuck3.test"; }',
        '  { name = "stuck4"; type = "tcp"; host = "stuck4.test"; port = 80; }',
        '  { name = "stuck5"; type = "dns"; host = "stuck5.test"; }',
        # a redirect to a name is libcurl's own lookup (glibc, in a thread):
        # the transfer that times out must not wait for that thread
        '  { name = "stuck6"; type = "http"; url = "http://127.0.0.1:%(port)d/go"; '
        'follow_redirects = true; }',
    ]
    stuck = ["stuck1", "stuck2", "stuck3", "stuck4", "stuck5", "stuck6"]
    run = ns_run(t, "nameserver 127.0.0.1\noptions timeout:30 attempts:1\n", targets,
                 dnsd_args=["*=DROP"], interval=2,
                 targetd_args=["--route", "/go=status:302,location:http://stuck6.test:%(port)d/"])
    for name in stuck:
        res = run.wait_results(name, 3, timeout=40)
        # after the redirect libcurl has connected once: a plain timeout
        want = ("timeout", "timeout after 1000 ms") if name == "stuck6" else \
            ("dns_failure", "DNS failure: timeout after 1000 ms")
        for _, r, text, _ in res:
            assert r == want[0] and want[1] in text, f"{name}: {r} {text!r}"
    # while the lookups hung, the other targets were probed, every one of
    # them when due: the loop never stood still
    first_fail = min(_lines_of(run, n, "result")[0] for n in stuck)
    last_fail = max(_lines_of(run, n, "result")[2] for n in stuck)
    for name in ("healthy", "hosts"):
        ok = [i for i in _lines_of(run, name, "result ok")]
        between = [i for i in ok if first_fail < i < last_fail]
        assert len(between) >= 2, f"{name}: {len(between)} results while lookups hung"
        # not a timing measurement: a frozen loop starts probes seconds late
        # (each join waited out the 30 s resolver timeout), a working one
        # within milliseconds; 2 s, the interval, separates the two
        for _, _, _, lag in run.starts(name):
            assert lag < 2000.0, f"{name}: a probe started {lag} ms late: the loop stalled"
    # the queries reached the resolver, and it said nothing
    log = open(t.path("dnsd.out")).read()
    assert "stuck1.test" in log and "stuck5.test" in log, log
    run.stop()


def test_no_nameserver_is_the_hosts_fault(t):
    """No nameserver line: c-ares, like glibc, asks 127.0.0.1:53, where
    nothing listens. The named targets fail as resolver_unavailable, not as
    the target's DNS failure; names in /etc/hosts still work."""
    targets = [
        '  { name = "hosts"; type = "http"; url = "http://web.test:%(port)d/"; }',
        '  { name = "named"; type = "http"; url = "http://www.example.test:%(port)d/"; }',
        '  { name = "named_tcp"; type = "tcp"; host = "www.example.test"; port = 80; }',
        '  { name = "named_dns"; type = "dns"; host = "www.example.test"; }',
    ]
    run = ns_run(t, "# no nameserver here\nsearch example.test\n", targets)
    for name in ("named", "named_tcp", "named_dns"):
        res = run.wait_results(name, 2)
        for _, r, text, _ in res:
            assert r == "resolver_unavailable" and \
                "resolver unavailable: no nameserver in /etc/resolv.conf" in text, \
                f"{name}: {r} {text!r}"
    for _, r, text, _ in run.wait_results("hosts", 2):
        assert r == "ok", f"hosts: {r} {text!r}"
    run.stop()


def test_refusing_nameserver_is_the_hosts_fault(t):
    """A nameserver in resolv.conf with nothing listening on its port: the
    monitoring host's resolver is down (resolver_unavailable); a dns target
    asking its own server is unaffected."""
    targets = [
        '  { name = "named"; type = "http"; url = "http://www.example.test:%(port)d/"; }',
        '  { name = "own"; type = "dns"; host = "www.test"; server = "127.0.0.1:53"; }',
    ]
    run = ns_run(t, "nameserver 127.0.0.2\n", targets, dnsd_args=["www.test=A:127.0.0.7"])
    for _, r, text, _ in run.wait_results("named", 2):
        assert r == "resolver_unavailable" and \
            "nameserver 127.0.0.2 refused" in text, f"named: {r} {text!r}"
    for _, r, text, _ in run.wait_results("own", 2):
        assert r == "ok" and "A 127.0.0.7" in text, f"own: {r} {text!r}"
    run.stop()


def test_resolv_conf_change_is_followed(t):
    """resolv.conf first names a nameserver with nothing behind it, then
    (edited in place, as a DHCP client or an admin does) the one that
    answers: the named target recovers without a restart."""
    targets = [
        '  { name = "named"; type = "http"; url = "http://www.example.test:%(port)d/"; }',
    ]
    run = ns_run(t, "nameserver 127.0.0.2\n", targets,
                 dnsd_args=["www.example.test=A:127.0.0.1"])
    res = run.wait_results("named", 1)
    assert res[0][1] == "resolver_unavailable", res
    with open(t.path("resolv.conf"), "r+") as f:  # the bind-mounted inode itself
        f.write("nameserver 127.0.0.1\n")
    run.wait_line(r"resolver: /etc/resolv.conf changed, read again")
    t.wait_for(lambda: any(r[1] == "ok" for r in run.results("named")), 20,
               "named target ok after the change")
    run.stop()


def test_no_nameserver_and_a_silent_localhost(t):
    """No nameserver line, and something on 127.0.0.1:53 that swallows the
    queries: still the host's fault, when the probe's time runs out. A name
    it does answer works, also written with a trailing dot in the URL."""
    targets = [
        '  { name = "named"; type = "http"; url = "http://www.example.test:%(port)d/"; }',
        '  { name = "named_tcp"; type = "tcp"; host = "www.example.test"; port = 80; }',
        '  { name = "named_dns"; type = "dns"; host = "www.example.test"; }',
        '  { name = "dotted"; type = "http"; url = "http://dot.test.:%(port)d/"; }',
    ]
    run = ns_run(t, "# no nameserver here\n", targets,
                 dnsd_args=["dot.test=A:127.0.0.1", "*=DROP"])
    for name in ("named", "named_tcp", "named_dns"):
        for _, r, text, _ in run.wait_results(name, 2):
            assert r == "resolver_unavailable" and "resolver unavailable: no nameserver in " \
                "/etc/resolv.conf (127.0.0.1 did not answer in 1000 ms)" in text, \
                f"{name}: {r} {text!r}"
    for _, r, text, _ in run.wait_results("dotted", 2):
        assert r == "ok", f"dotted: {r} {text!r}"
    run.stop()
    # every query for it came from c-ares (EDNS0), none from libcurl's own
    # resolver: the address was handed to libcurl despite the trailing dot
    q = [x for x in open(t.path("dnsd.out")).read().splitlines() if " dot.test " in x]
    assert q and all("edns=1232" in x for x in q), q
