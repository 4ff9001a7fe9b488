/*
 * ares-ev.c - a c-ares channel on the libevent loop, the way curlm.c puts
 * libcurl's multi handle there: c-ares says which sockets to watch
 * (ARES_OPT_SOCK_STATE_CB), every readiness goes back through
 * ares_process_fd(), and one timer, set from ares_timeout() after each step,
 * drives retransmissions and c-ares's own timeouts. Nothing here blocks:
 * c-ares reads /etc/resolv.conf and /etc/hosts (small local files) and
 * otherwise only sends and receives on non-blocking sockets.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/event.h>

#include "../monitor/log.h"
#include "ares-ev.h"

struct aresev_sock {
	ares_socket_t fd;
	struct event *ev;
};

struct aresev {
	struct event_base *base;
	ares_channel ch;
	bool have_ch;
	struct event *timer;
	struct aresev_sock *socks;
	size_t nsocks, capsocks;
	int pending;
};

static void
aresev_rearm(struct aresev *a)
{
	struct timeval max, *tv;

	if (!a->have_ch)
		return;
	tv = ares_timeout(a->ch, NULL, &max);
	if (tv == NULL)
		evtimer_del(a->timer);
	else
		evtimer_add(a->timer, tv);
}

static void
aresev_io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct aresev *a = arg;

	ares_process_fd(a->ch, (what & EV_READ) ? fd : ARES_SOCKET_BAD,
	    (what & EV_WRITE) ? fd : ARES_SOCKET_BAD);
	aresev_rearm(a);
}

static void
aresev_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct aresev *a = arg;

	(void)fd;
	(void)what;
	ares_process_fd(a->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	aresev_rearm(a);
}

/* ARES_OPT_SOCK_STATE_CB: one persistent event per socket c-ares holds. */
static void
aresev_sock_cb(void *arg, ares_socket_t fd, int readable, int writable)
{
	struct aresev *a = arg;
	struct aresev_sock *s = NULL;
	short kind = EV_PERSIST | (readable ? EV_READ : 0) | (writable ? EV_WRITE : 0);

	for (size_t i = 0; i < a->nsocks; i++)
		if (a->socks[i].fd == fd)
			s = &a->socks[i];
	if (!readable && !writable) {
		if (s) {
			event_free(s->ev);
			*s = a->socks[--a->nsocks];
		}
		return;
	}
	if (s == NULL) {
		if (a->nsocks == a->capsocks) {
			a->capsocks = a->capsocks ? a->capsocks * 2 : 4;
			a->socks = xreallocarray(
			    a->socks, a->capsocks, sizeof(*a->socks));
		}
		s = &a->socks[a->nsocks];
		if ((s->ev = event_new(a->base, fd, kind, aresev_io_cb, a)) == NULL) {
			/* the query on it then ends in c-ares's own timeout */
			log_warnx("resolver: cannot watch a socket");
			return;
		}
		s->fd = fd;
		a->nsocks++;
	} else {
		event_del(s->ev);
		event_assign(s->ev, a->base, fd, kind, aresev_io_cb, a);
	}
	event_add(s->ev, NULL);
}

