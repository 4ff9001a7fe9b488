/*
 * conf-maint.c - the maintenance{} group of the configuration: windows,
 * their rules and scope, announcements and ics files.
 */
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
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

static bool
group_exists(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->ntargets; i++)
		for (size_t j = 0; j < c->targets[i].groups.n; j++)
			if (strcmp(c->targets[i].groups.v[j], name) == 0)
				return true;
	return false;
}

static bool
component_exists(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->ntargets; i++)
		if (strcmp(c->targets[i].component, name) == 0)
			return true;
	return false;
}

static int
parse_applies(struct conf_ctx *ctx, const config_setting_t *g, const struct conf *c,
    struct conf_window *w)
{
	struct conf_strv v = {NULL, 0};
	int rc;

	if ((rc = conf_get_strv(ctx, g, "applies_to", &v)) <= 0) {
		if (rc == 0) {
			w->applies = xcalloc(1, sizeof(*w->applies));
			w->applies[0].kind = CONF_APPLIES_ALL;
			w->napplies = 1;
		}
		conf_strv_free(&v);
		return rc;
	}
	if (v.n == 0) {
		conf_error(ctx, g, "applies_to", "empty list: use \"all\" or names");
		conf_strv_free(&v);
		return -1;
	}
	w->applies = xcalloc(v.n, sizeof(*w->applies));
	for (size_t i = 0; i < v.n; i++) {
		struct conf_applies *a = &w->applies[w->napplies++];
		const char *s = v.v[i];

		if (strcmp(s, "all") == 0) {
			a->kind = CONF_APPLIES_ALL;
		} else if (strncmp(s, "group:", 6) == 0) {
			a->kind = CONF_APPLIES_GROUP;
			a->name = xstrdup(s + 6);
			if (!group_exists(c, a->name)) {
				conf_error(ctx, g, "applies_to",
				    "no target is in group \"%s\"", a->name);
				break;
			}
		} else if (strncmp(s, "component:", 10) == 0) {
			a->kind = CONF_APPLIES_COMPONENT;
			a->name = xstrdup(s + 10);
			if (!component_exists(c, a->name)) {
				conf_error(ctx, g, "applies_to", "no component \"%s\"",
				    a->name);
				break;
			}
		} else {
			a->kind = CONF_APPLIES_TARGET;
			a->name = xstrdup(s);
			if (conf_target_find(c, s) == NULL) {
				conf_error(ctx, g, "applies_to",
				    "no target \"%s\" (use "
				    "group:NAME, component:NAME or all)",
				    s);
				break;
			}
		}
	}
	conf_strv_free(&v);
	return ctx->failed ? -1 : 1;
}

/* Whether libical accepts the rule, and it carries nothing we cannot honour. */
static int
check_rrule(struct conf_ctx *ctx, const config_setting_t *g, const char *rule)
{
	struct icalrecurrencetype r;

	icalerror_clear_errno();
	r = icalrecurrencetype_from_string(rule);
	if (r.freq == ICAL_NO_RECURRENCE || icalerrno != ICAL_NO_ERROR) {
		conf_error(
		    ctx, g, "rrule", "\"%s\" is not a valid RFC 5545 RRULE", rule);
		icalerror_clear_errno();
		return -1;
	}
	if (strstr(rule, "DTSTART") != NULL) {
		conf_error(ctx, g, "rrule",
		    "DTSTART does not belong in the rule; use "
		    "first");
		return -1;
	}
	if (r.freq == ICAL_SECONDLY_RECURRENCE || r.freq == ICAL_MINUTELY_RECURRENCE) {
		conf_error(ctx, g, "rrule",
		    "FREQ below HOURLY is not a maintenance "
		    "window");
		return -1;
	}
	return 0;
}

