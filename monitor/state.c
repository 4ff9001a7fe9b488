/*
 * state.c - the per-target outage state machine.
 *
 * The state of [t_i, t_i+1) is decided by probe i: up if it succeeded, down
 * if it failed and its run of failures reaches fail_threshold. A gap longer
 * than twice the interval is unknown from t_i + interval (design.md 7). The
 * only memory beyond a few scalars is the list of spans of a run not yet
 * confirmed, which is at most fail_threshold entries (plus gaps).
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "state.h"

void
state_init(struct state *s, int interval, int threshold, time_t start)
{
	memset(s, 0, sizeof(*s));
	s->interval = interval;
	s->threshold = threshold;
	s->settled_to = start;
}

void
state_free(struct state *s)
{
	free(s->pend);
	s->pend = NULL;
	s->npend = s->cappend = 0;
}

const char *
state_kind_name(enum state_kind k)
{
	switch (k) {
	case STATE_UP:
		return "up";
	case STATE_DOWN:
		return "down";
	case STATE_UNKNOWN:
		return "unknown";
	}
	return "?";
}

bool
state_suspect(const struct state *s)
{
	return s->fails > 0 && !s->down;
}

static void
emit(struct state *s, time_t start, time_t end, enum state_kind k, state_span_cb *cb,
    void *arg)
{
	struct state_span sp;

	if (start < s->settled_to)
		start = s->settled_to;
	if (end <= start)
		return;
	sp.start = start;
	sp.end = end;
	sp.kind = k;
	s->settled_to = end;
	cb(arg, &sp);
}

static void
pend(struct state *s, time_t start, time_t end, bool unknown)
{
	if (end <= start)
		return;
	if (s->npend > 0 && s->pend[s->npend - 1].end == start &&
	    s->pend[s->npend - 1].unknown == unknown) {
		s->pend[s->npend - 1].end = end;
		return;
	}
	if (s->npend == s->cappend) {
		s->cappend = s->cappend ? s->cappend * 2 : 4;
		s->pend = xreallocarray(s->pend, s->cappend, sizeof(*s->pend));
	}
	s->pend[s->npend++] = (struct state_pending){start, end, unknown};
}

static void
resolve(struct state *s, enum state_kind k, state_span_cb *cb, void *arg)
{
	for (size_t i = 0; i < s->npend; i++)
		emit(s, s->pend[i].start, s->pend[i].end,
		    s->pend[i].unknown ? STATE_UNKNOWN : k, cb, arg);
	s->npend = 0;
}

/* The stretch [s->last, upto) under the last probe's state; upto may be in a gap. */
static void
cover(struct state *s, time_t upto, bool final, state_span_cb *cb, void *arg)
{
	time_t hold_end, from;
	enum state_kind k;

	if (!s->have_last) {
		/* before any probe: nothing is known */
		if (final)
			emit(s, s->settled_to, upto, STATE_UNKNOWN, cb, arg);
		return;
	}
	from = s->settled_to;
	if (s->npend > 0)
		from = s->pend[s->npend - 1].end;
	if (from < s->last)
		from = s->last;
	if (s->last_unknown) {
		/* after a monitor fault nothing is known until the next probe */
		if (state_suspect(s))
			pend(s, from, upto, true);
		else
			emit(s, from, upto, STATE_UNKNOWN, cb, arg);
		return;
	}
	hold_end = upto;
	/* a gap of more than two intervals is unknown after the first */
	if (upto - s->last > 2 * (time_t)s->interval ||
	    (final && upto - s->last > (time_t)s->interval))
		hold_end = s->last + s->interval;
	k = s->last_ok ? STATE_UP : STATE_DOWN;
	if (!s->last_ok && !s->down) {
		pend(s, from, hold_end, false);
		pend(s, hold_end > from ? hold_end : from, upto, true);
		return;
	}
	emit(s, from, hold_end, k, cb, arg);
	emit(s, hold_end, upto, STATE_UNKNOWN, cb, arg);
}

