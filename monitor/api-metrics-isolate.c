/*
 * api-metrics-isolate.c - the /metrics section of issue 20: probes that
 * failed for a reason of this host (monitor faults, by reason), the public
 * server's bounds (httpd-guard.c) and the expensive answers (httpd-job.c).
 */
#include "api-metrics.h"
#include "httpd-guard.h"
#include "httpd-job.h"
#include "httpd-priv.h"

void api_metrics_isolate(struct httpd *, struct api_mx *, time_t now);

static void
api_mx_isolate_one(struct api_mx *m, const char *name, enum api_mx_type type,
    const char *help, double v)
{
	api_mx_family(m, name, type, help);
	api_mx_sample(m, name, v);
}

static void
api_mx_isolate_labelled(
    struct api_mx *m, const char *name, const char *key, const char *val, double v)
{
	api_mx_begin(m, name);
	api_mx_label(m, key, val);
	api_mx_end(m, v);
}

void
api_metrics_isolate(struct httpd *h, struct api_mx *m, time_t now)
{
	struct httpd_guard_stats g;
	struct httpd_job_stats j;

	(void)now;
	api_mx_family(m, "slamon_monitor_faults_total", API_MX_COUNTER,
	    "Probes that failed for a reason of this host, not the target "
	    "(their time is unknown, not down).");
	for (int r = 0; r < PROBE_NREASONS; r++) {
		unsigned long n = 0;

		if (!probe_local((enum probe_reason)r))
			continue;
		for (size_t i = 0; i < h->ntm; i++)
			n += h->tm[i].reasons[r];
		api_mx_isolate_labelled(m, "slamon_monitor_faults_total", "reason",
		    probe_reason_name((enum probe_reason)r), (double)n);
	}
	httpd_guard_stats(h->guard, &g);
	api_mx_isolate_one(m, "slamon_http_connections", API_MX_GAUGE,
	    "Connections to the status page open now.", (double)g.connections);
	api_mx_isolate_one(m, "slamon_http_connections_max", API_MX_GAUGE,
	    "Connections allowed at once (http_max_connections, or less for the "
	    "descriptor budget).",
	    (double)g.max);
	api_mx_isolate_one(m, "slamon_http_connections_accepted_total", API_MX_COUNTER,
	    "Connections accepted.", (double)g.accepted);
	api_mx_family(m, "slamon_http_connections_refused_total", API_MX_COUNTER,
	    "Connections refused at accept with a 503, by limit.");
	api_mx_isolate_labelled(m, "slamon_http_connections_refused_total", "limit",
	    "total", (double)g.refused_total);
	api_mx_isolate_labelled(m, "slamon_http_connections_refused_total", "limit",
	    "per_client", (double)g.refused_client);
	api_mx_isolate_one(m, "slamon_http_connections_evicted_total", API_MX_COUNTER,
	    "Connections without a request in progress closed to make room for a "
	    "new one.",
	    (double)g.evicted);
	api_mx_isolate_one(m, "slamon_http_request_timeouts_total", API_MX_COUNTER,
	    "Connections closed because a request did not arrive whole in time.",
	    (double)g.deadlines);
	api_mx_isolate_one(m, "slamon_http_accept_pauses_total", API_MX_COUNTER,
	    "Pauses in accepting because the process was out of descriptors (or "
	    "buffers, memory).",
	    (double)g.accept_pauses);
	api_mx_isolate_one(m, "slamon_http_rate_limited_total", API_MX_COUNTER,
	    "Expensive requests refused with 429 (http_expensive_per_minute).",
	    (double)g.rate_limited);
	httpd_job_stats(h, &j);
	api_mx_family(m, "slamon_http_answers_total", API_MX_COUNTER,
	    "Expensive answers (reports, bars, graphs), by how they were given.");
	api_mx_isolate_labelled(
	    m, "slamon_http_answers_total", "how", "computed", (double)j.computed);
	api_mx_isolate_labelled(
	    m, "slamon_http_answers_total", "how", "cached", (double)j.cached);
	api_mx_isolate_labelled(
	    m, "slamon_http_answers_total", "how", "stale", (double)j.stale);
	api_mx_isolate_labelled(
	    m, "slamon_http_answers_total", "how", "refused", (double)j.refused);
	api_mx_isolate_labelled(
	    m, "slamon_http_answers_total", "how", "failed", (double)j.failed);
	api_mx_isolate_one(m, "slamon_http_workers_busy", API_MX_GAUGE,
	    "Expensive answers being computed now.", (double)j.running);
}
