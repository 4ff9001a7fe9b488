/*
 * api-metrics.c - /metrics, in the Prometheus text format 0.0.4 or, when the
 * client's Accept asks for it, OpenMetrics 1.0. Per target (labels target,
 * component, type) its state, the probe duration histogram of every result,
 * probes by result reason, outage and alert counters (the engine's, since
 * start), and the last probe's details as blackbox_exporter names them
 * (api-metrics-probe.c); this month's availability and error budget (the
 * report's); per alert channel the deliveries (notify's); slamon_build_info.
 *
 * The exposition is a list of sections (api_metrics_sections below): a
 * module that has something to count adds one function and one line.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "api-metrics.h"
#include "cluster.h"
#include "engine.h"
#include "httpd-priv.h"
#include "log.h"
#include "notify.h"
#include "prober.h"

#ifndef SLAMON_VERSION
#define SLAMON_VERSION "0.1"
#endif

/* --- the writer ---------------------------------------------------------- */

static void
api_mx_escape(struct evbuffer *b, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\')
			evbuffer_add(b, "\\\\", 2);
		else if (*v == '"')
			evbuffer_add(b, "\\\"", 2);
		else if (*v == '\n')
			evbuffer_add(b, "\\n", 2);
		else
			evbuffer_add(b, v, 1);
	}
}

/*
 * OpenMetrics names a counter family without its _total and an info family
 * without its _info; the text format has no info type, so it is a gauge.
 */
void
api_mx_family(
    struct api_mx *m, const char *name, enum api_mx_type type, const char *help)
{
	static const char *const text[] = {"gauge", "counter", "histogram", "gauge"};
	static const char *const om[] = {"gauge", "counter", "histogram", "info"};
	size_t len = strlen(name);

	if (m->om && type == API_MX_COUNTER && len > 6 &&
	    strcmp(name + len - 6, "_total") == 0)
		len -= 6;
	else if (m->om && type == API_MX_INFO && len > 5 &&
	    strcmp(name + len - 5, "_info") == 0)
		len -= 5;
	evbuffer_add_printf(m->b, "# HELP %.*s %s\n# TYPE %.*s %s\n", (int)len, name,
	    help, (int)len, name, m->om ? om[type] : text[type]);
}

void
api_mx_begin(struct api_mx *m, const char *name)
{
	evbuffer_add_printf(m->b, "%s{", name);
	m->nlabels = 0;
}

void
api_mx_label(struct api_mx *m, const char *key, const char *value)
{
	evbuffer_add_printf(m->b, "%s%s=\"", m->nlabels++ ? "," : "", key);
	api_mx_escape(m->b, value ? value : "");
	evbuffer_add(m->b, "\"", 1);
}

void
api_mx_end(struct api_mx *m, double v)
{
	if (isnan(v))
		evbuffer_add_printf(m->b, "} NaN\n");
	else if (isinf(v))
		evbuffer_add_printf(m->b, "} %s\n", v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) < 1e15)
		evbuffer_add_printf(m->b, "} %.0f\n", v);
	else
		evbuffer_add_printf(m->b, "} %.17g\n", v);
}

void
api_mx_sample(struct api_mx *m, const char *name, double v)
{
	evbuffer_add_printf(m->b, "%s", name);
	evbuffer_add(m->b, " ", 1);
	/* api_mx_end's formatting, without the closing brace */
	if (isnan(v))
		evbuffer_add_printf(m->b, "NaN\n");
	else if (v == floor(v) && fabs(v) < 1e15)
		evbuffer_add_printf(m->b, "%.0f\n", v);
	else
		evbuffer_add_printf(m->b, "%.17g\n", v);
}

void
api_mx_target(struct api_mx *m, const char *name, const struct conf_target *t)
{
	api_mx_begin(m, name);
	api_mx_label(m, "target", t->name);
	api_mx_label(m, "component", t->component);
	api_mx_label(m, "type", t->type);
}

/* --- sections ------------------------------------------------------------ */

