/*
 * store-queue.c - writing the steps a store accepted, in order.
 *
 * Every accepted step goes into the target's queue first, as runs of equal
 * rows (a month of explicit zeros is one entry), and the queue is then
 * written: with rrd_updatex_r, or with rrdc_update through rrdcached with
 * one reconnect and retry (collectd's rrdcached.c). While rrdcached is away
 * the queue keeps growing, up to a bound on entries that is logged loudly
 * when hit; nothing is dropped silently. Writing resumes on the next update
 * (at most once a second, so a dead daemon costs one failed connect a
 * second, not one per update) or on store_retry from a timer. A step the
 * file already has is skipped (RRD_SKIP_PAST_UPDATES directly; with
 * rrdcached the queue is first cut at the daemon's last update).
 *
 * Deferred (the daemon): updates only queue and put their target in line;
 * store_flush_some writes the line a slice at a time from the event loop.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rrd.h>
#include <rrd_client.h>

#include "log.h"
#include "store-int.h"
#include "store.h"

static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --- queue and writers ---------------------------------------------------- */

static bool
same_row(const double a[STORE_NDS], const double b[STORE_NDS])
{
	int k;

	for (k = 0; k < STORE_NDS; k++)
		if (!(a[k] == b[k] || (isnan(a[k]) && isnan(b[k]))))
			return false;
	return true;
}

/* Append steps first..last; returns 1 when that took a new entry. */
static int
runs_push(struct store_runs *q, time_t first, time_t last, const double v[STORE_NDS])
{
	struct store_run *r;

	if (q->len > q->head) {
		r = &q->v[q->len - 1];
		if (r->last + STORE_STEP == first && same_row(r->v, v)) {
			r->last = last;
			return 0;
		}
	}
	if (q->head > 0 && q->head == q->len)
		q->head = q->len = 0;
	if (q->len == q->cap && q->head > 0) {
		/* cut from the front (the log of acknowledged steps): without
		 * this its array grew by a step a minute for as long as it ran */
		memmove(q->v, q->v + q->head, (q->len - q->head) * sizeof(*q->v));
		q->len -= q->head;
		q->head = 0;
	}
	if (q->len == q->cap) {
		/* from one: a target usually holds one step between two writes,
		 * and this is per target (10,000 x 4 x 48 bytes was 1.9 MB) */
		q->cap = q->cap == 0 ? 1 : q->cap * 2;
		q->v = xreallocarray(q->v, q->cap, sizeof(*q->v));
	}
	r = &q->v[q->len++];
	r->first = first;
	r->last = last;
	memcpy(r->v, v, sizeof(r->v));
	return 1;
}

static size_t
runs_steps(const struct store_runs *q)
{
	size_t i, n = 0;

	for (i = q->head; i < q->len; i++)
		n += (size_t)((q->v[i].last - q->v[i].first) / STORE_STEP + 1);
	return n;
}

/* --- deferred writing --------------------------------------------------- */

static void
due_push(struct store *s, struct store_target *t)
{
	if (s->ndue == s->capdue && s->hdue > 0) {
		memmove(
		    s->due, s->due + s->hdue, (s->ndue - s->hdue) * sizeof(*s->due));
		s->ndue -= s->hdue;
		s->hdue = 0;
	}
	if (s->ndue == s->capdue) {
		s->capdue = s->capdue == 0 ? 64 : s->capdue * 2;
		s->due = xreallocarray(s->due, s->capdue, sizeof(*s->due));
	}
	s->due[s->ndue++] = t;
	t->listed = true;
}

void
store_set_deferred(struct store *s, bool on)
{
	s->deferred = on;
	if (on)
		store_requeue(s);
}

bool
store_flush_due(const struct store *s)
{
	if (s->hdue == s->ndue)
		return false;
	return s->daemon == NULL || !s->away || mono_now() >= s->next_try;
}

