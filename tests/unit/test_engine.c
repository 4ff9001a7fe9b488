/*
 * test_engine.c - the engine with injected times and an injected calendar:
 * classification of seconds into steps, outages across window boundaries,
 * the alert deadline, restarts.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"
#include "log.h"

#define T0 1772323200 /* 2026-03-01T00:00:00Z */
#define MAXSTEPS 4096
#define MAXW 8

struct fixture {
	struct conf conf;
	struct conf_target target;
	time_t ws[MAXW], we[MAXW]; /* maintenance intervals, sorted, disjoint */
	int nw;
	struct engine_step steps[MAXSTEPS];
	int nsteps;
	struct engine_notice notices[16];
	int nnotices;
	struct engine *e;
};

static long
overlap(void *arg, size_t i, time_t a, time_t b)
{
	struct fixture *f = arg;
	long s = 0;

	(void)i;
	for (int k = 0; k < f->nw; k++) {
		time_t x = a > f->ws[k] ? a : f->ws[k];
		time_t y = b < f->we[k] ? b : f->we[k];
		if (y > x)
			s += (long)(y - x);
	}
	return s;
}

static int
next(void *arg, size_t i, time_t t, time_t *s, time_t *e)
{
	struct fixture *f = arg;

	(void)i;
	for (int k = 0; k < f->nw; k++)
		if (f->we[k] > t) {
			*s = f->ws[k];
			*e = f->we[k];
			return 0;
		}
	return -1;
}

static int
step_cb(void *arg, const struct conf_target *t, const struct engine_step *s)
{
	struct fixture *f = arg;

	(void)t;
	assert_true(f->nsteps < MAXSTEPS);
	if (f->nsteps > 0)
		assert_int_equal(s->end, f->steps[f->nsteps - 1].end + 60);
	assert_int_equal(s->up_s + s->down_s + s->maint_s + s->unknown_s, 60);
	assert_true(
	    s->up_s >= 0 && s->down_s >= 0 && s->maint_s >= 0 && s->unknown_s >= 0);
	f->steps[f->nsteps++] = *s;
	return 0;
}

static void
notice_cb(void *arg, const struct engine_notice *n)
{
	struct fixture *f = arg;

	assert_true(f->nnotices < 16);
	f->notices[f->nnotices++] = *n;
}

static void
quiet_cb(void *arg, const struct conf_target *t, const char *msg)
{
	(void)arg;
	(void)t;
	(void)msg;
}

static struct fixture *
setup(int interval, int threshold, int alert_after)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	struct engine_maint m = {overlap, next, f};
	struct engine_hooks h = {step_cb, notice_cb, quiet_cb, f, NULL};

	f->target.name = (char *)"web";
	f->target.t.interval = interval;
	f->target.t.fail_threshold = threshold;
	f->target.t.alert_after = alert_after;
	f->conf.targets = &f->target;
	f->conf.ntargets = 1;
	f->e = engine_new(&f->conf, NULL, &m, &h);
	return f;
}

static void
teardown_f(struct fixture *f)
{
	engine_free(f->e);
	free(f);
}

/* Probes every `every` s from a to b (exclusive) with result ok. */
static void
probes(struct fixture *f, time_t a, time_t b, int every, bool ok)
{
	for (time_t t = a; t < b; t += every)
		engine_observe(
		    f->e, 0, t, ok, ok ? 10.0 : NAN, ok ? NULL : "HTTP status 503");
}

static void
totals(struct fixture *f, long *up, long *down, long *maint, long *unknown)
{
	*up = *down = *maint = *unknown = 0;
	for (int i = 0; i < f->nsteps; i++) {
		*up += f->steps[i].up_s;
		*down += f->steps[i].down_s;
		*maint += f->steps[i].maint_s;
		*unknown += f->steps[i].unknown_s;
	}
}

