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
#include <unistd.h>

#include <curl/curl.h>
#include <libical/ical.h>

#include "../probes/probe.h"
#include "conf.h"
#include "log.h"
#include "tz.h"

#define DAY (86400L)

static void
setting_path(const config_setting_t *s, char *buf, size_t len)
{
	const config_setting_t *parent;
	char up[512];

	if (s == NULL || (parent = config_setting_parent(s)) == NULL) {
		buf[0] = '\0';
		return;
	}
	setting_path(parent, up, sizeof(up));
	if (config_setting_is_list(parent) || config_setting_is_array(parent))
		snprintf(buf, len, "%s[%d]", up, config_setting_index(s));
	else if (up[0])
		snprintf(buf, len, "%s.%s", up, config_setting_name(s));
	else
		snprintf(buf, len, "%s", config_setting_name(s));
}

/*
 * Report an error at setting s. When field is given, it is a key of s that
 * is missing or wrong; when it names an existing child, that child's line
 * is used.
 */
void
conf_error(struct conf_ctx *ctx, const config_setting_t *s, const char *field,
    const char *fmt, ...)
{
	const config_setting_t *at = s, *child = NULL;
	char path[600], full[700], msg[512];
	const char *file;
	va_list ap;
	int line;

	if (ctx->failed)
		return;
	ctx->failed = 1;
	if (field && s && config_setting_is_group(s))
		child = config_setting_get_member(s, field);
	if (child)
		at = child;
	setting_path(s, path, sizeof(path));
	if (field && path[0])
		snprintf(full, sizeof(full), "%s.%s", path, field);
	else if (field)
		snprintf(full, sizeof(full), "%s", field);
	else
		snprintf(full, sizeof(full), "%s", path[0] ? path : "(top)");
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	line = at ? config_setting_source_line(at) : 0;
	file = at ? config_setting_source_file(at) : NULL;
	if (file == NULL)
		file = ctx->file;
	snprintf(ctx->err, sizeof(ctx->err), "%.200s:%d: %.300s: %.480s", file, line,
	    full, msg);
}

static const char *
type_name(int t)
{
	switch (t) {
	case CONFIG_TYPE_GROUP:
		return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a number";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "true or false";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	}
	return "unknown";
}

int
conf_require(struct conf_ctx *ctx, const config_setting_t *g, const char *key)
{
	if (config_setting_get_member(g, key) == NULL) {
		conf_error(ctx, g, key, "missing");
		return -1;
	}
	return 0;
}

int
conf_get_str(
    struct conf_ctx *ctx, const config_setting_t *g, const char *key, char **out)
{
	config_setting_t *s = config_setting_get_member(g, key);

	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		conf_error(ctx, g, key, "expected a string, found %s",
		    type_name(config_setting_type(s)));
		return -1;
	}
	free(*out);
	*out = xstrdup(config_setting_get_string(s));
	return 1;
}

/*
 * libconfig 1.5 reads a decimal or hex integer without an L suffix into 32
 * bits and silently drops the rest (port = 4294967297 becomes port 1). So
 * an integer of type INT is checked against its text: every "key = N" on
 * its source line must fit in 32 bits. 0, or -1 with the literal in lit.
 */
