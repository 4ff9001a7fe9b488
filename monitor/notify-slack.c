/*
 * notify-slack.c - the slack channel: a message to a Slack incoming webhook,
 * with `text` (what notifications and old clients show) and Block Kit
 * blocks: a header, the facts as fields, and a link to the status page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "notify-priv.h"
#include "tz.h"

static void
field(json_t *fields, const char *name, const char *value)
{
	char *t;

	xasprintf(&t, "*%s*\n%s", name, value);
	json_array_append_new(
	    fields, json_pack("{s:s, s:s}", "type", "mrkdwn", "text", t));
	free(t);
}

/* Slack's mrkdwn gives &, < and > a meaning: escaped as its docs ask. */
static char *
slack_escape(const char *s)
{
	size_t n = 0;
	char *out, *p;

	for (const char *q = s; *q; q++)
		n += *q == '&' ? 5 : (*q == '<' || *q == '>') ? 4 : 1;
	p = out = xmalloc(n + 1);
	for (; *s; s++) {
		if (*s == '&')
			p = stpcpy(p, "&amp;");
		else if (*s == '<')
			p = stpcpy(p, "&lt;");
		else if (*s == '>')
			p = stpcpy(p, "&gt;");
		else
			*p++ = *s;
	}
	*p = '\0';
	return out;
}

int
notify_format_slack(const struct notify_msg *m, char **out)
{
	char subj[512], ts[TZ_RFC3339_LEN], d[32];
	json_t *blocks = json_array(), *fields = json_array(), *o;
	char *e, *text;

	*out = NULL;
	notify_mail_subject(m, subj, sizeof(subj));
	text = subj + strlen("[slamon] ");
	json_array_append_new(blocks,
	    json_pack("{s:s, s:{s:s, s:s}}", "type", "header", "text", "type",
		"plain_text", "text", text));
	e = slack_escape(m->target);
	field(fields, "Target", e);
	free(e);
	e = slack_escape(m->component ? m->component : "-");
	field(fields, "Component", e);
	free(e);
	field(fields, "Outage start", tz_rfc3339(m->outage_start, ts, sizeof(ts)));
	if (m->kind == NOTIFY_RECOVERY)
		field(fields, "Ended", tz_rfc3339(m->end, ts, sizeof(ts)));
	field(fields, "Unplanned", notify_fmt_duration(m->unplanned_s, d, sizeof(d)));
	field(fields, "Down", notify_fmt_duration(m->down_s, d, sizeof(d)));
	json_array_append_new(
	    blocks, json_pack("{s:s, s:o}", "type", "section", "fields", fields));
	if (m->reason) {
		char *r = slack_escape(m->reason), *t;

		xasprintf(&t, "*Last failure*: %s", r);
		json_array_append_new(blocks,
		    json_pack("{s:s, s:{s:s, s:s}}", "type", "section", "text", "type",
			"mrkdwn", "text", t));
		free(t);
		free(r);
	}
	if (m->status_url) {
		char *t;

		xasprintf(&t, "<%s|Status page>%s", m->status_url,
		    m->test ? " · test alert" : "");
		json_array_append_new(blocks,
		    json_pack("{s:s, s:[{s:s, s:s}]}", "type", "context", "elements",
			"type", "mrkdwn", "text", t));
		free(t);
	}
	o = json_pack("{s:s, s:o}", "text", text, "blocks", blocks);
	if (o == NULL)
		return -1;
	*out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return *out ? 0 : -1;
}

int
notify_slack_prepare(struct notify_delivery *d)
{
	if (notify_format_slack(&d->msg, &d->body) == -1)
		return -1;
	d->body_len = strlen(d->body);
	return 0;
}

int
notify_slack_start(struct notify_delivery *d, char *err, size_t errlen)
{
	return notify_post_json(d, d->ch->a.url, err, errlen);
}
