/*
 * test_calendar.c - the shipped 2026 schedule (etc/slamon.conf) through the
 * calendar: counts, DST nights of 2026 and 2027, phases, merging, notice
 * edges, eligible slots, and the per-target index.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

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
cal_with(const struct cal_extra *x)
{
	char err[256];
	struct calendar *cal = calendar_new(conf, x, err, sizeof(err));

	if (cal == NULL)
		fail_msg("%s", err);
	return cal;
}

static size_t
count(const struct cal_occ *o, size_t n, const char *name)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += strcmp(o[i].name, name) == 0;
	return k;
}

/* The occurrence of name starting at start, or NULL. */
static const struct cal_occ *
find(const struct cal_occ *o, size_t n, const char *name, time_t start)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(o[i].name, name) == 0 && o[i].start == start)
			return &o[i];
	return NULL;
}

static void
year_2026(struct calendar *cal, struct cal_occ **o, size_t *n)
{
	assert_int_equal(
	    calendar_expand(cal, T("2026-01-01"), T("2027-01-01"), o, n), 0);
}

static void
test_counts_2026(void **state)
{
	struct calendar *cal = cal_with(NULL);
	struct cal_occ *o;
	size_t n;

	(void)state;
	year_2026(cal, &o, &n);
	assert_int_equal(count(o, n, "system"), 26);
	assert_int_equal(count(o, n, "security-updates"), 12);
	assert_int_equal(count(o, n, "app-upgrade-canary"), 12);
	assert_int_equal(count(o, n, "app-upgrade"), 12);
	assert_int_equal(count(o, n, "nightly-restart"), 365);
	/* 52 Saturdays; the one of 28 November is listed as its announcement. */
	assert_int_equal(count(o, n, "infrastructure"), 52);
	assert_int_equal(count(o, n, "emergency"), 0);
	assert_int_equal(n, 26 + 12 + 12 + 12 + 365 + 52);
	for (size_t i = 1; i < n; i++)
		assert_true(o[i - 1].start <= o[i].start);
	for (size_t i = 0; i < n; i++) {
		bool infra = strcmp(o[i].name, "infrastructure") == 0;
		/* Standing windows published 2025-12-01 are all announced. */
		assert_int_equal(
		    o[i].announced, !infra || o[i].source == CAL_SRC_ANNOUNCEMENT);
		assert_false(o[i].short_notice);
	}
	free(o);
	calendar_free(cal);
}

static void
test_dst_nights(void **state)
{
	static const struct {
		const char *night, *restart_utc, *sat, *slot_start, *slot_end;
		long slot_len;
	} nights[] = {
	    /* Spring: 02:00 does not exist, RFC 5545 moves it to 03:00 CEST. */
	    {"2026-03-29", "2026-03-29T01:00:00Z", "2026-03-28", "2026-03-28T19:00:00Z",
		"2026-03-29T04:00:00Z", 9 * 3600},
	    /* Autumn: 02:00 happens twice; the first is 00:00Z. */
	    {"2026-10-25", "2026-10-25T00:00:00Z", "2026-10-24", "2026-10-24T18:00:00Z",
		"2026-10-25T05:00:00Z", 11 * 3600},
	    {"2027-03-28", "2027-03-28T01:00:00Z", "2027-03-27", "2027-03-27T19:00:00Z",
		"2027-03-28T04:00:00Z", 9 * 3600},
	    {"2027-10-31", "2027-10-31T00:00:00Z", "2027-10-30", "2027-10-30T18:00:00Z",
		"2027-10-31T05:00:00Z", 11 * 3600},
	};
	struct calendar *cal = cal_with(NULL);

	(void)state;
	for (size_t i = 0; i < sizeof(nights) / sizeof(nights[0]); i++) {
		struct cal_occ *o;
		size_t n;
		const struct cal_occ *r, *s;
		time_t day = T(nights[i].night);

		assert_int_equal(
		    calendar_expand(cal, day - 86400, day + 2 * 86400, &o, &n), 0);
		r = find(o, n, "nightly-restart", T(nights[i].restart_utc));
		assert_non_null(r);
		assert_int_equal(r->end - r->start, 300);
		/* The nights around it are at 02:00 local in their own offset. */
		assert_int_equal(count(o, n, "nightly-restart"), 3);
		s = find(o, n, "infrastructure", T(nights[i].slot_start));
		assert_non_null(s);
		assert_int_equal(s->end, T(nights[i].slot_end));
		assert_int_equal(s->end - s->start, nights[i].slot_len);
		assert_false(s->announced);
		free(o);
	}
	/* The nights before and after the 2026 changes keep 02:00 local. */
	{
		struct cal_occ *o;
		size_t n;
		assert_int_equal(
		    calendar_expand(cal, T("2026-03-28"), T("2026-03-31"), &o, &n), 0);
		assert_non_null(
		    find(o, n, "nightly-restart", T("2026-03-28T01:00:00Z")));
		assert_non_null(
		    find(o, n, "nightly-restart", T("2026-03-30T00:00:00Z")));
		free(o);
	}
	calendar_free(cal);
}

