/*
 * notify.c - the alert dispatcher: one queue per channel, attempts started
 * from the event loop, exponential backoff bounded by the channel's
 * retry_for, and one callback per attempt so the caller can journal it.
 *
 * Nothing here blocks: HTTP and SMTP run on a curl multi handle driven by
 * libevent (the hiperfifo pattern), commands are spawned and reaped on
 * SIGCHLD. Per channel and target, notices go out in the order they were
 * sent: a recovery never overtakes the alert it follows, even while that
 * alert is being retried. The cost is head-of-line waiting for that target
 * on that channel only; other targets and channels are not held up.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>
#include <openssl/sha.h>

#include "curlm.h"
#include "log.h"
#include "notify-priv.h"

static void notify_pump_cb(evutil_socket_t, short, void *);

long
notify_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *
notify_kind_name(enum notify_kind k)
{
	switch (k) {
	case NOTIFY_ALERT:
		return "alert";
	case NOTIFY_RECOVERY:
		return "recovery";
	case NOTIFY_REPEAT:
		return "repeat";
	}
	return "alert";
}

/* Delay before the retry that follows failed attempt number `attempt`. */
long
notify_backoff_ms(int attempt, long base_ms, long cap_ms)
{
	long d = base_ms;

	if (attempt < 1)
		attempt = 1;
	for (int i = 1; i < attempt && d < cap_ms; i++)
		d *= 2;
	return d < cap_ms ? d : cap_ms;
}

/*
 * -1 = give up. A retry is made only if it starts within retry_for of the
 * moment the notice was queued; so retry_for = 0 means a single attempt.
 */
long
notify_retry_delay_ms(
    int attempt, long elapsed_ms, long retry_for_ms, long base_ms, long cap_ms)
{
	long d = notify_backoff_ms(attempt, base_ms, cap_ms);

	if (elapsed_ms + d > retry_for_ms)
		return -1;
	return d;
}

char *
notify_fmt_duration(long s, char *buf, size_t len)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(buf, len, "%lds", s);
	else if (s < 3600)
		snprintf(buf, len, "%ldm", s / 60);
	else if (s < 86400)
		snprintf(buf, len, "%ldh%02ldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%ldd%02ldh", s / 86400, s % 86400 / 3600);
	return buf;
}

/* --- copies ------------------------------------------------------------ */

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void
msg_copy(struct notify_msg *dst, const struct notify_msg *src)
{
	*dst = *src;
	dst->target = xstrdup(src->target);
	dst->component = dup_or_null(src->component);
	dst->reason = dup_or_null(src->reason);
	dst->status_url = dup_or_null(src->status_url);
	dst->windows = NULL;
	if (src->nwindows) {
		char **w = xcalloc(src->nwindows, sizeof(char *));
		for (size_t i = 0; i < src->nwindows; i++)
			w[i] = xstrdup(src->windows[i]);
		dst->windows = (const char **)w;
	}
}

static void
msg_clear(struct notify_msg *m)
{
	free((char *)m->target);
	free((char *)m->component);
	free((char *)m->reason);
	free((char *)m->status_url);
	for (size_t i = 0; i < m->nwindows; i++)
		free((char *)m->windows[i]);
	free(m->windows);
}

/* --- curl transfers (the shared curlm glue) ---------------------------- */

/* A webhook or mail attempt finished; its handle is out of the multi. */
static void
notify_curl_done_cb(CURL *e, CURLcode rc, void *arg)
{
	struct notify_delivery *d = arg;
	char err[512];
	bool ok;

	(void)e;
	d->in_flight = false;
	err[0] = '\0';
	if (d->ch->ops->result)
		ok = d->ch->ops->result(d, rc, err, sizeof(err));
	else {
		ok = rc == CURLE_OK;
		if (!ok)
			snprintf(err, sizeof(err), "%s",
			    d->errbuf[0] ? d->errbuf : curl_easy_strerror(rc));
	}
	notify_attempt_done(d, ok, err);
}

/* Hand a prepared easy handle of d to the loop. */
int
notify_curl_start(struct notify_delivery *d, char *err, size_t errlen)
{
	if (curlm_add(d->n->curlm, d->easy, notify_curl_done_cb, d) == -1) {
		snprintf(err, errlen, "curl_multi_add_handle failed");
		return -1;
	}
	d->in_flight = true;
	return 0;
}