static int
parse_windows(struct conf_ctx *ctx, const config_setting_t *m, struct conf *c)
{
	static const char *const keys[] = {"name", "rrule", "first", "duration", "end",
	    "published", "requires_announcement", "applies_to", "description", NULL};
	config_setting_t *list = conf_get_group(ctx, m, "windows", true);
	int n;

	if (ctx->failed)
		return -1;
	if (list == NULL)
		return 0;
	n = config_setting_length(list);
	c->windows = xcalloc((size_t)n + 1, sizeof(*c->windows));
	for (int i = 0; i < n; i++) {
		config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		struct conf_window *w = &c->windows[i];
		char *end = NULL;
		long dur = 0;
		bool date_only;
		int rc;

		c->nwindows++;
		w->end_hms = -1;
		w->line = config_setting_source_line(g);
		if (!config_setting_is_group(g)) {
			conf_error(ctx, g, NULL, "expected a group { ... }");
			return -1;
		}
		if (conf_check_keys(ctx, g, keys, NULL) ||
		    conf_require(ctx, g, "name") ||
		    conf_get_str(ctx, g, "name", &w->name) < 0 ||
		    conf_get_str(ctx, g, "rrule", &w->rrule) < 0 ||
		    conf_get_str(ctx, g, "description", &w->description) < 0 ||
		    conf_get_bool(
			ctx, g, "requires_announcement", &w->requires_announcement) < 0)
			return -1;
		if (!conf_valid_name(w->name)) {
			conf_error(ctx, g, "name",
			    "\"%s\": use letters, digits, '.', '_' "
			    "or '-'",
			    w->name);
			return -1;
		}
		for (int j = 0; j < i; j++)
			if (strcmp(c->windows[j].name, w->name) == 0) {
				conf_error(ctx, g, "name",
				    "duplicate window \"%s\" (first at "
				    "line %d)",
				    w->name, c->windows[j].line);
				return -1;
			}
		if (w->rrule == NULL) {
			static const char *const rule_only[] = {
			    "first", "duration", "end", "published", NULL};
			for (size_t k = 0; rule_only[k]; k++)
				if (config_setting_get_member(g, rule_only[k])) {
					conf_error(ctx, g, rule_only[k],
					    "only meaningful with "
					    "rrule (a window without rrule exists only through "
					    "announcements)");
					return -1;
				}
		} else {
			if (check_rrule(ctx, g, w->rrule) ||
			    conf_require(ctx, g, "first") ||
			    conf_get_str(ctx, g, "first", &w->first_str) < 0)
				return -1;
			if (conf_get_time(ctx, g, "first", &w->first, &date_only) < 0)
				return -1;
			{
				struct tz_local l;
				tz_to_local(w->first, &l);
				w->first_hms = l.hour * 3600 + l.min * 60 + l.sec;
			}
			if ((rc = conf_get_int(ctx, g, "duration", 1, 31 * DAY, &dur)) <
				0 ||
			    conf_get_str(ctx, g, "end", &end) < 0)
				return -1;
			if (rc == 0 && end == NULL) {
				conf_error(ctx, g, "duration",
				    "missing (give duration in "
				    "seconds, or end as a local time HH:MM)");
				return -1;
			}
			if (rc > 0 && end != NULL) {
				free(end);
				conf_error(ctx, g, "end",
				    "give either duration or end, not "
				    "both");
				return -1;
			}
			w->duration = dur;
			if (end != NULL) {
				int hms;
				if (tz_parse_hms(end, &hms) < 0) {
					conf_error(ctx, g, "end",
					    "\"%s\": expected a local time "
					    "of day HH:MM[:SS]",
					    end);
					free(end);
					return -1;
				}
				free(end);
				w->end_hms = hms % 86400;
			}
			if ((rc = conf_get_time(
				 ctx, g, "published", &w->published, NULL)) < 0)
				return -1;
			w->has_published = rc > 0;
		}
		if (parse_applies(ctx, g, c, w) < 0)
			return -1;
	}
	return 0;
}

