/*
 * conf-alerts.c - the alerts() list of the configuration: webhook, exec
 * and smtp channels.
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

int
conf_parse_alerts(struct conf_ctx *ctx, const config_setting_t *root, struct conf *c)
{
	static const char *const keys[] = {"type", "name", "url", "headers", "secret",
	    "command", "from", "to", "username", "password", "timeout", "retry_for",
	    NULL};
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
		} else {
			conf_error(ctx, g, "type",
			    "\"%s\": expected webhook, exec or smtp", type);
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
			for (size_t k = 0; k < a->headers.n; k++) {
				const char *h = a->headers.v[k],
					   *colon = strchr(h, ':');
				if (colon == NULL || colon == h || strpbrk(h, "\r\n")) {
					conf_error(ctx, g, "headers",
					    "\"%s\": expected "
					    "\"Name: value\"",
					    h);
					return -1;
				}
			}
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
		}
	}
	return 0;
}
