/*
 * api-incidents.c - Statuspage v2 incidents from the journal, the record of
 * incidents (design.md 5), as a reader of the status page understands them
 * (history.h): the seconds of an outage inside announced maintenance that
 * applies to its target belong to the maintenance (api-maint.c shows
 * them); the rest is an incident, which starts at its first unplanned
 * second, and outages of one component's targets that overlap are one
 * incident with a timeline per target and the windows it touched.
 *
 * /api/v2/incidents.json: the latest API_INCIDENTS_MAX, newest first;
 * /api/v2/incidents/unresolved.json: the open ones; /api/v2/incidents/<id>.json:
 * one; /api/v1/history.json: every incident and the past maintenance that
 * mattered (one-off windows, and a recurring one an outage outlasted), for the
 * page's history. The journal is read again only when its size or mtime
 * changed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "history.h"
#include "httpd-priv.h"
#include "journal.h"
#include "log.h"
#include "report.h"

#define API_INCIDENTS_MAX 50 /* incidents.json: the latest, like Statuspage */

struct api_inc_read {
	struct httpd_incident *v;
	size_t n, cap;
	time_t first; /* the journal's first record: when monitoring began */
};

static struct httpd_incident *
api_inc_open(struct api_inc_read *r, const char *target)
{
	for (size_t i = r->n; i-- > 0;)
		if (r->v[i].end == 0 && strcmp(r->v[i].target, target) == 0)
			return &r->v[i];
	return NULL;
}

static struct httpd_incident *
api_inc_find(struct api_inc_read *r, const char *target, time_t start)
{
	for (size_t i = r->n; i-- > 0;)
		if (r->v[i].start == start && strcmp(r->v[i].target, target) == 0)
			return &r->v[i];
	return NULL;
}

static void
api_inc_record_cb(void *arg, json_t *rec, int line)
{
	struct api_inc_read *r = arg;
	const char *ev = json_string_value(json_object_get(rec, "event"));
	const char *target = json_string_value(json_object_get(rec, "target"));
	struct httpd_incident *inc;
	time_t start = 0, t = 0;

	(void)line;
	if (r->first == 0 && journal_get_time(rec, "time", &t) == 0)
		r->first = t;
	if (ev == NULL || target == NULL || strlen(target) >= sizeof(inc->target))
		return;
	if (strcmp(ev, "outage_start") == 0) {
		if (journal_get_time(rec, "start", &start) == -1 ||
		    api_inc_find(r, target, start) != NULL)
			return;
		/* a restart may leave one open without an end: the new one replaces it */
		if ((inc = api_inc_open(r, target)) != NULL)
			inc->end = start;
		if (r->n == r->cap) {
			r->cap = r->cap ? r->cap * 2 : 64;
			r->v = xreallocarray(r->v, r->cap, sizeof(*r->v));
		}
		inc = &r->v[r->n++];
		memset(inc, 0, sizeof(*inc));
		snprintf(inc->target, sizeof(inc->target), "%s", target);
		inc->start = start;
		journal_names(
		    rec, "locations", ", ", inc->locations, sizeof(inc->locations));
		return;
	}
	if (strcmp(ev, "outage_end") == 0) {
		if (journal_get_time(rec, "start", &start) == -1 ||
		    journal_get_time(rec, "end", &t) == -1 ||
		    (inc = api_inc_find(r, target, start)) == NULL)
			return;
		inc->end = t;
		inc->down_s = (long)json_integer_value(json_object_get(rec, "down_s"));
		inc->unplanned_s = (long)json_integer_value(
		    json_object_get(rec, "unplanned_s"));
		inc->maintenance_s = (long)json_integer_value(
		    json_object_get(rec, "maintenance_s"));
		journal_names(
		    rec, "locations", ", ", inc->locations, sizeof(inc->locations));
		return;
	}
	if (strcmp(ev, "alert") == 0 || strcmp(ev, "recovery") == 0) {
		if (journal_get_time(rec, "outage_start", &start) == -1 ||
		    journal_get_time(rec, "time", &t) == -1 ||
		    (inc = api_inc_find(r, target, start)) == NULL)
			return;
		if (ev[0] == 'a') {
			if (!inc->alerted)
				inc->alert_at = t;
			inc->alerted = true;
		} else
			inc->recovery_at = t;
	}
}

