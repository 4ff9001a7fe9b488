/*
 * conf.c - loading and validating the configuration (design.md section 3).
 *
 * Every error is one line "FILE:LINE: field: what is wrong", where field is
 * the dotted path of the setting (targets[2].port). The first error stops
 * the load: a second message about a file already known to be wrong helps
 * nobody and is often a consequence of the first.
 */
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libical/ical.h>

#include "../probes/probe.h"
#include "conf-priv.h"
#include "conf.h"
#include "log.h"
#include "tz.h"

static const char *const timing_keys[] = {"interval", "timeout", "retry_interval",
    "fail_threshold", "alert_after", "alert_repeat", "slo", "latency_slo_ms", NULL};

static int
parse_timing(struct conf_ctx *ctx, const config_setting_t *g, struct conf_timing *t,
    bool retry_given_default)
{
	long v;
	int rc;
	bool retry_given = retry_given_default;

	if (conf_get_int(ctx, g, "interval", 1, DAY, &v) < 0)
		return -1;
	else if (config_setting_get_member(g, "interval"))
		t->interval = (int)v;
	if (conf_get_int(ctx, g, "timeout", 1, 3600, &v) < 0)
		return -1;
	else if (config_setting_get_member(g, "timeout"))
		t->timeout = (int)v;
	if ((rc = conf_get_int(ctx, g, "retry_interval", 1, DAY, &v)) < 0)
		return -1;
	else if (rc > 0) {
		t->retry_interval = (int)v;
		retry_given = true;
	}
	if (conf_get_int(ctx, g, "fail_threshold", 1, 100, &v) < 0)
		return -1;
	else if (config_setting_get_member(g, "fail_threshold"))
		t->fail_threshold = (int)v;
	if (conf_get_int(ctx, g, "alert_after", 0, 30 * DAY, &v) < 0)
		return -1;
	else if (config_setting_get_member(g, "alert_after"))
		t->alert_after = (int)v;
	if (conf_get_int(ctx, g, "alert_repeat", 0, 30 * DAY, &v) < 0)
		return -1;
	else if (config_setting_get_member(g, "alert_repeat"))
		t->alert_repeat = (int)v;
	if (conf_get_double(ctx, g, "slo", 0.0, 100.0, &t->slo) < 0)
		return -1;
	/* 0 in a target turns off the defaults' objective */
	if (conf_get_int(ctx, g, "latency_slo_ms", 0, 600000, &v) < 0)
		return -1;
	else if (config_setting_get_member(g, "latency_slo_ms"))
		t->latency_slo_ms = (int)v;
	if (!retry_given || t->retry_interval > t->interval)
		t->retry_interval = t->interval < 10 ? t->interval : 10;
	if (retry_given && config_setting_get_member(g, "retry_interval") &&
	    t->retry_interval > t->interval) {
		conf_error(ctx, g, "retry_interval", "must not exceed interval (%d)",
		    t->interval);
		return -1;
	}
	if (t->timeout > t->interval) {
		conf_error(ctx, g,
		    config_setting_get_member(g, "timeout") ? "timeout" : "interval",
		    "timeout (%d s) must not exceed interval (%d s)", t->timeout,
		    t->interval);
		return -1;
	}
	return 0;
}

bool
conf_valid_name(const char *s)
{
	if (*s == '\0' || strlen(s) > 64 || *s == '.' || *s == '-')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && strchr("._-", *s) == NULL)
			return false;
	return true;
}

