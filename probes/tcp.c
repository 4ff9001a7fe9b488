/* tcp.c - the tcp probe: connect, optionally send a line and expect a reply. */
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>

#include "../monitor/log.h"
#include "probe.h"
#include "resolve.h"

struct tcp_conf {
	char *host;
	long port;
	char *send;
	char *expect;
};

#define TCP_MAX_REPLY 4096

static void tcp_write_cb(struct bufferevent *, void *);

static const char *const tcp_keys[] = {"host", "port", "send", "expect", NULL};

static void
tcp_free(void *p)
{
	struct tcp_conf *t = p;

	if (t == NULL)
		return;
	free(t->host);
	free(t->send);
	free(t->expect);
	free(t);
}

static void *
tcp_configure(struct conf_ctx *ctx, const config_setting_t *g)
{
	struct tcp_conf *t = xcalloc(1, sizeof(*t));

	if (conf_require(ctx, g, "host") || conf_require(ctx, g, "port") ||
	    conf_get_str(ctx, g, "host", &t->host) < 0 ||
	    conf_get_int(ctx, g, "port", 1, 65535, &t->port) < 0 ||
	    conf_get_str(ctx, g, "send", &t->send) < 0 ||
	    conf_get_str(ctx, g, "expect", &t->expect) < 0)
		goto fail;
	if (t->host[0] == '\0' || strpbrk(t->host, " /\t")) {
		conf_error(
		    ctx, g, "host", "\"%s\" is not a host name or address", t->host);
		goto fail;
	}
	if (t->expect && t->expect[0] == '\0') {
		conf_error(ctx, g, "expect", "must not be empty");
		goto fail;
	}
	return t;
fail:
	tcp_free(t);
	return NULL;
}

struct tcp_run {
	struct probe_run *run;
	struct bufferevent *bev;
	struct resolve_req rq; /* while resolving */
};

static void
tcp_cancel(struct probe_run *run)
{
	struct tcp_run *r = run->priv;

	if (r == NULL)
		return;
	run->priv = NULL;
	resolve_cancel(&r->rq);
	if (r->bev)
		bufferevent_free(r->bev);
	free(r);
}

static void
tcp_read_cb(struct bufferevent *bev, void *arg)
{
	struct tcp_run *r = arg;
	const struct tcp_conf *t = r->run->conf;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer_ptr p;
	size_t n = evbuffer_get_length(in);

	p = evbuffer_search(in, t->expect, strlen(t->expect), NULL);
	if (p.pos >= 0) {
		probe_done(r->run, PROBE_OK, "connected, \"%s\" received", t->expect);
		return;
	}
	if (n >= TCP_MAX_REPLY)
		probe_done(r->run, PROBE_EXPECT_MISMATCH,
		    "expect mismatch: no \"%s\" in "
		    "the first %zu bytes",
		    t->expect, n);
}

static void
tcp_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct tcp_run *r = arg;
	struct probe_run *run = r->run;
	const struct tcp_conf *t = run->conf;
	int err = EVUTIL_SOCKET_ERROR();

	if (what & BEV_EVENT_CONNECTED) {
		run->phase = PROBE_PHASE_REPLY;
		if (t->expect == NULL && t->send == NULL) {
			probe_done(run, PROBE_OK, "connected");
			return;
		}
		if (t->send)
			bufferevent_write(bev, t->send, strlen(t->send));
		if (t->expect == NULL) {
			/* nothing to wait for but the bytes leaving */
			bufferevent_setcb(bev, NULL, tcp_write_cb, tcp_event_cb, r);
			if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
				probe_done(run, PROBE_OK, "connected");
			return;
		}
		bufferevent_enable(bev, EV_READ);
		return;
	}
	if (run->phase != PROBE_PHASE_REPLY) {
		if (err == ECONNREFUSED)
			probe_done(run, PROBE_CONNECT_REFUSED, "connection refused");
		else
			probe_done(run, probe_errno_reason(err, PROBE_NETWORK),
			    "cannot connect: %s", evutil_socket_error_to_string(err));
		return;
	}
	if (what & BEV_EVENT_EOF)
		probe_done(run, PROBE_EXPECT_MISMATCH,
		    "expect mismatch: connection "
		    "closed before \"%s\"",
		    t->expect ? t->expect : "");
	else if (err == ECONNRESET)
		probe_done(run, PROBE_RESET, "reset mid-response");
	else
		probe_done(
		    run, PROBE_NETWORK, "%s", evutil_socket_error_to_string(err));
}