static void
api_inc_warn_cb(void *arg, const char *msg)
{
	(void)arg;
	log_debug("httpd: journal: %s", msg);
}

/* Read the journal again when it changed. 0, or -1 (the old list stays). */
int
api_incidents_load(struct httpd *h)
{
	struct api_inc_read r = {0};
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/journal.jsonl", h->src.conf->state_dir);
	if (stat(path, &st) == -1)
		memset(&st, 0, sizeof(st));
	if (h->jread && st.st_size == h->jsize &&
	    st.st_mtim.tv_sec == h->jmtime.tv_sec &&
	    st.st_mtim.tv_nsec == h->jmtime.tv_nsec)
		return 0;
	if (journal_read(
		h->src.conf->state_dir, api_inc_record_cb, api_inc_warn_cb, &r) == -1) {
		free(r.v);
		return -1;
	}
	free(h->inc);
	h->inc = r.v;
	h->ninc = r.n;
	h->jfirst = r.first;
	h->jsize = st.st_size;
	h->jmtime = st.st_mtim;
	h->jread = true;
	return 0;
}

/* --- the model: outages split at windows, grouped per component ---------- */

struct api_hist {
	struct cal_occ *occ; /* announced or not; api_hist_applies filters */
	size_t nocc;
	const char **comps; /* component names, configuration order */
	size_t ncomp;
	struct history_item *items;
	size_t nitems;
	struct history_group *groups; /* newest first after api_hist_build */
	size_t ngroups;
};

static bool
api_hist_applies(const struct cal_occ *o, const struct conf_target *t)
{
	return o->announced &&
	    (o->napplies == 0 || conf_applies_to(o->applies, o->napplies, t));
}

static size_t
api_hist_comp(struct api_hist *x, const char *name)
{
	for (size_t i = 0; i < x->ncomp; i++)
		if (strcmp(x->comps[i], name) == 0)
			return i;
	x->comps[x->ncomp] = name;
	return x->ncomp++;
}

static int
api_hist_group_cmp(const void *a, const void *b)
{
	const struct history_group *x = a, *y = b;

	return x->start < y->start ? 1 : x->start > y->start ? -1 : 0;
}

static void
api_hist_free(struct api_hist *x)
{
	free(x->occ);
	free(x->comps);
	free(x->items);
	free(x->groups);
}

static void
api_hist_build(struct httpd *h, time_t now, struct api_hist *x)
{
	const struct conf *c = h->src.conf;
	struct history_span *spans, piece;
	time_t from = now;

	memset(x, 0, sizeof(*x));
	if (api_incidents_load(h) == -1)
		log_warnx("httpd: cannot read the journal; incidents may be stale");
	for (size_t i = 0; i < h->ninc; i++)
		if (h->inc[i].start < from)
			from = h->inc[i].start;
	if (h->src.cal != NULL && h->ninc > 0 &&
	    calendar_expand(h->src.cal, from, now + 1, &x->occ, &x->nocc) == -1)
		log_warnx("httpd: cannot expand the calendar");
	x->comps = xcalloc(c->ntargets + 1, sizeof(*x->comps));
	for (size_t i = 0; i < c->ntargets; i++)
		api_hist_comp(x, c->targets[i].component);
	x->items = xcalloc(h->ninc + 1, sizeof(*x->items));
	x->groups = xcalloc(h->ninc + 1, sizeof(*x->groups));
	spans = xcalloc(x->nocc + 1, sizeof(*spans));
	for (size_t i = 0; i < h->ninc; i++) {
		const struct httpd_incident *o = &h->inc[i];
		const struct conf_target *t = conf_target_find(c, o->target);
		time_t end = o->end ? o->end : now;
		size_t ns = 0;

		/* a target no longer configured, or hidden, is no longer shown */
		if (t == NULL || o->start > now || conf_page_hidden(c, t->component))
			continue;
		for (size_t k = 0; k < x->nocc; k++)
			if (api_hist_applies(&x->occ[k], t) && x->occ[k].start < end &&
			    x->occ[k].end > o->start)
				spans[ns++] = (struct history_span){
				    x->occ[k].start, x->occ[k].end};
		if (history_unplanned(o->start, end, spans, ns, &piece, 1) == 0)
			continue; /* all of it inside maintenance */
		x->items[x->nitems++] = (struct history_item){
		    api_hist_comp(x, t->component), piece.start, o->end, i};
	}
	free(spans);
	x->ngroups = history_group(x->items, x->nitems, x->groups);
	qsort(x->groups, x->ngroups, sizeof(*x->groups), api_hist_group_cmp);
}

