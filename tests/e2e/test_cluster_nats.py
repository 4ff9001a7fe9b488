"""Several locations for real (design.md 9, issue 14): three nats-server
processes clustered with JetStream on 127.0.0.1, three probing nodes
(osl, fra, ams) and one aggregator, each a real `slamon run`. Each node
probes its own path of one targetd, so that one location's "network" can be
made to fail alone. Checked through the aggregator's journal and its -v
log of every result it took, against every result the probing nodes
queued: nothing lost, nothing counted twice."""
import json
import os
import re
import signal
import subprocess
import time

from lib import free_port, read_jsonl
from natslib import NatsCluster, Proxy
from probelib import targetd

LOCS = ("osl", "fra", "ams")
QUEUED_RE = re.compile(r"^\S+Z \w+ slamon: cluster: (\w+)/(\S+) at (\d+) (ok|failed): queued$")
TAKEN_RE = re.compile(r"^\S+Z \w+ slamon: cluster: (\w+)/(\S+) at (\d+) (ok|failed): taken")


def node_conf(t, name, nats, role, loc, port, alert_after=4, listen=""):
    loc_line = f'location = "{loc}";' if loc else ""
    path = loc or "agg"
    return t.write(f"{name}.conf", f"""\
slamon: {{ state_dir = "state-{name}"; timezone = "Europe/Oslo"; listen = "{listen}"; }};
defaults: {{ interval = 1; timeout = 1; fail_threshold = 2; alert_after = {alert_after}; }};
targets = ( {{ name = "web"; component = "App"; type = "http";
              url = "http://127.0.0.1:{port}/{path}"; }} );
maintenance: {{ windows = (); }};
cluster: {{ nats = "{nats}"; {loc_line} role = "{role}";
           locations = ["osl", "fra", "ams"]; quorum = 2; }};
""")


class Nodes:
    def __init__(self, t, nats_for=None):
        self.t = t
        self.cluster = NatsCluster(t, 3)
        self.port = targetd(t)
        self.procs = {}
        self.nats_for = nats_for or {}
        for loc in LOCS:
            self.flip(loc, 200)
        self.http = free_port()
        self.agg_conf = node_conf(t, "agg", self.cluster.url(), "aggregate", None, self.port,
                                  listen=f"127.0.0.1:{self.http}")
        self.start("agg", self.agg_conf)
        self.t.wait_for(lambda: "cluster: location (none), role aggregate" in self.log("agg"),
                        60, "the aggregator")
        for loc in LOCS:
            c = node_conf(t, loc, self.nats_for.get(loc, self.cluster.url()), "probe", loc,
                          self.port)
            self.start(loc, c)

    def start(self, name, conf):
        self.procs[name] = self.t.spawn([self.t.bin, "-v", "-c", conf, "run"])
        self.logs = getattr(self, "logs", {})
        self.logs.setdefault(name, []).append(self.procs[name].errpath)

    def log(self, name):
        with open(self.procs[name].errpath) as f:
            return f.read()

    def flip(self, loc, status):
        import urllib.request
        urllib.request.urlopen(
            f"http://127.0.0.1:{self.port}/_set?path=/{loc}&spec=status:{status}").read()

    def journal(self):
        return read_jsonl(self.t.path("state-agg", "journal.jsonl"))

    def events(self, kind):
        return [r for r in self.journal() if r["event"] == kind]

    def taken(self):
        """Every result the aggregator took, across its restarts."""
        out = []
        for f in sorted(os.listdir(self.t.dir)):
            if f.endswith(".err"):
                with open(self.t.path(f)) as fh:
                    for line in fh:
                        m = TAKEN_RE.match(line.rstrip("\n"))
                        if m:
                            out.append((m.group(1), m.group(2), int(m.group(3))))
        return out

    def queued(self, loc):
        """Every result the node of loc queued, across its restarts."""
        out = []
        text = "".join(open(p).read() for p in self.logs.get(loc, []))
        for line in text.splitlines():
            m = QUEUED_RE.match(line)
            if m:
                out.append((m.group(1), m.group(2), int(m.group(3))))
        return out

    def wait_taken_after(self, loc, t0, what):
        self.t.wait_for(lambda: any(l == loc and ts > t0 for l, _, ts in self.taken()),
                        30, what)


