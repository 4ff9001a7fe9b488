"""Configuration: the shipped file checks, and each broken file exits 1 with
exactly FILE:LINE: field: message. The line of each case is the one marked
with "#!" in its text."""
import os
import re

from lib import ROOT

BASE = """\
slamon: {
  state_dir = "state";
  timezone = "Europe/Oslo";
  listen = "127.0.0.1:8080";
};
targets = (
  { name = "web"; component = "App"; type = "http"; url = "http://127.0.0.1:1/"; groups = ["canary"]; },
  { name = "api"; type = "tcp"; host = "127.0.0.1"; port = 443; }
);
maintenance: {
  windows = (
    { name = "system"; rrule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"; first = "2026-01-02 00:00"; duration = 21600; }
  );
};
"""


def sub(old, new, text=BASE):
    assert old in text, old
    return text.replace(old, new, 1)


# (what is broken, config text, field, words the message must contain)
CASES = [
    ("syntax error", sub('  listen = "127.0.0.1:8080";', '  listen = ; #!'), "(syntax)", ""),
    ("unknown top-level group", BASE + "extra: { a = 1; }; #!\n", "extra", "unknown setting"),
    ("unknown key in slamon", sub('  listen =', '  colour = "red"; #!\n  listen ='), "slamon.colour", "unknown setting"),
    ("slamon not a group", sub('slamon: {\n  state_dir = "state";\n  timezone = "Europe/Oslo";\n  listen = "127.0.0.1:8080";\n};', 'slamon = 5; #!'), "slamon", "expected a group"),
    ("time zone that does not exist", sub('timezone = "Europe/Oslo";', 'timezone = "Europe/Osloo"; #!'), "slamon.timezone", "not a time zone"),
    ("time zone path traversal", sub('timezone = "Europe/Oslo";', 'timezone = "../../etc/passwd"; #!'), "slamon.timezone", "not a time zone"),
    ("state_dir wrong type", sub('state_dir = "state";', 'state_dir = 12; #!'), "slamon.state_dir", "expected a string"),
    ("state_dir empty", sub('state_dir = "state";', 'state_dir = ""; #!'), "slamon.state_dir", "must not be empty"),
    ("listen without port", sub('listen = "127.0.0.1:8080";', 'listen = "127.0.0.1"; #!'), "slamon.listen", "HOST:PORT"),
    ("listen port out of range", sub('listen = "127.0.0.1:8080";', 'listen = "127.0.0.1:70000"; #!'), "slamon.listen", "1..65535"),
    ("rrdcached bad address", sub('listen = "127.0.0.1:8080";', 'listen = "127.0.0.1:8080";\n  rrdcached = "nowhere"; #!'), "slamon.rrdcached", "unix:/PATH"),
    ("max_inflight negative", sub('listen = "127.0.0.1:8080";', 'listen = "127.0.0.1:8080";\n  max_inflight = -1; #!'), "slamon.max_inflight", "out of range"),
    ("max_inflight a string", sub('listen = "127.0.0.1:8080";', 'listen = "127.0.0.1:8080";\n  max_inflight = "many"; #!'), "slamon.max_inflight", "expected an integer"),
    ("defaults interval zero", BASE + "defaults: { interval = 0; #!\n};\n", "defaults.interval", "out of range"),
    ("defaults slo above 100", BASE + "defaults: { slo = 100.5; #!\n};\n", "defaults.slo", "out of range"),
    ("defaults slo a string", BASE + 'defaults: { slo = "high"; #!\n};\n', "defaults.slo", "expected a number"),
    ("defaults unknown key", BASE + "defaults: { intervall = 30; #!\n};\n", "defaults.intervall", "unknown setting"),
    ("timeout above interval", BASE + "defaults: { interval = 5;\n timeout = 10; #!\n};\n", "defaults.timeout", "must not exceed interval"),
    ("fail_threshold zero", sub('port = 443; }', 'port = 443;\n fail_threshold = 0; } #!'), "targets[1].fail_threshold", "out of range"),
    ("no targets list", sub('targets = (', 'targetz = ( #!').replace(');\nmaintenance', ');\nmaintenance'), "targetz", "unknown setting"),
    ("empty targets", re.sub(r"targets = \(.*?\n\);", "targets = ( #!\n);", BASE, flags=re.S), "targets", "no targets"),
    ("target without name", sub('{ name = "api"; type = "tcp";', '{ type = "tcp"; #!\n'), "targets[1].name", "missing"),
    ("duplicate target name", sub('{ name = "api";', '{ name = "web"; #!\n'), "targets[1].name", "duplicate target"),
    ("first duplicate in file order", sub('port = 443; }', 'port = 443; },\n  { name = "x"; type = "tcp"; host = "127.0.0.1"; port = 1; },\n'
     '  { name = "x"; type = "tcp"; host = "127.0.0.1"; port = 2; }, #!\n'
     '  { name = "web"; type = "tcp"; host = "127.0.0.1"; port = 3; },\n  { name = "api"; type = "tcp"; host = "127.0.0.1"; port = 4; }'),
     "targets[3].name", 'duplicate target "x" (first at line 9)'),
    ("target name with slash", sub('{ name = "api";', '{ name = "a/b"; #!\n'), "targets[1].name", "letters, digits"),
    ("unknown probe type", sub('type = "tcp";', 'type = "smtp"; #!\n'), "targets[1].type", "unknown probe type"),
    ("unknown key in target", sub('port = 443; }', 'port = 443;\n colour = 1; } #!'), "targets[1].colour", "unknown setting for a tcp target"),
    ("http key on tcp target", sub('port = 443; }', 'port = 443;\n url = "http://x/"; } #!'), "targets[1].url", "unknown setting for a tcp target"),
    ("tcp port out of range", sub('port = 443; }', '\n port = 65536; } #!'), "targets[1].port", "out of range"),
    ("tcp port missing", sub(' port = 443; }', ' } #!'), "targets[1].port", "missing"),
    ("url libcurl cannot parse", sub('url = "http://127.0.0.1:1/";', '\n url = "http://exa mple.com/"; #!\n'), "targets[0].url", "not a valid URL"),
    ("url with wrong scheme", sub('url = "http://127.0.0.1:1/";', '\n url = "ftp://127.0.0.1/"; #!\n'), "targets[0].url", "scheme"),
    ("expect_status out of range", sub('groups = ["canary"]; },', 'groups = ["canary"];\n expect_status = [200, 700]; }, #!'), "targets[0].expect_status[1]", "out of range"),
    ("bad body regex", sub('groups = ["canary"]; },', 'groups = ["canary"];\n body_regex = "(unclosed"; }, #!'), "targets[0].body_regex", ""),
    ("dns bad record type", sub('{ name = "api"; type = "tcp"; host = "127.0.0.1"; port = 443; }', '{ name = "ns"; type = "dns";\n host = "a.test"; record = "PTR"; } #!'), "targets[1].record", "A, AAAA, CNAME, MX, TXT, NS or SOA"),
    ("dns AAAA expect not an address", sub('{ name = "api"; type = "tcp"; host = "127.0.0.1"; port = 443; }', '{ name = "ns"; type = "dns";\n host = "a.test"; record = "AAAA"; expect = "10.0.0.1"; } #!'), "targets[1].expect", "is not an IPv6 address"),
    ("bad rrule", sub('rrule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"; first', '\n rrule = "FREQ=WEEKLY;BYDAY=XX"; #!\n first'), "maintenance.windows[0].rrule", "RRULE"),
    ("rrule without first", sub(' first = "2026-01-02 00:00";', ' #!\n'), "maintenance.windows[0].first", "missing"),
    ("first is not a date", sub('first = "2026-01-02 00:00";', '\n first = "2026-02-30 00:00"; #!\n'), "maintenance.windows[0].first", "no such date"),
    ("first in the DST gap", sub('first = "2026-01-02 00:00";', '\n first = "2026-03-29 02:30"; #!\n'), "maintenance.windows[0].first", "does not exist in Europe/Oslo"),
    ("first not a time format", sub('first = "2026-01-02 00:00";', '\n first = "next friday"; #!\n'), "maintenance.windows[0].first", "expected YYYY-MM-DD"),
    ("neither duration nor end", sub(' duration = 21600; }', ' } #!'), "maintenance.windows[0].duration", "missing"),
    ("both duration and end", sub(' duration = 21600; }', ' duration = 21600;\n end = "06:00"; } #!'), "maintenance.windows[0].end", "either duration or end"),
    ("end not a time of day", sub(' duration = 21600; }', '\n end = "25:00"; } #!'), "maintenance.windows[0].end", "HH:MM"),
    ("applies_to unknown target", sub(' duration = 21600; }', ' duration = 21600;\n applies_to = ["nosuch"]; } #!'), "maintenance.windows[0].applies_to", "no target \"nosuch\""),
    ("applies_to unknown group", sub(' duration = 21600; }', ' duration = 21600;\n applies_to = ["group:nosuch"]; } #!'), "maintenance.windows[0].applies_to", "no target is in group"),
    ("applies_to unknown component", sub(' duration = 21600; }', ' duration = 21600;\n applies_to = ["component:Nope"]; } #!'), "maintenance.windows[0].applies_to", "no component"),
    ("duplicate window", sub('  );\n};', '    ,{ name = "system"; #!\n requires_announcement = true; }\n  );\n};'), "maintenance.windows[1].name", "duplicate window"),
    ("first on a category window", sub('  );\n};', '    ,{ name = "emergency"; requires_announcement = true;\n first = "2026-01-01 00:00"; } #!\n  );\n};'), "maintenance.windows[1].first", "only meaningful with rrule"),
    ("announcement for unknown window", sub('  );\n};', '  );\n  announcements = (\n    { window = "nosuch"; #!\n start = "2026-11-28 20:00"; end = "2026-11-29 06:00"; announced_at = "2026-11-20 09:00"; }\n  );\n};'), "maintenance.announcements[0].window", "no window named"),
    ("announcement ends before start", sub('  );\n};', '  );\n  announcements = (\n    { window = "system"; start = "2026-11-28 20:00";\n end = "2026-11-28 19:00"; #!\n announced_at = "2026-11-20 09:00"; }\n  );\n};'), "maintenance.announcements[0].end", "after start"),
    ("announcement without announced_at", sub('  );\n};', '  );\n  announcements = (\n    { window = "system"; start = "2026-11-28 20:00"; end = "2026-11-29 06:00"; } #!\n  );\n};'), "maintenance.announcements[0].announced_at", "missing"),
    ("min_notice negative", sub('maintenance: {', 'maintenance: {\n  min_notice = -1; #!'), "maintenance.min_notice", "out of range"),
    ("ics file missing", sub('maintenance: {', 'maintenance: {\n  ics = ["nosuch.ics"]; #!'), "maintenance.ics[0]", "No such file"),
    ("ics url with ftp", sub('maintenance: {', 'maintenance: {\n  ics = ({ url = "ftp://127.0.0.1/m.ics"; }); #!'), "maintenance.ics[0].url", "scheme"),
    ("ics file and url", sub('maintenance: {', 'maintenance: {\n  ics = ({ file = "a.ics"; url = "https://127.0.0.1/m.ics"; }); #!'), "maintenance.ics[0].url", "not both"),
    ("ics unknown key", sub('maintenance: {', 'maintenance: {\n  ics = ({ url = "https://127.0.0.1/m.ics"; refresh = 5; }); #!'), "maintenance.ics[0].refresh", "unknown"),
    ("ics ca_file on a file", sub('maintenance: {', 'maintenance: {\n  ics = ({ file = "/etc/hostname"; ca_file = "/etc/hostname"; }); #!'), "maintenance.ics[0].ca_file", "only meaningful with url"),
    ("ics_refresh zero", sub('maintenance: {', 'maintenance: {\n  ics_refresh = 0; #!'), "maintenance.ics_refresh", "out of range"),
    ("alert of unknown type", BASE + 'alerts = ( { type = "pager"; } #!\n);\n', "alerts[0].type", "webhook, exec, smtp, alertmanager, pagerduty or slack"),
    ("webhook without url", BASE + 'alerts = ( { type = "webhook"; } #!\n);\n', "alerts[0].url", "missing"),
    ("webhook with smtp url", BASE + 'alerts = ( { type = "webhook";\n url = "smtp://127.0.0.1:25"; } #!\n);\n', "alerts[0].url", "scheme"),
    ("smtp key on webhook", BASE + 'alerts = ( { type = "webhook"; url = "http://127.0.0.1:9/";\n from = "a@b"; } #!\n);\n', "alerts[0].from", "not a setting of a webhook alert"),
    ("smtp without recipients", BASE + 'alerts = ( { type = "smtp"; url = "smtp://127.0.0.1:2525"; from = "a@b.c";\n to = []; } #!\n);\n', "alerts[0].to", "no recipients"),
    ("exec without path", BASE + 'alerts = ( { type = "exec";\n command = ["page-oncall"]; } #!\n);\n', "alerts[0].command", "give a path"),
    ("exec not executable", BASE + 'alerts = ( { type = "exec";\n command = ["/nonexistent/page"]; } #!\n);\n', "alerts[0].command", "No such file"),
    ("webhook header without colon", BASE + 'alerts = ( { type = "webhook"; url = "http://127.0.0.1:9/";\n headers = ["X-Token"]; } #!\n);\n', "alerts[0].headers", "Name: value"),
]