static void
test_biweekly_phase(void **state)
{
	struct calendar *cal = cal_with(NULL);
	struct cal_occ *o;
	size_t n, k = 0;
	time_t prev = 0;

	(void)state;
	year_2026(cal, &o, &n);
	assert_non_null(find(o, n, "system", T("2026-01-02 00:00")));
	assert_null(find(o, n, "system", T("2026-01-09 00:00")));
	assert_non_null(find(o, n, "system", T("2026-01-16 00:00")));
	assert_non_null(find(o, n, "system", T("2026-07-03 00:00")));
	assert_int_equal(T("2026-07-03 00:00"), T("2026-07-02T22:00:00Z"));
	assert_non_null(find(o, n, "system", T("2026-12-18 00:00")));
	assert_null(find(o, n, "system", T("2026-12-25 00:00")));
	for (size_t i = 0; i < n; i++) {
		struct tz_local l;
		if (strcmp(o[i].name, "system") != 0)
			continue;
		tz_to_local(o[i].start, &l);
		assert_int_equal(l.hour, 0);
		assert_int_equal(o[i].end - o[i].start, 21600);
		/* 14 days apart in local dates: 14 * 24 h, +-1 h across a change. */
		if (prev)
			assert_true(
			    labs((long)(o[i].start - prev) - 14 * 86400L) <= 3600);
		prev = o[i].start;
		k++;
	}
	assert_int_equal(k, 26);
	free(o);
	calendar_free(cal);
}

static int
weekday(const struct tz_local *l)
{
	struct tm tm = {.tm_year = l->year - 1900,
	    .tm_mon = l->mon - 1,
	    .tm_mday = l->mday,
	    .tm_hour = 12};
	time_t t = timegm(&tm);

	gmtime_r(&t, &tm);
	return tm.tm_wday;
}

