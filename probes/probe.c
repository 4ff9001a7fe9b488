/* probe.c - the table of probe types and the names of their reasons. */
#include <string.h>

#include "probe.h"

extern const struct probe_ops probe_http_ops, probe_tcp_ops, probe_dns_ops,
    probe_tls_ops, probe_icmp_ops;

const struct probe_ops *const probe_table[] = {
	&probe_http_ops, &probe_tcp_ops, &probe_dns_ops, &probe_tls_ops,
	&probe_icmp_ops, NULL,
};

const struct probe_ops *
probe_find(const char *name)
{
	for (size_t i = 0; probe_table[i]; i++)
		if (strcmp(probe_table[i]->name, name) == 0)
			return probe_table[i];
	return NULL;
}

const char *
probe_reason_name(enum probe_reason r)
{
	static const char *const names[PROBE_NREASONS] = {
		[PROBE_OK] = "ok",
		[PROBE_CONNECT_REFUSED] = "connect_refused",
		[PROBE_CONNECT_TIMEOUT] = "connect_timeout",
		[PROBE_DNS_FAILURE] = "dns_failure",
		[PROBE_TLS_FAILURE] = "tls_failure",
		[PROBE_HTTP_STATUS] = "http_status",
		[PROBE_BODY_MISMATCH] = "body_mismatch",
		[PROBE_TIMEOUT] = "timeout",
		[PROBE_RESET] = "reset",
		[PROBE_TOO_LARGE] = "too_large",
		[PROBE_EXPECT_MISMATCH] = "expect_mismatch",
		[PROBE_CERT_EXPIRING] = "cert_expiring",
		[PROBE_CANCELLED] = "cancelled",
		[PROBE_NETWORK] = "network",
		[PROBE_INTERNAL] = "internal",
	};

	if ((unsigned)r >= PROBE_NREASONS)
		return "unknown";
	return names[r];
}
