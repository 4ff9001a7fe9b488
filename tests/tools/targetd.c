/*
 * targetd.c - a programmable HTTP/TCP target for the end-to-end tests, on
 * 127.0.0.1 only. One libevent loop; nothing to install.
 *
 *   targetd [--http PORT] [--tls PORT CERT KEY] [--tcp PORT MODE]
 *           [--blackhole PORT] [--route PATH=SPEC]...
 *
 * SPEC is a comma-separated list: status:N, body:TEXT, location:URL, delay:MS, hang,
 * reset (headers and part of the body, then RST), drip:MS (one body byte
 * every MS), huge:BYTES, close (close before answering). A path without a
 * route answers 200 "hello from targetd". GET /_set?path=P&spec=S changes a
 * route while running (the flip of a target up or down).
 * TCP MODE: banner:TEXT, echo, hang, close. --blackhole listens with a full
 * backlog so that connects hang (a connect timeout on loopback).
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#define MAXROUTES 64

struct spec {
	int status;
	char body[512];
	char location[256]; /* a Location header, for redirects */
	int delay_ms, drip_ms;
	long huge;
	int hang, reset, close;
};

struct route {
	char path[256];
	struct spec s;
};

struct conn {
	struct bufferevent *bev;
	struct event *timer;
	struct spec s;
	size_t body_left, drip_pos;
	const char *tcpmode;
	int responded;
};

static struct event_base *base;
static struct route routes[MAXROUTES];
static int nroutes;

static void conn_free(struct conn *);

static int
spec_parse(const char *text, struct spec *s)
{
	char buf[1024], *tok, *save = NULL;

	memset(s, 0, sizeof(*s));
	s->status = 200;
	snprintf(s->body, sizeof(s->body), "hello from targetd");
	snprintf(buf, sizeof(buf), "%s", text);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (strncmp(tok, "status:", 7) == 0)
			s->status = atoi(tok + 7);
		else if (strncmp(tok, "body:", 5) == 0)
			snprintf(s->body, sizeof(s->body), "%s", tok + 5);
		else if (strncmp(tok, "location:", 9) == 0)
			snprintf(s->location, sizeof(s->location), "%s", tok + 9);
		else if (strncmp(tok, "delay:", 6) == 0)
			s->delay_ms = atoi(tok + 6);
		else if (strncmp(tok, "drip:", 5) == 0)
			s->drip_ms = atoi(tok + 5);
		else if (strncmp(tok, "huge:", 5) == 0)
			s->huge = atol(tok + 5);
		else if (strcmp(tok, "hang") == 0)
			s->hang = 1;
		else if (strcmp(tok, "reset") == 0)
			s->reset = 1;
		else if (strcmp(tok, "close") == 0)
			s->close = 1;
		else {
			fprintf(stderr, "targetd: bad spec \"%s\"\n", tok);
			return -1;
		}
	}
	return 0;
}

static int
route_set(const char *path, const char *spec)
{
	struct spec s;
	int i;

	if (spec_parse(spec, &s) == -1)
		return -1;
	for (i = 0; i < nroutes; i++)
		if (strcmp(routes[i].path, path) == 0)
			break;
	if (i == nroutes) {
		if (nroutes == MAXROUTES)
			return -1;
		nroutes++;
	}
	snprintf(routes[i].path, sizeof(routes[i].path), "%s", path);
	routes[i].s = s;
	return 0;
}

static void
url_decode(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (*s == '%' && s[1] && s[2]) {
			char h[3] = {s[1], s[2], 0};
			*o++ = (char)strtol(h, NULL, 16);
			s += 2;
		} else
			*o++ = *s == '+' ? ' ' : *s;
	}
	*o = '\0';
}