bool
store_flush_some(struct store *s, double seconds)
{
	double end = mono_now() + seconds;
	size_t n = s->ndue - s->hdue; /* one try each for those in line now */
	struct store_target *t;

	if (!store_flush_due(s))
		return false;
	while (n-- > 0) {
		t = s->due[s->hdue++];
		t->listed = false;
		if (t->q.head == t->q.len)
			continue; /* written meanwhile (a read, store_retry) */
		if (store_queue_target(s, t) == -1 && s->daemon != NULL) {
			/* rrdcached away: keep the place, try again in a second */
			s->due[--s->hdue] = t;
			t->listed = true;
			s->next_try = mono_now() + 1;
			return false;
		}
		/* a file that cannot be written keeps its steps, out of line */
		if (mono_now() >= end)
			break;
	}
	if (s->hdue == s->ndue)
		s->hdue = s->ndue = 0;
	return s->hdue < s->ndue;
}

void
store_requeue(struct store *s)
{
	size_t i;

	if (s->runs == 0)
		return;
	for (i = 0; i < s->nt; i++)
		if (s->t[i]->q.head < s->t[i]->q.len && !s->t[i]->listed)
			due_push(s, s->t[i]);
}

int
store_queue_push(struct store *s, struct store_target *t, time_t first, time_t last,
    const double v[STORE_NDS])
{
	struct store_run *r = t->q.len > t->q.head ? &t->q.v[t->q.len - 1] : NULL;

	if (s->runs >= s->runs_max &&
	    !(r != NULL && r->last + STORE_STEP == first && same_row(r->v, v))) {
		log_warnx(
		    "store: %s: NOT WRITTEN: steps ending %lld..%lld: %zu "
		    "updates are already waiting for %s; these steps will read as "
		    "unknown",
		    t->name, (long long)first, (long long)last, s->runs,
		    s->daemon != NULL ? s->daemon : t->path);
		s->full_logged = true;
		t->refused = true;
		return -1;
	}
	s->runs += (size_t)runs_push(&t->q, first, last, v);
	t->refused = false;
	if (s->deferred && !t->listed)
		due_push(s, t);
	return 0;
}

/* as many values as the file has data sources (an old file: no slow_s) */
static void
format_value(char *buf, size_t len, time_t when, const double v[STORE_NDS], int nds)
{
	size_t n = (size_t)snprintf(buf, len, "%lld", (long long)when);

	for (int k = 0; k < nds && n < len; k++) {
		if (isnan(v[k]))
			n += (size_t)snprintf(buf + n, len - n, ":U");
		else
			n += (size_t)snprintf(buf + n, len - n, ":%.15g", v[k]);
	}
}

/*
 * One attempt to write n values: 0 done, 1 not written (try again later),
 * -1 refused by rrdcached (it answered; it stops at the first bad value).
 */
static int
write_values(struct store *s, struct store_target *t, int n, const char **vals)
{
	int rc;

	rrd_clear_error();
	if (s->daemon == NULL) {
		if (rrd_updatex_r(t->path, NULL, RRD_SKIP_PAST_UPDATES, n, vals) == 0)
			return 0;
		log_warnx(
		    "store: %s (%s): update: %s", t->name, t->path, store_rrd_err());
		return 1;
	}
	if ((rc = rrdc_update(t->path, n, (const char *const *)vals)) == 0)
		return 0;
	/* a negative status with the daemon's message is its answer */
	if (rc < 0 && strncmp(store_rrd_err(), "rrdcached:", 10) == 0) {
		log_warnx("store: %s (%s): rrdcached refused steps %.10s..%.10s: %s",
		    t->name, t->path, vals[0], vals[n - 1], store_rrd_err());
		return -1;
	}
	return 1;
}

/*
 * After a new connection (or a refusal) the daemon's last update decides
 * what to send: queued steps it has are dropped, steps it accepted and then
 * lost are sent again, and steps it lost that are no longer kept are
 * written as steps without data, so the archives' sums stay exact.
 */