/* --- Statuspage JSON ------------------------------------------------------- */

struct api_upd {
	time_t t;
	const char *status;
	char body[600];
	const char *old_s, *new_s;
};

static int
api_upd_rank(const char *status)
{
	return strcmp(status, "resolved") == 0 ? 2 : strcmp(status, "identified") == 0;
}

static int
api_upd_cmp(const void *a, const void *b)
{
	const struct api_upd *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? 1 : -1;
	/* an alert in the second of the recovery: resolved still comes last */
	return api_upd_rank(y->status) - api_upd_rank(x->status);
}

static json_t *
api_inc_windows(struct api_hist *x, const struct httpd_incident *o,
    const struct conf_target *t, time_t now, json_t *seen)
{
	time_t end = o->end ? o->end : now;

	for (size_t k = 0; k < x->nocc; k++) {
		const struct cal_occ *w = &x->occ[k];
		char key[HTTPD_ID_LEN + 1];

		if (!api_hist_applies(w, t) || w->start >= end || w->end <= o->start)
			continue;
		httpd_id("maintenance", w->name, w->start, key);
		if (json_object_get(seen, key) != NULL)
			continue;
		json_object_set_new(seen, key,
		    json_pack("{s:s,s:s,s:s,s:o,s:o}", "id", key, "window", w->name,
			"name", w->description ? w->description : w->name, "start",
			httpd_time(w->start), "end", httpd_time(w->end)));
	}
	return seen;
}

