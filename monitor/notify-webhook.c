/*
 * notify-webhook.c - the webhook channel: an HTTP POST of the JSON payload of
 * doc/alerts.md, signed with HMAC-SHA256 when the channel has a secret.
 * The body is built once per delivery, so every retry sends the same bytes
 * with the same X-Slamon-Delivery id and receivers can de-duplicate.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "curlm.h"
#include "log.h"
#include "notify-priv.h"
#include "tz.h"

#ifndef SLAMON_VERSION
#define SLAMON_VERSION "0.1"
#endif

static json_t *
time_or_null(time_t t)
{
	char buf[TZ_RFC3339_LEN];

	if (t == 0)
		return json_null();
	return json_string(tz_rfc3339(t, buf, sizeof(buf)));
}

static json_t *
str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

int
notify_format_webhook(const struct notify_msg *m, char **out)
{
	json_t *o, *w;

	*out = NULL;
	if ((w = json_array()) == NULL)
		return -1;
	for (size_t i = 0; i < m->nwindows; i++)
		json_array_append_new(w, json_string(m->windows[i]));
	o = json_pack("{s:s, s:b, s:s?, s:o, s:o, s:o, s:I, s:I, s:o, s:o, s:o, s:o}",
	    "event", notify_kind_name(m->kind), "test", m->test, "target", m->target,
	    "component", str_or_null(m->component), "outage_start",
	    time_or_null(m->outage_start), "end", time_or_null(m->end), "unplanned_s",
	    (json_int_t)m->unplanned_s, "down_s", (json_int_t)m->down_s, "windows", w,
	    "reason", str_or_null(m->reason), "status_url", str_or_null(m->status_url),
	    "time", time_or_null(m->time));
	if (o == NULL)
		return -1;
	*out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return *out ? 0 : -1;
}

int
notify_hmac_sha256_hex(const char *key, const char *data, size_t len, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)data, len,
		md, &mdlen) == NULL ||
	    mdlen != 32)
		return -1;
	for (unsigned i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}

int
notify_webhook_prepare(struct notify_delivery *d)
{
	if (notify_format_webhook(&d->msg, &d->body) == -1)
		return -1;
	d->body_len = strlen(d->body);
	return 0;
}

static size_t
webhook_write_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct notify_delivery *d = arg;
	size_t len = size * nmemb, room = sizeof(d->resp) - 1 - d->resp_len;

	if (len < room)
		room = len;
	memcpy(d->resp + d->resp_len, p, room);
	d->resp_len += room;
	d->resp[d->resp_len] = '\0';
	return len;
}

int
notify_add_header(struct notify_delivery *d, const char *fmt, ...)
{
	struct curl_slist *l;
	va_list ap;
	char *h;

	va_start(ap, fmt);
	if (vasprintf(&h, fmt, ap) == -1)
		fatalx("out of memory");
	va_end(ap);
	l = curl_slist_append(d->slist, h);
	free(h);
	if (l == NULL)
		return -1;
	d->slist = l;
	return 0;
}

/* Headers the payload's integrity depends on; the configuration cannot set them. */
static bool
reserved_header(const char *h)
{
	return strncasecmp(h, "X-Slamon-", 9) == 0 ||
	    strncasecmp(h, "Content-Type:", 13) == 0 ||
	    strncasecmp(h, "Content-Length:", 15) == 0;
}

static bool
custom_header(const struct conf_alert *a, const char *name)
{
	for (size_t i = 0; i < a->headers.n; i++)
		if (strncasecmp(a->headers.v[i], name, strlen(name)) == 0)
			return true;
	return false;
}

/*
 * The POST every JSON channel makes: d->body to url, with the headers the
 * channel added to d->slist first. Redirects are not followed: a receiver
 * that moved is a failed attempt, loudly, not a silent detour.
 */
int
notify_post_json(struct notify_delivery *d, const char *url, char *err, size_t errlen)
{
	const struct conf_alert *a = &d->ch->a;
	CURL *e;

	if ((e = curlm_get(d->n->curlm)) == NULL) {
		snprintf(err, errlen, "curl_easy_init failed");
		return -1;
	}
	d->easy = e;
	if (notify_add_header(d, "Content-Type: application/json") ||
	    (!custom_header(a, "User-Agent:") &&
		notify_add_header(d, "User-Agent: slamon/%s", SLAMON_VERSION)) ||
	    notify_add_header(d, "Expect:")) {
		snprintf(err, errlen, "out of memory building headers");
		return -1;
	}
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_POST, 1L);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, d->body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)d->body_len);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, d->slist);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, webhook_write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, d);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)a->timeout * 1000);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, d->errbuf);
	return notify_curl_start(d, err, errlen);
}

/* The channel's own headers, but none the payload's integrity depends on. */
int
notify_custom_headers(struct notify_delivery *d)
{
	const struct conf_alert *a = &d->ch->a;

	for (size_t i = 0; i < a->headers.n; i++) {
		const char *h = a->headers.v[i];
		if (reserved_header(h)) {
			if (d->attempt == 1)
				log_warnx(
				    "notify: %s: ignoring header \"%.*s\": slamon "
				    "sets it",
				    a->name, (int)strcspn(h, ":"), h);
			continue;
		}
		if (notify_add_header(d, "%s", h))
			return -1;
	}
	return 0;
}

int
notify_webhook_start(struct notify_delivery *d, char *err, size_t errlen)
{
	const struct conf_alert *a = &d->ch->a;
	char sig[65];

	if (notify_add_header(d, "X-Slamon-Event: %s", notify_kind_name(d->msg.kind)) ||
	    notify_add_header(d, "X-Slamon-Delivery: %s", d->id) ||
	    notify_add_header(d, "X-Slamon-Attempt: %d", d->attempt))
		goto nomem;
	if (a->secret) {
		if (notify_hmac_sha256_hex(a->secret, d->body, d->body_len, sig) ==
		    -1) {
			snprintf(err, errlen, "HMAC-SHA256 failed");
			return -1;
		}
		if (notify_add_header(d, "X-Slamon-Signature: sha256=%s", sig))
			goto nomem;
	}
	if (notify_custom_headers(d))
		goto nomem;
	return notify_post_json(d, a->url, err, errlen);
nomem:
	snprintf(err, errlen, "out of memory building headers");
	return -1;
}

/* Success is a 2xx answer; anything else is a failed attempt with a reason. */
bool
notify_webhook_result(struct notify_delivery *d, CURLcode rc, char *err, size_t errlen)
{
	long code = 0;

	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s",
		    d->errbuf[0] ? d->errbuf : curl_easy_strerror(rc));
		return false;
	}
	curl_easy_getinfo(d->easy, CURLINFO_RESPONSE_CODE, &code);
	if (code >= 200 && code <= 299)
		return true;
	for (size_t i = 0; i < d->resp_len; i++)
		if ((unsigned char)d->resp[i] < 0x20)
			d->resp[i] = ' ';
	snprintf(
	    err, errlen, "HTTP %ld%s%.120s", code, d->resp_len ? ": " : "", d->resp);
	return false;
}
