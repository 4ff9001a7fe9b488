/*
 * api-status.c - the Statuspage v2 page, components and status:
 * /api/v2/summary.json, /api/v2/status.json, /api/v2/components.json.
 *
 * A component is the `component` of its targets (design.md 4): down when
 * any of its targets is down outside announced maintenance (major_outage
 * when all are, partial_outage when some), under_maintenance when a target
 * is in announced maintenance, degraded_performance when a target is
 * failing but not yet confirmed down, operational otherwise. A target
 * that has not been probed yet does not change its component's status.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "httpd-priv.h"
#include "log.h"

enum api_tstate { API_T_UNKNOWN, API_T_UP, API_T_SUSPECT, API_T_MAINT, API_T_DOWN };

static const char *const api_tstate_name[] = {
    "unknown",
    "up",
    "failing",
    "maintenance",
    "down",
};

static const char *
api_status_url(struct httpd *h, char *buf, size_t len)
{
	const struct conf *c = h->src.conf;

	if (c->public_url != NULL && *c->public_url != '\0')
		return c->public_url;
	snprintf(buf, len, "http://%s/", c->listen ? c->listen : "");
	return buf;
}

json_t *
api_status_page(struct httpd *h, time_t now)
{
	char id[HTTPD_ID_LEN + 1], url[300];
	const char *u = api_status_url(h, url, sizeof(url));

	httpd_id("page", u, 0, id);
	return json_pack("{s:s,s:s,s:s,s:s,s:o}", "id", id, "name", "slamon", "url", u,
	    "time_zone", h->src.conf->timezone, "updated_at", httpd_time(now));
}

static enum api_tstate
api_status_target(struct httpd *h, size_t i, bool in_maint, struct engine_status *st)
{
	memset(st, 0, sizeof(*st));
	st->kind = STATE_UNKNOWN;
	if (h->src.engine == NULL || i >= engine_ntargets(h->src.engine))
		return in_maint ? API_T_MAINT : API_T_UNKNOWN;
	engine_status(h->src.engine, i, st);
	if (in_maint)
		return API_T_MAINT;
	if (st->kind == STATE_DOWN)
		return API_T_DOWN;
	if (st->suspect)
		return API_T_SUSPECT;
	return st->kind == STATE_UP ? API_T_UP : API_T_UNKNOWN;
}

static json_t *
api_status_target_json(
    const struct conf_target *t, enum api_tstate s, const struct engine_status *st)
{
	json_t *j = json_pack("{s:s,s:s,s:s}", "name", t->name, "type", t->type,
	    "state", api_tstate_name[s]);

	json_object_set_new(j, "last_probe", httpd_time(st->last_probe));
	json_object_set_new(j, "latency_ms",
	    st->last_probe && st->last_ok && isfinite(st->last_latency_ms)
		? json_real(st->last_latency_ms)
		: json_null());
	json_object_set_new(j, "outage_start", httpd_time(st->outage_start));
	json_object_set_new(j, "reason",
	    st->last_probe && !st->last_ok ? json_string(st->reason) : json_null());
	json_object_set_new(j, "graph", json_sprintf("/graph/%s.svg", t->name));
	return j;
}

json_t *
api_status_components(struct httpd *h, time_t now)
{
	const struct conf *c = h->src.conf;
	json_t *out = json_array(), *page = api_status_page(h, now);
	const char *page_id = json_string_value(json_object_get(page, "id"));
	bool *in_maint = xcalloc(c->ntargets + 1, sizeof(*in_maint));
	bool *done = xcalloc(c->ntargets + 1, sizeof(*done));
	struct engine_status st;
	int position = 0;

	api_maint_now(h, now, in_maint);
	for (size_t i = 0; i < c->ntargets; i++) {
		const char *comp = c->targets[i].component, *status;
		size_t n = 0, ndown = 0, nmaint = 0, nsuspect = 0;
		time_t updated = 0;
		json_t *targets, *cj;
		char id[HTTPD_ID_LEN + 1];

		if (done[i])
			continue;
		targets = json_array();
		for (size_t k = i; k < c->ntargets; k++) {
			enum api_tstate s;

			if (strcmp(c->targets[k].component, comp) != 0)
				continue;
			done[k] = true;
			s = api_status_target(h, k, in_maint[k], &st);
			n++;
			ndown += s == API_T_DOWN;
			nmaint += s == API_T_MAINT;
			nsuspect += s == API_T_SUSPECT;
			if (st.last_probe > updated)
				updated = st.last_probe;
			json_array_append_new(
			    targets, api_status_target_json(&c->targets[k], s, &st));
		}
		if (ndown == n)
			status = "major_outage";
		else if (ndown > 0)
			status = "partial_outage";
		else if (nmaint > 0)
			status = "under_maintenance";
		else if (nsuspect > 0)
			status = "degraded_performance";
		else
			status = "operational";
		httpd_id("component", comp, 0, id);
		cj = json_pack(
		    "{s:s,s:s,s:s,s:o,s:o,s:i,s:n,s:b,s:n,s:n,s:s,s:b,s:b,s:o}", "id",
		    id, "name", comp, "status", status, "created_at", httpd_time(now),
		    "updated_at", httpd_time(updated ? updated : now), "position",
		    ++position, "description", "showcase", true, "start_date",
		    "group_id", "page_id", page_id, "group", false,
		    "only_show_if_degraded", false, "targets", targets);
		json_array_append_new(out, cj);
	}
	json_decref(page);
	free(in_maint);
	free(done);
	return out;
}

/* status{indicator, description} of a components array. */
json_t *
api_status_indicator(json_t *components)
{
	size_t i, n = json_array_size(components), nmajor = 0, nminor = 0, nmaint = 0;
	const char *ind, *desc;
	json_t *c;

	json_array_foreach(components, i, c)
	{
		const char *s = json_string_value(json_object_get(c, "status"));

		if (strcmp(s, "major_outage") == 0)
			nmajor++;
		else if (strcmp(s, "partial_outage") == 0 ||
		    strcmp(s, "degraded_performance") == 0)
			nminor++;
		else if (strcmp(s, "under_maintenance") == 0)
			nmaint++;
	}
	if (n > 0 && nmajor == n) {
		ind = "critical";
		desc = "Major System Outage";
	} else if (nmajor > 0) {
		ind = "major";
		desc = "Partial System Outage";
	} else if (nminor > 0) {
		ind = "minor";
		desc = "Minor Service Outage";
	} else if (nmaint > 0) {
		ind = "maintenance";
		desc = "Service Under Maintenance";
	} else {
		ind = "none";
		desc = "All Systems Operational";
	}
	return json_pack("{s:s,s:s}", "indicator", ind, "description", desc);
}

