/*
 * resolve.h - name resolution for the probes, on the event loop (c-ares):
 * the system's resolver for target host names, and channels of their own
 * for dns probes that name a server.
 */
#ifndef SLAMON_RESOLVE_H
#define SLAMON_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "probe.h"

struct event_base;
struct aresev;
struct aresev_req;
struct resolver;

struct resolver *resolver_new(struct event_base *);
void resolver_free(struct resolver *);

/* The channel of the system's resolver, as /etc/resolv.conf says now (a
 * changed file is read again, as glibc does). NULL, with why in err, when
 * c-ares cannot set one up. */
struct aresev *resolver_system(struct resolver *, char *err, size_t errlen);
/* A channel that asks only server ("ADDR", "ADDR:PORT", "[V6]:PORT") and
 * sends a lost query again after one second; kept for the next run. */
struct aresev *resolver_server(
    struct resolver *, const char *server, char *err, size_t errlen);

/*
 * A c-ares status that is not success, as a probe reason and its text.
 * system: the query went to the system's resolver, whose failures to answer
 * at all are the monitoring host's fault (PROBE_RESOLVER), not the target's.
 */
enum probe_reason resolve_reason(struct resolver *, bool system, int status,
    const char *host, double elapsed_ms, char *text, size_t len);

#define RESOLVE_MAXADDR 8

struct resolve_addrs {
	size_t n;
	struct sockaddr_storage a[RESOLVE_MAXADDR];
	socklen_t len[RESOLVE_MAXADDR];
};

struct resolve_req;
/* reason PROBE_OK with at least one address, or a failure and its text */
typedef void resolve_cb(struct resolve_req *, enum probe_reason, const char *text,
    const struct resolve_addrs *);

/* Resolution of one target host name for one run; embedded in the run. */
struct resolve_req {
	struct resolver *res;
	struct aresev_req *q;
	const char *host; /* borrowed from the configuration */
	double t0_ms;
	resolve_cb *cb;
};

/* Look host up in /etc/hosts, then DNS, with the system's search list; cb
 * comes from the loop, never from inside this call. -1 (text set) when
 * nothing could be started. */
int resolve_start(struct resolve_req *, struct resolver *, const char *host,
    resolve_cb *, char *text, size_t len);
/* Safe on a request that never started or already answered. */
void resolve_cancel(struct resolve_req *);

/* The phase of a run waiting for the system's resolver: a timeout is the
 * host's own fault when resolv.conf names no nameserver. */
enum probe_phase resolve_phase(struct resolver *);

/* "a.b.c.d" or an IPv6 literal ("::1", "[::1]"): no lookup needed. */
bool resolve_is_numeric(const char *host);

#endif
