/*
 * fuzz_http.c - the HTTP server (httpd.c and the api-*.c handlers) on
 * arbitrary bytes from a client: one loopback connection per input, in
 * process, on the server's own event base. The bytes are written, the
 * client half-closes, and the server must answer (or not) and close
 * within its timeout; anything it sends must be HTTP.
 */
#include "fuzz.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "calendar.h"
#include "conf.h"
#include "fuzz_conf_fixed.h"
#include "httpd.h"
#include "journal.h"
#include "store.h"

#define NOW 1776000000	/* 2026-04-12 */

struct client {
	struct event_base *base;
	struct event *ev;
	const uint8_t *data;
	size_t size, off;
	char head[16];
	size_t nhead;
	bool timed_out;
};

static time_t
fixed_now(void *arg)
{
	(void)arg;
	return NOW;
}

static void
client_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client *cl = arg;
	char buf[65536];
	ssize_t n;

	if (what & EV_TIMEOUT) {
		cl->timed_out = true;
		event_base_loopbreak(cl->base);
		return;
	}
	if ((what & EV_WRITE) && cl->off < cl->size) {
		n = write(fd, cl->data + cl->off, cl->size - cl->off);
		if (n > 0)
			cl->off += n;
		else if (n == -1 && errno != EAGAIN) {
			event_base_loopbreak(cl->base);	/* the server closed: fine */
			return;
		}
		if (cl->off == cl->size) {
			struct timeval tv = {20, 0};

			shutdown(fd, SHUT_WR);
			event_del(cl->ev);
			event_assign(cl->ev, cl->base, fd, EV_READ | EV_PERSIST, client_cb, cl);
			event_add(cl->ev, &tv);
		}
	}
	if (what & EV_READ) {
		n = read(fd, buf, sizeof(buf));
		if (n > 0) {
			size_t k = (size_t)n < sizeof(cl->head) - cl->nhead ?
			    (size_t)n : sizeof(cl->head) - cl->nhead;

			memcpy(cl->head + cl->nhead, buf, k);
			cl->nhead += k;
			return;
		}
		if (n == -1 && errno == EAGAIN)
			return;
		event_base_loopbreak(cl->base);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct event_base *base;
	static struct httpd *h;
	static struct sockaddr_in sin;
	struct client cl = {0};
	struct timeval tv = {20, 0};
	int fd;

	if (h == NULL) {
		static struct conf *c;
		struct httpd_source src = {0};
		char err[1024];

		setenv("SLAMON_WWW", FUZZ_WWW, 1);
		c = fuzz_conf();
		if (mkdir_p(c->state_dir, 0755) == -1 || (base = event_base_new()) == NULL)
			abort();
		src.conf = c;
		src.now = fixed_now;
		if ((src.store = store_open(c->state_dir, "", 3600, err, sizeof(err))) == NULL ||
		    (src.cal = calendar_load(c, err, sizeof(err))) == NULL ||
		    (h = httpd_new(base, "127.0.0.1:0", &src, err, sizeof(err))) == NULL) {
			fprintf(stderr, "fuzz_http: %s\n", err);
			abort();
		}
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin.sin_port = htons(httpd_port(h));
	}
	/* non-blocking: the connect completes in the loop (EV_WRITE) */
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1 ||
	    (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 &&
	    errno != EINPROGRESS && errno != EINTR)) {
		perror("fuzz_http: connect");
		abort();
	}
	cl.base = base;
	cl.data = data;
	cl.size = size;
	if ((cl.ev = event_new(base, fd, EV_READ | EV_WRITE | EV_PERSIST, client_cb,
	    &cl)) == NULL)
		abort();
	if (size == 0) {
		shutdown(fd, SHUT_WR);
		event_del(cl.ev);
		event_assign(cl.ev, base, fd, EV_READ | EV_PERSIST, client_cb, &cl);
	}
	event_add(cl.ev, &tv);
	event_base_dispatch(base);
	event_free(cl.ev);
	close(fd);
	if (cl.timed_out) {
		fprintf(stderr, "fuzz_http: the server kept a half-closed connection 20 s\n");
		abort();
	}
	if (cl.nhead > 0 && (cl.nhead < 5 || memcmp(cl.head, "HTTP/", 5) != 0)) {
		fprintf(stderr, "fuzz_http: not an HTTP response: \"%.*s\"\n", (int)cl.nhead,
		    cl.head);
		abort();
	}
	return 0;
}