static void
test_all_up(void **unused)
{
	struct fixture *f = setup(30, 2, 1800);
	long up, down, maint, unk;

	(void)unused;
	engine_begin(f->e, 0, T0, T0, 0, false, NULL);
	probes(f, T0, T0 + 3600, 30, true);
	engine_close(f->e, T0 + 3600);
	totals(f, &up, &down, &maint, &unk);
	assert_int_equal(up, 3600);
	assert_int_equal(down + maint + unk, 0);
	assert_int_equal(f->nsteps, 60);
	assert_true(fabs(f->steps[0].latency_ms - 10.0) < 1e-9);
	teardown_f(f);
}

static void
test_short_run_is_not_an_outage(void **unused)
{
	struct fixture *f = setup(30, 3, 1800);
	long up, down, maint, unk;

	(void)unused;
	engine_begin(f->e, 0, T0, T0, 0, false, NULL);
	probes(f, T0, T0 + 600, 30, true);
	probes(f, T0 + 600, T0 + 660, 30, false); /* two failures, threshold 3 */
	probes(f, T0 + 660, T0 + 1200, 30, true);
	engine_close(f->e, T0 + 1200);
	totals(f, &up, &down, &maint, &unk);
	assert_int_equal(up, 1200);
	assert_int_equal(down, 0);
	assert_int_equal(f->nnotices, 0);
	teardown_f(f);
}

static void
test_outage_from_first_failure(void **unused)
{
	struct fixture *f = setup(30, 2, 1800);
	long up, down, maint, unk;
	struct engine_status st;

	(void)unused;
	engine_begin(f->e, 0, T0, T0, 0, false, NULL);
	probes(f, T0, T0 + 615, 15, true);	  /* last up probe at T0+600 */
	probes(f, T0 + 615, T0 + 915, 15, false); /* first failure at T0+615 */
	engine_status(f->e, 0, &st);
	assert_int_equal(st.kind, STATE_DOWN);
	assert_int_equal(st.outage_start, T0 + 615);
	probes(f, T0 + 915, T0 + 1200, 15, true); /* first success at T0+915 */
	engine_close(f->e, T0 + 1200);
	totals(f, &up, &down, &maint, &unk);
	assert_int_equal(down, 300);
	assert_int_equal(up, 900);
	/* the step holding the first failure: 15 s up, 45 s down */
	assert_int_equal(f->steps[10].up_s, 15);
	assert_int_equal(f->steps[10].down_s, 45);
	teardown_f(f);
}

static void
test_alert_at_thirty_minutes_not_at_next_probe(void **unused)
{
	struct fixture *f = setup(300, 2, 1800);

	(void)unused;
	engine_begin(f->e, 0, T0, T0, 0, false, NULL);
	engine_observe(f->e, 0, T0, false, NAN, "timeout");
	engine_observe(f->e, 0, T0 + 100, false, NAN, "timeout");
	/* due at T0+1800 whatever the probe times */
	assert_int_equal(engine_next_due(f->e), T0 + 1800);
	engine_advance(f->e, T0 + 1799);
	assert_int_equal(f->nnotices, 0);
	engine_advance(f->e, T0 + 1800);
	assert_int_equal(f->nnotices, 1);
	assert_int_equal(f->notices[0].kind, ENGINE_ALERT);
	assert_int_equal(f->notices[0].time, T0 + 1800);
	assert_int_equal(f->notices[0].unplanned_s, 1800);
	engine_advance(f->e, T0 + 5000);
	assert_int_equal(f->nnotices, 1); /* once */
	engine_observe(f->e, 0, T0 + 5100, true, 1.0, NULL);
	assert_int_equal(f->nnotices, 2);
	assert_int_equal(f->notices[1].kind, ENGINE_RECOVERY);
	assert_int_equal(f->notices[1].end, T0 + 5100);
	teardown_f(f);
}

static int
any_step_cb(void *arg, const struct conf_target *t, const struct engine_step *s)
{
	(void)arg;
	(void)t;
	assert_int_equal(s->up_s + s->down_s + s->maint_s + s->unknown_s, 60);
	return 0;
}