static void
api_metrics_build(struct httpd *h, struct api_mx *m, time_t now)
{
	(void)h;
	(void)now;
	api_mx_family(m, "slamon_build_info", API_MX_INFO,
	    "The running slamon's version and the libraries it was built with.");
	api_mx_begin(m, "slamon_build_info");
	api_mx_label(m, "version", SLAMON_VERSION);
	api_mx_label(m, "libcurl", curl_version_info(CURLVERSION_NOW)->version);
	api_mx_label(m, "libevent", event_get_version());
	api_mx_end(m, 1);
}

static void
api_metrics_targets(struct httpd *h, struct api_mx *m, time_t now)
{
	const struct conf *c = h->src.conf;
	const struct engine *e = h->src.engine;
	size_t ne = e ? engine_ntargets(e) : 0;
	bool *in = xcalloc(c->ntargets + 1, sizeof(*in));
	struct engine_status st;

	api_maint_now(h, now, in);
	api_mx_family(m, "slamon_target_up", API_MX_GAUGE,
	    "Whether the target is up (1) or down (0); NaN before its first probe.");
	for (size_t i = 0; i < c->ntargets; i++) {
		double v = NAN;

		if (i < ne) {
			engine_status(e, i, &st);
			v = st.kind == STATE_UP ? 1 : st.kind == STATE_DOWN ? 0 : NAN;
		}
		api_mx_target(m, "slamon_target_up", &c->targets[i]);
		api_mx_end(m, v);
	}
	api_mx_family(m, "slamon_target_failing", API_MX_GAUGE,
	    "Whether the target is failing without a confirmed outage yet.");
	for (size_t i = 0; i < c->ntargets && i < ne; i++) {
		engine_status(e, i, &st);
		api_mx_target(m, "slamon_target_failing", &c->targets[i]);
		api_mx_end(m, st.suspect ? 1 : 0);
	}
	api_mx_family(m, "slamon_target_in_maintenance", API_MX_GAUGE,
	    "Whether the target is inside announced maintenance now.");
	for (size_t i = 0; i < c->ntargets; i++) {
		api_mx_target(m, "slamon_target_in_maintenance", &c->targets[i]);
		api_mx_end(m, in[i] ? 1 : 0);
	}
	api_mx_family(m, "slamon_probe_interval_seconds", API_MX_GAUGE,
	    "Seconds between the target's probes while it is not failing.");
	for (size_t i = 0; i < c->ntargets; i++) {
		api_mx_target(m, "slamon_probe_interval_seconds", &c->targets[i]);
		api_mx_end(m, (double)c->targets[i].t.interval);
	}
	api_mx_family(m, "slamon_last_probe_timestamp_seconds", API_MX_GAUGE,
	    "When the target's last probe started.");
	for (size_t i = 0; i < c->ntargets && i < ne; i++) {
		engine_status(e, i, &st);
		if (st.last_probe == 0)
			continue;
		api_mx_target(m, "slamon_last_probe_timestamp_seconds", &c->targets[i]);
		api_mx_end(m, (double)st.last_probe);
	}
	api_mx_family(m, "slamon_outages_total", API_MX_COUNTER,
	    "Confirmed outages since the monitor started.");
	for (size_t i = 0; i < c->ntargets && i < ne; i++) {
		engine_status(e, i, &st);
		api_mx_target(m, "slamon_outages_total", &c->targets[i]);
		api_mx_end(m, (double)st.outages);
	}
	api_mx_family(m, "slamon_alerts_total", API_MX_COUNTER,
	    "Alerts decided since the monitor started.");
	for (size_t i = 0; i < c->ntargets && i < ne; i++) {
		engine_status(e, i, &st);
		api_mx_target(m, "slamon_alerts_total", &c->targets[i]);
		api_mx_end(m, (double)st.alerts);
	}
	if (c->cluster.enabled && e != NULL && c->cluster.role != CONF_ROLE_PROBE) {
		api_mx_family(m, "slamon_location_up", API_MX_GAUGE,
		    "What each location sees of the target: up (1), down (0), "
		    "NaN before its first result or while it is silent.");
		for (size_t i = 0; i < c->ntargets && i < ne; i++)
			for (size_t l = 0; l < c->cluster.locations.n; l++) {
				enum state_kind k = engine_loc_kind(e, i, (int)l);

				api_mx_target(m, "slamon_location_up", &c->targets[i]);
				api_mx_label(m, "location", c->cluster.locations.v[l]);
				api_mx_end(m,
				    k == STATE_UP	  ? 1
					: k == STATE_DOWN ? 0
							  : NAN);
			}
	}
	free(in);
}

