/*
 * api-metrics-probe.c - the last probe's details in /metrics, named as
 * blackbox_exporter names them with the slamon_ prefix: success, duration,
 * HTTP status and phase durations, the certificate's expiry, the TLS
 * version and the name lookup time. A detail a probe type does not measure
 * is left out rather than written as 0.
 */
#include <math.h>
#include <string.h>

#include "api-metrics.h"
#include "httpd-priv.h"

static bool
is_http(const struct conf_target *t)
{
	return t->type && strcmp(t->type, "http") == 0;
}

void api_metrics_probe_details(struct httpd *, struct api_mx *, time_t now);

void
api_metrics_probe_details(struct httpd *h, struct api_mx *m, time_t now)
{
	const struct conf *c = h->src.conf;
	size_t n = h->ntm < c->ntargets ? h->ntm : c->ntargets;

	(void)now;
	api_mx_family(m, "slamon_probe_success", API_MX_GAUGE,
	    "Whether the target's last probe succeeded.");
	for (size_t i = 0; i < n; i++)
		if (h->tm[i].probed) {
			api_mx_target(m, "slamon_probe_success", &c->targets[i]);
			api_mx_end(m, h->tm[i].last_ok ? 1 : 0);
		}
	api_mx_family(m, "slamon_probe_last_duration_seconds", API_MX_GAUGE,
	    "How long the target's last probe took, whatever its result.");
	for (size_t i = 0; i < n; i++)
		if (h->tm[i].probed && !isnan(h->tm[i].last_duration_s)) {
			api_mx_target(
			    m, "slamon_probe_last_duration_seconds", &c->targets[i]);
			api_mx_end(m, h->tm[i].last_duration_s);
		}
	api_mx_family(m, "slamon_http_status_code", API_MX_GAUGE,
	    "The HTTP status of the last answer; 0 when there was none.");
	for (size_t i = 0; i < n; i++)
		if (h->tm[i].probed && is_http(&c->targets[i])) {
			api_mx_target(m, "slamon_http_status_code", &c->targets[i]);
			api_mx_end(m, (double)h->tm[i].last.http_status);
		}
	api_mx_family(m, "slamon_http_duration_seconds", API_MX_GAUGE,
	    "Phases of the last HTTP probe: resolve, connect, tls, processing, "
	    "transfer.");
	for (size_t i = 0; i < n; i++) {
		if (!h->tm[i].probed || !is_http(&c->targets[i]))
			continue;
		for (int k = 0; k < PROBE_NTIMINGS; k++) {
			double v = h->tm[i].last.timing_s[k];

			if (!(v >= 0))
				continue;
			api_mx_target(
			    m, "slamon_http_duration_seconds", &c->targets[i]);
			api_mx_label(
			    m, "phase", probe_timing_name((enum probe_timing)k));
			api_mx_end(m, v);
		}
	}
	api_mx_family(m, "slamon_tls_cert_not_after_timestamp_seconds", API_MX_GAUGE,
	    "When the target's certificate expires (the last one seen).");
	for (size_t i = 0; i < n; i++)
		if (h->tm[i].last.cert_not_after != 0) {
			api_mx_target(m, "slamon_tls_cert_not_after_timestamp_seconds",
			    &c->targets[i]);
			api_mx_end(m, (double)h->tm[i].last.cert_not_after);
		}
	api_mx_family(m, "slamon_tls_version_info", API_MX_INFO,
	    "The TLS version the target negotiated (the last one seen).");
	for (size_t i = 0; i < n; i++)
		if (h->tm[i].last.tls_version[0]) {
			api_mx_target(m, "slamon_tls_version_info", &c->targets[i]);
			api_mx_label(m, "version", h->tm[i].last.tls_version);
			api_mx_end(m, 1);
		}
	api_mx_family(m, "slamon_dns_lookup_seconds", API_MX_GAUGE,
	    "How long the last probe's name lookup took.");
	for (size_t i = 0; i < n; i++)
		if (h->tm[i].probed && h->tm[i].last.dns_s >= 0) {
			api_mx_target(m, "slamon_dns_lookup_seconds", &c->targets[i]);
			api_mx_end(m, h->tm[i].last.dns_s);
		}
}
