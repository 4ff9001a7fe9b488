/*
 * probe.h - the one small table every probe type fills in.
 *
 * A probe knows nothing of the monitor's internals: it is configured from
 * its own keys of a target, started with a run that carries the event base
 * and a deadline, and ends every path in exactly one call of probe_done().
 */
#ifndef SLAMON_PROBE_H
#define SLAMON_PROBE_H

#include <stdbool.h>
#include <stddef.h>

#include "../monitor/conf.h"

enum probe_reason {
	PROBE_OK = 0,
	PROBE_CONNECT_REFUSED,
	PROBE_CONNECT_TIMEOUT,
	PROBE_DNS_FAILURE,
	PROBE_TLS_FAILURE,
	PROBE_HTTP_STATUS,
	PROBE_BODY_MISMATCH,
	PROBE_TIMEOUT,
	PROBE_RESET,
	PROBE_TOO_LARGE,
	PROBE_EXPECT_MISMATCH,	 /* tcp expect / dns answer not as configured */
	PROBE_CERT_EXPIRING,
	PROBE_CANCELLED,	 /* still running when the next run was due */
	PROBE_NETWORK,		 /* any other transport error */
	PROBE_INTERNAL,		 /* a local resource failure, not the target's fault */
	PROBE_NREASONS
};

const char *probe_reason_name(enum probe_reason);

struct probe_result {
	enum probe_reason reason;
	char text[256];		 /* human text, e.g. "HTTP status 503" */
	double latency_ms;	 /* < 0 when not measured */
};

struct probe_env;		 /* event base, curl multi, evdns: owned by the prober */
struct probe_run;

struct probe_ops {
	const char *name;
	const char *const *keys;	/* the type's own configuration keys */
	/* Parse and validate the type's keys; NULL after conf_error(). */
	void *(*configure)(struct conf_ctx *, const config_setting_t *target);
	void (*free)(void *);
	/* Start a run; must end, now or later, in exactly one probe_done(). */
	int (*start)(struct probe_run *);
	/* Abandon a run: release everything, call nothing back. */
	void (*cancel)(struct probe_run *);
	/* One line describing the endpoint, for logs and `slamon check`. */
	void (*describe)(const void *, char *, size_t);
};

const struct probe_ops *probe_find(const char *name);
extern const struct probe_ops *const probe_table[];

#endif