/* The next due is cached: it must follow outages starting, alerts firing and
 * repeating and recoveries across several targets exactly as a rescan would. */
static void
test_next_due_follows_every_target(void **unused)
{
	struct fixture *f = setup(60, 2, 1800);
	struct conf_target tg[3];
	struct engine_maint m = {overlap, next, f};
	struct engine_hooks h = {any_step_cb, notice_cb, quiet_cb, f, NULL};
	static const char *const names[3] = {"a", "b", "c"};

	(void)unused;
	engine_free(f->e);
	memset(tg, 0, sizeof(tg));
	for (int i = 0; i < 3; i++) {
		tg[i].name = (char *)names[i];
		tg[i].t.interval = 60;
		tg[i].t.fail_threshold = 1;
		tg[i].t.alert_after = 600 * (i + 1);
		tg[i].t.alert_repeat = 3600;
	}
	f->conf.targets = tg;
	f->conf.ntargets = 3;
	f->e = engine_new(&f->conf, NULL, &m, &h);
	for (size_t i = 0; i < 3; i++)
		engine_begin(f->e, i, T0, T0, 0, false, NULL);
	assert_int_equal(engine_next_due(f->e), 0);
	/* c and b fail at T0+60: due at +60+1800 and +60+1200 */
	engine_observe(f->e, 2, T0 + 60, false, NAN, "down");
	assert_int_equal(engine_next_due(f->e), T0 + 60 + 1800);
	engine_observe(f->e, 1, T0 + 60, false, NAN, "down");
	assert_int_equal(engine_next_due(f->e), T0 + 60 + 1200);
	/* a fails later but is due at the same second as b */
	engine_observe(f->e, 0, T0 + 660, false, NAN, "down");
	assert_int_equal(engine_next_due(f->e), T0 + 1260);
	/* a recovers: b still due then */
	engine_observe(f->e, 0, T0 + 720, true, 1.0, NULL);
	assert_int_equal(engine_next_due(f->e), T0 + 1260);
	/* b alerts: its repeat is an hour later, c is next */
	engine_observe(f->e, 1, T0 + 1260, false, NAN, "down");
	engine_observe(f->e, 2, T0 + 1260, false, NAN, "down");
	assert_int_equal(f->nnotices, 1);
	assert_int_equal(engine_next_due(f->e), T0 + 1860);
	engine_advance(f->e, T0 + 1860);
	assert_int_equal(f->nnotices, 2);
	assert_int_equal(engine_next_due(f->e), T0 + 1260 + 3600);
	/* b recovers: c's repeat is all that is left */
	engine_observe(f->e, 1, T0 + 1900, true, 1.0, NULL);
	assert_int_equal(engine_next_due(f->e), T0 + 1860 + 3600);
	engine_observe(f->e, 2, T0 + 1900, true, 1.0, NULL);
	assert_int_equal(engine_next_due(f->e), 0);
	engine_close(f->e, T0 + 1900);
	teardown_f(f);
}

static void
test_29_minutes_no_alert(void **unused)
{
	struct fixture *f = setup(60, 2, 1800);

	(void)unused;
	engine_begin(f->e, 0, T0, T0, 0, false, NULL);
	probes(f, T0, T0 + 29 * 60, 60, false);
	probes(f, T0 + 29 * 60, T0 + 3600, 60, true);
	engine_close(f->e, T0 + 3600);
	assert_int_equal(f->nnotices, 0);
	teardown_f(f);
}

