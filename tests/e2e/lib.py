"""lib.py - helpers for the end-to-end tests: the real binary, temporary
folders, free loopback ports, child processes that are always stopped.

Every network address used here is on 127.0.0.1 or ::1."""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Skip(Exception):
    """Raised by a test that cannot run here; its reason is printed."""


def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port



def dns_port():
    """A port free on 127.0.0.1 for both UDP and TCP, as dnsd serves both."""
    for _ in range(50):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        port = u.getsockname()[1]
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            s.close()
            u.close()
    raise AssertionError("no port free for both UDP and TCP")


VALGRIND = os.environ.get("SLAMON_VALGRIND")


class Skip(Exception):
    """raise Skip("reason"): the test cannot run on this machine (reported, not failed)."""


class T:
    """One test's context: a temporary folder and the processes it started."""

    def __init__(self, build, name):
        self.build = build
        self.name = name
        self.bin = os.path.join(build, "slamon")
        self.tools = os.path.join(build, "tests")
        self._bin_libc = os.path.join(self.tools, "slamon-libc")
        self.dir = tempfile.mkdtemp(prefix="slamon-e2e-")
        self.procs = []
        self._log = []
        self.on_cleanup = []  # callables run first by cleanup()

    def log(self, *a):
        self._log.append(" ".join(str(x) for x in a))

    def log_text(self):
        return "\n".join(self._log)

    def path(self, *p):
        return os.path.join(self.dir, *p)

    def write(self, name, text):
        p = self.path(name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)
        return p

    @property
    def bin_faketime(self):
        """slamon for a test that preloads libfaketime (storelib.faketime_env).
        libfaketime deadlocks with jemalloc (jemalloc's start-up reads the
        clock, libfaketime's allocates), so the same objects linked with
        glibc's malloc (Makefile BIN_LIBC), built by make check and make e2e
        whatever MALLOC is. spawn() and slamon() take it in slamon's place
        whenever libfaketime is preloaded."""
        lib = os.path.join(self.build, "libslamon.a")
        if not os.path.exists(self._bin_libc):
            raise AssertionError(f"{self._bin_libc} is missing: the tests that preload libfaketime "
                                 "need it (make check or make e2e build it)")
        if os.path.exists(lib) and os.path.getmtime(self._bin_libc) < os.path.getmtime(lib):
            raise AssertionError(f"{self._bin_libc} is older than {lib}: make check or make e2e "
                                 "links it again")
        return self._bin_libc

    def _faketime(self, argv, env):
        """argv with slamon-libc for slamon when env preloads libfaketime."""
        if env and "libfaketime" in env.get("LD_PRELOAD", "") and argv and argv[0] == self.bin:
            return [self.bin_faketime] + list(argv[1:])
        return list(argv)

    def slamon(self, *args, conf=None, env=None, timeout=60, check=None, input=None):
        """Run slamon to completion; returns CompletedProcess with text output."""
        argv = self._wrap(self._faketime([self.bin], env))
        if conf:
            argv += ["-c", conf]
        argv += list(args)
        e = dict(os.environ)
        if env:
            e.update(env)
        p = subprocess.run(argv, cwd=self.dir, env=e, input=input, capture_output=True,
                           text=True, timeout=timeout)
        self.log("$", " ".join(argv), "->", p.returncode)
        self.log(p.stdout[-2000:], p.stderr[-2000:])
        if check is not None:
            assert p.returncode == check, f"exit {p.returncode}, wanted {check}: {p.stderr}{p.stdout}"
        return p

    def _wrap(self, argv):
        """Under SLAMON_VALGRIND=1 the slamon binary runs in valgrind (make valgrind)."""
        if not VALGRIND or argv[0] != self.bin:
            return list(argv)
        # a slamon linked with jemalloc (Makefile MALLOC): valgrind replaces
        # its malloc and free, as it does glibc's
        return ["valgrind", "--quiet", "--leak-check=full", "--errors-for-leak-kinds=definite",
                "--soname-synonyms=somalloc=*jemalloc*",
                "--log-file=" + self.path("valgrind.%p.log")] + list(argv)

    def spawn(self, argv, env=None, stdout=None, stderr=None, cwd=None):
        argv = self._wrap(self._faketime(argv, env))
        e = dict(os.environ)
        if env:
            e.update(env)
        out = stdout if stdout is not None else open(self.path(f"proc{len(self.procs)}.out"), "w")
        err = stderr if stderr is not None else open(self.path(f"proc{len(self.procs)}.err"), "w")
        p = subprocess.Popen(argv, cwd=cwd or self.dir, env=e, stdout=out, stderr=err,
                             start_new_session=True)
        p.outpath = getattr(out, "name", None)
        p.errpath = getattr(err, "name", None)
        self.procs.append(p)
        self.log("spawned", argv, "pid", p.pid)
        return p

    def wait_for(self, cond, timeout=20.0, what="condition", step=0.02):
        """Poll cond() until true. The deadline is far above any honest wait."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            v = cond()
            if v:
                return v
            time.sleep(step)
        raise AssertionError(f"timed out after {timeout}s waiting for {what}")

    def wait_port(self, port, host="127.0.0.1", timeout=20.0):
        def ok():
            try:
                with socket.create_connection((host, port), timeout=0.5):
                    return True
            except OSError:
                return False
        self.wait_for(ok, timeout, f"port {port}")

    def cleanup(self):
        for fn in self.on_cleanup:
            fn()
        for p in self.procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait()
        bad = []
        if VALGRIND and os.path.isdir(self.dir):
            for f in sorted(os.listdir(self.dir)):
                if f.startswith("valgrind.") and os.path.getsize(self.path(f)) > 0:
                    bad.append(f + ":\n" + open(self.path(f)).read()[-3000:])
        if os.environ.get("KEEP_TMP"):
            print("kept", self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        if bad:
            raise AssertionError("valgrind found errors:\n" + "\n".join(bad))


def read_jsonl(path):
    out = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                out.append(json.loads(line))
    return out
