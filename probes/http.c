/*
 * http.c - the http probe: one GET (or other method) through libcurl on a
 * fresh connection, judged by status code and, optionally, body content.
 */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../monitor/log.h"
#include "../monitor/curlm.h"
#include "curl-resolve.h"
#include "probe.h"

extern const struct probe_ops probe_http_ops; /* the kind of its kept handles */

/* One per target: 96 bytes, the small fields together at the end. */
struct http_conf {
	char *url;
	char *host; /* the URL's host, parsed once, in url's allocation after
		     * its NUL (NULL: parsed per run) */
	char *method;
	long *expect_status;
	size_t nexpect_status;
	char *body_contains;
	char *body_regex_src;
	regex_t *body_regex; /* compiled body_regex_src: only when given */
	long max_body;
	struct curl_slist *hdrs; /* the headers, as curl takes them: built once */
	char *ca_file;
	int port; /* with host */
	bool follow_redirects;
	bool verify_tls;
	bool has_regex : 1;
	bool https : 1;	   /* the URL's scheme, looked at once */
	unsigned verb : 3; /* the method, as HTTP_GET...: no string compared a run */
};

_Static_assert(sizeof(struct http_conf) <= 96, "a target's bytes count 100,000 times");

enum { HTTP_GET, HTTP_HEAD, HTTP_POST, HTTP_PUT, HTTP_OPTIONS };

static const char *const http_keys[] = {"url", "method", "headers", "expect_status",
    "body_contains", "body_regex", "max_body", "follow_redirects", "verify_tls",
    "ca_file", NULL};

static void
http_free(void *p)
{
	struct http_conf *h = p;

	if (h == NULL)
		return;
	free(h->url);
	free(h->method);
	curl_slist_free_all(h->hdrs);
	free(h->expect_status);
	free(h->body_contains);
	free(h->body_regex_src);
	if (h->has_regex)
		regfree(h->body_regex);
	free(h->body_regex);
	free(h->ca_file);
	free(h);
}

static void *
http_configure(struct conf_ctx *ctx, const config_setting_t *g)
{
	/* in the order of HTTP_GET... */
	static const char *const methods[] = {
	    "GET", "HEAD", "POST", "PUT", "OPTIONS", NULL};
	struct http_conf *h = xcalloc(1, sizeof(*h));
	struct conf_strv headers = {0};
	bool ok_method = false;
	int rc;

	h->max_body = 1024 * 1024;
	h->verify_tls = true;
	if (conf_require(ctx, g, "url") || conf_get_str(ctx, g, "url", &h->url) < 0 ||
	    conf_check_url(ctx, g, "url", h->url,
		(const char *const[]){"http", "https", NULL}) < 0 ||
	    conf_get_str(ctx, g, "method", &h->method) < 0 ||
	    conf_get_strv(ctx, g, "headers", &headers) < 0 ||
	    conf_get_intv(ctx, g, "expect_status", 100, 599, &h->expect_status,
		&h->nexpect_status) < 0 ||
	    conf_get_str(ctx, g, "body_contains", &h->body_contains) < 0 ||
	    (rc = conf_get_str(ctx, g, "body_regex", &h->body_regex_src)) < 0 ||
	    conf_get_int(ctx, g, "max_body", 0, 64L * 1024 * 1024, &h->max_body) < 0 ||
	    conf_get_bool(ctx, g, "follow_redirects", &h->follow_redirects) < 0 ||
	    conf_get_bool(ctx, g, "verify_tls", &h->verify_tls) < 0 ||
	    conf_get_str(ctx, g, "ca_file", &h->ca_file) < 0)
		goto fail;
	if (h->method == NULL)
		h->method = xstrdup("GET");
	for (size_t i = 0; methods[i]; i++)
		if (strcmp(methods[i], h->method) == 0) {
			ok_method = true;
			h->verb = (unsigned)i;
		}
	h->https = strncasecmp(h->url, "https:", 6) == 0;
	if (!ok_method) {
		conf_error(ctx, g, "method",
		    "\"%s\": expected GET, HEAD, POST, PUT or "
		    "OPTIONS",
		    h->method);
		goto fail;
	}
	for (size_t i = 0; i < headers.n; i++) {
		const char *s = headers.v[i], *colon = strchr(s, ':');
		if (colon == NULL || colon == s || strpbrk(s, "\r\n")) {
			conf_error(
			    ctx, g, "headers", "\"%s\": expected \"Name: value\"", s);
			goto fail;
		}
		if ((h->hdrs = curl_slist_append(h->hdrs, s)) == NULL)
			fatalx("out of memory");
	}
	conf_strv_free(&headers);
	if (h->body_regex_src) {
		int err;

		h->body_regex = xcalloc(1, sizeof(*h->body_regex));
		err = regcomp(
		    h->body_regex, h->body_regex_src, REG_EXTENDED | REG_NOSUB);
		if (err) {
			char msg[128];
			regerror(err, h->body_regex, msg, sizeof(msg));
			conf_error(ctx, g, "body_regex", "%s", msg);
			goto fail;
		}
		h->has_regex = true;
	}
	if ((h->body_contains || h->has_regex) && strcmp(h->method, "HEAD") == 0) {
		conf_error(ctx, g, "method", "HEAD has no body to match");
		goto fail;
	}
	/* Parsing the URL is 6 % of a probe's instructions (callgrind): once,
	 * here. A URL libcurl cannot split is left to the run to report. */
	{
		char host[256];
		long port;
		size_t ul = strlen(h->url), hl;

		if (curl_resolve_url(h->url, host, sizeof(host), &port) == 0) {
			hl = strlen(host);
			h->url = xreallocarray(h->url, ul + hl + 2, 1);
			h->host = h->url + ul + 1;
			memcpy(h->host, host, hl + 1);
			h->port = (int)port;
		}
	}
	if (h->nexpect_status == 0) {
		h->expect_status = xcalloc(1, sizeof(long));
		h->expect_status[0] = 200;
		h->nexpect_status = 1;
	}
	return h;
fail:
	conf_strv_free(&headers);
	http_free(h);
	return NULL;
}

