/*
 * test_report.c - the pure helpers of the report (monitor/report.c): month
 * bounds in Europe/Oslo (DST months of 743 and 745 hours), a row's derived
 * figures, and durations for people.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>

#include <cmocka.h>

#include "report.h"
#include "tz.h"

static int
setup_oslo(void **state)
{
	(void)state;
	return tz_set("Europe/Oslo");
}

static void
test_month_bounds_dst(void **state)
{
	time_t s, e;
	char label[32];

	(void)state;
	/* 1 Mar 00:00 CET = 28 Feb 23:00Z; 1 Apr 00:00 CEST = 31 Mar 22:00Z */
	assert_int_equal(
	    report_month_bounds("2026-03", &s, &e, label, sizeof(label)), 0);
	assert_int_equal(s, 1772319600);
	assert_int_equal(e, 1774994400);
	assert_int_equal(e - s, 743L * 3600); /* 2674800: the hour skipped on 29 Mar */
	assert_string_equal(label, "2026-03");
	/* October: 1 Oct 00:00 CEST = 30 Sep 22:00Z to 1 Nov 00:00 CET = 31 Oct 23:00Z */
	assert_int_equal(
	    report_month_bounds("2026-10", &s, &e, label, sizeof(label)), 0);
	assert_int_equal(s, 1790805600);
	assert_int_equal(e, 1793487600);
	assert_int_equal(e - s, 745L * 3600); /* 2682000: 25 October has 25 hours */
	/* December runs into the next year */
	assert_int_equal(
	    report_month_bounds("2026-12", &s, &e, label, sizeof(label)), 0);
	assert_int_equal(s, 1796079600);
	assert_int_equal(e, 1798758000);
	assert_int_equal(e - s, 31L * 86400);
	/* February 2028 is a leap month */
	assert_int_equal(
	    report_month_bounds("2028-02", &s, &e, label, sizeof(label)), 0);
	assert_int_equal(e - s, 29L * 86400);
}

static void
test_month_bounds_bad(void **state)
{
	static const char *const bad[] = {"2026-13", "2026-00", "2026-3", "26-03",
	    "2026-03x", "2026-03-01", "", "2026/03", "1969-12", "march"};
	time_t s = 7, e = 7;
	char label[32];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(
		    report_month_bounds(bad[i], &s, &e, label, sizeof(label)), -1);
}

static void
check_duration(long secs, const char *want)
{
	char buf[64];

	assert_string_equal(report_duration(secs, buf, sizeof(buf)), want);
}

static void
test_duration(void **state)
{
	(void)state;
	check_duration(0, "0s");
	check_duration(59, "59s");
	check_duration(60, "1m 0s");
	check_duration(2169, "36m 9s");
	check_duration(-2169, "-36m 9s");
	check_duration(3600, "1h 0m");
	check_duration(4980, "1h 23m"); /* 1 h 23 min */
	check_duration(4999, "1h 23m"); /* seconds dropped beyond the minute */
	check_duration(86399, "23h 59m");
	check_duration(86400, "1d 0h");
	check_duration(2627400, "30d 9h");  /* 30 d 9 h 50 min */
	check_duration(2674800, "30d 23h"); /* March 2026 in Oslo */
}

static void
test_row_finish(void **state)
{
	struct report_row r;

	(void)state;
	/* api of the e2e March: up 2626800, down 4800, maintenance 43200 */
	memset(&r, 0, sizeof(r));
	r.slo = 99.9;
	r.up_s = 2626800;
	r.down_s = 4800;
	r.maintenance_s = 43200;
	report_row_finish(&r, 2674800);
	assert_true(r.has_data);
	assert_int_equal(r.unknown_s, 0);
	/* 2626800 / 2631600 = 99.81760...% */
	assert_true(fabs(r.availability - 100.0 * 2626800 / 2631600) < 1e-9);
	assert_true(r.coverage == 1.0);
	/* 0.1 % of 2631600 = 2631.6: the budget is whole seconds, floored */
	assert_int_equal(r.error_budget_s, 2631);
	assert_int_equal(r.error_budget_left_s, 2631 - 4800);

	/* a budget that is a whole number in decimal stays whole: 0.5 % x 2631600 */
	memset(&r, 0, sizeof(r));
	r.slo = 99.5;
	r.up_s = 2627400;
	r.down_s = 4200;
	r.maintenance_s = 43200;
	report_row_finish(&r, 2674800);
	assert_int_equal(r.error_budget_s, 13158);
	assert_int_equal(r.error_budget_left_s, 8958);

	/* unknown is what the other three leave of the period */
	memset(&r, 0, sizeof(r));
	r.slo = 99.0;
	r.up_s = 2625000;
	r.down_s = 3600;
	r.maintenance_s = 43200;
	report_row_finish(&r, 2674800);
	assert_int_equal(r.unknown_s, 3000);
	assert_true(fabs(r.coverage - (2674800.0 - 3000) / 2674800) < 1e-12);
	assert_int_equal(r.error_budget_s, 26286);

	/* only maintenance: no availability (not 100 %), budget 0 */
	memset(&r, 0, sizeof(r));
	r.slo = 99.5;
	r.maintenance_s = 7200;
	report_row_finish(&r, 86400);
	assert_false(r.has_data);
	assert_true(isnan(r.availability));
	assert_int_equal(r.unknown_s, 86400 - 7200);
	assert_int_equal(r.error_budget_s, 0);
	assert_int_equal(r.error_budget_left_s, 0);

	/* nothing at all, and an empty period */
	memset(&r, 0, sizeof(r));
	r.slo = 99.5;
	report_row_finish(&r, 0);
	assert_false(r.has_data);
	assert_true(r.coverage == 0);
	assert_int_equal(r.unknown_s, 0);

	/* a month under way at 100 %: the budget is the whole month's (what
	 * has happened and the countable rest), all of it left */
	memset(&r, 0, sizeof(r));
	r.slo = 99.5;
	r.up_s = 10 * 86400;
	r.future_s = 20 * 86400 - 7200; /* less maintenance announced ahead */
	report_row_finish(&r, 10 * 86400);
	assert_int_equal(r.error_budget_s, 12924); /* 0.5 % of 2584800 */
	assert_int_equal(r.error_budget_left_s, 12924);
	r.down_s = 600;
	r.up_s -= 600;
	report_row_finish(&r, 10 * 86400);
	assert_int_equal(r.error_budget_s, 12924);
	assert_int_equal(r.error_budget_left_s, 12324);

	/* all down: 0 %, the whole budget and more spent */
	memset(&r, 0, sizeof(r));
	r.slo = 99.5;
	r.down_s = 3600;
	report_row_finish(&r, 3600);
	assert_true(r.has_data);
	assert_true(r.availability == 0.0);
	assert_int_equal(r.error_budget_s, 18);
	assert_int_equal(r.error_budget_left_s, 18 - 3600);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_month_bounds_dst),
	    cmocka_unit_test(test_month_bounds_bad),
	    cmocka_unit_test(test_duration),
	    cmocka_unit_test(test_row_finish),
	};

	return cmocka_run_group_tests(tests, setup_oslo, NULL);
}
