/*
 * quorum.c - combining one target's per-location state machines by the
 * quorum rule of design.md section 9.
 *
 * Every location's state machine settles its own spans in time order; they
 * wait here until every location has settled a stretch (or has been silent
 * for longer than `hold`, when the rest of its stretch counts as unknown).
 * That stretch is then swept once, boundary by boundary, and the combined
 * kind of each piece is handed on. The cost of waiting is latency, never
 * accuracy: a combined second is decided once, from everything the
 * locations knew about it, and never revised; a result that arrives for a
 * second already decided still counts for its location's own figures.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "quorum.h"

enum state_kind
quorum_rule(int ndown, int nunknown, int quorum)
{
	if (ndown >= quorum)
		return STATE_DOWN;
	if (ndown + nunknown < quorum)
		return STATE_UP;
	return STATE_UNKNOWN;
}

static void
loc_span_cb(void *arg, const struct state_span *sp)
{
	struct quorum_loc *l = arg;
	struct state_span s = *sp;

	if (l->q->loc_span)
		l->q->loc_span(l->q->arg, (int)(l - l->q->loc), sp);
	if (s.start < l->q->done) {
		l->late++;
		s.start = l->q->done;
	}
	if (s.end <= s.start)
		return;
	if (l->nsp > 0 && l->sp[l->nsp - 1].kind == s.kind &&
	    l->sp[l->nsp - 1].end == s.start) {
		l->sp[l->nsp - 1].end = s.end;
		return;
	}
	if (l->nsp == l->capsp) {
		l->capsp = l->capsp ? l->capsp * 2 : 4;
		l->sp = xreallocarray(l->sp, l->capsp, sizeof(*l->sp));
	}
	l->sp[l->nsp++] = s;
}

void
quorum_init(struct quorum *q, int nloc, int quorum, int interval, int threshold,
    time_t hold, time_t start, state_span_cb *span, quorum_change_cb *change, void *arg)
{
	memset(q, 0, sizeof(*q));
	q->nloc = nloc;
	q->quorum = quorum;
	q->hold = hold;
	q->done = start;
	q->span = span;
	q->change = change;
	q->arg = arg;
	q->loc = xcalloc((size_t)nloc, sizeof(*q->loc));
	for (int i = 0; i < nloc; i++) {
		q->loc[i].q = q;
		state_init(&q->loc[i].st, interval, threshold, start);
	}
}

void
quorum_free(struct quorum *q)
{
	for (int i = 0; q->loc && i < q->nloc; i++) {
		state_free(&q->loc[i].st);
		free(q->loc[i].sp);
	}
	free(q->loc);
	q->loc = NULL;
}

static void
flush(struct quorum *q)
{
	if (q->have_kind && q->cur.end > q->cur.start)
		q->span(q->arg, &q->cur);
	q->have_kind = false;
}

/* One combined piece [a, b): spans out before each change of the outage. */
static void
put(struct quorum *q, time_t a, time_t b, enum state_kind k, time_t now,
    unsigned long long downs)
{
	if (k == STATE_DOWN && !q->down) {
		flush(q);
		q->down = true;
		q->outage_start = a;
		q->seen_down = downs;
		if (q->change)
			q->change(q->arg, STATE_OUTAGE_START, a, now);
	} else if (k == STATE_UP && q->down) {
		flush(q);
		q->down = false;
		if (q->change)
			q->change(q->arg, STATE_OUTAGE_END, a, now);
	}
	if (q->down)
		q->seen_down |= downs;
	if (q->have_kind && q->cur.kind == k && q->cur.end == a) {
		q->cur.end = b;
		return;
	}
	flush(q);
	q->cur = (struct state_span){a, b, k};
	q->have_kind = true;
}

