/* test_state.c - the outage state machine (monitor/state.c) with injected times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "state.h"

struct rec {
	struct state_span s[64];
	int n;
};

static void
rec_cb(void *arg, const struct state_span *sp)
{
	struct rec *r = arg;

	assert_true(r->n < 64);
	if (r->n > 0)
		assert_int_equal(
		    r->s[r->n - 1].end, sp->start); /* contiguous, in order */
	r->s[r->n++] = *sp;
}

static time_t
sum(const struct rec *r, enum state_kind k)
{
	time_t t = 0;

	for (int i = 0; i < r->n; i++)
		if (r->s[i].kind == k)
			t += r->s[i].end - r->s[i].start;
	return t;
}

#define T0 1774742400 /* 2026-03-29T00:00:00Z, the Oslo DST night */

static void
test_short_run_is_not_outage(void **unused)
{
	struct state s;
	struct rec r = {0};

	(void)unused;
	state_init(&s, 30, 2, T0);
	assert_int_equal(state_observe(&s, T0, true, rec_cb, &r), STATE_NO_CHANGE);
	assert_int_equal(
	    state_observe(&s, T0 + 30, false, rec_cb, &r), STATE_NO_CHANGE);
	assert_true(state_suspect(&s));
	assert_int_equal(state_observe(&s, T0 + 60, true, rec_cb, &r), STATE_NO_CHANGE);
	assert_false(state_suspect(&s));
	state_close(&s, T0 + 90, rec_cb, &r);
	assert_int_equal(sum(&r, STATE_UP), 90);
	assert_int_equal(sum(&r, STATE_DOWN), 0);
	state_free(&s);
}

static void
test_outage_from_first_failure(void **unused)
{
	struct state s;
	struct rec r = {0};

	(void)unused;
	state_init(&s, 30, 3, T0);
	state_observe(&s, T0, true, rec_cb, &r);
	assert_int_equal(
	    state_observe(&s, T0 + 30, false, rec_cb, &r), STATE_NO_CHANGE);
	/* the retry interval is shorter: failures at +40 and +50 */
	assert_int_equal(
	    state_observe(&s, T0 + 40, false, rec_cb, &r), STATE_NO_CHANGE);
	assert_int_equal(sum(&r, STATE_DOWN), 0); /* still pending */
	assert_int_equal(
	    state_observe(&s, T0 + 50, false, rec_cb, &r), STATE_OUTAGE_START);
	assert_int_equal(s.outage_start, T0 + 30);
	assert_false(state_suspect(&s));
	assert_int_equal(
	    state_observe(&s, T0 + 80, true, rec_cb, &r), STATE_OUTAGE_END);
	state_close(&s, T0 + 110, rec_cb, &r);
	assert_int_equal(sum(&r, STATE_DOWN), 50);
	assert_int_equal(sum(&r, STATE_UP), 60);
	state_free(&s);
}

static void
test_gap_is_unknown(void **unused)
{
	struct state s;
	struct rec r = {0};

	(void)unused;
	state_init(&s, 30, 2, T0 - 10);
	state_observe(&s, T0, true, rec_cb, &r);
	/* more than two intervals without a probe: unknown after the first */
	state_observe(&s, T0 + 100, true, rec_cb, &r);
	state_close(&s, T0 + 130, rec_cb, &r);
	assert_int_equal(sum(&r, STATE_UNKNOWN), 10 + 70);
	assert_int_equal(sum(&r, STATE_UP), 30 + 30);
	state_free(&s);
}

static void
test_resume_continues_outage(void **unused)
{
	struct state s;
	struct rec r = {0};

	(void)unused;
	state_init(&s, 30, 2, T0);
	state_resume(&s, T0 - 600, T0, T0 + 60, rec_cb, &r);
	assert_int_equal(sum(&r, STATE_UNKNOWN), 60);
	/* a failure continues the same outage: no new start */
	assert_int_equal(
	    state_observe(&s, T0 + 60, false, rec_cb, &r), STATE_NO_CHANGE);
	assert_int_equal(s.outage_start, T0 - 600);
	assert_int_equal(
	    state_observe(&s, T0 + 90, true, rec_cb, &r), STATE_OUTAGE_END);
	assert_int_equal(sum(&r, STATE_DOWN), 30);
	state_free(&s);
}

