/*
 * conf-alerts.c - the alerts() list of the configuration: webhook, exec,
 * smtp, alertmanager, pagerduty and slack channels.
 */
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libical/ical.h>

#include "../probes/probe.h"
#include "conf-priv.h"
#include "conf.h"
#include "log.h"
#include "tz.h"

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void
strv_copy(struct conf_strv *dst, const struct conf_strv *src)
{
	dst->n = src->n;
	dst->v = xcalloc(src->n + 1, sizeof(char *));
	for (size_t i = 0; i < src->n; i++)
		dst->v[i] = xstrdup(src->v[i]);
}

void
conf_alert_copy(struct conf_alert *dst, const struct conf_alert *src)
{
	*dst = *src;
	dst->name = xstrdup(src->name);
	dst->url = dup_or_null(src->url);
	dst->secret = dup_or_null(src->secret);
	dst->from = dup_or_null(src->from);
	dst->username = dup_or_null(src->username);
	dst->password = dup_or_null(src->password);
	dst->routing_key = dup_or_null(src->routing_key);
	dst->severity = dup_or_null(src->severity);
	strv_copy(&dst->headers, &src->headers);
	strv_copy(&dst->command, &src->command);
	strv_copy(&dst->to, &src->to);
	strv_copy(&dst->labels, &src->labels);
}

static void
free_secret(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
	free(s);
}

void
conf_alert_clear(struct conf_alert *a)
{
	free(a->name);
	free(a->url);
	free_secret(a->secret);
	free(a->from);
	free(a->username);
	free_secret(a->password);
	free_secret(a->routing_key);
	free(a->severity);
	conf_strv_free(&a->headers);
	conf_strv_free(&a->command);
	conf_strv_free(&a->to);
	conf_strv_free(&a->labels);
}

const char *
conf_alert_type_name(enum conf_alert_type t)
{
	static const char *const names[] = {
	    [CONF_ALERT_WEBHOOK] = "webhook",
	    [CONF_ALERT_EXEC] = "exec",
	    [CONF_ALERT_SMTP] = "smtp",
	    [CONF_ALERT_ALERTMANAGER] = "alertmanager",
	    [CONF_ALERT_PAGERDUTY] = "pagerduty",
	    [CONF_ALERT_SLACK] = "slack",
	};

	if ((unsigned)t >= sizeof(names) / sizeof(names[0]) || names[t] == NULL)
		return "unknown";
	return names[t];
}

/* "Name: value" lines with no line break inside. */
static int
check_headers(
    struct conf_ctx *ctx, const config_setting_t *g, const struct conf_strv *h)
{
	for (size_t k = 0; k < h->n; k++) {
		const char *colon = strchr(h->v[k], ':');
		if (colon == NULL || colon == h->v[k] || strpbrk(h->v[k], "\r\n")) {
			conf_error(ctx, g, "headers",
			    "\"%s\": expected \"Name: value\"", h->v[k]);
			return -1;
		}
	}
	return 0;
}

/* Alertmanager label names: [a-zA-Z_][a-zA-Z0-9_]*; values any UTF-8. */
static int
check_labels(struct conf_ctx *ctx, const config_setting_t *g, const struct conf_strv *l)
{
	static const char *const reserved[] = {
	    "alertname", "target", "component", "test", NULL};

	for (size_t k = 0; k < l->n; k++) {
		const char *s = l->v[k], *eq = strchr(s, '=');
		size_t n = eq ? (size_t)(eq - s) : 0;
		bool ok = n > 0 && !isdigit((unsigned char)s[0]);

		for (size_t i = 0; ok && i < n; i++)
			ok = isalnum((unsigned char)s[i]) || s[i] == '_';
		for (size_t i = 0; ok && reserved[i]; i++)
			ok = !(strlen(reserved[i]) == n &&
			    strncmp(reserved[i], s, n) == 0);
		if (!ok) {
			conf_error(ctx, g, "labels",
			    "\"%s\": expected \"name=value\" with a label name "
			    "other than alertname, target, component and test",
			    s);
			return -1;
		}
	}
	return 0;
}

