/*
 * notify-alertmanager.c - the alertmanager channel: a POST to Alertmanager's
 * /api/v2/alerts, one alert per outage. Its labels (alertname, target,
 * component, the channel's `labels`) identify the outage's alert, so the
 * recovery, posted with endsAt, resolves exactly it. Facts that change
 * during an outage (windows, seconds, reason) are annotations: a label that
 * changed between alert and recovery would make the recovery a new alert.
 *
 * Alertmanager forgets an alert at its endsAt. slamon sends a notice once
 * (and on alert_repeat), not every scrape as Prometheus does, so a firing
 * alert carries endsAt = notice time + resolve_after; the recovery ends it
 * at the outage's end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "notify-priv.h"
#include "tz.h"

#define AM_TEST_LIFE 300 /* seconds a test alert stays active */

static json_t *
am_time(time_t t)
{
	char buf[TZ_RFC3339_LEN];

	return json_string(tz_rfc3339(t, buf, sizeof(buf)));
}

int
notify_format_alertmanager(
    const struct notify_msg *m, const struct conf_alert *a, char **out)
{
	json_t *labels = json_object(), *ann = json_object(), *al, *arr;
	char subj[512], buf[64];
	size_t wlen = 0;
	time_t ends;
	char *w;

	*out = NULL;
	json_object_set_new(labels, "alertname", json_string("SlamonTargetDown"));
	json_object_set_new(labels, "target", json_string(m->target));
	if (m->component)
		json_object_set_new(labels, "component", json_string(m->component));
	for (size_t i = 0; i < a->labels.n; i++) {
		const char *eq = strchr(a->labels.v[i], '=');
		char name[128];

		if (eq == NULL || (size_t)(eq - a->labels.v[i]) >= sizeof(name))
			continue; /* refused when loaded */
		snprintf(name, sizeof(name), "%.*s", (int)(eq - a->labels.v[i]),
		    a->labels.v[i]);
		json_object_set_new(labels, name, json_string(eq + 1));
	}
	if (m->test)
		json_object_set_new(labels, "test", json_string("true"));

	notify_mail_subject(m, subj, sizeof(subj));
	json_object_set_new(ann, "summary", json_string(subj + strlen("[slamon] ")));
	if (m->reason)
		json_object_set_new(ann, "description", json_string(m->reason));
	json_object_set_new(ann, "outage_start", am_time(m->outage_start));
	snprintf(buf, sizeof(buf), "%ld", m->unplanned_s);
	json_object_set_new(ann, "unplanned_s", json_string(buf));
	snprintf(buf, sizeof(buf), "%ld", m->down_s);
	json_object_set_new(ann, "down_s", json_string(buf));
	for (size_t i = 0; i < m->nwindows; i++)
		wlen += strlen(m->windows[i]) + 2;
	w = xcalloc(wlen + 1, 1);
	for (size_t i = 0; i < m->nwindows; i++) {
		if (i)
			strcat(w, ", ");
		strcat(w, m->windows[i]);
	}
	json_object_set_new(ann, "windows", json_string(w));
	free(w);
	if (m->status_url)
		json_object_set_new(ann, "status_url", json_string(m->status_url));

	al = json_object();
	json_object_set_new(al, "labels", labels);
	json_object_set_new(al, "annotations", ann);
	json_object_set_new(al, "startsAt", am_time(m->outage_start));
	/* a test alert (`slamon test-alert`) has no recovery to end it: it
	 * resolves itself after AM_TEST_LIFE */
	if (m->kind == NOTIFY_RECOVERY)
		ends = m->end;
	else if (m->test)
		ends = m->time + AM_TEST_LIFE;
	else
		ends = m->time +
		    (time_t)(a->resolve_after > 0 ? a->resolve_after : 86400);
	json_object_set_new(al, "endsAt", am_time(ends));
	if (m->status_url)
		json_object_set_new(al, "generatorURL", json_string(m->status_url));
	arr = json_array();
	json_array_append_new(arr, al);
	*out = json_dumps(arr, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(arr);
	return *out ? 0 : -1;
}

int
notify_am_prepare(struct notify_delivery *d)
{
	if (notify_format_alertmanager(&d->msg, &d->ch->a, &d->body) == -1)
		return -1;
	d->body_len = strlen(d->body);
	return 0;
}

/* `url` is Alertmanager's base URL; /api/v2/alerts is added unless given. */
int
notify_am_start(struct notify_delivery *d, char *err, size_t errlen)
{
	const char *base = d->ch->a.url, *path = "/api/v2/alerts";
	size_t n = strlen(base);
	char *url;
	int rc;

	while (n > 0 && base[n - 1] == '/')
		n--;
	if (n >= strlen(path) &&
	    strncmp(base + n - strlen(path), path, strlen(path)) == 0)
		path = "";
	if (notify_custom_headers(d)) {
		snprintf(err, errlen, "out of memory building headers");
		return -1;
	}
	xasprintf(&url, "%.*s%s", (int)n, base, path);
	rc = notify_post_json(d, url, err, errlen);
	free(url);
	return rc;
}