static void
test_outage_straddling_window_end(void **unused)
{
	struct fixture *f = setup(60, 2, 1800);
	long up, down, maint, unk;

	(void)unused;
	/* announced maintenance 01:00-02:00; down from 01:30 to 03:00 */
	f->ws[0] = T0 + 3600;
	f->we[0] = T0 + 7200;
	f->nw = 1;
	engine_begin(f->e, 0, T0, T0, 0, false, NULL);
	probes(f, T0, T0 + 5400, 60, true);
	probes(f, T0 + 5400, T0 + 5520, 60, false);
	/* alert 30 min after the window's end, not after the outage's start */
	assert_int_equal(engine_next_due(f->e), T0 + 7200 + 1800);
	probes(f, T0 + 5520, T0 + 10800, 60, false);
	probes(f, T0 + 10800, T0 + 12000, 60, true);
	engine_close(f->e, T0 + 12000);
	totals(f, &up, &down, &maint, &unk);
	assert_int_equal(maint, 3600);
	assert_int_equal(down, 3600); /* 02:00-03:00 is unplanned */
	assert_int_equal(up, 12000 - 7200);
	assert_int_equal(f->nnotices, 2);
	assert_int_equal(f->notices[0].time, T0 + 9000);
	assert_int_equal(f->notices[0].unplanned_s, 1800);
	teardown_f(f);
}

static void
test_deadline_skips_several_windows(void **unused)
{
	struct fixture *f = setup(60, 2, 1800);

	(void)unused;
	f->ws[0] = T0 + 600;
	f->we[0] = T0 + 1200;
	f->ws[1] = T0 + 1500;
	f->we[1] = T0 + 2000;
	f->nw = 2;
	/* 600 unplanned, window, 300 unplanned, window, then 900 more */
	assert_int_equal(engine_alert_deadline(
			     &(struct engine_maint){overlap, next, f}, 0, T0, 1800),
	    T0 + 2000 + 900);
	/* an outage that starts inside a window counts from its end */
	assert_int_equal(engine_alert_deadline(&(struct engine_maint){overlap, next, f},
			     0, T0 + 700, 1800),
	    T0 + 1200 + 300 + (2000 - 1500) + 1500);
	teardown_f(f);
}

static void
test_gap_is_unknown_after_one_interval(void **unused)
{
	struct fixture *f = setup(60, 2, 1800);
	long up, down, maint, unk;

	(void)unused;
	engine_begin(f->e, 0, T0, T0, 0, false, NULL);
	probes(f, T0, T0 + 600, 60, true);	   /* last at T0+540 */
	probes(f, T0 + 1800, T0 + 2400, 60, true); /* gap of 1260 s > 2 x 60 */
	engine_close(f->e, T0 + 2400);
	totals(f, &up, &down, &maint, &unk);
	assert_int_equal(unk, 1800 - 600);
	assert_int_equal(up, 2400 - 1200);
	teardown_f(f);
}

static void
test_maintenance_counts_without_data(void **unused)
{
	struct fixture *f = setup(60, 2, 1800);
	long up, down, maint, unk;

	(void)unused;
	f->ws[0] = T0 + 1200;
	f->we[0] = T0 + 1800;
	f->nw = 1;
	engine_begin(f->e, 0, T0, T0, 0, false, NULL);
	probes(f, T0, T0 + 600, 60, true);
	probes(f, T0 + 2400, T0 + 3000, 60, true);
	engine_close(f->e, T0 + 3000);
	totals(f, &up, &down, &maint, &unk);
	assert_int_equal(maint, 600);
	assert_int_equal(unk, (2400 - 600) - 600);
	assert_int_equal(up, 1200);
	teardown_f(f);
}

static void
test_restart_keeps_outage_and_alert(void **unused)
{
	struct fixture *f = setup(60, 2, 1800);
	long up, down, maint, unk;

	(void)unused;
	/* an outage began at T0; the monitor restarts at T0+2400 after the alert */
	engine_begin(f->e, 0, T0 + 600, T0 + 2400, T0, true, "timeout");
	probes(f, T0 + 2400, T0 + 3000, 60, false);
	engine_advance(f->e, T0 + 3000);
	assert_int_equal(f->nnotices, 0); /* not again */
	probes(f, T0 + 3000, T0 + 3600, 60, true);
	engine_close(f->e, T0 + 3600);
	assert_int_equal(f->nnotices, 1);
	assert_int_equal(f->notices[0].kind, ENGINE_RECOVERY);
	assert_int_equal(f->notices[0].outage_start, T0);
	/* the 1800 s the monitor was away are unknown, not down */
	assert_int_equal(f->notices[0].down_s, 3000 - 1800);
	totals(f, &up, &down, &maint, &unk);
	assert_int_equal(unk, 1800);
	assert_int_equal(down, 600);
	assert_int_equal(up, 600);
	teardown_f(f);
}