static void
tcp_write_cb(struct bufferevent *bev, void *arg)
{
	struct tcp_run *r = arg;

	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		probe_done(r->run, PROBE_OK, "connected, sent %zu bytes",
		    strlen(((const struct tcp_conf *)r->run->conf)->send));
}

static void
tcp_connect(struct probe_run *run, const struct sockaddr *sa, int len)
{
	struct tcp_run *r = run->priv;

	run->phase = PROBE_PHASE_CONNECT;
	/* a refusal may be reported from inside connect: the event callback then
	 * ends the run before we return */
	if (bufferevent_socket_connect(r->bev, (struct sockaddr *)sa, len) == -1 &&
	    run->active) {
		int err = EVUTIL_SOCKET_ERROR();
		/* socket() itself failed (EMFILE...): the monitor's fault */
		probe_done(run, probe_errno_reason(err, PROBE_NETWORK),
		    "cannot connect: %s", evutil_socket_error_to_string(err));
	}
}

/*
 * The name is resolved here rather than by bufferevent_socket_connect_hostname
 * so that the phase moves from DNS to connect in between: a name that
 * resolves to an address that never answers is a connect timeout, not a
 * DNS failure. The lookup is the shared resolver's (resolve.c), as for
 * http and tls targets.
 */
static void
tcp_resolved_cb(struct resolve_req *rq, enum probe_reason reason, const char *text,
    const struct resolve_addrs *addrs)
{
	struct tcp_run *r = (struct tcp_run *)((char *)rq -
	    offsetof(struct tcp_run, rq));
	struct probe_run *run = r->run;
	const struct tcp_conf *t = run->conf;
	struct sockaddr_storage ss;

	run->detail.dns_s = probe_elapsed_ms(run) / 1000.0;
	if (reason != PROBE_OK) {
		probe_done(run, reason, "%s", text);
		return;
	}
	memcpy(&ss, &addrs->a[0], addrs->len[0]);
	if (ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(
		    (unsigned short)t->port);
	else
		((struct sockaddr_in *)&ss)->sin_port = htons((unsigned short)t->port);
	tcp_connect(run, (struct sockaddr *)&ss, (int)addrs->len[0]);
}

static int
tcp_start(struct probe_run *run)
{
	const struct tcp_conf *t = run->conf;
	struct tcp_run *r = xcalloc(1, sizeof(*r));
	struct sockaddr_storage ss;
	int sslen = sizeof(ss);
	char addr[300], text[256];

	r->run = run;
	run->priv = r;
	if ((r->bev = bufferevent_socket_new(
		 run->env->base, -1, BEV_OPT_CLOSE_ON_FREE)) == NULL)
		return -1;
	bufferevent_setcb(r->bev, tcp_read_cb, NULL, tcp_event_cb, r);
	bufferevent_setwatermark(r->bev, EV_READ, 0, TCP_MAX_REPLY);
	snprintf(addr, sizeof(addr), strchr(t->host, ':') ? "[%s]:%ld" : "%s:%ld",
	    t->host, t->port);
	if (evutil_parse_sockaddr_port(addr, (struct sockaddr *)&ss, &sslen) == 0) {
		tcp_connect(run, (struct sockaddr *)&ss, sslen);
		return 0;
	}
	if (resolve_start(&r->rq, run->env->resolver, t->host, tcp_resolved_cb, text,
		sizeof(text)) == -1)
		probe_done(run, PROBE_RESOLVER, "%s", text);
	else
		run->phase = resolve_phase(run->env->resolver);
	return 0;
}

static void
tcp_describe(const void *p, char *buf, size_t len)
{
	const struct tcp_conf *t = p;

	snprintf(buf, len, "%s:%ld", t->host, t->port);
}

const struct probe_ops probe_tcp_ops = {
    .name = "tcp",
    .keys = tcp_keys,
    .configure = tcp_configure,
    .free = tcp_free,
    .start = tcp_start,
    .cancel = tcp_cancel,
    .describe = tcp_describe,
};
