"""systemd: the sd_notify protocol of `slamon run` (READY, RELOADING then
READY around SIGHUP, STOPPING, watchdog pings from the event loop), seen on
a NOTIFY_SOCKET of the test's own; and the installed unit through
`systemd-analyze verify` and `security` (skipped where systemd-analyze is
missing)."""
import os
import re
import shutil
import signal
import socket
import subprocess

from lib import ROOT, Skip
from probelib import conf_text, targetd


def test_sd_notify_ready_reload_watchdog_stop(t):
    port = targetd(t)
    c = t.write("slamon.conf", conf_text([
        '  { name = "web"; type = "http"; url = "http://127.0.0.1:%d/"; }' % port], 1, 1))
    path = t.path("notify.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(20)

    def recv():
        return s.recv(4096).decode()
    p = t.spawn([t.bin, "-c", c, "run"], env={"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "200000"})
    msgs = [recv()]
    assert msgs[0].startswith("READY=1\n") and "STATUS=probing 1 targets" in msgs[0], msgs
    # pings at half the watchdog period, from the running loop
    pings = 0
    while pings < 3:
        m = recv()
        assert m == "WATCHDOG=1", m
        pings += 1
    p.send_signal(signal.SIGHUP)
    seen = []
    while not seen or not seen[-1].startswith("READY=1"):
        m = recv()
        if m != "WATCHDOG=1":
            seen.append(m)
    assert seen[0].startswith("RELOADING=1\n") and re.search(r"MONOTONIC_USEC=\d+", seen[0]), seen
    assert len(seen) == 2, seen
    p.send_signal(signal.SIGTERM)
    m = recv()
    while m == "WATCHDOG=1":
        m = recv()
    assert m.startswith("STOPPING=1"), m
    assert p.wait(timeout=20) == 0
    s.close()


def install(t, prefix="/usr"):
    dest = t.path("dest")
    p = subprocess.run(["make", "-s", "-C", ROOT, "install", f"DESTDIR={dest}", f"PREFIX={prefix}",
                        f"BUILD={t.build}"], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    return dest


def test_systemd_analyze_installed_unit(t):
    if not shutil.which("systemd-analyze"):
        raise Skip("systemd-analyze is not installed (package systemd)")
    dest = install(t)
    unit = os.path.join(dest, "usr/lib/systemd/system/slamon.service")
    text = open(unit).read()
    assert "ExecStart=/usr/bin/slamon -c /etc/slamon/slamon.conf run" in text, text
    assert "Type=notify" in text and "WatchdogSec=" in text
    # verify resolves ExecStart= against the root it is given: the installed tree
    p = subprocess.run(["systemd-analyze", "verify", f"--root={dest}", unit],
                       capture_output=True, text=True)
    out = p.stdout + p.stderr
    if "Failed to connect" in out or "System has not been booted with systemd" in out:
        raise Skip("systemd-analyze verify needs a running systemd here: " + out.strip()[:200])
    assert p.returncode == 0 and "slamon.service" not in out, out
    p = subprocess.run(["systemd-analyze", "security", "--offline=true", "--threshold=25", unit],
                       capture_output=True, text=True)
    m = re.search(r"Overall exposure level for slamon.service: ([\d.]+)", p.stdout)
    assert m, p.stdout + p.stderr
    assert float(m.group(1)) <= 2.5 and p.returncode == 0, p.stdout[-3000:]