/* --- deliveries --------------------------------------------------------- */

static void
notify_schedule_pump(struct notify *n)
{
	event_active(n->pump, EV_TIMEOUT, 0);
}

/* Releases what one attempt holds; the delivery itself stays. */
static void
attempt_release(struct notify_delivery *d)
{
	if (d->easy) {
		if (d->in_flight)
			curlm_cancel(d->n->curlm, d->easy);
		else
			curlm_put(d->n->curlm, d->easy);
		d->easy = NULL;
		d->in_flight = false;
	}
	curl_slist_free_all(d->slist);
	d->slist = NULL;
	if (d->pid > 0)
		notify_exec_cancel(d);
	if (d->outev) {
		event_free(d->outev);
		d->outev = NULL;
	}
	if (d->outfd >= 0) {
		close(d->outfd);
		d->outfd = -1;
	}
	evtimer_del(d->timer);
}

static void
delivery_free(struct notify_delivery *d)
{
	TAILQ_REMOVE(&d->ch->queue, d, entry);
	d->ch->st.pending--;
	attempt_release(d);
	event_free(d->timer);
	msg_clear(&d->msg);
	free(d->body);
	free(d);
}

static void
notify_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct notify_delivery *d = arg;

	(void)fd;
	(void)what;
	if (d->pid > 0) {
		/* the exec deadline: kill now, report when reaped */
		d->timed_out = true;
		kill(-d->pid, SIGKILL);
		return;
	}
	d->state = NOTIFY_QUEUED;
	notify_schedule_pump(d->n);
}

void
notify_attempt_done(struct notify_delivery *d, bool ok, const char *error)
{
	struct notify *n = d->n;
	struct notify_channel *ch = d->ch;
	struct timeval tv;
	long delay;

	attempt_release(d);
	ch->inflight--;
	notify_schedule_pump(n);
	if (ok) {
		ch->st.sent++;
		log_info("notify: %s for %s delivered via %s (attempt %d)",
		    notify_kind_name(d->msg.kind), d->msg.target, ch->a.name,
		    d->attempt);
		n->cb(n->arg, &d->msg, &ch->a, d->attempt, true, true, NULL);
		delivery_free(d);
		return;
	}
	ch->st.failed_attempts++;
	delay = notify_retry_delay_ms(d->attempt, notify_now_ms() - d->start_ms,
	    (long)ch->a.retry_for * 1000, n->base_ms, n->cap_ms);
	if (delay < 0) {
		ch->st.given_up++;
		log_warnx("notify: %s for %s via %s: attempt %d failed: %s; giving up",
		    notify_kind_name(d->msg.kind), d->msg.target, ch->a.name,
		    d->attempt, error);
		n->cb(n->arg, &d->msg, &ch->a, d->attempt, false, true, error);
		delivery_free(d);
		return;
	}
	log_warnx("notify: %s for %s via %s: attempt %d failed: %s; retrying in %ld ms",
	    notify_kind_name(d->msg.kind), d->msg.target, ch->a.name, d->attempt, error,
	    delay);
	d->state = NOTIFY_BACKOFF;
	tv.tv_sec = delay / 1000;
	tv.tv_usec = (delay % 1000) * 1000;
	evtimer_add(d->timer, &tv);
	n->cb(n->arg, &d->msg, &ch->a, d->attempt, false, false, error);
}

static void
attempt_start(struct notify_delivery *d)
{
	char err[512] = "";
	int rc = -1;

	d->attempt++;
	d->state = NOTIFY_RUNNING;
	d->ch->inflight++;
	d->errbuf[0] = '\0';
	d->resp_len = 0;
	d->out_len = 0;
	d->upload_off = 0;
	d->timed_out = false;
	rc = d->ch->ops->start(d, err, sizeof(err));
	if (rc == -1)
		notify_attempt_done(d, false, err[0] ? err : "could not start");
}

static bool
blocked_by_earlier(struct notify_channel *ch, struct notify_delivery *d)
{
	struct notify_delivery *e;

	TAILQ_FOREACH(e, &ch->queue, entry)
	{
		if (e == d)
			return false;
		if (strcmp(e->msg.target, d->msg.target) == 0)
			return true;
	}
	return false;
}

