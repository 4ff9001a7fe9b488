"""receivers.py - local alert receivers for the end-to-end tests, on
127.0.0.1 only: an HTTP server recording webhook posts (optionally failing
the first tries or hanging), and an SMTP sink recording mails."""
import http.server
import socketserver
import sys
import threading
import time


def quiet_disconnect(server_class):
    """A client that goes away mid-connection (slamon stopped or killed with
    a keep-alive connection open) is expected; other handler errors print."""
    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            server_class.__base__.handle_error(self, request, client_address)
    server_class.handle_error = handle_error
    return server_class


class HookHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        srv = self.server
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = {}
        for k, v in self.headers.items():
            headers.setdefault(k.lower(), []).append(v)
        with srv.lock:
            srv.posts.append({"t": time.monotonic(), "wall": time.time(), "path": self.path,
                              "headers": headers, "body": body})
            n = len(srv.posts)
        if srv.hang:
            # hold the request until the client gives up and closes
            self.connection.settimeout(60)
            try:
                self.connection.recv(1)
            except OSError:
                pass
            with srv.lock:
                srv.closed.append(time.monotonic())
            self.close_connection = True
            return
        code = srv.fail_status if n <= srv.fail_first else 200
        msg = b"try again later" if code >= 300 else b"ok"
        self.send_response(code)
        self.send_header("Content-Length", str(len(msg)))
        self.end_headers()
        self.wfile.write(msg)

    def log_message(self, *a):
        pass


@quiet_disconnect
class Hook(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fail_first=0, fail_status=503, hang=False):
        super().__init__(("127.0.0.1", 0), HookHandler)
        self.fail_first, self.fail_status, self.hang = fail_first, fail_status, hang
        self.posts, self.closed, self.lock = [], [], threading.Lock()
        self.url = f"http://127.0.0.1:{self.server_address[1]}/hook"
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def stop(self):
        self.shutdown()
        self.server_close()


class SMTPHandler(socketserver.StreamRequestHandler):
    def w(self, s):
        self.wfile.write((s + "\r\n").encode())

    def handle(self):
        mail = {"from": None, "rcpt": []}
        self.w("220 127.0.0.1 sink ESMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode().rstrip("\r\n")
            up = cmd.upper()
            if up.startswith(("EHLO", "HELO")):
                self.w("250-127.0.0.1 hello")
                self.w("250 8BITMIME")
            elif up.startswith("MAIL FROM:"):
                mail = {"from": cmd[10:].strip(), "rcpt": []}
                self.w("250 OK")
            elif up.startswith("RCPT TO:"):
                mail["rcpt"].append(cmd[8:].strip())
                self.w("250 OK")
            elif up == "DATA":
                self.w("354 end with .")
                data = []
                while True:
                    d = self.rfile.readline()
                    if not d:
                        return
                    if d == b".\r\n":
                        break
                    data.append(d[1:] if d.startswith(b"..") else d)
                mail["data"] = b"".join(data).decode()
                mail["wall"] = time.time()
                self.server.mails.append(mail)
                self.w("250 queued")
            elif up == "QUIT":
                self.w("221 bye")
                return
            elif up in ("RSET", "NOOP"):
                self.w("250 OK")
            else:
                self.w("502 not implemented")


@quiet_disconnect
class SMTPSink(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), SMTPHandler)
        self.mails = []
        self.url = f"smtp://127.0.0.1:{self.server_address[1]}"
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def stop(self):
        self.shutdown()
        self.server_close()