struct aresev *
aresev_new(struct event_base *base, const char *servers, int timeout_ms, int tries,
    char *err, size_t errlen)
{
	struct aresev *a = xcalloc(1, sizeof(*a));
	struct ares_options o;
	int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_FLAGS | ARES_OPT_EDNSPSZ, rc;

	a->base = base;
	if ((rc = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: %s", ares_strerror(rc));
		free(a);
		return NULL;
	}
	memset(&o, 0, sizeof(o));
	o.sock_state_cb = aresev_sock_cb;
	o.sock_state_cb_data = a;
	/* EDNS0 with the 1232-byte payload of DNS flag day 2020: large answers
	 * come whole over UDP; a truncated one (TC) is asked again over TCP,
	 * which c-ares does by itself unless told to ignore TC. NOCHECKRESP:
	 * a SERVFAIL or REFUSED is the answer to report; c-ares 1.18 would
	 * otherwise try the next server and, with none left, call it a
	 * refused connection, which reads as a resolver that is down. */
	o.flags = ARES_FLAG_EDNS | ARES_FLAG_NOCHECKRESP;
	o.ednspsz = 1232;
	if (timeout_ms > 0) {
		o.timeout = timeout_ms;
		mask |= ARES_OPT_TIMEOUTMS;
	}
	if (tries > 0) {
		o.tries = tries;
		mask |= ARES_OPT_TRIES;
	}
	if ((rc = ares_init_options(&a->ch, &o, mask)) != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: %s", ares_strerror(rc));
		ares_library_cleanup();
		goto fail;
	}
	a->have_ch = true;
	if (servers &&
	    (rc = ares_set_servers_ports_csv(a->ch, servers)) != ARES_SUCCESS) {
		snprintf(
		    err, errlen, "c-ares: servers %s: %s", servers, ares_strerror(rc));
		goto fail;
	}
	if ((a->timer = evtimer_new(base, aresev_timer_cb, a)) == NULL) {
		snprintf(err, errlen, "cannot create a timer");
		goto fail;
	}
	return a;
fail:
	aresev_free(a);
	return NULL;
}

void
aresev_free(struct aresev *a)
{
	if (a == NULL)
		return;
	if (a->have_ch) {
		/* calls back every query left with ARES_EDESTRUCTION and closes
		 * its sockets through aresev_sock_cb */
		ares_destroy(a->ch);
		ares_library_cleanup();
	}
	for (size_t i = 0; i < a->nsocks; i++)
		event_free(a->socks[i].ev);
	free(a->socks);
	if (a->timer)
		event_free(a->timer);
	free(a);
}

int
aresev_pending(const struct aresev *a)
{
	return a->pending;
}

/* One lookup; see ares-ev.h for the promises about its callback. */
struct aresev_req {
	struct aresev *a;
	aresev_query_cb *qcb;
	aresev_addr_cb *acb;
	void *arg;
	bool starting;	/* inside aresev_query/aresev_getaddrinfo */
	bool in_ares;	/* c-ares has not called back yet */
	bool running;	/* the caller's callback is running */
	bool cancelled; /* the caller is gone: call nothing */
	/* an answer that came while starting, held for the loop */
	struct event *defer;
	int status;
	unsigned char *abuf;
	int alen;
	struct ares_addrinfo *ai;
};

static void
aresev_req_free(struct aresev_req *q)
{
	struct aresev *a = q->a;

	if (q->defer)
		event_free(q->defer);
	free(q->abuf);
	if (q->ai)
		ares_freeaddrinfo(q->ai);
	free(q);
	a->pending--;
}

static void
aresev_deliver(struct aresev_req *q)
{
	if (!q->cancelled) {
		q->running = true;
		if (q->qcb)
			q->qcb(q->arg, q->status, q->abuf, q->alen);
		else
			q->acb(q->arg, q->status, q->ai);
		q->running = false;
	}
	aresev_req_free(q);
}

static void
aresev_defer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	aresev_deliver(arg);
}

/* Held answers go out from the loop, so that no caller is called back
 * from inside its own start. */
static void
aresev_answered(struct aresev_req *q)
{
	struct timeval now = {0, 0};

	q->in_ares = false;
	if (!q->starting) {
		aresev_deliver(q);
		return;
	}
	if ((q->defer = evtimer_new(q->a->base, aresev_defer_cb, q)) == NULL) {
		/* out of memory: fail the lookup rather than lose it */
		q->status = ARES_ENOMEM;
		return; /* the starter sees !in_ares && !defer and delivers */
	}
	evtimer_add(q->defer, &now);
}

static void
aresev_query_done(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct aresev_req *q = arg;

	(void)timeouts;
	q->status = status;
	if (abuf && alen > 0) {
		q->abuf = xcalloc(1, (size_t)alen);
		memcpy(q->abuf, abuf, (size_t)alen);
		q->alen = alen;
	}
	aresev_answered(q);
}

static void
aresev_addr_done(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
	struct aresev_req *q = arg;

	(void)timeouts;
	q->status = status;
	q->ai = res;
	aresev_answered(q);
}

static struct aresev_req *
aresev_req_new(struct aresev *a, void *arg)
{
	struct aresev_req *q = xcalloc(1, sizeof(*q));

	q->a = a;
	q->arg = arg;
	q->starting = true;
	q->in_ares = true;
	a->pending++;
	return q;
}

static struct aresev_req *
aresev_started(struct aresev_req *q)
{
	q->starting = false;
	if (!q->in_ares && q->defer == NULL) {
		/* answered at once and could not be held: fail it from here */
		struct timeval now = {0, 0};
		if ((q->defer = evtimer_new(q->a->base, aresev_defer_cb, q)) != NULL)
			evtimer_add(q->defer, &now);
	}
	aresev_rearm(q->a);
	return q;
}

struct aresev_req *
aresev_query(
    struct aresev *a, const char *name, int type, aresev_query_cb *cb, void *arg)
{
	struct aresev_req *q = aresev_req_new(a, arg);

	q->qcb = cb;
	ares_query(a->ch, name, 1 /* C_IN */, type, aresev_query_done, q);
	return aresev_started(q);
}

struct aresev_req *
aresev_getaddrinfo(struct aresev *a, const char *name, aresev_addr_cb *cb, void *arg)
{
	struct aresev_req *q = aresev_req_new(a, arg);
	struct ares_addrinfo_hints hints;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	q->acb = cb;
	ares_getaddrinfo(a->ch, name, NULL, &hints, aresev_addr_done, q);
	return aresev_started(q);
}

void
aresev_cancel(struct aresev_req *q)
{
	if (q == NULL)
		return;
	q->cancelled = true;
	/* still in c-ares, or its callback is running: freed when that ends */
	if (q->in_ares || q->running)
		return;
	aresev_req_free(q);
}
