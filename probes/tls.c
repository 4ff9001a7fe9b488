/* tls.c - the tls probe: handshake, verify, and fail when the certificate expires too soon. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../monitor/log.h"
#include "../monitor/curlm.h"
#include "curl-resolve.h"
#include "probe.h"

struct tls_conf {
	char *host;
	long port;
	char *servername;
	long min_days;
	bool verify;
	char *ca_file;
};

static const char *const tls_keys[] = {
    "host", "port", "servername", "min_days", "verify_tls", "ca_file", NULL};

static void
tls_free(void *p)
{
	struct tls_conf *t = p;

	if (t == NULL)
		return;
	free(t->host);
	free(t->servername);
	free(t->ca_file);
	free(t);
}

static void *
tls_configure(struct conf_ctx *ctx, const config_setting_t *g)
{
	struct tls_conf *t = xcalloc(1, sizeof(*t));

	t->port = 443;
	t->min_days = 14;
	t->verify = true;
	if (conf_require(ctx, g, "host") ||
	    conf_get_str(ctx, g, "host", &t->host) < 0 ||
	    conf_get_int(ctx, g, "port", 1, 65535, &t->port) < 0 ||
	    conf_get_str(ctx, g, "servername", &t->servername) < 0 ||
	    conf_get_int(ctx, g, "min_days", 0, 3650, &t->min_days) < 0 ||
	    conf_get_bool(ctx, g, "verify_tls", &t->verify) < 0 ||
	    conf_get_str(ctx, g, "ca_file", &t->ca_file) < 0)
		goto fail;
	if (t->host[0] == '\0' || strpbrk(t->host, " /\t")) {
		conf_error(
		    ctx, g, "host", "\"%s\" is not a host name or address", t->host);
		goto fail;
	}
	return t;
fail:
	tls_free(t);
	return NULL;
}

struct tls_run {
	CURL *easy;
	struct curl_slist *connect_to;
	char err[CURL_ERROR_SIZE];
	struct curl_resolve cr; /* host, resolved on the loop */
};

static void
tls_cancel(struct probe_run *run)
{
	struct tls_run *r = run->priv;

	if (r == NULL)
		return;
	curlm_cancel(run->env->curlm, r->easy);
	curl_resolve_clear(&r->cr);
	curl_slist_free_all(r->connect_to);
	free(r);
	run->priv = NULL;
}

static void
tls_done_cb(CURL *e, CURLcode rc, void *arg)
{
	struct probe_run *run = arg;
	struct tls_run *r = run->priv;
	const struct tls_conf *t = run->conf;
	char text[256];
	time_t expiry, now = time(NULL);
	long long exp;
	long days;
	int reason;

	curlinfo_timings(run, e);
	if ((reason = curlm_reason(run, e, rc, r->err, text, sizeof(text))) !=
	    PROBE_OK) {
		probe_done(run, reason, "%s", text);
		return;
	}
	if (curlinfo_expiry(e, &exp) == -1) {
		probe_done(
		    run, PROBE_TLS_FAILURE, "TLS failure: no certificate expiry date");
		return;
	}
	expiry = (time_t)exp;
	run->detail.cert_not_after = exp;
	/* whole days left, rounded down: 23 hours left is 0 days */
	days = (long)((expiry - now) / 86400);
	if (expiry <= now)
		probe_done(run, PROBE_CERT_EXPIRING, "certificate expired %ld days ago",
		    (long)((now - expiry) / 86400));
	else if (days < t->min_days)
		probe_done(run, PROBE_CERT_EXPIRING,
		    "certificate expiring in %ld days "
		    "(< %ld)",
		    days, t->min_days);
	else
		probe_done(run, PROBE_OK, "certificate valid for %ld more days", days);
}

static int
tls_start(struct probe_run *run)
{
	const struct tls_conf *t = run->conf;
	struct tls_run *r = xcalloc(1, sizeof(*r));
	const char *name = t->servername ? t->servername : t->host;
	char url[600], map[600];
	CURL *e;

	if ((e = curlm_get(run->env->curlm)) == NULL) {
		free(r);
		return -1;
	}
	r->easy = e;
	run->priv = r;
	snprintf(url, sizeof(url),
	    strchr(name, ':') ? "https://[%s]:%ld/" : "https://%s:%ld/", name, t->port);
	if (t->servername) {
		snprintf(map, sizeof(map), "%s:%ld:%s:%ld", t->servername, t->port,
		    t->host, t->port);
		r->connect_to = curl_slist_append(NULL, map);
		curl_easy_setopt(e, CURLOPT_CONNECT_TO, r->connect_to);
	}
	curl_easy_setopt(e, CURLOPT_URL, url);
	/* the handshake is the whole probe: no request is sent */
	curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(e, CURLOPT_CERTINFO, 1L);
	curlinfo_watch_tls(run, e);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->err);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)run->timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)run->timeout_ms);
	curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	/* the whole handshake, with the certificate, every time (http.c) */
	curl_easy_setopt(e, CURLOPT_SSL_SESSIONID_CACHE, 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, t->verify ? 1L : 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, t->verify ? 2L : 0L);
	if (t->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, t->ca_file);
	return curl_resolve_start(&r->cr, run, e, t->host, t->port, tls_done_cb, run);
}

static void
tls_describe(const void *p, char *buf, size_t len)
{
	const struct tls_conf *t = p;

	snprintf(buf, len, "%s:%ld (certificate >= %ld days)", t->host, t->port,
	    t->min_days);
}

const struct probe_ops probe_tls_ops = {
    .name = "tls",
    .keys = tls_keys,
    .configure = tls_configure,
    .free = tls_free,
    .start = tls_start,
    .cancel = tls_cancel,
    .describe = tls_describe,
};
