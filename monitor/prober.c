/*
 * prober.c - the scheduler of `slamon run`.
 *
 * Each target has a fixed grid of planned starts on the monotonic clock:
 * planned + interval, or + retry_interval while suspect. The wall clock is
 * read only to stamp a result, so a jump of it neither skips nor doubles a
 * probe. Start offsets are spread by a hash of the name.
 *
 * All targets sit in one heap keyed by when each must next be looked at
 * (prober-heap.c), and ONE libevent timer is armed at the top's key: a
 * target costs no libevent timer of its own, a start no event_add of its own,
 * and a burst of starts due together is served in one pass.
 *
 * At most max_inflight runs are in flight, and fewer while the event loop's
 * own CPU is what they lack (prober_limit_next: the limit adapts between 32
 * and max_inflight). When more are due (the targets all slowed down at once,
 * or more demand than the machine can serve), the rest wait in the heap in
 * the order they were due, oldest first, and start as runs end: overload turns into start lag, spread fairly, instead of
 * transfers piling up until all of them time out. A start that waited past
 * the target's next planned start is taken once, as the latest one planned,
 * and the missed ones are skipped (counted). The lag, the waiting, the skips are on /metrics
 * (prober_stats) and an overload episode is logged once at its start and
 * once at its end.
 *
 * A run's timeout, and its latency, count from its actual start, never from
 * its planned one: a run that waited gets its whole timeout. Its next
 * planned start therefore does not cut it short; it is cancelled (recorded
 * as PROBE_CANCELLED) only when it has been running at least as long as it
 * would have had, had it started on time.
 *
 * Nothing here blocks: probes run on the event base, so a hung endpoint
 * costs one slot of max_inflight for at most its timeout.
 */
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "mclock.h"
#include "prober-heap.h"
#include "prober.h"

/* 56 bytes a target (a 64-byte malloc chunk): what a run needs lives in the
 * run, from a pool; the target's key in the heap's array. */
struct prober_target {
	const struct conf_target *t;
	void *tdata;
	struct probe_run *run; /* while a run is in flight, in a prober_run */
	struct prober_heap_node node;
	double next_ms;	   /* monotonic planned start of the next run */
	double planned_ms; /* planned start of the run in flight (or the last) */
	bool suspect;
	bool grace;	/* the due start waits for a run about to time out */
	bool stretched; /* the due start waits for a run within its timeout */
};

_Static_assert(
    sizeof(struct prober_target) <= 56, "a target's bytes count 100,000 times");

/* A run in flight; as many exist as were ever in flight at once. */
struct prober_run {
	struct probe_run run;
	time_t wall_start; /* the stamp of its result */
};

#define GRACE_MS 50.0
#define EARLY_MS 0.5	   /* libevent may wake this much early: start anyway */
#define CALM_MS 10000.0	   /* no probe waiting this long ends an episode */
#define LAG_WAIT_MS 100.0  /* a start this late keeps an episode going */
#define LAG_WARN_MS 1000.0 /* a start this late, though slots are free, too */
#define ADAPT_MS 250.0	   /* the limit is looked at this often */

