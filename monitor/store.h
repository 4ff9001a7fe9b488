/*
 * store.h - the record of seconds: one RRD file a target in state_dir/rrd
 * (design.md 5), written directly with librrd or through rrdcached.
 *
 * Each 60 s step gets exactly one row, written at the step's end: up_s,
 * down_s, maint_s (seconds of the step) and latency_ms (NAN = unknown).
 * Steps without data must still get a row (store_fill), so that every
 * archive's sums are exact. A target's file is keyed by its name today; a
 * location key will be a directory level later (rrd/<location>/<target>.rrd).
 */
#ifndef SLAMON_STORE_H
#define SLAMON_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define STORE_STEP 60

struct store;

/*
 * rrdcached: "" or NULL writes the files directly; "unix:/path.sock" or
 * "host:port" goes through rrdcached (see store.c for how to run it).
 * tz_granularity: store_zone_granularity() of the configured zone. Creates
 * state_dir/rrd. NULL with err set on failure.
 */
struct store *store_open(const char *state_dir, const char *rrdcached,
    long tz_granularity, char *err, size_t errlen);
/* Writes what is pending (one last try), flushes rrdcached, frees. */
void store_close(struct store *);

/*
 * Create the target's file when missing, its first row being the step that
 * ends at first_step_end; else open it and check its step and data sources
 * (a mismatch is an error, the file is never overwritten). 0 or -1.
 */
int store_ensure(struct store *, const char *target, time_t first_step_end);

/* End of the last step written or queued (0: unknown target). */
time_t store_last(struct store *, const char *target);

/*
 * The row of the step ending at step_end, which must be store_last + 60:
 * a gap is an error (store_fill it first; store_fill up to step_end - 60
 * is a no-op without a gap), a step written twice is an error. 0 when
 * written or queued, -1 otherwise (logged). A step refused because the
 * queue is full (rrdcached away too long) leaves a gap that the next
 * accepted update fills with steps without data, by itself.
 */
int store_update(struct store *, const char *target, time_t step_end, double up_s,
    double down_s, double maint_s, double latency_ms);
/* The same with slow_s, the step's up seconds that missed the latency
 * objective (contract_degraded_s); store_update writes 0. A file made
 * before slow_s does not keep it. */
int store_update_slow(struct store *, const char *target, time_t step_end, double up_s,
    double down_s, double maint_s, double latency_ms, double slow_s);

/*
 * Rows for every step ending in (store_last, to] with these values and an
 * unknown latency: the explicit zeros for a time the monitor was away, or
 * maint_s = 60 for the part of it inside an announced window. 0 or -1.
 */
int store_fill(struct store *, const char *target, time_t to, double up_s,
    double down_s, double maint_s);

/*
 * Steps accepted but not yet written (rrdcached away, or a failing disk);
 * store_retry writes them now (call it from a timer; store_update also
 * tries, at most once a second). Returns what is still pending.
 */
size_t store_pending(struct store *);
/* The same for one target. */
size_t store_pending_target(struct store *, const char *target);
size_t store_retry(struct store *);
/*
 * Bound on queued entries (a run of equal rows, such as a fill, is one);
 * beyond it updates fail loudly. Default STORE_PENDING_MAX, about 200 MB.
 */
#define STORE_PENDING_MAX (4L * 1024 * 1024)
/* Collect n queue entries per target before writing (1, the default: at once). */
void store_set_batch(struct store *, size_t n);
void store_set_pending_max(struct store *, size_t);

/*
 * Deferred writing, for an event loop that must not stall: store_update and
 * store_fill only queue, and the loop writes the queues a slice at a time
 * (a minute boundary brings one step, one rrdcached round trip, for every
 * target at once). Steps are still written in order, each once; a read
 * writes its target's queue first; store_close writes what is left.
 *
 * store_flush_due: targets wait and may be written now (rrdcached is not
 * known to be away since less than a second).
 * store_flush_some: write them in the order they were queued until
 * `seconds` have passed (at least one target); true when some still wait.
 * A target whose write failed leaves the line with its steps queued until
 * store_requeue (call it from a timer) puts every such target back in it.
 */
void store_set_deferred(struct store *, bool);
bool store_flush_due(const struct store *);
bool store_flush_some(struct store *, double seconds);
void store_requeue(struct store *);

struct store_sums {
	double up_s, down_s, maint_s; /* exact sums over the known rows */
	long steps;		      /* steps of [from, to) in known rows */
	long unknown_steps;	      /* steps in rows with an unknown up/down/maint */
	long resolution;	      /* coarsest row length used, seconds */
	double slow_s;		      /* up seconds that missed the latency objective */
	bool slow_known;	      /* the file has slow_s (made since it exists) */
};

/*
 * Exact sums over [from, to) (multiples of 60; an end beyond the last row
 * written is cut there): the 1-step archive while it holds the range, else
 * the finest archive aligned with it, completed by finer ones at the end.
 * Steps before the file's first row read as unknown. -1 when no archive
 * can give the range exactly (logged).
 */
int store_sum(
    struct store *, const char *target, time_t from, time_t to, struct store_sums *out);

/* store_sum over [bounds[i], bounds[i+1]) for i < n (local days from the caller). */
int store_daily(struct store *, const char *target, const time_t *bounds, size_t n,
    struct store_sums *out);

/* One bucket of store_series. */
struct store_point {
	double latency_ms; /* mean of the rows' latency; NAN when none */
	double down_s, maint_s;
};

/*
 * [from, to) in n equal buckets, for graphs (not exact sums: see
 * store_sum): from the finest archive holding the span. A target without
 * a file gives empty buckets. 0 or -1.
 */
int store_series(struct store *, const char *target, time_t from, time_t to, size_t n,
    struct store_point *out);

/*
 * Where a target's stored data ends (the end of its last step) without
 * creating anything: 0 in *end when it has no file. 0, or -1 when the file
 * cannot be read (logged).
 */
int store_stored_end(struct store *, const char *target, time_t *end);

/* The granularity of the configured zone's UTC offsets around now (tz.h). */
long store_zone_granularity(time_t now);

/* The file of a target (for tools and tests): state_dir/rrd/<target>.rrd. */
const char *store_path(struct store *, const char *target);

#endif
