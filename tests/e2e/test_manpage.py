"""doc/slamon.8: `mandoc -T lint` without a message about the page, and
complete: every command and its options from `slamon --help` and
`slamon COMMAND --help`, every route of the HTTP server, every probe and
alert channel type, and the sections an SRE looks for."""
import os
import re
import shutil
import subprocess

from lib import ROOT, Skip

PAGE = os.path.join(ROOT, "doc", "slamon.8")


def test_manpage_lint_and_complete(t):
    if not shutil.which("mandoc"):
        raise Skip("mandoc is not installed")
    p = subprocess.run(["mandoc", "-T", "lint", "-W", "style", PAGE], capture_output=True, text=True)
    mine = [x for x in (p.stdout + p.stderr).splitlines() if "slamon.8:" in x]
    assert p.returncode == 0 and not mine, "\n".join(mine)
    page = open(PAGE).read()
    for sec in ("SYNOPSIS", "DESCRIPTION", "ENVIRONMENT", "FILES", "EXIT STATUS", "SEE ALSO"):
        assert f".Sh {sec}\n" in page, sec
    for sub in ("Commands", "Configuration", "HTTP endpoints", "Logging"):
        assert f".Ss {sub}\n" in page, sub
    h = t.slamon("--help", check=0).stdout
    cmds = re.findall(r"^  ([a-z-]+) ", h.split("commands:")[1], re.M)
    assert len(cmds) >= 7, h
    for opt in re.findall(r"^  -(\w) ", h, re.M):
        assert f"Fl {opt}" in page, opt
    for c in cmds:
        assert re.search(rf"^\.It Cm {c}\b", page, re.M), c
        usage = t.slamon(c, "--help", check=0).stdout.splitlines()[0]
        block = page.split(f".It Cm {c}", 1)[1].split("\n.It Cm ", 1)[0]
        for o in re.findall(r"--([a-z-]+)", usage):
            assert f"\\-{o}" in block, f"{c} --{o}"
    src = "".join(open(os.path.join(ROOT, "monitor", f)).read()
                  for f in ("httpd.c", "api-routes.c", "admin.c")
                  if os.path.exists(os.path.join(ROOT, "monitor", f)))
    for route in sorted(set(re.findall(r'"(/api/[^"]+|/metrics|/calendar\.ics|/graph/)"', src))):
        short = route.rsplit("/", 1)[-1] if "scheduled-maintenances/" in route else route
        assert short in page, route
    for typ in ("http", "tcp", "dns", "tls", "icmp", "webhook", "smtp", "exec",
                "alertmanager", "pagerduty", "slack"):
        assert re.search(rf"^\.It Cm {typ}$", page, re.M), typ
    for env in ("NOTIFY_SOCKET", "JOURNAL_STREAM", "SLAMON_WWW", "SLAMON_NOTIFY_BACKOFF_MS",
                "SLAMON_ADMIN_TOKEN"):
        assert f"Ev {env}" in page, env