int
conf_parse_alerts(struct conf_ctx *ctx, const config_setting_t *root, struct conf *c)
{
	static const char *const keys[] = {"type", "name", "url", "headers", "secret",
	    "command", "from", "to", "username", "password", "timeout", "retry_for",
	    "labels", "resolve_after", "routing_key", "severity", NULL};
	static const char *const am_keys[] = {"type", "name", "url", "headers",
	    "labels", "resolve_after", "timeout", "retry_for", NULL};
	static const char *const pd_keys[] = {"type", "name", "url", "routing_key",
	    "severity", "timeout", "retry_for", NULL};
	static const char *const slack_keys[] = {
	    "type", "name", "url", "timeout", "retry_for", NULL};
	static const char *const webhook_keys[] = {
	    "type", "name", "url", "headers", "secret", "timeout", "retry_for", NULL};
	static const char *const exec_keys[] = {
	    "type", "name", "command", "timeout", "retry_for", NULL};
	static const char *const smtp_keys[] = {"type", "name", "url", "from", "to",
	    "username", "password", "timeout", "retry_for", NULL};
	config_setting_t *list = conf_get_group(ctx, root, "alerts", true);
	int n;

	if (ctx->failed)
		return -1;
	if (list == NULL)
		return 0;
	n = config_setting_length(list);
	c->alerts = xcalloc((size_t)n + 1, sizeof(*c->alerts));
	for (int i = 0; i < n; i++) {
		config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		struct conf_alert *a = &c->alerts[i];
		char *type = NULL;
		const char *const *allowed;
		long v;

		c->nalerts++;
		a->line = config_setting_source_line(g);
		a->timeout = 10;
		a->retry_for = 3600;
		a->resolve_after = 86400;
		if (!config_setting_is_group(g)) {
			conf_error(ctx, g, NULL, "expected a group { ... }");
			return -1;
		}
		if (conf_check_keys(ctx, g, keys, NULL) ||
		    conf_require(ctx, g, "type") ||
		    conf_get_str(ctx, g, "type", &type) < 0)
			return -1;
		if (strcmp(type, "webhook") == 0) {
			a->type = CONF_ALERT_WEBHOOK;
			allowed = webhook_keys;
		} else if (strcmp(type, "exec") == 0) {
			a->type = CONF_ALERT_EXEC;
			allowed = exec_keys;
		} else if (strcmp(type, "smtp") == 0) {
			a->type = CONF_ALERT_SMTP;
			allowed = smtp_keys;
		} else if (strcmp(type, "alertmanager") == 0) {
			a->type = CONF_ALERT_ALERTMANAGER;
			allowed = am_keys;
		} else if (strcmp(type, "pagerduty") == 0) {
			a->type = CONF_ALERT_PAGERDUTY;
			allowed = pd_keys;
		} else if (strcmp(type, "slack") == 0) {
			a->type = CONF_ALERT_SLACK;
			allowed = slack_keys;
		} else {
			conf_error(ctx, g, "type",
			    "\"%s\": expected webhook, exec, smtp, alertmanager, "
			    "pagerduty or slack",
			    type);
			free(type);
			return -1;
		}
		if (conf_check_keys(ctx, g, allowed, NULL) < 0) {
			/* rephrase: the key exists, just not for this type */
			char *colon = strrchr(ctx->err, ':');
			if (colon)
				snprintf(colon,
				    sizeof(ctx->err) - (size_t)(colon - ctx->err),
				    ": not a setting of a %s alert", type);
			free(type);
			return -1;
		}
		if (conf_get_str(ctx, g, "name", &a->name) < 0 ||
		    conf_get_int(ctx, g, "timeout", 1, 600, &v) < 0) {
			free(type);
			return -1;
		}
		if (config_setting_get_member(g, "timeout"))
			a->timeout = (int)v;
		if (conf_get_int(ctx, g, "retry_for", 0, 7 * DAY, &v) < 0) {
			free(type);
			return -1;
		}
		if (config_setting_get_member(g, "retry_for"))
			a->retry_for = (int)v;
		if (a->name == NULL)
			xasprintf(&a->name, "%s#%d", type, i);
		free(type);
		switch (a->type) {
		case CONF_ALERT_WEBHOOK:
			if (conf_require(ctx, g, "url") ||
			    conf_get_str(ctx, g, "url", &a->url) < 0 ||
			    conf_check_url(ctx, g, "url", a->url,
				(const char *const[]){"http", "https", NULL}) < 0 ||
			    conf_get_strv(ctx, g, "headers", &a->headers) < 0 ||
			    conf_get_str(ctx, g, "secret", &a->secret) < 0)
				return -1;
			if (check_headers(ctx, g, &a->headers) < 0)
				return -1;
			if (a->secret && a->secret[0] == '\0') {
				conf_error(ctx, g, "secret", "must not be empty");
				return -1;
			}
			break;
		case CONF_ALERT_EXEC:
			if (conf_require(ctx, g, "command") ||
			    conf_get_strv(ctx, g, "command", &a->command) < 0)
				return -1;
			if (a->command.n == 0 || a->command.v[0][0] == '\0') {
				conf_error(ctx, g, "command", "empty command");
				return -1;
			}
			if (strchr(a->command.v[0], '/') == NULL) {
				conf_error(ctx, g, "command",
				    "\"%s\": give a path (the command "
				    "runs without a shell or PATH search)",
				    a->command.v[0]);
				return -1;
			}
			if (access(a->command.v[0], X_OK) == -1) {
				conf_error(ctx, g, "command", "\"%s\": %s",
				    a->command.v[0], strerror(errno));
				return -1;
			}
			break;
		case CONF_ALERT_SMTP:
			if (conf_require(ctx, g, "url") ||
			    conf_require(ctx, g, "from") ||
			    conf_require(ctx, g, "to") ||
			    conf_get_str(ctx, g, "url", &a->url) < 0 ||
			    conf_check_url(ctx, g, "url", a->url,
				(const char *const[]){"smtp", "smtps", NULL}) < 0 ||
			    conf_get_str(ctx, g, "from", &a->from) < 0 ||
			    conf_get_strv(ctx, g, "to", &a->to) < 0 ||
			    conf_get_str(ctx, g, "username", &a->username) < 0 ||
			    conf_get_str(ctx, g, "password", &a->password) < 0)
				return -1;
			if (a->to.n == 0) {
				conf_error(ctx, g, "to", "no recipients");
				return -1;
			}
			if (strchr(a->from, '@') == NULL ||
			    strpbrk(a->from, "\r\n<>")) {
				conf_error(ctx, g, "from",
				    "\"%s\" is not a mail address", a->from);
				return -1;
			}
			for (size_t k = 0; k < a->to.n; k++)
				if (strchr(a->to.v[k], '@') == NULL ||
				    strpbrk(a->to.v[k], "\r\n<>")) {
					conf_error(ctx, g, "to",
					    "\"%s\" is not a mail address", a->to.v[k]);
					return -1;
				}
			break;
		case CONF_ALERT_ALERTMANAGER:
			if (conf_require(ctx, g, "url") ||
			    conf_get_str(ctx, g, "url", &a->url) < 0 ||
			    conf_check_url(ctx, g, "url", a->url,
				(const char *const[]){"http", "https", NULL}) < 0 ||
			    conf_get_strv(ctx, g, "headers", &a->headers) < 0 ||
			    check_headers(ctx, g, &a->headers) < 0 ||
			    conf_get_strv(ctx, g, "labels", &a->labels) < 0 ||
			    check_labels(ctx, g, &a->labels) < 0 ||
			    conf_get_int(ctx, g, "resolve_after", 60, 30 * DAY, &v) < 0)
				return -1;
			if (config_setting_get_member(g, "resolve_after"))
				a->resolve_after = (int)v;
			break;
		case CONF_ALERT_PAGERDUTY:
			if (conf_require(ctx, g, "routing_key") ||
			    conf_get_str(ctx, g, "routing_key", &a->routing_key) < 0 ||
			    conf_get_str(ctx, g, "url", &a->url) < 0 ||
			    (a->url &&
				conf_check_url(ctx, g, "url", a->url,
				    (const char *const[]){"http", "https", NULL}) <
				    0) ||
			    conf_get_str(ctx, g, "severity", &a->severity) < 0)
				return -1;
			if (a->routing_key[0] == '\0') {
				conf_error(ctx, g, "routing_key", "must not be empty");
				return -1;
			}
			if (a->url == NULL)
				a->url = xstrdup(CONF_PAGERDUTY_URL);
			if (a->severity == NULL)
				a->severity = xstrdup("critical");
			if (strcmp(a->severity, "critical") &&
			    strcmp(a->severity, "error") &&
			    strcmp(a->severity, "warning") &&
			    strcmp(a->severity, "info")) {
				conf_error(ctx, g, "severity",
				    "\"%s\": expected critical, error, warning or info",
				    a->severity);
				return -1;
			}
			break;
		case CONF_ALERT_SLACK:
			if (conf_require(ctx, g, "url") ||
			    conf_get_str(ctx, g, "url", &a->url) < 0 ||
			    conf_check_url(ctx, g, "url", a->url,
				(const char *const[]){"http", "https", NULL}) < 0)
				return -1;
			break;
		}
	}
	return 0;
}