static void
notify_pump_cb(evutil_socket_t fd, short what, void *arg)
{
	struct notify *n = arg;

	(void)fd;
	(void)what;
	for (size_t i = 0; i < n->nch; i++) {
		struct notify_channel *ch = n->ch[i];
		struct notify_delivery *d, *next;

		for (d = TAILQ_FIRST(&ch->queue); d; d = next) {
			next = TAILQ_NEXT(d, entry);
			if (ch->inflight >= NOTIFY_MAX_INFLIGHT)
				break;
			if (d->state == NOTIFY_QUEUED && !blocked_by_earlier(ch, d))
				attempt_start(d);
		}
	}
}

static void
random_id(char out[33])
{
	unsigned char b[16];

	if (RAND_bytes(b, sizeof(b)) != 1)
		fatalx("RAND_bytes failed");
	for (size_t i = 0; i < sizeof(b); i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/*
 * The delivery id of a real notice is derived from what it is (target,
 * outage, kind, decision time, channel), so the notice sent again after a
 * restart carries the same X-Slamon-Delivery and receivers can drop it.
 */
static void
delivery_id(char out[33], const struct notify_msg *m, const char *channel)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	char *key;

	if (m->test) {
		random_id(out);
		return;
	}
	xasprintf(&key, "%s|%lld|%d|%lld|%s", m->target, (long long)m->outage_start,
	    (int)m->kind, (long long)m->time, channel);
	SHA256((const unsigned char *)key, strlen(key), md);
	free(key);
	for (size_t i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

void
notify_outage_key(const struct notify_msg *m, const char *channel, char out[33])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	char *key;

	xasprintf(&key, "%s|%lld|%s%s", m->target, (long long)m->outage_start, channel,
	    m->test ? "|test" : "");
	SHA256((const unsigned char *)key, strlen(key), md);
	free(key);
	for (size_t i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

int
notify_send(struct notify *n, const struct notify_msg *m)
{
	return notify_send_to(n, m, NULL);
}

int
notify_send_to(struct notify *n, const struct notify_msg *m, const char *channel)
{
	int queued = 0;

	if (m->target == NULL) {
		log_warnx("notify: message without a target");
		return -1;
	}
	for (size_t i = 0; i < n->nch; i++) {
		struct notify_channel *ch = n->ch[i];
		struct notify_delivery *d;
		int rc = 0;

		if (channel != NULL && strcmp(ch->a.name, channel) != 0)
			continue;
		d = xcalloc(1, sizeof(*d));

		d->n = n;
		d->ch = ch;
		d->pid = -1;
		d->outfd = -1;
		msg_copy(&d->msg, m);
		delivery_id(d->id, m, ch->a.name);
		d->start_ms = notify_now_ms();
		d->state = NOTIFY_QUEUED;
		if ((d->timer = evtimer_new(n->base, notify_retry_cb, d)) == NULL)
			fatalx("evtimer_new");
		TAILQ_INSERT_TAIL(&ch->queue, d, entry);
		ch->st.pending++;
		if (ch->ops->prepare)
			rc = ch->ops->prepare(d);
		if (rc == -1) {
			/* cannot happen with a valid message; count it, never hide it */
			ch->st.given_up++;
			n->cb(n->arg, &d->msg, &ch->a, 0, false, true,
			    "could not format the message");
			delivery_free(d);
			continue;
		}
		queued++;
	}
	notify_schedule_pump(n);
	return queued;
}

/* --- lifetime ----------------------------------------------------------- */

static struct notify_channel *
channel_new(const struct conf_alert *a)
{
	struct notify_channel *ch = xcalloc(1, sizeof(*ch));

	conf_alert_copy(&ch->a, a);
	ch->ops = notify_channel_ops(a->type);
	ch->st.channel = ch->a.name;
	ch->st.type = ch->a.type;
	TAILQ_INIT(&ch->queue);
	return ch;
}

static void
channel_free(struct notify *n, struct notify_channel *ch, const char *why)
{
	struct notify_delivery *d;

	while ((d = TAILQ_FIRST(&ch->queue)) != NULL) {
		log_warnx("notify: abandoning %s for %s via %s after %d attempt(s): %s",
		    notify_kind_name(d->msg.kind), d->msg.target, ch->a.name,
		    d->attempt, why);
		ch->st.given_up++;
		if (d->state == NOTIFY_RUNNING)
			ch->inflight--;
		n->cb(n->arg, &d->msg, &ch->a, d->attempt, false, true, why);
		delivery_free(d);
	}
	conf_alert_clear(&ch->a);
	free(ch);
}

struct notify *
notify_new(
    struct event_base *base, const struct conf *c, notify_result_cb *cb, void *arg)
{
	struct notify *n = xcalloc(1, sizeof(*n));
	const char *env = getenv(NOTIFY_BACKOFF_ENV);

	n->base = base;
	n->cb = cb;
	n->arg = arg;
	n->base_ms = NOTIFY_BACKOFF_BASE_MS;
	n->cap_ms = NOTIFY_BACKOFF_CAP_MS;
	if (env && *env) {
		char *end;
		long v = strtol(env, &end, 10);
		if (*end == '\0' && v >= 1 && v <= NOTIFY_BACKOFF_CAP_MS) {
			n->base_ms = v;
			log_info("notify: retry backoff starts at %ld ms (%s)", v,
			    NOTIFY_BACKOFF_ENV);
		} else
			log_warnx("notify: ignoring %s=\"%s\": expected 1..%ld",
			    NOTIFY_BACKOFF_ENV, env, NOTIFY_BACKOFF_CAP_MS);
	}
	n->state_dir = xstrdup(c->state_dir ? c->state_dir : "");
	if ((n->curlm = curlm_new(base)) == NULL ||
	    (n->pump = evtimer_new(base, notify_pump_cb, n)) == NULL)
		goto fail;
	if (notify_reload(n, c) == -1)
		goto fail;
	return n;
fail:
	log_warnx("notify: cannot initialise");
	notify_free(n);
	return NULL;
}

/*
 * Channels are matched by name. A channel that stays keeps its queue and
 * counters and takes the new settings from its next attempt on, so a fixed
 * URL lets a queued alert through. A channel that goes away abandons its
 * queue (reported as given up); a new one starts empty.
 */
int
notify_reload(struct notify *n, const struct conf *c)
{
	struct notify_channel **nch = xcalloc(c->nalerts + 1, sizeof(*nch));

	for (size_t i = 0; i < n->nch; i++)
		n->ch[i]->seen = false;
	for (size_t i = 0; i < c->nalerts; i++) {
		const struct conf_alert *a = &c->alerts[i];
		struct notify_channel *ch = NULL;

		for (size_t j = 0; j < n->nch; j++)
			if (!n->ch[j]->seen && strcmp(n->ch[j]->a.name, a->name) == 0 &&
			    n->ch[j]->a.type == a->type)
				ch = n->ch[j];
		if (ch) {
			ch->seen = true;
			conf_alert_clear(&ch->a);
			conf_alert_copy(&ch->a, a);
			ch->st.channel = ch->a.name;
		} else
			ch = channel_new(a);
		nch[i] = ch;
	}
	for (size_t i = 0; i < n->nch; i++)
		if (!n->ch[i]->seen)
			channel_free(
			    n, n->ch[i], "channel removed from the configuration");
	free(n->ch);
	n->ch = nch;
	n->nch = c->nalerts;
	for (size_t i = 0; i < n->nch; i++)
		n->ch[i]->seen = false;
	free(n->state_dir);
	n->state_dir = xstrdup(c->state_dir ? c->state_dir : "");
	if (n->pump)
		notify_schedule_pump(n);
	return 0;
}

size_t
notify_stats(const struct notify *n, struct notify_stats *out, size_t max)
{
	for (size_t i = 0; i < n->nch && i < max; i++)
		out[i] = n->ch[i]->st;
	return n->nch;
}

unsigned
notify_pending(const struct notify *n)
{
	unsigned p = 0;

	for (size_t i = 0; i < n->nch; i++)
		p += n->ch[i]->st.pending;
	return p;
}

void
notify_free(struct notify *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; i < n->nch; i++)
		channel_free(n, n->ch[i], "monitor stopping");
	free(n->ch);
	curlm_free(n->curlm);
	if (n->pump)
		event_free(n->pump);
	if (n->sigchld)
		event_free(n->sigchld);
	free(n->state_dir);
	free(n);
}