static void
api_metrics_probes(struct httpd *h, struct api_mx *m, time_t now)
{
	const struct conf *c = h->src.conf;
	size_t n = h->ntm < c->ntargets ? h->ntm : c->ntargets;

	(void)now;
	api_mx_family(m, "slamon_probes_total", API_MX_COUNTER,
	    "Probe results since the monitor started, by reason.");
	for (size_t i = 0; i < n; i++)
		for (int r = 0; r < PROBE_NREASONS; r++) {
			if (h->tm[i].reasons[r] == 0 && r != PROBE_OK)
				continue;
			api_mx_target(m, "slamon_probes_total", &c->targets[i]);
			api_mx_label(
			    m, "reason", probe_reason_name((enum probe_reason)r));
			api_mx_end(m, (double)h->tm[i].reasons[r]);
		}
	api_mx_family(m, "slamon_probe_duration_seconds", API_MX_HISTOGRAM,
	    "How long probes took, whatever their result.");
	for (size_t i = 0; i < n; i++) {
		const struct httpd_tmetrics *tm = &h->tm[i];
		const struct conf_target *t = &c->targets[i];
		unsigned long cum = 0;
		char le[32];

		for (int k = 0; k < HTTPD_NBUCKETS; k++) {
			cum += tm->buckets[k];
			api_mx_target(m, "slamon_probe_duration_seconds_bucket", t);
			snprintf(le, sizeof(le), "%g", httpd_buckets[k]);
			if (m->om && strchr(le, '.') == NULL && strchr(le, 'e') == NULL)
				strcat(le, ".0"); /* OpenMetrics: a float */
			api_mx_label(m, "le", le);
			api_mx_end(m, (double)cum);
		}
		api_mx_target(m, "slamon_probe_duration_seconds_bucket", t);
		api_mx_label(m, "le", "+Inf");
		api_mx_end(m, (double)tm->count);
		api_mx_target(m, "slamon_probe_duration_seconds_sum", t);
		api_mx_end(m, tm->sum_s);
		api_mx_target(m, "slamon_probe_duration_seconds_count", t);
		api_mx_end(m, (double)tm->count);
	}
}

/* One report field per row, as a gauge; rows whose value is null are left out. */
static void
api_metrics_report(struct httpd *h, struct api_mx *m, json_t *rows, bool targets,
    const char *field, const char *name, const char *help, double scale)
{
	size_t i;
	json_t *r, *v;

	api_mx_family(m, name, API_MX_GAUGE, help);
	json_array_foreach(rows, i, r)
	{
		const char *n = json_string_value(json_object_get(r, "name"));
		const struct conf_target *t;

		if (n == NULL || !json_is_number(v = json_object_get(r, field)))
			continue;
		if (!targets) {
			api_mx_begin(m, name);
			api_mx_label(m, "component", n);
		} else if ((t = conf_target_find(h->src.conf, n)) != NULL)
			api_mx_target(m, name, t);
		else
			continue; /* a target of the month no longer configured */
		api_mx_end(m, json_number_value(v) * scale);
	}
}

static void
api_metrics_month(struct httpd *h, struct api_mx *m, time_t now)
{
	json_t *rep = api_report_month(h, now), *t, *c;

	if (rep == NULL)
		return;
	t = json_object_get(rep, "targets");
	c = json_object_get(rep, "components");
	api_metrics_report(h, m, t, true, "availability", "slamon_availability_ratio",
	    "Availability this month (announced maintenance excluded).", 0.01);
	api_metrics_report(h, m, c, false, "availability",
	    "slamon_component_availability_ratio",
	    "Availability of the component this month.", 0.01);
	api_metrics_report(h, m, t, true, "slo", "slamon_slo_ratio",
	    "The monthly availability objective.", 0.01);
	api_metrics_report(h, m, t, true, "error_budget_s",
	    "slamon_error_budget_seconds",
	    "Unplanned downtime the objective allows this whole month.", 1);
	api_metrics_report(h, m, t, true, "error_budget_left_s",
	    "slamon_error_budget_left_seconds",
	    "Error budget not yet used this month (negative: overspent).", 1);
	api_metrics_report(h, m, t, true, "down_s", "slamon_unplanned_downtime_seconds",
	    "Unplanned downtime this month.", 1);
	json_decref(rep);
}

