"""The status page in headless Chromium (tests/browser/page.js): every
component, its 90 daily bars, the open incident; the screenshot is kept in
tests/artifacts/status-page.png."""
import os
import subprocess

from httplib import EVIL, Site
from lib import ROOT


def test_http_browser_page(t):
    s = Site(t)
    s.wait_incident()
    art = os.path.join(ROOT, "tests", "artifacts")
    os.makedirs(art, exist_ok=True)
    shot = os.path.join(art, "status-page.png")
    if os.path.exists(shot):
        os.unlink(shot)
    p = subprocess.run(["node", os.path.join(ROOT, "tests", "browser", "page.js"), s.base + "/",
                        shot, EVIL, "Database", "Files"], cwd=ROOT, capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    assert os.path.getsize(shot) > 10000
    s.alive()
