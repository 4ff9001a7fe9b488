/*
 * ics-fetch.c - subscribed calendars (see ics-fetch.h).
 *
 * One round: every URL entry is requested at once; when the last answer
 * is in, done_cb runs. A 200 whose body is an iCalendar file replaces the
 * copy (written to a temporary file and renamed, with its ETag and
 * Last-Modified beside it in .meta); a 304 keeps it; anything else (an
 * error, a timeout, a body over 16 MB, an HTML login page) keeps it too
 * and is logged once per streak of failures, and once when it recovers.
 * TLS is verified (libcurl's default); redirects are followed (5 at most).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <event2/event.h>
#include <jansson.h>

#include "curlm.h"
#include "ics-fetch.h"
#include "ics.h"
#include "journal.h"
#include "log.h"

#define FETCH_MAX_BYTES (16L * 1024 * 1024)
#define FETCH_TIMEOUT 30L

struct fetch_entry {
	struct ics_fetch *f;
	char *url, *path, *ca_file;
	char *etag, *last_modified; /* of the stored copy */
	char *new_etag, *new_lm;    /* of the answer being received */
	CURL *easy;		    /* in flight, or NULL */
	char *body;
	size_t len, cap;
	bool too_big;
	bool failing; /* logged; quiet until it recovers */
	struct curl_slist *hdrs;
};

struct ics_fetch {
	struct event_base *base;
	struct curlm *curlm;
	struct event *timer;
	struct fetch_entry *e;
	size_t ne;
	long refresh;
	size_t pending;
	bool changed;
	ics_fetch_done_cb *done;
	void *arg;
};

static char *
meta_path(const struct fetch_entry *e)
{
	char *p;

	xasprintf(&p, "%s.meta", e->path);
	return p;
}

static void
meta_load(struct fetch_entry *e)
{
	char *p = meta_path(e);
	json_t *j = json_load_file(p, 0, NULL);
	const char *s;

	if (j && (s = json_string_value(json_object_get(j, "url"))) != NULL &&
	    strcmp(s, e->url) == 0) {
		if ((s = json_string_value(json_object_get(j, "etag"))) != NULL)
			e->etag = xstrdup(s);
		if ((s = json_string_value(json_object_get(j, "last_modified"))) !=
		    NULL)
			e->last_modified = xstrdup(s);
	}
	json_decref(j);
	free(p);
}

/* The copy, then its metadata; each through a temporary file and rename. */
static int
store_copy(struct fetch_entry *e)
{
	char *tmp, *meta = meta_path(e), *dir = xstrdup(e->path), *slash;
	json_t *j;
	FILE *fp;
	int rc = -1;

	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		mkdir_p(dir, 0755);
	}
	xasprintf(&tmp, "%s.tmp", e->path);
	if ((fp = fopen(tmp, "w")) == NULL ||
	    fwrite(e->body, 1, e->len, fp) != e->len || fflush(fp) != 0 ||
	    fclose(fp) != 0 || rename(tmp, e->path) == -1) {
		log_warn("ics: %s: cannot store the copy in %s", e->url, e->path);
		goto out;
	}
	fp = NULL;
	j = json_pack("{s:s}", "url", e->url);
	if (e->new_etag)
		json_object_set_new(j, "etag", json_string(e->new_etag));
	if (e->new_lm)
		json_object_set_new(j, "last_modified", json_string(e->new_lm));
	free(tmp);
	xasprintf(&tmp, "%s.tmp", meta);
	if (json_dump_file(j, tmp, 0) == 0)
		rename(tmp, meta);
	json_decref(j);
	free(e->etag);
	free(e->last_modified);
	e->etag = e->new_etag;
	e->last_modified = e->new_lm;
	e->new_etag = e->new_lm = NULL;
	rc = 0;
out:
	free(tmp);
	free(meta);
	free(dir);
	return rc;
}

static size_t
write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct fetch_entry *e = arg;

	n *= size;
	if (e->len + n > (size_t)FETCH_MAX_BYTES) {
		e->too_big = true;
		return 0; /* aborts the transfer */
	}
	if (e->len + n + 1 > e->cap) {
		while (e->len + n + 1 > e->cap)
			e->cap = e->cap ? e->cap * 2 : 65536;
		e->body = xreallocarray(e->body, e->cap, 1);
	}
	memcpy(e->body + e->len, data, n);
	e->len += n;
	e->body[e->len] = '\0';
	return n;
}

