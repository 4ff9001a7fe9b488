/*
 * prober.c - the scheduler of `slamon run`.
 *
 * Each target has one timer on the monotonic clock and a fixed grid of
 * planned starts: planned + interval, or + retry_interval while suspect.
 * The wall clock is read only to stamp a result, so a jump of it neither
 * skips nor doubles a probe. Start offsets are spread by a hash of the
 * name. A run still going when the next is due is cancelled and recorded
 * as PROBE_CANCELLED; a loop that fell behind (suspended process) skips the
 * missed starts instead of firing them all at once.
 *
 * Nothing here blocks: probes run on the event base, so a hung endpoint
 * costs one pending event, not a delay to anyone else.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "log.h"
#include "prober.h"

struct prober_target {
	struct prober *p;
	const struct conf_target *t;
	void *tdata;
	struct event *timer;
	double next_ms;	   /* monotonic planned start of the next run */
	double planned_ms; /* planned start of the run in flight (or the last) */
	bool suspect;
	bool grace; /* the due start waits for a run about to time out */
	time_t wall_start;
	struct probe_run run;
};

#define GRACE_MS 50.0

struct prober {
	struct event_base *base;
	struct probe_env env;
	prober_result_cb *cb;
	prober_start_cb *start;
	prober_drop_cb *drop;
	void *arg;
	struct prober_target **targets;
	size_t ntargets;
};

static void prober_timer_cb(evutil_socket_t, short, void *);
static void prober_done_cb(struct probe_run *, const struct probe_result *, void *);

long
prober_offset_ms(const char *name, long interval_ms)
{
	/* FNV-1a: stable across runs and machines, good enough to spread */
	unsigned long long h = 1469598103934665603ULL;

	for (const unsigned char *s = (const unsigned char *)name; *s; s++) {
		h ^= *s;
		h *= 1099511628211ULL;
	}
	return interval_ms > 0 ? (long)(h % (unsigned long long)interval_ms) : 0;
}

static double
prober_period_ms(const struct prober_target *pt)
{
	return 1000.0 * (pt->suspect ? pt->t->t.retry_interval : pt->t->t.interval);
}

static void
prober_arm(struct prober_target *pt)
{
	double d = pt->next_ms - probe_mono_ms();
	struct timeval tv;

	if (d < 0)
		d = 0;
	tv.tv_sec = (time_t)(d / 1000);
	tv.tv_usec = (suseconds_t)fmod(d * 1000, 1e6);
	evtimer_add(pt->timer, &tv);
}

static void
prober_deliver(struct prober_target *pt, const struct probe_result *res)
{
	struct prober *p = pt->p;
	double now;

	log_debug("%s: result %s: %s (%.1f ms)", pt->t->name,
	    probe_reason_name(res->reason), res->text, res->latency_ms);
	pt->suspect = p->cb(p->arg, pt->t, &pt->tdata, pt->wall_start, res);
	if (!pt->suspect)
		return;
	/* newly suspect: bring the next run forward to the retry grid */
	now = probe_mono_ms();
	if (pt->next_ms > pt->planned_ms + 1000.0 * pt->t->t.retry_interval) {
		pt->next_ms = pt->planned_ms + 1000.0 * pt->t->t.retry_interval;
		if (pt->next_ms < now)
			pt->next_ms = now;
		prober_arm(pt);
	}
}

static void
prober_done_cb(struct probe_run *run, const struct probe_result *res, void *arg)
{
	(void)run;
	prober_deliver(arg, res);
}

static void
prober_launch(struct prober_target *pt, double now)
{
	struct probe_run *run = &pt->run;

	log_debug("%s: probe start, planned %.3f, actual %.3f (lag %.1f ms)",
	    pt->t->name, pt->planned_ms / 1000, now / 1000, now - pt->planned_ms);
	pt->wall_start = time(NULL);
	if (pt->p->start)
		pt->p->start(pt->p->arg, pt->t, pt->wall_start);
	run->env = &pt->p->env;
	run->ops = pt->t->ops;
	run->conf = pt->t->probe;
	run->timeout_ms = pt->t->t.timeout * 1000;
	run->done = prober_done_cb;
	run->arg = pt;
	probe_start(run);
}