/* One run: the borrowed easy handle and what came back; recycled from run
 * to run (probe_priv_get), as the handle is. */
struct http_run {
	struct probe_run *run;
	CURL *easy;
	char *body;
	size_t len, cap;
	size_t max_body; /* the conf's, kept here: the callback reads no conf */
	bool keep_body, too_large;
	/* The handle goes back with its options (curlm_keep) once those set
	 * for this run only are undone: a GET without a CA file of its own,
	 * which every run sets again; the headers and the TLS watch undone. */
	bool keep, undo_hdrs, undo_tls;
	char err[CURL_ERROR_SIZE];
	struct curl_resolve cr; /* the URL's host, resolved on the loop */
};

static size_t
http_write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct http_run *r = arg;
	size_t len = size * n;

	/* Stop reading at max_body: a runaway body must not eat the monitor. */
	if (r->len + len > r->max_body) {
		r->too_large = true;
		return 0;
	}
	if (r->keep_body) {
		if (r->len + len + 1 > r->cap) {
			r->cap = (r->len + len + 1) * 2;
			if (r->cap > r->max_body + 1)
				r->cap = r->max_body + 1;
			r->body = xreallocarray(r->body, r->cap, 1);
		}
		memcpy(r->body + r->len, p, len);
		r->body[r->len + len] = '\0';
	}
	r->len += len;
	return len;
}

static void
http_cancel(struct probe_run *run)
{
	struct http_run *r = run->priv;

	if (r == NULL)
		return;
	curl_resolve_clear(&r->cr);
	if (r->keep) {
		if (r->undo_hdrs)
			curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, NULL);
		if (r->undo_tls) {
			curl_easy_setopt(r->easy, CURLOPT_CERTINFO, 0L);
			curlinfo_unwatch_tls(r->easy);
		}
		curlm_keep(run->env->curlm, r->easy, &probe_http_ops);
	} else
		curlm_cancel(run->env->curlm, r->easy);
	free(r->body);
	probe_priv_put(run, r);
	run->priv = NULL;
}

static bool
http_status_ok(const struct http_conf *h, long code)
{
	for (size_t i = 0; i < h->nexpect_status; i++)
		if (h->expect_status[i] == code)
			return true;
	return false;
}