static int
parse_slamon(struct conf_ctx *ctx, const config_setting_t *root, struct conf *c)
{
	static const char *const keys[] = {"state_dir", "timezone", "listen",
	    "rrdcached", "public_url", "admin_listen", "admin_tokens", "max_inflight",
	    NULL};
	config_setting_t *g = conf_get_group(ctx, root, "slamon", false);
	char *colon;

	if (ctx->failed)
		return -1;
	if (g == NULL)
		goto zone;
	if (conf_check_keys(ctx, g, keys, conf_http_keys) ||
	    conf_http_parse(ctx, g, &c->http) < 0 ||
	    conf_get_str(ctx, g, "state_dir", &c->state_dir) < 0 ||
	    conf_get_str(ctx, g, "timezone", &c->timezone) < 0 ||
	    conf_get_str(ctx, g, "listen", &c->listen) < 0 ||
	    conf_get_str(ctx, g, "rrdcached", &c->rrdcached) < 0 ||
	    conf_get_str(ctx, g, "public_url", &c->public_url) < 0 ||
	    conf_get_int(ctx, g, "max_inflight", 0, 1000000, &c->max_inflight) < 0)
		return -1;
	if (c->state_dir[0] == '\0') {
		conf_error(ctx, g, "state_dir", "must not be empty");
		return -1;
	}
	if (c->listen[0]) {
		char *port;
		long p;
		char *end;

		if (c->listen[0] == '[')
			port = strstr(c->listen, "]:");
		else
			port = strrchr(c->listen, ':');
		if (port == NULL || port == c->listen) {
			conf_error(ctx, g, "listen",
			    "\"%s\": expected HOST:PORT or [V6]:PORT", c->listen);
			return -1;
		}
		port += (*port == ']') ? 2 : 1;
		p = strtol(port, &end, 10);
		if (*port == '\0' || *end || p < 1 || p > 65535) {
			conf_error(ctx, g, "listen", "\"%s\": port must be 1..65535",
			    c->listen);
			return -1;
		}
	}
	if (c->rrdcached[0] && strncmp(c->rrdcached, "unix:", 5) != 0) {
		colon = strrchr(c->rrdcached, ':');
		if (colon == NULL || colon == c->rrdcached || atoi(colon + 1) < 1 ||
		    atoi(colon + 1) > 65535) {
			conf_error(ctx, g, "rrdcached",
			    "\"%s\": expected unix:/PATH or HOST:PORT", c->rrdcached);
			return -1;
		}
	} else if (c->rrdcached[0] && c->rrdcached[5] != '/') {
		conf_error(ctx, g, "rrdcached", "unix socket path must be absolute");
		return -1;
	}
	if (conf_parse_admin(ctx, g, c) < 0)
		return -1;
	if (c->public_url &&
	    conf_check_url(ctx, g, "public_url", c->public_url,
		(const char *const[]){"http", "https", NULL}) < 0)
		return -1;
zone:
	if (tz_set(c->timezone) == -1) {
		conf_error(ctx, g, g ? "timezone" : "slamon.timezone",
		    "\"%s\" is not a time zone in the tz database", c->timezone);
		return -1;
	}
	return 0;
}

static int
dup_cmp(const void *a, const void *b, void *arg)
{
	const struct conf_target *tg = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int d = strcmp(tg[x].name, tg[y].name);

	return d ? d : (x > y) - (x < y);
}

/*
 * The first target (in file order) whose name an earlier one has: sorted by
 * name then position, not compared pairwise, so that 100,000 targets load
 * in well under a second rather than in half a minute.
 */
static int
check_duplicates(struct conf_ctx *ctx, const config_setting_t *list, struct conf *c)
{
	size_t *ix = xcalloc(c->ntargets, sizeof(*ix));
	size_t dup = c->ntargets, first = 0;

	for (size_t i = 0; i < c->ntargets; i++)
		ix[i] = i;
	qsort_r(ix, c->ntargets, sizeof(*ix), dup_cmp, c->targets);
	for (size_t k = 1; k < c->ntargets; k++)
		if (strcmp(c->targets[ix[k]].name, c->targets[ix[k - 1]].name) == 0 &&
		    (k < 2 ||
			strcmp(c->targets[ix[k - 1]].name,
			    c->targets[ix[k - 2]].name) != 0) &&
		    ix[k] < dup) {
			dup = ix[k];
			first = ix[k - 1];
		}
	free(ix);
	if (dup == c->ntargets)
		return 0;
	conf_error(ctx, config_setting_get_elem(list, (unsigned)dup), "name",
	    "duplicate target \"%s\" (first at line %d)", c->targets[dup].name,
	    c->targets[first].line);
	return -1;
}