static void
test_third_tuesday_and_friday_after(void **state)
{
	static const char *const canary[12] = {"2026-01-20", "2026-02-17", "2026-03-17",
	    "2026-04-21", "2026-05-19", "2026-06-16", "2026-07-21", "2026-08-18",
	    "2026-09-15", "2026-10-20", "2026-11-17", "2026-12-15"};
	static const char *const wave2[12] = {"2026-01-23", "2026-02-20", "2026-03-20",
	    "2026-04-24", "2026-05-22", "2026-06-19", "2026-07-24", "2026-08-21",
	    "2026-09-18", "2026-10-23", "2026-11-20", "2026-12-18"};
	struct calendar *cal = cal_with(NULL);
	struct cal_occ *o;
	size_t n, differs = 0;
	char buf[64];

	(void)state;
	year_2026(cal, &o, &n);
	for (int m = 0; m < 12; m++) {
		const struct cal_occ *c, *u;
		struct tz_local l;

		snprintf(buf, sizeof(buf), "%s 22:00", canary[m]);
		c = find(o, n, "app-upgrade-canary", T(buf));
		snprintf(buf, sizeof(buf), "%s 22:00", wave2[m]);
		u = find(o, n, "app-upgrade", T(buf));
		assert_non_null(c);
		assert_non_null(u);
		tz_to_local(c->start, &l);
		assert_int_equal(weekday(&l), 2);
		assert_true(l.mday >= 15 && l.mday <= 21);
		tz_to_local(u->start, &l);
		assert_int_equal(weekday(&l), 5);
		assert_true(l.mday >= 18 && l.mday <= 24);
		/* The Friday after that Tuesday: three days later. */
		assert_int_equal(u->start - c->start, 3 * 86400);
		/* The 3rd Friday is day 15-21; where it is not this one, say so. */
		if (l.mday - 7 >= 15)
			continue;
		differs++;
	}
	/* January (3rd Friday the 16th) and May (the 15th) among them. */
	assert_null(find(o, n, "app-upgrade", T("2026-01-16 22:00")));
	assert_null(find(o, n, "app-upgrade", T("2026-05-15 22:00")));
	assert_true(differs >= 2);
	free(o);
	calendar_free(cal);
}

static const struct conf_target *
target(const char *name)
{
	const struct conf_target *t = conf_target_find(conf, name);

	assert_non_null(t);
	return t;
}

static void
test_coinciding_friday_merged(void **state)
{
	struct calendar *cal = cal_with(NULL);
	struct cal_index *web, *mail;
	struct cal_occ *o;
	size_t n, coincide = 0;
	time_t until, s, e;
	const char *names[8];

	(void)state;
	year_2026(cal, &o, &n);
	/* 13 February 2026: the 2nd Friday is a system Friday. */
	assert_non_null(find(o, n, "system", T("2026-02-13 00:00")));
	assert_non_null(find(o, n, "security-updates", T("2026-02-13 00:00")));
	for (size_t i = 0; i < n; i++)
		if (strcmp(o[i].name, "security-updates") == 0 &&
		    find(o, n, "system", o[i].start))
			coincide++;
	assert_true(coincide >= 1);
	web = calendar_index(cal, target("crm-web"), T("2026-01-01"), T("2027-01-01"));
	mail = calendar_index(
	    cal, target("bulk-mail"), T("2026-01-01"), T("2027-01-01"));
	/* Counted once: 6 h, not 12 h; the nightly restart inside adds nothing. */
	assert_int_equal(
	    cal_index_overlap(web, T("2026-02-12 12:00"), T("2026-02-13 12:00")),
	    21600);
	assert_int_equal(
	    cal_index_overlap(mail, T("2026-02-12 12:00"), T("2026-02-13 12:00")),
	    21600);
	assert_true(cal_index_in_maint(web, T("2026-02-13 00:30"), &until));
	assert_int_equal(until, T("2026-02-13T05:00:00Z"));
	assert_true(cal_index_in_maint(web, T("2026-02-13 02:02"), &until));
	assert_int_equal(until, T("2026-02-13 06:00"));
	assert_false(cal_index_in_maint(web, T("2026-02-13 06:00"), &until));
	assert_true(cal_index_in_maint(web, T("2026-02-13 05:59:59"), NULL));
	assert_int_equal(cal_index_windows(web, T("2026-02-13 01:00"),
			     T("2026-02-13 03:00"), names, 8),
	    3);
	assert_int_equal(cal_index_windows(mail, T("2026-02-13 01:00"),
			     T("2026-02-13 03:00"), names, 8),
	    2);
	/* Next maintenance from Thursday noon is that Friday's merged block. */
	assert_true(cal_index_next(web, T("2026-02-12 12:00"), &s, &e));
	assert_int_equal(s, T("2026-02-13 00:00"));
	assert_int_equal(e, T("2026-02-13 06:00"));
	/* The nightly restart applies to crm-web (CRM component), not bulk-mail. */
	assert_true(cal_index_in_maint(web, T("2026-02-14 02:03"), NULL));
	assert_false(cal_index_in_maint(mail, T("2026-02-14 02:03"), NULL));
	assert_int_equal(cal_index_overlap(web, T("2026-02-14"), T("2026-02-15")), 300);
	/* The canary upgrade applies to the canary group only. */
	assert_true(cal_index_in_maint(web, T("2026-02-17 22:30"), NULL));
	{
		struct cal_index *app = calendar_index(
		    cal, target("crm-app"), T("2026-01-01"), T("2027-01-01"));
		assert_false(cal_index_in_maint(app, T("2026-02-17 22:30"), NULL));
		/* ...but the second wave on Friday applies to the whole component. */
		assert_true(cal_index_in_maint(app, T("2026-02-20 22:30"), NULL));
		cal_index_free(app);
	}
	cal_index_free(web);
	cal_index_free(mail);
	free(o);
	calendar_free(cal);
}

