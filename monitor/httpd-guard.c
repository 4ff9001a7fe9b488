/*
 * httpd-guard.c - bounds on what clients of the public server may hold.
 *
 * evhttp knows nothing of connection counts or whole-request deadlines:
 * its timeout restarts with every byte, so a client sending one byte every
 * few seconds (slowloris) keeps a connection, and a descriptor, forever.
 * libevent 2.1 has no hook at accept either; what it has is the bufferevent
 * callback (evhttp_set_bevcb), called for each accepted connection. The
 * connection object exists only once evhttp_get_request returns, so the
 * new bufferevent is held (a reference) and looked at again from an event
 * made active now: that runs in this same turn of the loop, before any of
 * the new socket's I/O can, and finds the connection (the bufferevent's
 * callback argument) to count it, watch its close, and set its deadline,
 * or to refuse it with a 503.
 *
 * Accept errors (EMFILE...) arrive at the listener's error callback, whose
 * argument evhttp has taken for itself; the guard is found by its listener
 * in a short list (one per server in the process).
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "httpd-guard.h"
#include "log.h"

#define GUARD_BUCKETS 1024
#define GUARD_MAX_CLIENTS 65536	  /* addresses remembered for the rate */
#define GUARD_ACCEPT_PAUSE_MS 100 /* out of descriptors: try again after */
#define GUARD_ACCEPT_BATCH 32	  /* connections accepted per turn of the loop */
#define GUARD_EXPENSIVE_BURST 10  /* expensive answers in a row before the rate */
#define GUARD_EVICT_MS 1000	  /* full: a slot idle this long goes to a newcomer */

struct guard_client {
	char addr[64];
	long conns;
	double tokens;	    /* expensive answers it may have now */
	double refilled_ms; /* monotonic time tokens were last brought up */
	struct guard_client *next;
};

struct guard_conn {
	struct httpd_guard *g;
	struct evhttp_connection *evcon;
	struct guard_client *client;
	struct event *deadline;
	double since_ms; /* accepted, or its last answer written */
	bool in_request; /* a whole request arrived, its answer not yet written */
	struct guard_conn *prev, *next;
};

struct httpd_guard {
	struct event_base *base;
	struct evhttp *http;
	struct evconnlistener *lev;
	struct conf_http lim;
	long max; /* lim.max_connections, or less (descriptor budget) */
	struct event *fresh, *resume;
	int batch;	    /* connections accepted in this turn of the loop */
	bool batch_paused;  /* ... enough of them: accepting again next turn */
	bool pause_accepts; /* out of descriptors: accepting again on resume */
	struct bufferevent **pending;
	size_t npending, cappending;
	struct guard_conn *conns, *oldest; /* newest first */
	long nconns;
	struct guard_client *clients[GUARD_BUCKETS];
	long nclients;
	unsigned long accepted, refused_total, refused_client, deadlines, accept_pauses,
	    rate_limited, evicted;
	time_t last_pause_log;
	struct httpd_guard *next_guard;
};

/* The guards of this process, for the listener's error callback. */
static struct httpd_guard *guard_list;

static double
guard_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static unsigned
guard_hash(const char *s)
{
	unsigned h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % GUARD_BUCKETS;
}

static void
guard_refill(const struct httpd_guard *g, struct guard_client *c, double now)
{
	double per_ms = (double)g->lim.expensive_per_minute / 60000.0;

	c->tokens += (now - c->refilled_ms) * per_ms;
	if (c->tokens > GUARD_EXPENSIVE_BURST)
		c->tokens = GUARD_EXPENSIVE_BURST;
	c->refilled_ms = now;
}

/* The client of addr, created when missing (NULL when too many are known).
 * Clients with no connection and a full bucket are forgotten on the way. */