static json_t *
api_inc_json(struct httpd *h, struct api_hist *x, const struct history_group *g,
    json_t *page, json_t *live, time_t now)
{
	const struct conf *c = h->src.conf;
	const char *comp = x->comps[g->comp], *page_id, *during, *url;
	char id[HTTPD_ID_LEN + 1], cid[HTTPD_ID_LEN + 1], d1[64], d2[64], d3[64];
	char names[512] = "";
	struct api_upd *u = xcalloc(g->n + 3, sizeof(*u));
	json_t *updates = json_array(), *timeline = json_array(), *seen = json_object();
	json_t *windows = json_array(), *j, *v;
	long down = 0, unplanned = 0, maint = 0;
	size_t nu = 0, ntc = 0, ndown = 0;
	time_t alert_at = 0;
	bool alerted = false;
	const char *key;

	page_id = json_string_value(json_object_get(page, "id"));
	url = json_string_value(json_object_get(page, "url"));
	httpd_id("incident", comp, g->start, id);
	httpd_id("component", comp, 0, cid);
	for (size_t i = 0; i < c->ntargets; i++)
		ntc += strcmp(c->targets[i].component, comp) == 0;
	for (size_t i = 0; i < g->n; i++) {
		const struct history_item *it = &x->items[g->first + i];
		const struct httpd_incident *o = &h->inc[it->outage];
		const struct conf_target *t = conf_target_find(c, o->target);
		bool again = false;

		for (size_t m = 0; m < i; m++)
			again = again ||
			    strcmp(h->inc[x->items[g->first + m].outage].target,
				o->target) == 0;
		if (!again) {
			ndown++;
			if (strlen(names) + strlen(o->target) + 3 < sizeof(names))
				snprintf(names + strlen(names),
				    sizeof(names) - strlen(names), "%s%s",
				    *names ? ", " : "", o->target);
		}
		down += o->end ? o->down_s : (long)(now - o->start);
		unplanned += o->end ? o->unplanned_s : (long)(now - it->start);
		maint += o->end ? o->maintenance_s : (long)(it->start - o->start);
		if (o->alerted && (!alerted || o->alert_at < alert_at))
			alert_at = o->alert_at;
		alerted = alerted || o->alerted;
		json_array_append_new(timeline,
		    json_pack("{s:s,s:o,s:o,s:o,s:I,s:o,s:o,s:b}", "target", o->target,
			"start", httpd_time(o->start), "unplanned_from",
			httpd_time(it->start), "end", httpd_time(o->end), "down_s",
			(json_int_t)(o->end ? o->down_s : (long)(now - o->start)),
			"unplanned_s",
			o->end ? json_integer(o->unplanned_s) : json_null(),
			"maintenance_s",
			o->end ? json_integer(o->maintenance_s) : json_null(),
			"alerted", o->alerted));
		if (o->locations[0]) /* several locations: which saw it */
			json_object_set_new(
			    json_array_get(timeline, json_array_size(timeline) - 1),
			    "seen_from", json_string(o->locations));
		if (t != NULL)
			api_inc_windows(x, o, t, now, seen);
		if (i == 0) {
			u[nu].t = it->start;
			u[nu].status = "investigating";
			if (it->start > o->start)
				snprintf(u[nu].body, sizeof(u[nu].body),
				    "%s (%s) was still down when the announced "
				    "maintenance ended; the time since counts as "
				    "unplanned. We are investigating.",
				    o->target, comp);
			else
				snprintf(u[nu].body, sizeof(u[nu].body),
				    "%s (%s) is not responding. We are investigating.",
				    o->target, comp);
			nu++;
		} else if (!again) {
			u[nu].t = it->start;
			u[nu].status = "investigating";
			snprintf(u[nu].body, sizeof(u[nu].body),
			    "%s (%s) is not responding either.", o->target, comp);
			nu++;
		}
	}
	/* what the component is while the incident lasts: as the summary says when open */
	during = ndown >= ntc ? "major_outage" : "partial_outage";
	if (g->end == 0 &&
	    (v = json_object_get(json_object_get(live, comp), "status")) != NULL &&
	    strcmp(json_string_value(v), "operational") != 0)
		during = json_string_value(v);
	for (size_t i = 0; i < nu; i++)
		u[i].old_s = i == 0 ? "operational" : during, u[i].new_s = during;
	if (alerted) {
		const struct conf_target *t = conf_target_find(
		    c, h->inc[x->items[g->first].outage].target);

		u[nu].t = alert_at;
		u[nu].status = "identified";
		snprintf(u[nu].body, sizeof(u[nu].body),
		    "%s has been down longer than the alert threshold (%s "
		    "unplanned); on-call has been alerted.",
		    comp, report_duration(t ? t->t.alert_after : 0, d1, sizeof(d1)));
		u[nu].old_s = u[nu].new_s = during;
		nu++;
	}
	if (g->end != 0) {
		u[nu].t = g->end;
		u[nu].status = "resolved";
		snprintf(u[nu].body, sizeof(u[nu].body),
		    "%s is back up after %s: %s unplanned, %s within announced "
		    "maintenance.",
		    names, report_duration(down, d1, sizeof(d1)),
		    report_duration(unplanned, d2, sizeof(d2)),
		    report_duration(maint, d3, sizeof(d3)));
		u[nu].old_s = during;
		u[nu].new_s = "operational";
		nu++;
	}
	qsort(u, nu, sizeof(*u), api_upd_cmp);
	for (size_t i = 0; i < nu; i++) {
		char uid[HTTPD_ID_LEN + 1];

		httpd_id(id, u[i].status, u[i].t, uid);
		json_array_append_new(updates,
		    json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:[{s:s,s:s,s:s,s:s}],s:b,"
			      "s:n,s:n}",
			"id", uid, "status", u[i].status, "body", u[i].body,
			"incident_id", id, "created_at", httpd_time(u[i].t),
			"updated_at", httpd_time(u[i].t), "display_at",
			httpd_time(u[i].t), "affected_components", "code", cid, "name",
			comp, "old_status", u[i].old_s, "new_status", u[i].new_s,
			"deliver_notifications", true, "custom_tweet", "tweet_id"));
	}
	json_object_foreach(seen, key, v) json_array_append(windows, v);
	j = json_pack("{s:s,s:s,s:s,s:o,s:o,s:n,s:o,s:s,s:o,s:o,s:s,s:o,s:"
		      "[{s:s,s:s,s:s,s:s}]}",
	    "id", id, "name", "", "status",
	    g->end	  ? "resolved"
		: alerted ? "identified"
			  : "investigating",
	    "created_at", httpd_time(g->start), "updated_at",
	    httpd_time(nu ? u[0].t : g->start), "monitoring_at", "resolved_at",
	    httpd_time(g->end), "impact", alerted || ndown >= ntc ? "major" : "minor",
	    "shortlink", json_sprintf("%sincidents/%s", url ? url : "/", id),
	    "started_at", httpd_time(g->start), "page_id", page_id, "incident_updates",
	    updates, "components", "id", cid, "name", comp, "page_id", page_id,
	    "status", g->end ? "operational" : during);
	/* the whole component, as Statuspage lists it */
	if ((v = api_status_component_as(
		 live, comp, g->end ? "operational" : during)) != NULL)
		json_array_set_new(json_object_get(j, "components"), 0, v);
	json_object_set_new(j, "name", json_sprintf("%s: %s unavailable", comp, names));
	/* not Statuspage: the split the SLA depends on, and the incident page's data */
	json_object_set_new(
	    j, "target", json_string(h->inc[x->items[g->first].outage].target));
	json_object_set_new(j, "down_s", json_integer(down));
	json_object_set_new(
	    j, "unplanned_s", g->end ? json_integer(unplanned) : json_null());
	json_object_set_new(
	    j, "maintenance_s", g->end ? json_integer(maint) : json_null());
	json_object_set_new(j, "targets", timeline);
	json_object_set_new(j, "windows", windows);
	json_decref(seen);
	free(u);
	return j;
}

