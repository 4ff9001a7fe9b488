/*
 * api-status.c - the Statuspage v2 page, components and status:
 * /api/v2/summary.json, /api/v2/status.json, /api/v2/components.json.
 *
 * A component is the `component` of its targets (design.md 4): down when
 * any of its targets is down outside announced maintenance (major_outage
 * when all are, partial_outage when some), under_maintenance when a target
 * is in announced maintenance, degraded_performance when a target is
 * failing but not yet confirmed down or is up but slower than its
 * latency_slo_ms (its last probe; README "Contract terms"), operational
 * otherwise. A target
 * that has not been probed yet does not change its component's status.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "httpd-priv.h"
#include "log.h"

enum api_tstate {
	API_T_UNKNOWN,
	API_T_UP,
	API_T_SUSPECT,
	API_T_MAINT,
	API_T_DOWN,
	API_T_SLOW
};

static const char *const api_tstate_name[] = {
    "unknown",
    "up",
    "failing",
    "maintenance",
    "down",
    "degraded",
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
	return json_pack("{s:s,s:s,s:s,s:s,s:o}", "id", id, "name",
	    h->src.conf->page.title ? h->src.conf->page.title : "slamon", "url", u,
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
	/* up, but its last probe missed the latency objective */
	if (st->kind == STATE_UP && st->last_ok &&
	    h->src.conf->targets[i].t.latency_slo_ms > 0 &&
	    isfinite(st->last_latency_ms) &&
	    st->last_latency_ms > (double)h->src.conf->targets[i].t.latency_slo_ms)
		return API_T_SLOW;
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

/* The worse of two component statuses, for a group. */
static const char *
api_status_worse(const char *a, const char *b)
{
	static const char *const rank[] = {"operational", "under_maintenance",
	    "degraded_performance", "partial_outage", "major_outage"};
	int ra = 0, rb = 0;

	for (int i = 0; i < 5; i++) {
		if (strcmp(a, rank[i]) == 0)
			ra = i;
		if (strcmp(b, rank[i]) == 0)
			rb = i;
	}
	return rb > ra ? rank[rb] : rank[ra];
}

/* One component's status and the time of its latest probe; its targets. */
static json_t *
api_status_one(struct httpd *h, const char *comp, const bool *in_maint,
    const char **status, time_t *updated)
{
	const struct conf *c = h->src.conf;
	size_t n = 0, ndown = 0, nmaint = 0, nsuspect = 0;
	json_t *targets = json_array();
	struct engine_status st;

	*updated = 0;
	for (size_t k = 0; k < c->ntargets; k++) {
		enum api_tstate s;

		if (strcmp(c->targets[k].component, comp) != 0)
			continue;
		s = api_status_target(h, k, in_maint[k], &st);
		n++;
		ndown += s == API_T_DOWN;
		nmaint += s == API_T_MAINT;
		nsuspect += s == API_T_SUSPECT || s == API_T_SLOW;
		if (st.last_probe > *updated)
			*updated = st.last_probe;
		json_array_append_new(
		    targets, api_status_target_json(&c->targets[k], s, &st));
	}
	if (n > 0 && ndown == n)
		*status = "major_outage";
	else if (ndown > 0)
		*status = "partial_outage";
	else if (nmaint > 0)
		*status = "under_maintenance";
	else if (nsuspect > 0)
		*status = "degraded_performance";
	else
		*status = "operational";
	return targets;
}

/*
 * The visible components in the page's order: page.order first, then the
 * rest in the order of the configuration. names has room for ntargets.
 */
size_t
api_status_order(const struct conf *c, const char **names)
{
	size_t n = 0;

	for (size_t i = 0; i < c->page.order.n; i++)
		if (!conf_page_hidden(c, c->page.order.v[i]))
			names[n++] = c->page.order.v[i];
	for (size_t i = 0; i < c->ntargets; i++) {
		const char *comp = c->targets[i].component;
		bool seen = conf_page_hidden(c, comp);

		for (size_t k = 0; k < n && !seen; k++)
			seen = strcmp(names[k], comp) == 0;
		if (!seen)
			names[n++] = comp;
	}
	return n;
}

static const struct conf_page_group *
api_status_group_of(const struct conf *c, const char *comp)
{
	for (size_t g = 0; g < c->page.ngroups; g++)
		for (size_t k = 0; k < c->page.groups[g].components.n; k++)
			if (strcmp(c->page.groups[g].components.v[k], comp) == 0)
				return &c->page.groups[g];
	return NULL;
}

