/*
 * curl-info.c - what libcurl measured of a probe's transfer, into the run's
 * detail for /metrics: the five phases blackbox_exporter reports, the leaf
 * certificate's expiry and the negotiated TLS version.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/ssl.h>

#include "../monitor/curlm.h"
#include "probe.h"

/* libcurl's timings are cumulative from the start (CURLINFO_*_TIME_T, in
 * microseconds); a phase not reached reads 0. */
static double
info_us(CURL *e, CURLINFO what)
{
	curl_off_t v = 0;

	if (curl_easy_getinfo(e, what, &v) != CURLE_OK || v < 0)
		return 0;
	return (double)v;
}

void
curlinfo_timings(struct probe_run *run, void *curl)
{
	CURL *e = curl;
	double *t = run->detail.timing_s;
	double dns = info_us(e, CURLINFO_NAMELOOKUP_TIME_T),
	       conn = info_us(e, CURLINFO_CONNECT_TIME_T),
	       app = info_us(e, CURLINFO_APPCONNECT_TIME_T),
	       pre = info_us(e, CURLINFO_PRETRANSFER_TIME_T),
	       first = info_us(e, CURLINFO_STARTTRANSFER_TIME_T),
	       total = info_us(e, CURLINFO_TOTAL_TIME_T);

	/* a redirect's time is its own: blackbox sums phases per hop, slamon
	 * reports the whole transfer's split */
	t[PROBE_T_RESOLVE] = dns / 1e6;
	if (dns > 0)
		run->detail.dns_s = dns / 1e6;
	if (conn > 0)
		t[PROBE_T_CONNECT] = (conn - dns) / 1e6;
	if (app > 0)
		t[PROBE_T_TLS] = (app - conn) / 1e6;
	else if (conn > 0)
		t[PROBE_T_TLS] = 0;
	if (first > 0 && pre > 0)
		t[PROBE_T_PROCESSING] = (first - pre) / 1e6;
	if (first > 0 && total >= first)
		t[PROBE_T_TRANSFER] = (total - first) / 1e6;
}

/* "Expire date" of the leaf, as OpenSSL prints it: "Jan  1 00:00:00 2027 GMT". */
int
curlinfo_expiry(void *curl, long long *out)
{
	struct curl_certinfo *ci = NULL;
	struct curl_slist *s;
	struct tm tm;

	if (curl_easy_getinfo(curl, CURLINFO_CERTINFO, &ci) != CURLE_OK || ci == NULL ||
	    ci->num_of_certs < 1)
		return -1;
	for (s = ci->certinfo[0]; s; s = s->next) {
		if (strncmp(s->data, "Expire date:", 12) != 0)
			continue;
		memset(&tm, 0, sizeof(tm));
		if (strptime(s->data + 12, " %b %d %H:%M:%S %Y", &tm) == NULL)
			return -1;
		*out = (long long)timegm(&tm);
		return 0;
	}
	return -1;
}

void
curlinfo_cert(struct probe_run *run, void *curl)
{
	long long t;

	if (curlinfo_expiry(curl, &t) == 0)
		run->detail.cert_not_after = t;
}

/*
 * The negotiated version, from OpenSSL's handshake callback: libcurl's
 * CURLINFO_TLS_SSL_PTR is gone by the time a CONNECT_ONLY or FORBID_REUSE
 * transfer reports its end. libcurl makes a fresh SSL_CTX per connection and
 * hands it to CURLOPT_SSL_CTX_FUNCTION, so the run can ride on its ex_data.
 */
static int curlinfo_ex_index = -1;

static void
curlinfo_handshake_cb(const SSL *ssl, int where, int ret)
{
	struct probe_run *run;

	(void)ret;
	if (!(where & SSL_CB_HANDSHAKE_DONE))
		return;
	run = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), curlinfo_ex_index);
	if (run == NULL || !run->active)
		return;
	snprintf(run->detail.tls_version, sizeof(run->detail.tls_version), "%s",
	    SSL_get_version(ssl));
}

static CURLcode
curlinfo_ssl_ctx_cb(CURL *e, void *ctx, void *arg)
{
	(void)e;
	SSL_CTX_set_ex_data(ctx, curlinfo_ex_index, arg);
	SSL_CTX_set_info_callback(ctx, curlinfo_handshake_cb);
	return CURLE_OK;
}

void
curlinfo_watch_tls(struct probe_run *run, void *curl)
{
	if (curlinfo_ex_index < 0)
		curlinfo_ex_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	if (curlinfo_ex_index < 0)
		return; /* no version in /metrics; the probe itself is unaffected */
	curl_easy_setopt(curl, CURLOPT_SSL_CTX_FUNCTION, curlinfo_ssl_ctx_cb);
	curl_easy_setopt(curl, CURLOPT_SSL_CTX_DATA, run);
}

void
curlinfo_unwatch_tls(void *curl)
{
	curl_easy_setopt(curl, CURLOPT_SSL_CTX_FUNCTION, NULL);
	curl_easy_setopt(curl, CURLOPT_SSL_CTX_DATA, NULL);
}
