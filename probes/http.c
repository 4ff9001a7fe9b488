/*
 * http.c - the http probe: one GET (or other method) through libcurl on a
 * fresh connection, judged by status code and, optionally, body content.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../monitor/log.h"
#include "probe.h"

struct http_conf {
	char *url;
	char *method;
	struct conf_strv headers;
	long *expect_status;
	size_t nexpect_status;
	char *body_contains;
	char *body_regex_src;
	regex_t body_regex;
	bool has_regex;
	long max_body;
	bool follow_redirects;
	bool verify_tls;
	char *ca_file;
};

static const char *const http_keys[] = {"url", "method", "headers",
    "expect_status", "body_contains", "body_regex", "max_body",
    "follow_redirects", "verify_tls", "ca_file", NULL};

static void
http_free(void *p)
{
	struct http_conf *h = p;

	if (h == NULL)
		return;
	free(h->url);
	free(h->method);
	conf_strv_free(&h->headers);
	free(h->expect_status);
	free(h->body_contains);
	free(h->body_regex_src);
	if (h->has_regex)
		regfree(&h->body_regex);
	free(h->ca_file);
	free(h);
}

static void *
http_configure(struct conf_ctx *ctx, const config_setting_t *g)
{
	static const char *const methods[] = {"GET", "HEAD", "POST", "PUT",
	    "OPTIONS", NULL};
	struct http_conf *h = xcalloc(1, sizeof(*h));
	bool ok_method = false;
	int rc;

	h->max_body = 1024 * 1024;
	h->verify_tls = true;
	if (conf_require(ctx, g, "url") || conf_get_str(ctx, g, "url", &h->url) < 0 ||
	    conf_check_url(ctx, g, "url", h->url,
	    (const char *const[]){"http", "https", NULL}) < 0 ||
	    conf_get_str(ctx, g, "method", &h->method) < 0 ||
	    conf_get_strv(ctx, g, "headers", &h->headers) < 0 ||
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
		ok_method |= strcmp(methods[i], h->method) == 0;
	if (!ok_method) {
		conf_error(ctx, g, "method", "\"%s\": expected GET, HEAD, POST, PUT or "
		    "OPTIONS", h->method);
		goto fail;
	}
	for (size_t i = 0; i < h->headers.n; i++) {
		const char *s = h->headers.v[i], *colon = strchr(s, ':');
		if (colon == NULL || colon == s || strpbrk(s, "\r\n")) {
			conf_error(ctx, g, "headers", "\"%s\": expected \"Name: value\"", s);
			goto fail;
		}
	}
	if (h->body_regex_src) {
		int err = regcomp(&h->body_regex, h->body_regex_src,
		    REG_EXTENDED | REG_NOSUB);
		if (err) {
			char msg[128];
			regerror(err, &h->body_regex, msg, sizeof(msg));
			conf_error(ctx, g, "body_regex", "%s", msg);
			goto fail;
		}
		h->has_regex = true;
	}
	if ((h->body_contains || h->has_regex) && strcmp(h->method, "HEAD") == 0) {
		conf_error(ctx, g, "method", "HEAD has no body to match");
		goto fail;
	}
	if (h->nexpect_status == 0) {
		h->expect_status = xcalloc(1, sizeof(long));
		h->expect_status[0] = 200;
		h->nexpect_status = 1;
	}
	return h;
fail:
	http_free(h);
	return NULL;
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
	.describe = http_describe,
};
