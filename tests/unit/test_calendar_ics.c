/*
 * test_calendar_ics.c - iCalendar import (zones, DST, EXDATE, overrides,
 * announcement times, errors with lines) and export round trip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "calendar.h"
#include "conf.h"
#include "ics.h"
#include "tz.h"

static struct conf conf = {.min_notice = 86400};

static time_t
T(const char *s)
{
	time_t t;

	if (tz_parse(s, 0, &t, NULL) != TZ_PARSE_OK)
		fail_msg("bad time %s", s);
	return t;
}

static const char ICS[] = "BEGIN:VCALENDAR\r\n"
			  "VERSION:2.0\r\n"
			  "PRODID:-//test//EN\r\n"
			  "BEGIN:VEVENT\r\n"
			  "UID:infra@test\r\n"
			  "DTSTAMP:20260325T000000Z\r\n"
			  "CREATED:20260101T000000Z\r\n"
			  "LAST-MODIFIED:20260320T000000Z\r\n"
			  "DTSTART;TZID=Europe/Oslo:20260328T200000\r\n"
			  "DTEND;TZID=Europe/Oslo:20260329T060000\r\n"
			  "RRULE:FREQ=WEEKLY;BYDAY=SA;COUNT=3\r\n"
			  "EXDATE;TZID=Europe/Oslo:20260404T200000\r\n"
			  "SUMMARY:Infra\\, weekend\r\n"
			  "END:VEVENT\r\n"
			  "BEGIN:VEVENT\r\n"
			  "UID:utc@test\r\n"
			  "DTSTAMP:20260430T130000Z\r\n"
			  "DTSTART:20260501T120000Z\r\n"
			  "DURATION:PT1H\r\n"
			  "SUMMARY:utc-single\r\n"
			  "END:VEVENT\r\n"
			  "BEGIN:VEVENT\r\n"
			  "UID:floating@test\r\n"
			  "DTSTAMP:20260101T000000Z\r\n"
			  "DTSTART:20261025T020000\r\n"
			  "DURATION:PT30M\r\n"
			  "SUMMARY:floating\r\n"
			  "X-SLAMON-APPLIES-TO:group:canary,crm-api\r\n"
			  "END:VEVENT\r\n"
			  "BEGIN:VEVENT\r\n"
			  "UID:ny@test\r\n"
			  "DTSTAMP:20260101T000000Z\r\n"
			  "DTSTART;TZID=America/New_York:20260601T090000\r\n"
			  "DURATION:PT1H\r\n"
			  "SUMMARY:new-york\r\n"
			  "END:VEVENT\r\n"
			  "BEGIN:VEVENT\r\n"
			  "UID:cancelled@test\r\n"
			  "DTSTAMP:20260101T000000Z\r\n"
			  "STATUS:CANCELLED\r\n"
			  "DTSTART:20260601T090000Z\r\n"
			  "DURATION:PT1H\r\n"
			  "SUMMARY:cancelled\r\n"
			  "END:VEVENT\r\n"
			  "BEGIN:VEVENT\r\n"
			  "UID:series@test\r\n"
			  "DTSTAMP:20260101T000000Z\r\n"
			  "DTSTART;TZID=Europe/Oslo:20260701T100000\r\n"
			  "DURATION:PT1H\r\n"
			  "RRULE:FREQ=DAILY;COUNT=3\r\n"
			  "SUMMARY:series\r\n"
			  "END:VEVENT\r\n"
			  "BEGIN:VEVENT\r\n"
			  "UID:series@test\r\n"
			  "DTSTAMP:20260101T000000Z\r\n"
			  "RECURRENCE-ID;TZID=Europe/Oslo:20260702T100000\r\n"
			  "DTSTART;TZID=Europe/Oslo:20260702T150000\r\n"
			  "DURATION:PT1H\r\n"
			  "SUMMARY:series\r\n"
			  "END:VEVENT\r\n"
			  "BEGIN:VEVENT\r\n"
			  "UID:until@test\r\n"
			  "DTSTAMP:20260101T000000Z\r\n"
			  "DTSTART;TZID=Europe/Oslo:20260701T100000\r\n"
			  "DURATION:PT1H\r\n"
			  "RRULE:FREQ=DAILY;UNTIL=20260703T080000Z\r\n"
			  "SUMMARY:until\r\n"
			  "END:VEVENT\r\n"
			  "BEGIN:VEVENT\r\n"
			  "UID:allday@test\r\n"
			  "DTSTAMP:20260101T000000Z\r\n"
			  "DTSTART;VALUE=DATE:20260801\r\n"
			  "SUMMARY:all-day\r\n"
			  "END:VEVENT\r\n"
			  "END:VCALENDAR\r\n";

static const struct cal_occ *
find(const struct cal_occ *o, size_t n, const char *name, time_t start)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(o[i].name, name) == 0 && o[i].start == start)
			return &o[i];
	return NULL;
}

static const struct ics_opts trust = {true, NULL, 0};

static struct calendar *
load_opts(const char *text, const struct ics_opts *o, struct ics_set *set)
{
	char err[512];
	struct cal_extra x = {NULL, 0, NULL, 0, NULL, 0};
	struct calendar *cal;

	memset(set, 0, sizeof(*set));
	if (ics_parse(text, "test.ics", o, set, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	x.ann = set->ann;
	x.nann = set->nann;
	x.ics = set->w;
	x.nics = set->nw;
	if ((cal = calendar_new(&conf, &x, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	return cal;
}

/* With trust_created: the events' own stamps announce them, as before. */
static struct calendar *
load(const char *text, struct ics_set *set)
{
	return load_opts(text, &trust, set);
}