static struct guard_client *
guard_client(struct httpd_guard *g, const char *addr)
{
	struct guard_client **pp = &g->clients[guard_hash(addr)], *c;
	double now = guard_mono_ms();

	while ((c = *pp) != NULL) {
		if (strcmp(c->addr, addr) == 0)
			return c;
		guard_refill(g, c, now);
		if (c->conns == 0 && c->tokens >= GUARD_EXPENSIVE_BURST) {
			*pp = c->next;
			free(c);
			g->nclients--;
			continue;
		}
		pp = &c->next;
	}
	if (g->nclients >= GUARD_MAX_CLIENTS)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	snprintf(c->addr, sizeof(c->addr), "%s", addr);
	c->tokens = GUARD_EXPENSIVE_BURST;
	c->refilled_ms = now;
	c->next = g->clients[guard_hash(addr)];
	g->clients[guard_hash(addr)] = c;
	g->nclients++;
	return c;
}

static struct guard_conn *
guard_find(struct httpd_guard *g, struct evhttp_connection *evcon)
{
	for (struct guard_conn *c = g->conns; c != NULL; c = c->next)
		if (c->evcon == evcon)
			return c;
	return NULL;
}

static void
guard_arm(struct guard_conn *c, long seconds)
{
	struct timeval tv = {seconds, 0};

	evtimer_add(c->deadline, &tv);
}

/* evhttp frees the connection: forget it. */
static void
guard_close_cb(struct evhttp_connection *evcon, void *arg)
{
	struct guard_conn *c = arg;
	struct httpd_guard *g = c->g;

	(void)evcon;
	if (c->prev)
		c->prev->next = c->next;
	else
		g->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		g->oldest = c->prev;
	g->nconns--;
	if (c->client)
		c->client->conns--;
	event_free(c->deadline);
	free(c);
}

/* The request (or the next one after an answer) did not arrive in time. */
static void
guard_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct guard_conn *c = arg;

	(void)fd;
	(void)what;
	c->g->deadlines++;
	evhttp_connection_free(c->evcon); /* guard_close_cb frees c */
}

