/*
 * conf.h - the configuration of design.md section 3, loaded once into
 * read-only structs. Nothing outside conf.c sees libconfig, except probes,
 * which validate their own keys through conf_* helpers.
 */
#ifndef SLAMON_CONF_H
#define SLAMON_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <libconfig.h>

#include "admin-auth.h"

struct probe_ops;

/* Settings that defaults{} gives and each target may repeat. */
struct conf_timing {
	int interval;	    /* seconds between probes */
	int timeout;	    /* seconds */
	int retry_interval; /* seconds between probes while failures are unconfirmed */
	int fail_threshold; /* consecutive failures that confirm an outage */
	int alert_after;    /* unplanned seconds of one outage before the alert */
	int alert_repeat;   /* seconds between repeated alerts, 0 = never */
	double slo;	    /* percent */
	int latency_slo_ms; /* latency objective of a step's mean; 0 = none */
};

struct conf_strv {
	char **v;
	size_t n;
};

/*
 * A service-credit tier of the contract (conf-contract.c): a month whose
 * availability is below `below` percent earns `percent` of the fee back.
 * Kept sorted by below, highest first; a lower threshold never gives less.
 */
struct conf_credit {
	double below;
	double percent;
};

struct conf_credits {
	struct conf_credit *v; /* NULL when n == 0: no credits agreed */
	size_t n;
};

struct conf_target {
	char *name;
	char *component;
	char *type;
	const struct probe_ops *ops;
	void *probe; /* the probe's own parsed settings */
	struct conf_timing t;
	struct conf_strv groups;
	struct conf_credits credits; /* its own copy: defaults' unless repeated */
	int line;
};

enum conf_applies_kind {
	CONF_APPLIES_ALL,
	CONF_APPLIES_TARGET,
	CONF_APPLIES_GROUP,
	CONF_APPLIES_COMPONENT,
};

struct conf_applies {
	enum conf_applies_kind kind;
	char *name; /* NULL for ALL */
};

struct conf_window {
	char *name;
	char *rrule;	 /* NULL: a category used only through announcements */
	char *first_str; /* as written, local time */
	time_t first;	 /* UTC of first, by RFC 5545 rules */
	int first_hms;	 /* time of day of first, seconds after local midnight */
	long duration;	 /* seconds; 0 when end_hms is used */
	int end_hms;	 /* -1, or local time of day at which each occurrence ends */
	bool has_published;
	time_t published;
	bool requires_announcement;
	struct conf_applies *applies;
	size_t napplies;
	char *description;
	int line;
};

struct conf_announcement {
	char *window; /* name of a window */
	time_t start, end;
	time_t announced_at;
	char *note;
	int line;
};

/* An entry of maintenance.ics: a file, or a calendar subscribed to by URL. */
struct conf_ics {
	char *source;	    /* as written */
	char *url;	    /* http(s) URL (webcal: read as https:), NULL for a file */
	char *path;	    /* what is read: the file, or the last good copy of url */
	char *ca_file;	    /* url: CA bundle instead of the system's */
	bool trust_created; /* announced by the calendar's own stamps */
	struct conf_applies *applies; /* NULL: X-SLAMON-APPLIES-TO, else all */
	size_t napplies;
	int line;
};

enum conf_alert_type {
	CONF_ALERT_WEBHOOK,
	CONF_ALERT_EXEC,
	CONF_ALERT_SMTP,
	CONF_ALERT_ALERTMANAGER,
	CONF_ALERT_PAGERDUTY,
	CONF_ALERT_SLACK,
};

/* PagerDuty's Events API v2, the default url of a pagerduty channel. */
#define CONF_PAGERDUTY_URL "https://events.pagerduty.com/v2/enqueue"

struct conf_alert {
	enum conf_alert_type type;
	char *name;		   /* given, or "<type>#<index>" */
	char *url;		   /* webhook, smtp */
	struct conf_strv headers;  /* webhook: "Name: value" */
	char *secret;		   /* webhook HMAC-SHA256 key, NULL = unsigned */
	struct conf_strv command;  /* exec argv */
	char *from;		   /* smtp */
	struct conf_strv to;	   /* smtp */
	char *username, *password; /* smtp, optional */
	struct conf_strv labels;   /* alertmanager: "name=value" added to each alert */
	int resolve_after;	   /* alertmanager: seconds from a notice to endsAt */
	char *routing_key;	   /* pagerduty: the integration's key */
	char *severity;		   /* pagerduty: critical, error, warning, info */
	int timeout;		   /* seconds */
	int retry_for;		   /* seconds of retries before giving up */
	int line;
};

enum conf_role {
	CONF_ROLE_BOTH,
	CONF_ROLE_PROBE,
	CONF_ROLE_AGGREGATE,
};

/* design.md section 9; enabled only when the group is present */
struct conf_cluster {
	bool enabled;
	char *nats;	/* comma-separated server URLs, NULL: none given */
	char *location; /* this node's, NULL for an aggregator that names none */
	enum conf_role role;
	struct conf_strv locations; /* the voting locations */
	int quorum;		    /* 1..locations.n */
	char *stream;		    /* JetStream stream name */
	long retention;		    /* seconds the stream keeps results */
	int line;
};