const double prober_lag_buckets[PROBER_LAG_NBUCKETS] = {
    0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

struct prober {
	struct event_base *base;
	struct probe_env env;
	prober_result_cb *cb;
	prober_start_cb *start;
	prober_drop_cb *drop;
	void *arg;
	struct prober_target **targets;
	size_t ntargets;
	struct prober_heap heap;
	struct event *timer;	  /* the one schedule timer, at the heap's top */
	struct event *kick;	  /* a slot freed: start who waits, next loop turn */
	bool kicked;		  /* kick is active */
	double armed_ms;	  /* the timer's key, or -1 when not armed */
	struct prober_run **idle; /* runs not in flight, for reuse */
	size_t nidle, capidle;
	size_t inflight, max_inflight;
	size_t limit;  /* adaptive, <= max_inflight (prober_limit_next) */
	bool auto_max; /* max_inflight from the machine, not the configuration */
	/* the limit's period under way: since when, the loop thread's busy time
	 * then, whether a due start waited for a slot */
	double adapt_ms, adapt_busy_ms;
	bool waited;
	int schedstat; /* /proc/thread-self/schedstat, or -1 */
	/* the schedule's figures (prober_stats) */
	uint64_t started, skipped, lag_buckets[PROBER_LAG_NBUCKETS];
	double lag_sum_s;
	/* the overload episode under way */
	bool overloaded;
	double ep_start_ms, ep_last_wait_ms, ep_max_lag_ms;
	uint64_t ep_started, ep_skipped;
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

size_t
prober_max_inflight_for(long ncpu, unsigned long nofile)
{
	size_t by_cpu, by_fd;

	if (ncpu < 1)
		ncpu = 1;
	/* A slot costs a socket, and up to two more while curl's threaded
	 * resolver works on a name; 256 descriptors stay for everything else
	 * (RRD files, rrdcached, the API's clients, the journal). */
	by_fd = nofile > 256 + 3 * 16 ? (nofile - 256) / 3 : 16;
	/* Per core, 256: 2,500 probes/s at 100 ms of latency, 25,000 at 10 ms,
	 * more than a core can serve. When the CPU, not the network, is the
	 * limit, every run in flight waits its turn in the loop: at 2,000
	 * probes/s a cap of 2,048 made each transfer take a second (callgrind's
	 * slowdown showed it: timeouts and cancellations), one of 512 a quarter
	 * of one. Many slow or dead targets at once (timeouts) want more:
	 * slamon.max_inflight, with the open files limit to match. */
	by_cpu = 256 * (size_t)ncpu;
	return by_fd < by_cpu ? by_fd : by_cpu;
}

size_t
prober_max_inflight_auto(void)
{
	struct rlimit rl;
	unsigned long nofile = 1024;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		/* The soft limit is often 1,024 under a hard one of 500,000 (systemd):
		 * raise it, as a daemon holding a socket per probe should. */
		rlim_t want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > 65536
		    ? 65536
		    : rl.rlim_max;
		if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
			rl.rlim_cur = want;
			if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
				getrlimit(RLIMIT_NOFILE, &rl);
		}
		nofile = rl.rlim_cur == RLIM_INFINITY ? 65536
						      : (unsigned long)rl.rlim_cur;
	}
	return prober_max_inflight_for(sysconf(_SC_NPROCESSORS_ONLN), nofile);
}

size_t
prober_limit_next(size_t limit, size_t max, bool waited, double busy)
{
	size_t lo = max < PROBER_LIMIT_FLOOR ? max : PROBER_LIMIT_FLOOR;

	if (waited && busy >= PROBER_BUSY_HIGH)
		limit -= limit / 4;
	else if (waited && busy < PROBER_BUSY_LOW)
		limit += limit / 4 + 1;
	if (limit < lo)
		limit = lo;
	if (limit > max)
		limit = max;
	return limit;
}

/*
 * How long this thread, the event loop's, has wanted a CPU, in ms: its time
 * on one and its time waiting in a run queue for one (schedstat). A loop
 * that a busy machine keeps off the CPU is as short of CPU as one that uses
 * all of its own, and more runs at once would not help it either. Without
 * schedstat (a kernel without CONFIG_SCHED_INFO), the CPU time alone.
 */
static double
prober_thread_busy_ms(const struct prober *p)
{
	unsigned long long run, wait;
	struct timespec ts;
	char buf[128];
	ssize_t n;

	if (p->schedstat >= 0) {
		/* one source for good: a reading that fails counts the period
		 * as idle rather than mix schedstat with CPU time */
		if ((n = pread(p->schedstat, buf, sizeof(buf) - 1, 0)) <= 0)
			return p->adapt_busy_ms;
		buf[n] = '\0';
		if (sscanf(buf, "%llu %llu", &run, &wait) != 2)
			return p->adapt_busy_ms;
		return (double)(run + wait) / 1e6;
	}
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == -1)
		return 0;
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Whether schedstat reads, once: the source must not change between two
 * readings of one period. */
static void
prober_schedstat_open(struct prober *p)
{
	char buf[128];

	p->schedstat = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
	if (p->schedstat >= 0 && pread(p->schedstat, buf, sizeof(buf), 0) <= 0) {
		close(p->schedstat);
		p->schedstat = -1;
	}
}

