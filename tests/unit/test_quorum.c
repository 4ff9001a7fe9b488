/* test_quorum.c - the per-second quorum rule of design.md section 9
 * (monitor/quorum.c) with injected times: offsets between locations, gaps,
 * silent locations and fail_threshold per location. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "quorum.h"

#define T0 1774742400 /* 2026-03-29T00:00:00Z, the Oslo DST night */

struct rec {
	struct state_span s[256];
	int n;
	int starts, ends;
	time_t start_at[8], end_at[8], learned[8];
};

static void
span_cb(void *arg, const struct state_span *sp)
{
	struct rec *r = arg;

	assert_true(r->n < 256);
	if (r->n > 0)
		assert_int_equal(r->s[r->n - 1].end, sp->start); /* contiguous */
	assert_true(sp->end > sp->start);
	r->s[r->n++] = *sp;
}

static void
change_cb(void *arg, enum state_change ch, time_t at, time_t now)
{
	struct rec *r = arg;

	assert_true(at <= now);
	if (ch == STATE_OUTAGE_START) {
		r->learned[r->starts] = now;
		r->start_at[r->starts++] = at;
	} else
		r->end_at[r->ends++] = at;
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

/* The kind of one second in what was emitted. */
static enum state_kind
kind_at(const struct rec *r, time_t t)
{
	for (int i = 0; i < r->n; i++)
		if (r->s[i].start <= t && t < r->s[i].end)
			return r->s[i].kind;
	fail_msg("second %lld not emitted", (long long)(t - T0));
	return STATE_UNKNOWN;
}

/* Every location probes every 10 s at T0 + off[loc] + 10k; down[loc] says
 * which probe indices fail; results arrive in time order. */
struct plan {
	int off[3];
	int fail_from[3], fail_to[3]; /* probe index range that fails, [from, to) */
	int silent_from[3], silent_to[3];
};

static void
drive(struct quorum *q, const struct plan *p, int nprobes, time_t end)
{
	for (int k = 0; k < nprobes; k++)
		for (int sec = 0; sec < 10; sec++)
			for (int l = 0; l < q->nloc; l++) {
				time_t t = T0 + 10 * k + sec;

				if (p->off[l] != sec)
					continue;
				if (k >= p->silent_from[l] && k < p->silent_to[l])
					continue;
				quorum_observe(q, l, t,
				    !(k >= p->fail_from[l] && k < p->fail_to[l]), t);
			}
	quorum_close(q, end);
}

static void
test_rule(void **unused)
{
	(void)unused;
	/* 3 locations, quorum 2 */
	assert_int_equal(quorum_rule(0, 0, 2), STATE_UP);
	assert_int_equal(quorum_rule(1, 0, 2), STATE_UP);
	assert_int_equal(quorum_rule(0, 1, 2), STATE_UP);
	assert_int_equal(quorum_rule(1, 1, 2), STATE_UNKNOWN);
	assert_int_equal(quorum_rule(0, 2, 2), STATE_UNKNOWN);
	assert_int_equal(quorum_rule(2, 0, 2), STATE_DOWN);
	assert_int_equal(quorum_rule(2, 1, 2), STATE_DOWN);
	/* quorum 1: any location down is down; any unknown makes it unknown */
	assert_int_equal(quorum_rule(1, 0, 1), STATE_DOWN);
	assert_int_equal(quorum_rule(0, 1, 1), STATE_UNKNOWN);
	/* quorum 3 of 3: up while any location is up */
	assert_int_equal(quorum_rule(2, 0, 3), STATE_UP);
	assert_int_equal(quorum_rule(2, 1, 3), STATE_UNKNOWN);
}

static void
test_one_location_alone_is_no_outage(void **unused)
{
	struct quorum q;
	struct rec r = {0};
	struct plan p = {
	    .off = {0, 3, 6}, .fail_from = {10, 0, 0}, .fail_to = {40, 0, 0}};

	(void)unused;
	quorum_init(&q, 3, 2, 10, 2, 60, T0, span_cb, change_cb, &r);
	drive(&q, &p, 60, T0 + 600);
	assert_int_equal(r.starts, 0);
	assert_int_equal(sum(&r, STATE_DOWN), 0);
	assert_int_equal(sum(&r, STATE_UP) + sum(&r, STATE_UNKNOWN), 600);
	/* before the first probe of every location nothing is known */
	assert_int_equal(sum(&r, STATE_UNKNOWN), 3);
	assert_true(quorum_loc_down(&q, 0) == false); /* it recovered */
	quorum_free(&q);
}

static void
test_two_locations_backdated_to_quorum(void **unused)
{
	struct quorum q;
	struct rec r = {0};
	/* osl fails from probe 10 (T0+100), fra from probe 12 (T0+123);
	 * fra recovers at probe 30 (T0+303), osl at 40 */
	struct plan p = {
	    .off = {0, 3, 6}, .fail_from = {10, 12, 0}, .fail_to = {40, 30, 0}};

	(void)unused;
	quorum_init(&q, 3, 2, 10, 2, 60, T0, span_cb, change_cb, &r);
	drive(&q, &p, 60, T0 + 600);
	assert_int_equal(r.starts, 1);
	assert_int_equal(r.ends, 1);
	/* the quorum's first down second: fra's first failure */
	assert_int_equal(r.start_at[0], T0 + 123);
	/* learned once fra confirmed it (its second failure) and every location
	 * had settled that far, never before */
	assert_true(r.learned[0] >= T0 + 133);
	assert_true(r.learned[0] <= T0 + 133 + 10);
	assert_int_equal(r.end_at[0], T0 + 303);
	assert_int_equal(sum(&r, STATE_DOWN), 303 - 123);
	assert_int_equal(kind_at(&r, T0 + 122), STATE_UP);
	assert_int_equal(kind_at(&r, T0 + 123), STATE_DOWN);
	assert_int_equal(kind_at(&r, T0 + 302), STATE_DOWN);
	assert_int_equal(kind_at(&r, T0 + 303), STATE_UP);
	quorum_free(&q);
}

static void
test_threshold_per_location(void **unused)
{
	struct quorum q;
	struct rec r = {0};
	/* two locations each fail twice, interleaved but never twice in a row
	 * enough for fail_threshold 3: no location is down, so nothing is */
	struct plan p = {
	    .off = {0, 5, 0}, .fail_from = {10, 10, 0}, .fail_to = {12, 12, 0}};

	(void)unused;
	quorum_init(&q, 2, 2, 10, 3, 60, T0, span_cb, change_cb, &r);
	drive(&q, &p, 30, T0 + 300);
	assert_int_equal(r.starts, 0);
	assert_int_equal(sum(&r, STATE_DOWN), 0);
	quorum_free(&q);

	/* with fail_threshold 2 the same failures are an outage of both */
	memset(&r, 0, sizeof(r));
	quorum_init(&q, 2, 2, 10, 2, 60, T0, span_cb, change_cb, &r);
	drive(&q, &p, 30, T0 + 300);
	assert_int_equal(r.starts, 1);
	assert_int_equal(r.start_at[0], T0 + 105);
	assert_int_equal(r.end_at[0], T0 + 120);
	assert_int_equal(sum(&r, STATE_DOWN), 15);
	quorum_free(&q);
}

static void
test_silent_location_is_unknown_not_down(void **unused)
{
	struct quorum q;
	struct rec r = {0};
	/* ams silent for probes 10..70 (10 minutes); osl and fra up: the
	 * combined target stays up (one unknown is fewer than quorum 2) */
	struct plan p = {
	    .off = {0, 3, 6}, .silent_from = {0, 0, 10}, .silent_to = {0, 0, 70}};

	(void)unused;
	quorum_init(&q, 3, 2, 10, 2, 60, T0, span_cb, change_cb, &r);
	drive(&q, &p, 100, T0 + 1000);
	assert_int_equal(r.starts, 0);
	assert_int_equal(sum(&r, STATE_DOWN), 0);
	assert_int_equal(sum(&r, STATE_UNKNOWN), 3);
	quorum_free(&q);

	/* ams silent and osl down: one down, one unknown: unknown, not down */
	memset(&r, 0, sizeof(r));
	p.fail_from[0] = 20;
	p.fail_to[0] = 40;
	quorum_init(&q, 3, 2, 10, 2, 60, T0, span_cb, change_cb, &r);
	drive(&q, &p, 100, T0 + 1000);
	assert_int_equal(r.starts, 0);
	assert_int_equal(sum(&r, STATE_DOWN), 0);
	/* osl down [200, 400); ams unknown from 96 + 10 to its return at 706 */
	assert_int_equal(kind_at(&r, T0 + 199), STATE_UP);
	assert_int_equal(kind_at(&r, T0 + 200), STATE_UNKNOWN);
	assert_int_equal(kind_at(&r, T0 + 399), STATE_UNKNOWN);
	assert_int_equal(kind_at(&r, T0 + 400), STATE_UP);
	assert_int_equal(sum(&r, STATE_UNKNOWN), 3 + 200);
	quorum_free(&q);
}

static void
test_unknown_inside_outage_keeps_it_open(void **unused)
{
	struct quorum q;
	struct rec r = {0};
	/* osl and fra down from probe 10 to 50; fra silent 20..30: the
	 * outage is down, unknown, down, and stays one outage */
	struct plan p = {.off = {0, 3, 6},
	    .fail_from = {10, 10, 0},
	    .fail_to = {50, 50, 0},
	    .silent_from = {0, 20, 0},
	    .silent_to = {0, 30, 0}};

	(void)unused;
	quorum_init(&q, 3, 2, 10, 2, 60, T0, span_cb, change_cb, &r);
	drive(&q, &p, 80, T0 + 800);
	assert_int_equal(r.starts, 1);
	assert_int_equal(r.ends, 1);
	assert_int_equal(r.start_at[0], T0 + 103);
	assert_int_equal(r.end_at[0], T0 + 500);
	/* fra's last probe before silence at 193 holds to 203, unknown to 303 */
	assert_int_equal(kind_at(&r, T0 + 202), STATE_DOWN);
	assert_int_equal(kind_at(&r, T0 + 203), STATE_UNKNOWN);
	assert_int_equal(kind_at(&r, T0 + 302), STATE_UNKNOWN);
	assert_int_equal(kind_at(&r, T0 + 303), STATE_DOWN);
	assert_int_equal(sum(&r, STATE_DOWN), 500 - 103 - 100);
	quorum_free(&q);
}

static void
test_suspect_silent_location_is_not_waited_for_forever(void **unused)
{
	struct quorum q;
	struct rec r = {0};

	(void)unused;
	quorum_init(&q, 2, 1, 10, 3, 60, T0, span_cb, change_cb, &r);
	quorum_observe(&q, 0, T0, true, T0);
	quorum_observe(&q, 1, T0, true, T0);
	/* location 1 fails once, then goes silent: unconfirmed forever */
	quorum_observe(&q, 1, T0 + 10, false, T0 + 10);
	for (time_t t = T0 + 20; t <= T0 + 300; t += 10)
		quorum_observe(&q, 0, t, true, t);
	/* combined time moved on past the hold, not stuck at T0 + 10 */
	assert_true(q.done >= T0 + 300 - 60);
	assert_int_equal(kind_at(&r, T0 + 5), STATE_UP);
	assert_int_equal(kind_at(&r, T0 + 100), STATE_UNKNOWN);
	quorum_free(&q);
}

static void
test_resume_keeps_outage(void **unused)
{
	struct quorum q;
	struct rec r = {0};

	(void)unused;
	quorum_init(&q, 3, 2, 10, 2, 60, T0 + 600, span_cb, change_cb, &r);
	/* the monitor stopped at T0+600 during an outage begun at T0+100 */
	quorum_resume(&q, T0 + 100, T0 + 600, T0 + 900);
	assert_int_equal(sum(&r, STATE_UNKNOWN), 300);
	/* the first failures after the restart continue it: no new start */
	quorum_observe(&q, 0, T0 + 900, false, T0 + 900);
	quorum_observe(&q, 1, T0 + 901, false, T0 + 901);
	quorum_observe(&q, 2, T0 + 902, true, T0 + 902);
	quorum_observe(&q, 0, T0 + 910, true, T0 + 910);
	quorum_observe(&q, 1, T0 + 911, true, T0 + 911);
	quorum_observe(&q, 2, T0 + 912, true, T0 + 912);
	quorum_close(&q, T0 + 920);
	assert_int_equal(r.starts, 0);
	assert_int_equal(r.ends, 1);
	assert_int_equal(r.end_at[0], T0 + 910);
	assert_int_equal(kind_at(&r, T0 + 905), STATE_DOWN);
	quorum_free(&q);
}

static void
test_resume_ignores_what_came_before_the_outage(void **unused)
{
	struct quorum q;
	struct rec r = {0};

	(void)unused;
	/* stored data ends at T0+60; the outage the journal has open began at
	 * T0+100; results from before it are delivered again after a restart */
	quorum_init(&q, 2, 1, 10, 2, 60, T0 + 60, span_cb, change_cb, &r);
	quorum_resume(&q, T0 + 100, T0 + 60, T0 + 60);
	quorum_observe(&q, 0, T0 + 70, true, T0 + 70);
	quorum_observe(&q, 1, T0 + 70, true, T0 + 70);
	quorum_observe(&q, 0, T0 + 100, false, T0 + 100);
	quorum_observe(&q, 1, T0 + 100, false, T0 + 100);
	quorum_observe(&q, 0, T0 + 110, false, T0 + 110);
	quorum_observe(&q, 1, T0 + 110, false, T0 + 110);
	quorum_observe(&q, 0, T0 + 120, true, T0 + 120);
	quorum_observe(&q, 1, T0 + 120, true, T0 + 120);
	quorum_close(&q, T0 + 130);
	/* the successes before T0+100 did not end it: it ends once, after */
	assert_int_equal(r.ends, 1);
	assert_int_equal(r.end_at[0], T0 + 120);
	assert_int_equal(r.starts, 0);
	quorum_free(&q);
}

static void
test_suspect_needs_a_quorum_failing(void **unused)
{
	struct quorum q;
	struct rec r = {0};

	(void)unused;
	quorum_init(&q, 3, 2, 10, 3, 60, T0, span_cb, change_cb, &r);
	for (int l = 0; l < 3; l++)
		quorum_observe(&q, l, T0 + l, true, T0 + l);
	quorum_observe(&q, 0, T0 + 10, false, T0 + 10);
	assert_false(quorum_suspect(&q)); /* one location alone */
	quorum_observe(&q, 1, T0 + 11, false, T0 + 11);
	assert_true(quorum_suspect(&q)); /* two of three: it may be confirmed */
	quorum_observe(&q, 0, T0 + 20, true, T0 + 20);
	assert_false(quorum_suspect(&q));
	quorum_free(&q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rule),
	    cmocka_unit_test(test_one_location_alone_is_no_outage),
	    cmocka_unit_test(test_two_locations_backdated_to_quorum),
	    cmocka_unit_test(test_threshold_per_location),
	    cmocka_unit_test(test_silent_location_is_unknown_not_down),
	    cmocka_unit_test(test_unknown_inside_outage_keeps_it_open),
	    cmocka_unit_test(test_suspect_silent_location_is_not_waited_for_forever),
	    cmocka_unit_test(test_resume_keeps_outage),
	    cmocka_unit_test(test_suspect_needs_a_quorum_failing),
	    cmocka_unit_test(test_resume_ignores_what_came_before_the_outage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
