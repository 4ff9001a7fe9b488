/*
 * state.h - the outage state machine of one target (design.md section 4),
 * pure: times come in as arguments.
 *
 * Probe results go in; out come outage start/end changes and "spans":
 * stretches of time whose state is settled, in time order, each exactly
 * once. A failed probe that is not yet confirmed leaves its time pending
 * until the run is confirmed (DOWN from its first failure) or refuted by a
 * success (UP: a short run of failures is not an outage).
 */
#ifndef SLAMON_STATE_H
#define SLAMON_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <time.h>

enum state_kind {
	STATE_UP,
	STATE_DOWN,
	STATE_UNKNOWN,
};

struct state_span {
	time_t start, end; /* [start, end) */
	enum state_kind kind;
};

enum state_change {
	STATE_NO_CHANGE,
	STATE_OUTAGE_START, /* confirmed; the outage began at state.outage_start */
	STATE_OUTAGE_END,   /* the first success after an outage */
};

typedef void state_span_cb(void *arg, const struct state_span *);

struct state_pending {
	time_t start, end;
	bool unknown; /* a gap inside a pending run stays unknown */
};

struct state {		   /* ordered by size: one in every engine target */
	time_t settled_to; /* every second before this has been emitted */
	time_t last;	   /* time of the last probe */
	time_t first_fail;
	time_t outage_start;
	struct state_pending *pend; /* unsettled spans of an unconfirmed run */
	uint32_t npend, cappend;
	int interval;  /* seconds: a state holds one interval, a gap is > 2 */
	int threshold; /* consecutive failures that confirm an outage */
	int fails;     /* consecutive failures so far */
	bool have_last;
	bool last_ok;
	bool last_unknown; /* the last probe was a monitor fault: no verdict */
	bool down;
};

void state_init(struct state *, int interval, int threshold, time_t start);
void state_free(struct state *);
enum state_change state_observe(
    struct state *, time_t t, bool ok, state_span_cb *, void *);
/*
 * A probe at t that the monitor itself failed (out of descriptors...): it
 * neither confirms nor refutes anything, and its interval is unknown. A run
 * of failures around it stays one run, as across a gap; an outage stays open.
 */
void state_observe_unknown(struct state *, time_t t, state_span_cb *, void *);
void state_advance(struct state *, time_t now, state_span_cb *, void *);
void state_close(struct state *, time_t now, state_span_cb *, void *);
void state_resume(struct state *, time_t outage_start, time_t stopped_at, time_t now,
    state_span_cb *, void *);
void state_gap(struct state *, time_t from, time_t to, state_span_cb *, void *);
bool state_suspect(const struct state *);
const char *state_kind_name(enum state_kind);

#endif
