/*
 * api-metrics.c - /metrics in the Prometheus text exposition format 0.0.4:
 * per target its state, a probe latency histogram, probes by result
 * reason, outage and alert counters (the engine's, since start), this
 * month's availability and error budget (the report's), and per alert
 * channel the deliveries (notify's). Label values are escaped as the
 * format requires (backslash, double quote, newline).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cluster.h"
#include "engine.h"
#include "httpd-priv.h"
#include "log.h"
#include "notify.h"

static void
api_metrics_label(struct evbuffer *b, const char *v)
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

static void
api_metrics_head(
    struct evbuffer *b, const char *name, const char *type, const char *help)
{
	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{target="..."[,extra]} (no value) */
static void
api_metrics_start(
    struct evbuffer *b, const char *name, const char *key, const char *val)
{
	evbuffer_add_printf(b, "%s{%s=\"", name, key);
	api_metrics_label(b, val);
	evbuffer_add(b, "\"", 1);
}

static void
api_metrics_value(struct evbuffer *b, double v)
{
	if (isnan(v))
		evbuffer_add_printf(b, "} NaN\n");
	else if (v == floor(v) && fabs(v) < 1e15)
		evbuffer_add_printf(b, "} %.0f\n", v);
	else
		evbuffer_add_printf(b, "} %.17g\n", v);
}

static void
api_metrics_targets(struct httpd *h, struct evbuffer *b, time_t now)
{
	const struct conf *c = h->src.conf;
	const struct engine *e = h->src.engine;
	size_t ne = e ? engine_ntargets(e) : 0;
	bool *in = xcalloc(c->ntargets + 1, sizeof(*in));
	struct engine_status st;

	api_maint_now(h, now, in);
	api_metrics_head(b, "slamon_target_up", "gauge",
	    "Whether the target is up (1) or down (0); NaN before its first probe.");
	for (size_t i = 0; i < c->ntargets; i++) {
		double v = NAN;

		if (i < ne) {
			engine_status(e, i, &st);
			v = st.kind == STATE_UP ? 1 : st.kind == STATE_DOWN ? 0 : NAN;
		}
		api_metrics_start(b, "slamon_target_up", "target", c->targets[i].name);
		evbuffer_add(b, ",component=\"", 12);
		api_metrics_label(b, c->targets[i].component);
		evbuffer_add(b, "\"", 1);
		api_metrics_value(b, v);
	}
	api_metrics_head(b, "slamon_target_failing", "gauge",
	    "Whether the target is failing without a confirmed outage yet.");
	for (size_t i = 0; i < c->ntargets && i < ne; i++) {
		engine_status(e, i, &st);
		api_metrics_start(
		    b, "slamon_target_failing", "target", c->targets[i].name);
		api_metrics_value(b, st.suspect ? 1 : 0);
	}
	api_metrics_head(b, "slamon_target_in_maintenance", "gauge",
	    "Whether the target is inside announced maintenance now.");
	for (size_t i = 0; i < c->ntargets; i++) {
		api_metrics_start(
		    b, "slamon_target_in_maintenance", "target", c->targets[i].name);
		api_metrics_value(b, in[i] ? 1 : 0);
	}
	api_metrics_head(b, "slamon_last_probe_timestamp_seconds", "gauge",
	    "When the target's last probe started.");
	for (size_t i = 0; i < c->ntargets && i < ne; i++) {
		engine_status(e, i, &st);
		if (st.last_probe == 0)
			continue;
		api_metrics_start(b, "slamon_last_probe_timestamp_seconds", "target",
		    c->targets[i].name);
		api_metrics_value(b, (double)st.last_probe);
	}
	api_metrics_head(b, "slamon_outages_total", "counter",
	    "Confirmed outages since the monitor started.");
	for (size_t i = 0; i < c->ntargets && i < ne; i++) {
		engine_status(e, i, &st);
		api_metrics_start(
		    b, "slamon_outages_total", "target", c->targets[i].name);
		api_metrics_value(b, (double)st.outages);
	}
	api_metrics_head(b, "slamon_alerts_total", "counter",
	    "Alerts decided since the monitor started.");
	for (size_t i = 0; i < c->ntargets && i < ne; i++) {
		engine_status(e, i, &st);
		api_metrics_start(
		    b, "slamon_alerts_total", "target", c->targets[i].name);
		api_metrics_value(b, (double)st.alerts);
	}
	free(in);
	if (c->cluster.enabled && e != NULL && c->cluster.role != CONF_ROLE_PROBE) {
		api_metrics_head(b, "slamon_location_up", "gauge",
		    "What each location sees of the target: up (1), down (0), "
		    "NaN before its first result or while it is silent.");
		for (size_t i = 0; i < c->ntargets && i < ne; i++)
			for (size_t l = 0; l < c->cluster.locations.n; l++) {
				enum state_kind k = engine_loc_kind(e, i, (int)l);

				api_metrics_start(b, "slamon_location_up", "target",
				    c->targets[i].name);
				evbuffer_add(b, ",location=\"", 11);
				api_metrics_label(b, c->cluster.locations.v[l]);
				evbuffer_add(b, "\"", 1);
				api_metrics_value(b,
				    k == STATE_UP	  ? 1
					: k == STATE_DOWN ? 0
							  : NAN);
			}
	}
}

