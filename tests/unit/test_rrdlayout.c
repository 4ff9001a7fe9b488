/* test_rrdlayout.c - the RRA layout is a pure function of step, zone granularity, spans, xff. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rrdlayout.h"

static void
test_whole_hour_zone(void **state)
{
	struct rrdlayout_params p;
	struct rrdlayout_rra r[RRDLAYOUT_MAX];
	char buf[64];
	long bytes = 0;
	int n, i;

	(void)state;
	rrdlayout_defaults(&p, 3600);
	n = rrdlayout_make(&p, r);
	assert_int_equal(n, 5);
	assert_string_equal(r[0].cf, "AVERAGE");
	assert_int_equal(r[0].steps, 1);
	assert_int_equal(r[0].rows, 2880);
	assert_string_equal(r[1].cf, "AVERAGE");
	assert_int_equal(r[1].steps, 60);
	assert_int_equal(r[1].rows, 87672); /* ten years: every month exact */
	assert_string_equal(r[2].cf, "MAX");
	assert_int_equal(r[2].steps, 60);
	assert_int_equal(r[2].rows, 9600);
	assert_string_equal(r[3].cf, "AVERAGE");
	assert_int_equal(r[3].steps, 1440);
	assert_int_equal(r[3].rows, 3653);
	assert_string_equal(r[4].cf, "MAX");
	assert_int_equal(r[4].rows, 3653);
	rrdlayout_format(&r[2], p.xff, buf, sizeof(buf));
	assert_string_equal(buf, "RRA:MAX:0.99:60:9600");
	/* about 3.4 MB a target (README): 4 data sources of 8 bytes a row */
	for (i = 0; i < n; i++)
		bytes += r[i].rows * 4 * 8;
	assert_true(bytes > 3400000 && bytes < 3500000);
}

/* every month boundary of a zone at +5:30 or +5:45 falls on a row boundary
 * of an archive holding the whole retention (ten years) */
static void
check_aligned(long offset, long want_g)
{
	struct rrdlayout_params p;
	struct rrdlayout_rra r[RRDLAYOUT_MAX];
	long g = rrdlayout_granularity(&offset, 1), midnight;
	int n, i, found = 0;

	assert_int_equal(g, want_g);
	rrdlayout_defaults(&p, g);
	n = rrdlayout_make(&p, r);
	assert_int_equal(n, want_g == 3600 ? 5 : 6);
	/* local midnight 2026-03-01 in UTC = 1772323200 - offset */
	midnight = 1772323200L - offset;
	for (i = 0; i < n; i++) {
		long len = r[i].steps * p.step;

		if (strcmp(r[i].cf, "AVERAGE") == 0 && midnight % len == 0 &&
		    r[i].rows * len >= 3653 * 86400L)
			found = 1;
	}
	assert_true(found);
	/* the finest archive after the 1-step one is at the granularity */
	assert_int_equal(r[1].steps * p.step, want_g);
	assert_string_equal(r[1].cf, "AVERAGE");
	assert_int_equal(r[1].rows, 3653 * 86400L / want_g);
	/* the hourly ones stay at 400 days (graphs, design.md 5) */
	assert_int_equal(r[want_g == 3600 ? 2 : 3].rows, 9600);
}

static void
test_fractional_zones(void **state)
{
	(void)state;
	check_aligned(5 * 3600 + 1800, 1800);  /* Asia/Kolkata */
	check_aligned(5 * 3600 + 2700, 900);   /* Asia/Kathmandu */
	check_aligned(9 * 3600 + 1800, 1800);  /* Australia/Adelaide, winter */
	check_aligned(10 * 3600 + 1800, 1800); /* Australia/Adelaide, summer */
	check_aligned(-3 * 3600 - 1800, 1800); /* America/St_Johns */
	check_aligned(3600, 3600);
	check_aligned(0, 3600);
}

static void
test_granularity_of_several_offsets(void **state)
{
	long adelaide[] = {34200, 37800};
	long oslo[] = {3600, 7200};
	long lord_howe[] = {37800, 39600}; /* +10:30 and +11: DST of 30 min */
	long lmt[] = {3600, 2 * 3600 + 1};

	(void)state;
	assert_int_equal(rrdlayout_granularity(adelaide, 2), 1800);
	assert_int_equal(rrdlayout_granularity(oslo, 2), 3600);
	assert_int_equal(rrdlayout_granularity(lord_howe, 2), 1800);
	assert_int_equal(rrdlayout_granularity(lmt, 2), 1);
	assert_int_equal(rrdlayout_granularity(NULL, 0), 3600);
}

static void
test_rejects_inconsistent(void **state)
{
	struct rrdlayout_params p;
	struct rrdlayout_rra r[RRDLAYOUT_MAX];

	(void)state;
	rrdlayout_defaults(&p, 1); /* an LMT offset: no step-aligned archive */
	assert_int_equal(rrdlayout_make(&p, r), -1);
	rrdlayout_defaults(&p, 1200 + 60); /* not a divisor of an hour */
	assert_int_equal(rrdlayout_make(&p, r), -1);
	rrdlayout_defaults(&p, 3600);
	p.xff = 1.0;
	assert_int_equal(rrdlayout_make(&p, r), -1);
	rrdlayout_defaults(&p, 3600);
	p.step = 7;
	assert_int_equal(rrdlayout_make(&p, r), -1);
	rrdlayout_defaults(&p, 900);
	p.step = 300; /* 5-minute steps: 15-minute rows are 3 steps */
	assert_int_equal(rrdlayout_make(&p, r), 6);
	assert_int_equal(r[0].rows, 2 * 86400 / 300);
	assert_int_equal(r[1].steps, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_whole_hour_zone),
	    cmocka_unit_test(test_fractional_zones),
	    cmocka_unit_test(test_granularity_of_several_offsets),
	    cmocka_unit_test(test_rejects_inconsistent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