static void
test_import(void **state)
{
	struct ics_set set;
	struct calendar *cal = load(ICS, &set);
	struct cal_occ *o;
	const struct cal_occ *a;
	size_t n;

	(void)state;
	assert_int_equal(set.nw, 8);
	assert_int_equal(
	    calendar_expand(cal, T("2026-01-01"), T("2027-01-01"), &o, &n), 0);
	/* The DST night: 20:00 to 06:00 local is 9 h; EXDATE removes 4 April. */
	a = find(o, n, "Infra, weekend", T("2026-03-28T19:00:00Z"));
	assert_non_null(a);
	assert_int_equal(a->end, T("2026-03-29T04:00:00Z"));
	assert_int_equal(a->source, CAL_SRC_ICS);
	assert_true(a->announced);
	assert_int_equal(
	    a->announced_at, T("2026-03-20T00:00:00Z")); /* LAST-MODIFIED */
	assert_null(find(o, n, "Infra, weekend", T("2026-04-04 20:00")));
	assert_non_null(find(o, n, "Infra, weekend", T("2026-04-11 20:00")));
	/* UTC single event announced by DTSTAMP 23 h before: short notice. */
	a = find(o, n, "utc-single", T("2026-05-01T12:00:00Z"));
	assert_non_null(a);
	assert_true(a->short_notice);
	/* Floating 02:00 on the autumn night: the first of the two. */
	a = find(o, n, "floating", T("2026-10-25T00:00:00Z"));
	assert_non_null(a);
	assert_int_equal(a->napplies, 2);
	assert_int_equal(a->applies[0].kind, CONF_APPLIES_GROUP);
	assert_string_equal(a->applies[0].name, "canary");
	assert_int_equal(a->applies[1].kind, CONF_APPLIES_TARGET);
	/* Another zone: 09:00 EDT is 13:00Z. */
	assert_non_null(find(o, n, "new-york", T("2026-06-01T13:00:00Z")));
	assert_null(find(o, n, "cancelled", T("2026-06-01T09:00:00Z")));
	/* The override moves 2 July to 15:00. */
	assert_non_null(find(o, n, "series", T("2026-07-01 10:00")));
	assert_null(find(o, n, "series", T("2026-07-02 10:00")));
	assert_non_null(find(o, n, "series", T("2026-07-02 15:00")));
	assert_non_null(find(o, n, "series", T("2026-07-03 10:00")));
	a = find(o, n, "all-day", T("2026-08-01 00:00"));
	assert_non_null(a);
	assert_int_equal(a->end - a->start, 86400);
	/* UNTIL in UTC is an instant: 10:00 CEST on 3 July is 08:00Z, included. */
	assert_non_null(find(o, n, "until", T("2026-07-03T08:00:00Z")));
	assert_int_equal(n, 2 + 1 + 1 + 1 + 3 + 3 + 1);
	free(o);
	calendar_free(cal);
	ics_set_free(&set);
}