static int
int_as_written(struct conf_ctx *ctx, const config_setting_t *s, const char *key,
    char *lit, size_t litlen)
{
	const char *file = config_setting_source_file(s);
	unsigned int want = config_setting_source_line(s), n = 0;
	size_t klen = strlen(key);
	char line[4096];
	int rc = 0;
	FILE *f;

	if (file != NULL && file[0] != '/') { /* @include: next to the main file */
		char *dup = xstrdup(ctx->file);

		snprintf(line, sizeof(line), "%s/%s", dirname(dup), file);
		free(dup);
		file = line;
	}
	if ((f = fopen(file ? file : ctx->file, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strchr(line, '\n') != NULL || feof(f))
			if (++n == want)
				break;
	fclose(f);
	if (n != want)
		return 0;
	for (char *p = line; (p = strstr(p, key)) != NULL; p += klen) {
		char *q = p + klen, *end;
		long long v;

		if (p > line &&
		    (isalnum((unsigned char)p[-1]) || p[-1] == '_' || p[-1] == '-' ||
			p[-1] == '*'))
			continue;
		q += strspn(q, " \t");
		if (*q != '=' && *q != ':')
			continue;
		q += 1 + strspn(q + 1, " \t");
		errno = 0;
		if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X'))
			v = (long long)strtoull(q, &end, 16);
		else
			v = strtoll(q, &end, 10);
		if (end == q || *end == 'L' || *end == '.' || *end == 'e' ||
		    *end == 'E')
			continue;
		if (errno == ERANGE || v < INT_MIN || v > (long long)UINT_MAX ||
		    (v > INT_MAX && !(q[0] == '0' && (q[1] == 'x' || q[1] == 'X')))) {
			snprintf(lit, litlen, "%.*s", (int)(end - q), q);
			rc = -1;
			break;
		}
	}
	return rc;
}

int
conf_get_int(struct conf_ctx *ctx, const config_setting_t *g, const char *key, long min,
    long max, long *out)
{
	config_setting_t *s = config_setting_get_member(g, key);
	char lit[64];
	long long v;

	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64) {
		conf_error(ctx, g, key, "expected an integer, found %s",
		    type_name(config_setting_type(s)));
		return -1;
	}
	if (config_setting_type(s) == CONFIG_TYPE_INT &&
	    int_as_written(ctx, s, key, lit, sizeof(lit)) == -1) {
		conf_error(ctx, g, key, "%s is out of range %ld..%ld", lit, min, max);
		return -1;
	}
	v = config_setting_get_int64(s);
	if (v < min || v > max) {
		conf_error(ctx, g, key, "%lld is out of range %ld..%ld", v, min, max);
		return -1;
	}
	*out = (long)v;
	return 1;
}

static int
get_double(struct conf_ctx *ctx, const config_setting_t *g, const char *key, double min,
    double max, double *out)
{
	config_setting_t *s = config_setting_get_member(g, key);
	double v;

	if (s == NULL)
		return 0;
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		v = (double)config_setting_get_int64(s);
		break;
	case CONFIG_TYPE_FLOAT:
		v = config_setting_get_float(s);
		break;
	default:
		conf_error(ctx, g, key, "expected a number, found %s",
		    type_name(config_setting_type(s)));
		return -1;
	}
	if (!(v >= min && v <= max)) {
		conf_error(ctx, g, key, "%g is out of range %g..%g", v, min, max);
		return -1;
	}
	*out = v;
	return 1;
}

int
conf_get_bool(
    struct conf_ctx *ctx, const config_setting_t *g, const char *key, bool *out)
{
	config_setting_t *s = config_setting_get_member(g, key);

	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		conf_error(ctx, g, key, "expected true or false, found %s",
		    type_name(config_setting_type(s)));
		return -1;
	}
	*out = config_setting_get_bool(s);
	return 1;
}

void
conf_strv_free(struct conf_strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	v->v = NULL;
	v->n = 0;
}

/* A list or array of strings; a single string is taken as a list of one. */
int
conf_get_strv(struct conf_ctx *ctx, const config_setting_t *g, const char *key,
    struct conf_strv *out)
{
	config_setting_t *s = config_setting_get_member(g, key), *e;
	int n;

	if (s == NULL)
		return 0;
	conf_strv_free(out);
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		out->v = xcalloc(1, sizeof(char *));
		out->v[0] = xstrdup(config_setting_get_string(s));
		out->n = 1;
		return 1;
	}
	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		conf_error(ctx, g, key, "expected a list of strings, found %s",
		    type_name(config_setting_type(s)));
		return -1;
	}
	n = config_setting_length(s);
	out->v = xcalloc((size_t)n + 1, sizeof(char *));
	for (int i = 0; i < n; i++) {
		e = config_setting_get_elem(s, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			conf_error(ctx, e, NULL, "expected a string, found %s",
			    type_name(config_setting_type(e)));
			return -1;
		}
		out->v[out->n++] = xstrdup(config_setting_get_string(e));
	}
	return 1;
}

