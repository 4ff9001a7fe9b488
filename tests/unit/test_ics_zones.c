/*
 * test_ics_zones.c - zones of iCalendar files (zone.c) and what the import
 * makes of them: an Outlook VTIMEZONE against the tz database on the Oslo
 * DST nights (gap and overlap by RFC 5545), US zones read with the
 * configured zone Europe/Oslo, Windows names for stub VTIMEZONEs,
 * THISANDFUTURE overrides, and occurrences announced when first seen.
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
#include "zone.h"

static struct conf conf = {.min_notice = 86400};

static time_t
Z(const char *s)
{
	time_t t;

	if (tz_parse(s, 0, &t, NULL) != TZ_PARSE_OK)
		fail_msg("bad time %s", s);
	return t;
}

#define CAL_HEAD "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
#define WEST                                                                           \
	"BEGIN:VTIMEZONE\r\nTZID:W. Europe Standard Time\r\n"                          \
	"BEGIN:STANDARD\r\nDTSTART:16010101T030000\r\nTZOFFSETFROM:+0200\r\n"          \
	"TZOFFSETTO:+0100\r\nRRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10\r\n"   \
	"END:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\n"                \
	"TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"                                   \
	"RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3\r\nEND:DAYLIGHT\r\n"        \
	"END:VTIMEZONE\r\n"

static icalcomponent *
first_vtimezone(icalcomponent *root)
{
	return icalcomponent_get_first_component(root, ICAL_VTIMEZONE_COMPONENT);
}

/* An Outlook VTIMEZONE says what the tz database says, DST nights included. */
static void
test_vtimezone_oslo_nights(void **state)
{
	icalcomponent *root = icalparser_parse_string(
	    CAL_HEAD WEST "END:VCALENDAR\r\n");
	struct zone *w = zone_vtimezone(
	    first_vtimezone(root), "W. Europe Standard Time");
	struct zone *oslo = zone_iana("Europe/Oslo");
	struct tz_local l;
	time_t t;

	(void)state;
	assert_non_null(w);
	assert_non_null(oslo);
	assert_string_equal(zone_name(w), "W. Europe Standard Time");
	for (t = Z("2020-01-01T00:00:00Z"); t < Z("2032-01-01T00:00:00Z");
	     t += 3 * 3600 + 7)
		if (zone_offset(w, t) != zone_offset(oslo, t))
			fail_msg("offset differs at %lld", (long long)t);
	/* Spring: 02:30 does not exist; it takes the offset before the gap. */
	l = (struct tz_local){2026, 3, 29, 2, 30, 0};
	assert_int_equal(zone_from_local(w, &l, &t), TZ_LOCAL_GAP);
	assert_int_equal(t, Z("2026-03-29T01:30:00Z"));
	/* Autumn: 02:30 happens twice; the first one. */
	l = (struct tz_local){2026, 10, 25, 2, 30, 0};
	assert_int_equal(zone_from_local(w, &l, &t), TZ_LOCAL_AMBIGUOUS);
	assert_int_equal(t, Z("2026-10-25T00:30:00Z"));
	l = (struct tz_local){2026, 10, 25, 3, 0, 0};
	assert_int_equal(zone_from_local(w, &l, &t), TZ_LOCAL_OK);
	assert_int_equal(t, Z("2026-10-25T02:00:00Z"));
	zone_to_local(w, Z("2026-10-25T01:30:00Z"), &l);
	assert_int_equal(l.hour, 2); /* the second 02:30 reads 02:30 too */
	/* the configured zone through the same calls */
	assert_int_equal(zone_offset(NULL, Z("2026-07-01T00:00:00Z")), 7200);
	assert_string_equal(zone_name(NULL), "Europe/Oslo");
	zone_unref(w);
	zone_unref(oslo);
	icalcomponent_free(root);
}