enum state_change
state_observe(struct state *s, time_t t, bool ok, state_span_cb *cb, void *arg)
{
	enum state_change ch = STATE_NO_CHANGE;

	if (s->have_last && t < s->last)
		t = s->last; /* rows out of order are clamped; callers sort */
	if (!s->have_last && t > s->settled_to)
		emit(s, s->settled_to, t, STATE_UNKNOWN, cb, arg);
	cover(s, t, false, cb, arg);
	s->have_last = true;
	s->last = t;
	s->last_ok = ok;
	s->last_unknown = false;
	if (ok) {
		resolve(s, STATE_UP, cb, arg);
		if (s->down)
			ch = STATE_OUTAGE_END;
		s->down = false;
		s->fails = 0;
	} else {
		if (s->fails++ == 0)
			s->first_fail = t;
		if (!s->down && s->fails >= s->threshold) {
			s->down = true;
			s->outage_start = s->first_fail;
			resolve(s, STATE_DOWN, cb, arg);
			ch = STATE_OUTAGE_START;
		}
	}
	return ch;
}

void
state_observe_unknown(struct state *s, time_t t, state_span_cb *cb, void *arg)
{
	if (s->have_last && t < s->last)
		t = s->last;
	if (!s->have_last && t > s->settled_to)
		emit(s, s->settled_to, t, STATE_UNKNOWN, cb, arg);
	cover(s, t, false, cb, arg);
	if (!s->have_last)
		s->last_ok = true; /* nothing failed yet */
	s->have_last = true;
	s->last = t;
	s->last_unknown = true;
}

/*
 * Settle what can be settled at now without a new probe: the last state
 * holds for one interval; past two intervals without a probe the time after
 * the first is unknown; between the two nothing is known yet.
 */
void
state_advance(struct state *s, time_t now, state_span_cb *cb, void *arg)
{
	if (!s->have_last) {
		emit(s, s->settled_to, now, STATE_UNKNOWN, cb, arg);
		return;
	}
	if (state_suspect(s))
		return; /* pending until confirmed or refuted */
	if (s->last_unknown) {
		emit(s, s->settled_to, now, STATE_UNKNOWN, cb, arg);
		return;
	}
	if (now - s->last > 2 * (time_t)s->interval) {
		cover(s, now, false, cb, arg);
		return;
	}
	if (now > s->last + s->interval)
		now = s->last + s->interval;
	emit(s, s->settled_to, now, s->last_ok ? STATE_UP : STATE_DOWN, cb, arg);
}

/*
 * The monitor stops (or the replay ends) at now: the last probe counts for
 * one interval at most, the rest is unknown. An unconfirmed run stays
 * unconfirmed: its time is up, since a short run is not an outage.
 */
void
state_close(struct state *s, time_t now, state_span_cb *cb, void *arg)
{
	time_t end;

	if (!s->have_last) {
		emit(s, s->settled_to, now, STATE_UNKNOWN, cb, arg);
		return;
	}
	end = s->last + s->interval;
	if (end > now)
		end = now;
	if (state_suspect(s)) {
		cover(s, end, false, cb, arg);
		resolve(s, STATE_UP, cb, arg);
	} else
		emit(s, s->settled_to, end,
		    s->last_unknown  ? STATE_UNKNOWN
			: s->last_ok ? STATE_UP
				     : STATE_DOWN,
		    cb, arg);
	emit(s, s->settled_to, now, STATE_UNKNOWN, cb, arg);
}

/*
 * Continue after a restart: the outage that began at outage_start (0 for
 * none) is still on; [stopped_at, now) is unknown; no probe is known yet,
 * so the next one decides, and a failure continues the same outage.
 */
void
state_resume(struct state *s, time_t outage_start, time_t stopped_at, time_t now,
    state_span_cb *cb, void *arg)
{
	if (stopped_at > s->settled_to)
		s->settled_to = stopped_at;
	if (outage_start) {
		s->down = true;
		s->outage_start = outage_start;
		s->fails = s->threshold;
		s->first_fail = outage_start;
	}
	emit(s, s->settled_to, now, STATE_UNKNOWN, cb, arg);
}

/*
 * The wall clock jumped forward over [from, to): what is settled stays, the
 * last probe's state holds up to from at most, and [from, to) is unknown.
 * Then, as after a restart, no probe is known: the next one decides, and a
 * failure continues an open outage. A run of failures not yet confirmed is
 * dropped (a short run is not an outage), as at a stop.
 */
void
state_gap(struct state *s, time_t from, time_t to, state_span_cb *cb, void *arg)
{
	bool down = s->down;
	time_t start = s->outage_start;

	state_close(s, from, cb, arg);
	s->npend = 0;
	s->have_last = false;
	s->fails = 0;
	s->down = false;
	state_resume(s, down ? start : 0, from, to, cb, arg);
}
