/*
 * notify.h - alert delivery: webhook, smtp, exec, alertmanager, pagerduty
 * and slack channels on the event
 * loop, with retries and backoff. WHEN an alert fires is the caller's
 * business; this module only delivers what it is given, to every channel,
 * and reports every attempt's outcome. The payloads are in doc/alerts.md.
 */
#ifndef SLAMON_NOTIFY_H
#define SLAMON_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conf.h"

struct event_base;
struct notify;

enum notify_kind {
	NOTIFY_ALERT,
	NOTIFY_RECOVERY,
	NOTIFY_REPEAT,
};

/* The facts of one notice. notify_send copies everything it keeps. */
struct notify_msg {
	enum notify_kind kind;
	bool test; /* sent by `slamon test-alert`: marked as such */
	const char *target;
	const char *component; /* NULL = none */
	time_t outage_start;
	time_t end; /* recovery: when the outage ended; else 0 */
	long unplanned_s;
	long down_s;
	const char **windows; /* maintenance windows the outage touched */
	size_t nwindows;
	const char *reason;	/* last probe failure, NULL = none */
	const char *status_url; /* NULL = none */
	time_t time;		/* when the notice was decided */
};

/*
 * Called once per attempt. delivered implies final; final && !delivered
 * means given up (retry_for exhausted, channel removed by a reload, or
 * abandoned by notify_free). msg and channel are valid during the call only.
 */
typedef void notify_result_cb(void *arg, const struct notify_msg *msg,
    const struct conf_alert *channel, int attempt, bool delivered, bool final,
    const char *error);

struct notify_stats {
	const char *channel; /* valid until the next reload or free */
	enum conf_alert_type type;
	uint64_t sent;		  /* deliveries that succeeded */
	uint64_t failed_attempts; /* attempts that failed (retried or not) */
	uint64_t given_up;	  /* deliveries abandoned without success */
	unsigned pending;	  /* deliveries queued, running or waiting to retry */
};

/* Backoff: first retry after base, doubling, capped. Milliseconds. */
#define NOTIFY_BACKOFF_BASE_MS 5000L
#define NOTIFY_BACKOFF_CAP_MS 300000L
/* Environment override of the base, for tests and drills (doc/alerts.md). */
#define NOTIFY_BACKOFF_ENV "SLAMON_NOTIFY_BACKOFF_MS"
/* Attempts running at once on one channel; the rest wait in order. */
#define NOTIFY_MAX_INFLIGHT 8

struct notify *notify_new(
    struct event_base *, const struct conf *, notify_result_cb *, void *arg);
/* Queues msg for every channel; returns the number of deliveries queued. */
int notify_send(struct notify *, const struct notify_msg *);
/* The same, to the channel of that name only (NULL: every channel). */
int notify_send_to(struct notify *, const struct notify_msg *, const char *channel);
int notify_reload(struct notify *, const struct conf *);
/* Fills up to max entries, one per channel; returns the number of channels. */
size_t notify_stats(const struct notify *, struct notify_stats *, size_t max);
/* Deliveries not yet finished; 0 when all have been delivered or given up. */
unsigned notify_pending(const struct notify *);
void notify_free(struct notify *);

/* Pure parts, exposed for the unit tests. */
long notify_backoff_ms(int attempt, long base_ms, long cap_ms);
long notify_retry_delay_ms(
    int attempt, long elapsed_ms, long retry_for_ms, long base_ms, long cap_ms);
const char *notify_kind_name(enum notify_kind);
char *notify_fmt_duration(long secs, char *buf, size_t len);

/* notify-webhook.c */
int notify_format_webhook(const struct notify_msg *, char **json);
int notify_hmac_sha256_hex(const char *key, const char *data, size_t len, char hex[65]);

/* notify-alertmanager.c, notify-pagerduty.c, notify-slack.c: the bodies */
int notify_format_alertmanager(
    const struct notify_msg *, const struct conf_alert *, char **json);
int notify_format_pagerduty(const struct notify_msg *, const struct conf_alert *,
    const char *dedup_key, char **json);
int notify_format_slack(const struct notify_msg *, char **json);

/* notify-smtp.c: the whole RFC 5322 message, CRLF line ends. */
int notify_format_mail(const struct notify_msg *, const struct conf_alert *,
    const char *message_id, char **text);
char *notify_mail_subject(const struct notify_msg *, char *buf, size_t len);

/* notify-exec.c: the SLAMON_* variables, NULL-terminated "NAME=value". */
char **notify_format_env(const struct notify_msg *);
void notify_strv_free(char **);

#endif
