/*
 * api-maint.c - Statuspage v2 scheduled maintenances from the calendar:
 * /api/v2/scheduled-maintenances.json (the last week and the next
 * HTTPD_UPCOMING_DAYS), .../upcoming.json (starting within the next
 * HTTPD_UPCOMING_DAYS days), .../active.json (in progress now).
 *
 * Listed are the occurrences that will happen: those of standing windows
 * and announcements. An occurrence of a window that requires an
 * announcement and has none is not maintenance at all and is left out. A
 * short-notice or late-published occurrence is listed, and its text says
 * that its downtime counts against availability.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "httpd-priv.h"
#include "log.h"
#include "report.h"

#define API_MAINT_PAST (7L * 86400)

static bool
api_maint_applies(const struct cal_occ *o, const struct conf_target *t)
{
	return o->napplies == 0 || conf_applies_to(o->applies, o->napplies, t);
}

/* Whether an occurrence happens at all (see the top of the file). */
bool
api_maint_real(const struct cal_occ *o)
{
	if (o->announced)
		return true;
	return o->source != CAL_SRC_ANNOUNCEMENT && o->window != NULL &&
	    !o->window->requires_announcement && !o->window->category;
}

void
api_maint_now(struct httpd *h, time_t now, bool *in)
{
	const struct conf *c = h->src.conf;
	struct cal_occ *occ = NULL;
	size_t n = 0;

	if (h->src.cal == NULL ||
	    calendar_expand(h->src.cal, now, now + 1, &occ, &n) == -1)
		return;
	for (size_t k = 0; k < n; k++) {
		if (!occ[k].announced || occ[k].start > now || occ[k].end <= now)
			continue;
		for (size_t i = 0; i < c->ntargets; i++)
			if (api_maint_applies(&occ[k], &c->targets[i]))
				in[i] = true;
	}
	free(occ);
}

json_t *
api_maint_occ_json(
    struct httpd *h, const struct cal_occ *o, json_t *page_id, json_t *live, time_t now)
{
	const struct conf *c = h->src.conf;
	char id[HTTPD_ID_LEN + 1], uid[HTTPD_ID_LEN + 1], d[64];
	const char *status, *what;
	json_t *comps = json_array(), *aff = json_array(), *j, *upd, *hit;
	time_t created;
	char body[1024];