static void
test_notice_edges(void **state)
{
	time_t slot = T("2026-12-05 20:00"), slot2 = T("2026-12-12 20:00");
	struct cal_announcement ann[] = {
	    /* Exactly min_notice: counts. */
	    {"infrastructure", slot, T("2026-12-06 06:00"), slot - 86400, "exact", 1,
		"journal", NULL, 0},
	    /* One second less: short notice, listed but not excluded. */
	    {"infrastructure", slot2, T("2026-12-13 06:00"), slot2 - 86399, "late", 2,
		"journal", NULL, 0},
	    {"emergency", T("2026-12-09 18:00"), T("2026-12-09 19:00"),
		T("2026-12-08 18:00"), "cve fix", 3, "journal", NULL, 0},
	    {"emergency", T("2026-12-10 18:00"), T("2026-12-10 19:00"),
		T("2026-12-10 12:00"), "urgent", 4, "journal", NULL, 0},
	};
	struct cal_extra x = {ann, 4, NULL, 0, NULL, 0};
	struct calendar *cal = cal_with(&x);
	struct cal_index *idx;
	const struct cal_occ *a;
	struct cal_occ *o;
	size_t n;

	(void)state;
	assert_int_equal(
	    calendar_expand(cal, T("2026-12-01"), T("2026-12-31"), &o, &n), 0);
	a = find(o, n, "infrastructure", slot);
	assert_non_null(a);
	assert_int_equal(a->source, CAL_SRC_ANNOUNCEMENT);
	assert_true(a->announced);
	assert_false(a->short_notice);
	assert_int_equal(a->announced_at, slot - 86400);
	assert_string_equal(a->note, "exact");
	a = find(o, n, "infrastructure", slot2);
	assert_non_null(a);
	assert_false(a->announced);
	assert_true(a->short_notice);
	a = find(o, n, "emergency", T("2026-12-09 18:00"));
	assert_non_null(a);
	assert_true(a->announced);
	assert_int_equal(a->end - a->start, 3600);
	a = find(o, n, "emergency", T("2026-12-10 18:00"));
	assert_non_null(a);
	assert_true(a->short_notice);
	idx = calendar_index(
	    cal, target("documents"), T("2026-12-01"), T("2026-12-31"));
	assert_int_equal(cal_index_overlap(idx, slot, slot + 86400), 10 * 3600);
	assert_int_equal(cal_index_overlap(idx, slot2, slot2 + 86400), 0);
	assert_int_equal(
	    cal_index_overlap(idx, T("2026-12-09"), T("2026-12-11")), 3600);
	cal_index_free(idx);
	free(o);
	calendar_free(cal);
}