static struct calendar *
load(const char *text, const struct ics_opts *o, struct ics_set *set)
{
	char err[512];
	struct cal_extra x = {NULL, 0, NULL, 0, NULL, 0};
	struct calendar *cal;

	memset(set, 0, sizeof(*set));
	if (ics_parse(text, "z.ics", o, set, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	for (size_t i = 0; i < set->nwarn; i++)
		fail_msg("unexpected warning %s", set->warn[i]);
	x.ann = set->ann;
	x.nann = set->nann;
	x.ics = set->w;
	x.nics = set->nw;
	if ((cal = calendar_new(&conf, &x, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	return cal;
}

static const struct cal_occ *
find(const struct cal_occ *o, size_t n, const char *name, time_t start)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(o[i].name, name) == 0 && o[i].start == start)
			return &o[i];
	return NULL;
}

/* A weekly 09:00 in New York and Chicago, read in Oslo: the three weeks
 * between the US and the EU spring changes are where a wrong zone shows. */
static void
test_us_zones(void **state)
{
	static const char text[] = CAL_HEAD
	    "BEGIN:VEVENT\r\nUID:ny\r\nDTSTAMP:20260101T000000Z\r\n"
	    "DTSTART;TZID=America/New_York:20260302T090000\r\n"
	    "DTEND;TZID=America/New_York:20260302T100000\r\n"
	    "RRULE:FREQ=WEEKLY;COUNT=6\r\nSUMMARY:ny\r\nEND:VEVENT\r\n"
	    "BEGIN:VEVENT\r\nUID:chi\r\nDTSTAMP:20260101T000000Z\r\n"
	    "DTSTART;TZID=Central Standard Time:20261026T090000\r\n"
	    "DURATION:PT1H\r\nRRULE:FREQ=WEEKLY;COUNT=2\r\nSUMMARY:chi\r\n"
	    "END:VEVENT\r\nEND:VCALENDAR\r\n";
	struct ics_set set;
	struct calendar *cal = load(text, NULL, &set);
	struct cal_occ *o;
	size_t n;

	(void)state;
	assert_int_equal(
	    calendar_expand(cal, Z("2026-01-01"), Z("2027-01-01"), &o, &n), 0);
	assert_int_equal(n, 8);
	assert_non_null(find(o, n, "ny", Z("2026-03-02T14:00:00Z"))); /* EST */
	assert_non_null(
	    find(o, n, "ny", Z("2026-03-09T13:00:00Z"))); /* EDT from 8 March */
	assert_non_null(
	    find(o, n, "ny", Z("2026-03-30T13:00:00Z"))); /* Oslo on CEST now */
	assert_int_equal(find(o, n, "ny", Z("2026-03-09T13:00:00Z"))->end,
	    Z("2026-03-09T14:00:00Z"));
	/* A Windows name without VTIMEZONE: America/Chicago; the US falls back 1 Nov. */
	assert_non_null(find(o, n, "chi", Z("2026-10-26T14:00:00Z")));
	assert_non_null(find(o, n, "chi", Z("2026-11-02T15:00:00Z")));
	free(o);
	calendar_free(cal);
	ics_set_free(&set);
}

/* A VTIMEZONE of one fixed offset is a zone; one without parts is a stub. */
static void
test_fixed_and_stub(void **state)
{
	static const char text[] = CAL_HEAD
	    "BEGIN:VTIMEZONE\r\nTZID:Customized Time Zone 1\r\n"
	    "BEGIN:STANDARD\r\nDTSTART:16010101T000000\r\nTZOFFSETFROM:+0800\r\n"
	    "TZOFFSETTO:+0800\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
	    "BEGIN:VTIMEZONE\r\nTZID:Tokyo Standard Time\r\nEND:VTIMEZONE\r\n"
	    "BEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20260101T000000Z\r\n"
	    "DTSTART;TZID=Customized Time Zone 1:20260701T090000\r\nDURATION:PT1H\r\n"
	    "SUMMARY:fixed\r\nEND:VEVENT\r\n"
	    "BEGIN:VEVENT\r\nUID:b\r\nDTSTAMP:20260101T000000Z\r\n"
	    "DTSTART;TZID=Tokyo Standard Time:20260701T090000\r\nDURATION:PT1H\r\n"
	    "SUMMARY:tokyo\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
	struct ics_set set;
	struct calendar *cal = load(text, NULL, &set);
	struct cal_occ *o;
	size_t n;

	(void)state;
	assert_int_equal(
	    calendar_expand(cal, Z("2026-06-01"), Z("2026-08-01"), &o, &n), 0);
	assert_int_equal(n, 2);
	assert_non_null(find(o, n, "fixed", Z("2026-07-01T01:00:00Z")));
	assert_non_null(find(o, n, "tokyo", Z("2026-07-01T00:00:00Z")));
	free(o);
	calendar_free(cal);
	ics_set_free(&set);
}

/* RANGE=THISANDFUTURE moves the instance and every later one. */
static void
test_this_and_future(void **state)
{
	static const char text[] = CAL_HEAD
	    "BEGIN:VEVENT\r\nUID:s\r\nDTSTAMP:20260101T000000Z\r\n"
	    "DTSTART;TZID=Europe/Oslo:20260601T220000\r\nDURATION:PT1H\r\n"
	    "RRULE:FREQ=DAILY;COUNT=6\r\nSUMMARY:s\r\nEND:VEVENT\r\n"
	    "BEGIN:VEVENT\r\nUID:s\r\nDTSTAMP:20260101T000000Z\r\n"
	    "RECURRENCE-ID;RANGE=THISANDFUTURE;TZID=Europe/Oslo:20260603T220000\r\n"
	    "DTSTART;TZID=Europe/Oslo:20260603T230000\r\nDURATION:PT2H\r\n"
	    "SUMMARY:s\r\nEND:VEVENT\r\n"
	    "BEGIN:VEVENT\r\nUID:s\r\nDTSTAMP:20260101T000000Z\r\nSTATUS:CANCELLED\r\n"
	    "RECURRENCE-ID;TZID=Europe/Oslo:20260605T220000\r\n"
	    "DTSTART;TZID=Europe/Oslo:20260605T220000\r\nDURATION:PT1H\r\n"
	    "SUMMARY:s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
	struct ics_set set;
	struct calendar *cal = load(text, NULL, &set);
	struct cal_occ *o;
	size_t n;

	(void)state;
	assert_int_equal(
	    calendar_expand(cal, Z("2026-05-01"), Z("2026-07-01"), &o, &n), 0);
	assert_non_null(find(o, n, "s", Z("2026-06-01 22:00")));
	assert_non_null(find(o, n, "s", Z("2026-06-02 22:00")));
	assert_null(find(o, n, "s", Z("2026-06-03 22:00")));
	assert_int_equal(
	    find(o, n, "s", Z("2026-06-03 23:00"))->end, Z("2026-06-04 01:00"));
	assert_int_equal(
	    find(o, n, "s", Z("2026-06-04 23:00"))->end, Z("2026-06-05 01:00"));
	assert_null(find(o, n, "s", Z("2026-06-05 22:00")));
	assert_null(find(o, n, "s", Z("2026-06-05 23:00"))); /* cancelled */
	assert_non_null(find(o, n, "s", Z("2026-06-06 23:00")));
	assert_int_equal(n, 5);
	free(o);
	calendar_free(cal);
	ics_set_free(&set);
}

/* Without trust_created an occurrence counts from when slamon first saw it. */
static void
test_first_seen(void **state)
{
	static const char text[] = CAL_HEAD
	    "BEGIN:VEVENT\r\nUID:w@x\r\nDTSTAMP:20250101T000000Z\r\n"
	    "CREATED:20250101T000000Z\r\n"
	    "DTSTART:20260610T200000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=DAILY;COUNT=3\r\n"
	    "SUMMARY:w\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
	static const struct ics_opts trust = {true, NULL, 0};
	struct ics_set set, set2;
	struct calendar *cal = load(text, NULL, &set), *cal2;
	struct cal_occ *o;
	const struct cal_occ *a;
	size_t n;

	(void)state;
	calendar_add_occ_seen(cal, "w@x", Z("2026-06-10T20:00:00Z"),
	    Z("2026-06-10T21:00:00Z"), Z("2026-06-01T00:00:00Z"));
	/* seen 20 minutes before: short notice */
	calendar_add_occ_seen(cal, "w@x", Z("2026-06-11T20:00:00Z"),
	    Z("2026-06-11T21:00:00Z"), Z("2026-06-11T19:40:00Z"));
	/* a record of an occurrence that has moved since: no longer counts */
	calendar_add_occ_seen(cal, "w@x", Z("2026-06-12T18:00:00Z"),
	    Z("2026-06-12T19:00:00Z"), Z("2026-06-01T00:00:00Z"));
	calendar_occ_seen_done(cal);
	assert_int_equal(
	    calendar_expand(cal, Z("2026-06-01"), Z("2026-07-01"), &o, &n), 0);
	assert_int_equal(n, 3);
	a = find(o, n, "w", Z("2026-06-10T20:00:00Z"));
	assert_true(a->announced && a->announced_at == Z("2026-06-01T00:00:00Z"));
	a = find(o, n, "w", Z("2026-06-11T20:00:00Z"));
	assert_true(!a->announced && a->short_notice);
	a = find(o, n, "w", Z("2026-06-12T20:00:00Z"));
	assert_true(!a->announced && !a->has_announced_at);
	free(o);
	/* trust_created: the file's CREATED is the announcement */
	cal2 = load(text, &trust, &set2);
	assert_int_equal(
	    calendar_expand(cal2, Z("2026-06-01"), Z("2026-07-01"), &o, &n), 0);
	a = find(o, n, "w", Z("2026-06-12T20:00:00Z"));
	assert_true(a->announced && a->announced_at == Z("2025-01-01T00:00:00Z"));
	free(o);
	calendar_free(cal);
	calendar_free(cal2);
	ics_set_free(&set);
	ics_set_free(&set2);
}

/* Tolerance: empty values, X-LIC-ERROR, unknown X- properties and parameters. */
static void
test_tolerant(void **state)
{
	static const char text[] = CAL_HEAD
	    "X-WR-CALNAME:x\r\nBEGIN:VEVENT\r\nUID:t\r\nDTSTAMP:20260101T000000Z\r\n"
	    "DESCRIPTION:\r\nLOCATION:\r\nX-FOO;X-BAR=baz:\r\n"
	    "X-LIC-ERROR;X-LIC-ERRORTYPE=VALUE-PARSE-ERROR:No value for LOCATION\r\n"
	    "DTSTART;X-ODD=1:20260601T100000Z\r\nDURATION:PT1H\r\nSUMMARY:t\r\n"
	    "END:VEVENT\r\nEND:VCALENDAR\r\n";
	struct ics_set set;
	struct calendar *cal = load(text, NULL, &set);

	(void)state;
	assert_int_equal(set.nw, 1);
	assert_null(set.w[0].description);
	calendar_free(cal);
	ics_set_free(&set);
}

/* The export: escaping, METHOD, a rule-based VTIMEZONE, stable UIDs. */
static void
test_export(void **state)
{
	struct cal_announcement ann[2] = {
	    {"maint", Z("2026-09-01 18:00"), Z("2026-09-01 19:00"),
		Z("2026-08-01 00:00"), "line one\nline two; with, punctuation", 0,
		"journal", NULL, 0},
	    {"maint", Z("2026-08-01 18:00"), Z("2026-08-01 19:00"),
		Z("2026-07-01 00:00"), NULL, 0, "journal", NULL, 0},
	};
	struct conf_applies everything = {CONF_APPLIES_ALL, NULL};
	struct cal_window cat = {.name = (char *)"maint",
	    .category = true,
	    .requires_announcement = true,
	    .end_hms = -1,
	    .applies = &everything,
	    .napplies = 1};
	struct cal_extra one = {&ann[0], 1, NULL, 0, &cat, 1};
	struct cal_extra two = {ann, 2, NULL, 0, &cat, 1};
	char err[128], *a, *b;
	struct calendar *c1 = calendar_new(&conf, &one, err, sizeof(err));
	struct calendar *c2 = calendar_new(&conf, &two, err, sizeof(err));
	icalcomponent *root;

	(void)state;
	a = ics_export(c1, Z("2026-07-15T00:00:00Z"), 0, 0);
	b = ics_export(c2, Z("2026-07-15T00:00:00Z"), 0, 0);
	assert_non_null(strstr(a, "METHOD:PUBLISH\r\n"));
	assert_non_null(
	    strstr(a, "DESCRIPTION:line one\\nline two\\; with\\, punctuation\r\n"));
	assert_non_null(strstr(a, "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\n"));
	/* the first announcement keeps its UID when another is added before it */
	assert_non_null(strstr(
	    a, "UID:announcement-maint-1788278400-1788282000-1785535200@slamon"));
	assert_non_null(strstr(
	    b, "UID:announcement-maint-1788278400-1788282000-1785535200@slamon"));
	/* libical reads it back without complaint */
	root = icalparser_parse_string(b);
	assert_non_null(root);
	assert_int_equal(icalcomponent_count_errors(root), 0);
	icalcomponent_free(root);
	free(a);
	free(b);
	calendar_free(c1);
	calendar_free(c2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vtimezone_oslo_nights),
	    cmocka_unit_test(test_us_zones),
	    cmocka_unit_test(test_fixed_and_stub),
	    cmocka_unit_test(test_this_and_future),
	    cmocka_unit_test(test_first_seen),
	    cmocka_unit_test(test_tolerant),
	    cmocka_unit_test(test_export),
	};

	if (tz_set("Europe/Oslo") < 0)
		return 2;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