static int
target_sync(struct store *s, struct store_target *t)
{
	static const double zero[STORE_NDS] = {0, 0, 0, NAN, 0};
	struct store_runs all = {0}, *src[2] = {&t->acked, &t->q};
	time_t last, first = 0;
	size_t i, k, before = t->q.len - t->q.head;

	rrd_clear_error();
	last = rrdc_last(t->path);
	if (last <= 0) {
		log_warnx("store: %s (%s): rrdcached %s last: %s", t->name, t->path,
		    s->daemon, store_rrd_err());
		return -1;
	}
	for (k = 0; k < 2 && first == 0; k++)
		for (i = src[k]->head; i < src[k]->len && first == 0; i++)
			if (src[k]->v[i].last > last)
				first = src[k]->v[i].first > last ? src[k]->v[i].first
								  : last + STORE_STEP;
	if ((first == 0 && t->last > last) || first > last + STORE_STEP) {
		time_t end = first != 0 ? first - STORE_STEP : t->last;

		log_warnx("store: %s (%s): RRDCACHED LOST the steps ending "
			  "%lld..%lld after accepting them; they are written as steps "
			  "without data",
		    t->name, t->path, (long long)last + STORE_STEP, (long long)end);
		runs_push(&all, last + STORE_STEP, end, zero);
	}
	if (first != 0 && t->acked.len > t->acked.head &&
	    t->acked.v[t->acked.len - 1].last > last)
		log_warnx("store: %s (%s): rrdcached is back at step %lld and lost "
			  "steps it had accepted; sending them again",
		    t->name, t->path, (long long)last);
	for (k = 0; k < 2; k++)
		for (i = src[k]->head; i < src[k]->len; i++) {
			struct store_run *r = &src[k]->v[i];

			if (r->last > last)
				runs_push(&all,
				    r->first > last ? r->first : last + STORE_STEP,
				    r->last, r->v);
		}
	free(t->q.v);
	free(t->acked.v);
	memset(&t->acked, 0, sizeof(t->acked));
	t->q = all;
	s->runs = s->runs - before + (all.len - all.head);
	t->gen = s->gen;
	t->resync = false;
	return 0;
}

/* Forget the acknowledged steps ending at or before end. */
static void
acked_cut(struct store_runs *a, time_t end)
{
	while (a->head < a->len && a->v[a->head].last <= end)
		a->head++;
	if (a->head < a->len && a->v[a->head].first <= end)
		a->v[a->head].first = end + STORE_STEP;
}

/*
 * Remember steps rrdcached accepted (their seconds), until they cannot be
 * lost: for STORE_RETAIN seconds, and with rrdcached on a unix socket (the
 * files are ours to read) only until the file itself has them. While it
 * holds two entries or more, it is cut at the last update in the file's
 * header after each step, so it holds what rrdcached has only in its cache
 * (-w + -z: 5 or 6 steps with the recommended -w 300 -z 60), not an hour of
 * steps, and a target up all through holds one entry and reads nothing.
 * The read is local (open and two preads, no lock: store_file_last), with
 * no round trip to rrdcached and no flush.
 */
static void
target_acked(struct store *s, struct store_target *t, time_t first, time_t last,
    const double v[STORE_NDS])
{
	struct store_runs *a = &t->acked;
	double row[STORE_NDS];
	time_t written;

	/* the seconds, not the latency: a step sent again has its up, down,
	 * maintenance and slow seconds exact and no latency, so that the steps
	 * of a target that was up all through are one entry, not one a step */
	memcpy(row, v, sizeof(row));
	row[3] = NAN;
	runs_push(a, first, last, row);
	acked_cut(a, t->last - STORE_RETAIN);
	if (!s->remote && a->len - a->head >= 2 &&
	    (written = store_file_last(t->path)) > 0)
		acked_cut(a, written);
	if (a->head == a->len) {
		free(a->v);
		memset(a, 0, sizeof(*a));
	} else if ((a->len - a->head) * 2 <= a->cap) {
		/* what an outage or the first step left: the size it needs */
		memmove(a->v, a->v + a->head, (a->len - a->head) * sizeof(*a->v));
		a->cap = a->len -= a->head;
		a->head = 0;
		a->v = xreallocarray(a->v, a->cap, sizeof(*a->v));
	}
}

/*
 * Write t's queue in order; -1 when rrdcached is away (or, directly, the
 * file could not be written), -2 when rrdcached refuses this file.
 */
