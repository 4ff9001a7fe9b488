"""One writer per state_dir: while `slamon run` holds it, a second run, a
replay and an announce exit 1 with "state dir ... is in use by pid N" and
write nothing; report and calendar read without the lock, and a reader
never takes a line still being written for a record."""
import hashlib
import json
import os

from probelib import Run, conf_text, targetd
from test_probe_http import http


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def test_one_writer_per_state_dir(t):
    port = targetd(t)
    conf = t.write("slamon.conf", conf_text([http("a", f"http://127.0.0.1:{port}/")], 1, 1)
                   .replace('state_dir = "state"', f'state_dir = "{t.path("state")}"')
                   .replace("windows = ();", 'windows = ( { name = "emergency"; '
                            'requires_announcement = true; } );'))
    run = Run(t, conf)
    run.wait_results("a", 2)
    lock = t.path("state", "slamon.lock")
    assert open(lock).read().strip() == str(run.proc.pid)
    msg = f"state dir {t.path('state')} is in use by pid {run.proc.pid}"
    journal = t.path("state", "journal.jsonl")
    t.wait_for(lambda: os.path.exists(journal), what="the journal")
    second = t.slamon("run", conf=conf, check=1, timeout=30)
    assert msg in second.stderr, second.stderr
    csv = t.write("rows.csv", "time,target,ok,latency_ms,detail\n2030-01-01 00:00:00,a,1,5,\n")
    p = t.slamon("replay", csv, conf=conf, check=1)
    assert msg in p.stderr and p.stdout == "", p.stderr
    p = t.slamon("announce", "--window", "emergency", "--start", "2030-01-01 00:00",
                 "--end", "2030-01-01 01:00", conf=conf, check=1)
    assert msg in p.stderr and p.stdout == "", p.stderr
    # nothing of theirs in the journal: no monitor_start of a second run,
    # no replayed record, no announcement
    recs = [json.loads(x) for x in open(journal).read().splitlines() if x]
    assert [r["event"] for r in recs].count("monitor_start") == 1, recs
    assert not any(r["event"] == "announcement" for r in recs), recs
    # readers do not need the lock
    p = t.slamon("report", "--month", "2026-03", "--json", conf=conf, check=0)
    p = t.slamon("calendar", "--from", "2030-01-01", "--to", "2030-01-02", conf=conf, check=0)
    run.stop()
    # the lock went with the process: the next writer goes ahead
    p = t.slamon("announce", "--window", "emergency", "--start", "2030-01-01 00:00",
                 "--end", "2030-01-01 01:00", conf=conf, check=0)
    assert "announced emergency" in p.stdout


def test_reader_skips_a_line_being_written(t):
    """A record half written when report or calendar reads is not read
    (neither warned about nor parsed) until its newline is there."""
    conf = t.write("slamon.conf", conf_text([http("a", "http://127.0.0.1:9/")], 60, 1)
                   .replace("windows = ();", 'windows = ( { name = "emergency"; '
                            'requires_announcement = true; } );'))
    t.slamon("replay", t.write("r.csv", "time,target,ok,latency_ms,detail\n"
                               "2026-03-02 10:00:00,a,1,5,\n2026-03-02 10:01:00,a,1,5,\n"),
             conf=conf, check=0)
    journal = t.path("state", "journal.jsonl")
    half = ('{"time":"2026-03-02T09:00:00Z","event":"announcement","id":"0123456789abcdef",'
            '"window":"emergency","start":"2026-03-0')
    with open(journal, "a") as f:
        f.write(half)
    p = t.slamon("report", "--month", "2026-03", "--json", conf=conf, check=0)
    assert p.stderr == "", p.stderr
    p = t.slamon("calendar", "--from", "2026-03-01", "--to", "2026-04-01", "--json",
                 conf=conf, check=0)
    assert p.stderr == "" and json.loads(p.stdout) == [], p.stderr + p.stdout
    # the writer finishes the line: now it is a record
    with open(journal, "a") as f:
        f.write('2T10:00:00Z","end":"2026-03-02T11:00:00Z"}\n')
    p = t.slamon("calendar", "--from", "2026-03-01", "--to", "2026-04-01", "--json",
                 conf=conf, check=0)
    occ = json.loads(p.stdout)
    assert [(o["name"], o["id"]) for o in occ] == [("emergency", "0123456789abcdef")], occ
