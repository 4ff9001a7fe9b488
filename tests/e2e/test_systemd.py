"""systemd: the sd_notify protocol of `slamon run` (READY, RELOADING then
READY around SIGHUP, STOPPING, watchdog pings from the event loop), seen on
a NOTIFY_SOCKET of the test's own. The installed unit: test_install.py."""
import re
import signal
import socket

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