/* A refusal a client can read: the socket is fresh, its buffer empty. */
static void
guard_refuse(struct evhttp_connection *evcon, evutil_socket_t fd)
{
	static const char msg[] =
	    "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\n"
	    "Content-Type: text/plain\r\nContent-Length: 20\r\n"
	    "Connection: close\r\n\r\ntoo many connections";

	char buf[4096];

	if (fd >= 0) {
		/* what the client sent already is read first: closing a socket
		 * with unread data resets it, and the 503 would be lost */
		for (int i = 0; i < 4 && recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0;
		     i++)
			;
		(void)send(fd, msg, sizeof(msg) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
	}
	evhttp_connection_free(evcon);
}

/*
 * Full: make room by closing the oldest connection without a request in
 * progress (still sending its headers, or idle between requests) that
 * either has held its slot for more than GUARD_EVICT_MS or belongs to a
 * client holding more slots than the newcomer's. Slowloris connections are
 * such; a client being answered is not. Without this a few hundred slow
 * connections from a handful of addresses lock every honest client out.
 */
static bool
guard_evict(struct httpd_guard *g, const struct guard_client *newcomer)
{
	double now = guard_mono_ms();
	int looked = 0;

	for (struct guard_conn *c = g->oldest; c != NULL && looked < 64;
	     c = c->prev, looked++)
		if (!c->in_request &&
		    (now - c->since_ms > GUARD_EVICT_MS ||
			(c->client && c->client->conns > newcomer->conns + 1))) {
			g->evicted++;
			evhttp_connection_free(c->evcon); /* guard_close_cb frees c */
			return true;
		}
	return false;
}

static void
guard_admit(struct httpd_guard *g, struct bufferevent *bev)
{
	void *cbarg = NULL;
	struct evhttp_connection *evcon;
	struct guard_client *client;
	struct guard_conn *c;
	char *addr = NULL;
	ev_uint16_t port = 0;

	bufferevent_getcb(bev, NULL, NULL, NULL, &cbarg);
	if ((evcon = cbarg) == NULL)
		return; /* evhttp gave up on it already */
	g->accepted++;
	evhttp_connection_get_peer(evcon, &addr, &port);
	client = guard_client(g, addr ? addr : "?");
	if (client != NULL && client->conns >= g->lim.max_connections_per_client) {
		g->refused_client++;
		guard_refuse(evcon, bufferevent_getfd(bev));
		return;
	}
	if (client == NULL || (g->nconns >= g->max && !guard_evict(g, client))) {
		g->refused_total++;
		guard_refuse(evcon, bufferevent_getfd(bev));
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->g = g;
	c->evcon = evcon;
	c->client = client;
	c->since_ms = guard_mono_ms();
	if ((c->deadline = evtimer_new(g->base, guard_deadline_cb, c)) == NULL)
		fatalx("evtimer_new");
	client->conns++;
	c->next = g->conns;
	if (g->conns)
		g->conns->prev = c;
	else
		g->oldest = c;
	g->conns = c;
	g->nconns++;
	evhttp_connection_set_closecb(evcon, guard_close_cb, c);
	guard_arm(c, g->lim.header_timeout);
}

static void
guard_fresh_cb(evutil_socket_t fd, short what, void *arg)
{
	struct httpd_guard *g = arg;

	(void)fd;
	(void)what;
	for (size_t i = 0; i < g->npending; i++) {
		guard_admit(g, g->pending[i]);
		bufferevent_decref(g->pending[i]);
	}
	g->npending = 0;
	g->batch = 0;
	if (g->batch_paused) {
		g->batch_paused = false;
		if (!g->pause_accepts)
			evconnlistener_enable(g->lev);
	}
}

/* evhttp_set_bevcb: each accepted connection's bufferevent, made here. */
static struct bufferevent *
guard_bev_cb(struct event_base *base, void *arg)
{
	struct httpd_guard *g = arg;
	struct bufferevent *bev;

	if ((bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)) == NULL)
		return NULL; /* evhttp makes its own; it goes uncounted */
	if (g->npending == g->cappending) {
		g->cappending = g->cappending ? g->cappending * 2 : 64;
		g->pending = xreallocarray(
		    g->pending, g->cappending, sizeof(*g->pending));
	}
	bufferevent_incref(bev); /* alive until guard_fresh_cb looks at it */
	g->pending[g->npending++] = bev;
	event_active(g->fresh, EV_TIMEOUT, 0);
	/* libevent's listener accepts until the backlog is empty: under a
	 * flood of connections that is never, and probes would wait. A batch
	 * a turn; the rest wait in the backlog for the next. */
	if (++g->batch >= GUARD_ACCEPT_BATCH && !g->batch_paused) {
		g->batch_paused = true;
		evconnlistener_disable(g->lev);
	}
	return bev;
}

static void
guard_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct httpd_guard *g = arg;

	(void)fd;
	(void)what;
	g->pause_accepts = false;
	if (!g->batch_paused)
		evconnlistener_enable(g->lev);
}

/*
 * accept() failed for a reason that is not the client's (out of
 * descriptors, buffers, memory): the listening socket stays readable, so
 * without a pause the loop would spin on it. Stop accepting for a moment;
 * waiting clients stay in the kernel's backlog.
 */
static void
guard_accept_error_cb(struct evconnlistener *lev, void *arg)
{
	int err = EVUTIL_SOCKET_ERROR();
	struct timeval tv = {0, GUARD_ACCEPT_PAUSE_MS * 1000};
	struct httpd_guard *g;
	time_t now = time(NULL);

	(void)arg;
	for (g = guard_list; g != NULL && g->lev != lev; g = g->next_guard)
		;
	if (g == NULL)
		return;
	g->accept_pauses++;
	if (now - g->last_pause_log >= 10) {
		g->last_pause_log = now;
		log_warnx("httpd: accept: %s; not accepting for %d ms (%lu pauses so "
			  "far, %ld connections open)",
		    strerror(err), GUARD_ACCEPT_PAUSE_MS, g->accept_pauses, g->nconns);
	}
	g->pause_accepts = true;
	evconnlistener_disable(lev);
	evtimer_add(g->resume, &tv);
}

struct httpd_guard *
httpd_guard_new(struct event_base *base, struct evhttp *http,
    struct evhttp_bound_socket *sock, const struct conf_http *lim)
{
	struct httpd_guard *g = xcalloc(1, sizeof(*g));

