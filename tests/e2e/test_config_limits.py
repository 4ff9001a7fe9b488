"""libconfig-level input the fuzzer (tests/fuzz/fuzz_conf.c) and its
reviewer tried: integers beyond 32 bits where libconfig 1.5 silently keeps
the low 32 (port = 4294967297 would probe port 1), deep nesting, @include
loops. Each gets exit 1 and one FILE:LINE: message, never a truncated value."""
import os

from test_config import BASE, sub


def check_one(t, name, text, want, words, cwd=None):
    path = t.write(name, text)
    p = t.slamon("check", conf=path)
    lines = p.stderr.strip().split("\n")
    assert p.returncode == 1, (name, p.returncode, p.stdout, p.stderr)
    assert len(lines) == 1 and lines[0].startswith(want) and words in lines[0], (name, want, p.stderr)


def test_config_integers_beyond_32_bits(t):
    cases = [
        ("port = 4294967297;", "targets[1].port", "4294967297 is out of range 1..65535"),
        ("port = 0x100000001;", "targets[1].port", "0x100000001 is out of range"),
        ("port = 2147483648;", "targets[1].port", "2147483648 is out of range"),
        ("port = -4294967295;", "targets[1].port", "-4294967295 is out of range"),
        ("port = 99999999999999999999999;", "targets[1].port", "99999999999999999999999 is out of range"),
        ("port = 443; interval = 4294967326;", "targets[1].interval", "4294967326 is out of range 1..86400"),
        ("port = 443; alert_after = 9223372036854775807L;", "targets[1].alert_after", "9223372036854775807 is out of range"),
    ]
    for i, (new, field, words) in enumerate(cases):
        text = sub("port = 443;", new)
        path = t.path(f"int{i}.conf")
        line = text.split("\n").index(next(x for x in text.split("\n") if new in x)) + 1
        check_one(t, f"int{i}.conf", text, f"{path}:{line}: {field}: ", words)
    # the same through an @include, the message naming the included file
    t.write("targets.inc", 'targets = (\n  { name = "api"; type = "tcp"; host = "127.0.0.1";\n    port = 4294967297; }\n);\n')
    main = BASE.split("targets = (")[0] + '@include "targets.inc"\n' + "maintenance: { windows = (); };\n"
    p = t.slamon("check", conf=t.write("inc.conf", main))
    assert p.returncode == 1 and "targets.inc:3: targets[0].port: 4294967297 is out of range" in p.stderr, p.stderr


def test_config_nesting_and_include_loops(t):
    deep = BASE + "x: " + "{ a: " * 20000 + "1;" + " };" * 20000 + "\n"
    path = t.path("deep.conf")
    check_one(t, "deep.conf", deep, f"{path}:", "(syntax)")
    lists = BASE + "x = " + "(" * 200000 + ")" * 200000 + ";\n"
    path = t.path("lists.conf")
    check_one(t, "lists.conf", lists, f"{path}:", "(syntax)")
    t.write("loop.conf", '@include "loop.conf"\n')
    p = t.slamon("check", conf=t.path("loop.conf"))
    assert p.returncode == 1 and "loop.conf:1: (syntax): include file nesting too deep" in p.stderr, p.stderr
    assert os.path.exists(t.path("loop.conf"))