/* A period over: the limit follows what the loop's thread could serve. */
static void
prober_adapt(struct prober *p, double now)
{
	double busy_ms, busy;
	size_t next;

	if (now - p->adapt_ms < ADAPT_MS)
		return;
	busy_ms = prober_thread_busy_ms(p);
	busy = (busy_ms - p->adapt_busy_ms) / (now - p->adapt_ms);
	next = prober_limit_next(p->limit, p->max_inflight, p->waited, busy);
	if (next != p->limit)
		log_debug("probes in flight: limit %zu (was %zu; %zu running, the "
			  "loop wanted a CPU %.0f %% of the last %.0f ms)",
		    next, p->limit, p->inflight, 100 * busy, now - p->adapt_ms);
	p->limit = next;
	p->adapt_ms = now;
	p->adapt_busy_ms = busy_ms;
	p->waited = false;
}

static double
prober_period_ms(const struct prober_target *pt)
{
	return 1000.0 * (pt->suspect ? pt->t->t.retry_interval : pt->t->t.interval);
}

/* The one timer, at the heap's top; left alone when it is already there. */
static void
prober_arm(struct prober *p, double now)
{
	struct timeval tv;
	double key;

	if (prober_heap_top(&p->heap, &key) == NULL) {
		if (p->armed_ms >= 0)
			evtimer_del(p->timer);
		p->armed_ms = -1;
		return;
	}
	if (key == p->armed_ms)
		return; /* armed_ms >= 0 only while the timer is pending */
	p->armed_ms = key;
	tv = mclock_tv_ms(key - now);
	evtimer_add(p->timer, &tv);
}

/* The prober a run belongs to: its env is the prober's. */
static struct prober *
prober_of(struct probe_run *run)
{
	return (
	    struct prober *)(void *)((char *)run->env - offsetof(struct prober, env));
}

static time_t
prober_wall_start(const struct probe_run *run)
{
	return ((const struct prober_run *)(const void *)run)->wall_start;
}

/* Look at the target again at key (its next start, or its run's end). */
static void
prober_key(struct prober *p, struct prober_target *pt, double key)
{
	prober_heap_update(&p->heap, &pt->node, key);
}

/* A due target that waits for a slot: have the pump run next loop turn. */
static void
prober_kick(struct prober *p)
{
	if (!p->kicked)
		event_active(p->kick, EV_TIMEOUT, 0);
	p->kicked = true;
}

static struct prober_run *
prober_run_get(struct prober *p)
{
	struct prober_run *r;

	if (p->nidle > 0) {
		r = p->idle[--p->nidle];
		memset(r, 0, sizeof(*r));
	} else
		r = xcalloc(1, sizeof(*r));
	p->inflight++;
	return r;
}

/* The run is over (done, or cancelled): its slot is free again. */
static void
prober_run_put(struct prober *p, struct prober_target *pt)
{
	if (pt->run == NULL)
		return;
	probe_cancel(pt->run);
	if (p->nidle == p->capidle) {
		p->capidle = p->capidle ? p->capidle * 2 : 16;
		p->idle = xreallocarray(p->idle, p->capidle, sizeof(*p->idle));
	}
	p->idle[p->nidle++] = (struct prober_run *)(void *)pt->run;
	pt->run = NULL;
	p->inflight--;
}

static void
prober_deliver(struct prober *p, struct prober_target *pt, time_t wall_start,
    const struct probe_result *res)
{
	log_debug("%s: result %s: %s (%.1f ms)", pt->t->name,
	    probe_reason_name(res->reason), res->text, res->latency_ms);
	pt->suspect = p->cb(p->arg, pt->t, &pt->tdata, wall_start, res);
	if (!pt->suspect)
		return;
	/* newly suspect: bring the next run forward to the retry grid */
	if (pt->next_ms > pt->planned_ms + 1000.0 * pt->t->t.retry_interval) {
		double now = probe_mono_ms();

		pt->next_ms = pt->planned_ms + 1000.0 * pt->t->t.retry_interval;
		if (pt->next_ms < now)
			pt->next_ms = now;
	}
}

