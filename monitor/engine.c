/*
 * engine.c - from probe results to outages, seconds, steps and alerts.
 *
 * Each target's state machine emits settled spans in time order; spans are
 * cut at step boundaries and each piece is split into maintenance (asked of
 * the calendar) and the span's own kind. A step is handed to storage once
 * every one of its seconds is settled, which is at its end, or a little
 * later while a failure run that began in it is still unconfirmed.
 *
 * Alerts are decided against a deadline computed when the outage starts:
 * the instant its unplanned seconds reach alert_after, skipping announced
 * maintenance. Run arms a timer for it; replay reaches it between rows.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "engine.h"
#include "journal.h"
#include "log.h"
#include "quorum.h"
#include "tz.h"

struct eng_lat {
	time_t step_end;
	double sum;
	int n;
};

/* One location's own seconds of a target, step by step (design.md 9). */
struct eng_loc {
	time_t step_end;
	int up, down, maint;
};

struct eng_target { /* ordered by size: 272 bytes, not 320 */
	struct engine *e;
	size_t idx;
	const struct conf_target *t;
	struct state st;
	struct quorum *q;     /* several locations (design.md 9): st is unused */
	struct eng_loc *locs; /* [q->nloc] */
	time_t step_end;      /* end of the step being filled */
	struct eng_lat *lat;  /* latency of steps not yet written */
	time_t outage_start;  /* 0: none open */
	long outage_unknown;  /* unknown seconds inside it (never down/unplanned) */
	long outage_away;     /* of which the monitor was away (restart, clock
				 jump): they move the alert deadline */
	time_t resume_from;   /* resumed after a restart: where its data ended */
	time_t resume_known;  /* ... and the last second it was known down, 0: none */
	time_t due;	      /* next alert or repeat, 0: none */
	char *reason;	      /* last failure, NULL: none */
	time_t last_probe;
	time_t inflight_since; /* a probe started then has not reported, 0: none */
	double last_latency;
	unsigned long probes, failures, outages, alerts, faults;
	int up, down, maint, unknown;
	uint32_t nlat, caplat;
	bool begun;
	bool alerted;
	bool last_ok;
	bool blind; /* the last probe was a monitor fault */
};

struct engine {
	const struct conf *conf;
	struct journal *journal;
	struct engine_maint maint;
	struct engine_hooks hooks;
	struct eng_target *tg;
	size_t n;
	int lag;	   /* seconds steps wait for probes in flight */
	time_t next_due;   /* cached engine_next_due(), if next_due_ok */
	size_t next_due_n; /* targets due at next_due */
	bool next_due_ok;
	int nloc, quorum;    /* cluster: voting locations and quorum; 0: one */
	bool keep_undecided; /* at close, leave what the quorum has not decided */
};

/* The target's outage as its state machine (or the quorum) sees it. */
static bool
tgt_down(const struct eng_target *g)
{
	return g->q ? g->q->down : g->st.down;
}

static time_t
tgt_outage_start(const struct eng_target *g)
{
	return g->q ? g->q->outage_start : g->st.outage_start;
}

static bool
tgt_have_last(const struct eng_target *g)
{
	if (g->q == NULL)
		return g->st.have_last;
	for (int l = 0; l < g->q->nloc; l++)
		if (g->q->loc[l].st.have_last)
			return true;
	return false;
}

static quorum_change_cb combined_change_cb;

/*
 * How long the combination waits for a silent location before counting
 * the rest of its time unknown: a result can arrive up to a timeout after
 * its probe started; a location settles a stretch only at its next probe
 * (two intervals when it is silent), and a run of failures only once it
 * is confirmed, fail_threshold - 1 retries after its first failure. Waiting
 * less would decide a failing location's seconds as unknown before it can
 * say they were down.
 */
static time_t
quorum_hold(const struct conf_target *t)
{
	int step = t->t.retry_interval > t->t.interval ? t->t.retry_interval
						       : t->t.interval;

	return 2 * (time_t)t->t.interval + t->t.timeout +
	    (time_t)(t->t.fail_threshold > 1 ? t->t.fail_threshold - 1 : 0) * step;
}

static void
tgt_free_quorum(struct eng_target *g)
{
	if (g->q) {
		quorum_free(g->q);
		free(g->q);
		g->q = NULL;
	}
	free(g->locs);
	g->locs = NULL;
}

static long
maint_overlap(const struct engine *e, size_t i, time_t a, time_t b)
{
	if (e->maint.overlap == NULL || b <= a)
		return 0;
	return e->maint.overlap(e->maint.arg, i, a, b);
}