void
api_status_summary(struct httpd *h, struct evhttp_request *req)
{
	time_t now = httpd_now(h);
	json_t *comps = api_status_components(h, now), *j;
	json_t *maint = api_maint(h, now, API_MAINT_UPCOMING);
	json_t *active = api_maint(h, now, API_MAINT_ACTIVE);

	/* Statuspage's summary lists the maintenances that are active or upcoming */
	json_array_extend(active, maint);
	json_decref(maint);
	j = json_pack("{s:o,s:O,s:o,s:o,s:o}", "page", api_status_page(h, now),
	    "components", comps, "incidents", api_incidents(h, now, true),
	    "scheduled_maintenances", active, "status", api_status_indicator(comps));
	json_decref(comps);
	httpd_send_json(req, 200, j);
}

void
api_status_status(struct httpd *h, struct evhttp_request *req)
{
	time_t now = httpd_now(h);
	json_t *comps = api_status_components(h, now);

	httpd_send_json(req, 200,
	    json_pack("{s:o,s:o}", "page", api_status_page(h, now), "status",
		api_status_indicator(comps)));
	json_decref(comps);
}

void
api_status_components_req(struct httpd *h, struct evhttp_request *req)
{
	time_t now = httpd_now(h);

	httpd_send_json(req, 200,
	    json_pack("{s:o,s:o}", "page", api_status_page(h, now), "components",
		api_status_components(h, now)));
}