static void
prober_done_cb(struct probe_run *run, const struct probe_result *res, void *arg)
{
	struct prober_target *pt = arg;
	struct prober *p = prober_of(run);
	time_t wall_start = prober_wall_start(run);
	double now, key;

	prober_run_put(p, pt);
	pt->grace = false;
	/* A start held back for this run (a retry grid shorter than the
	 * timeout) is due now, not late: no lag, nothing skipped. */
	if (pt->stretched) {
		now = probe_mono_ms();
		if (pt->next_ms < now)
			pt->next_ms = now;
		pt->stretched = false;
	}
	prober_deliver(p, pt, wall_start, res);
	/* The run is over: the target is due at its next planned start, also
	 * when that passed while the run still had time of its own. A start
	 * comes from the pump, never from here: probe_start may still be on the
	 * stack below (a run that ended inside its start), and the pump serves
	 * the longest waiting first. */
	prober_key(p, pt, pt->next_ms);
	now = probe_mono_ms();
	if (prober_heap_top(&p->heap, &key) != NULL && key <= now + EARLY_MS)
		prober_kick(p);
	else
		prober_arm(p, now);
}

static void
prober_lag(struct prober *p, double lag_ms)
{
	double s = lag_ms > 0 ? lag_ms / 1000 : 0;
	int k = 0;

	while (k < PROBER_LAG_NBUCKETS && s > prober_lag_buckets[k])
		k++;
	if (k < PROBER_LAG_NBUCKETS)
		p->lag_buckets[k]++;
	p->lag_sum_s += s;
	p->started++;
	if (p->overloaded && lag_ms > p->ep_max_lag_ms)
		p->ep_max_lag_ms = lag_ms;
}

static void
prober_launch(struct prober *p, struct prober_target *pt, double now)
{
	struct prober_run *r;
	struct probe_run *run;

	prober_lag(p, now - pt->planned_ms);
	log_debug("%s: probe start, planned %.3f, actual %.3f (lag %.1f ms)",
	    pt->t->name, pt->planned_ms / 1000, now / 1000, now - pt->planned_ms);
	r = prober_run_get(p);
	r->wall_start = time(NULL);
	if (p->start)
		p->start(p->arg, pt->t, r->wall_start);
	pt->run = run = &r->run;
	run->env = &p->env;
	run->ops = pt->t->ops;
	run->conf = pt->t->probe;
	run->timeout_ms = pt->t->t.timeout * 1000;
	run->done = prober_done_cb;
	run->arg = pt;
	probe_start(run);
}

/*
 * Target pt is due while its run is in flight. Returns true when the run
 * keeps going (pt re-keyed), false when it was cancelled and pt may start.
 */
static bool
prober_overrun(struct prober *p, struct prober_target *pt, double now)
{
	double ran = probe_elapsed_ms(pt->run), left;
	double grid = pt->next_ms - pt->planned_ms, budget = grid;
	struct probe_result res = {.reason = PROBE_CANCELLED, .latency_ms = -1};
	time_t wall_start;

	/* A run is never cut off before its own timeout: a retry grid
	 * (retry_interval) may be shorter than the timeout, and a target that
	 * answers within its timeout is up, however often it is retried. */
	if (budget < pt->run->timeout_ms)
		budget = pt->run->timeout_ms;
	/* A run that started late has not had its time yet: the next start
	 * waits for it, rather than charge it for its wait. */
	if (ran < budget - EARLY_MS) {
		if (ran >= grid - EARLY_MS)
			pt->stretched = true;
		prober_key(p, pt, now + budget - ran);
		return true;
	}
	/* A run whose own timeout falls on this very moment (timeout equal to
	 * the period) is given the few ms to report it with its precise reason
	 * (connect timeout or timeout) rather than being cut off as cancelled. */
	left = pt->run->timeout_ms - ran;
	if (!pt->grace && left > -GRACE_MS && left < GRACE_MS) {
		pt->grace = true;
		prober_key(p, pt, now + left + GRACE_MS);
		return true;
	}
	pt->grace = false;
	snprintf(res.text, sizeof(res.text),
	    "still running after %.0f ms when the next probe was due", ran);
	res.duration_ms = ran;
	res.detail = pt->run->detail; /* what it learnt so far */
	wall_start = prober_wall_start(pt->run);
	prober_run_put(p, pt);
	prober_deliver(p, pt, wall_start, &res);
	return false;
}

/* Demand beyond capacity: all slots taken (capped), or a start this late
 * without (the loop itself is behind: CPU). Warned once per episode. */