/* A node of several locations: what went through NATS. */
static void
api_metrics_cluster(struct httpd *h, struct evbuffer *b)
{
	struct cluster_stats st;
	static const struct {
		const char *name, *type, *help;
	} m[] = {
	    {"slamon_cluster_connected", "gauge",
		"Whether this node is connected to NATS."},
	    {"slamon_cluster_published_total", "counter",
		"Results acknowledged by JetStream."},
	    {"slamon_cluster_buffered_total", "counter",
		"Results written to the disk buffer while NATS was away."},
	    {"slamon_cluster_dropped_total", "counter",
		"Results refused past the disk buffer's bound."},
	    {"slamon_cluster_buffer_bytes", "gauge",
		"Bytes of results waiting in the disk buffer."},
	    {"slamon_cluster_consumed_total", "counter",
		"Results the aggregator read from the stream."},
	    {"slamon_cluster_backlog", "gauge",
		"Stream messages the aggregator has not read yet."},
	};
	double v[7];

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
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		api_metrics_head(b, m[i].name, m[i].type, m[i].help);
		evbuffer_add_printf(b, "%s %.0f\n", m[i].name, v[i]);
	}
}

static void
api_metrics_probes(struct httpd *h, struct evbuffer *b)
{
	api_metrics_head(b, "slamon_probes_total", "counter",
	    "Probe results since the monitor started, by reason.");
	for (size_t i = 0; i < h->ntm; i++)
		for (int r = 0; r < PROBE_NREASONS; r++) {
			if (h->tm[i].reasons[r] == 0 && r != PROBE_OK)
				continue;
			api_metrics_start(
			    b, "slamon_probes_total", "target", h->tm[i].name);
			evbuffer_add_printf(b, ",reason=\"%s\"",
			    probe_reason_name((enum probe_reason)r));
			api_metrics_value(b, (double)h->tm[i].reasons[r]);
		}
	api_metrics_head(b, "slamon_probe_duration_seconds", "histogram",
	    "Latency of successful probes.");
	for (size_t i = 0; i < h->ntm; i++) {
		const struct httpd_tmetrics *m = &h->tm[i];
		unsigned long cum = 0;

		for (int k = 0; k < HTTPD_NBUCKETS; k++) {
			cum += m->buckets[k];
			api_metrics_start(b, "slamon_probe_duration_seconds_bucket",
			    "target", m->name);
			evbuffer_add_printf(b, ",le=\"%g\"", httpd_buckets[k]);
			api_metrics_value(b, (double)cum);
		}
		api_metrics_start(
		    b, "slamon_probe_duration_seconds_bucket", "target", m->name);
		evbuffer_add_printf(b, ",le=\"+Inf\"");
		api_metrics_value(b, (double)m->count);
		api_metrics_start(
		    b, "slamon_probe_duration_seconds_sum", "target", m->name);
		api_metrics_value(b, m->sum_s);
		api_metrics_start(
		    b, "slamon_probe_duration_seconds_count", "target", m->name);
		api_metrics_value(b, (double)m->count);
	}
}

