/*
 * httpd-priv.h - what the server (httpd.c) and its handlers (api-*.c)
 * share. Not for the rest of the daemon: that sees httpd.h only.
 */
#ifndef SLAMON_HTTPD_PRIV_H
#define SLAMON_HTTPD_PRIV_H

#include <stdbool.h>
#include <sys/stat.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>

#include "httpd.h"

#define HTTPD_ID_LEN 12
/* Latency histogram buckets, seconds (the Prometheus unit). */
#define HTTPD_NBUCKETS 11

/* What /metrics counts of one target's probe results since start. */
struct httpd_tmetrics {
	char *name;
	unsigned long reasons[PROBE_NREASONS];
	unsigned long buckets[HTTPD_NBUCKETS]; /* not cumulative here */
	unsigned long count;
	double sum_s;
	/* the last result, for the blackbox_exporter style gauges */
	bool probed;
	bool last_ok;
	double last_duration_s;
	struct probe_detail last;
};

/* A computed body kept for a while (RRD reads are not free). */
struct httpd_cache {
	char *body;
	size_t len;
	time_t at;
};

/* One outage of the journal, as an incident. */
struct httpd_incident {
	char target[128];
	time_t start, end; /* end 0: open */
	long down_s, unplanned_s, maintenance_s;
	bool alerted;
	time_t alert_at, recovery_at;
	char locations[256]; /* several locations: those that saw it, "a, b" */
};

struct httpd {
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *sock;
	struct httpd_guard *guard;
	struct httpd_jobs *jobs; /* expensive answers (httpd-job.c) */
	struct httpd_source src;
	char *www;		   /* directory of the page's files */
	struct httpd_tmetrics *tm; /* parallel to src.conf->targets */
	size_t ntm;
	/* the journal's incidents, read again when the file changes */
	struct httpd_incident *inc;
	size_t ninc;
	off_t jsize;
	struct timespec jmtime;
	bool jread;
	time_t jfirst;	/* time of the journal's first record, 0 = none */
	char csp[1024]; /* api_page_csp, made when the source is set */
};

extern const double httpd_buckets[HTTPD_NBUCKETS];

time_t httpd_now(const struct httpd *);
void httpd_id(const char *kind, const char *name, time_t t, char out[HTTPD_ID_LEN + 1]);
void httpd_send(
    struct evhttp_request *, int code, const char *ctype, struct evbuffer *);
void httpd_send_str(
    struct evhttp_request *, int code, const char *ctype, const char *, size_t);
/* json is consumed */
void httpd_send_json(struct evhttp_request *, int code, json_t *);
void httpd_error(struct evhttp_request *, int code, const char *msg);
const char *httpd_query(
    struct evhttp_request *, const char *key, char *buf, size_t len);
json_t *httpd_time(time_t); /* RFC 3339 UTC, or null for 0 */
bool httpd_cache_fresh(const struct httpd_cache *, time_t now, long ttl);
void httpd_cache_set(struct httpd_cache *, char *body, time_t now);
void httpd_cache_drop(struct httpd_cache *);

/* A path the server answers: exact, or a prefix whose rest goes to the handler. */
struct httpd_route {
	const char *path;
	bool prefix;
	void (*handler)(struct httpd *, struct evhttp_request *, const char *rest);
};
/* api-routes.c: every path but the page's files, ending with {NULL}. */
extern const struct httpd_route api_routes[];
/* httpd.c: the page (index.html), for the paths the page itself routes */
void httpd_page_req(struct httpd *, struct evhttp_request *, const char *rest);

/* api-status.c: the Statuspage v2 page, components and status. */
json_t *api_status_page(struct httpd *, time_t now);
json_t *api_status_components(struct httpd *, time_t now);
json_t *api_status_indicator(json_t *components);
json_t *api_status_by_name(struct httpd *, time_t now);
json_t *api_status_component_as(json_t *by_name, const char *name, const char *status);
/* visible components in the page's order into names (room for ntargets) */
size_t api_status_order(const struct conf *, const char **names);
void api_status_summary(struct httpd *, struct evhttp_request *);
void api_status_status(struct httpd *, struct evhttp_request *);
void api_status_components_req(struct httpd *, struct evhttp_request *);

/* api-incidents.c: incidents from the journal. */
json_t *api_incidents(struct httpd *, time_t now, bool unresolved_only);
void api_incidents_req(struct httpd *, struct evhttp_request *, bool unresolved_only);
int api_incidents_load(struct httpd *);
void api_incidents_one_req(struct httpd *, struct evhttp_request *, const char *rest);
struct cal_occ;
json_t *api_incidents_in_window(struct httpd *, const struct cal_occ *, time_t now);
void api_history_req(struct httpd *, struct evhttp_request *);

/* api-maint.c: scheduled maintenances from the calendar. */
enum api_maint_which { API_MAINT_ALL, API_MAINT_UPCOMING, API_MAINT_ACTIVE };
json_t *api_maint(struct httpd *, time_t now, enum api_maint_which);
void api_maint_req(struct httpd *, struct evhttp_request *, enum api_maint_which);
/* targets of the configuration inside announced maintenance at now: in[i] */
void api_maint_now(struct httpd *, time_t now, bool *in);
bool api_maint_real(const struct cal_occ *);
/* live: api_status_by_name */
json_t *api_maint_occ_json(
    struct httpd *, const struct cal_occ *, json_t *page_id, json_t *live, time_t now);

/* api-report.c: availability, daily bars, the calendar as iCalendar. */
void api_report_availability(struct httpd *, struct evhttp_request *);
void api_report_uptime(struct httpd *, struct evhttp_request *);
char *api_report_bars(struct httpd *, time_t now); /* its body */
void api_report_ics(struct httpd *, struct evhttp_request *);
/* this month's report as JSON (cached a minute), NULL without a store */
json_t *api_report_month(struct httpd *, time_t now);
/* No report of this month cached yet: then(h, req) once one is (true). */
bool api_report_month_defer(struct httpd *, struct evhttp_request *,
    void (*then)(struct httpd *, struct evhttp_request *));

/* api-metrics.c */
void api_metrics_req(struct httpd *, struct evhttp_request *);

/* api-feed.c: /history.atom, /history.rss */
void api_feed_req(struct httpd *, struct evhttp_request *, bool atom);

/* api-page.c: /api/v1/page.json, /logo, /favicon.svg */
void api_page_req(struct httpd *, struct evhttp_request *);
void api_page_logo(struct httpd *, struct evhttp_request *);
void api_page_favicon(struct httpd *, struct evhttp_request *);
/* the Content-Security-Policy of the page: 'self', and the logo's origin */
const char *api_page_csp(struct httpd *);

/* api-graph.c */
void api_graph_latency_req(struct httpd *, struct evhttp_request *);
void api_graph_req(
    struct httpd *, struct evhttp_request *, const char *target, size_t len);

#endif