/* ETag and Last-Modified of the answer (of the last response after redirects). */
static size_t
header_cb(char *data, size_t size, size_t n, void *arg)
{
	struct fetch_entry *e = arg;
	size_t len = size * n;
	char **slot = NULL;
	size_t skip = 0;

	if (len > 5 && strncasecmp(data, "HTTP/", 5) == 0) {
		free(e->new_etag);
		free(e->new_lm);
		e->new_etag = e->new_lm = NULL;
	} else if (len > 5 && strncasecmp(data, "ETag:", 5) == 0) {
		slot = &e->new_etag;
		skip = 5;
	} else if (len > 14 && strncasecmp(data, "Last-Modified:", 14) == 0) {
		slot = &e->new_lm;
		skip = 14;
	}
	if (slot) {
		const char *v = data + skip;
		size_t vl = len - skip;
		while (vl && (*v == ' ' || *v == '\t'))
			v++, vl--;
		while (
		    vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
			vl--;
		free(*slot);
		*slot = xmalloc(vl + 1);
		memcpy(*slot, v, vl);
		(*slot)[vl] = '\0';
	}
	return len;
}

static void round_end(struct ics_fetch *);

static void
fail(struct fetch_entry *e, const char *why)
{
	if (!e->failing)
		log_warnx("ics: %s: %s; the last good copy stays in use "
			  "(logged once until a fetch succeeds)",
		    e->url, why);
	e->failing = true;
}

static void
done_cb(CURL *easy, CURLcode rc, void *arg)
{
	struct fetch_entry *e = arg;
	struct ics_fetch *f = e->f;
	long code = 0;
	char why[256];

	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
	if (rc != CURLE_OK) {
		snprintf(why, sizeof(why), "%s",
		    e->too_big || rc == CURLE_FILESIZE_EXCEEDED
			? "larger than 16 MB"
			: curl_easy_strerror(rc));
		fail(e, why);
	} else if (code == 304) {
		if (e->failing)
			log_info("ics: %s: fetched again (not modified)", e->url);
		e->failing = false;
	} else if (code != 200) {
		snprintf(why, sizeof(why), "HTTP status %ld", code);
		fail(e, why);
	} else {
		struct ics_set set;
		char err[512];
		memset(&set, 0, sizeof(set));
		if (e->body == NULL ||
		    ics_parse(e->body, e->url, NULL, &set, err, sizeof(err)) < 0) {
			fail(e, "the answer is no iCalendar file");
		} else if (store_copy(e) == 0) {
			log_info("ics: %s: new copy, %zu bytes, %zu events%s", e->url,
			    e->len, set.nw, e->failing ? " (fetched again)" : "");
			e->failing = false;
			f->changed = true;
		}
		ics_set_free(&set);
	}
	curlm_put(f->curlm, easy);
	e->easy = NULL;
	curl_slist_free_all(e->hdrs);
	e->hdrs = NULL;
	free(e->body);
	e->body = NULL;
	e->len = e->cap = 0;
	if (--f->pending == 0)
		round_end(f);
}

static int
start(struct fetch_entry *e)
{
	struct ics_fetch *f = e->f;
	CURL *c;
	char *h;

	if ((c = curlm_get(f->curlm)) == NULL)
		return -1;
	e->too_big = false;
	curl_easy_setopt(c, CURLOPT_URL, e->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, FETCH_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "slamon (maintenance calendar)");
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)FETCH_MAX_BYTES);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, e);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, e);
	if (e->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, e->ca_file);
	if (e->etag) {
		xasprintf(&h, "If-None-Match: %s", e->etag);
		e->hdrs = curl_slist_append(e->hdrs, h);
		free(h);
	}
	if (e->last_modified) {
		xasprintf(&h, "If-Modified-Since: %s", e->last_modified);
		e->hdrs = curl_slist_append(e->hdrs, h);
		free(h);
	}
	if (e->hdrs)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, e->hdrs);
	if (curlm_add(f->curlm, c, done_cb, e) < 0) {
		curlm_put(f->curlm, c);
		curl_slist_free_all(e->hdrs);
		e->hdrs = NULL;
		return -1;
	}
	e->easy = c;
	return 0;
}

static void
arm(struct ics_fetch *f, long secs)
{
	struct timeval tv = {secs, 0};

	evtimer_add(f->timer, &tv);
}

static void
round_end(struct ics_fetch *f)
{
	bool changed = f->changed;

	f->changed = false;
	arm(f, f->refresh);
	f->done(f->arg, changed);
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ics_fetch *f = arg;

	(void)fd;
	(void)what;
	f->pending = 1; /* held until every transfer is started */
	for (size_t i = 0; i < f->ne; i++)
		if (f->e[i].easy == NULL && start(&f->e[i]) == 0)
			f->pending++;
	if (--f->pending == 0)
		round_end(f);
}

static void
entries_free(struct ics_fetch *f)
{
	for (size_t i = 0; i < f->ne; i++) {
		struct fetch_entry *e = &f->e[i];
		if (e->easy)
			curlm_cancel(f->curlm, e->easy);
		curl_slist_free_all(e->hdrs);
		free(e->url);
		free(e->path);
		free(e->ca_file);
		free(e->etag);
		free(e->last_modified);
		free(e->new_etag);
		free(e->new_lm);
		free(e->body);
	}
	free(f->e);
	f->e = NULL;
	f->ne = 0;
	f->pending = 0;
}

static void
entries_load(struct ics_fetch *f, const struct conf *c)
{
	f->refresh = c->ics_refresh;
	f->e = xcalloc(c->nics + 1, sizeof(*f->e));
	for (size_t i = 0; i < c->nics; i++) {
		struct fetch_entry *e;
		if (c->ics[i].url == NULL)
			continue;
		e = &f->e[f->ne++];
		e->f = f;
		e->url = xstrdup(c->ics[i].url);
		e->path = xstrdup(c->ics[i].path);
		e->ca_file = c->ics[i].ca_file ? xstrdup(c->ics[i].ca_file) : NULL;
		meta_load(e);
	}
}

struct ics_fetch *
ics_fetch_new(
    struct event_base *base, const struct conf *c, ics_fetch_done_cb *done, void *arg)
{
	struct ics_fetch *f;

	if (c->nics == 0)
		return NULL;
	f = xcalloc(1, sizeof(*f));
	f->base = base;
	f->done = done;
	f->arg = arg;
	if ((f->curlm = curlm_new(base)) == NULL ||
	    (f->timer = evtimer_new(base, timer_cb, f)) == NULL) {
		ics_fetch_free(f);
		return NULL;
	}
	entries_load(f, c);
	arm(f, 0);
	return f;
}

void
ics_fetch_reload(struct ics_fetch *f, const struct conf *c)
{
	if (f == NULL)
		return;
	entries_free(f);
	entries_load(f, c);
	evtimer_del(f->timer);
	arm(f, 0);
}

void
ics_fetch_free(struct ics_fetch *f)
{
	if (f == NULL)
		return;
	entries_free(f);
	if (f->timer)
		event_free(f->timer);
	curlm_free(f->curlm);
	free(f);
}