static void
prober_overload(struct prober *p, double now, bool capped, double lag_ms)
{
	p->ep_last_wait_ms = now;
	if (p->overloaded)
		return;
	p->overloaded = true;
	p->ep_start_ms = now;
	p->ep_max_lag_ms = lag_ms;
	p->ep_started = p->started;
	p->ep_skipped = p->skipped;
	if (capped)
		log_warnx("overload: %zu probes in flight (limit %zu, max_inflight "
			  "%zu) and more due: probes start late, the longest "
			  "waiting first (slamon_probe_start_lag_seconds on /metrics)",
		    p->inflight, p->limit, p->max_inflight);
	else
		log_warnx("overload: a probe started %.0f ms late with %zu in "
			  "flight: the event loop is behind (CPU?); probes start "
			  "late (slamon_probe_start_lag_seconds on /metrics)",
		    lag_ms, p->inflight);
}

static void
prober_calm(struct prober *p, double now)
{
	if (!p->overloaded || now - p->ep_last_wait_ms < CALM_MS)
		return;
	p->overloaded = false;
	log_info("overload over after %.0f s: %llu probes started, the latest "
		 "%.0f ms late, %llu starts skipped",
	    (p->ep_last_wait_ms - p->ep_start_ms) / 1000,
	    (unsigned long long)(p->started - p->ep_started), p->ep_max_lag_ms,
	    (unsigned long long)(p->skipped - p->ep_skipped));
}

/* Start what is due, oldest first, while there are slots. */
static void
prober_pump(struct prober *p)
{
	struct prober_heap_node *top;
	double now = probe_mono_ms(), key;

	prober_adapt(p, now);
	while (
	    (top = prober_heap_top(&p->heap, &key)) != NULL && key <= now + EARLY_MS) {
		struct prober_target *pt = (struct prober_target *)(void *)((char *)top -
		    offsetof(struct prober_target, node));
		double period;

		if (pt->run && prober_overrun(p, pt, now))
			continue;
		if (p->inflight >= p->limit) {
			p->waited = true;
			prober_overload(p, now, true, now - pt->next_ms);
			return; /* a run that ends kicks the pump again */
		}
		if (now - pt->next_ms > LAG_WARN_MS)
			prober_overload(p, now, false, now - pt->next_ms);
		else if (p->overloaded && now - pt->next_ms > LAG_WAIT_MS)
			p->ep_last_wait_ms = now; /* still late: not over yet */
		/* Waited past its next planned start: the missed ones are skipped,
		 * not caught up, and this run is the latest one planned, so that
		 * its lag is under a period and the rest is in the skipped count. */
		period = prober_period_ms(pt);
		if (now - pt->next_ms >= period) {
			double k = floor((now - pt->next_ms) / period);
			pt->next_ms += k * period;
			p->skipped += (uint64_t)k;
		}
		pt->planned_ms = pt->next_ms;
		pt->next_ms += period;
		prober_key(p, pt, pt->next_ms);
		prober_launch(p, pt, now);
		now = probe_mono_ms();
	}
	prober_calm(p, now);
	prober_arm(p, now);
}

static void
prober_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct prober *p = arg;

	(void)fd;
	(void)what;
	p->armed_ms = -1;
	prober_pump(p);
}

static void
prober_kick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct prober *p = arg;

	(void)fd;
	(void)what;
	p->kicked = false;
	prober_pump(p);
}

static struct prober_target *
prober_target_new(struct prober *p, const struct conf_target *t, double now)
{
	struct prober_target *pt = xcalloc(1, sizeof(*pt));

	pt->t = t;
	pt->next_ms = now + prober_offset_ms(t->name, 1000L * t->t.interval);
	pt->planned_ms = pt->next_ms;
	pt->node.idx = PROBER_HEAP_NONE;
	prober_heap_push(&p->heap, &pt->node, pt->next_ms);
	return pt;
}

static void
prober_target_free(struct prober *p, struct prober_target *pt)
{
	prober_run_put(p, pt);
	prober_heap_remove(&p->heap, &pt->node);
	if (p->drop)
		p->drop(p->arg, pt->t->name, pt->tdata);
	free(pt);
}