static void
loc_write(struct eng_target *g, int l)
{
	struct eng_loc *x = &g->locs[l];
	struct engine_step st = {x->step_end, x->up, x->down, x->maint,
	    ENGINE_STEP - x->up - x->down - x->maint, NAN};

	if (g->e->hooks.loc_step &&
	    g->e->hooks.loc_step(
		g->e->hooks.arg, g->t, g->e->conf->cluster.locations.v[l], &st) == -1)
		log_warnx("%s at %s: step ending %lld not stored", g->t->name,
		    g->e->conf->cluster.locations.v[l], (long long)st.end);
	x->up = x->down = x->maint = 0;
	x->step_end += ENGINE_STEP;
}

/* A location's settled span: its own seconds, maintenance set apart. */
static void
loc_span_cb(void *arg, int l, const struct state_span *sp)
{
	struct eng_target *g = arg;
	struct eng_loc *x = &g->locs[l];
	time_t a = sp->start;

	if (a < x->step_end - ENGINE_STEP)
		a = x->step_end - ENGINE_STEP; /* written already */
	while (a < sp->end) {
		time_t b = sp->end < x->step_end ? sp->end : x->step_end;
		int m = (int)maint_overlap(g->e, g->idx, a, b);

		x->maint += m;
		if (sp->kind == STATE_UP)
			x->up += (int)(b - a) - m;
		else if (sp->kind == STATE_DOWN)
			x->down += (int)(b - a) - m;
		a = b;
		if (b == x->step_end)
			loc_write(g, l);
	}
}

/* The names of the locations in mask, as a JSON array. */
static json_t *
loc_names(const struct eng_target *g, unsigned long long mask)
{
	json_t *a = json_array();

	for (int l = 0; g->q && l < g->q->nloc; l++)
		if (mask & (1ULL << l))
			json_array_append_new(
			    a, json_string(g->e->conf->cluster.locations.v[l]));
	return a;
}

/*
 * Every change of a due goes through here, so that engine_next_due() stays
 * O(1) on the probe path: the cached minimum and how many targets are due at
 * it follow each change; only when the last of those moves later does the
 * next call rescan.
 */
static void
set_due(struct eng_target *g, time_t due)
{
	struct engine *e = g->e;

	if (e->next_due_ok && due != g->due) {
		if (g->due && g->due == e->next_due && --e->next_due_n == 0)
			e->next_due_ok = false;
		else if (due && (e->next_due == 0 || due < e->next_due)) {
			e->next_due = due;
			e->next_due_n = 1;
		} else if (due && due == e->next_due)
			e->next_due_n++;
	}
	g->due = due;
}

/* The reason of the last failure: allocated only for targets that failed. */
static void
set_reason(struct eng_target *g, const char *reason)
{
	if (g->reason && strcmp(g->reason, reason) == 0)
		return;
	free(g->reason);
	g->reason = xstrdup(reason);
}

static const char *
reason_of(const struct eng_target *g)
{
	return g->reason ? g->reason : "";
}

