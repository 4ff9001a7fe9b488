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
	m.kind = n->kind == ENGINE_ALERT ? NOTIFY_ALERT :
	    n->kind == ENGINE_REPEAT ? NOTIFY_REPEAT : NOTIFY_RECOVERY;
	m.target = n->target->name;
	m.component = n->target->component;
	m.outage_start = n->outage_start;
	m.end = n->end;
	m.unplanned_s = n->unplanned_s;
	m.down_s = n->down_s;
	m.nwindows = pipeline_windows(p, i, n->outage_start,
	    n->end ? n->end : n->time, names, ALERTING_MAX_WINDOWS);
	m.windows = names;
	m.reason = n->reason && n->reason[0] ? n->reason : NULL;
	m.status_url = p->conf->public_url;
	m.time = n->time;
	return notify_send(nt, &m);
}

void
alerting_journal(struct journal *j, time_t now, const struct notify_msg *m,
    const struct conf_alert *ch, int attempt, bool delivered, bool final,
    const char *error)
{
	json_t *f;

	/* notify has logged the attempt already */
	if (j == NULL || (delivered && attempt == 1))
		return;
	f = json_object();
	json_object_set_new(f, "channel", json_string(ch->name));
	json_object_set_new(f, "kind", json_string(notify_kind_name(m->kind)));
	json_object_set_new(f, "target", json_string(m->target));
	json_object_set_new(f, "outage_start", journal_time(m->outage_start));
	json_object_set_new(f, "attempt", json_integer(attempt));
	json_object_set_new(f, "delivered", json_boolean(delivered));
	json_object_set_new(f, "final", json_boolean(final));
	if (error)
		json_object_set_new(f, "error", json_string(error));
	if (journal_append(j, now, "delivery", f) == -1)
		log_warnx("journal: delivery record could not be written");
}