/* Sweep [q->done, upto) once, boundary by boundary. */
static void
combine(struct quorum *q, time_t upto, time_t now)
{
	size_t *at = xcalloc((size_t)q->nloc, sizeof(*at));
	time_t cur = q->done;

	while (cur < upto) {
		time_t next = upto;
		int ndown = 0, nunknown = 0;
		unsigned long long downs = 0;

		for (int i = 0; i < q->nloc; i++) {
			struct quorum_loc *l = &q->loc[i];
			enum state_kind k = STATE_UNKNOWN;
			time_t b = upto;

			while (at[i] < l->nsp && l->sp[at[i]].end <= cur)
				at[i]++;
			if (at[i] < l->nsp) {
				const struct state_span *s = &l->sp[at[i]];

				if (s->start <= cur) {
					k = s->kind;
					b = s->end;
				} else
					b = s->start; /* not settled: unknown */
			}
			if (b < next)
				next = b;
			if (k == STATE_DOWN) {
				ndown++;
				downs |= 1ULL << i;
			} else if (k == STATE_UNKNOWN)
				nunknown++;
		}
		put(q, cur, next, quorum_rule(ndown, nunknown, q->quorum), now, downs);
		cur = next;
	}
	flush(q);
	if (upto > q->done)
		q->done = upto;
	/* drop what is combined; clip what straddles the new edge */
	for (int i = 0; i < q->nloc; i++) {
		struct quorum_loc *l = &q->loc[i];
		size_t k = 0;

		while (k < l->nsp && l->sp[k].end <= q->done)
			k++;
		memmove(l->sp, l->sp + k, (l->nsp - k) * sizeof(*l->sp));
		l->nsp -= k;
		if (l->nsp > 0 && l->sp[0].start < q->done)
			l->sp[0].start = q->done;
	}
	free(at);
}

/* How far every location is settled, or silent long enough to stop waiting. */
static time_t
frontier(const struct quorum *q, time_t now)
{
	time_t f = now;

	for (int i = 0; i < q->nloc; i++) {
		time_t s = q->loc[i].st.settled_to;

		if (s < now - q->hold)
			s = now - q->hold;
		if (s < f)
			f = s;
	}
	return f;
}

void
quorum_observe(struct quorum *q, int loc, time_t t, bool ok, time_t now)
{
	struct quorum_loc *l = &q->loc[loc];

	/* the state machine's own change is its location's business; the
	 * combined outage follows from the spans */
	(void)state_observe(&l->st, t, ok, loc_span_cb, l);
	quorum_advance(q, now);
}

void
quorum_advance(struct quorum *q, time_t now)
{
	time_t f;

	for (int i = 0; i < q->nloc; i++)
		state_advance(&q->loc[i].st, now, loc_span_cb, &q->loc[i]);
	f = frontier(q, now);
	if (f > q->done)
		combine(q, f, now);
}

void
quorum_close(struct quorum *q, time_t now)
{
	for (int i = 0; i < q->nloc; i++)
		state_close(&q->loc[i].st, now, loc_span_cb, &q->loc[i]);
	if (now > q->done)
		combine(q, now, now);
}

/*
 * The combined outage stays open across the restart, and so does each
 * location's: as for one location, the next failure continues the same
 * outage and the next success ends it.
 */
void
quorum_resume(struct quorum *q, time_t outage_start, time_t stopped_at, time_t now)
{
	if (stopped_at > q->done)
		q->done = stopped_at;
	/* what came before the open outage made it: results delivered again
	 * from then must not end it before it began */
	if (outage_start > q->done)
		q->done = outage_start;
	q->down = outage_start != 0;
	q->outage_start = outage_start;
	for (int i = 0; i < q->nloc; i++)
		state_resume(&q->loc[i].st, outage_start, stopped_at, now, loc_span_cb,
		    &q->loc[i]);
	if (now > q->done)
		combine(q, now, now);
}

bool
quorum_loc_down(const struct quorum *q, int loc)
{
	return q->loc[loc].st.down;
}

bool
quorum_suspect(const struct quorum *q)
{
	int n = 0;

	/* failing where a quorum could confirm it, and not confirmed yet: one
	 * location alone is not a suspicion of the target */
	for (int i = 0; i < q->nloc; i++)
		if (q->loc[i].st.down || state_suspect(&q->loc[i].st))
			n++;
	return !q->down && n >= q->quorum;
}
