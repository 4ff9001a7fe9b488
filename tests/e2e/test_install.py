"""`make install DESTDIR=... PREFIX=/usr` after a plain build, and what it
installs: a binary rebuilt for the new PREFIX, the page files, the man page,
rules, dashboard and a configuration with absolute paths. Then, as systemd
would run it: the installed tree laid over /usr and /etc in a mount
namespace of the test's own, `slamon check` from /var/lib/slamon,
`systemd-analyze verify` and `systemd-analyze security` (2.5 or lower) of
the installed unit; and a `slamon run` from the installed tree serving its
status page."""
import os
import re
import shutil
import subprocess
import urllib.request

from lib import ROOT, Skip, free_port
from probelib import targetd


def install(t):
    # a copy of the build, so the PREFIX=/usr rebuild leaves the shared one alone
    build = t.path("build")
    shutil.copytree(t.build, build, symlinks=True,
                    ignore=shutil.ignore_patterns("fuzz", "*.log"))
    dest = t.path("dest")
    # the same flags as the build copied (make SAN=1 check builds in build-san)
    san = ["SAN=1"] if os.path.basename(t.build.rstrip("/")).endswith("-san") else []
    p = subprocess.run(["make", "-C", ROOT, "install", f"DESTDIR={dest}", "PREFIX=/usr",
                        f"BUILD={build}"] + san, capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    # the prefix stamp changed: httpd.o (which compiles PREFIX in) was rebuilt
    assert re.search(r"-c -o \S*/monitor/httpd\.o monitor/httpd\.c", p.stdout), p.stdout[-3000:]
    return dest


def in_namespace(t, dest, script):
    """Run script (sh) with dest/usr over /usr, dest/etc over /etc and an empty
    /var/lib, in a private mount namespace: the host's files are untouched."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        raise Skip("laying the installed tree over /usr needs root and unshare(1)")
    pre = (f"mount -t overlay overlay -o lowerdir={dest}/usr:/usr /usr && "
           f"mount -t overlay overlay -o lowerdir={dest}/etc:/etc /etc && "
           "mount -t tmpfs tmpfs /var/lib && mkdir /var/lib/slamon && cd /var/lib/slamon && ")
    p = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", pre + script],
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0 and "overlay" in p.stderr and "mount" in p.stderr:
        raise Skip("overlay mounts are not available here: " + p.stderr.strip()[:200])
    return p


def test_install_and_run_as_systemd_would(t):
    dest = install(t)
    binary = os.path.join(dest, "usr/bin/slamon")
    data = open(binary, "rb").read()
    assert b"/usr/share/slamon/www" in data and b"/usr/local/share/slamon/www" not in data
    for f in ("usr/share/man/man8/slamon.8", "usr/share/slamon/www/index.html",
              "usr/share/slamon/prometheus/slamon.rules.yml", "usr/share/slamon/grafana/slamon.json",
              "usr/lib/systemd/system/slamon.service", "etc/slamon/slamon.conf"):
        assert os.path.isfile(os.path.join(dest, f)), f
    conf = open(os.path.join(dest, "etc/slamon/slamon.conf")).read()
    assert 'state_dir = "/var/lib/slamon";' in conf
    assert 'command = ["/usr/share/slamon/alert-log.sh", "demo"]' in conf
    unit = open(os.path.join(dest, "usr/lib/systemd/system/slamon.service")).read()
    assert "ExecStart=/usr/bin/slamon -c /etc/slamon/slamon.conf run" in unit
    assert "Type=notify" in unit and "WatchdogSec=" in unit

    # a run from the installed tree: its page files are found beside it
    port, http = free_port(), targetd(t)
    c = t.write("run.conf", f"""\
slamon: {{ state_dir = "state"; timezone = "Europe/Oslo"; listen = "127.0.0.1:{port}"; }};
targets = ( {{ name = "web"; type = "http"; url = "http://127.0.0.1:{http}/"; interval = 1; timeout = 1; }} );
maintenance: {{ windows = (); }};
""")
    env = {k: v for k, v in os.environ.items() if k != "SLAMON_WWW"}
    p = subprocess.Popen([binary, "-c", c, "run"], cwd=t.dir, env=env,
                         stderr=open(t.path("run.err"), "w"), start_new_session=True)
    t.procs.append(p)
    t.wait_port(port)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as r:
        page = r.read().decode()
    assert r.status == 200 and "<html" in page.lower(), page[:300]
    p.terminate()
    assert p.wait(timeout=20) == 0

    # as systemd runs it: from /var/lib/slamon, the installed paths absolute
    r = in_namespace(t, dest, "/usr/bin/slamon -c /etc/slamon/slamon.conf check")
    assert r.returncode == 0 and "/etc/slamon/slamon.conf: OK" in r.stdout, r.stdout + r.stderr
    assert "exec 1" in r.stdout, r.stdout
    if not shutil.which("systemd-analyze"):
        raise Skip("systemd-analyze is not installed (package systemd)")
    # verify checks ExecStart= and the man page of Documentation= on this root
    r = in_namespace(t, dest, "systemd-analyze verify /usr/lib/systemd/system/slamon.service")
    assert r.returncode == 0 and r.stdout + r.stderr == "", r.stdout + r.stderr
    r = subprocess.run(["systemd-analyze", "security", "--offline=true", "--threshold=25",
                        os.path.join(dest, "usr/lib/systemd/system/slamon.service")],
                       capture_output=True, text=True)
    m = re.search(r"Overall exposure level for slamon.service: ([\d.]+)", r.stdout)
    assert m and r.returncode == 0, r.stdout[-3000:] + r.stderr
    assert float(m.group(1)) <= 2.5, r.stdout[-3000:]
