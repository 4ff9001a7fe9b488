/*
 * httpd.h - the read-only HTTP server on `listen` (design.md 8): the status
 * page, the Statuspage v2 compatible API, /api/v1/availability, /metrics,
 * /calendar.ics and /graph/<target>.svg, on the daemon's event base.
 *
 * It owns nothing it serves: `run` hands it a source (configuration,
 * engine, calendar, store, notify, clock) and swaps it after a reload.
 * Nothing on the server changes state.
 */
#ifndef SLAMON_HTTPD_H
#define SLAMON_HTTPD_H

#include <stddef.h>
#include <time.h>

#include "../probes/probe.h"
#include "conf.h"

struct event_base;
struct engine;
struct calendar;
struct store;
struct notify;
struct prober;
struct httpd;

struct httpd_source {
	const struct conf *conf;     /* required; targets index the engine */
	const struct engine *engine; /* live per-target state; may be NULL */
	const struct calendar *cal;  /* may be NULL: no maintenance known */
	struct store *store;	     /* may be NULL (dry run): no history */
	const struct notify *notify; /* may be NULL: no delivery counters */
	struct cluster *cluster;     /* may be NULL: one location */
	const struct prober *prober; /* may be NULL: no schedule metrics */
	time_t (*now)(void *arg);    /* the clock; NULL = time(NULL) */
	void *arg;
};

/* What a client may send or hold: conf->http (slamon.http_* keys). */
#define HTTPD_UPCOMING_DAYS 30 /* scheduled-maintenances/upcoming.json */
#define HTTPD_BAR_DAYS 90      /* daily bars on the page */

/*
 * Listen on "host:port" ("[::1]:port" for IPv6). The page's files are read
 * from the directory $SLAMON_WWW, else <dir of the binary>/../www, else
 * SLAMON_WWW_DIR (compiled in). NULL with err set on failure.
 */
struct httpd *httpd_new(struct event_base *, const char *listen,
    const struct httpd_source *, char *err, size_t errlen);
/* After a reload: the new source (copied). Caches are dropped. */
void httpd_set_source(struct httpd *, const struct httpd_source *);
void httpd_free(struct httpd *);

/*
 * Every probe result, for /metrics: the duration histogram (every result,
 * whatever its verdict), the counts by reason and the last result's details
 * (status, phases, certificate, TLS version): target i of the source's
 * configuration.
 */
void httpd_observe(struct httpd *, size_t i, const struct probe_result *);

/* New steps were stored: cached answers about the present are stale. */
void httpd_data_changed(struct httpd *);

/* Lower the connection cap (the descriptor budget); returns the cap. */
long httpd_cap_connections(struct httpd *, long max);

/* The bound port (for listen = "127.0.0.1:0"), or -1. */
int httpd_port(const struct httpd *);
/* The TCP port of any bound evhttp socket (the admin API's too), or -1. */
struct evhttp_bound_socket;
int httpd_bound_port(struct evhttp_bound_socket *);

#endif