static void
api_metrics_notify(struct httpd *h, struct api_mx *m, time_t now)
{
	struct notify_stats st[64];
	size_t n;
	static const char *const kinds[] = {"sent", "failed_attempt", "given_up"};

	(void)now;
	if (h->src.notify == NULL)
		return;
	n = notify_stats(h->src.notify, st, sizeof(st) / sizeof(st[0]));
	if (n > sizeof(st) / sizeof(st[0]))
		n = sizeof(st) / sizeof(st[0]);
	api_mx_family(m, "slamon_alert_deliveries_total", API_MX_COUNTER,
	    "Alert deliveries per channel: sent, failed attempts, given up.");
	for (size_t i = 0; i < n; i++) {
		uint64_t v[3] = {st[i].sent, st[i].failed_attempts, st[i].given_up};

		for (int k = 0; k < 3; k++) {
			api_mx_begin(m, "slamon_alert_deliveries_total");
			api_mx_label(m, "channel", st[i].channel);
			api_mx_label(m, "result", kinds[k]);
			api_mx_end(m, (double)v[k]);
		}
	}
	api_mx_family(m, "slamon_alert_deliveries_pending", API_MX_GAUGE,
	    "Alert deliveries queued, running or waiting to retry.");
	for (size_t i = 0; i < n; i++) {
		api_mx_begin(m, "slamon_alert_deliveries_pending");
		api_mx_label(m, "channel", st[i].channel);
		api_mx_end(m, (double)st[i].pending);
	}
}

/* A node of several locations: what went through NATS. */
static void
api_metrics_cluster(struct httpd *h, struct api_mx *m, time_t now)
{
	struct cluster_stats st;
	static const struct {
		const char *name;
		enum api_mx_type type;
		const char *help;
	} f[] = {
	    {"slamon_cluster_connected", API_MX_GAUGE,
		"Whether this node is connected to NATS."},
	    {"slamon_cluster_published_total", API_MX_COUNTER,
		"Results acknowledged by JetStream."},
	    {"slamon_cluster_buffered_total", API_MX_COUNTER,
		"Results written to the disk buffer while NATS was away."},
	    {"slamon_cluster_dropped_total", API_MX_COUNTER,
		"Results refused past the disk buffer's bound."},
	    {"slamon_cluster_buffer_bytes", API_MX_GAUGE,
		"Bytes of results waiting in the disk buffer."},
	    {"slamon_cluster_consumed_total", API_MX_COUNTER,
		"Results the aggregator read from the stream."},
	    {"slamon_cluster_backlog", API_MX_GAUGE,
		"Stream messages the aggregator has not read yet."},
	};
	double v[7];

	(void)now;
	if (h->src.cluster == NULL)
		return;
	cluster_stats(h->src.cluster, &st);
	v[0] = st.connected;
	v[1] = (double)st.published;
	v[2] = (double)st.buffered;
	v[3] = (double)st.dropped;
	v[4] = (double)st.buffer_bytes;
	v[5] = (double)st.consumed;
	v[6] = (double)st.backlog;
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		api_mx_family(m, f[i].name, f[i].type, f[i].help);
		api_mx_sample(m, f[i].name, v[i]);
	}
}

/* The prober's schedule (issue 17, prober.c): how late probes start, how
 * many wait for a slot, how many planned starts were skipped. */