static void
test_rule_seen_notice(void **state)
{
	struct conf_window *w = (struct conf_window *)conf_window_find(conf, "system");
	time_t jan16 = T("2026-01-16 00:00");
	struct cal_seen seen[] = {
	    {"system", "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR", jan16 - 86399},
	    {"system", "FREQ=DAILY", 0}};
	struct cal_extra x = {NULL, 0, seen, 1, NULL, 0};
	struct calendar *cal;
	const struct cal_occ *a;
	struct cal_occ *o;
	size_t n;

	(void)state;
	w->has_published = false;
	/* Never seen: not announced, no announcement time. */
	cal = cal_with(NULL);
	assert_int_equal(
	    calendar_expand(cal, T("2026-01-01"), T("2026-02-01"), &o, &n), 0);
	a = find(o, n, "system", T("2026-01-02 00:00"));
	assert_non_null(a);
	assert_false(a->announced);
	assert_false(a->has_announced_at);
	free(o);
	calendar_free(cal);
	/* Seen 24 h - 1 s before 16 January: that one is short, the next counts. */
	cal = cal_with(&x);
	assert_int_equal(
	    calendar_expand(cal, T("2026-01-01"), T("2026-02-01"), &o, &n), 0);
	a = find(o, n, "system", jan16);
	assert_true(a->short_notice && !a->announced);
	a = find(o, n, "system", T("2026-01-30 00:00"));
	assert_true(a->announced);
	assert_int_equal(a->announced_at, jan16 - 86399);
	free(o);
	calendar_free(cal);
	/* A record of another rule of the same name does not count. */
	x.seen = &seen[1];
	cal = cal_with(&x);
	assert_int_equal(
	    calendar_expand(cal, T("2026-01-01"), T("2026-02-01"), &o, &n), 0);
	assert_false(find(o, n, "system", T("2026-01-30 00:00"))->announced);
	free(o);
	calendar_free(cal);
	/* published exactly min_notice before an occurrence counts for it. */
	w->has_published = true;
	w->published = jan16 - 86400;
	cal = cal_with(NULL);
	assert_int_equal(
	    calendar_expand(cal, T("2026-01-01"), T("2026-02-01"), &o, &n), 0);
	assert_true(find(o, n, "system", jan16)->announced);
	assert_true(find(o, n, "system", T("2026-01-02 00:00"))->short_notice);
	free(o);
	calendar_free(cal);
	w->published = T("2025-12-01 00:00");
}

static void
test_eligible_slots(void **state)
{
	struct cal_announcement ann[] = {
	    /* Part of a slot: only the part excludes. */
	    {"infrastructure", T("2026-12-19 22:00"), T("2026-12-20 02:00"),
		T("2026-12-01 00:00"), "partial", 1, "journal", NULL, 0},
	    /* Wider than the slot: clipped to it. */
	    {"infrastructure", T("2026-12-26 18:00"), T("2026-12-27 08:00"),
		T("2026-12-01 00:00"), "wide", 2, "journal", NULL, 0},
	    /* A Wednesday: no slot; an error for check, no occurrence. */
	    {"infrastructure", T("2026-12-16 20:00"), T("2026-12-16 23:00"),
		T("2026-12-01 00:00"), "wrong day", 3, "journal", NULL, 0},
	};
	struct cal_extra x = {ann, 3, NULL, 0, NULL, 0};
	struct calendar *cal = cal_with(&x);
	/* documents: no nightly restart to add its 5 minutes to the sums. */
	struct cal_index *idx = calendar_index(
	    cal, target("documents"), T("2026-11-01"), T("2027-01-01"));
	struct cal_occ *o;
	const struct cal_occ *a;
	size_t n;
	char err[256];
	time_t until;

	(void)state;
	assert_int_equal(
	    calendar_expand(cal, T("2026-11-01"), T("2027-01-01"), &o, &n), 0);
	/* Without announcement: listed, needs one, excludes nothing. */
	a = find(o, n, "infrastructure", T("2026-11-21 20:00"));
	assert_non_null(a);
	assert_int_equal(a->source, CAL_SRC_RULE);
	assert_false(a->announced);
	assert_false(a->short_notice);
	assert_false(a->has_announced_at);
	assert_false(cal_index_in_maint(idx, T("2026-11-21 23:00"), NULL));
	/* The configured announcement of 28 November. */
	a = find(o, n, "infrastructure", T("2026-11-28 20:00"));
	assert_non_null(a);
	assert_int_equal(a->source, CAL_SRC_ANNOUNCEMENT);
	assert_true(a->announced);
	assert_string_equal(a->note, "core switch replacement");
	assert_true(cal_index_in_maint(idx, T("2026-11-28 23:00"), &until));
	assert_int_equal(until, T("2026-11-29 06:00"));
	assert_int_equal(count(o, n, "infrastructure"), 9);
	a = find(o, n, "infrastructure", T("2026-12-19 22:00"));
	assert_non_null(a);
	assert_int_equal(a->end, T("2026-12-20 02:00"));
	assert_null(find(o, n, "infrastructure", T("2026-12-19 20:00")));
	a = find(o, n, "infrastructure", T("2026-12-26 20:00"));
	assert_non_null(a);
	assert_int_equal(a->end, T("2026-12-27 06:00"));
	assert_null(find(o, n, "infrastructure", T("2026-12-16 20:00")));
	assert_int_equal(
	    cal_index_overlap(idx, T("2026-12-19"), T("2026-12-21")), 4 * 3600);
	assert_int_equal(
	    calendar_check_announcement(cal, "infrastructure", T("2026-12-16 20:00"),
		T("2026-12-16 23:00"), err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "overlaps no slot"));
	assert_int_equal(
	    calendar_check_announcement(cal, "nosuch", 1, 2, err, sizeof(err)), -1);
	assert_int_equal(
	    calendar_check_announcement(cal, "emergency", 5, 6, err, sizeof(err)), 0);
	free(o);
	cal_index_free(idx);
	calendar_free(cal);
}

