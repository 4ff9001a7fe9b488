/*
 * test_announce.c - the rules of announce.c with injected times, on the
 * shipped schedule (etc/slamon.conf: "infrastructure" every Saturday 20:00
 * to 06:00 local, requires announcement; "emergency" a category; min_notice 24 h),
 * across the DST night of 2026-10-25 in Europe/Oslo.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "announce.h"
#include "calendar.h"
#include "conf.h"
#include "tz.h"

static struct conf *conf;

static time_t
T(const char *s)
{
	time_t t;

	if (tz_parse(s, 0, &t, NULL) != TZ_PARSE_OK)
		fail_msg("bad time %s", s);
	return t;
}

static int
setup(void **state)
{
	char err[1024];

	(void)state;
	if ((conf = conf_load("etc/slamon.conf", err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	conf_free(conf);
	return 0;
}

static struct calendar *
cal_with(const struct cal_announcement *ann, size_t n)
{
	struct cal_extra x = {ann, n, NULL, 0, NULL, 0};
	char err[256];
	struct calendar *cal = calendar_new(conf, &x, err, sizeof(err));

	if (cal == NULL)
		fail_msg("%s", err);
	return cal;
}

static void
test_check(void **state)
{
	struct calendar *cal = cal_with(NULL, 0);
	struct announce_verdict v;
	char err[512];
	time_t now = T("2026-10-20 12:00");

	(void)state;
	/* within one occurrence, days ahead: enough notice */
	assert_int_equal(announce_check(cal, "infrastructure", T("2026-10-24 20:00"),
			     T("2026-10-24 23:00"), now, &v, err, sizeof(err)),
	    0);
	assert_false(v.short_notice);
	assert_int_equal(v.slot_start, T("2026-10-24 20:00"));
	/* the DST night: the window ends at 06:00 local (end = "06:00"),
	 * 11 h of real time after it began */
	assert_int_equal(v.slot_end, T("2026-10-25 06:00"));
	assert_int_equal(v.slot_end - v.slot_start, 11 * 3600);
	assert_int_equal(v.notice_s, 4 * 86400 + 8 * 3600);
	/* the whole occurrence, up to its real end */
	assert_int_equal(announce_check(cal, "infrastructure", T("2026-10-24 20:00"),
			     T("2026-10-25 06:00"), now, &v, err, sizeof(err)),
	    0);
	/* a second past it: outside the occurrence */
	assert_int_equal(announce_check(cal, "infrastructure", T("2026-10-24 20:00"),
			     T("2026-10-25 06:00") + 1, now, &v, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "runs outside the occurrence"));
	/* before it */
	assert_int_equal(announce_check(cal, "infrastructure", T("2026-10-24 19:59"),
			     T("2026-10-24 23:00"), now, &v, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "runs outside"));
	/* no occurrence at all: a Wednesday */
	assert_int_equal(announce_check(cal, "infrastructure", T("2026-10-21 20:00"),
			     T("2026-10-21 23:00"), now, &v, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "overlaps no slot"));
	/* an occurrence that has ended (last Saturday's), even when eligible */
	assert_int_equal(announce_check(cal, "infrastructure", T("2026-10-17 20:00"),
			     T("2026-10-18 06:00"), now, &v, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "has already ended"));
	/* ending exactly now has ended; a second later has not */
	assert_int_equal(announce_check(cal, "emergency", now - 3600, now, now, &v, err,
			     sizeof(err)),
	    -1);
	assert_int_equal(announce_check(cal, "emergency", now - 3600, now + 1, now, &v,
			     err, sizeof(err)),
	    0);
	assert_true(v.short_notice);
	assert_int_equal(v.notice_s, -3600);
	/* notice: exactly min_notice is enough, a second less is short */
	assert_int_equal(announce_check(cal, "emergency", now + 86400, now + 90000, now,
			     &v, err, sizeof(err)),
	    0);
	assert_false(v.short_notice);
	assert_int_equal(announce_check(cal, "emergency", now + 86399, now + 90000, now,
			     &v, err, sizeof(err)),
	    0);
	assert_true(v.short_notice);
	assert_int_equal(v.min_notice_s, 86400);
	/* unknown window, empty span */
	assert_int_equal(announce_check(cal, "nosuch", now + 10, now + 20, now, &v, err,
			     sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "no window named"));
	assert_int_equal(announce_check(cal, "emergency", now + 20, now + 20, now, &v,
			     err, sizeof(err)),
	    -1);
	calendar_free(cal);
}

static void
test_cancel_check(void **state)
{
	struct cal_announcement ann[] = {
	    {"emergency", T("2026-10-22 10:00"), T("2026-10-22 12:00"),
		T("2026-10-19 10:00"), NULL, 2, "journal", "00000000000000a1", 0},
	    {"emergency", T("2026-10-10 10:00"), T("2026-10-10 12:00"),
		T("2026-10-01 10:00"), NULL, 3, "journal", "00000000000000a2", 0},
	    {"emergency", T("2026-10-23 10:00"), T("2026-10-23 10:00"),
		T("2026-10-19 10:00"), NULL, 4, "journal", "00000000000000a3",
		T("2026-10-20 09:00")},
	};
	struct calendar *cal = cal_with(ann, 3);
	const struct cal_announcement *a;
	char err[512];
	time_t now = T("2026-10-20 12:00");

	(void)state;
	assert_int_equal(
	    announce_cancel_check(cal, "00000000000000a1", now, &a, err, sizeof(err)),
	    0);
	assert_non_null(a);
	assert_int_equal(a->start, T("2026-10-22 10:00"));
	/* under way: still cancellable (it ends at the cancellation) */
	assert_int_equal(announce_cancel_check(cal, "00000000000000a1",
			     T("2026-10-22 11:00"), &a, err, sizeof(err)),
	    0);
	/* over */
	assert_int_equal(
	    announce_cancel_check(cal, "00000000000000a2", now, &a, err, sizeof(err)),
	    -1);
	assert_null(a);
	assert_non_null(strstr(err, "cannot be cancelled"));
	/* cancelled already */
	assert_int_equal(
	    announce_cancel_check(cal, "00000000000000a3", now, &a, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "was cancelled at"));
	/* unknown, and the configuration's own announcement has no id */
	assert_int_equal(
	    announce_cancel_check(cal, "ffffffffffffffff", now, &a, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "no announcement with id"));
	calendar_free(cal);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_check),
	    cmocka_unit_test(test_cancel_check),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