/* An outage the journal has open from a time later than the row that ends
 * it (rows older than the stored data, a clock stepped back): it is closed
 * at its start, never with an end before it. */
static void
test_outage_never_ends_before_it_starts(void **unused)
{
	struct fixture *f = setup(60, 2, 1800);

	(void)unused;
	engine_begin(f->e, 0, T0 + 7200, T0, T0 + 3600, true, "timeout");
	probes(f, T0, T0 + 600, 60, true);
	engine_close(f->e, T0 + 600);
	assert_int_equal(f->nnotices, 1);
	assert_int_equal(f->notices[0].kind, ENGINE_RECOVERY);
	assert_int_equal(f->notices[0].outage_start, T0 + 3600);
	assert_true(f->notices[0].end >= f->notices[0].outage_start);
	assert_int_equal(f->notices[0].down_s, 0);
	assert_int_equal(f->notices[0].unplanned_s, 0);
	teardown_f(f);
}

static void
test_restart_before_alert_alerts_once_when_still_down(void **unused)
{
	struct fixture *f = setup(60, 2, 1800);

	(void)unused;
	engine_begin(f->e, 0, T0 + 600, T0 + 2400, T0, false, "timeout");
	/* the deadline passed while stopped: alert at the first probe that
	 * fails (the time away is unknown in the records, but it is real
	 * time of an outage nobody saw end) */
	engine_advance(f->e, T0 + 2400);
	assert_int_equal(f->nnotices, 0);
	probes(f, T0 + 2400, T0 + 2520, 60, false);
	assert_int_equal(f->nnotices, 1);
	assert_int_equal(f->notices[0].kind, ENGINE_ALERT);
	assert_int_equal(f->notices[0].outage_start, T0);
	teardown_f(f);
}

/*
 * The wall clock jumps two hours forward ten seconds into an outage: the
 * two hours are unknown, the alert (alert_after 60) does not fire at once
 * but after 60 s of the outage seen, and an end 32 s of probing later is a
 * 32 s outage, not one of two hours.
 */
static void
test_clock_jump_is_unknown_and_moves_the_deadline(void **unused)
{
	struct fixture *f = setup(1, 2, 60);
	time_t j = T0 + 20, J = 7200;
	long up, down, maint, unk;

	(void)unused;
	engine_begin(f->e, 0, T0, T0, 0, false, NULL);
	probes(f, T0, T0 + 10, 1, true);
	probes(f, T0 + 10, j, 1, false); /* down from T0+10 */
	assert_int_equal(engine_next_due(f->e), T0 + 70);
	engine_clock_jump(f->e, j, j + J);
	assert_int_equal(engine_next_due(f->e), T0 + 70 + J);
	probes(f, j + J, j + J + 12, 1, false);
	engine_advance(f->e, j + J + 12);
	assert_int_equal(f->nnotices, 0);
	probes(f, j + J + 12, j + J + 22, 1, true); /* up after 10 + 12 s */
	assert_int_equal(f->nnotices, 0);
	engine_close(f->e, j + J + 22);
	totals(f, &up, &down, &maint, &unk);
	assert_int_equal(down, 22);
	assert_true(unk >= J);

	/* the same, lasting: the alert after 60 s seen, with 60 s unplanned */
	teardown_f(f);
	f = setup(1, 2, 60);
	engine_begin(f->e, 0, T0, T0, 0, false, NULL);
	probes(f, T0, T0 + 10, 1, true);
	probes(f, T0 + 10, j, 1, false);
	engine_clock_jump(f->e, j, j + J);
	probes(f, j + J, j + J + 60, 1, false);
	assert_int_equal(f->nnotices, 1);
	assert_int_equal(f->notices[0].kind, ENGINE_ALERT);
	assert_int_equal(f->notices[0].time, T0 + 70 + J);
	assert_int_equal(f->notices[0].unplanned_s, 60);
	teardown_f(f);
}