int
store_queue_target(struct store *s, struct store_target *t)
{
	char buf[STORE_BATCH][STORE_VALUE_LEN];
	const char *vals[STORE_BATCH];
	struct store_run *r;
	bool synced = false, repaired = false;
	int n, rc, failures = 0;
	size_t room;
	time_t when;

	/* no file yet (it could not be made): again, with the queue */
	if (t->broken && t->q.head < t->q.len && store_repair(s, t) != 1)
		return s->daemon != NULL ? -2 : -1;
	while (t->q.head < t->q.len) {
		if (s->daemon != NULL) {
			if (store_daemon_connect(s) == -1)
				goto away;
			if (t->gen != s->gen || t->resync) {
				if (target_sync(s, t) == -1) {
					/* an answer about this file (no such file):
					 * the other targets can still be written */
					if (strncmp(
						store_rrd_err(), "rrdcached:", 10) == 0)
						return -2;
					goto away;
				}
				synced = true;
				continue;
			}
		}
		r = &t->q.v[t->q.head];
		n = 0;
		room = STORE_CMD_ROOM - strlen(t->path);
		for (when = r->first; when <= r->last && n < STORE_BATCH;
		     when += STORE_STEP) {
			format_value(buf[n], sizeof(buf[n]), when, r->v,
			    t->nds ? t->nds : STORE_NDS);
			if (strlen(buf[n]) + 1 > room)
				break;
			room -= strlen(buf[n]) + 1;
			vals[n] = buf[n];
			n++;
		}
		if ((rc = write_values(s, t, n, vals)) == 1) {
			if (s->daemon == NULL) {
				/* deleted or overwritten under us: made anew */
				if (!repaired && store_repair(s, t) == 1) {
					repaired = true;
					continue;
				}
				return -1;
			}
			/* a stale connection: reconnect (and resync), retry once */
			rrdc_disconnect();
			s->gen++;
			if (++failures < 2)
				continue;
			goto away;
		}
		if (rc == -1 && !synced) {
			t->resync = true;
			continue;
		}
		/* written, or refused after a resync: logged, skipped */
		if (s->daemon != NULL && rc == 0)
			target_acked(
			    s, t, r->first, r->first + (n - 1) * STORE_STEP, r->v);
		r->first += (time_t)n * STORE_STEP;
		if (r->first > r->last) {
			t->q.head++;
			s->runs--;
		}
	}
	/* drained: an idle target holds no queue (a malloc a step is cheaper
	 * than 64 bytes a target held between steps) */
	free(t->q.v);
	t->q.v = NULL;
	t->q.head = t->q.len = t->q.cap = 0;
	if (s->away) {
		log_info("store: rrdcached %s answers again", s->daemon);
		s->away = false;
	}
	if (s->full_logged && s->runs == 0) {
		log_info("store: every pending update is written");
		s->full_logged = false;
	}
	return 0;
away:
	if (!s->away)
		log_warnx("store: rrdcached %s: %s; keeping the updates until it "
			  "answers",
		    s->daemon, store_rrd_err());
	s->away = true;
	s->gen++;
	return -1;
}

/*
 * Write what is queued: t's queue (NULL: all of them). While rrdcached is
 * away it is tried again at most once a second, unless forced; when it
 * answers again, every other queue is written too.
 */
void
store_queue_flush(struct store *s, struct store_target *t, bool force)
{
	size_t i;

	if (s->runs == 0)
		return;
	if (s->daemon != NULL && !force && mono_now() < s->next_try)
		return;
	if (t != NULL && store_queue_target(s, t) == -1 && s->daemon != NULL)
		goto away;
	if (s->runs == 0 || (t != NULL && s->daemon == NULL))
		return;
	for (i = 0; i < s->nt; i++)
		if (store_queue_target(s, s->t[i]) == -1 && s->daemon != NULL)
			goto away;
	s->next_try = 0;
	return;
away:
	s->next_try = mono_now() + 1;
}

size_t
store_pending(struct store *s)
{
	size_t i, n = 0;

	for (i = 0; i < s->nt; i++)
		n += runs_steps(&s->t[i]->q);
	return n;
}

size_t
store_pending_target(struct store *s, const char *target)
{
	struct store_target *t = store_target_find(s, target);

	return t ? runs_steps(&t->q) : 0;
}

size_t
store_retry(struct store *s)
{
	store_queue_flush(s, NULL, true);
	return store_pending(s);
}

void
store_set_pending_max(struct store *s, size_t max)
{
	s->runs_max = max;
}