static void
test_warnings_with_lines(void **state)
{
	static const char no_end[] =
	    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n"
	    "BEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20260101T000000Z\r\n"
	    "DTSTART:20260101T100000Z\r\nSUMMARY:no end\r\nEND:VEVENT\r\n"
	    "BEGIN:VEVENT\r\nUID:b\r\nDTSTAMP:20260101T000000Z\r\n"
	    "DTSTART;TZID=America/New_York:20260101T000000\r\nDURATION:PT1H\r\n"
	    "RRULE:FREQ=DAILY;COUNT=3\r\nSUMMARY:ok\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
	struct ics_set set;
	char err[512];

	(void)state;
	memset(&set, 0, sizeof(set));
	/* The broken event is skipped with FILE:LINE and UID; the rest counts. */
	assert_int_equal(ics_parse(no_end, "g.ics", NULL, &set, err, sizeof(err)), 0);
	assert_int_equal(set.nwarn, 1);
	assert_non_null(
	    strstr(set.warn[0], "g.ics:7: UID \"a\" (SUMMARY \"no end\"): "));
	assert_non_null(strstr(set.warn[0], "zero seconds"));
	assert_int_equal(set.nw, 1);
	assert_string_equal(set.w[0].name, "ok");
	ics_set_free(&set);
	assert_int_equal(ics_parse("hello", "h.ics", NULL, &set, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "h.ics:1: "));
	ics_set_free(&set);
}

static void
test_export_round_trip(void **state)
{
	struct cal_announcement ann = {"maint", T("2026-09-01 18:00"),
	    T("2026-09-01 19:00"), T("2026-08-01 00:00"), "cve; fix, now", 0, "journal",
	    NULL, 0};
	struct ics_set s1, s2;
	struct calendar *c1 = load(ICS, &s1), *c2, *c3;
	struct cal_extra x = {&ann, 1, NULL, 0, s1.w, s1.nw};
	struct conf_applies everything = {CONF_APPLIES_ALL, NULL};
	struct cal_window cat = {.name = (char *)"maint",
	    .category = true,
	    .requires_announcement = true,
	    .end_hms = -1,
	    .source = CAL_SRC_ICS,
	    .applies = &everything,
	    .napplies = 1};
	struct cal_window *all = calloc(s1.nw + 1, sizeof(*all));
	struct cal_occ *o1, *o2;
	size_t n1, n2;
	char err[256], *text, *text2;

	(void)state;
	memcpy(all, s1.w, s1.nw * sizeof(*all));
	all[s1.nw] = cat;
	x.ics = all;
	x.nics = s1.nw + 1;
	c3 = calendar_new(&conf, &x, err, sizeof(err));
	assert_non_null(c3);
	text = ics_export(c3, T("2026-11-25T12:00:00Z"), 0, 0);
	assert_non_null(strstr(text, "BEGIN:VTIMEZONE\r\nTZID:Europe/Oslo\r\n"));
	assert_non_null(strstr(text, "DTSTART;TZID=Europe/Oslo:20260328T200000\r\n"));
	assert_non_null(strstr(text, "DESCRIPTION:cve\\; fix\\, now\r\n"));
	c2 = load(text, &s2);
	assert_int_equal(
	    calendar_expand(c3, T("2026-01-01"), T("2027-01-01"), &o1, &n1), 0);
	assert_int_equal(
	    calendar_expand(c2, T("2026-01-01"), T("2027-01-01"), &o2, &n2), 0);
	assert_int_equal(n1, n2);
	for (size_t i = 0; i < n1; i++) {
		assert_string_equal(o1[i].name, o2[i].name);
		assert_int_equal(o1[i].start, o2[i].start);
		assert_int_equal(o1[i].end, o2[i].end);
		assert_int_equal(o1[i].announced, o2[i].announced);
		assert_int_equal(o1[i].short_notice, o2[i].short_notice);
		assert_int_equal(o1[i].announced_at, o2[i].announced_at);
		assert_int_equal(o1[i].source, o2[i].source);
	}
	/* And the export of the import is the same text. */
	text2 = ics_export(c2, T("2026-11-25T12:00:00Z"), 0, 0);
	assert_string_equal(text, text2);
	free(o1);
	free(o2);
	free(text);
	free(text2);
	free(all);
	calendar_free(c1);
	calendar_free(c2);
	calendar_free(c3);
	ics_set_free(&s1);
	ics_set_free(&s2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_import),
	    cmocka_unit_test(test_warnings_with_lines),
	    cmocka_unit_test(test_export_round_trip),
	};

	if (tz_set("Europe/Oslo") < 0)
		return 2;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