static void
test_alert_waits_for_the_probe_in_flight(void **unused)
{
	struct fixture *f = setup(300, 2, 1800);

	(void)unused;
	f->target.t.timeout = 10;
	engine_begin(f->e, 0, T0, T0, 0, false, NULL);
	engine_observe(f->e, 0, T0, false, NAN, "timeout");
	engine_observe(f->e, 0, T0 + 100, false, NAN, "timeout");
	/* a probe started 2 s before the deadline is still running at it */
	engine_probe_started(f->e, 0, T0 + 1798);
	engine_advance(f->e, T0 + 1800);
	assert_int_equal(f->nnotices, 0);
	/* it was the recovery: the outage lasted 1798 s, nobody is paged */
	engine_observe(f->e, 0, T0 + 1798, true, 5.0, NULL);
	engine_advance(f->e, T0 + 1805);
	assert_int_equal(f->nnotices, 0);
	teardown_f(f);
}

static void
test_alert_after_the_probe_in_flight_fails(void **unused)
{
	struct fixture *f = setup(300, 2, 1800);

	(void)unused;
	f->target.t.timeout = 10;
	engine_begin(f->e, 0, T0, T0, 0, false, NULL);
	engine_observe(f->e, 0, T0, false, NAN, "timeout");
	engine_observe(f->e, 0, T0 + 100, false, NAN, "timeout");
	engine_probe_started(f->e, 0, T0 + 1798);
	engine_advance(f->e, T0 + 1800);
	assert_int_equal(f->nnotices, 0);
	engine_observe(f->e, 0, T0 + 1798, false, NAN, "timeout");
	engine_advance(f->e, T0 + 1808);
	assert_int_equal(f->nnotices, 1);
	assert_int_equal(f->notices[0].kind, ENGINE_ALERT);
	/* the alert is still the deadline's: 1800 s unplanned */
	assert_int_equal(f->notices[0].time, T0 + 1800);
	assert_int_equal(f->notices[0].unplanned_s, 1800);
	teardown_f(f);
}

static void
test_alert_waits_no_longer_than_a_probe_may_take(void **unused)
{
	struct fixture *f = setup(300, 2, 1800);

	(void)unused;
	f->target.t.timeout = 10;
	engine_begin(f->e, 0, T0, T0, 0, false, NULL);
	engine_observe(f->e, 0, T0, false, NAN, "timeout");
	engine_observe(f->e, 0, T0 + 100, false, NAN, "timeout");
	/* the run never reports (abandoned by a reload, say) */
	engine_probe_started(f->e, 0, T0 + 1798);
	engine_advance(f->e, T0 + 1808);
	assert_int_equal(f->nnotices, 0);
	engine_advance(f->e, T0 + 1809);
	assert_int_equal(f->nnotices, 1);
	/* a probe started after the deadline does not hold it */
	teardown_f(f);
	f = setup(300, 2, 1800);
	f->target.t.timeout = 10;
	engine_begin(f->e, 0, T0, T0, 0, false, NULL);
	engine_observe(f->e, 0, T0, false, NAN, "timeout");
	engine_observe(f->e, 0, T0 + 100, false, NAN, "timeout");
	engine_probe_started(f->e, 0, T0 + 1800);
	engine_advance(f->e, T0 + 1800);
	assert_int_equal(f->nnotices, 1);
	teardown_f(f);
}