	httpd_id("maintenance", o->name, o->start, id);
	for (size_t i = 0; i < c->ntargets; i++) {
		const char *comp = c->targets[i].component;
		char cid[HTTPD_ID_LEN + 1];
		bool seen = false;
		size_t k;
		json_t *x;

		if (!api_maint_applies(o, &c->targets[i]) || conf_page_hidden(c, comp))
			continue;
		json_array_foreach(comps, k, x) seen = seen ||
		    strcmp(json_string_value(json_object_get(x, "name")), comp) == 0;
		if (seen)
			continue;
		httpd_id("component", comp, 0, cid);
		/* in progress: the component as the summary has it now */
		x = api_status_component_as(live, comp,
		    now >= o->start && now < o->end && o->announced
			? json_string_value(
			      json_object_get(json_object_get(live, comp), "status"))
			: "operational");
		if (x == NULL)
			x = json_pack("{s:s,s:s,s:O,s:s}", "id", cid, "name", comp,
			    "page_id", page_id, "status", "operational");
		json_array_append_new(comps, x);
		json_array_append_new(aff,
		    json_pack("{s:s,s:s,s:s,s:s}", "code", cid, "name", comp,
			"old_status", "operational", "new_status",
			o->announced ? "under_maintenance" : "operational"));
	}
	if (now >= o->end)
		status = "completed";
	else if (now >= o->start)
		status = "in_progress";
	else
		status = "scheduled";
	what = o->note ? o->note : o->description ? o->description : o->name;
	report_duration((long)(o->end - o->start), d, sizeof(d));
	if (!o->announced)
		snprintf(body, sizeof(body),
		    "%s (%s). Not announced in time: downtime "
		    "during it counts against availability.",
		    what, d);
	else if (o->short_notice)
		snprintf(body, sizeof(body),
		    "%s (%s). Short-notice maintenance: downtime "
		    "during it counts against availability.",
		    what, d);
	else
		snprintf(body, sizeof(body),
		    "%s (%s). Announced maintenance: downtime "
		    "during it is excluded from availability.",
		    what, d);
	/* an outage inside it is part of the maintenance, and says so */
	hit = api_incidents_in_window(h, o, now);
	if (json_array_size(hit) > 0) {
		size_t k, m;
		json_t *x, *y;
		bool dup;

		snprintf(
		    body + strlen(body), sizeof(body) - strlen(body), " Affected: ");
		json_array_foreach(hit, k, x)
		{
			const char *comp = json_string_value(
			    json_object_get(x, "component"));

			dup = false;
			json_array_foreach(hit, m, y) if (m < k &&
			    strcmp(json_string_value(json_object_get(y, "component")),
				comp) == 0) dup = true;
			if (!dup)
				snprintf(body + strlen(body),
				    sizeof(body) - strlen(body), "%s%s", k ? ", " : "",
				    comp);
		}
		snprintf(body + strlen(body), sizeof(body) - strlen(body), ".");
	}
	created = o->has_announced_at ? o->announced_at : o->start;
	if (created > now)
		created = o->start < now ? o->start : now;
	httpd_id(id, status, o->start, uid);
	upd = json_pack("[{s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:b,s:n,s:n}]", "id", uid,
	    "status", status, "body", body, "incident_id", id, "created_at",
	    httpd_time(created), "updated_at", httpd_time(created), "display_at",
	    httpd_time(created), "affected_components", aff, "deliver_notifications",
	    true, "custom_tweet", "tweet_id");
	j = json_pack("{s:s,s:s,s:s,s:o,s:o,s:n,s:o,s:s,s:n,s:o,s:O,s:o,s:o,s:o,s:o}",
	    "id", id, "name", o->description ? o->description : o->name, "status",
	    status, "created_at", httpd_time(created), "updated_at",
	    httpd_time(created), "monitoring_at", "resolved_at",
	    httpd_time(now >= o->end ? o->end : 0), "impact", "maintenance",
	    "shortlink", "started_at", httpd_time(o->start), "page_id", page_id,
	    "incident_updates", upd, "components", comps, "scheduled_for",
	    httpd_time(o->start), "scheduled_until", httpd_time(o->end));
	/* not Statuspage: what the SLA makes of it */
	json_object_set_new(j, "announced", json_boolean(o->announced));
	json_object_set_new(j, "short_notice", json_boolean(o->short_notice));
	json_object_set_new(j, "source", json_string(calendar_source_name(o->source)));
	json_object_set_new(j, "description",
	    o->description ? json_string(o->description) : json_null());
	json_object_set_new(j, "window", json_string(o->name));
	json_object_set_new(j, "note", o->note ? json_string(o->note) : json_null());
	json_object_set_new(j, "recurring",
	    json_boolean(o->source == CAL_SRC_RULE ||
		(o->window != NULL && o->window->rrule != NULL)));
	json_object_set_new(j, "affected", hit);
	return j;
}

json_t *
api_maint(struct httpd *h, time_t now, enum api_maint_which which)
{
	json_t *out = json_array(), *page = api_status_page(h, now);
	json_t *page_id = json_object_get(page, "id"),
	       *live = api_status_by_name(h, now);
	time_t from = now - API_MAINT_PAST, to = now + HTTPD_UPCOMING_DAYS * 86400L;
	struct cal_occ *occ = NULL;
	size_t n = 0;

	if (which == API_MAINT_ACTIVE)
		from = now, to = now + 1;
	else if (which == API_MAINT_UPCOMING)
		from = now;
	if (h->src.cal != NULL && calendar_expand(h->src.cal, from, to, &occ, &n) == -1)
		log_warnx("httpd: cannot expand the calendar");
	for (size_t k = 0; k < n; k++) {
		const struct cal_occ *o = &occ[k];

		if (!api_maint_real(o))
			continue;
		if (which == API_MAINT_ACTIVE && !(o->start <= now && now < o->end))
			continue;
		if (which == API_MAINT_UPCOMING && o->start <= now)
			continue;
		json_array_append_new(
		    out, api_maint_occ_json(h, o, page_id, live, now));
	}
	free(occ);
	json_decref(live);
	json_decref(page);
	/* the whole list newest first, as Statuspage; upcoming and active soonest first */
	if (which == API_MAINT_ALL) {
		json_t *rev = json_array();

		for (size_t k = json_array_size(out); k-- > 0;)
			json_array_append(rev, json_array_get(out, k));
		json_decref(out);
		out = rev;
	}
	return out;
}

void
api_maint_req(struct httpd *h, struct evhttp_request *req, enum api_maint_which which)
{
	time_t now = httpd_now(h);

	httpd_send_json(req, 200,
	    json_pack("{s:o,s:o}", "page", api_status_page(h, now),
		"scheduled_maintenances", api_maint(h, now, which)));
}