/* page{}: the status page's branding and arrangement (conf-page.c). */
struct conf_page_group {
	char *name;
	struct conf_strv components;
	int line;
};

struct conf_page {
	char *title;	/* NULL: "Service status" */
	char *logo;	/* http(s) URL or absolute file path; NULL = none */
	bool logo_file; /* logo is a file, served at /logo */
	const char *logo_ctype;
	char *url;     /* the company's site */
	char *support; /* https URL or mailto: */
	char *footer;
	struct conf_strv order;	 /* components shown first, in this order */
	struct conf_strv hidden; /* components left out of the page and the v2 API */
	struct conf_page_group *groups;
	size_t ngroups;
};

/* The public server's bounds (conf-http.c): slamon.http_* keys. */
struct conf_http {
	long max_connections;		 /* at once; more are refused at accept */
	long max_connections_per_client; /* at once from one address */
	long header_timeout;		 /* seconds to send a whole request */
	long keepalive_timeout;		 /* seconds idle between requests */
	long max_header_bytes, max_body_bytes;
	long expensive_per_minute; /* reports and graphs, per client */
	long workers;		   /* expensive answers computed at once */
};

struct conf {
	char *path;
	char *state_dir;
	char *timezone;
	char *listen;		 /* "" = none */
	char *rrdcached;	 /* "" = direct */
	char *public_url;	 /* link to the status page in alerts */
	char *admin_listen;	 /* design.md 10: "" = none, HOST:PORT or unix:/PATH */
	char *admin_tokens_from; /* the token file, or "(inline)" */
	struct admin_tokens admin_tokens;
	struct conf_http http;
	struct conf_timing defaults;
	/* slamon.max_inflight: probes in flight at once; 0 = from the machine */
	long max_inflight;
	struct conf_credits credits; /* defaults.credits */
	struct conf_target *targets;
	size_t ntargets;
	long min_notice;
	struct conf_window *windows;
	size_t nwindows;
	struct conf_announcement *announcements;
	size_t nannouncements;
	struct conf_ics *ics;
	size_t nics;
	long ics_refresh; /* seconds between fetches of subscribed calendars */
	struct conf_alert *alerts;
	size_t nalerts;
	struct conf_cluster cluster;
	/* values of ${env:...} and ${file:...}, for conf_redact() only */
	char **secrets;
	size_t nsecrets;
	struct conf_page page;
};

struct conf_src;

/* Error context while loading: the first error wins and is kept as text. */
struct conf_ctx {
	const char *file;
	char err[1024];
	int failed;
	/* secrets resolved so far: redacted from err, wiped at the end */
	char **secrets;
	size_t nsecrets;
	struct conf_src *src; /* a source file's lines, read once (conf-get.c) */
};

/* Forget the secrets a load resolved (conf-secret.c). */
void conf_ctx_clear(struct conf_ctx *);
/* Replace every secret of the configuration in text by "(secret)", before
 * text that may hold a setting's value is shown. */
void conf_redact(const struct conf *, char *text, size_t size);

struct conf *conf_load(const char *path, char *err, size_t errlen);
/* A channel's settings: a deep copy, and freeing one (conf-alerts.c). */
void conf_alert_copy(struct conf_alert *dst, const struct conf_alert *src);
void conf_alert_clear(struct conf_alert *);
const char *conf_alert_type_name(enum conf_alert_type);
void conf_free(struct conf *);
const struct conf_target *conf_target_find(const struct conf *, const char *);
const struct conf_window *conf_window_find(const struct conf *, const char *);
/* A reload keeps the running cluster group: the same, or a copy of it. */
bool conf_cluster_equal(const struct conf_cluster *, const struct conf_cluster *);
void conf_cluster_copy(struct conf_cluster *dst, const struct conf_cluster *src);
/* index of a location in cluster.locations, or -1 */
int conf_location_find(const struct conf *, const char *);
bool conf_applies_to(const struct conf_applies *, size_t, const struct conf_target *);
/* Whether page.hidden names this component. */
bool conf_page_hidden(const struct conf *, const char *component);

/* For probes validating their own keys. Each returns 0 when absent (value
 * untouched), 1 when read, -1 after reporting an error through ctx. */
void conf_error(struct conf_ctx *, const config_setting_t *, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int conf_get_str(struct conf_ctx *, const config_setting_t *, const char *, char **);
int conf_get_int(struct conf_ctx *, const config_setting_t *, const char *, long min,
    long max, long *);
int conf_get_bool(struct conf_ctx *, const config_setting_t *, const char *, bool *);
int conf_get_strv(
    struct conf_ctx *, const config_setting_t *, const char *, struct conf_strv *);
int conf_get_intv(struct conf_ctx *, const config_setting_t *, const char *, long min,
    long max, long **, size_t *);
int conf_require(struct conf_ctx *, const config_setting_t *, const char *);
int conf_check_url(struct conf_ctx *, const config_setting_t *, const char *field,
    const char *url, const char *const *schemes);
void conf_strv_free(struct conf_strv *);

#endif
