"""faultlib.py - helpers of the fault tests (test_faults*.py): the journal
checked line by line, the LD_PRELOAD fault injector (tests/tools/preload/
faultfs.c), a small tmpfs, targetd routes and the webhook receiver's posts."""
import calendar
import json
import os
import subprocess
import time
import urllib.request

from lib import read_jsonl


def epoch(z):
    return calendar.timegm(time.strptime(z, "%Y-%m-%dT%H:%M:%SZ"))


def journal(t, event=None, state="state"):
    p = t.path(state, "journal.jsonl")
    if not os.path.exists(p):
        return []
    return [r for r in read_jsonl(p) if event is None or r["event"] == event]


def check_journal(path):
    """The journal line by line: every line a whole JSON record; no outage
    ends before it starts or has a negative duration; no outage_end, alert or
    recovery without the outage_start it names (nothing invented); an outage
    ends at most once and is started once. Returns the records."""
    with open(path, "rb") as f:
        data = f.read()
    assert data == b"" or data.endswith(b"\n"), "a torn last line: %r" % data[-200:]
    recs = []
    for n, line in enumerate(data.decode().split("\n")[:-1], 1):
        try:
            r = json.loads(line)
        except ValueError as e:
            raise AssertionError(f"{path}:{n}: not JSON ({e}): {line!r}")
        assert isinstance(r, dict) and "time" in r and "event" in r, (n, line)
        epoch(r["time"])
        recs.append(r)
    started, ended = {}, set()
    for r in recs:
        ev = r["event"]
        if ev == "outage_start":
            key = (r["target"], r["start"])
            assert key not in started, ("started twice", r)
            started[key] = r
        elif ev == "outage_end":
            key = (r["target"], r["start"])
            assert key in started, ("an end without its start", r)
            assert key not in ended, ("ended twice", r)
            ended.add(key)
            span = epoch(r["end"]) - epoch(r["start"])
            assert span >= 0, ("ends before it starts", r)
            for k in ("down_s", "unplanned_s", "maintenance_s", "unknown_s"):
                assert r[k] >= 0, (k, r)
            assert r["down_s"] + r["unknown_s"] == span, r
            assert r["unplanned_s"] == r["down_s"] - r["maintenance_s"], r
        elif ev in ("alert", "recovery"):
            assert (r["target"], r["outage_start"]) in started, ("no such outage", r)
            if ev == "recovery":
                assert (r["target"], r["outage_start"]) in ended, r
    return recs


def set_route(port, spec, path="/h"):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_set?path={path}&spec={spec}",
                                timeout=5) as r:
        assert r.status == 200


def posts(hook, event):
    with hook.lock:
        bodies = [json.loads(p["body"]) for p in hook.posts]
    return [b for b in bodies if b.get("event") == event]


def fault_env(t, extra=None):
    """The fault injector in the child; the control file is t.path("fault")."""
    e = {"LD_PRELOAD": os.path.join(t.tools, "faultfs.so"),
         "SLAMON_FAULT_CTL": t.path("fault"),
         "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0"}
    if extra:
        for k, v in extra.items():
            e[k] = e[k] + ":" + v if k == "LD_PRELOAD" else v
    return e


def fault(t, *lines):
    """Arm the injector (MODE SUBSTRING lines), or disarm it with none."""
    p = t.path("fault")
    if not lines:
        if os.path.exists(p):
            os.unlink(p)
        return
    with open(p + ".tmp", "w") as f:
        f.write("\n".join(lines) + "\n")
    os.rename(p + ".tmp", p)


def hits(t):
    p = t.path("fault.hits")
    return open(p).read() if os.path.exists(p) else ""


class Tmpfs:
    """A small tmpfs of the test's own (CI runs as root), unmounted at the end."""

    def __init__(self, path, size):
        os.makedirs(path, exist_ok=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", path],
                       check=True)
        self.path = path

    def fill(self, leave):
        """Fill it up, leaving about `leave` bytes free."""
        keep = os.path.join(self.path, "keep.fill")
        with open(keep, "wb") as f:
            f.write(b"\0" * leave)
        with open(os.path.join(self.path, "big.fill"), "wb") as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError:
                pass
        os.unlink(keep)

    def free(self):
        for n in ("big.fill", "keep.fill"):
            p = os.path.join(self.path, n)
            if os.path.exists(p):
                os.unlink(p)

    def umount(self):
        subprocess.run(["umount", "-l", self.path], check=False)
