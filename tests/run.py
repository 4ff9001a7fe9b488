#!/usr/bin/env python3
"""run.py - the test runner of `make check`.

Runs the cmocka unit-test binaries (build/tests/test_*), then the end-to-end
tests (tests/e2e/test_*.py: every function test_*(t) in them, with a fresh
lib.T). The last line it prints is the summary: "N passed, N failed".
"""
import argparse
import concurrent.futures
import importlib.util
import os
import re
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "e2e"))


def run_unit(build, pattern):
    passed = failed = 0
    bindir = os.path.join(build, "tests")
    bins = sorted(f for f in os.listdir(bindir) if f.startswith("test_") and "." not in f and os.access(os.path.join(bindir, f), os.X_OK)) if os.path.isdir(bindir) else []
    for b in bins:
        if pattern and not re.search(pattern, b):
            continue
        path = os.path.join(bindir, b)
        env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="stdout")
        p = subprocess.run([path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, timeout=300)
        out = p.stdout.decode(errors="replace")
        m_ok = re.search(r"\[  PASSED  \] (\d+) test", out)
        m_bad = re.search(r"\[  FAILED  \] (\d+) test", out)
        ok = int(m_ok.group(1)) if m_ok else 0
        bad = int(m_bad.group(1)) if m_bad else 0
        if p.returncode != 0 and bad == 0:
            bad = 1  # crashed, or failed outside a test
        passed += ok
        failed += bad
        status = "ok" if bad == 0 else "FAIL"
        print(f"unit  {b:40s} {ok:4d} passed {bad:3d} failed  {status}", flush=True)
        if bad:
            print(out[-6000:])
    return passed, failed


def load_e2e(pattern):
    tests = []
    d = os.path.join(HERE, "e2e")
    for f in sorted(os.listdir(d)):
        if not (f.startswith("test_") and f.endswith(".py")):
            continue
        spec = importlib.util.spec_from_file_location(f[:-3], os.path.join(d, f))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for name in sorted(dir(mod)):
            if name.startswith("test_") and callable(getattr(mod, name)):
                full = f"{f[:-3]}.{name}"
                if pattern and not re.search(pattern, full):
                    continue
                tests.append((full, getattr(mod, name)))
    return tests


def run_one(build, full, fn):
    import lib
    t = lib.T(build, full)
    start = time.monotonic()
    try:
        fn(t)
        err = None
    except lib.Skip as e:
        err = "SKIP " + str(e)
    except Exception:
        err = traceback.format_exc()
    # a failure found while cleaning up (valgrind's report of a child) is
    # the test's failure, not the runner's
    try:
        t.cleanup()
    except Exception:
        err = (err + "\n" if err else "") + traceback.format_exc()
    return full, err, time.monotonic() - start, t.log_text()


def run_e2e(build, pattern, jobs):
    tests = load_e2e(pattern)
    passed = failed = skipped = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
        futs = [ex.submit(run_one, build, full, fn) for full, fn in tests]
        for fut in futs:
            full, err, secs, log = fut.result()
            if err is not None and err.startswith("SKIP "):
                skipped += 1
                print(f"e2e   {full:60s} skip {secs:5.1f}s  ({err[5:]})", flush=True)
            elif err is None:
                passed += 1
                print(f"e2e   {full:60s} ok   {secs:5.1f}s", flush=True)
            elif err.startswith("SKIP "):
                print(f"e2e   {full:60s} skip {secs:5.1f}s: {err[5:]}", flush=True)
            else:
                failed += 1
                print(f"e2e   {full:60s} FAIL {secs:5.1f}s", flush=True)
                print(err)
                if log:
                    print("--- test log ---\n" + log[-4000:])
    return passed, failed, skipped


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--only", choices=["unit", "e2e"])
    ap.add_argument("-k", dest="pattern", help="regex on test names")
    ap.add_argument("-j", dest="jobs", type=int, default=int(os.environ.get("E2E_JOBS", "4")))
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    passed = failed = skipped = 0
    if a.only in (None, "unit"):
        p, f = run_unit(build, a.pattern)
        passed += p
        failed += f
    if a.only in (None, "e2e"):
        p, f, skipped = run_e2e(build, a.pattern, a.jobs)
        passed += p
        failed += f
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    sys.exit(1 if failed or passed == 0 else 0)


if __name__ == "__main__":
    main()
