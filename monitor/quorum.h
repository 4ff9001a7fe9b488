/*
 * quorum.h - one target seen from several locations (design.md section 9),
 * pure: times come in as arguments.
 *
 * Each location's results run through their own outage state machine
 * (state.h), so each location holds each second as up, down or unknown.
 * Per second the combined target is down when at least `quorum` locations
 * are down, up when the down and unknown locations together are fewer than
 * `quorum`, and unknown otherwise. The combined spans and the combined
 * outage's start and end come out through callbacks, in time order, each
 * second exactly once, like a single location's state machine.
 */
#ifndef SLAMON_QUORUM_H
#define SLAMON_QUORUM_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "state.h"

/* The combined outage began (change STATE_OUTAGE_START, at its first down
 * second) or ended (STATE_OUTAGE_END, at its first up second); `now` is when
 * the combination learned it. */
typedef void quorum_change_cb(void *arg, enum state_change, time_t at, time_t now);
/* A settled span of one location, for its own figures. */
typedef void quorum_loc_span_cb(void *arg, int loc, const struct state_span *);

#define QUORUM_MAX_LOC 64 /* seen_down is a bit mask */

struct quorum;

struct quorum_loc {
	struct quorum *q;
	struct state st;
	struct state_span *sp; /* settled, not yet combined, in time order */
	size_t nsp, capsp;
	unsigned long late; /* results for time already combined */
};

struct quorum {
	int nloc;
	int quorum;
	time_t hold; /* how long a silent location is waited for */
	struct quorum_loc *loc;
	time_t done; /* every combined second before this is out */
	bool down;   /* the combined outage is open */
	time_t outage_start;
	unsigned long long seen_down; /* locations down during the open outage */
	bool have_kind;
	struct state_span cur; /* combined span being built */
	state_span_cb *span;
	quorum_change_cb *change;
	quorum_loc_span_cb *loc_span; /* optional */
	void *arg;
};

/*
 * nloc locations, each with interval and fail_threshold of the target;
 * `hold` seconds: a location whose settled time lags now by more than this
 * is taken as unknown for the lagging part, so a silent location never
 * stops the combined target (its late results then count for that location
 * only). Accounting begins at start.
 */
void quorum_init(struct quorum *, int nloc, int quorum, int interval, int threshold,
    time_t hold, time_t start, state_span_cb *, quorum_change_cb *, void *arg);
void quorum_free(struct quorum *);
/* A result of location loc at t; then what can be combined at now. */
void quorum_observe(struct quorum *, int loc, time_t t, bool ok, time_t now);
/* Settle and combine what can be at now without new results. */
void quorum_advance(struct quorum *, time_t now);
/* Stop at now: every location closed, everything up to now combined. */
void quorum_close(struct quorum *, time_t now);
/* Continue after a restart with the combined outage that began at
 * outage_start (0: none) still open; [stopped_at, now) is unknown. */
void quorum_resume(struct quorum *, time_t outage_start, time_t stopped_at, time_t now);
/* The combined kind of one second from per-location kinds (the rule). */
enum state_kind quorum_rule(int ndown, int nunknown, int quorum);
/* Whether location loc is in a confirmed outage of its own now. */
bool quorum_loc_down(const struct quorum *, int loc);
/* Whether enough locations are failing (confirmed or not) to make a quorum,
 * and the combined outage is not confirmed yet. */
bool quorum_suspect(const struct quorum *);

#endif