/* Monitor faults (issue 20): unknown seconds, no outage, no alert. */
static void
test_monitor_fault_opens_nothing(void **unused)
{
	struct fixture *f = setup(10, 1, 60);
	int up = 0, down = 0, unknown = 0;
	struct engine_status st;

	(void)unused;
	engine_begin(f->e, 0, T0, T0, 0, false, NULL);
	probes(f, T0, T0 + 60, 10, true);
	for (time_t t = T0 + 60; t < T0 + 600; t += 10)
		engine_observe_fault(
		    f->e, 0, t, "cannot open a socket: Too many open files");
	engine_status(f->e, 0, &st);
	assert_true(st.blind);
	assert_int_equal(st.faults, 54);
	assert_int_equal(st.kind, STATE_UNKNOWN);
	assert_int_equal(st.outages, 0);
	probes(f, T0 + 600, T0 + 660, 10, true);
	engine_close(f->e, T0 + 660);
	for (int i = 0; i < f->nsteps; i++) {
		up += f->steps[i].up_s;
		down += f->steps[i].down_s;
		unknown += f->steps[i].unknown_s;
	}
	assert_int_equal(down, 0);
	assert_int_equal(unknown, 540);
	assert_int_equal(up, 120);
	assert_int_equal(f->nnotices, 0);
	teardown_f(f);
}

/* An alert that falls due while the monitor is blind waits for a real
 * failure; a success after it ends the outage without paging anyone. */
static void
test_monitor_fault_holds_alert(void **unused)
{
	struct fixture *f = setup(10, 1, 60);

	(void)unused;
	engine_begin(f->e, 0, T0, T0, 0, false, NULL);
	engine_observe(f->e, 0, T0, false, NAN, "timeout");
	assert_int_equal(engine_next_due(f->e), T0 + 60);
	engine_observe_fault(
	    f->e, 0, T0 + 10, "cannot open a socket: Too many open files");
	engine_advance(f->e, T0 + 100);
	assert_int_equal(f->nnotices, 0);
	engine_observe(f->e, 0, T0 + 110, true, 1.0, NULL);
	assert_int_equal(f->nnotices, 0); /* no alert, and so no recovery */
	/* the same, still failing after the blind stretch: the alert goes out */
	engine_observe(f->e, 0, T0 + 200, false, NAN, "timeout");
	engine_observe_fault(
	    f->e, 0, T0 + 210, "cannot open a socket: Too many open files");
	engine_advance(f->e, T0 + 300);
	assert_int_equal(f->nnotices, 0);
	engine_observe(f->e, 0, T0 + 310, false, NAN, "timeout");
	assert_int_equal(f->nnotices, 1);
	assert_int_equal(f->notices[0].kind, ENGINE_ALERT);
	teardown_f(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_all_up),
	    cmocka_unit_test(test_short_run_is_not_an_outage),
	    cmocka_unit_test(test_outage_from_first_failure),
	    cmocka_unit_test(test_alert_at_thirty_minutes_not_at_next_probe),
	    cmocka_unit_test(test_29_minutes_no_alert),
	    cmocka_unit_test(test_alert_waits_for_the_probe_in_flight),
	    cmocka_unit_test(test_clock_jump_is_unknown_and_moves_the_deadline),
	    cmocka_unit_test(test_alert_after_the_probe_in_flight_fails),
	    cmocka_unit_test(test_alert_waits_no_longer_than_a_probe_may_take),
	    cmocka_unit_test(test_outage_straddling_window_end),
	    cmocka_unit_test(test_deadline_skips_several_windows),
	    cmocka_unit_test(test_next_due_follows_every_target),
	    cmocka_unit_test(test_gap_is_unknown_after_one_interval),
	    cmocka_unit_test(test_maintenance_counts_without_data),
	    cmocka_unit_test(test_restart_keeps_outage_and_alert),
	    cmocka_unit_test(test_outage_never_ends_before_it_starts),
	    cmocka_unit_test(test_restart_before_alert_alerts_once_when_still_down),
	    cmocka_unit_test(test_monitor_fault_opens_nothing),
	    cmocka_unit_test(test_monitor_fault_holds_alert),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
