/*
 * notify-pagerduty.c - the pagerduty channel: PagerDuty's Events API v2.
 * An alert (and a repeat) is a "trigger", a recovery a "resolve", both with
 * the same dedup_key: the outage's key on this channel (notify_outage_key),
 * so PagerDuty folds every notice of one outage into one incident and the
 * resolve closes it. A retried attempt sends the same bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "notify-priv.h"
#include "tz.h"

int
notify_format_pagerduty(const struct notify_msg *m, const struct conf_alert *a,
    const char *dedup_key, char **out)
{
	char subj[512], ts[TZ_RFC3339_LEN], os[TZ_RFC3339_LEN];
	json_t *o, *details, *w;

	*out = NULL;
	if (m->kind == NOTIFY_RECOVERY) {
		o = json_pack("{s:s, s:s, s:s}", "routing_key", a->routing_key,
		    "event_action", "resolve", "dedup_key", dedup_key);
	} else {
		w = json_array();
		for (size_t i = 0; i < m->nwindows; i++)
			json_array_append_new(w, json_string(m->windows[i]));
		details = json_pack("{s:s, s:I, s:I, s:o, s:s?, s:b}", "outage_start",
		    tz_rfc3339(m->outage_start, os, sizeof(os)), "unplanned_s",
		    (json_int_t)m->unplanned_s, "down_s", (json_int_t)m->down_s,
		    "windows", w, "reason", m->reason, "test", m->test);
		notify_mail_subject(m, subj, sizeof(subj));
		o = json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s?, s:s, s:o}, "
			      "s:s}",
		    "routing_key", a->routing_key, "event_action", "trigger",
		    "dedup_key", dedup_key, "payload", "summary",
		    subj + strlen("[slamon] "), "source", m->target, "severity",
		    a->severity ? a->severity : "critical", "timestamp",
		    tz_rfc3339(m->time, ts, sizeof(ts)), "component", m->component,
		    "class", "availability", "custom_details", details, "client",
		    "slamon");
		if (o && m->status_url)
			json_object_set_new(
			    o, "client_url", json_string(m->status_url));
	}
	if (o == NULL)
		return -1;
	*out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return *out ? 0 : -1;
}

int
notify_pd_prepare(struct notify_delivery *d)
{
	char key[33];

	notify_outage_key(&d->msg, d->ch->a.name, key);
	if (notify_format_pagerduty(&d->msg, &d->ch->a, key, &d->body) == -1)
		return -1;
	d->body_len = strlen(d->body);
	return 0;
}

int
notify_pd_start(struct notify_delivery *d, char *err, size_t errlen)
{
	return notify_post_json(d, d->ch->a.url, err, errlen);
}