/*
 * Components as Statuspage has them: a group is a component with
 * "group": true and the ids of its members, placed where its first member
 * would be, its members after it with "group_id". created_at is when
 * monitoring began (the journal's first record), so it never moves.
 */
json_t *
api_status_components(struct httpd *h, time_t now)
{
	const struct conf *c = h->src.conf;
	json_t *out = json_array(), *page = api_status_page(h, now);
	const char *page_id = json_string_value(json_object_get(page, "id"));
	bool *in_maint = xcalloc(c->ntargets + 1, sizeof(*in_maint));
	const char **names = xcalloc(c->ntargets + 1, sizeof(*names));
	bool *done = xcalloc(c->ntargets + 1, sizeof(*done));
	size_t n;
	time_t created;
	int position = 0;

	if (api_incidents_load(h) == -1)
		log_warnx("httpd: cannot read the journal");
	created = h->jfirst ? h->jfirst : now;
	api_maint_now(h, now, in_maint);
	n = api_status_order(c, names);
	for (size_t i = 0; i < n; i++) {
		const struct conf_page_group *g = api_status_group_of(c, names[i]);
		size_t first = json_array_size(out);
		const char *gstatus = "operational";
		json_t *members = json_array(), *gj = NULL;
		char gid[HTTPD_ID_LEN + 1];
		time_t gupdated = 0;

		if (done[i]) {
			json_decref(members);
			continue;
		}
		if (g != NULL)
			httpd_id("group", g->name, 0, gid);
		for (size_t k = i; k < n; k++) {
			const char *status;
			char id[HTTPD_ID_LEN + 1];
			time_t updated;
			json_t *targets, *cj;

			if (done[k] ||
			    (k != i &&
				(g == NULL || api_status_group_of(c, names[k]) != g)))
				continue;
			done[k] = true;
			targets = api_status_one(
			    h, names[k], in_maint, &status, &updated);
			if (updated == 0)
				updated = now;
			httpd_id("component", names[k], 0, id);
			cj = json_pack(
			    "{s:s,s:s,s:s,s:o,s:o,s:i,s:n,s:b,s:n,s:o,s:s,s:b,"
			    "s:b,s:o}",
			    "id", id, "name", names[k], "status", status, "created_at",
			    httpd_time(created < updated ? created : updated),
			    "updated_at", httpd_time(updated), "position", 0,
			    "description", "showcase", true, "start_date", "group_id",
			    g ? json_string(gid) : json_null(), "page_id", page_id,
			    "group", false, "only_show_if_degraded", false, "targets",
			    targets);
			json_array_append_new(out, cj);
			json_array_append_new(members, json_string(id));
			gstatus = api_status_worse(gstatus, status);
			if (updated > gupdated)
				gupdated = updated;
			if (g == NULL)
				break;
		}
		if (g != NULL) {
			gj = json_pack(
			    "{s:s,s:s,s:s,s:o,s:o,s:i,s:n,s:b,s:n,s:n,s:s,s:b,"
			    "s:b,s:o}",
			    "id", gid, "name", g->name, "status", gstatus, "created_at",
			    httpd_time(created < gupdated ? created : gupdated),
			    "updated_at", httpd_time(gupdated), "position", 0,
			    "description", "showcase", false, "start_date", "group_id",
			    "page_id", page_id, "group", true, "only_show_if_degraded",
			    false, "components", members);
			json_array_insert_new(out, first, gj);
		} else
			json_decref(members);
	}
	for (size_t i = 0; i < json_array_size(out); i++)
		json_object_set_new(
		    json_array_get(out, i), "position", json_integer(++position));
	json_decref(page);
	free(in_maint);
	free(names);
	free(done);
	return out;
}

/* name -> the component as components.json has it now, without its targets */
json_t *
api_status_by_name(struct httpd *h, time_t now)
{
	json_t *comps = api_status_components(h, now), *out = json_object(), *c;
	size_t i;

	json_array_foreach(comps, i, c)
	{
		json_object_del(c, "targets");
		json_object_set(out, json_string_value(json_object_get(c, "name")), c);
	}
	json_decref(comps);
	return out;
}

/*
 * The component object an incident or a maintenance lists (Statuspage
 * gives the whole component there), with the status it has in that
 * context. NULL when the component is not shown (hidden, or gone).
 */
json_t *
api_status_component_as(json_t *by_name, const char *name, const char *status)
{
	json_t *c = json_object_get(by_name, name), *out;

	if (c == NULL)
		return NULL;
	out = json_deep_copy(c);
	json_object_set_new(out, "status", json_string(status));
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

		if (json_is_true(json_object_get(c, "group"))) {
			n--; /* a group repeats its members */
			continue;
		}

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