static int
parse_announcements(struct conf_ctx *ctx, const config_setting_t *m, struct conf *c)
{
	static const char *const keys[] = {
	    "window", "start", "end", "announced_at", "note", NULL};
	config_setting_t *list = conf_get_group(ctx, m, "announcements", true);
	int n;

	if (ctx->failed)
		return -1;
	if (list == NULL)
		return 0;
	n = config_setting_length(list);
	c->announcements = xcalloc((size_t)n + 1, sizeof(*c->announcements));
	for (int i = 0; i < n; i++) {
		config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		struct conf_announcement *a = &c->announcements[i];

		c->nannouncements++;
		a->line = config_setting_source_line(g);
		if (!config_setting_is_group(g)) {
			conf_error(ctx, g, NULL, "expected a group { ... }");
			return -1;
		}
		if (conf_check_keys(ctx, g, keys, NULL) ||
		    conf_require(ctx, g, "window") || conf_require(ctx, g, "start") ||
		    conf_require(ctx, g, "end") ||
		    conf_require(ctx, g, "announced_at") ||
		    conf_get_str(ctx, g, "window", &a->window) < 0 ||
		    conf_get_str(ctx, g, "note", &a->note) < 0 ||
		    conf_get_time(ctx, g, "start", &a->start, NULL) < 0 ||
		    conf_get_time(ctx, g, "end", &a->end, NULL) < 0 ||
		    conf_get_time(ctx, g, "announced_at", &a->announced_at, NULL) < 0)
			return -1;
		if (conf_window_find(c, a->window) == NULL) {
			conf_error(
			    ctx, g, "window", "no window named \"%s\"", a->window);
			return -1;
		}
		if (a->end <= a->start) {
			conf_error(ctx, g, "end", "must be after start");
			return -1;
		}
		if (a->end - a->start > 31 * DAY) {
			conf_error(ctx, g, "end",
			    "a maintenance longer than 31 days is not "
			    "a window");
			return -1;
		}
	}
	return 0;
}

/* Where the last good copy of a subscribed calendar is kept. */
static char *
ics_cache_path(const char *state_dir, const char *url)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a: stable across versions */
	char *p;

	for (const unsigned char *s = (const unsigned char *)url; *s; s++)
		h = (h ^ *s) * 1099511628211ULL;
	xasprintf(&p, "%s/ics/%016llx.ics", state_dir, (unsigned long long)h);
	return p;
}

static int
ics_entry(struct conf_ctx *ctx, config_setting_t *e, struct conf *c, struct conf_ics *x)
{
	static const char *const keys[] = {
	    "file", "url", "trust_created", "applies_to", "ca_file", NULL};
	static const char *const schemes[] = {"http", "https", NULL};
	const char *s;
	char *file = NULL, *url = NULL;

	x->line = config_setting_source_line(e);
	if (config_setting_type(e) == CONFIG_TYPE_STRING) {
		s = config_setting_get_string(e);
		if (strstr(s, "://") != NULL)
			url = xstrdup(s);
		else
			file = xstrdup(s);
	} else if (config_setting_is_group(e)) {
		struct conf_window tmp;
		int rc;

		memset(&tmp, 0, sizeof(tmp));
		if (conf_check_keys(ctx, e, keys, NULL) ||
		    conf_get_str(ctx, e, "file", &file) < 0 ||
		    conf_get_str(ctx, e, "url", &url) < 0 ||
		    conf_get_bool(ctx, e, "trust_created", &x->trust_created) < 0 ||
		    conf_get_str(ctx, e, "ca_file", &x->ca_file) < 0 ||
		    (rc = parse_applies(ctx, e, c, &tmp)) < 0) {
			free(file);
			free(url);
			return -1;
		}
		if (rc > 0) {
			x->applies = tmp.applies;
			x->napplies = tmp.napplies;
		} else {
			free(tmp.applies);
		}
		if ((file == NULL) == (url == NULL)) {
			conf_error(ctx, e, file ? "url" : "file",
			    "give either file or url, not %s",
			    file ? "both" : "neither");
			free(file);
			free(url);
			return -1;
		}
	} else {
		conf_error(ctx, e, NULL,
		    "expected a file name, a URL or a group { url = ...; }");
		return -1;
	}
	x->source = xstrdup(file ? file : url);
	if (url != NULL) {
		/* webcal: is what Apple and Outlook publish; it means https. */
		if (strncasecmp(url, "webcal://", 9) == 0) {
			char *u;
			xasprintf(&u, "https://%s", url + 9);
			free(url);
			url = u;
		}
		x->url = url;
		if (conf_check_url(ctx, e, config_setting_is_group(e) ? "url" : NULL,
			url, schemes) < 0)
			return -1;
		x->path = ics_cache_path(c->state_dir, url);
		if (x->ca_file && access(x->ca_file, R_OK) == -1) {
			conf_error(ctx, e, "ca_file", "\"%s\": %s", x->ca_file,
			    strerror(errno));
			return -1;
		}
		return 0;
	}
	x->path = file;
	if (x->ca_file) {
		conf_error(ctx, e, "ca_file", "only meaningful with url");
		return -1;
	}
	if (access(file, R_OK) == -1) {
		conf_error(ctx, e, config_setting_is_group(e) ? "file" : NULL,
		    "\"%s\": %s", file, strerror(errno));
		return -1;
	}
	return 0;
}