static void
conn_rst(struct conn *c)
{
	struct linger l = {1, 0};

	setsockopt(bufferevent_getfd(c->bev), SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	conn_free(c);
}

static void
conn_free(struct conn *c)
{
	if (c->timer)
		event_free(c->timer);
	bufferevent_free(c->bev);
	free(c);
}

static void
conn_fill(struct conn *c)
{
	static char chunk[65536];
	struct evbuffer *out = bufferevent_get_output(c->bev);

	if (chunk[0] == 0)
		memset(chunk, 'x', sizeof(chunk));
	while (c->body_left > 0 && evbuffer_get_length(out) < sizeof(chunk) * 4) {
		size_t n = c->body_left < sizeof(chunk) ? c->body_left : sizeof(chunk);
		evbuffer_add(out, chunk, n);
		c->body_left -= n;
	}
}

static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (!c->responded)
		return;
	if (c->s.reset) {
		conn_rst(c);
		return;
	}
	if (c->body_left > 0 && !c->s.drip_ms) {
		conn_fill(c);
		return;
	}
	if (c->body_left == 0 &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		conn_free(c);
}

static void
conn_drip_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct timeval tv = {c->s.drip_ms / 1000, (c->s.drip_ms % 1000) * 1000};

	(void)fd;
	(void)what;
	bufferevent_write(c->bev, c->s.body + c->drip_pos++, 1);
	c->body_left--;
	if (c->body_left > 0)
		evtimer_add(c->timer, &tv);
}

static void
conn_respond(struct conn *c)
{
	size_t len = c->s.huge ? (size_t)c->s.huge : strlen(c->s.body);

	if (c->s.close) {
		conn_free(c);
		return;
	}
	c->responded = 1;
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	bufferevent_enable(c->bev, EV_WRITE);
	evbuffer_add_printf(bufferevent_get_output(c->bev),
	    "HTTP/1.1 %d Whatever\r\n%s%s%s"
	    "Content-Type: text/plain\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
	    c->s.status, c->s.location[0] ? "Location: " : "", c->s.location,
	    c->s.location[0] ? "\r\n" : "", c->s.reset ? len + 100000 : len);
	if (c->s.huge) {
		c->body_left = len;
		conn_fill(c);
	} else if (c->s.drip_ms) {
		c->body_left = len;
		evtimer_assign(c->timer, base, conn_drip_cb, c);
		conn_drip_cb(-1, 0, c);
	} else
		bufferevent_write(c->bev, c->s.body, len);
}

static void
conn_delay_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_respond(arg);
}

static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer_ptr p;
	char *line, path[1024], *q;
	size_t n;

	if (c->tcpmode) {
		if (strcmp(c->tcpmode, "echo") == 0)
			bufferevent_write_buffer(bev, in);
		else
			evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	if (c->responded)
		return;
	p = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	if (p.pos < 0)
		return;
	line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF);
	evbuffer_drain(in, evbuffer_get_length(in));
	if (line == NULL || sscanf(line, "%*s %1023s", path) != 1) {
		free(line);
		conn_free(c);
		return;
	}
	free(line);
	spec_parse("", &c->s);
	if (strncmp(path, "/_set?", 6) == 0) {
		char *pp = strstr(path, "path="), *sp = strstr(path, "spec=");
		if (pp && sp) {
			*strchrnul(pp, '&') = '\0';
			*strchrnul(sp, '&') = '\0';
			url_decode(pp + 5);
			url_decode(sp + 5);
			if (route_set(pp + 5, sp + 5) == -1)
				c->s.status = 400;
			snprintf(c->s.body, sizeof(c->s.body), "ok\n");
			fprintf(stderr, "targetd: route %s = %s\n", pp + 5, sp + 5);
		}
		conn_respond(c);
		return;
	}
	if ((q = strchr(path, '?')))
		*q = '\0';
	for (int i = 0; i < nroutes; i++)
		if (strcmp(routes[i].path, path) == 0)
			c->s = routes[i].s;
	if (c->s.hang) {
		c->responded = 1;
		return;
	}
	if (c->s.delay_ms) {
		struct timeval tv = {
		    c->s.delay_ms / 1000, (c->s.delay_ms % 1000) * 1000};
		evtimer_assign(c->timer, base, conn_delay_cb, c);
		evtimer_add(c->timer, &tv);
		return;
	}
	conn_respond(c);
}

static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		conn_free(arg);
}

static struct conn *
conn_new(struct bufferevent *bev)
{
	struct conn *c = calloc(1, sizeof(*c));

	c->bev = bev;
	c->timer = evtimer_new(base, conn_delay_cb, c);
	bufferevent_setcb(bev, conn_read_cb, conn_write_cb, conn_event_cb, c);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	return c;
}

static void
http_accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	SSL_CTX *ctx = arg;
	struct bufferevent *bev;

	(void)l;
	(void)sa;
	(void)salen;
	if (ctx)
		bev = bufferevent_openssl_socket_new(base, fd, SSL_new(ctx),
		    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	else
		bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	conn_new(bev);
}

