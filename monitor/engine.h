/*
 * engine.h - the pipeline shared by `slamon run` and `slamon replay`:
 * probe results in, and out of it the state machine's outages, the
 * classification of every second into up / down / maintenance / unknown,
 * one record per 60 s step, the journal, and alert decisions.
 *
 * It touches no clock: every call carries the time. `run` feeds it from
 * the prober and a timer; `replay` from the rows of a CSV file.
 */
#ifndef SLAMON_ENGINE_H
#define SLAMON_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "conf.h"
#include "state.h"

#define ENGINE_STEP 60

struct journal;

/* Seconds of one 60 s step, as stored in RRD (unknown_s is implicit there). */
struct engine_step {
	time_t end; /* step end, a multiple of ENGINE_STEP */
	int up_s, down_s, maint_s, unknown_s;
	double latency_ms; /* mean of the step's probes; NAN when none */
};

/* Where announced maintenance lies, per target (the calendar answers). */
struct engine_maint {
	/* seconds of [a, b) inside announced maintenance of target i */
	long (*overlap)(void *arg, size_t i, time_t a, time_t b);
	/* the first maintenance interval ending after t: 0 and [*s, *e), or -1 */
	int (*next)(void *arg, size_t i, time_t t, time_t *s, time_t *e);
	void *arg;
};

enum engine_notice_kind {
	ENGINE_ALERT,
	ENGINE_REPEAT,
	ENGINE_RECOVERY,
};

struct engine_notice {
	enum engine_notice_kind kind;
	const struct conf_target *target;
	time_t time; /* when it was decided (simulated time in replay) */
	time_t outage_start;
	time_t end; /* recovery: when the outage ended */
	long unplanned_s;
	long down_s;
	const char *reason; /* the last failure's text */
};

struct engine_hooks {
	/* a completed step; returns -1 when it could not be stored */
	int (*step)(void *arg, const struct conf_target *, const struct engine_step *);
	/* an alert, repeat or recovery, after it is in the journal */
	void (*notice)(void *arg, const struct engine_notice *);
	/* a state change, for logs */
	void (*log)(void *arg, const struct conf_target *, const char *msg);
	void *arg;
	/* several locations: a completed step of one location's own view
	 * (optional; its unknown_s is implicit as for the target) */
	int (*loc_step)(void *arg, const struct conf_target *, const char *loc,
	    const struct engine_step *);
};

/* What a target looks like now, for the status page and /metrics. */
struct engine_status {
	enum state_kind kind; /* UP, DOWN, or UNKNOWN before the first probe */
	bool suspect;	      /* failing, not yet confirmed */
	bool alerted;
	time_t outage_start; /* 0 when none */
	time_t last_probe;   /* 0 when none */
	bool last_ok;
	double last_latency_ms;
	char reason[256]; /* last failure */
	unsigned long probes, failures, outages, alerts;
	bool blind;	      /* the last probe was a monitor fault */
	unsigned long faults; /* monitor faults (engine_observe_fault) */
};

struct engine;

struct engine *engine_new(const struct conf *, struct journal *,
    const struct engine_maint *, const struct engine_hooks *);
void engine_free(struct engine *);

/*
 * Where target i's accounting begins: at a fresh start, `from` (its first
 * step is the one holding it); after a restart, the end of the last stored
 * step, with the outage the journal still has open (0 for none) and
 * whether its alert went out. Seconds from there to now are unknown.
 */
void engine_begin(struct engine *, size_t i, time_t from, time_t now,
    time_t open_outage, bool alerted, const char *reason);
/* The open outage given to engine_begin was known down until `known`. */
void engine_resume_known(struct engine *, size_t i, time_t known);
/* Why an outage of a target removed from the configuration ended. */
#define ENGINE_REMOVED "target removed from the configuration"
/* Read the journal's open outages and alerts back (for engine_begin). */
int engine_recover(const char *state_dir, const struct conf *,
    time_t *open_outage /* [ntargets] */, bool *alerted /* [ntargets] */,
    time_t *last_time);

/* The wall clock jumped forward over [from, to): unknown for every target. */
void engine_clock_jump(struct engine *, time_t from, time_t to);
/* Steps settle `seconds` behind now, so a probe still in flight (started
 * earlier, reported later) is never older than what is settled. */
void engine_set_lag(struct engine *, int seconds);
/* Adopt a reloaded configuration (targets matched by name); then, with the
 * calendar answering for the new targets, engine_rearm. */
void engine_reload(struct engine *, const struct conf *, time_t now);
bool engine_begun(const struct engine *, size_t i);
/* Several locations: every second of target i before t is decided
 * already (the journal closed an outage there): results delivered again
 * from before it change nothing. */
void engine_quorum_known(struct engine *, size_t i, time_t t);
/* An aggregator: engine_close leaves what the quorum has not decided to
 * the next start, which reads it again from the stream. */
void engine_keep_undecided(struct engine *);
/* A probing node's own view of its targets: no quorum, one location
 * (call before engine_begin). */
void engine_one_location(struct engine *);
/* Every second of target i before this is handed to storage (the start of
 * the step being filled). */
time_t engine_settled_to(const struct engine *, size_t i);
/* Recompute the alert deadlines of outages not yet alerted (the calendar or
 * alert_after changed). */
void engine_rearm(struct engine *);

/*
 * A probe of target i started at wall time t and has not reported yet. An
 * alert due while it is in flight waits for its result (at most the probe's
 * timeout): if it is the success that ends the outage, the outage stayed
 * under alert_after and nobody is paged.
 */
void engine_probe_started(struct engine *, size_t i, time_t t);

/* A probe result of target i at wall time t. */
void engine_observe(struct engine *, size_t i, time_t t, bool ok, double latency_ms,
    const char *detail);
/* The same from location loc (an index into cluster.locations) when the
 * configuration has a cluster: the target is then the quorum of its
 * locations (design.md 9); loc -1 is the one location of a plain setup. */
void engine_observe_at(struct engine *, size_t i, int loc, time_t t, bool ok,
    double latency_ms, const char *detail);
/*
 * A probe of target i at wall time t that failed for a reason of this host,
 * not the target's (probes/probe.h: probe_local): its time is unknown until
 * the next real result, no outage starts, and an alert due meanwhile waits
 * for a real failure (a success then ends the outage without one).
 */
void engine_observe_fault(struct engine *, size_t i, time_t t, const char *detail);
/* Everything due up to now: alert deadlines, settled steps. */
void engine_advance(struct engine *, time_t now);
/* The earliest time something is due (an alert), or 0. */
time_t engine_next_due(struct engine *);
/* Stop at now: close every target, write the partial steps. */
void engine_close(struct engine *, time_t now);
void engine_close_target(struct engine *, size_t i, time_t now);

bool engine_suspect(const struct engine *, size_t i);
/* Several locations: what location loc sees of target i now (UP, DOWN, or
 * UNKNOWN before its first result and while it is silent). */
enum state_kind engine_loc_kind(const struct engine *, size_t i, int loc);
void engine_status(const struct engine *, size_t i, struct engine_status *);
size_t engine_ntargets(const struct engine *);

/* Alert deadline: the instant the unplanned seconds since start reach need. */
time_t engine_alert_deadline(
    const struct engine_maint *, size_t i, time_t start, long need);

#endif