static int
parse_ics(struct conf_ctx *ctx, config_setting_t *m, struct conf *c)
{
	config_setting_t *list = config_setting_get_member(m, "ics");
	int n;

	c->ics_refresh = 900;
	if (conf_get_int(ctx, m, "ics_refresh", 1, 7 * DAY, &c->ics_refresh) < 0)
		return -1;
	if (list == NULL)
		return 0;
	if (!config_setting_is_aggregate(list) || config_setting_is_group(list)) {
		conf_error(ctx, list, "ics",
		    "expected a list of files and URLs [\"a.ics\", "
		    "\"https://...\"] or ( { url = ...; }, ... )");
		return -1;
	}
	n = config_setting_length(list);
	c->ics = xcalloc((size_t)n + 1, sizeof(*c->ics));
	for (int i = 0; i < n; i++) {
		c->nics++;
		if (ics_entry(ctx, config_setting_get_elem(list, (unsigned)i), c,
			&c->ics[i]) < 0)
			return -1;
	}
	return 0;
}

int
conf_parse_maintenance(
    struct conf_ctx *ctx, const config_setting_t *root, struct conf *c)
{
	static const char *const keys[] = {
	    "min_notice", "windows", "announcements", "ics", "ics_refresh", NULL};
	config_setting_t *m = conf_get_group(ctx, root, "maintenance", false);

	if (ctx->failed)
		return -1;
	if (m == NULL) {
		conf_error(ctx, root, "maintenance", "missing");
		return -1;
	}
	if (conf_check_keys(ctx, m, keys, NULL) ||
	    conf_get_int(ctx, m, "min_notice", 0, 365 * DAY, &c->min_notice) < 0 ||
	    parse_windows(ctx, m, c) < 0 || parse_announcements(ctx, m, c) < 0 ||
	    parse_ics(ctx, m, c) < 0)
		return -1;
	return 0;
}

void
conf_ics_free(struct conf_ics *x)
{
	free(x->source);
	free(x->url);
	free(x->path);
	free(x->ca_file);
	for (size_t i = 0; i < x->napplies; i++)
		free(x->applies[i].name);
	free(x->applies);
}

void
conf_window_free(struct conf_window *w)
{
	free(w->name);
	free(w->rrule);
	free(w->first_str);
	free(w->description);
	for (size_t i = 0; i < w->napplies; i++)
		free(w->applies[i].name);
	free(w->applies);
}