static void
tcp_accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	const char *mode = arg;
	struct conn *c;

	(void)l;
	(void)sa;
	(void)salen;
	if (strcmp(mode, "close") == 0) {
		close(fd);
		return;
	}
	c = conn_new(bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE));
	c->tcpmode = mode;
	if (strncmp(mode, "banner:", 7) == 0)
		bufferevent_write(c->bev, mode + 7, strlen(mode + 7));
	if (strcmp(mode, "echo") != 0)
		c->tcpmode = "hang"; /* read and ignore */
}

static struct sockaddr_in
loopback(int port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((unsigned short)port);
	return sin;
}

static void
listen_on(int port, evconnlistener_cb cb, void *arg)
{
	struct sockaddr_in sin = loopback(port);

	if (evconnlistener_new_bind(base, cb, arg,
		LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE, 128, (struct sockaddr *)&sin,
		sizeof(sin)) == NULL) {
		fprintf(stderr, "targetd: cannot listen on %d: %s\n", port,
		    strerror(errno));
		exit(1);
	}
}

/* Fill a backlog-0 listener that never accepts: later SYNs are dropped. */
static void
blackhole(int port)
{
	struct sockaddr_in sin = loopback(port);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 0) == -1) {
		fprintf(stderr, "targetd: blackhole %d: %s\n", port, strerror(errno));
		exit(1);
	}
	for (int i = 0; i < 3; i++) {
		int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		connect(c, (struct sockaddr *)&sin, sizeof(sin));
	}
	/* the same on ::1 where it exists, so "localhost" is a blackhole whichever
	 * address a resolver picks */
	{
		struct sockaddr_in6 sin6;
		int fd6 = socket(AF_INET6, SOCK_STREAM, 0);

		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons((uint16_t)port);
		sin6.sin6_addr = in6addr_loopback;
		setsockopt(fd6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		if (fd6 == -1 ||
		    bind(fd6, (struct sockaddr *)&sin6, sizeof(sin6)) == -1 ||
		    listen(fd6, 0) == -1) {
			if (fd6 != -1)
				close(fd6);
			return;
		}
		for (int i = 0; i < 3; i++) {
			int c = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
			connect(c, (struct sockaddr *)&sin6, sizeof(sin6));
		}
	}
}

static void
stop_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	event_base_loopbreak(base);
}

int
main(int argc, char **argv)
{
	struct event *sig;

	signal(SIGPIPE, SIG_IGN);
	base = event_base_new();
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--http") == 0 && i + 1 < argc)
			listen_on(atoi(argv[++i]), http_accept_cb, NULL);
		else if (strcmp(argv[i], "--tls") == 0 && i + 3 < argc) {
			SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
			int port = atoi(argv[++i]);
			if (SSL_CTX_use_certificate_chain_file(ctx, argv[i + 1]) != 1 ||
			    SSL_CTX_use_PrivateKey_file(
				ctx, argv[i + 2], SSL_FILETYPE_PEM) != 1) {
				ERR_print_errors_fp(stderr);
				return 1;
			}
			i += 2;
			listen_on(port, http_accept_cb, ctx);
		} else if (strcmp(argv[i], "--tcp") == 0 && i + 2 < argc) {
			int port = atoi(argv[++i]);
			listen_on(port, tcp_accept_cb, argv[++i]);
		} else if (strcmp(argv[i], "--blackhole") == 0 && i + 1 < argc)
			blackhole(atoi(argv[++i]));
		else if (strcmp(argv[i], "--route") == 0 && i + 1 < argc) {
			char *eq = strchr(argv[++i], '=');
			if (eq == NULL)
				return 1;
			*eq = '\0';
			if (route_set(argv[i], eq + 1) == -1)
				return 1;
		} else {
			fprintf(stderr,
			    "usage: targetd [--http PORT] [--tls PORT CERT KEY] "
			    "[--tcp PORT MODE] [--blackhole PORT] [--route PATH=SPEC]...\n");
			return 1;
		}
	}
	sig = evsignal_new(base, SIGTERM, stop_cb, NULL);
	evsignal_add(sig, NULL);
	printf("ready\n");
	fflush(stdout);
	event_base_dispatch(base);
	return 0;
}