/* Newest first; open only when unresolved_only; id: only that one. */
static json_t *
api_incidents_sel(
    struct httpd *h, time_t now, bool unresolved_only, size_t max, const char *only_id)
{
	json_t *out = json_array(), *page = api_status_page(h, now);
	json_t *live = api_status_by_name(h, now);
	struct api_hist x;

	api_hist_build(h, now, &x);
	for (size_t i = 0; i < x.ngroups && json_array_size(out) < max; i++) {
		const struct history_group *g = &x.groups[i];
		char id[HTTPD_ID_LEN + 1];

		if (unresolved_only && g->end != 0)
			continue;
		if (only_id != NULL) {
			httpd_id("incident", x.comps[g->comp], g->start, id);
			if (strcmp(id, only_id) != 0)
				continue;
		}
		json_array_append_new(out, api_inc_json(h, &x, g, page, live, now));
	}
	api_hist_free(&x);
	json_decref(live);
	json_decref(page);
	return out;
}

json_t *
api_incidents(struct httpd *h, time_t now, bool unresolved_only)
{
	return api_incidents_sel(h, now, unresolved_only, API_INCIDENTS_MAX, NULL);
}

void
api_incidents_req(struct httpd *h, struct evhttp_request *req, bool unresolved_only)
{
	time_t now = httpd_now(h);

	httpd_send_json(req, 200,
	    json_pack("{s:o,s:o}", "page", api_status_page(h, now), "incidents",
		api_incidents(h, now, unresolved_only)));
}