int
conf_get_intv(struct conf_ctx *ctx, const config_setting_t *g, const char *key,
    long min, long max, long **out, size_t *nout)
{
	config_setting_t *s = config_setting_get_member(g, key), *e;
	long long v;
	int n;

	if (s == NULL)
		return 0;
	if (config_setting_type(s) == CONFIG_TYPE_INT) {
		n = 1;
		e = s;
	} else if (config_setting_is_array(s) || config_setting_is_list(s)) {
		n = config_setting_length(s);
		e = NULL;
	} else {
		conf_error(ctx, g, key, "expected a list of integers, found %s",
		    type_name(config_setting_type(s)));
		return -1;
	}
	if (n == 0) {
		conf_error(ctx, g, key, "empty list");
		return -1;
	}
	free(*out);
	*out = xcalloc((size_t)n, sizeof(long));
	*nout = 0;
	for (int i = 0; i < n; i++) {
		config_setting_t *x = e ? e : config_setting_get_elem(s, (unsigned)i);
		if (config_setting_type(x) != CONFIG_TYPE_INT &&
		    config_setting_type(x) != CONFIG_TYPE_INT64) {
			conf_error(ctx, x, NULL, "expected an integer, found %s",
			    type_name(config_setting_type(x)));
			return -1;
		}
		v = config_setting_get_int64(x);
		if (v < min || v > max) {
			conf_error(
			    ctx, x, NULL, "%lld is out of range %ld..%ld", v, min, max);
			return -1;
		}
		(*out)[(*nout)++] = (long)v;
	}
	return 1;
}

int
conf_check_url(struct conf_ctx *ctx, const config_setting_t *g, const char *field,
    const char *url, const char *const *schemes)
{
	CURLU *u;
	CURLUcode rc;
	char *scheme = NULL, *host = NULL;
	int ok = -1;

	if ((u = curl_url()) == NULL)
		fatalx("curl_url: out of memory");
	rc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (rc != CURLUE_OK) {
		conf_error(ctx, g, field, "not a valid URL: %s", curl_url_strerror(rc));
		goto out;
	}
	curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
	curl_url_get(u, CURLUPART_HOST, &host, 0);
	if (host == NULL || *host == '\0') {
		conf_error(ctx, g, field, "URL has no host");
		goto out;
	}
	for (size_t i = 0; schemes && schemes[i]; i++)
		if (scheme && strcasecmp(scheme, schemes[i]) == 0)
			ok = 0;
	if (schemes == NULL)
		ok = 0;
	if (ok != 0) {
		char list[128] = "";
		for (size_t i = 0; schemes[i]; i++) {
			strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
			strncat(list, schemes[i], sizeof(list) - strlen(list) - 1);
		}
		conf_error(ctx, g, field, "URL scheme \"%s\" is not one of %s",
		    scheme ? scheme : "", list);
	}
out:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return ok;
}

/* Every key of group g must be in one of the NULL-terminated lists. */
static int
check_keys(struct conf_ctx *ctx, const config_setting_t *g, const char *const *a,
    const char *const *b)
{
	int n = config_setting_length(g);

	for (int i = 0; i < n; i++) {
		config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(s);
		bool known = false;

		for (size_t j = 0; a && a[j] && !known; j++)
			known = strcmp(a[j], name) == 0;
		for (size_t j = 0; b && b[j] && !known; j++)
			known = strcmp(b[j], name) == 0;
		if (!known) {
			conf_error(ctx, g, name, "unknown setting");
			return -1;
		}
	}
	return 0;
}

static config_setting_t *
get_group(
    struct conf_ctx *ctx, const config_setting_t *parent, const char *key, bool list)
{
	config_setting_t *s = config_setting_get_member(parent, key);

	if (s == NULL)
		return NULL;
	if (list ? !config_setting_is_list(s) : !config_setting_is_group(s)) {
		conf_error(ctx, parent, key, "expected %s, found %s",
		    list ? "a list ( ... )" : "a group { ... }",
		    type_name(config_setting_type(s)));
		return NULL;
	}
	return s;
}