static void
http_done_cb(CURL *e, CURLcode rc, void *arg)
{
	struct http_run *r = arg;
	struct probe_run *run = r->run;
	const struct http_conf *h = run->conf;
	char text[256];
	long code = 0;
	int reason;

	curlinfo_timings(run, e);
	curlinfo_cert(run, e);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
	run->detail.http_status = code;
	if (rc == CURLE_WRITE_ERROR && r->too_large) {
		probe_done(run, PROBE_TOO_LARGE, "response too large (> %ld bytes)",
		    h->max_body);
		return;
	}
	if ((reason = curlm_reason(run, e, rc, r->err, text, sizeof(text))) !=
	    PROBE_OK) {
		probe_done(run, reason, "%s", text);
		return;
	}
	if (!http_status_ok(h, code)) {
		probe_done(run, PROBE_HTTP_STATUS, "HTTP status %ld", code);
		return;
	}
	if (h->body_contains &&
	    (r->body == NULL ||
		memmem(r->body, r->len, h->body_contains, strlen(h->body_contains)) ==
		    NULL)) {
		probe_done(run, PROBE_BODY_MISMATCH,
		    "body mismatch: no \"%s\" in %zu bytes", h->body_contains, r->len);
		return;
	}
	if (h->has_regex &&
	    (r->body == NULL || strlen(r->body) != r->len ||
		regexec(h->body_regex, r->body, 0, NULL, 0) != 0)) {
		probe_done(run, PROBE_BODY_MISMATCH,
		    "body mismatch: /%s/ not found in "
		    "%zu bytes",
		    h->body_regex_src, r->len);
		return;
	}
	probe_done(run, PROBE_OK, "HTTP status %ld", code);
}

static int
http_start(struct probe_run *run)
{
	const struct http_conf *h = run->conf;
	struct http_run *r = probe_priv_get(run, sizeof(*r));
	char host[256];
	long port;
	CURL *e;

	r->run = run;
	r->keep_body = h->body_contains || h->has_regex;
	r->max_body = (size_t)h->max_body;
	r->keep = h->ca_file == NULL && h->verb == HTTP_GET;
	r->undo_hdrs = h->hdrs != NULL;
	if ((e = r->keep ? curlm_get_kept(run->env->curlm, &probe_http_ops)
			 : curlm_get(run->env->curlm)) == NULL) {
		probe_priv_put(run, r);
		return -1;
	}
	r->easy = e;
	run->priv = r;
	curl_easy_setopt(e, CURLOPT_URL, h->url);
	if (h->verb == HTTP_HEAD)
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else if (h->verb != HTTP_GET)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, h->method);
	if (h->verb == HTTP_POST || h->verb == HTTP_PUT) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, 0L);
	}
	if (h->hdrs)
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, h->hdrs);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	/* the certificate chain and TLS version, for /metrics */
	if (h->https) {
		curl_easy_setopt(e, CURLOPT_CERTINFO, 1L);
		curlinfo_watch_tls(run, e);
		r->undo_tls = true;
	}
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->err);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)run->timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)run->timeout_ms);
	/* A pooled connection could hide an outage: every probe connects anew,
	 * and does a whole TLS handshake (a resumed session sends no certificate
	 * and is not verified again: a bad one deployed meanwhile would pass) */
	curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_SESSIONID_CACHE, 0L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, h->follow_redirects ? 1L : 0L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, h->verify_tls ? 1L : 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, h->verify_tls ? 2L : 0L);
	if (h->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, h->ca_file);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "slamon");
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	if (h->host != NULL)
		return curl_resolve_start(
		    &r->cr, run, e, h->host, h->port, http_done_cb, r);
	if (curl_resolve_url(h->url, host, sizeof(host), &port) == -1) {
		probe_done(run, PROBE_INTERNAL, "cannot parse the URL %s", h->url);
		return 0;
	}
	/* -1: probe.c releases r through http_cancel */
	return curl_resolve_start(&r->cr, run, e, host, port, http_done_cb, r);
}

static void
http_describe(const void *p, char *buf, size_t len)
{
	const struct http_conf *h = p;

	snprintf(buf, len, "%s %s", h->method, h->url);
}

const struct probe_ops probe_http_ops = {
    .name = "http",
    .keys = http_keys,
    .configure = http_configure,
    .free = http_free,
    .start = http_start,
    .cancel = http_cancel,
    .describe = http_describe,
};
