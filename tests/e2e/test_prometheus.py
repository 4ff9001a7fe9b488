"""The shipped Prometheus rules and Grafana dashboard: `promtool check rules`
and `promtool test rules` (tests/prometheus/slamon.rules.test.yml), and the
dashboard's queries parsed by promtool and naming only metrics slamon
exports (checked against a live /metrics) or the rules record."""
import json
import os
import re
import subprocess
import urllib.request

from lib import ROOT, free_port
from probelib import targetd

RULES = os.path.join(ROOT, "etc", "prometheus", "slamon.rules.yml")
DASH = os.path.join(ROOT, "etc", "grafana", "slamon.json")


def test_promtool_check_and_test_rules(t):
    p = subprocess.run(["promtool", "check", "rules", RULES], capture_output=True, text=True)
    assert p.returncode == 0 and "SUCCESS: 12 rules found" in p.stdout, p.stdout + p.stderr
    p = subprocess.run(["promtool", "test", "rules", "slamon.rules.test.yml"],
                       cwd=os.path.join(ROOT, "tests", "prometheus"), capture_output=True, text=True)
    assert p.returncode == 0 and "SUCCESS" in p.stdout, p.stdout + p.stderr


def exported_metrics(t):
    """The families a running slamon exports, with every probe type."""
    port, http = free_port(), targetd(t)
    c = t.write("slamon.conf", f"""\
slamon: {{ state_dir = "state"; timezone = "Europe/Oslo"; listen = "127.0.0.1:{port}"; }};
defaults: {{ interval = 1; timeout = 1; fail_threshold = 2; }};
targets = ( {{ name = "web"; type = "http"; url = "http://127.0.0.1:{http}/"; }},
            {{ name = "names"; type = "dns"; host = "x.test"; server = "127.0.0.1:{free_port()}"; }} );
maintenance: {{ windows = (); }};
alerts = ( {{ type = "webhook"; url = "http://127.0.0.1:9/"; }} );
""")
    t.spawn([t.bin, "-c", c, "run"])
    t.wait_port(port)

    def families():
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
            text = r.read().decode()
        if 'slamon_probe_success{target="names"' not in text:
            return None
        return set(re.findall(r"^# TYPE (\w+) ", text, re.M))
    return t.wait_for(families, 30, "a result of every target", step=0.2)


def test_grafana_dashboard_queries(t):
    dash = json.load(open(DASH))
    exprs = []
    for p in dash["panels"]:
        assert p["datasource"]["uid"] == "${datasource}", p["title"]
        exprs += [x["expr"] for x in p["targets"]]
    exprs += [v["query"] for v in dash["templating"]["list"] if v["type"] == "query"]
    assert len(exprs) >= 12
    names = set()
    for e in exprs:
        names |= set(re.findall(r"\b(slamon[_:][\w:]+)", e))
    have = exported_metrics(t)
    records = set(re.findall(r"^\s*- record: (\S+)", open(RULES).read(), re.M))
    for n in sorted(names):
        base = re.sub(r"_(bucket|sum|count)$", "", n)
        assert n in records or n in have or base in have, f"{n}: neither exported nor recorded"
    # every query is valid PromQL: promtool parses them as recording rules
    subst = {"$job": ".*", "$component": ".*", "$target": ".*", "$__range": "1h"}
    lines = ["groups:", "  - name: dashboard", "    rules:"]
    for i, e in enumerate(exprs):
        if e.startswith("label_values("):
            m = re.match(r"label_values\((.*), \w+\)$", e)
            assert m, e
            e = m.group(1)
        for k, v in subst.items():
            e = e.replace(k, v)
        lines += [f"      - record: dashboard_query_{i}", "        expr: " + json.dumps(e)]
    f = t.write("dash.rules.yml", "\n".join(lines) + "\n")
    p = subprocess.run(["promtool", "check", "rules", f], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
