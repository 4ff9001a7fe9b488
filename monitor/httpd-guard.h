/*
 * httpd-guard.h - the public server's bounds against hostile clients
 * (issue 20): connections at most (in all and per client address, the
 * excess refused at accept with a 503), a deadline for each request to
 * arrive whole (slowloris) and for the next one on a kept-alive
 * connection, a per-client rate for expensive answers, and a pause in
 * accepting when the process is out of descriptors instead of a spin.
 * Used by httpd.c only.
 */
#ifndef SLAMON_HTTPD_GUARD_H
#define SLAMON_HTTPD_GUARD_H

#include <stdbool.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "conf.h"

struct event_base;
struct evhttp_bound_socket;
struct httpd_guard;

struct httpd_guard *httpd_guard_new(struct event_base *, struct evhttp *,
    struct evhttp_bound_socket *, const struct conf_http *);
void httpd_guard_free(struct httpd_guard *);
/* Lower the connection cap to what the descriptor budget allows. */
void httpd_guard_cap(struct httpd_guard *, long max_connections);
long httpd_guard_max(const struct httpd_guard *);
/* A request arrived whole: its connection's deadline stops until the answer
 * is written, then the keep-alive deadline starts. */
void httpd_guard_request(struct httpd_guard *, struct evhttp_request *);
/* May this request's client have an expensive answer now? When not, *retry
 * is the seconds until it may. */
bool httpd_guard_expensive(struct httpd_guard *, struct evhttp_request *, int *retry);
/* Counters for /metrics (api-metrics-isolate.c). */
struct httpd_guard_stats {
	long connections, max;
	unsigned long accepted, refused_total, refused_client, evicted, deadlines,
	    accept_pauses, rate_limited;
};
void httpd_guard_stats(const struct httpd_guard *, struct httpd_guard_stats *);

#endif
