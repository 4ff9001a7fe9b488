/*
 * prober.h - the scheduler: every target probed on its own interval on one
 * event base, none able to delay another. Knows no storage, journal or
 * alerts: each result goes to one callback, which says whether the target
 * is now suspect (failing, not yet confirmed) so that it is re-probed at
 * retry_interval.
 */
#ifndef SLAMON_PROBER_H
#define SLAMON_PROBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "../probes/probe.h"
#include "conf.h"

struct event_base;
struct prober;

/*
 * A result of target t, whose run started at wall-clock time start. *tdata
 * is the caller's own per-target pointer: NULL for a target never seen,
 * kept across reloads for a target that stays. Returns whether the target
 * is suspect.
 */
typedef bool prober_result_cb(void *arg, const struct conf_target *t, void **tdata,
    time_t start, const struct probe_result *);
/* A run of target t starts at wall-clock time start (optional). */
typedef void prober_start_cb(void *arg, const struct conf_target *t, time_t start);
/* A target leaves (removed by a reload, or prober_free): release tdata. */
typedef void prober_drop_cb(void *arg, const char *name, void *tdata);

struct prober *prober_new(struct event_base *, const struct conf *, prober_result_cb *,
    prober_drop_cb *, void *arg);
/*
 * Switch to newconf (the caller frees the old one afterwards). A target of
 * the same name and type keeps its schedule and tdata; a run in flight is
 * abandoned without a result and restarted on the new settings, from the
 * event loop (never inside this call: no callback sees newconf before the
 * caller has switched to it), with its whole timeout. New targets
 * start at their spread offset; removed ones stop.
 */
void prober_reload(struct prober *, const struct conf *newconf);
/* Also tell the caller when each run starts (before its result). */
void prober_set_start_cb(struct prober *, prober_start_cb *);
/* Cancel every run in flight, drop every target. */
void prober_free(struct prober *);

/* The start offset of a target in [0, interval_ms): a hash of its name. */
long prober_offset_ms(const char *name, long interval_ms);

/*
 * The most runs in flight at once when slamon.max_inflight is not given:
 * 256 per core, and no more than a third of the open files limit less 256
 * (a socket a run, two more while curl resolves a name). The _auto form
 * raises the soft open files limit towards the hard one (at most 65,536)
 * first, as a daemon holding a socket per probe should.
 */
size_t prober_max_inflight_for(long ncpu, unsigned long nofile);
size_t prober_max_inflight_auto(void);

/*
 * Under max_inflight, the limit on runs in flight adapts, every quarter of a
 * second, to what the event loop's thread can serve. It matters only while
 * due starts wait for a slot (waited); then:
 *  - the thread was busy (on a CPU, or waiting in a run queue for one, at
 *    least PROBER_BUSY_HIGH of the time):
 *    the CPU, not the network, is what runs lack, and more of them at once
 *    complete no more, they only cost more each (a larger working set) and
 *    queue longer in our own loop, a wait read as the target's latency. The
 *    limit shrinks by a quarter, down to PROBER_LIMIT_FLOOR (or max, if less);
 *  - the thread was mostly idle (below PROBER_BUSY_LOW), blocked waiting for
 *    events: the runs wait on
 *    the network (slow or dead targets), and more at once do complete more.
 *    The limit grows by a quarter, up to max;
 *  - in between it stays.
 * It starts at the floor (a slow start), and a new max_inflight only clamps
 * it. Returns the next limit.
 */
#define PROBER_LIMIT_FLOOR 32
#define PROBER_BUSY_HIGH 0.9
#define PROBER_BUSY_LOW 0.75
size_t prober_limit_next(size_t limit, size_t max, bool waited, double busy);

/* The schedule's figures, for /metrics. */
#define PROBER_LAG_NBUCKETS 13
extern const double prober_lag_buckets[PROBER_LAG_NBUCKETS]; /* seconds, le */

struct prober_stats {
	size_t targets;
	size_t in_flight, max_inflight;
	size_t limit;	  /* the adaptive limit now, <= max_inflight */
	size_t waiting;	  /* due, not started: waiting for a slot */
	uint64_t started; /* runs started since the start */
	uint64_t skipped; /* planned starts skipped: the target still waited */
	uint64_t lag_buckets[PROBER_LAG_NBUCKETS]; /* starts by lag, not cumulative */
	double lag_sum_s; /* start lag: actual minus planned start */
	bool overloaded;  /* an overload episode is under way */
};

/* p may be NULL: all zero. */
void prober_stats(const struct prober *, struct prober_stats *);

#endif