static void say(struct eng_target *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
say(struct eng_target *g, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (g->e->hooks.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	g->e->hooks.log(g->e->hooks.arg, g->t, msg);
}

struct engine *
engine_new(const struct conf *c, struct journal *j, const struct engine_maint *m,
    const struct engine_hooks *h)
{
	struct engine *e = xcalloc(1, sizeof(*e));

	e->conf = c;
	e->journal = j;
	if (m)
		e->maint = *m;
	if (h)
		e->hooks = *h;
	e->n = c->ntargets;
	if (c->cluster.enabled) {
		e->nloc = (int)c->cluster.locations.n;
		e->quorum = c->cluster.quorum;
	}
	e->tg = xcalloc(e->n, sizeof(*e->tg));
	for (size_t i = 0; i < e->n; i++) {
		e->tg[i].e = e;
		e->tg[i].idx = i;
		e->tg[i].t = &c->targets[i];
		e->tg[i].last_latency = NAN;
	}
	return e;
}

void
engine_free(struct engine *e)
{
	if (e == NULL)
		return;
	for (size_t i = 0; i < e->n; i++) {
		state_free(&e->tg[i].st);
		tgt_free_quorum(&e->tg[i]);
		free(e->tg[i].lat);
		free(e->tg[i].reason);
	}
	free(e->tg);
	free(e);
}

size_t
engine_ntargets(const struct engine *e)
{
	return e->n;
}

static struct eng_lat *
lat_slot(struct eng_target *g, time_t step_end, bool create)
{
	for (size_t i = 0; i < g->nlat; i++)
		if (g->lat[i].step_end == step_end)
			return &g->lat[i];
	if (!create)
		return NULL;
	if (g->nlat == g->caplat) {
		/* two: the step being filled and the one settling (timeout + 1 s
		 * after its end); more only when steps are shorter than that */
		g->caplat = g->caplat ? g->caplat * 2 : 2;
		g->lat = xreallocarray(g->lat, g->caplat, sizeof(*g->lat));
	}
	g->lat[g->nlat] = (struct eng_lat){step_end, 0, 0};
	return &g->lat[g->nlat++];
}

static void
write_step(struct eng_target *g)
{
	struct engine_step s;
	struct eng_lat *l = lat_slot(g, g->step_end, false);

	s.end = g->step_end;
	s.up_s = g->up;
	s.down_s = g->down;
	s.maint_s = g->maint;
	s.unknown_s = ENGINE_STEP - g->up - g->down - g->maint;
	s.latency_ms = l && l->n ? l->sum / l->n : NAN;
	if (g->e->hooks.step && g->e->hooks.step(g->e->hooks.arg, g->t, &s) == -1)
		log_warnx(
		    "%s: step ending %lld not stored", g->t->name, (long long)s.end);
	/* drop latency of this and older steps */
	for (size_t i = 0; i < g->nlat;) {
		if (g->lat[i].step_end <= g->step_end)
			g->lat[i] = g->lat[--g->nlat];
		else
			i++;
	}
	g->up = g->down = g->maint = g->unknown = 0;
	g->step_end += ENGINE_STEP;
}

static void
span_cb(void *arg, const struct state_span *sp)
{
	struct eng_target *g = arg;
	time_t a = sp->start;

	while (a < sp->end) {
		time_t b = sp->end < g->step_end ? sp->end : g->step_end;
		long m;
		int len;

		if (a < g->step_end - ENGINE_STEP) {
			/* before the current step: already written, drop */
			a = g->step_end - ENGINE_STEP;
			continue;
		}
		len = (int)(b - a);
		m = maint_overlap(g->e, g->idx, a, b);
		g->maint += (int)m;
		switch (sp->kind) {
		case STATE_UP:
			g->up += len - (int)m;
			break;
		case STATE_DOWN:
			g->down += len - (int)m;
			break;
		case STATE_UNKNOWN:
			g->unknown += len - (int)m;
			/* the part inside the outage: a piece may begin before it
			 * (resumed after a restart, from the last stored step) */
			if (tgt_down(g) && b > tgt_outage_start(g)) {
				time_t x = a > tgt_outage_start(g)
				    ? a
				    : tgt_outage_start(g);
				g->outage_unknown += (b - x) -
				    (x > a ? maint_overlap(g->e, g->idx, x, b) : m);
			}
			break;
		}
		a = b;
		if (b == g->step_end)
			write_step(g);
	}
}

static time_t
floor_step(time_t t)
{
	time_t r = t % ENGINE_STEP;

	return t - (r < 0 ? r + ENGINE_STEP : r);
}

void
engine_begin(struct engine *e, size_t i, time_t from, time_t now, time_t open_outage,
    bool alerted, const char *reason)
{
	struct eng_target *g = &e->tg[i];
	time_t start = floor_step(from);

	state_free(&g->st);
	state_init(&g->st, g->t->t.interval, g->t->t.fail_threshold, start);
	tgt_free_quorum(g);
	if (e->nloc > 0) {
		g->q = xcalloc(1, sizeof(*g->q));
		quorum_init(g->q, e->nloc, e->quorum, g->t->t.interval,
		    g->t->t.fail_threshold, quorum_hold(g->t), start, span_cb,
		    combined_change_cb, g);
		g->q->loc_span = loc_span_cb;
		g->locs = xcalloc((size_t)e->nloc, sizeof(*g->locs));
		for (int l = 0; l < e->nloc; l++)
			g->locs[l].step_end = start + ENGINE_STEP;
	}
	g->step_end = start + ENGINE_STEP;
	g->begun = true;
	g->up = g->down = g->maint = g->unknown = 0;
	g->outage_start = open_outage;
	g->outage_unknown = 0;
	g->outage_away = 0;
	g->resume_from = start;
	g->resume_known = 0;
	g->alerted = alerted;
	set_due(g, 0);
	if (reason)
		set_reason(g, reason);
	if (open_outage) {
		if (g->q)
			quorum_resume(
			    g->q, open_outage, start, now > start ? now : start);
		else
			state_resume(&g->st, open_outage, start,
			    now > start ? now : start, span_cb, g);
		/* the time away is unknown in the records, but real time of an
		 * outage nobody saw end: the alert keeps its deadline (a clock
		 * jump, fake time, moves it: engine_clock_jump) */
		if (!alerted)
			set_due(g,
			    engine_alert_deadline(&e->maint, i, open_outage,
				g->t->t.alert_after + g->outage_away));
		else if (g->t->t.alert_repeat > 0)
			set_due(g, now + g->t->t.alert_repeat);
	} else if (now > start) {
		if (g->q)
			quorum_advance(g->q, now);
		else
			state_advance(&g->st, now, span_cb, g);
	}
}

time_t
engine_alert_deadline(const struct engine_maint *m, size_t i, time_t start, long need)
{
	time_t cur = start, s, e;

	/* walk forward, skipping maintenance, until need unplanned seconds */
	for (int guard = 0; guard < 100000; guard++) {
		if (m == NULL || m->next == NULL || m->next(m->arg, i, cur, &s, &e) < 0)
			return cur + need;
		if (s <= cur) {
			cur = e;
			continue;
		}
		if (s - cur >= need)
			return cur + need;
		need -= (long)(s - cur);
		cur = e;
	}
	return cur + need;
}

static void
journal_or_warn(struct engine *e, time_t t, const char *event, json_t *fields)
{
	if (e->journal == NULL) {
		json_decref(fields);
		return;
	}
	/* not on disk yet: kept in memory and retried by the journal (which
	 * logs it); what was decided is acted on all the same */
	journal_append(e->journal, t, event, fields);
}

static void
notice(struct eng_target *g, enum engine_notice_kind kind, time_t t, time_t end,
    long unplanned, long down)
{
	struct engine_notice n;

	if (g->e->hooks.notice == NULL)
		return;
	n.kind = kind;
	n.target = g->t;
	n.time = t;
	n.outage_start = g->outage_start;
	n.end = end;
	n.unplanned_s = unplanned;
	n.down_s = down;
	n.reason = reason_of(g);
	g->e->hooks.notice(g->e->hooks.arg, &n);
}

/* Alerts whose deadline is at or before now, while the outage lasts. */
static void
fire_due(struct eng_target *g, time_t now)
{
	/* blind (monitor faults): the target may have recovered meanwhile;
	 * the next real result decides (engine_observe) */
	while (g->outage_start && g->due && g->due <= now && tgt_have_last(g) &&
	    !g->blind) {
		/* a probe in flight since before the deadline may be the recovery:
		 * wait for it, but never longer than it may take */
		if (g->inflight_since && g->inflight_since < g->due &&
		    now < g->inflight_since + g->t->t.timeout + 1)
			break;
		time_t at = g->due > g->last_probe ? g->due : g->last_probe;
		long down = (long)(at - g->outage_start) - g->outage_away;
		long unplanned = down -
		    maint_overlap(g->e, g->idx, g->outage_start, at);
		enum engine_notice_kind kind = g->alerted ? ENGINE_REPEAT
							  : ENGINE_ALERT;
		json_t *f = json_object();

		json_object_set_new(f, "target", json_string(g->t->name));
		json_object_set_new(f, "outage_start", journal_time(g->outage_start));
		json_object_set_new(f, "unplanned_s", json_integer(unplanned));
		if (kind == ENGINE_REPEAT)
			json_object_set_new(f, "repeat", json_true());
		/* on disk before anyone is told, so a restart cannot repeat it */
		journal_or_warn(g->e, at, "alert", f);
		g->alerted = true;
		g->alerts++;
		say(g, "ALERT: down since %lds, %lds unplanned (%s)", down, unplanned,
		    reason_of(g));
		notice(g, kind, at, 0, unplanned, down);
		set_due(g, g->t->t.alert_repeat > 0 ? at + g->t->t.alert_repeat : 0);
	}
}

static void
outage_started(struct eng_target *g, time_t t)
{
	json_t *f = json_object();
	char buf[TZ_RFC3339_LEN];

	g->outage_start = tgt_outage_start(g);
	g->alerted = false;
	g->outages++;
	/* outage_unknown is not reset here: the unknown stretches of the run
	 * being confirmed were counted as the state machine settled them, just
	 * before; it is zero between outages (outage_ended, engine_begin) */
	json_object_set_new(f, "target", json_string(g->t->name));
	json_object_set_new(f, "start", journal_time(g->outage_start));
	json_object_set_new(f, "reason", json_string(reason_of(g)));
	if (g->q) /* which locations saw it begin */
		json_object_set_new(f, "locations", loc_names(g, g->q->seen_down));
	journal_or_warn(g->e, t, "outage_start", f);
	say(g, "DOWN since %s (%s)", tz_rfc3339(g->outage_start, buf, sizeof(buf)),
	    reason_of(g));
	set_due(g,
	    engine_alert_deadline(&g->e->maint, g->idx, g->outage_start,
		g->t->t.alert_after + g->outage_away));
}

/*
 * The outage ends at end (journaled at t): normally the probe that found
 * the target up, end == t. Its unknown seconds (the monitor not running, a
 * clock jump, probes missing) are neither down nor unplanned.
 */
static void
outage_ended(struct eng_target *g, time_t t, time_t end, long unknown, const char *why)
{
	long span = (long)(end - g->outage_start);
	long m = maint_overlap(g->e, g->idx, g->outage_start, end);
	long down = span - unknown;
	json_t *f = json_object();

	/* Nothing in the journal ends before it starts, nor counts more than
	 * it spans: checked here, where every outage_end is made. Replay
	 * refuses rows older than the stored data and run's clock never goes
	 * back (mclock.h), so a breach is a bug: said loudly, and the record is
	 * kept within its span rather than journaled with negative seconds
	 * (or the daemon aborted). */
	if (span < 0 || unknown < 0 || unknown + m > span) {
		log_warnx("BUG: %s: outage from %lld to %lld with %lds unknown and "
			  "%lds of maintenance; recorded within its span",
		    g->t->name, (long long)g->outage_start, (long long)end, unknown, m);
		if (span < 0) {
			end = g->outage_start;
			span = 0;
			m = 0;
		}
		unknown = unknown < 0 ? 0 : unknown > span - m ? span - m : unknown;
		down = span - unknown;
	}
	json_object_set_new(f, "target", json_string(g->t->name));
	json_object_set_new(f, "start", journal_time(g->outage_start));
	json_object_set_new(f, "end", journal_time(end));
	json_object_set_new(f, "down_s", json_integer(down));
	json_object_set_new(f, "unplanned_s", json_integer(down - m));
	json_object_set_new(f, "maintenance_s", json_integer(m));
	/* seconds nobody saw (monitor stopped, clock jumped, probes missing):
	 * in the outage's span, but unknown, not down, here and in RRD */
	json_object_set_new(f, "unknown_s", json_integer(unknown));
	if (why)
		json_object_set_new(f, "reason", json_string(why));
	if (g->q) /* every location that was down during it */
		json_object_set_new(f, "locations", loc_names(g, g->q->seen_down));
	journal_or_warn(g->e, t, "outage_end", f);
	say(g,
	    "UP after %lds down (%lds unplanned, %lds in maintenance, %lds "
	    "unknown)%s%s",
	    down, down - m, m, unknown, why ? ": " : "", why ? why : "");
	if (g->alerted) {
		f = json_object();
		json_object_set_new(f, "target", json_string(g->t->name));
		json_object_set_new(f, "outage_start", journal_time(g->outage_start));
		json_object_set_new(f, "end", journal_time(end));
		journal_or_warn(g->e, t, "recovery", f);
		notice(g, ENGINE_RECOVERY, t, end, down - m, down);
	}
	g->outage_start = 0;
	g->outage_unknown = 0;
	g->outage_away = 0;
	g->resume_known = 0;
	g->alerted = false;
	set_due(g, 0);
}

/* The combined target of several locations began or ended an outage. */
static void
combined_change_cb(void *arg, enum state_change ch, time_t at, time_t now)
{
	struct eng_target *g = arg;

	if (ch == STATE_OUTAGE_START) {
		outage_started(g, now);
		fire_due(g, now); /* alert_after may already have passed */
	} else if (ch == STATE_OUTAGE_END)
		outage_ended(g, at, at, g->outage_unknown, NULL);
}

/*
 * After a restart, the outage the journal has open was known down until
 * `known` (its last record). If the first probe finds the target up, the
 * outage ends there, not at that probe: the time the monitor was away is
 * unknown, and an end the journal lost (a full disk) is not turned into
 * down time.
 */
void
engine_resume_known(struct engine *e, size_t i, time_t known)
{
	struct eng_target *g = &e->tg[i];

	if (g->outage_start)
		g->resume_known = known > g->outage_start ? known : g->outage_start;
}

void
engine_probe_started(struct engine *e, size_t i, time_t t)
{
	e->tg[i].inflight_since = t;
}

void
engine_observe(struct engine *e, size_t i, time_t t, bool ok, double latency_ms,
    const char *detail)
{
	engine_observe_at(e, i, -1, t, ok, latency_ms, detail);
}

void
engine_observe_at(struct engine *e, size_t i, int loc, time_t t, bool ok,
    double latency_ms, const char *detail)
{
	struct eng_target *g = &e->tg[i];
	char where[512];
	struct eng_lat *l;
	bool was_blind;

	if (!g->begun)
		engine_begin(e, i, t, t, 0, false, NULL);
	/* the first probe after a restart into an open outage */
	bool resumed = g->resume_known && !g->st.have_last;
	g->inflight_since = 0;
	was_blind = g->blind;
	g->blind = false;
	if (was_blind)
		say(g, "probing again after monitor faults (%s)",
		    ok ? "up" : (detail ? detail : "failed"));
	/* an alert that fell due while blind goes out only if the target is
	 * still failing: a success says nothing of when it recovered */
	if (!(was_blind && ok))
		fire_due(g, t);
	if (g->probes == 0 && ok && g->outage_start == 0)
		say(g, "UP (%s)", detail ? detail : "ok");
	g->probes++;
	g->last_probe = t;
	g->last_ok = ok;
	g->last_latency = latency_ms;
	if (!ok) {
		g->failures++;
		if (loc >= 0 && (size_t)loc < e->conf->cluster.locations.n) {
			snprintf(where, sizeof(where), "%s: %s",
			    e->conf->cluster.locations.v[loc],
			    detail ? detail : "failed");
			set_reason(g, where);
		} else
			set_reason(g, detail ? detail : "failed");
	}
	if (!isnan(latency_ms) && latency_ms >= 0 && t >= g->step_end - ENGINE_STEP) {
		l = lat_slot(g, floor_step(t) + ENGINE_STEP, true);
		l->sum += latency_ms;
		l->n++;
	}
	if (g->q) {
		/* a result without a location cannot vote; the caller checks */
		if (loc >= 0 && loc < g->q->nloc)
			quorum_observe(g->q, loc, t, ok, t);
		return;
	}
	switch (state_observe(&g->st, t, ok, span_cb, g)) {
	case STATE_OUTAGE_START:
		outage_started(g, t);
		fire_due(g, t); /* alert_after may already have passed */
		break;
	case STATE_OUTAGE_END:
		if (resumed) {
			time_t end = g->resume_known < t ? g->resume_known : t;
			time_t from = g->resume_from > g->outage_start
			    ? g->resume_from
			    : g->outage_start;
			long unk = end > from
			    ? (long)(end - from) - maint_overlap(e, i, from, end)
			    : 0;

			outage_ended(g, t, end, unk, NULL);
		} else
			outage_ended(g, t, t, g->outage_unknown, NULL);
		break;
	case STATE_NO_CHANGE:
		break;
	}
}

void
engine_observe_fault(struct engine *e, size_t i, time_t t, const char *detail)
{
	struct eng_target *g = &e->tg[i];

	if (!g->begun)
		engine_begin(e, i, t, t, 0, false, NULL);
	g->inflight_since = 0;
	g->faults++;
	/* once per blind stretch: a host out of descriptors fails every probe */
	/* several locations: this one is silent, which the quorum counts as
	 * unknown already (design.md 9) */
	if (g->q)
		return;
	if (!g->blind)
		say(g, "monitor fault, time unknown (not down): %s",
		    detail ? detail : "local failure");
	g->blind = true;
	state_observe_unknown(&g->st, t, span_cb, g);
}

void
engine_advance(struct engine *e, time_t now)
{
	for (size_t i = 0; i < e->n; i++) {
		struct eng_target *g = &e->tg[i];

		if (!g->begun)
			continue;
		fire_due(g, now);
		if (g->q)
			quorum_advance(g->q, now - e->lag);
		else
			state_advance(&g->st, now - e->lag, span_cb, g);
	}
}

/*
 * The wall clock jumped forward over [from, to) (run's monitor clock saw
 * it): those seconds are unknown for every target, and not unplanned, so an
 * open outage's alert deadline moves by them; an outage whose first probe
 * after the jump finds the target up ends there, with the jump unknown in it.
 */
void
engine_clock_jump(struct engine *e, time_t from, time_t to)
{
	for (size_t i = 0; i < e->n; i++) {
		struct eng_target *g = &e->tg[i];

		/* a combined target of several locations takes its times from
		 * the locations' results, not from this clock */
		if (!g->begun || g->q || to <= from || g->st.settled_to >= to)
			continue;
		state_gap(&g->st, from, to, span_cb, g);
		if (!g->outage_start)
			continue;
		g->outage_away += (long)(to - from) - maint_overlap(e, i, from, to);
		if (!g->alerted)
			set_due(g,
			    engine_alert_deadline(&e->maint, i, g->outage_start,
				g->t->t.alert_after + g->outage_away));
	}
}

void
engine_set_lag(struct engine *e, int seconds)
{
	e->lag = seconds;
}

/*
 * Targets kept by name carry their state, outage and step over; new ones
 * wait for engine_begin; removed ones are closed at now.
 */
void
engine_reload(struct engine *e, const struct conf *c, time_t now)
{
	struct eng_target *tg = xcalloc(c->ntargets, sizeof(*tg));
	bool *kept = xcalloc(e->n ? e->n : 1, sizeof(*kept));

	for (size_t j = 0; j < c->ntargets; j++) {
		struct eng_target *g = &tg[j];
		size_t i;

		for (i = 0; i < e->n; i++)
			if (!kept[i] &&
			    strcmp(e->tg[i].t->name, c->targets[j].name) == 0)
				break;
		if (i < e->n) {
			kept[i] = true;
			*g = e->tg[i];
			g->st.interval = c->targets[j].t.interval;
			g->st.threshold = c->targets[j].t.fail_threshold;
			if (g->q) {
				g->q->arg = g; /* the struct moved */
				g->q->hold = quorum_hold(&c->targets[j]);
				for (int l = 0; l < g->q->nloc; l++) {
					g->q->loc[l].st.interval =
					    c->targets[j].t.interval;
					g->q->loc[l].st.threshold =
					    c->targets[j].t.fail_threshold;
				}
			}
		} else
			g->last_latency = NAN;
		g->e = e;
		g->idx = j;
		g->t = &c->targets[j];
	}
	for (size_t i = 0; i < e->n; i++) {
		if (kept[i])
			continue;
		/* its outage ends now, with the recovery notice if it was
		 * alerted: no incident is left open for a target that is gone */
		if (e->tg[i].begun && e->tg[i].outage_start) {
			fire_due(&e->tg[i], now);
			outage_ended(&e->tg[i], now, now, e->tg[i].outage_unknown,
			    ENGINE_REMOVED);
		}
		engine_close_target(e, i, now);
		state_free(&e->tg[i].st);
		tgt_free_quorum(&e->tg[i]);
		free(e->tg[i].lat);
		free(e->tg[i].reason);
	}
	free(kept);
	free(e->tg);
	e->tg = tg;
	e->n = c->ntargets;
	e->conf = c;
	e->next_due_ok = false;
	/* the caller rearms (an alert_after changed by the reload moves the
	 * pending deadline) once its calendar knows the new targets: asked
	 * now, it would look up target j among the old ones */
}

/*
 * The deadline of an outage not yet alerted depends on alert_after and on
 * the calendar: both can change under it (reload, new announcements).
 */
void
engine_rearm(struct engine *e)
{
	for (size_t j = 0; j < e->n; j++) {
		struct eng_target *g = &e->tg[j];
		if (g->begun && g->outage_start && !g->alerted)
			set_due(g,
			    engine_alert_deadline(&e->maint, j, g->outage_start,
				g->t->t.alert_after + g->outage_away));
	}
}

bool
engine_begun(const struct engine *e, size_t i)
{
	return e->tg[i].begun;
}

void
engine_quorum_known(struct engine *e, size_t i, time_t t)
{
	struct quorum *q = e->tg[i].q;

	if (q != NULL && t > q->done)
		q->done = t;
}

void
engine_keep_undecided(struct engine *e)
{
	e->keep_undecided = true;
}

void
engine_one_location(struct engine *e)
{
	e->nloc = 0;
	e->quorum = 0;
}

time_t
engine_settled_to(const struct engine *e, size_t i)
{
	return e->tg[i].begun ? e->tg[i].step_end - ENGINE_STEP : 0;
}

time_t
engine_next_due(struct engine *e)
{
	time_t best = 0;
	size_t n = 0;

	if (e->next_due_ok)
		return e->next_due;
	for (size_t i = 0; i < e->n; i++) {
		const struct eng_target *g = &e->tg[i];
		if (!g->outage_start || !g->due)
			continue;
		if (best == 0 || g->due < best) {
			best = g->due;
			n = 0;
		}
		if (g->due == best)
			n++;
	}
	e->next_due = best;
	e->next_due_n = n;
	e->next_due_ok = true;
	return best;
}

void
engine_close_target(struct engine *e, size_t i, time_t now)
{
	struct eng_target *g = &e->tg[i];

	if (!g->begun)
		return;
	fire_due(g, now);
	if (g->q && e->keep_undecided) {
		/* an aggregator that stops: what its locations have not settled
		 * (results in flight, unconfirmed runs) is read again from the
		 * stream at the next start, not closed as up or unknown here */
		for (int l = 0; l < g->q->nloc; l++)
			if (g->locs[l].up + g->locs[l].down + g->locs[l].maint > 0)
				loc_write(g, l);
	} else if (g->q) {
		quorum_close(g->q, now);
		/* a location's file ends where the target's does, also when
		 * nothing of its last step was known: the next start goes on
		 * from there without a gap */
		for (int l = 0; l < g->q->nloc; l++)
			if (g->locs[l].up + g->locs[l].down + g->locs[l].maint > 0 ||
			    g->up + g->down + g->maint + g->unknown > 0) {
				g->locs[l].maint += (int)maint_overlap(
				    e, i, now, g->locs[l].step_end);
				loc_write(g, l);
			}
	} else
		state_close(&g->st, now, span_cb, g);
	/* the partial step: what is known of it, the rest unknown */
	if (g->up + g->down + g->maint + g->unknown > 0) {
		long m = maint_overlap(e, i, now, g->step_end);
		g->maint += (int)m;
		write_step(g);
	}
	g->begun = false;
}

void
engine_close(struct engine *e, time_t now)
{
	for (size_t i = 0; i < e->n; i++)
		engine_close_target(e, i, now);
}

enum state_kind
engine_loc_kind(const struct engine *e, size_t i, int loc)
{
	const struct eng_target *g = &e->tg[i];
	const struct state *s;

	if (g->q == NULL || loc < 0 || loc >= g->q->nloc)
		return STATE_UNKNOWN;
	s = &g->q->loc[loc].st;
	if (!s->have_last || s->settled_to > s->last + s->interval)
		return STATE_UNKNOWN; /* none yet, or silent past its interval */
	return s->down ? STATE_DOWN : STATE_UP;
}

bool
engine_suspect(const struct engine *e, size_t i)
{
	return e->tg[i].q ? quorum_suspect(e->tg[i].q) : state_suspect(&e->tg[i].st);
}

void
engine_status(const struct engine *e, size_t i, struct engine_status *s)
{
	const struct eng_target *g = &e->tg[i];

	memset(s, 0, sizeof(*s));
	if (g->outage_start)
		s->kind = STATE_DOWN;
	else if (g->blind)
		s->kind = STATE_UNKNOWN;
	else if (g->last_probe)
		s->kind = STATE_UP;
	else
		s->kind = STATE_UNKNOWN;
	s->suspect = engine_suspect(e, i);
	s->alerted = g->alerted;
	s->outage_start = g->outage_start;
	s->last_probe = g->last_probe;
	s->last_ok = g->last_ok;
	s->last_latency_ms = g->last_latency;
	snprintf(s->reason, sizeof(s->reason), "%s", reason_of(g));
	s->probes = g->probes;
	s->failures = g->failures;
	s->outages = g->outages;
	s->alerts = g->alerts;
	s->blind = g->blind;
	s->faults = g->faults;
}

struct recover_ctx {
	const struct conf *c;
	time_t *open;
	bool *alerted;
	time_t *last;
};

static void
recover_cb(void *arg, json_t *rec, int line)
{
	struct recover_ctx *r = arg;
	const char *ev = json_string_value(json_object_get(rec, "event"));
	const char *name = json_string_value(json_object_get(rec, "target"));
	const struct conf_target *t;
	time_t when, start;
	size_t i;

	(void)line;
	if (journal_get_time(rec, "time", &when) == 0 && when > *r->last)
		*r->last = when;
	if (name == NULL || (t = conf_target_find(r->c, name)) == NULL)
		return;
	i = (size_t)(t - r->c->targets);
	if (strcmp(ev, "outage_start") == 0 &&
	    journal_get_time(rec, "start", &start) == 0) {
		r->open[i] = start;
		r->alerted[i] = false;
	} else if (strcmp(ev, "outage_end") == 0 &&
	    journal_get_time(rec, "start", &start) == 0 && start == r->open[i]) {
		r->open[i] = 0;
		r->alerted[i] = false;
	} else if (strcmp(ev, "alert") == 0 &&
	    journal_get_time(rec, "outage_start", &start) == 0 && start == r->open[i])
		r->alerted[i] = true;
}

static void
recover_warn_cb(void *arg, const char *msg)
{
	(void)arg;
	log_warnx("%s", msg);
}

int
engine_recover(const char *state_dir, const struct conf *c, time_t *open_outage,
    bool *alerted, time_t *last_time)
{
	struct recover_ctx r = {c, open_outage, alerted, last_time};

	for (size_t i = 0; i < c->ntargets; i++) {
		open_outage[i] = 0;
		alerted[i] = false;
	}
	*last_time = 0;
	return journal_read(state_dir, recover_cb, recover_warn_cb, &r) < 0 ? -1 : 0;
}
