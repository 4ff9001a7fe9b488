"""`slamon run`: probes of healthy targets start on time while many hostile
ones hang; a retry has its whole timeout, however short its grid; SIGHUP
reloads (added, removed, kept, broken); SIGTERM stops cleanly; slamon runs
with the memory allocator the build links."""
import os
import signal

from probelib import Run, assert_schedule_kept, conf_text, targetd
from test_probe_http import http


def test_hung_endpoints_do_not_delay_others(t):
    port = targetd(t, "--route", "/hang=hang", "--route", "/slow=drip:50",
                   "--route", "/big=huge:20000000")
    base = f"http://127.0.0.1:{port}"
    targets = [http(f"ok{i}", base + "/") for i in range(5)]
    targets += [http(f"hang{i}", base + "/hang") for i in range(20)]
    targets += [http(f"drip{i}", base + "/slow") for i in range(10)]
    targets += [http(f"big{i}", base + "/big", "max_body = 30000000;") for i in range(3)]
    conf = t.write("slamon.conf", conf_text(targets, 1, 1))
    run = Run(t, conf)
    for i in range(5):
        run.wait_results(f"ok{i}", 4)
    run.wait_results("hang0", 2)
    for i in range(5):
        assert_schedule_kept(run, f"ok{i}", 1, max_lag_ms=200.0, min_starts=4)
    # and every start of every target, hostile or not, was on time
    lags = [s[3] for s in run.starts()]
    assert max(lags) < 200.0, max(lags)
    run.stop()


def test_retry_has_its_whole_timeout(t):
    """timeout 2 s, retry_interval 1 s: once suspect, a hung run is not cut
    off when the next retry is due; every run times out at 2 s, and the next
    retry starts when it ends, neither late nor skipped."""
    port = targetd(t, "--route", "/hang=hang")
    text = conf_text([http("ok", f"http://127.0.0.1:{port}/"),
                      http("hang", f"http://127.0.0.1:{port}/hang",
                           "retry_interval = 1; fail_threshold = 3;")], 2, 2)
    conf = t.write("slamon.conf", text)
    run = Run(t, conf)
    res = run.wait_results("hang", 3)
    for r in res[:3]:
        assert r[1] == "timeout" and "timeout after 2000 ms" in r[2], res
    assert "still running after" not in run.text()
    # the retries: each starts as the one before ends, 2 s apart, no lag
    st = run.starts("hang")
    assert abs((st[2][2] - st[1][2]) - 2.0) < 0.2, st
    assert all(s[3] < 100 for s in st[1:3]), st
    assert_schedule_kept(run, "ok", 2)
    run.stop()


def test_reload_added_removed_kept_broken(t):
    port = targetd(t, "--route", "/down=status:503")
    base = f"http://127.0.0.1:{port}"
    a = http("keep", base + "/down")
    b = http("gone", base + "/")
    c = http("new", base + "/")
    conf = t.write("slamon.conf", conf_text([a, b], 1, 1))
    run = Run(t, conf)
    run.wait_line(r"keep: DOWN since ")
    run.wait_results("gone", 1)
    # broken file: rejected with FILE:LINE, the old targets keep running
    t.write("slamon.conf", conf_text([a, b], 1, 1).replace('fail_threshold = 2;', 'fail_threshold = 0;'))
    run.proc.send_signal(signal.SIGHUP)
    run.wait_line(r"reload rejected, the old configuration keeps running: .*slamon.conf:\d+: "
                  r"defaults.fail_threshold")
    n_gone = len(run.results("gone"))
    run.wait_results("gone", n_gone + 2)
    # good file: keep stays (and stays DOWN: no second DOWN line), gone stops, new starts
    t.write("slamon.conf", conf_text([a, c], 1, 1))
    run.proc.send_signal(signal.SIGHUP)
    run.wait_line(r"reloaded: 1 targets kept, 1 added, 1 removed")
    n_gone = len(run.results("gone"))
    n_keep = len(run.results("keep"))
    run.wait_results("new", 2)
    run.wait_results("keep", n_keep + 2)
    assert len(run.results("gone")) == n_gone
    text = run.text()
    assert text.count("keep: DOWN since") == 1, text
    assert "new: UP (HTTP status 200)" in text
    run.stop()


def test_sigint_stops_and_dry_run(t):
    port = targetd(t)
    conf = t.write("slamon.conf", conf_text([http("a", f"http://127.0.0.1:{port}/")], 1, 1))
    run = Run(t, conf, ["--dry-run"])
    run.wait_results("a", 1)
    assert "dry run" in run.text()
    run.stop(signal.SIGINT)
    assert "stopped" in run.text()


def test_memory_allocator(t):
    """slamon runs with the allocator the build links (Makefile MALLOC, kept
    in malloc.stamp): jemalloc by default, glibc's with MALLOC=libc or SAN=1;
    slamon-libc, which the libfaketime tests run, always with glibc's."""
    with open(os.path.join(t.build, "malloc.stamp")) as f:
        linked = f.read().strip()
    assert linked in ("jemalloc", "libc"), linked
    port = targetd(t)
    conf = t.write("slamon.conf", conf_text([http("a", f"http://127.0.0.1:{port}/")], 1, 1))
    for binary, name in ((t.bin, "jemalloc" if linked == "jemalloc" else "glibc"),
                         (t.bin_faketime, "glibc")):
        run = Run(t, conf, ["--dry-run"], binary=binary)
        run.wait_line(r"memory allocator: " + name + r" [0-9]")
        run.wait_results("a", 1)
        run.stop()


def test_run_usage_errors(t):
    p = t.slamon("run", "--bogus", check=1)
    assert "usage" in p.stderr
    p = t.slamon("-c", "nonexistent.conf", "run", check=1)
    assert "nonexistent.conf" in p.stderr