	g->base = base;
	g->http = http;
	g->lim = *lim;
	g->max = lim->max_connections;
	g->lev = evhttp_bound_socket_get_listener(sock);
	if ((g->fresh = event_new(base, -1, 0, guard_fresh_cb, g)) == NULL ||
	    (g->resume = evtimer_new(base, guard_resume_cb, g)) == NULL)
		fatalx("event_new");
	evhttp_set_bevcb(http, guard_bev_cb, g);
	evconnlistener_set_error_cb(g->lev, guard_accept_error_cb);
	/* evhttp's own timeout restarts with each byte: a backstop only */
	evhttp_set_timeout(http, (int)lim->header_timeout);
	evhttp_set_max_headers_size(http, lim->max_header_bytes);
	evhttp_set_max_body_size(http, lim->max_body_bytes);
	g->next_guard = guard_list;
	guard_list = g;
	return g;
}

long
httpd_guard_max(const struct httpd_guard *g)
{
	return g->max;
}

void
httpd_guard_cap(struct httpd_guard *g, long max)
{
	if (max < g->max)
		g->max = max > 0 ? max : 1;
}

static void
guard_done_cb(struct evhttp_request *req, void *arg)
{
	struct httpd_guard *g = arg;
	struct guard_conn *c = guard_find(g, evhttp_request_get_connection(req));

	/* answered: the next request must come whole within keep-alive */
	if (c) {
		c->in_request = false;
		c->since_ms = guard_mono_ms();
		guard_arm(c, g->lim.keepalive_timeout);
	}
}

void
httpd_guard_request(struct httpd_guard *g, struct evhttp_request *req)
{
	struct guard_conn *c;

	if (g == NULL)
		return;
	if ((c = guard_find(g, evhttp_request_get_connection(req))) != NULL) {
		evtimer_del(c->deadline); /* ours now, however long the answer takes */
		c->in_request = true;
	}
	evhttp_request_set_on_complete_cb(req, guard_done_cb, g);
}

bool
httpd_guard_expensive(struct httpd_guard *g, struct evhttp_request *req, int *retry)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct guard_conn *c = evcon ? guard_find(g, evcon) : NULL;
	double per_ms = (double)g->lim.expensive_per_minute / 60000.0;

	if (c == NULL || c->client == NULL)
		return true; /* not one of ours (cannot happen): no rate */
	guard_refill(g, c->client, guard_mono_ms());
	if (c->client->tokens >= 1) {
		c->client->tokens -= 1;
		return true;
	}
	g->rate_limited++;
	*retry = (int)((1 - c->client->tokens) / per_ms / 1000) + 1;
	return false;
}

void
httpd_guard_stats(const struct httpd_guard *g, struct httpd_guard_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (g == NULL)
		return;
	st->connections = g->nconns;
	st->max = g->max;
	st->accepted = g->accepted;
	st->refused_total = g->refused_total;
	st->refused_client = g->refused_client;
	st->evicted = g->evicted;
	st->deadlines = g->deadlines;
	st->accept_pauses = g->accept_pauses;
	st->rate_limited = g->rate_limited;
}

void
httpd_guard_free(struct httpd_guard *g)
{
	struct httpd_guard **pp;

	if (g == NULL)
		return;
	for (pp = &guard_list; *pp != NULL; pp = &(*pp)->next_guard)
		if (*pp == g) {
			*pp = g->next_guard;
			break;
		}
	for (size_t i = 0; i < g->npending; i++)
		bufferevent_decref(g->pending[i]);
	free(g->pending);
	/* the connections go with evhttp_free, after this: forget them first */
	for (struct guard_conn *c = g->conns, *n; c != NULL; c = n) {
		n = c->next;
		evhttp_connection_set_closecb(c->evcon, NULL, NULL);
		event_free(c->deadline);
		free(c);
	}
	for (size_t i = 0; i < GUARD_BUCKETS; i++)
		for (struct guard_client *c = g->clients[i], *n; c != NULL; c = n) {
			n = c->next;
			free(c);
		}
	event_free(g->fresh);
	event_free(g->resume);
	free(g);
}
