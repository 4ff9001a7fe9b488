"""natslib.py - a NATS JetStream cluster of real nats-server processes on
127.0.0.1 for the tests of several locations (design.md 9), and a TCP
proxy in front of it that a test can cut, to take one probing node off
NATS while the others stay on."""
import os
import re
import shutil
import socket
import threading
import time

from lib import free_port

LEADER_RE = re.compile(r"(new metadata leader|Self is new JetStream cluster metadata leader)")


class NatsCluster:
    def __init__(self, t, n=3, jetstream=True):
        if shutil.which("nats-server") is None:
            raise AssertionError("nats-server is missing (mk/deps.sh check installs it)")
        self.t = t
        self.n = n
        ports = set()
        while len(ports) < 2 * n:  # distinct, though free_port may repeat
            ports.add(free_port())
        ports = sorted(ports)
        self.ports, self.routes = ports[:n], ports[n:]
        self.procs = [None] * n
        self.jetstream = jetstream
        for i in range(n):
            self._write_conf(i)
            self.start(i)
        for p in self.ports:
            t.wait_port(p)
        if jetstream and n > 1:
            t.wait_for(self._have_leader, 30, "a JetStream metadata leader")

    def _write_conf(self, i):
        routes = ", ".join(f"nats-route://127.0.0.1:{r}" for r in self.routes)
        js = f'jetstream {{ store_dir: "{self.t.path(f"nats{i}")}" }}' if self.jetstream else ""
        cluster = (f"cluster {{ name: slamon-test, listen: 127.0.0.1:{self.routes[i]}, no_advertise: true, "
                   f"routes: [{routes}] }}") if self.n > 1 else ""
        self.t.write(f"nats{i}.conf", f"""\
server_name: n{i}
listen: 127.0.0.1:{self.ports[i]}
{js}
{cluster}
""")

    def start(self, i):
        self.procs[i] = self.t.spawn(["nats-server", "-c", self.t.path(f"nats{i}.conf")])

    def kill(self, i):
        self.procs[i].kill()
        self.procs[i].wait()

    def _have_leader(self):
        for p in self.procs:
            try:
                with open(p.errpath) as f:
                    if LEADER_RE.search(f.read()):
                        return True
            except OSError:
                pass
        return False

    def url(self, ports=None):
        return ",".join(f"nats://127.0.0.1:{p}" for p in (ports or self.ports))


class Proxy:
    """127.0.0.1:port -> 127.0.0.1:upstream, byte for byte; cut() drops every
    connection and refuses new ones until mend()."""

    def __init__(self, upstream):
        self.upstream = upstream
        self.port = free_port()
        self.lock = threading.Lock()
        self.socks = []
        self.cut_now = False
        self.stop = False
        self.ls = self._listen()
        threading.Thread(target=self._accept, daemon=True).start()

    def _listen(self):
        ls = socket.socket()
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", self.port))
        ls.listen(16)
        return ls

    def _accept(self):
        while not self.stop:
            try:
                c, _ = self.ls.accept()
            except OSError:
                time.sleep(0.05)
                continue
            if self.cut_now:
                c.close()
                continue
            try:
                u = socket.create_connection(("127.0.0.1", self.upstream), timeout=2)
            except OSError:
                c.close()
                continue
            with self.lock:
                self.socks += [c, u]
            for a, b in ((c, u), (u, c)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, a, b):
        try:
            while True:
                d = a.recv(65536)
                if not d:
                    break
                b.sendall(d)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        self.cut_now = True
        with self.lock:
            for s in self.socks:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
                except OSError:
                    pass
            self.socks = []

    def mend(self):
        self.cut_now = False

    def close(self):
        self.stop = True
        self.cut()
        self.ls.close()