/* /api/v2/incidents/<id>.json: rest is "<id>.json" */
void
api_incidents_one_req(struct httpd *h, struct evhttp_request *req, const char *rest)
{
	time_t now = httpd_now(h);
	char id[HTTPD_ID_LEN + 1];
	json_t *list;

	if (strlen(rest) != HTTPD_ID_LEN + 5 ||
	    strcmp(rest + HTTPD_ID_LEN, ".json") != 0) {
		httpd_error(req, 404, "not found");
		return;
	}
	memcpy(id, rest, HTTPD_ID_LEN);
	id[HTTPD_ID_LEN] = '\0';
	list = api_incidents_sel(h, now, false, 1, id);
	if (json_array_size(list) == 0) {
		json_decref(list);
		httpd_error(req, 404, "no such incident");
		return;
	}
	httpd_send_json(req, 200,
	    json_pack("{s:o,s:O}", "page", api_status_page(h, now), "incident",
		json_array_get(list, 0)));
	json_decref(list);
}

/*
 * The outages of the targets an announced occurrence applies to, inside
 * it (clipped to it): what the maintenance card shows as affected.
 */
json_t *
api_incidents_in_window(struct httpd *h, const struct cal_occ *w, time_t now)
{
	const struct conf *c = h->src.conf;
	json_t *out = json_array();

	if (!w->announced || w->start > now)
		return out;
	if (api_incidents_load(h) == -1)
		log_warnx("httpd: cannot read the journal; incidents may be stale");
	for (size_t i = 0; i < h->ninc; i++) {
		const struct httpd_incident *o = &h->inc[i];
		const struct conf_target *t = conf_target_find(c, o->target);
		time_t end = o->end ? o->end : now;

		if (t == NULL || conf_page_hidden(c, t->component) ||
		    !api_hist_applies(w, t) || o->start >= w->end || end <= w->start ||
		    o->start > now)
			continue;
		json_array_append_new(out,
		    json_pack("{s:s,s:s,s:o,s:o,s:b}", "target", o->target, "component",
			t->component, "start",
			httpd_time(o->start > w->start ? o->start : w->start), "end",
			httpd_time(o->end == 0	  ? 0
				: o->end < w->end ? o->end
						  : w->end),
			"overran", end > w->end));
	}
	return out;
}

static bool
api_hist_overran(json_t *aff)
{
	size_t i;
	json_t *a;

	json_array_foreach(
	    aff, i, a) if (json_is_true(json_object_get(a, "overran"))) return true;
	return false;
}

/*
 * /api/v1/history.json: every incident newest first, and the maintenance
 * that a reader looks back on: one-off windows and any occurrence of a
 * recurring one that an outage outlasted, from the start of the data.
 */
void
api_history_req(struct httpd *h, struct evhttp_request *req)
{
	time_t now = httpd_now(h), from;
	json_t *page = api_status_page(h, now), *maint = json_array(), *j;
	json_t *live = api_status_by_name(h, now);
	json_t *page_id = json_object_get(page, "id");
	struct cal_occ *occ = NULL;
	size_t n = 0;

	j = api_incidents_sel(h, now, false, (size_t)-1, NULL);
	from = h->jfirst ? h->jfirst : now;
	if (h->src.cal != NULL &&
	    calendar_expand(h->src.cal, from, now, &occ, &n) == -1)
		log_warnx("httpd: cannot expand the calendar");
	for (size_t k = n; k-- > 0;) {
		json_t *aff;

		if (!api_maint_real(&occ[k]) || occ[k].start > now)
			continue;
		/*
		 * A recurring window is looked back on only when an outage outlasted
		 * it (a slow nightly restart inside its window is what it is for).
		 */
		aff = api_incidents_in_window(h, &occ[k], now);
		if (occ[k].source != CAL_SRC_RULE || api_hist_overran(aff))
			json_array_append_new(
			    maint, api_maint_occ_json(h, &occ[k], page_id, live, now));
		json_decref(aff);
	}
	free(occ);
	json_decref(live);
	httpd_send_json(req, 200,
	    json_pack("{s:o,s:o,s:o,s:o}", "page", page, "start", httpd_time(h->jfirst),
		"incidents", j, "scheduled_maintenances", maint));
}