static int
get_time(struct conf_ctx *ctx, const config_setting_t *g, const char *key, time_t *out,
    bool *date_only)
{
	char *s = NULL;
	enum tz_parse_result r;
	int rc;

	if ((rc = conf_get_str(ctx, g, key, &s)) <= 0)
		return rc;
	r = tz_parse(s, 0, out, date_only);
	if (r != TZ_PARSE_OK) {
		if (r == TZ_PARSE_GAP)
			conf_error(ctx, g, key, "\"%s\" does not exist in %s: %s", s,
			    tz_name(), tz_parse_strerror(r));
		else
			conf_error(ctx, g, key, "\"%s\": %s", s, tz_parse_strerror(r));
		free(s);
		return -1;
	}
	free(s);
	return 1;
}

static const char *const timing_keys[] = {"interval", "timeout", "retry_interval",
    "fail_threshold", "alert_after", "alert_repeat", "slo", NULL};

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
	if (get_double(ctx, g, "slo", 0.0, 100.0, &t->slo) < 0)
		return -1;
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

static bool
valid_name(const char *s)
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
	static const char *const keys[] = {
	    "state_dir", "timezone", "listen", "rrdcached", "public_url", NULL};
	config_setting_t *g = get_group(ctx, root, "slamon", false);
	char *colon;

	if (ctx->failed)
		return -1;
	if (g == NULL)
		goto zone;
	if (check_keys(ctx, g, keys, NULL) ||
	    conf_get_str(ctx, g, "state_dir", &c->state_dir) < 0 ||
	    conf_get_str(ctx, g, "timezone", &c->timezone) < 0 ||
	    conf_get_str(ctx, g, "listen", &c->listen) < 0 ||
	    conf_get_str(ctx, g, "rrdcached", &c->rrdcached) < 0 ||
	    conf_get_str(ctx, g, "public_url", &c->public_url) < 0)
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
	    "name", "component", "type", "groups", NULL};
	config_setting_t *list = get_group(ctx, root, "targets", true);
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
		if (!valid_name(t->name)) {
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
			if (!valid_name(t->groups.v[j])) {
				conf_error(ctx, g, "groups",
				    "\"%s\" is not a valid group name", t->groups.v[j]);
				return -1;
			}
		t->t = c->defaults;
		if (parse_timing(ctx, g, &t->t, false) < 0)
			return -1;
		if ((t->probe = t->ops->configure(ctx, g)) == NULL) {
			if (!ctx->failed)
				conf_error(ctx, g, NULL, "invalid %s target", t->type);
			return -1;
		}
	}
	return check_duplicates(ctx, list, c);
}

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
	config_setting_t *list = get_group(ctx, m, "windows", true);
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
		if (check_keys(ctx, g, keys, NULL) || conf_require(ctx, g, "name") ||
		    conf_get_str(ctx, g, "name", &w->name) < 0 ||
		    conf_get_str(ctx, g, "rrule", &w->rrule) < 0 ||
		    conf_get_str(ctx, g, "description", &w->description) < 0 ||
		    conf_get_bool(
			ctx, g, "requires_announcement", &w->requires_announcement) < 0)
			return -1;
		if (!valid_name(w->name)) {
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
			if (get_time(ctx, g, "first", &w->first, &date_only) < 0)
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
			if ((rc = get_time(ctx, g, "published", &w->published, NULL)) <
			    0)
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
	config_setting_t *list = get_group(ctx, m, "announcements", true);
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
		if (check_keys(ctx, g, keys, NULL) || conf_require(ctx, g, "window") ||
		    conf_require(ctx, g, "start") || conf_require(ctx, g, "end") ||
		    conf_require(ctx, g, "announced_at") ||
		    conf_get_str(ctx, g, "window", &a->window) < 0 ||
		    conf_get_str(ctx, g, "note", &a->note) < 0 ||
		    get_time(ctx, g, "start", &a->start, NULL) < 0 ||
		    get_time(ctx, g, "end", &a->end, NULL) < 0 ||
		    get_time(ctx, g, "announced_at", &a->announced_at, NULL) < 0)
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

static int
parse_maintenance(struct conf_ctx *ctx, const config_setting_t *root, struct conf *c)
{
	static const char *const keys[] = {
	    "min_notice", "windows", "announcements", "ics", NULL};
	config_setting_t *m = get_group(ctx, root, "maintenance", false);

	if (ctx->failed)
		return -1;
	if (m == NULL) {
		conf_error(ctx, root, "maintenance", "missing");
		return -1;
	}
	if (check_keys(ctx, m, keys, NULL) ||
	    conf_get_int(ctx, m, "min_notice", 0, 365 * DAY, &c->min_notice) < 0 ||
	    parse_windows(ctx, m, c) < 0 || parse_announcements(ctx, m, c) < 0 ||
	    conf_get_strv(ctx, m, "ics", &c->ics) < 0)
		return -1;
	for (size_t i = 0; i < c->ics.n; i++) {
		if (access(c->ics.v[i], R_OK) == -1) {
			conf_error(
			    ctx, m, "ics", "\"%s\": %s", c->ics.v[i], strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int
parse_alerts(struct conf_ctx *ctx, const config_setting_t *root, struct conf *c)
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
	config_setting_t *list = get_group(ctx, root, "alerts", true);
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
		if (check_keys(ctx, g, keys, NULL) || conf_require(ctx, g, "type") ||
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
		if (check_keys(ctx, g, allowed, NULL) < 0) {
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

struct conf *
conf_load(const char *path, char *err, size_t errlen)
{
	static const char *const top[] = {
	    "slamon", "defaults", "targets", "maintenance", "alerts", NULL};
	struct conf_ctx ctx = {path, "", 0};
	struct conf *c = xcalloc(1, sizeof(*c));
	config_t cfg;
	config_setting_t *root, *d;
	FILE *f;

	c->path = xstrdup(path);
	c->state_dir = xstrdup("var/slamon");
	c->timezone = xstrdup("Europe/Oslo");
	c->listen = xstrdup("127.0.0.1:8080");
	c->rrdcached = xstrdup("");
	c->defaults = (struct conf_timing){30, 10, 10, 2, 1800, 0, 99.5};
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
	if (config_read(&cfg, f) != CONFIG_TRUE) {
		fclose(f);
		snprintf(err, errlen, "%s:%d: (syntax): %s",
		    config_error_file(&cfg) ? config_error_file(&cfg) : path,
		    config_error_line(&cfg), config_error_text(&cfg));
		goto fail;
	}
	fclose(f);
	root = config_root_setting(&cfg);
	if (check_keys(&ctx, root, top, NULL) < 0)
		goto ctxfail;
	if (parse_slamon(&ctx, root, c) < 0)
		goto ctxfail;
	if ((d = get_group(&ctx, root, "defaults", false)) != NULL) {
		if (check_keys(&ctx, d, timing_keys, NULL) < 0 ||
		    parse_timing(&ctx, d, &c->defaults, false) < 0)
			goto ctxfail;
	} else if (ctx.failed)
		goto ctxfail;
	if (parse_targets(&ctx, root, c) < 0 || parse_maintenance(&ctx, root, c) < 0 ||
	    parse_alerts(&ctx, root, c) < 0)
		goto ctxfail;
	config_destroy(&cfg);
	return c;
ctxfail:
	snprintf(err, errlen, "%s", ctx.err);
fail:
	config_destroy(&cfg);
	conf_free(c);
	return NULL;
}

static void
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
	for (size_t i = 0; i < c->ntargets; i++) {
		struct conf_target *t = &c->targets[i];
		free(t->name);
		free(t->component);
		free(t->type);
		if (t->probe && t->ops)
			t->ops->free(t->probe);
		conf_strv_free(&t->groups);
	}
	free(c->targets);
	for (size_t i = 0; i < c->nwindows; i++)
		conf_window_free(&c->windows[i]);
	free(c->windows);
	for (size_t i = 0; i < c->nannouncements; i++) {
		free(c->announcements[i].window);
		free(c->announcements[i].note);
	}
	free(c->announcements);
	conf_strv_free(&c->ics);
	for (size_t i = 0; i < c->nalerts; i++) {
		struct conf_alert *a = &c->alerts[i];
		free(a->name);
		free(a->url);
		conf_strv_free(&a->headers);
		free(a->secret);
		conf_strv_free(&a->command);
		free(a->from);
		conf_strv_free(&a->to);
		free(a->username);
		free(a->password);
	}
	free(c->alerts);
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