/* One report field per row, as a gauge; rows whose value is null are left out. */
static void
api_metrics_report(struct evbuffer *b, json_t *rows, const char *key, const char *field,
    const char *name, const char *help, double scale)
{
	size_t i;
	json_t *r, *v;

	api_metrics_head(b, name, "gauge", help);
	json_array_foreach(rows, i, r)
	{
		const char *n = json_string_value(json_object_get(r, "name"));

		if (n == NULL || !json_is_number(v = json_object_get(r, field)))
			continue;
		api_metrics_start(b, name, key, n);
		api_metrics_value(b, json_number_value(v) * scale);
	}
}

static void
api_metrics_month(struct httpd *h, struct evbuffer *b, time_t now)
{
	json_t *rep = api_report_month(h, now), *t, *c;

	if (rep == NULL)
		return;
	t = json_object_get(rep, "targets");
	c = json_object_get(rep, "components");
	api_metrics_report(b, t, "target", "availability", "slamon_availability_ratio",
	    "Availability this month (announced maintenance excluded).", 0.01);
	api_metrics_report(b, c, "component", "availability",
	    "slamon_component_availability_ratio",
	    "Availability of the component this month.", 0.01);
	api_metrics_report(b, t, "target", "slo", "slamon_slo_ratio",
	    "The monthly availability objective.", 0.01);
	api_metrics_report(b, t, "target", "error_budget_s",
	    "slamon_error_budget_seconds",
	    "Unplanned downtime the objective allows this month so far.", 1);
	api_metrics_report(b, t, "target", "error_budget_left_s",
	    "slamon_error_budget_left_seconds",
	    "Error budget not yet used this month (negative: overspent).", 1);
	api_metrics_report(b, t, "target", "down_s",
	    "slamon_unplanned_downtime_seconds", "Unplanned downtime this month.", 1);
	json_decref(rep);
}

static void
api_metrics_notify(struct httpd *h, struct evbuffer *b)
{
	struct notify_stats st[64];
	size_t n;
	static const char *const kinds[] = {"sent", "failed_attempt", "given_up"};

	if (h->src.notify == NULL)
		return;
	n = notify_stats(h->src.notify, st, sizeof(st) / sizeof(st[0]));
	if (n > sizeof(st) / sizeof(st[0]))
		n = sizeof(st) / sizeof(st[0]);
	api_metrics_head(b, "slamon_alert_deliveries_total", "counter",
	    "Alert deliveries per channel: sent, failed attempts, given up.");
	for (size_t i = 0; i < n; i++) {
		uint64_t v[3] = {st[i].sent, st[i].failed_attempts, st[i].given_up};

		for (int k = 0; k < 3; k++) {
			api_metrics_start(b, "slamon_alert_deliveries_total", "channel",
			    st[i].channel);
			evbuffer_add_printf(b, ",result=\"%s\"", kinds[k]);
			api_metrics_value(b, (double)v[k]);
		}
	}
	api_metrics_head(b, "slamon_alert_deliveries_pending", "gauge",
	    "Alert deliveries queued, running or waiting to retry.");
	for (size_t i = 0; i < n; i++) {
		api_metrics_start(
		    b, "slamon_alert_deliveries_pending", "channel", st[i].channel);
		api_metrics_value(b, (double)st[i].pending);
	}
}

void
api_metrics_req(struct httpd *h, struct evhttp_request *req)
{
	struct evbuffer *b = evbuffer_new();
	time_t now = httpd_now(h);

	if (b == NULL)
		fatal("evbuffer_new");
	api_metrics_targets(h, b, now);
	api_metrics_probes(h, b);
	api_metrics_month(h, b, now);
	api_metrics_notify(h, b);
	api_metrics_cluster(h, b);
	httpd_send(req, 200, "text/plain; version=0.0.4; charset=utf-8", b);
	evbuffer_free(b);
}