static int
parse_targets(struct conf_ctx *ctx, const config_setting_t *root, struct conf *c)
{
	static const char *const common[] = {
	    "name", "component", "type", "groups", "credits", NULL};
	config_setting_t *list = conf_get_group(ctx, root, "targets", true);
	int n;

	if (ctx->failed)
		return -1;
	if (list == NULL) {
		conf_error(ctx, root, "targets", "missing");
		return -1;
	}
	n = config_setting_length(list);
	if (n == 0) {
		conf_error(ctx, list, NULL, "no targets");
		return -1;
	}
	c->targets = xcalloc((size_t)n, sizeof(*c->targets));
	for (int i = 0; i < n; i++) {
		config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		struct conf_target *t = &c->targets[i];

		c->ntargets++;
		t->line = config_setting_source_line(g);
		if (!config_setting_is_group(g)) {
			conf_error(ctx, g, NULL, "expected a group { ... }");
			return -1;
		}
		if (conf_require(ctx, g, "name") || conf_require(ctx, g, "type") ||
		    conf_get_str(ctx, g, "name", &t->name) < 0 ||
		    conf_get_str(ctx, g, "type", &t->type) < 0)
			return -1;
		if (!conf_valid_name(t->name)) {
			conf_error(ctx, g, "name",
			    "\"%s\": use 1-64 letters, digits, '.', "
			    "'_' or '-', not starting with '.' or '-'",
			    t->name);
			return -1;
		}
		if ((t->ops = probe_find(t->type)) == NULL) {
			conf_error(
			    ctx, g, "type", "unknown probe type \"%s\"", t->type);
			return -1;
		}
		for (int k = 0; k < config_setting_length(g); k++) {
			const char *key = config_setting_name(
			    config_setting_get_elem(g, (unsigned)k));
			bool known = false;
			for (size_t j = 0; common[j] && !known; j++)
				known = strcmp(common[j], key) == 0;
			for (size_t j = 0; timing_keys[j] && !known; j++)
				known = strcmp(timing_keys[j], key) == 0;
			for (size_t j = 0; t->ops->keys[j] && !known; j++)
				known = strcmp(t->ops->keys[j], key) == 0;
			if (!known) {
				conf_error(ctx, g, key,
				    "unknown setting for a %s target", t->type);
				return -1;
			}
		}
		if (conf_get_str(ctx, g, "component", &t->component) < 0 ||
		    conf_get_strv(ctx, g, "groups", &t->groups) < 0)
			return -1;
		if (t->component == NULL)
			t->component = xstrdup(t->name);
		else if (t->component[0] == '\0') {
			conf_error(ctx, g, "component", "must not be empty");
			return -1;
		}
		for (size_t j = 0; j < t->groups.n; j++)
			if (!conf_valid_name(t->groups.v[j])) {
				conf_error(ctx, g, "groups",
				    "\"%s\" is not a valid group name", t->groups.v[j]);
				return -1;
			}
		t->t = c->defaults;
		if (parse_timing(ctx, g, &t->t, false) < 0 ||
		    conf_parse_credits(ctx, g, &c->credits, &t->credits) < 0)
			return -1;
		if ((t->probe = t->ops->configure(ctx, g)) == NULL) {
			if (!ctx->failed)
				conf_error(ctx, g, NULL, "invalid %s target", t->type);
			return -1;
		}
	}
	return check_duplicates(ctx, list, c);
}

/* The whole file as a string, or NULL with err set (never exits). */
static char *
conf_slurp(FILE *f, const char *path, char *err, size_t errlen)
{
	struct stat st;
	size_t len = 0, cap = 8192;
	char *buf;

	if (fstat(fileno(f), &st) == -1) {
		snprintf(err, errlen, "%s:0: (file): %s", path, strerror(errno));
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s:0: (file): not a regular file%s", path,
		    S_ISDIR(st.st_mode) ? " (a directory)" : "");
		return NULL;
	}
	buf = xmalloc(cap);
	for (;;) {
		size_t n = fread(buf + len, 1, cap - len - 1, f);

		len += n;
		if (n == 0) {
			if (ferror(f)) {
				snprintf(err, errlen, "%s:0: (file): %s", path,
				    strerror(errno ? errno : EIO));
				free(buf);
				return NULL;
			}
			break;
		}
		if (len + 1 == cap) {
			cap *= 2;
			buf = xreallocarray(buf, cap, 1);
		}
	}
	buf[len] = '\0';
	if (strlen(buf) != len) {
		snprintf(
		    err, errlen, "%s:0: (file): a NUL byte: not a text file", path);
		free(buf);
		return NULL;
	}
	return buf;
}

