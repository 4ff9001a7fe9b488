/*
 * resolve.c - name resolution for the probes, on the event loop.
 *
 * One resolver for everything the probes look up: the host names of http,
 * tls and tcp targets go through the system's configuration (/etc/hosts,
 * then the nameservers, search list and options of /etc/resolv.conf, all
 * read by c-ares), and dns probes that name a server get a channel of their
 * own. libcurl never resolves a name of ours: its threaded resolver is
 * joined, inside the event loop, when a transfer that is still resolving
 * ends, so a system resolver that never answers would freeze every probe.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <event2/event.h>

#include "../monitor/log.h"
#include "ares-ev.h"
#include "resolve.h"

#define RESOLV_CONF "/etc/resolv.conf"

struct resolver_server {
	char *server;
	struct aresev *a;
};

struct resolver {
	struct event_base *base;
	struct aresev *sys;
	/* system channels replaced after a change of resolv.conf, freed once
	 * their lookups in flight have ended, from a timer: never inside one of
	 * their own callbacks, which may well be what starts the next lookup */
	struct aresev **old;
	size_t nold;
	struct event *reap;
	/* what the system channel was made from, to notice a new file */
	struct stat st;
	bool st_ok;
	double checked_ms;
	bool configured; /* at least one nameserver line */
	char first[64];	 /* the first nameserver, for messages */
	struct resolver_server *servers;
	size_t nservers;
};

static void
resolver_reap_cb(evutil_socket_t fd, short what, void *arg)
{
	struct resolver *r = arg;
	struct timeval tv = {1, 0};
	size_t k = 0;

	(void)fd;
	(void)what;
	for (size_t i = 0; i < r->nold; i++)
		if (aresev_pending(r->old[i]) == 0)
			aresev_free(r->old[i]);
		else
			r->old[k++] = r->old[i];
	r->nold = k;
	if (k > 0)
		evtimer_add(r->reap, &tv);
}

struct resolver *
resolver_new(struct event_base *base)
{
	struct resolver *r = xcalloc(1, sizeof(*r));

	r->base = base;
	r->checked_ms = -1e9;
	r->reap = evtimer_new(base, resolver_reap_cb, r);
	return r;
}

void
resolver_free(struct resolver *r)
{
	if (r == NULL)
		return;
	aresev_free(r->sys);
	for (size_t i = 0; i < r->nold; i++)
		aresev_free(r->old[i]);
	free(r->old);
	if (r->reap)
		event_free(r->reap);
	for (size_t i = 0; i < r->nservers; i++) {
		aresev_free(r->servers[i].a);
		free(r->servers[i].server);
	}
	free(r->servers);
	free(r);
}

/* Whether resolv.conf names a nameserver: without one, c-ares (like glibc)
 * falls back to 127.0.0.1, and a failure there is the host's own. */
