/*
 * notify-priv.h - what the dispatcher (notify.c) shares with its channel
 * implementations (notify-webhook.c, notify-smtp.c, notify-exec.c). Not for
 * use outside notify*.c.
 */
#ifndef SLAMON_NOTIFY_PRIV_H
#define SLAMON_NOTIFY_PRIV_H

#include <sys/queue.h>
#include <sys/types.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "notify.h"

enum notify_state {
	NOTIFY_QUEUED,	/* due, waiting for a slot on its channel */
	NOTIFY_RUNNING, /* an attempt is in flight */
	NOTIFY_BACKOFF, /* waiting for its retry timer */
};

struct notify_channel;

/* One message on one channel, from notify_send until delivered or given up. */
struct notify_delivery {
	TAILQ_ENTRY(notify_delivery) entry;
	struct notify *n;
	struct notify_channel *ch;
	struct notify_msg msg; /* deep copy */
	char id[33];	       /* X-Slamon-Delivery: same on every attempt */
	int attempt;	       /* attempts started */
	enum notify_state state;
	long start_ms;	     /* monotonic, when queued */
	struct event *timer; /* backoff; exec: the kill deadline */

	char *body; /* webhook JSON or whole mail, built once */
	size_t body_len;

	/* curl attempt (webhook, smtp) */
	CURL *easy;		  /* borrowed from the curlm pool */
	bool in_flight;		  /* easy is in the multi */
	struct curl_slist *slist; /* headers or recipients */
	size_t upload_off;
	char errbuf[CURL_ERROR_SIZE];
	char resp[200]; /* start of the response, for errors */
	size_t resp_len;

	/* exec attempt */
	pid_t pid;
	int outfd;
	struct event *outev;
	char out[512]; /* start of stdout+stderr, for errors */
	size_t out_len;
	bool timed_out;
};

/*
 * What a channel type does, found by notify.c through notify_channel_ops()
 * (notify-channels.c): build the body once when a notice is queued, start
 * one attempt, and, for the types that run on curl, judge a finished one.
 */
struct notify_channel_ops {
	enum conf_alert_type type;
	/* NULL: nothing to build ahead (exec) */
	int (*prepare)(struct notify_delivery *);
	/* 0, or -1 with err set */
	int (*start)(struct notify_delivery *, char *err, size_t errlen);
	/* curl types: true when delivered; NULL: CURLE_OK is delivered */
	bool (*result)(struct notify_delivery *, CURLcode, char *err, size_t errlen);
};

const struct notify_channel_ops *notify_channel_ops(enum conf_alert_type);

struct notify_channel {
	const struct notify_channel_ops *ops;
	struct conf_alert a; /* deep copy; replaced in place by a reload */
	struct notify_stats st;
	TAILQ_HEAD(, notify_delivery) queue;
	unsigned inflight;
	bool seen; /* reload bookkeeping */
};

struct notify {
	struct event_base *base;
	notify_result_cb *cb;
	void *arg;
	struct curlm *curlm; /* shared glue, own instance */
	struct event *pump;
	struct event *sigchld;
	unsigned children;
	struct notify_channel **ch;
	size_t nch;
	char *state_dir;
	long base_ms, cap_ms;
};

/* notify.c: start a prepared transfer (webhook, smtp). */
int notify_curl_start(struct notify_delivery *, char *err, size_t errlen);

/* notify.c: every attempt ends here, exactly once. */
void notify_attempt_done(struct notify_delivery *, bool ok, const char *error);
long notify_now_ms(void);

/* Per type: build the body once; start one attempt (0, or -1 with err set). */
int notify_webhook_prepare(struct notify_delivery *);
int notify_webhook_start(struct notify_delivery *, char *err, size_t errlen);
bool notify_webhook_result(
    struct notify_delivery *, CURLcode, char *err, size_t errlen);
/* A JSON POST of d->body to url with the common headers and d->slist's
 * extra ones (notify-webhook.c); every JSON channel starts through it. */
int notify_post_json(
    struct notify_delivery *, const char *url, char *err, size_t errlen);
int notify_add_header(struct notify_delivery *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The channel's `headers`, less the ones slamon sets itself. */
int notify_custom_headers(struct notify_delivery *);
/* A stable id of the outage a notice is about, on one channel: the alert
 * and its recovery share it (notify.c). 32 hex digits. */
void notify_outage_key(const struct notify_msg *, const char *channel, char out[33]);
int notify_smtp_prepare(struct notify_delivery *);
int notify_smtp_start(struct notify_delivery *, char *err, size_t errlen);
int notify_exec_start(struct notify_delivery *, char *err, size_t errlen);
void notify_exec_reap(struct notify *);
void notify_exec_cancel(struct notify_delivery *);
/* notify-alertmanager.c, notify-pagerduty.c, notify-slack.c */
int notify_am_prepare(struct notify_delivery *);
int notify_am_start(struct notify_delivery *, char *err, size_t errlen);
int notify_pd_prepare(struct notify_delivery *);
int notify_pd_start(struct notify_delivery *, char *err, size_t errlen);
int notify_slack_prepare(struct notify_delivery *);
int notify_slack_start(struct notify_delivery *, char *err, size_t errlen);

#endif
