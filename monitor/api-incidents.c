/*
 * api-incidents.c - Statuspage v2 incidents from the journal, the record of
 * incidents (design.md 5): one incident per outage of a target, from its
 * outage_start to its outage_end, with updates for the start, the alert and
 * the end. /api/v2/incidents.json lists the open ones and the latest
 * resolved; /api/v2/incidents/unresolved.json the open ones.
 *
 * The journal is read again only when its size or mtime changed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpd-priv.h"
#include "journal.h"
#include "log.h"
#include "report.h"

#define API_INCIDENTS_MAX 50 /* incidents.json: the latest, like Statuspage */

struct api_inc_read {
	struct httpd_incident *v;
	size_t n, cap;
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
	h->jsize = st.st_size;
	h->jmtime = st.st_mtim;
	h->jread = true;
	return 0;
}

static json_t *
api_inc_update(const char *inc_id, const char *status, const char *body, time_t t,
    json_t *affected)
{
	char id[HTTPD_ID_LEN + 1];

	httpd_id(inc_id, status, t, id);
	return json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:b,s:n,s:n}", "id", id,
	    "status", status, "body", body, "incident_id", inc_id, "created_at",
	    httpd_time(t), "updated_at", httpd_time(t), "display_at", httpd_time(t),
	    "affected_components", affected, "deliver_notifications", true,
	    "custom_tweet", "tweet_id");
}

static json_t *
api_inc_json(struct httpd *h, const struct httpd_incident *inc, const json_t *page_id,
    time_t now)
{
	const struct conf *c = h->src.conf;
	const struct conf_target *t = conf_target_find(c, inc->target);
	const char *comp = t ? t->component : inc->target;
	char id[HTTPD_ID_LEN + 1], cid[HTTPD_ID_LEN + 1], d1[64], d2[64], d3[64],
	    body[512];
	const char *status, *impact;
	json_t *updates = json_array(), *comps, *aff, *j;
	time_t updated;
	long down;

	httpd_id("incident", inc->target, inc->start, id);
	httpd_id("component", comp, 0, cid);
	comps = json_pack("[{s:s,s:s,s:o,s:o}]", "id", cid, "name", comp, "page_id",
	    json_copy((json_t *)page_id), "status",
	    json_string(inc->end ? "operational" : "major_outage"));
	aff = json_pack(
	    "[{s:s,s:s,s:s}]", "code", cid, "name", comp, "old_status", "operational");
	if (inc->end != 0) {
		down = inc->down_s ? inc->down_s : (long)(inc->end - inc->start);
		snprintf(body, sizeof(body),
		    "%s is back up after %s: %s unplanned, %s "
		    "within announced maintenance.",
		    inc->target, report_duration(down, d1, sizeof(d1)),
		    report_duration(inc->unplanned_s, d2, sizeof(d2)),
		    report_duration(inc->maintenance_s, d3, sizeof(d3)));
		json_array_append_new(updates,
		    api_inc_update(id, "resolved", body, inc->end, json_copy(aff)));
	}
	if (inc->alerted) {
		snprintf(body, sizeof(body),
		    "%s has been down longer than the alert "
		    "threshold (%s unplanned); on-call has been alerted.",
		    inc->target,
		    report_duration(t ? t->t.alert_after : 0, d1, sizeof(d1)));
		json_array_append_new(updates,
		    api_inc_update(
			id, "identified", body, inc->alert_at, json_copy(aff)));
	}
	snprintf(body, sizeof(body), "%s (%s) is not responding. We are investigating.",
	    inc->target, comp);
	json_array_append_new(
	    updates, api_inc_update(id, "investigating", body, inc->start, aff));
	if (inc->end != 0) {
		status = "resolved";
		updated = inc->end;
		impact = inc->unplanned_s == 0			? "none"
		    : t && inc->unplanned_s >= t->t.alert_after ? "major"
								: "minor";
	} else {
		status = inc->alerted ? "identified" : "investigating";
		updated = inc->alerted ? inc->alert_at : inc->start;
		impact = inc->alerted ? "major" : "minor";
	}
	j = json_pack("{s:s,s:s,s:s,s:o,s:o,s:n,s:o,s:s,s:o,s:o,s:O,s:o,s:o}", "id", id,
	    "name", "", "status", status, "created_at", httpd_time(inc->start),
	    "updated_at", httpd_time(updated), "monitoring_at", "resolved_at",
	    httpd_time(inc->end), "impact", impact, "shortlink", json_null(),
	    "started_at", httpd_time(inc->start), "page_id", page_id,
	    "incident_updates", updates, "components", comps);
	json_object_set_new(
	    j, "name", json_sprintf("%s: %s unavailable", comp, inc->target));
	/* not Statuspage: the split the SLA depends on */
	json_object_set_new(j, "target", json_string(inc->target));
	json_object_set_new(j, "down_s",
	    json_integer(inc->end ? inc->down_s : (long)(now - inc->start)));
	json_object_set_new(
	    j, "unplanned_s", inc->end ? json_integer(inc->unplanned_s) : json_null());
	json_object_set_new(j, "maintenance_s",
	    inc->end ? json_integer(inc->maintenance_s) : json_null());
	return j;
}

/* Open incidents first, then the latest resolved; newest first in each. */
json_t *
api_incidents(struct httpd *h, time_t now, bool unresolved_only)
{
	json_t *out = json_array(), *page = api_status_page(h, now);
	json_t *page_id = json_object_get(page, "id");
	size_t n = 0;

	if (api_incidents_load(h) == -1)
		log_warnx("httpd: cannot read the journal; incidents may be stale");
	for (size_t i = h->ninc; i-- > 0;)
		if (h->inc[i].end == 0 && h->inc[i].start <= now) {
			json_array_append_new(
			    out, api_inc_json(h, &h->inc[i], page_id, now));
			n++;
		}
	for (size_t i = h->ninc; !unresolved_only && i-- > 0 && n < API_INCIDENTS_MAX;)
		if (h->inc[i].end != 0 && h->inc[i].start <= now) {
			json_array_append_new(
			    out, api_inc_json(h, &h->inc[i], page_id, now));
			n++;
		}
	json_decref(page);
	return out;
}

void
api_incidents_req(struct httpd *h, struct evhttp_request *req, bool unresolved_only)
{
	time_t now = httpd_now(h);

	httpd_send_json(req, 200,
	    json_pack("{s:o,s:o}", "page", api_status_page(h, now), "incidents",
		api_incidents(h, now, unresolved_only)));
}
