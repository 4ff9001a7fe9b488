/*
 * alerting.c - engine notices to notify messages, and delivery outcomes to
 * the journal, the same way for run and replay.
 */
#include <string.h>

#include <jansson.h>

#include "alerting.h"
#include "journal.h"
#include "log.h"
#include "pipeline.h"

#define ALERTING_MAX_WINDOWS 16

int
alerting_send(struct notify *nt, struct pipeline *p, const struct engine_notice *n)
{
	struct notify_msg m;
	const char *names[ALERTING_MAX_WINDOWS];
	size_t i = (size_t)(n->target - p->conf->targets);

	memset(&m, 0, sizeof(m));
	m.kind = n->kind == ENGINE_ALERT ? NOTIFY_ALERT
	    : n->kind == ENGINE_REPEAT	 ? NOTIFY_REPEAT
					 : NOTIFY_RECOVERY;
	m.target = n->target->name;
	m.component = n->target->component;
	m.outage_start = n->outage_start;
	m.end = n->end;
	m.unplanned_s = n->unplanned_s;
	m.down_s = n->down_s;
	m.nwindows = pipeline_windows(p, i, n->outage_start, n->end ? n->end : n->time,
	    names, ALERTING_MAX_WINDOWS);
	m.windows = names;
	m.reason = n->reason && n->reason[0] ? n->reason : NULL;
	m.status_url = p->conf->public_url;
	m.time = n->time;
	return notify_send(nt, &m);
}

void
alerting_journal(struct journal *j, time_t now, const struct notify_msg *m,
    const struct conf_alert *ch, int attempt, bool delivered, bool final,
    const char *error, bool stopping)
{
	json_t *f;

	/* notify has logged the attempt already */
	if (j == NULL || m->test)
		return;
	f = json_object();
	json_object_set_new(f, "channel", json_string(ch->name));
	json_object_set_new(f, "kind", json_string(notify_kind_name(m->kind)));
	json_object_set_new(f, "target", json_string(m->target));
	json_object_set_new(f, "outage_start", journal_time(m->outage_start));
	json_object_set_new(f, "notice_time", journal_time(m->time));
	json_object_set_new(f, "attempt", json_integer(attempt));
	json_object_set_new(f, "delivered", json_boolean(delivered));
	/* abandoned by a stopping monitor: not final, the next start sends it */
	json_object_set_new(
	    f, "final", json_boolean(final && !(stopping && !delivered)));
	if (stopping && !delivered)
		json_object_set_new(f, "abandoned", json_true());
	if (error)
		json_object_set_new(f, "error", json_string(error));
	journal_append(j, now, "delivery", f); /* or kept until there is room */
}

/* A notice the journal says was decided, and which channels finished it. */
struct pending {
	char *target;
	time_t outage_start, time, end;
	enum notify_kind kind;
	long unplanned_s;
	char **done;
	size_t ndone;
};

struct resume {
	const struct conf *c;
	struct pending *v;
	size_t n;
	char **reason; /* per target: the last outage's reason */
	bool replay;   /* in records of a replay (since its monitor_start) */
};

static struct pending *
find_pending(
    struct resume *r, const char *target, time_t start, enum notify_kind kind, time_t t)
{
	for (size_t i = r->n; i-- > 0;)
		if (r->v[i].kind == kind && r->v[i].outage_start == start &&
		    r->v[i].time == t && strcmp(r->v[i].target, target) == 0)
			return &r->v[i];
	return NULL;
}