static void
test_advance_holds_one_interval(void **unused)
{
	struct state s;
	struct rec r = {0};

	(void)unused;
	state_init(&s, 30, 2, T0);
	state_observe(&s, T0, true, rec_cb, &r);
	state_advance(&s, T0 + 45, rec_cb, &r);
	assert_int_equal(sum(&r, STATE_UP), 30);
	state_advance(&s, T0 + 61, rec_cb, &r);
	assert_int_equal(sum(&r, STATE_UP), 30);
	/* past two intervals: unknown from last + interval (design.md 7) */
	assert_int_equal(sum(&r, STATE_UNKNOWN), 31);
	state_free(&s);
}

static void
test_threshold_one(void **unused)
{
	struct state s;
	struct rec r = {0};

	(void)unused;
	state_init(&s, 10, 1, T0);
	assert_int_equal(state_observe(&s, T0, false, rec_cb, &r), STATE_OUTAGE_START);
	assert_false(state_suspect(&s));
	assert_int_equal(s.outage_start, T0);
	state_free(&s);
}

/* A monitor fault (issue 20): no verdict, its interval unknown, no outage. */
static void
test_monitor_fault_is_unknown(void **unused)
{
	struct state s;
	struct rec r = {0};

	(void)unused;
	state_init(&s, 30, 1, T0);
	state_observe(&s, T0, true, rec_cb, &r);
	state_observe_unknown(&s, T0 + 30, rec_cb, &r);
	state_observe_unknown(&s, T0 + 60, rec_cb, &r);
	assert_false(state_suspect(&s));
	state_advance(&s, T0 + 80, rec_cb, &r);
	assert_int_equal(sum(&r, STATE_UP), 30);
	assert_int_equal(sum(&r, STATE_UNKNOWN), 50);
	assert_int_equal(state_observe(&s, T0 + 90, true, rec_cb, &r), STATE_NO_CHANGE);
	state_close(&s, T0 + 120, rec_cb, &r);
	assert_int_equal(sum(&r, STATE_UP), 60);
	assert_int_equal(sum(&r, STATE_UNKNOWN), 60);
	assert_int_equal(sum(&r, STATE_DOWN), 0);
	state_free(&s);
}

/* Failures on both sides of a fault are one run; the fault stays unknown. */
static void
test_monitor_fault_inside_failure_run(void **unused)
{
	struct state s;
	struct rec r = {0};

	(void)unused;
	state_init(&s, 30, 2, T0);
	state_observe(&s, T0, true, rec_cb, &r);
	state_observe(&s, T0 + 30, false, rec_cb, &r);
	state_observe_unknown(&s, T0 + 60, rec_cb, &r);
	assert_true(state_suspect(&s));
	state_advance(&s, T0 + 200, rec_cb, &r); /* pending: nothing settles */
	assert_int_equal(
	    state_observe(&s, T0 + 90, false, rec_cb, &r), STATE_OUTAGE_START);
	assert_int_equal(s.outage_start, T0 + 30);
	assert_int_equal(sum(&r, STATE_DOWN), 30);
	assert_int_equal(sum(&r, STATE_UNKNOWN), 30);
	/* faults during the outage: unknown, and the outage stays open */
	state_observe_unknown(&s, T0 + 120, rec_cb, &r);
	assert_true(s.down);
	state_close(&s, T0 + 180, rec_cb, &r);
	assert_int_equal(sum(&r, STATE_DOWN), 60);
	assert_int_equal(sum(&r, STATE_UNKNOWN), 90);
	state_free(&s);
}

/* A fault before any probe, then failures: only real failures count. */
static void
test_monitor_fault_first(void **unused)
{
	struct state s;
	struct rec r = {0};

	(void)unused;
	state_init(&s, 10, 1, T0);
	state_observe_unknown(&s, T0 + 5, rec_cb, &r);
	assert_false(state_suspect(&s));
	state_close(&s, T0 + 40, rec_cb, &r);
	assert_int_equal(sum(&r, STATE_UNKNOWN), 40);
	assert_int_equal(sum(&r, STATE_DOWN) + sum(&r, STATE_UP), 0);
	state_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_short_run_is_not_outage),
	    cmocka_unit_test(test_outage_from_first_failure),
	    cmocka_unit_test(test_gap_is_unknown),
	    cmocka_unit_test(test_resume_continues_outage),
	    cmocka_unit_test(test_advance_holds_one_interval),
	    cmocka_unit_test(test_threshold_one),
	    cmocka_unit_test(test_monitor_fault_is_unknown),
	    cmocka_unit_test(test_monitor_fault_inside_failure_run),
	    cmocka_unit_test(test_monitor_fault_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
