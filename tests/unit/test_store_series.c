/*
 * test_store_series.c - the status page's graph data (store_series): a
 * day of minute rows read back in buckets (the mean latency of the rows
 * that have one, the seconds of downtime and maintenance summed), a week
 * read from the hourly rows, and a target without a file.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <rrd.h>

#include "store.h"
#include "storetest.h"

/* 2026-02-01 00:00 UTC */
#define FEB 1769904000L

static int
setup(void **state)
{
	*state = fixture_new();
	return 0;
}

static int
teardown(void **state)
{
	fixture_free(*state);
	return 0;
}

/*
 * Eight days of minute rows: latency 10 ms in even hours and 30 ms in odd
 * ones; on the last day 10:00-10:30 down (no latency) and 12:00-13:00 in
 * maintenance.
 */
static time_t
write_days(struct store *s)
{
	time_t start = FEB, end = FEB + 8 * 86400L, last = end - 86400L;

	assert_int_equal(store_ensure(s, "web", start + 60), 0);
	for (time_t t = start + 60; t <= end; t += 60) {
		time_t step = t - 60; /* the step [t - 60, t) */
		bool down = step >= last + 10 * 3600 && step < last + 10 * 3600 + 1800;
		bool maint = step >= last + 12 * 3600 && step < last + 13 * 3600;
		double lat = (step / 3600) % 2 ? 30 : 10;

		assert_int_equal(store_update(s, "web", t, down || maint ? 0 : 60,
				     down ? 60 : 0, maint ? 60 : 0, down ? NAN : lat),
		    0);
	}
	return end;
}

static void
test_day_in_buckets(void **state)
{
	struct fixture *f = *state;
	struct store *s = fixture_store(f, NULL, 3600);
	time_t end = write_days(s), from = end - 86400L;
	struct store_point p[24];

	/* 24 buckets of an hour from minute rows */
	assert_int_equal(store_series(s, "web", from, end, 24, p), 0);
	for (int h = 0; h < 24; h++) {
		if (h == 10) {
			/* half the hour down: the mean of the other half */
			assert_true(fabs(p[h].latency_ms - 10) < 1e-9);
			assert_true(fabs(p[h].down_s - 1800) < 1e-6);
		} else
			assert_true(fabs(p[h].latency_ms - (h % 2 ? 30 : 10)) < 1e-9);
		assert_true(fabs(p[h].maint_s - (h == 12 ? 3600 : 0)) < 1e-6);
		if (h != 10)
			assert_true(p[h].down_s == 0);
	}
}

static void
test_week_from_hourly_rows(void **state)
{
	struct fixture *f = *state;
	struct store *s = fixture_store(f, NULL, 3600);
	time_t end = write_days(s), from = end - 7 * 86400L;
	struct store_point p[84]; /* two hours a bucket */
	double down = 0, maint = 0;

	assert_int_equal(store_series(s, "web", from, end, 84, p), 0);
	for (int b = 0; b < 84; b++) {
		/*
		 * an even and an odd hour: 20 ms, also for hours 10 and 11 of
		 * the last day (the hourly row of hour 10 averages the minutes
		 * that have a latency)
		 */
		assert_true(fabs(p[b].latency_ms - 20) < 1e-6);
		down += p[b].down_s;
		maint += p[b].maint_s;
	}
	/* the seconds survive the hourly consolidation */
	assert_true(fabs(down - 1800) < 1e-6);
	assert_true(fabs(maint - 3600) < 1e-6);
}

static void
test_no_file_is_empty(void **state)
{
	struct fixture *f = *state;
	struct store *s = fixture_store(f, NULL, 3600);
	struct store_point p[4];

	assert_int_equal(store_series(s, "nothing", FEB, FEB + 3600, 4, p), 0);
	for (int b = 0; b < 4; b++)
		assert_true(
		    isnan(p[b].latency_ms) && p[b].down_s == 0 && p[b].maint_s == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_day_in_buckets, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_week_from_hourly_rows, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_file_is_empty, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