static void
count_cb(void *arg, const char *msg)
{
	(void)msg;
	(*(int *)arg)++;
}

static void
test_validate(void **state)
{
	struct cal_announcement bad = {"infrastructure", T("2026-12-16 20:00"),
	    T("2026-12-16 23:00"), T("2026-12-01 00:00"), NULL, 7, "journal", NULL, 0};
	struct cal_extra x = {&bad, 1, NULL, 0, NULL, 0};
	struct conf_window *w = (struct conf_window *)conf_window_find(conf, "system");
	char *rule = w->rrule;
	struct calendar *cal;
	int problems = 0;

	(void)state;
	cal = cal_with(NULL);
	assert_int_equal(calendar_validate(cal, T("2026-01-01"), T("2031-01-01"),
			     count_cb, &problems),
	    0);
	calendar_free(cal);
	cal = cal_with(&x);
	assert_int_equal(calendar_validate(cal, T("2026-01-01"), T("2031-01-01"),
			     count_cb, &problems),
	    1);
	calendar_free(cal);
	/* A rule whose only occurrence is in the past. */
	w->rrule = (char *)"FREQ=DAILY;COUNT=1";
	cal = cal_with(NULL);
	problems = 0;
	assert_int_equal(calendar_validate(cal, T("2027-01-01"), T("2032-01-01"),
			     count_cb, &problems),
	    1);
	assert_int_equal(problems, 1);
	calendar_free(cal);
	w->rrule = rule;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_counts_2026),
	    cmocka_unit_test(test_dst_nights),
	    cmocka_unit_test(test_biweekly_phase),
	    cmocka_unit_test(test_third_tuesday_and_friday_after),
	    cmocka_unit_test(test_coinciding_friday_merged),
	    cmocka_unit_test(test_notice_edges),
	    cmocka_unit_test(test_rule_seen_notice),
	    cmocka_unit_test(test_eligible_slots),
	    cmocka_unit_test(test_validate),
	};

	/* Run from the source root, where etc/slamon.conf names its paths. */
	if (access("etc/slamon.conf", R_OK) == -1 && argc > 0) {
		char *dir = strdup(argv[0]), *p = strstr(dir, "/tests/");
		if (p) {
			*p = '\0';
			if (chdir(dir) == -1 || chdir("..") == -1)
				perror("chdir");
		}
		free(dir);
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
