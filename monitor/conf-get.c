/*
 * conf-get.c - reading one setting of the configuration: typed getters
 * that check types and ranges, and the one-line FILE:LINE: field: message
 * error every check ends in. Probes use them for their own keys.
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
/* "FILE:LINE: path.field: msg" of setting s, as conf_error and conf_warn write it. */
static void
conf_where(struct conf_ctx *ctx, const config_setting_t *s, const char *field,
    const char *msg, char *out, size_t len)
{
	const config_setting_t *at = s, *child = NULL;
	char path[600], full[700], text[512];
	const char *file;
	int line;

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
	line = at ? config_setting_source_line(at) : 0;
	file = at ? config_setting_source_file(at) : NULL;
	if (file == NULL)
		file = ctx->file;
	/* a value quoted in the message must not show a secret it holds (only
	 * the message: a short value must not blank out the line number) */
	snprintf(text, sizeof(text), "%s", msg);
	conf_secret_redact(ctx, text, sizeof(text));
	snprintf(out, len, "%.200s:%d: %.300s: %.480s", file, line, full, text);
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
	char msg[512];
	va_list ap;

	if (ctx->failed)
		return;
	ctx->failed = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	conf_where(ctx, s, field, msg, ctx->err, sizeof(ctx->err));
}

/* A warning at setting s, logged at once; the load goes on. */
void
conf_warn(struct conf_ctx *ctx, const config_setting_t *s, const char *field,
    const char *fmt, ...)
{
	char msg[512], out[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	conf_where(ctx, s, field, msg, out, sizeof(out));
	log_warnx("%s", out);
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
	char *v;

	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		conf_error(ctx, g, key, "expected a string, found %s",
		    type_name(config_setting_type(s)));
		return -1;
	}
	if (conf_secret_resolve(ctx, g, key, config_setting_get_string(s), &v) < 0)
		return -1;
	free(*out);
	*out = v;
	return 1;
}

/*
 * libconfig 1.5 reads a decimal or hex integer without an L suffix into 32
 * bits and silently drops the rest (port = 4294967297 becomes port 1). So
 * an integer of type INT is checked against its text: every "key = N" on
 * its source line must fit in 32 bits. 0, or -1 with the literal in lit.
 */
/*
 * The lines of one source file, read once: int_as_written wants a line for
 * every integer, and reading the file up to it each time made loading
 * 10,000 targets quadratic (1.3 s of a 2 s `slamon check`). One file is
 * kept; an @include'd one replaces it while it is asked for.
 */
struct conf_src {
	char *file;
	char *text;
	size_t *start; /* offset of line i + 1 */
	size_t n;
};

void
conf_src_free(struct conf_src *src)
{
	if (src == NULL)
		return;
	free(src->file);
	free(src->text);
	free(src->start);
	free(src);
}

/* Line `want` (from 1) of file, without its newline, in line; -1 if none. */
static int
src_line(
    struct conf_ctx *ctx, const char *file, unsigned int want, char *line, size_t len)
{
	struct conf_src *src = ctx->src;
	size_t size = 0, cap = 0, got, a, b;
	char buf[65536];
	FILE *f;

	if (src == NULL || strcmp(src->file, file) != 0) {
		conf_src_free(src);
		ctx->src = src = xcalloc(1, sizeof(*src));
		src->file = xstrdup(file);
		if ((f = fopen(file, "r")) == NULL)
			return -1;
		while ((got = fread(buf, 1, sizeof(buf), f)) > 0) {
			if (size + got + 1 > cap) {
				cap = (size + got + 1) * 2;
				src->text = xreallocarray(src->text, cap, 1);
			}
			memcpy(src->text + size, buf, got);
			size += got;
		}
		fclose(f);
		src->text = xreallocarray(src->text, size + 1, 1);
		src->text[size] = '\0';
		cap = 1;
		src->start = xcalloc(cap, sizeof(*src->start));
		for (size_t i = 0; i < size; i++) {
			if (i > 0 && src->text[i - 1] != '\n')
				continue;
			if (src->n == cap) {
				cap *= 2;
				src->start = xreallocarray(
				    src->start, cap, sizeof(*src->start));
			}
			src->start[src->n++] = i;
		}
	}
	if (want == 0 || want > src->n || src->text == NULL)
		return -1;
	a = src->start[want - 1];
	b = want < src->n ? src->start[want] : strlen(src->text);
	if (b > a && src->text[b - 1] == '\n')
		b--;
	snprintf(line, len, "%.*s", (int)(b - a), src->text + a);
	return 0;
}

static int
int_as_written(struct conf_ctx *ctx, const config_setting_t *s, const char *key,
    char *lit, size_t litlen)
{
	const char *file = config_setting_source_file(s);
	unsigned int want = config_setting_source_line(s);
	size_t klen = strlen(key);
	char line[4096], path[4096];
	int rc = 0;

	if (file != NULL && file[0] != '/') { /* @include: next to the main file */
		char *dup = xstrdup(ctx->file);

		snprintf(path, sizeof(path), "%s/%s", dirname(dup), file);
		free(dup);
		file = path;
	}
	if (src_line(ctx, file ? file : ctx->file, want, line, sizeof(line)) == -1)
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

int
conf_get_double(struct conf_ctx *ctx, const config_setting_t *g, const char *key,
    double min, double max, double *out)
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
		if (conf_secret_resolve(
			ctx, g, key, config_setting_get_string(s), &out->v[0]) < 0)
			return -1;
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
		if (conf_secret_resolve(ctx, e, NULL, config_setting_get_string(e),
			&out->v[out->n]) < 0)
			return -1;
		out->n++;
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
int
conf_check_keys(struct conf_ctx *ctx, const config_setting_t *g, const char *const *a,
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

config_setting_t *
conf_get_group(
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

int
conf_get_time(struct conf_ctx *ctx, const config_setting_t *g, const char *key,
    time_t *out, bool *date_only)
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