def test_quorum_outage_alert_and_aggregator_kill9(t):
    n = Nodes(t)
    start = time.time()
    for loc in LOCS:
        n.wait_taken_after(loc, start, f"results from {loc}")
    # one location failing alone: no outage
    n.flip("osl", 503)
    a = time.time()
    n.wait_taken_after("osl", a + 4, "osl failing for 4 s")
    n.flip("osl", 200)
    b = time.time()
    for loc in LOCS:
        n.wait_taken_after(loc, b + 3, "everyone after osl's failure")
    assert n.events("outage_start") == [], n.journal()
    # two failing: an outage from the quorum's first down second, one alert
    n.flip("osl", 503)
    n.flip("fra", 503)
    c = time.time()
    (s,) = t.wait_for(lambda: n.events("outage_start"), 30, "outage_start")
    start_s = s["start"]
    st = time.mktime(time.strptime(start_s, "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
    assert c - 2 <= st <= c + 2, (start_s, c)
    t.wait_for(lambda: n.events("alert"), 30, "the alert")
    # /metrics: what each location sees, and what went through NATS
    import urllib.request
    m = urllib.request.urlopen(f"http://127.0.0.1:{n.http}/metrics").read().decode()
    assert 'slamon_location_up{target="web",component="App",type="http",location="osl"} 0' in m, m
    assert 'slamon_location_up{target="web",component="App",type="http",location="ams"} 1' in m, m
    assert re.search(r"^slamon_cluster_consumed_total [1-9]", m, re.M), m
    pc = subprocess.run(["promtool", "check", "metrics"], input=m, capture_output=True,
                        text=True)
    assert pc.returncode == 0, pc.stdout + pc.stderr
    # the aggregator killed mid-outage and started again
    n.procs["agg"].send_signal(signal.SIGKILL)
    n.procs["agg"].wait()
    time.sleep(2)  # results queue in the stream meanwhile
    n.start("agg", n.agg_conf)
    d = time.time()
    n.wait_taken_after("fra", d + 2, "the restarted aggregator")
    n.flip("osl", 200)
    n.flip("fra", 200)
    (e,) = t.wait_for(lambda: n.events("outage_end"), 30, "outage_end")
    assert e["start"] == start_s, (e, start_s)
    assert len(n.events("outage_start")) == 1, n.journal()
    assert len(n.events("alert")) == 1, n.journal()
    (r,) = t.wait_for(lambda: n.events("recovery"), 10, "recovery")
    assert r["outage_start"] == start_s
    # the incident page says which locations saw it
    incs = json.loads(urllib.request.urlopen(
        f"http://127.0.0.1:{n.http}/api/v2/incidents.json").read())["incidents"]
    assert incs, incs
    one = json.loads(urllib.request.urlopen(
        f"http://127.0.0.1:{n.http}/api/v2/incidents/{incs[0]['id']}.json").read())
    seen = [x.get("seen_from") for x in one["incident"]["targets"]]
    assert "osl, fra" in seen, one
    # killed again right after the outage_end, before its step is stored:
    # the results delivered again must not journal the outage a second time
    n.procs["agg"].send_signal(signal.SIGKILL)
    n.procs["agg"].wait()
    n.start("agg", n.agg_conf)
    e2 = time.time()
    n.wait_taken_after("osl", e2 + 2, "the aggregator after the second kill")
    assert len(n.events("outage_start")) == 1, n.journal()
    assert len(n.events("alert")) == 1 and len(n.events("recovery")) == 1, n.journal()
    # a reload may not change the locations under the running machines
    text = open(n.agg_conf).read().replace('locations = ["osl", "fra", "ams"]',
                                           'locations = ["osl", "fra"]')
    open(n.agg_conf, "w").write(text)
    n.procs["agg"].send_signal(signal.SIGHUP)
    t.wait_for(lambda: "cluster group changes only with a restart" in n.log("agg"), 20,
               "the reload's warning")
    f = time.time()
    for loc in LOCS:
        n.wait_taken_after(loc, f + 2, f"{loc} after the reload")
    assert n.procs["agg"].poll() is None
    # stopped cleanly, the journal closes nothing else and says it stopped
    n.procs["agg"].send_signal(signal.SIGTERM)
    n.procs["agg"].wait(timeout=30)
    j = n.journal()
    assert j[-1]["event"] == "monitor_stop", j
    for r in j:
        if r["event"] == "outage_end":
            assert r["down_s"] >= 0 and r["end"] >= r["start"], r


def test_nothing_lost_or_twice_across_nats_faults(t):
    # fra reaches NATS through a proxy the test can cut
    # the cluster has to exist before the proxy: build Nodes in two steps
    nc = NatsCluster(t, 3)
    proxy = Proxy(nc.ports[0])
    try:
        n = Nodes.__new__(Nodes)
        n.t, n.cluster, n.procs = t, nc, {}
        n.port = targetd(t)
        n.nats_for = {"fra": f"nats://127.0.0.1:{proxy.port}"}
        for loc in LOCS:
            n.flip(loc, 200)
        n.agg_conf = node_conf(t, "agg", nc.url(), "aggregate", None, n.port)
        n.start("agg", n.agg_conf)
        t.wait_for(lambda: "role aggregate" in n.log("agg"), 60, "the aggregator")
        for loc in LOCS:
            n.start(loc, node_conf(t, loc, n.nats_for.get(loc, nc.url()), "probe", loc,
                                   n.port))
        begin = time.time()
        for loc in LOCS:
            n.wait_taken_after(loc, begin, f"results from {loc}")
        # a NATS server killed mid-run, and started again
        nc.kill(1)
        time.sleep(3)
        nc.start(1)
        # fra cut from NATS: its results go to its disk buffer
        proxy.cut()
        cut_at = time.time()
        t.wait_for(lambda: "results are kept in" in n.log("fra"), 20, "fra buffering")
        time.sleep(5)
        proxy.mend()
        t.wait_for(lambda: "publishing to NATS again" in n.log("fra"), 30, "fra back")
        n.wait_taken_after("fra", time.time() + 2, "fra's new results")
        # the ams node stopped for a while and started again: what it had
        # queued at the stop waits in its disk buffer, and goes first
        n.procs["ams"].send_signal(signal.SIGTERM)
        assert n.procs["ams"].wait(timeout=30) == 0
        stopped = time.time()
        time.sleep(6)
        n.start("ams", node_conf(t, "ams", nc.url(), "probe", "ams", n.port))
        n.wait_taken_after("ams", time.time() + 2, "ams after its restart")
        # ams was silent, never down: no outage from it
        assert n.events("outage_start") == [], n.journal()
        assert not [q for q in n.queued("ams") if stopped + 1 < q[2] < stopped + 5]
        # every result queued until now reaches the aggregator exactly once
        want = set()
        for loc in LOCS:
            want |= set(n.queued(loc))
        cut_results = [q for q in n.queued("fra") if q[2] > cut_at + 1]
        assert cut_results, "fra probed nothing while cut"

        def all_taken():
            got = set(n.taken())
            return want <= got
        t.wait_for(all_taken, 40, "every queued result at the aggregator")
        taken = n.taken()
        dup = {k for k in taken if taken.count(k) > 1}
        assert not dup, sorted(dup)[:10]
        # nothing was down: no outage from the faults of NATS
        assert n.events("outage_start") == [], n.journal()
    finally:
        proxy.close()


def test_start_refused_without_nats_or_jetstream(t):
    port = targetd(t)
    c = node_conf(t, "x", "nats://127.0.0.1:1", "both", "osl", port)
    p = t.slamon("run", conf=c, check=1, timeout=30)
    assert "cannot connect to NATS at nats://127.0.0.1:1" in p.stderr, p.stderr
    plain = NatsCluster(t, 1, jetstream=False)
    c = node_conf(t, "y", plain.url(), "both", "osl", port)
    p = t.slamon("run", conf=c, check=1, timeout=30)
    assert "has no JetStream" in p.stderr, p.stderr