static void
prober_set_max(struct prober *p, const struct conf *c)
{
	size_t old = p->max_inflight;

	if (c->max_inflight > 0)
		p->max_inflight = (size_t)c->max_inflight;
	else if (old == 0 || !p->auto_max)
		p->max_inflight = prober_max_inflight_auto();
	p->auto_max = c->max_inflight <= 0;
	if (p->max_inflight == old)
		return;
	/* A start from the floor, not the top: a loop that cannot serve
	 * max_inflight would take seconds to come down from it, with every
	 * probe of that first burst slower; slots the network holds (slow
	 * targets, the loop idle) bring it up to max_inflight in about 3 s. */
	p->limit = prober_limit_next(
	    old == 0 ? 0 : p->limit, p->max_inflight, false, 0);
	log_info("at most %zu probes in flight (%s)", p->max_inflight,
	    p->auto_max ? "from the machine's cores and open files limit"
			: "slamon.max_inflight");
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
	p->armed_ms = -1;
	p->adapt_ms = now;
	prober_schedstat_open(p);
	p->adapt_busy_ms = prober_thread_busy_ms(p);
	prober_heap_init(&p->heap);
	if (probe_env_init(&p->env, base) == -1 ||
	    (p->timer = evtimer_new(base, prober_timer_cb, p)) == NULL ||
	    (p->kick = evtimer_new(base, prober_kick_cb, p)) == NULL) {
		prober_free(p);
		return NULL;
	}
	prober_set_max(p, c);
	p->targets = xcalloc(c->ntargets ? c->ntargets : 1, sizeof(*p->targets));
	for (size_t i = 0; i < c->ntargets; i++)
		p->targets[p->ntargets++] = prober_target_new(p, &c->targets[i], now);
	prober_arm(p, now);
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

void
prober_reload(struct prober *p, const struct conf *c)
{
	struct prober_target **nt, **hit;
	double now = probe_mono_ms();
	size_t kept = 0, added = 0, removed = 0;

	bool *taken = xcalloc(p->ntargets + 1, sizeof(*taken));

	prober_set_max(p, c);
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
		 * is abandoned and started again on the new ones, now and on a
		 * grid from now (its whole time, whatever the new period), by the
		 * pump: after the caller has switched to the new conf, which the
		 * start and result callbacks index */
		pt->t = t;
		nt[i] = pt;
		if (pt->next_ms > pt->planned_ms + prober_period_ms(pt)) {
			pt->next_ms = pt->planned_ms + prober_period_ms(pt);
			if (pt->next_ms < now)
				pt->next_ms = now;
		}
		if (pt->run) {
			prober_run_put(p, pt);
			pt->next_ms = now;
		}
		pt->grace = pt->stretched = false;
		prober_key(p, pt, pt->next_ms);
	}
	for (size_t i = 0; i < p->ntargets; i++)
		if (!taken[i]) {
			removed++;
			prober_target_free(p, p->targets[i]);
		}
	free(taken);
	free(p->targets);
	p->targets = nt;
	p->ntargets = c->ntargets;
	prober_arm(p, now);
	prober_kick(p); /* a larger max_inflight frees slots */
	log_info(
	    "reloaded: %zu targets kept, %zu added, %zu removed", kept, added, removed);
}

void
prober_free(struct prober *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->ntargets; i++)
		prober_target_free(p, p->targets[i]);
	free(p->targets);
	for (size_t i = 0; i < p->nidle; i++)
		free(p->idle[i]);
	free(p->idle);
	prober_heap_clear(&p->heap);
	if (p->timer)
		event_free(p->timer);
	if (p->kick)
		event_free(p->kick);
	probe_env_clear(&p->env);
	if (p->schedstat >= 0)
		close(p->schedstat);
	free(p);
}

void
prober_set_start_cb(struct prober *p, prober_start_cb *cb)
{
	p->start = cb;
}

void
prober_stats(const struct prober *p, struct prober_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (p == NULL)
		return;
	st->targets = p->ntargets;
	st->in_flight = p->inflight;
	st->max_inflight = p->max_inflight;
	st->limit = p->limit;
	/* due and not started: the heap's nodes up to now (a target whose run
	 * is in flight sits there at its run's end, unless its next start is
	 * due and waits for a slot: then that start counts as waiting) */
	st->waiting = prober_heap_count_le(&p->heap, probe_mono_ms());
	st->started = p->started;
	st->skipped = p->skipped;
	memcpy(st->lag_buckets, p->lag_buckets, sizeof(st->lag_buckets));
	st->lag_sum_s = p->lag_sum_s;
	st->overloaded = p->overloaded;
}