static void
resume_cb(void *arg, json_t *rec, int line)
{
	struct resume *r = arg;
	const char *ev = json_string_value(json_object_get(rec, "event"));
	const char *target = json_string_value(json_object_get(rec, "target"));
	const struct conf_target *ct;
	struct pending *p;
	time_t t, start, end = 0;

	(void)line;
	if (ev && strcmp(ev, "monitor_start") == 0) {
		const char *mode = json_string_value(json_object_get(rec, "mode"));
		r->replay = mode && strcmp(mode, "replay") == 0;
		return;
	}
	if (target == NULL || journal_get_time(rec, "time", &t) == -1 ||
	    (ct = conf_target_find(r->c, target)) == NULL)
		return;
	if (strcmp(ev, "outage_start") == 0) {
		const char *why = json_string_value(json_object_get(rec, "reason"));
		size_t i = (size_t)(ct - r->c->targets);
		free(r->reason[i]);
		r->reason[i] = why ? xstrdup(why) : NULL;
		return;
	}
	/* a replay records its alerts without sending them, and with
	 * --send-alerts waits for every delivery: none is left to resend */
	if (r->replay)
		return;
	if ((strcmp(ev, "alert") == 0 && json_object_get(rec, "repeat") == NULL) ||
	    strcmp(ev, "recovery") == 0) {
		if (journal_get_time(rec, "outage_start", &start) == -1)
			return;
		if (ev[0] == 'r' && journal_get_time(rec, "end", &end) == -1)
			return;
		r->v = xreallocarray(r->v, r->n + 1, sizeof(*r->v));
		p = &r->v[r->n++];
		memset(p, 0, sizeof(*p));
		p->target = xstrdup(target);
		p->outage_start = start;
		p->time = t;
		p->end = end;
		p->kind = ev[0] == 'r' ? NOTIFY_RECOVERY : NOTIFY_ALERT;
		p->unplanned_s = (long)json_integer_value(
		    json_object_get(rec, "unplanned_s"));
		return;
	}
	if (strcmp(ev, "delivery") == 0 &&
	    json_is_true(json_object_get(rec, "final"))) {
		const char *kind = json_string_value(json_object_get(rec, "kind"));
		const char *ch = json_string_value(json_object_get(rec, "channel"));
		enum notify_kind k;

		if (kind == NULL || ch == NULL ||
		    journal_get_time(rec, "outage_start", &start) == -1 ||
		    journal_get_time(rec, "notice_time", &t) == -1)
			return;
		if (strcmp(kind, "alert") == 0)
			k = NOTIFY_ALERT;
		else if (strcmp(kind, "recovery") == 0)
			k = NOTIFY_RECOVERY;
		else
			return;
		if ((p = find_pending(r, target, start, k, t)) == NULL)
			return;
		p->done = xreallocarray(p->done, p->ndone + 1, sizeof(*p->done));
		p->done[p->ndone++] = xstrdup(ch);
	}
}

static void
resume_warn_cb(void *arg, const char *msg)
{
	(void)arg;
	log_warnx("%s", msg);
}

int
alerting_resume(struct notify *nt, struct pipeline *pl, time_t now)
{
	const struct conf *c = pl->conf;
	struct resume r = {c, NULL, 0, NULL, false};
	int sent = 0;

	r.reason = xcalloc(c->ntargets ? c->ntargets : 1, sizeof(*r.reason));
	if (journal_read(c->state_dir, resume_cb, resume_warn_cb, &r) < 0)
		log_warnx("alerts: the journal cannot be read; undelivered alerts of "
			  "before the restart are not sent again");
	for (size_t i = 0; i < r.n; i++) {
		struct pending *p = &r.v[i];
		const struct conf_target *t = conf_target_find(c, p->target);
		size_t ti = (size_t)(t - c->targets);

		for (size_t k = 0; k < c->nalerts; k++) {
			const struct conf_alert *a = &c->alerts[k];
			struct notify_msg m;
			const char *names[ALERTING_MAX_WINDOWS];
			bool done = false;

			for (size_t d = 0; d < p->ndone && !done; d++)
				done = strcmp(p->done[d], a->name) == 0;
			if (done)
				continue;
			if (now - p->time > a->retry_for) {
				log_warnx(
				    "alerts: %s for %s (outage from %lld) was never "
				    "delivered to %s and is older than its retry_for; not "
				    "sent",
				    notify_kind_name(p->kind), p->target,
				    (long long)p->outage_start, a->name);
				continue;
			}
			memset(&m, 0, sizeof(m));
			m.kind = p->kind;
			m.target = t->name;
			m.component = t->component;
			m.outage_start = p->outage_start;
			m.end = p->end;
			m.unplanned_s = p->unplanned_s;
			m.down_s = (long)((p->end ? p->end : p->time) -
			    p->outage_start);
			m.nwindows = pipeline_windows(pl, ti, p->outage_start,
			    p->end ? p->end : p->time, names, ALERTING_MAX_WINDOWS);
			m.windows = names;
			m.reason = r.reason[ti];
			m.status_url = c->public_url;
			m.time = p->time;
			log_info(
			    "alerts: sending again the %s for %s (outage from %lld) to "
			    "%s, undelivered before the restart",
			    notify_kind_name(p->kind), p->target,
			    (long long)p->outage_start, a->name);
			if (notify_send_to(nt, &m, a->name) > 0)
				sent++;
		}
	}
	for (size_t i = 0; i < r.n; i++) {
		free(r.v[i].target);
		for (size_t d = 0; d < r.v[i].ndone; d++)
			free(r.v[i].done[d]);
		free(r.v[i].done);
	}
	free(r.v);
	for (size_t i = 0; i < c->ntargets; i++)
		free(r.reason[i]);
	free(r.reason);
	return sent;
}