static void
api_metrics_schedule(struct httpd *h, struct api_mx *m, time_t now)
{
	struct prober_stats st;
	unsigned long long cum = 0;
	char le[32];

	(void)now;
	if (h->src.prober == NULL)
		return;
	prober_stats(h->src.prober, &st);
	api_mx_family(m, "slamon_probe_start_lag_seconds", API_MX_HISTOGRAM,
	    "How late probes started: actual minus planned start.");
	for (int k = 0; k < PROBER_LAG_NBUCKETS; k++) {
		cum += st.lag_buckets[k];
		api_mx_begin(m, "slamon_probe_start_lag_seconds_bucket");
		snprintf(le, sizeof(le), "%g", prober_lag_buckets[k]);
		if (m->om && strchr(le, '.') == NULL && strchr(le, 'e') == NULL)
			strcat(le, ".0"); /* OpenMetrics: a float */
		api_mx_label(m, "le", le);
		api_mx_end(m, (double)cum);
	}
	api_mx_begin(m, "slamon_probe_start_lag_seconds_bucket");
	api_mx_label(m, "le", "+Inf");
	api_mx_end(m, (double)st.started);
	api_mx_sample(m, "slamon_probe_start_lag_seconds_sum", st.lag_sum_s);
	api_mx_sample(m, "slamon_probe_start_lag_seconds_count", (double)st.started);
	api_mx_family(m, "slamon_probes_waiting", API_MX_GAUGE,
	    "Probes due but not started: every slot taken (the limit).");
	api_mx_sample(m, "slamon_probes_waiting", (double)st.waiting);
	api_mx_family(
	    m, "slamon_probes_in_flight", API_MX_GAUGE, "Probes running now.");
	api_mx_sample(m, "slamon_probes_in_flight", (double)st.in_flight);
	api_mx_family(m, "slamon_probes_max_in_flight", API_MX_GAUGE,
	    "The cap on probes running at once (slamon.max_inflight).");
	api_mx_sample(m, "slamon_probes_max_in_flight", (double)st.max_inflight);
	api_mx_family(m, "slamon_probes_in_flight_limit", API_MX_GAUGE,
	    "The limit on probes running at once now: under max_inflight, "
	    "lower while the event loop's CPU is what probes lack.");
	api_mx_sample(m, "slamon_probes_in_flight_limit", (double)st.limit);
	api_mx_family(m, "slamon_probes_skipped_total", API_MX_COUNTER,
	    "Planned probe starts skipped because the target was still waiting.");
	api_mx_sample(m, "slamon_probes_skipped_total", (double)st.skipped);
	api_mx_family(m, "slamon_probe_overload", API_MX_GAUGE,
	    "Whether an overload episode is under way (probes start late).");
	api_mx_sample(m, "slamon_probe_overload", st.overloaded ? 1 : 0);
}

/* api-metrics-probe.c */
void api_metrics_probe_details(struct httpd *, struct api_mx *, time_t now);
/* api-metrics-isolate.c */
void api_metrics_isolate(struct httpd *, struct api_mx *, time_t now);

static void (*const api_metrics_sections[])(struct httpd *, struct api_mx *, time_t) = {
    api_metrics_build,
    api_metrics_targets,
    api_metrics_probes,
    api_metrics_probe_details,
    api_metrics_month,
    api_metrics_notify,
    api_metrics_cluster,
    api_metrics_schedule,
    api_metrics_isolate,
};

/* Prometheus asks with "application/openmetrics-text;version=1.0.0,..."; a
 * client that does not mention it gets the text format. */
static bool
api_metrics_wants_om(struct evhttp_request *req)
{
	const char *a = evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Accept");

	return a != NULL && strstr(a, "application/openmetrics-text") != NULL;
}

void
api_metrics_req(struct httpd *h, struct evhttp_request *req)
{
	struct api_mx m = {.b = evbuffer_new(), .om = api_metrics_wants_om(req)};
	time_t now = httpd_now(h);

	if (m.b == NULL)
		fatal("evbuffer_new");
	if (api_report_month_defer(h, req, api_metrics_req)) {
		evbuffer_free(m.b); /* again once a worker has the month (issue 20) */
		return;
	}
	for (size_t i = 0;
	     i < sizeof(api_metrics_sections) / sizeof(api_metrics_sections[0]); i++)
		api_metrics_sections[i](h, &m, now);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Vary", "Accept");
	if (m.om) {
		evbuffer_add_printf(m.b, "# EOF\n");
		httpd_send(req, 200,
		    "application/openmetrics-text; version=1.0.0; charset=utf-8", m.b);
	} else
		httpd_send(req, 200, "text/plain; version=0.0.4; charset=utf-8", m.b);
	evbuffer_free(m.b);
}