static void
resolver_scan(struct resolver *r)
{
	char line[512], addr[64];
	FILE *f;

	r->configured = false;
	snprintf(r->first, sizeof(r->first), "127.0.0.1");
	if ((f = fopen(RESOLV_CONF, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " nameserver %63s", addr) == 1) {
			r->configured = true;
			snprintf(r->first, sizeof(r->first), "%s", addr);
			break;
		}
	fclose(f);
}

static bool
resolver_changed(struct resolver *r)
{
	struct stat st;
	bool ok = stat(RESOLV_CONF, &st) == 0;

	if (ok != r->st_ok)
		return true;
	return ok &&
	    (st.st_ino != r->st.st_ino || st.st_dev != r->st.st_dev ||
		st.st_size != r->st.st_size ||
		st.st_mtim.tv_sec != r->st.st_mtim.tv_sec ||
		st.st_mtim.tv_nsec != r->st.st_mtim.tv_nsec);
}

struct aresev *
resolver_system(struct resolver *r, char *err, size_t errlen)
{
	double now = probe_mono_ms();
	struct aresev *a;

	/* a stat a second at most, however many targets start */
	if (r->sys && now - r->checked_ms < 1000)
		return r->sys;
	r->checked_ms = now;
	if (r->sys && !resolver_changed(r))
		return r->sys;
	r->st_ok = stat(RESOLV_CONF, &r->st) == 0;
	resolver_scan(r);
	if ((a = aresev_new(r->base, NULL, 0, 0, err, errlen)) == NULL) {
		log_warnx("resolver: %s", err);
		return r->sys; /* keep the old one, if any */
	}
	if (r->sys) {
		struct timeval tv = {1, 0};
		log_info("resolver: %s changed, read again", RESOLV_CONF);
		r->old = xreallocarray(r->old, r->nold + 1, sizeof(*r->old));
		r->old[r->nold++] = r->sys;
		if (r->reap)
			evtimer_add(r->reap, &tv);
	}
	r->sys = a;
	return a;
}

struct aresev *
resolver_server(struct resolver *r, const char *server, char *err, size_t errlen)
{
	struct aresev *a;

	for (size_t i = 0; i < r->nservers; i++)
		if (strcmp(r->servers[i].server, server) == 0)
			return r->servers[i].a;
	/* A probe's own server: a lost datagram is sent again after 1 s, then
	 * 2 s, 4 s (c-ares doubles it), until the probe's deadline. */
	if ((a = aresev_new(r->base, server, 1000, 5, err, errlen)) == NULL)
		return NULL;
	r->servers = xreallocarray(r->servers, r->nservers + 1, sizeof(*r->servers));
	r->servers[r->nservers].server = xstrdup(server);
	r->servers[r->nservers].a = a;
	r->nservers++;
	return a;
}

enum probe_reason
resolve_reason(struct resolver *r, bool system, int status, const char *host,
    double elapsed_ms, char *text, size_t len)
{
	bool unanswered = status == ARES_ETIMEOUT || status == ARES_ECONNREFUSED;

	if (system && unanswered && !r->configured) {
		snprintf(text, len,
		    "resolver unavailable: no nameserver in " RESOLV_CONF
		    " (%s did not answer for %s)",
		    r->first, host);
		return PROBE_RESOLVER;
	}
	switch (status) {
	case ARES_ENOTFOUND:
		snprintf(text, len, "DNS failure: NXDOMAIN for %s", host);
		return PROBE_DNS_FAILURE;
	case ARES_ENODATA:
		snprintf(text, len, "DNS failure: no address for %s", host);
		return PROBE_DNS_FAILURE;
	case ARES_ESERVFAIL:
		snprintf(text, len, "DNS failure: SERVFAIL for %s", host);
		return PROBE_DNS_FAILURE;
	case ARES_EREFUSED:
		snprintf(text, len, "DNS failure: REFUSED for %s", host);
		return PROBE_DNS_FAILURE;
	case ARES_ETIMEOUT:
		snprintf(text, len, "DNS failure: timeout after %.0f ms", elapsed_ms);
		return PROBE_DNS_FAILURE;
	case ARES_ECONNREFUSED:
		if (system) {
			/* nothing listens where resolv.conf points: the
			 * monitoring host's resolver is down, not the target */
			snprintf(text, len,
			    "resolver unavailable: nameserver %s refused "
			    "(nothing listens on its port)",
			    r->first);
			return PROBE_RESOLVER;
		}
		snprintf(text, len,
		    "DNS failure: server refused (no DNS server on the port)");
		return PROBE_DNS_FAILURE;
	case ARES_EBADNAME:
		snprintf(text, len, "DNS failure: \"%s\" is not a valid name", host);
		return PROBE_DNS_FAILURE;
	case ARES_ENOMEM:
	case ARES_EDESTRUCTION:
	case ARES_ECANCELLED:
		snprintf(text, len, "resolver: %s", ares_strerror(status));
		return PROBE_INTERNAL;
	default: /* FORMERR, NOTIMP, a malformed answer */
		snprintf(
		    text, len, "DNS failure: %s for %s", ares_strerror(status), host);
		return PROBE_DNS_FAILURE;
	}
}

enum probe_phase
resolve_phase(struct resolver *r)
{
	return r->sys && !r->configured ? PROBE_PHASE_RESOLVER : PROBE_PHASE_DNS;
}

bool
resolve_is_numeric(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];
	char tmp[64];
	size_t n = strlen(host);

	if (inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1)
		return true;
	if (n > 2 && n < sizeof(tmp) + 2 && host[0] == '[' && host[n - 1] == ']') {
		memcpy(tmp, host + 1, n - 2);
		tmp[n - 2] = '\0';
		return inet_pton(AF_INET6, tmp, buf) == 1;
	}
	return false;
}

static void
resolve_done_cb(void *arg, int status, const struct ares_addrinfo *ai)
{
	struct resolve_req *rq = arg;
	struct resolve_addrs out;
	enum probe_reason reason;
	char text[256];

	rq->q = NULL;
	memset(&out, 0, sizeof(out));
	if (status == ARES_SUCCESS && ai)
		for (const struct ares_addrinfo_node *n = ai->nodes;
		     n && out.n < RESOLVE_MAXADDR; n = n->ai_next) {
			if (n->ai_addrlen > sizeof(out.a[0]) ||
			    (n->ai_family != AF_INET && n->ai_family != AF_INET6))
				continue;
			memcpy(&out.a[out.n], n->ai_addr, n->ai_addrlen);
			out.len[out.n++] = n->ai_addrlen;
		}
	if (status == ARES_SUCCESS && out.n == 0)
		status = ARES_ENODATA;
	if (status != ARES_SUCCESS) {
		reason = resolve_reason(rq->res, true, status, rq->host,
		    probe_mono_ms() - rq->t0_ms, text, sizeof(text));
		rq->cb(rq, reason, text, NULL);
		return;
	}
	rq->cb(rq, PROBE_OK, "resolved", &out);
}

int
resolve_start(struct resolve_req *rq, struct resolver *r, const char *host,
    resolve_cb *cb, char *text, size_t len)
{
	struct aresev *a;
	char err[200];

	memset(rq, 0, sizeof(*rq));
	rq->res = r;
	rq->host = host;
	rq->cb = cb;
	rq->t0_ms = probe_mono_ms();
	if ((a = resolver_system(r, err, sizeof(err))) == NULL) {
		snprintf(text, len, "resolver unavailable: %s", err);
		return -1;
	}
	rq->q = aresev_getaddrinfo(a, host, resolve_done_cb, rq);
	return 0;
}

void
resolve_cancel(struct resolve_req *rq)
{
	if (rq->q)
		aresev_cancel(rq->q);
	rq->q = NULL;
}