static void
prober_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct prober_target *pt = arg;
	double now = probe_mono_ms(), period;

	(void)fd;
	(void)what;
	/* libevent measures from its cached loop time: early by a callback's
	 * length at most; wait out the rest rather than start early */
	if (now < pt->next_ms - 0.5) {
		prober_arm(pt);
		return;
	}
	/* A run whose own timeout falls on this very moment (timeout equal to
	 * the period) is given the few ms to report it with its precise reason
	 * (connect timeout or timeout) rather than being cut off as cancelled. */
	if (pt->run.active && !pt->grace) {
		double left = pt->run.timeout_ms - probe_elapsed_ms(&pt->run);
		if (left > -GRACE_MS && left < GRACE_MS) {
			struct timeval tv = {
			    0, (suseconds_t)((left + GRACE_MS) * 1000)};
			pt->grace = true;
			evtimer_add(pt->timer, &tv);
			return;
		}
	}
	pt->grace = false;
	if (pt->run.active) {
		struct probe_result res = {.reason = PROBE_CANCELLED, .latency_ms = -1};

		snprintf(res.text, sizeof(res.text),
		    "still running after %.0f ms when "
		    "the next probe was due",
		    probe_elapsed_ms(&pt->run));
		res.duration_ms = probe_elapsed_ms(&pt->run);
		res.detail = pt->run.detail; /* what it learnt so far */
		probe_cancel(&pt->run);
		prober_deliver(pt, &res);
	}
	pt->planned_ms = pt->next_ms;
	period = prober_period_ms(pt);
	pt->next_ms += period;
	if (pt->next_ms <= now) /* fell behind: skip, do not catch up */
		pt->next_ms += ceil((now - pt->next_ms) / period + 1e-9) * period;
	prober_arm(pt);
	prober_launch(pt, now);
}

static struct prober_target *
prober_target_new(struct prober *p, const struct conf_target *t, double now)
{
	struct prober_target *pt = xcalloc(1, sizeof(*pt));

	pt->p = p;
	pt->t = t;
	if ((pt->timer = evtimer_new(p->base, prober_timer_cb, pt)) == NULL)
		fatalx("evtimer_new");
	pt->next_ms = now + prober_offset_ms(t->name, 1000L * t->t.interval);
	pt->planned_ms = pt->next_ms;
	prober_arm(pt);
	return pt;
}

static void
prober_target_free(struct prober_target *pt)
{
	struct prober *p = pt->p;

	probe_cancel(&pt->run);
	event_free(pt->timer);
	if (p->drop)
		p->drop(p->arg, pt->t->name, pt->tdata);
	free(pt);
}

struct prober *
prober_new(struct event_base *base, const struct conf *c, prober_result_cb *cb,
    prober_drop_cb *drop, void *arg)
{
	struct prober *p = xcalloc(1, sizeof(*p));
	double now = probe_mono_ms();

	p->base = base;
	p->cb = cb;
	p->drop = drop;
	p->arg = arg;
	if (probe_env_init(&p->env, base) == -1) {
		free(p);
		return NULL;
	}
	p->targets = xcalloc(c->ntargets ? c->ntargets : 1, sizeof(*p->targets));
	for (size_t i = 0; i < c->ntargets; i++)
		p->targets[p->ntargets++] = prober_target_new(p, &c->targets[i], now);
	log_info("probing %zu targets", p->ntargets);
	return p;
}

static int
prober_cmp(const void *a, const void *b)
{
	const struct prober_target *x = *(struct prober_target *const *)a;
	const struct prober_target *y = *(struct prober_target *const *)b;

	return strcmp(x->t->name, y->t->name);
}

static int
prober_find_cmp(const void *key, const void *b)
{
	const struct prober_target *y = *(struct prober_target *const *)b;

	return strcmp(key, y->t->name);
}

int
prober_reload(struct prober *p, const struct conf *c)
{
	struct prober_target **nt, **hit;
	double now = probe_mono_ms();
	size_t kept = 0, added = 0, removed = 0;

	bool *taken = xcalloc(p->ntargets + 1, sizeof(*taken));

	nt = xcalloc(c->ntargets ? c->ntargets : 1, sizeof(*nt));
	qsort(p->targets, p->ntargets, sizeof(*p->targets), prober_cmp);
	for (size_t i = 0; i < c->ntargets; i++) {
		const struct conf_target *t = &c->targets[i];
		struct prober_target *pt;

		hit = bsearch(t->name, p->targets, p->ntargets, sizeof(*p->targets),
		    prober_find_cmp);
		if (hit == NULL || (*hit)->t->ops != t->ops) {
			nt[i] = prober_target_new(p, t, now);
			added++;
			continue;
		}
		pt = *hit;
		taken[hit - p->targets] = true;
		kept++;
		/* the old settings die with the old conf: a run in flight on them
		 * is abandoned and started again on the new ones */
		pt->t = t;
		nt[i] = pt;
		if (pt->next_ms > pt->planned_ms + prober_period_ms(pt)) {
			pt->next_ms = pt->planned_ms + prober_period_ms(pt);
			if (pt->next_ms < now)
				pt->next_ms = now;
			prober_arm(pt);
		}
		if (pt->run.active) {
			probe_cancel(&pt->run);
			prober_launch(pt, now);
		}
	}
	for (size_t i = 0; i < p->ntargets; i++)
		if (!taken[i]) {
			removed++;
			prober_target_free(p->targets[i]);
		}
	free(taken);
	free(p->targets);
	p->targets = nt;
	p->ntargets = c->ntargets;
	log_info(
	    "reloaded: %zu targets kept, %zu added, %zu removed", kept, added, removed);
	return 0;
}

void
prober_free(struct prober *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->ntargets; i++)
		prober_target_free(p->targets[i]);
	free(p->targets);
	probe_env_clear(&p->env);
	free(p);
}

void
prober_set_start_cb(struct prober *p, prober_start_cb *cb)
{
	p->start = cb;
}