def marked_line(text):
    for i, line in enumerate(text.split("\n"), 1):
        if "#!" in line:
            return i
    raise AssertionError("case has no #! marker")


def test_shipped_config_from_root(t):
    import subprocess
    p = subprocess.run([t.bin, "-c", "etc/slamon.conf", "check"], cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    for word in ("targets        6", "windows        7", "alert channels 2", "Europe/Oslo"):
        assert word in p.stdout, (word, p.stdout)


def test_base_config_is_valid(t):
    p = t.slamon("check", conf=t.write("base.conf", BASE), check=0)
    assert "targets        2 (http 1, tcp 1)" in p.stdout, p.stdout


def test_broken_configs(t):
    assert len(CASES) >= 30
    failures = []
    for i, (what, text, field, words) in enumerate(CASES):
        path = t.write(f"broken{i}.conf", text)
        p = t.slamon("check", conf=path)
        line = marked_line(text)
        lines = p.stderr.strip().split("\n")
        want = f"{path}:{line}: {field}: "
        if p.returncode != 1:
            failures.append(f"{what}: exit {p.returncode}, stderr {p.stderr!r}")
        elif len(lines) != 1 or not lines[0].startswith(want) or words not in lines[0]:
            failures.append(f"{what}: wanted {want!r}...{words!r}, got {p.stderr.strip()!r}")
    assert not failures, "\n".join(failures)


def test_missing_file(t):
    p = t.slamon("check", conf=t.path("nosuch.conf"), check=1)
    assert p.stderr.startswith(t.path("nosuch.conf") + ":0: "), p.stderr


def test_usage_and_exit_codes(t):
    p = t.slamon("nosuchcommand", check=1)
    assert "unknown command" in p.stderr
    p = t.slamon("check", "--help", check=0)
    assert p.stdout.startswith("usage: slamon"), p.stdout
    p = t.slamon("--help", check=0)
    assert "check" in p.stdout
    p = t.slamon(check=1)