struct conf *
conf_load(const char *path, char *err, size_t errlen)
{
	static const char *const top[] = {"slamon", "defaults", "targets",
	    "maintenance", "alerts", "cluster", "page", NULL};
	struct conf_ctx ctx = {.file = path};
	struct conf *c = xcalloc(1, sizeof(*c));
	config_t cfg;
	config_setting_t *root, *d;
	char *text;
	FILE *f;

	c->path = xstrdup(path);
	c->state_dir = xstrdup("var/slamon");
	c->timezone = xstrdup("Europe/Oslo");
	c->listen = xstrdup("127.0.0.1:8080");
	c->admin_listen = xstrdup("");
	c->rrdcached = xstrdup("");
	conf_http_defaults(&c->http);
	c->defaults = (struct conf_timing){30, 10, 10, 2, 1800, 0, 99.5, 0};
	c->min_notice = DAY;

	config_init(&cfg);
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s:0: (file): %s", path, strerror(errno));
		goto fail;
	}
	{
		char *dup = xstrdup(path);
		config_set_include_dir(&cfg, dirname(dup));
		free(dup);
	}
	/* read it whole first: libconfig's scanner exits the process when its
	 * input fails (a directory, an I/O error), which for a reload would
	 * be a daemon gone instead of a reload rejected */
	if ((text = conf_slurp(f, path, err, errlen)) == NULL) {
		fclose(f);
		goto fail;
	}
	fclose(f);
	f = NULL;
	if (config_read_string(&cfg, text) != CONFIG_TRUE) {
		free(text);
		snprintf(err, errlen, "%s:%d: (syntax): %s",
		    config_error_file(&cfg) ? config_error_file(&cfg) : path,
		    config_error_line(&cfg), config_error_text(&cfg));
		goto fail;
	}
	free(text);
	root = config_root_setting(&cfg);
	if (conf_check_keys(&ctx, root, top, NULL) < 0)
		goto ctxfail;
	if (parse_slamon(&ctx, root, c) < 0)
		goto ctxfail;
	if ((d = conf_get_group(&ctx, root, "defaults", false)) != NULL) {
		if (conf_check_keys(&ctx, d, timing_keys,
			(const char *const[]){"credits", NULL}) < 0 ||
		    parse_timing(&ctx, d, &c->defaults, false) < 0 ||
		    conf_parse_credits(&ctx, d, NULL, &c->credits) < 0)
			goto ctxfail;
	} else if (ctx.failed)
		goto ctxfail;
	if (parse_targets(&ctx, root, c) < 0 ||
	    conf_parse_maintenance(&ctx, root, c) < 0 ||
	    conf_parse_alerts(&ctx, root, c) < 0 ||
	    conf_parse_cluster(&ctx, root, c) < 0 || conf_parse_page(&ctx, root, c) < 0)
		goto ctxfail;
	config_destroy(&cfg);
	conf_secret_keep(&ctx, c);
	conf_src_free(ctx.src);
	return c;
ctxfail:
	snprintf(err, errlen, "%s", ctx.err);
fail:
	config_destroy(&cfg);
	conf_ctx_clear(&ctx);
	conf_src_free(ctx.src);
	conf_free(c);
	return NULL;
}

void
conf_free(struct conf *c)
{
	if (c == NULL)
		return;
	free(c->path);
	free(c->state_dir);
	free(c->timezone);
	free(c->listen);
	free(c->rrdcached);
	free(c->public_url);
	free(c->admin_listen);
	free(c->admin_tokens_from);
	admin_tokens_free(&c->admin_tokens);
	for (size_t i = 0; i < c->ntargets; i++) {
		struct conf_target *t = &c->targets[i];
		free(t->name);
		free(t->component);
		free(t->type);
		if (t->probe && t->ops)
			t->ops->free(t->probe);
		conf_strv_free(&t->groups);
		conf_credits_free(&t->credits);
	}
	free(c->targets);
	conf_credits_free(&c->credits);
	for (size_t i = 0; i < c->nwindows; i++)
		conf_window_free(&c->windows[i]);
	free(c->windows);
	for (size_t i = 0; i < c->nannouncements; i++) {
		free(c->announcements[i].window);
		free(c->announcements[i].note);
	}
	free(c->announcements);
	for (size_t i = 0; i < c->nics; i++)
		conf_ics_free(&c->ics[i]);
	free(c->ics);
	for (size_t i = 0; i < c->nalerts; i++) {
		conf_alert_clear(&c->alerts[i]);
	}
	free(c->alerts);
	conf_cluster_free(&c->cluster);
	conf_secret_free(c);
	conf_page_free(&c->page);
	free(c);
}

const struct conf_target *
conf_target_find(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->ntargets; i++)
		if (c->targets[i].name && strcmp(c->targets[i].name, name) == 0)
			return &c->targets[i];
	return NULL;
}

const struct conf_window *
conf_window_find(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->nwindows; i++)
		if (c->windows[i].name && strcmp(c->windows[i].name, name) == 0)
			return &c->windows[i];
	return NULL;
}

bool
conf_applies_to(const struct conf_applies *a, size_t n, const struct conf_target *t)
{
	for (size_t i = 0; i < n; i++) {
		switch (a[i].kind) {
		case CONF_APPLIES_ALL:
			return true;
		case CONF_APPLIES_TARGET:
			if (strcmp(a[i].name, t->name) == 0)
				return true;
			break;
		case CONF_APPLIES_GROUP:
			for (size_t j = 0; j < t->groups.n; j++)
				if (strcmp(t->groups.v[j], a[i].name) == 0)
					return true;
			break;
		case CONF_APPLIES_COMPONENT:
			if (strcmp(t->component, a[i].name) == 0)
				return true;
			break;
		}
	}
	return false;
}
