/*
 * test_store.c - RRD files written directly: a month of steps with known
 * values, summed back exactly from the 1-step, hourly, half-hourly and
 * daily archives; the writer's rules (no gap, no step twice); files of
 * another shape left alone; `rrdtool info` and `rrdtool fetch` on the files.
 */
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <rrd.h>

#include "store.h"
#include "store-int.h"
#include "storetest.h"

/* 2026-02-01 00:00 UTC and the 28 days of February */
#define FEB 1769904000L
#define DAYS 28
#define NSTEPS (DAYS * 1440)

static int
setup(void **state)
{
	struct fixture *f = fixture_new();

	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	fixture_free(*state);
	return 0;
}

/*
 * A month from `start`: up all the time but for a maintenance hour every
 * day, an outage with a partial step, six hours with the monitor away
 * (explicit zeros) and, on the last day, fractional seconds and latencies.
 */
static void
write_month(struct store *s, struct month *m, time_t start)
{
	time_t day, t;
	int d;

	month_init(m, start, NSTEPS);
	assert_int_equal(store_ensure(s, "web", start + 60), 0);
	assert_int_equal(store_last(s, "web"), start);
	for (d = 0; d < DAYS; d++) {
		day = start + d * 86400L;
		month_fill(s, m, "web", day + 3 * 3600, 60, 0, 0);
		month_fill(s, m, "web", day + 4 * 3600, 0, 0, 60);
		if (d == 5) {
			month_fill(s, m, "web", day + 10 * 3600, 60, 0, 0);
			month_fill(s, m, "web", day + 12 * 3600 + 16 * 60, 0, 60, 0);
			month_put(
			    s, m, "web", day + 12 * 3600 + 17 * 60, 23, 37, 0, 812);
		}
		if (d == 9) {
			month_fill(s, m, "web", day + 18 * 3600, 60, 0, 0);
			month_fill(s, m, "web", day + 24 * 3600, 0, 0, 0);
		}
		if (d == DAYS - 1) {
			month_fill(s, m, "web", day + 20 * 3600, 60, 0, 0);
			for (t = day + 20 * 3600 + 60; t <= day + 22 * 3600; t += 60)
				month_put(s, m, "web", t, 59.5, 0.5, 0,
				    10 + (double)(t / 60 % 7));
		}
		month_fill(s, m, "web", day + 86400, 60, 0, 0);
	}
	assert_int_equal(store_last(s, "web"), start + NSTEPS * 60L);
	assert_int_equal(store_pending(s), 0);
}

static void
check_sum(struct store *s, const struct month *m, time_t from, time_t to,
    long want_resolution)
{
	struct store_sums got, want;

	assert_int_equal(store_sum(s, "web", from, to, &got), 0);
	month_expect(m, from, to, &want);
	assert_true(got.up_s == want.up_s);
	assert_true(got.down_s == want.down_s);
	assert_true(got.maint_s == want.maint_s);
	assert_int_equal(got.steps, (to - from) / 60);
	assert_int_equal(got.unknown_steps, 0);
	assert_int_equal(got.resolution, want_resolution);
}

static void
test_month_exact_at_every_resolution(void **state)
{
	struct fixture *f = *state;
	struct store *s = fixture_store(f, NULL, 3600);
	struct month m;
	struct store_sums got;
	double daily[3];

	write_month(s, &m, FEB);
	/* the whole month: hourly rows, then 1-step rows (the last 2 days) */
	check_sum(s, &m, FEB, FEB + NSTEPS * 60L, 3600);
	/* older than two days: hourly rows only */
	check_sum(s, &m, FEB, FEB + 20 * 86400L, 3600);
	check_sum(s, &m, FEB + 5 * 86400L + 3600, FEB + 5 * 86400L + 13 * 3600, 3600);
	/* within the last two days: the 1-step archive, any step boundary */
	check_sum(s, &m, FEB + 27 * 86400L + 60 * 61,
	    FEB + 27 * 86400L + 21 * 3600 + 60 * 7, 60);
	/* the daily archive (UTC days) agrees with the hourly one */
	assert_int_equal(
	    fixture_fetch_sum(f, "web", FEB, FEB + 20 * 86400L, 86400, daily), 0);
	month_expect(&m, FEB, FEB + 20 * 86400L, &got);
	assert_true(
	    daily[0] == got.up_s && daily[1] == got.down_s && daily[2] == got.maint_s);
	/* a range not on hour boundaries older than two days is refused */
	assert_int_equal(store_sum(s, "web", FEB + 60, FEB + 86400L, &got), -1);
	/* the end is cut at the last step written */
	assert_int_equal(
	    store_sum(s, "web", FEB + 27 * 86400L, FEB + 40 * 86400L, &got), 0);
	assert_int_equal(got.steps, 1440);
	month_free(&m);
}

/* One fetch both ways: librrd's (which takes the file's read lock) and
 * store_file_fetch's (which does not) must give the same answer. */
static void
fetch_both(const char *path, time_t from, time_t to, unsigned long want)
{
	time_t s1 = from, e1 = to, s2 = from, e2 = to;
	unsigned long st1 = want, st2 = want, n1 = 0, n2 = 0, k;
	char **nm1 = NULL, **nm2 = NULL;
	rrd_value_t *d1 = NULL, *d2 = NULL;
	long rows, i;

	rrd_clear_error();
	assert_int_equal(
	    rrd_fetch_r(path, "AVERAGE", &s1, &e1, &st1, &n1, &nm1, &d1), 0);
	assert_int_equal(store_file_fetch(path, &s2, &e2, &st2, &n2, &nm2, &d2), 0);
	assert_int_equal(s1, s2);
	assert_int_equal(e1, e2);
	assert_int_equal(st1, st2);
	assert_int_equal(n1, n2);
	for (k = 0; k < n1; k++) {
		assert_string_equal(nm1[k], nm2[k]);
		free(nm1[k]);
		free(nm2[k]);
	}
	rows = (long)((e1 - s1) / (time_t)st1);
	for (i = 0; i < rows * (long)n1; i++) {
		if (isnan(d1[i]) || isnan(d2[i])) {
			if (!(isnan(d1[i]) && isnan(d2[i])))
				fail_msg(
				    "%s [%lld, %lld) step %lu: row %ld ds %ld: %g / %g",
				    path, (long long)from, (long long)to, want,
				    i / (long)n1, i % (long)n1, d1[i], d2[i]);
		} else if (d1[i] != d2[i])
			fail_msg("%s [%lld, %lld) step %lu: row %ld ds %ld: %g / %g",
			    path, (long long)from, (long long)to, want, i / (long)n1,
			    i % (long)n1, d1[i], d2[i]);
	}
	free(nm1);
	free(nm2);
	free(d1);
	free(d2);
}

/*
 * The reader without the lock against librrd, over a month of rows (the
 * minute archive has wrapped about 14 times): every archive, ranges before
 * the file, across its start, inside, across the wrap, past its end, on
 * and off the archives' steps.
 */
static void
test_fetch_without_lock_is_librrds(void **state)
{
	struct fixture *f = *state;
	struct store *s = fixture_store(f, NULL, 3600);
	static const unsigned long steps[] = {
	    1, 60, 300, 1800, 3600, 7200, 86400, 7 * 86400};
	static const long lens[] = {
	    60, 3600, 5400, 86400, 2 * 86400 + 60, 7 * 86400, 40 * 86400, 400 * 86400};
	struct month m;
	const char *path;
	time_t end = FEB + NSTEPS * 60L, from;
	size_t a, b;

	write_month(s, &m, FEB);
	path = fixture_rrd(f, "web");
	for (a = 0; a < sizeof(steps) / sizeof(*steps); a++)
		for (b = 0; b < sizeof(lens) / sizeof(*lens); b++)
			for (from = FEB - 3 * 86400L; from < end + 86400L;
			     from += 86400L + 3600 + 7 * 60 + 13)
				fetch_both(path, from, from + lens[b], steps[a]);
	/* exactly the last rows, and the newest one alone */
	fetch_both(path, end - 3600, end, 60);
	fetch_both(path, end - 60, end, 60);
	fetch_both(path, end - 2 * 86400L, end, 60);
	/* a file cut short is refused, not read past its end */
	{
		time_t a0 = end - 3600, a1 = end;
		unsigned long st = 60, n = 0;
		char **nm = NULL;
		rrd_value_t *d = NULL;
		struct stat sb;

		assert_int_equal(stat(path, &sb), 0);
		assert_int_equal(truncate(path, sb.st_size - 8), 0);
		assert_int_equal(
		    store_file_fetch(path, &a0, &a1, &st, &n, &nm, &d), -1);
		assert_null(d);
		/* its length back (the last value zero): read again */
		assert_int_equal(truncate(path, sb.st_size), 0);
		assert_int_equal(store_file_fetch(path, &a0, &a1, &st, &n, &nm, &d), 0);
		for (unsigned long k = 0; k < n; k++)
			free(nm[k]);
		free(nm);
		free(d);
	}
	/* so is one whose header says an archive holds 2^62 rows */
	{
		time_t a0 = end - 3600, a1 = end;
		unsigned long st = 60, n = 0, huge = 1UL << 62;
		char **nm = NULL, head[4096];
		rrd_value_t *d = NULL;
		char *avg;
		int fd = open(path, O_RDWR);

		assert_true(fd >= 0);
		assert_int_equal(
		    pread(fd, head, sizeof(head), 0), (ssize_t)sizeof(head));
		/* rra_def_t: the name (20 bytes), then row_cnt, aligned */
		avg = memmem(head, sizeof(head), "AVERAGE", 8);
		assert_non_null(avg);
		assert_int_equal(pwrite(fd, &huge, sizeof(huge), (avg - head) + 24),
		    (ssize_t)sizeof(huge));
		close(fd);
		assert_int_equal(
		    store_file_fetch(path, &a0, &a1, &st, &n, &nm, &d), -1);
		assert_null(d);
	}
	month_free(&m);
}

/* Asia/Kolkata: local midnight is at :30 UTC, so months need 30-min rows */
static void
test_half_hour_zone(void **state)
{
	struct fixture *f = *state;
	struct store *s = fixture_store(f, NULL, 1800);
	time_t start = FEB - 19800; /* 2026-02-01 00:00 +05:30 */
	struct month m;

	write_month(s, &m, start);
	check_sum(s, &m, start, start + 20 * 86400L, 1800);
	check_sum(s, &m, start, start + NSTEPS * 60L, 1800);
	month_free(&m);
}

static void
test_hour_file_refuses_half_hour_month(void **state)
{
	struct fixture *f = *state;
	struct store *s = fixture_store(f, NULL, 3600);
	time_t start = FEB - 19800;
	struct store_sums got;
	struct month m;

	write_month(s, &m, start);
	assert_int_equal(store_sum(s, "web", start, start + 20 * 86400L, &got), -1);
	month_free(&m);
}

static void
test_writer_rules(void **state)
{
	struct fixture *f = *state;
	struct store *s = fixture_store(f, NULL, 3600);
	struct store_sums got;

	assert_int_equal(store_update(s, "web", FEB + 60, 60, 0, 0, 5), -1);
	assert_int_equal(store_ensure(s, "web", FEB + 61), -1);
	assert_int_equal(store_ensure(s, "../etc", FEB + 60), -1);
	assert_int_equal(store_ensure(s, "web", FEB + 60), 0);
	assert_int_equal(store_update(s, "web", FEB + 60, 60, 0, 0, 5), 0);
	/* twice, out of order, with a gap, off the step grid, out of range */
	assert_int_equal(store_update(s, "web", FEB + 60, 60, 0, 0, 5), -1);
	assert_int_equal(store_update(s, "web", FEB, 60, 0, 0, 5), -1);
	assert_int_equal(store_update(s, "web", FEB + 180, 60, 0, 0, 5), -1);
	assert_int_equal(store_update(s, "web", FEB + 150, 60, 0, 0, 5), -1);
	assert_int_equal(store_update(s, "web", FEB + 120, 61, 0, 0, 5), -1);
	assert_int_equal(store_update(s, "web", FEB + 120, 30, 31, 0, 5), -1);
	assert_int_equal(store_update(s, "web", FEB + 120, -1, 0, 0, 5), -1);
	/* a fill up to the last step is a no-op, then fills the gap */
	assert_int_equal(store_fill(s, "web", FEB + 60, 0, 0, 0), 0);
	assert_int_equal(store_fill(s, "web", FEB + 120, 0, 0, 61), -1);
	assert_int_equal(store_fill(s, "web", FEB + 120, 0, 0, 0), 0);
	assert_int_equal(store_update(s, "web", FEB + 180, 30, 30, 0, NAN), 0);
	assert_int_equal(store_last(s, "web"), FEB + 180);
	assert_int_equal(store_sum(s, "web", FEB, FEB + 180, &got), 0);
	assert_true(got.up_s == 90 && got.down_s == 30 && got.maint_s == 0);
	assert_int_equal(got.steps, 3);
	/* reopened (fixture_store closes the first): the last step is the file's */
	s = fixture_store(f, NULL, 3600);
	assert_int_equal(store_ensure(s, "web", FEB + 99 * 60), 0);
	assert_int_equal(store_last(s, "web"), FEB + 180);
	assert_int_equal(store_update(s, "web", FEB + 240, 60, 0, 0, 1), 0);
	/* a target with no file has no data, and gets none from reading */
	assert_int_equal(store_sum(s, "nofile", FEB, FEB + 180, &got), 0);
	assert_int_equal(got.steps, 0);
	assert_int_equal(access(fixture_rrd(f, "nofile"), F_OK), -1);
}

static void
test_foreign_file_left_alone(void **state)
{
	struct fixture *f = *state;
	struct store *s = fixture_store(f, NULL, 3600);
	const char *argv[] = {"DS:x:GAUGE:120:0:U", "RRA:AVERAGE:0.5:1:10"};
	const char *argv2[] = {"DS:up_s:GAUGE:300:0:60", "DS:down_s:GAUGE:300:0:60",
	    "DS:maint_s:GAUGE:300:0:60", "DS:latency_ms:GAUGE:300:0:U",
	    "RRA:AVERAGE:0.5:1:10"};
	const char *path = fixture_rrd(f, "other");
	struct stat before, after;

	rrd_clear_error();
	assert_int_equal(rrd_create_r(path, 60, FEB, 2, argv), 0);
	assert_int_equal(stat(path, &before), 0);
	assert_int_equal(store_ensure(s, "other", FEB + 60), -1);
	/* the target's steps wait (a file of another layout is never moved) */
	assert_int_equal(store_update(s, "other", FEB + 60, 60, 0, 0, 1), 0);
	assert_int_equal(store_retry(s), 1);
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(before.st_size, after.st_size);
	assert_int_equal(before.st_mtime, after.st_mtime);

	path = fixture_rrd(f, "slow");
	assert_int_equal(rrd_create_r(path, 300, FEB, 5, argv2), 0);
	assert_int_equal(store_ensure(s, "slow", FEB + 60), -1);
}

static time_t file_last(struct fixture *, const char *);

/* A deleted file is made again, a file of garbage moved aside and made again. */
static void
test_deleted_and_garbage_files(void **state)
{
	struct fixture *f = *state;
	struct store *s = fixture_store(f, NULL, 3600);
	struct store_sums got;
	char aside[4200];
	const char *path;
	FILE *g;
	DIR *d;
	struct dirent *de;
	int corrupt = 0;

	assert_int_equal(store_ensure(s, "web", FEB + 60), 0);
	path = store_path(s, "web");
	assert_int_equal(store_update(s, "web", FEB + 60, 60, 0, 0, 1), 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(store_update(s, "web", FEB + 120, 50, 10, 0, 1), 0);
	assert_int_equal(store_retry(s), 0);
	assert_int_equal(file_last(f, "web"), FEB + 120);
	assert_int_equal(store_sum(s, "web", FEB + 60, FEB + 120, &got), 0);
	assert_true(got.up_s == 50 && got.down_s == 10);

	/* garbage, at a restart: moved aside, a new file */
	snprintf(aside, sizeof(aside), "%s", fixture_rrd(f, "db"));
	assert_non_null(g = fopen(aside, "w"));
	fputs("this is not an RRD file\n", g);
	fclose(g);
	assert_int_equal(store_ensure(s, "db", FEB + 60), 0);
	assert_int_equal(file_last(f, "db"), FEB);
	/* and while running */
	assert_non_null(g = fopen(aside, "w"));
	fputs("garbage again", g);
	fclose(g);
	assert_int_equal(store_update(s, "db", FEB + 60, 60, 0, 0, 1), 0);
	assert_int_equal(store_retry(s), 0);
	assert_int_equal(file_last(f, "db"), FEB + 60);
	snprintf(aside, sizeof(aside), "%s", fixture_rrd(f, "db"));
	*strrchr(aside, '/') = '\0';
	assert_non_null(d = opendir(aside));
	while ((de = readdir(d)) != NULL)
		corrupt += strncmp(de->d_name, "db.rrd.corrupt-", 15) == 0;
	closedir(d);
	assert_int_equal(corrupt, 2);
}

static void
test_rrdtool_reads_the_file(void **state)
{
	struct fixture *f = *state;
	struct store *s = fixture_store(f, NULL, 3600);
	char cmd[1024], *out;
	int i;

	assert_int_equal(store_ensure(s, "web", FEB + 60), 0);
	for (i = 1; i <= 5; i++)
		assert_int_equal(store_update(s, "web", FEB + 60 * i, 60 - i, i, 0,
				     i == 3 ? NAN : 100 + i),
		    0);
	snprintf(cmd, sizeof(cmd), "rrdtool info %s", store_path(s, "web"));
	out = fixture_run(cmd);
	assert_non_null(strstr(out, "step = 60\n"));
	assert_non_null(strstr(out, "last_update = 1769904300\n"));
	assert_non_null(strstr(out, "ds[up_s].type = \"GAUGE\""));
	assert_non_null(strstr(out, "ds[latency_ms].max = NaN"));
	assert_non_null(strstr(out, "ds[maint_s].max = 6.0000000000e+01"));
	assert_non_null(strstr(out, "rra[2].cf = \"MAX\""));
	assert_non_null(strstr(out, "rra[1].pdp_per_row = 60"));
	assert_non_null(strstr(out, "rra[1].rows = 87672"));
	assert_non_null(strstr(out, "rra[2].rows = 9600"));
	free(out);
	snprintf(cmd, sizeof(cmd), "rrdtool fetch %s AVERAGE -r 60 -s %ld -e %ld",
	    store_path(s, "web"), FEB + 60, FEB + 240);
	out = fixture_run(cmd);
	assert_non_null(strstr(out,
	    "1769904120: 5.8000000000e+01 2.0000000000e+00 "
	    "0.0000000000e+00 1.0200000000e+02"));
	assert_non_null(strstr(out,
	    "1769904180: 5.7000000000e+01 3.0000000000e+00 "
	    "0.0000000000e+00 -nan"));
	free(out);
}

static void
test_daily_bars(void **state)
{
	struct fixture *f = *state;
	struct store *s = fixture_store(f, NULL, 3600);
	struct store_sums bars[DAYS], want;
	time_t bounds[DAYS + 1];
	struct month m;
	int d;

	write_month(s, &m, FEB);
	/* local days of a +01:00 zone */
	for (d = 0; d <= DAYS; d++)
		bounds[d] = FEB - 3600 + d * 86400L;
	bounds[0] = FEB;
	assert_int_equal(store_daily(s, "web", bounds, DAYS, bars), 0);
	for (d = 0; d < DAYS; d++) {
		month_expect(&m, bounds[d], bounds[d + 1], &want);
		assert_true(bars[d].up_s == want.up_s);
		assert_true(bars[d].down_s == want.down_s);
		assert_true(bars[d].maint_s == want.maint_s);
	}
	/* day 9 local: 1 h before midnight UTC, 19 h up less the maintenance hour */
	assert_true(bars[9].up_s == 18 * 3600 && bars[9].maint_s == 3600);
	month_free(&m);
}

/* the file's own last update, as librrd reads it */
static time_t
file_last(struct fixture *f, const char *target)
{
	rrd_clear_error();
	return rrd_last_r(fixture_rrd(f, target));
}

/*
 * Deferred (run): updates only queue; the loop writes one target a slice
 * when the slice is spent at once, in the order they were queued; a file
 * that cannot be written waits out of line until store_requeue.
 */
static void
test_deferred_writes(void **state)
{
	struct fixture *f = *state;
	struct store *s = fixture_store(f, NULL, 3600);
	static const char *names[] = {"a", "b", "c"};
	struct store_sums got;
	char moved[600];
	int i, k;

	for (k = 0; k < 3; k++)
		assert_int_equal(store_ensure(s, names[k], FEB + 60), 0);
	store_set_deferred(s, true);
	assert_false(store_flush_due(s));
	assert_false(store_flush_some(s, 10));
	for (i = 1; i <= 2; i++)
		for (k = 2; k >= 0; k--)
			assert_int_equal(store_update(s, names[k], FEB + 60 * i,
					     60 - i - k, i + k, 0, 10 * i + k),
			    0);
	/* queued, not written */
	assert_int_equal(store_pending(s), 6);
	assert_int_equal(store_last(s, "a"), FEB + 120);
	for (k = 0; k < 3; k++)
		assert_int_equal(file_last(f, names[k]), FEB);
	assert_true(store_flush_due(s));
	/* c was queued first */
	assert_true(store_flush_some(s, 0));
	assert_int_equal(file_last(f, "c"), FEB + 120);
	assert_int_equal(file_last(f, "b"), FEB);
	assert_true(store_flush_some(s, 0));
	assert_int_equal(file_last(f, "b"), FEB + 120);
	assert_int_equal(file_last(f, "a"), FEB);
	assert_false(store_flush_some(s, 0));
	assert_int_equal(file_last(f, "a"), FEB + 120);
	assert_int_equal(store_pending(s), 0);
	assert_false(store_flush_due(s));
	/* a read writes its target's queue first */
	assert_int_equal(store_update(s, "a", FEB + 180, 60, 0, 0, 1), 0);
	assert_int_equal(store_sum(s, "a", FEB, FEB + 180, &got), 0);
	assert_int_equal(got.steps, 3);
	assert_true(got.up_s == 59 + 58 + 60 && got.down_s == 1 + 2);
	/* its place in line is then empty: nothing is written twice */
	assert_false(store_flush_some(s, 10));
	assert_int_equal(store_pending(s), 0);

	/* b's file cannot be written (a directory in its place): its steps
	 * wait, out of line */
	snprintf(moved, sizeof(moved), "%s.away", fixture_rrd(f, "b"));
	assert_int_equal(rename(fixture_rrd(f, "b"), moved), 0);
	assert_int_equal(mkdir(fixture_rrd(f, "b"), 0755), 0);
	assert_int_equal(store_update(s, "b", FEB + 180, 60, 0, 0, 1), 0);
	assert_int_equal(store_update(s, "c", FEB + 180, 60, 0, 0, 1), 0);
	assert_false(store_flush_some(s, 10));
	assert_int_equal(store_pending(s), 1);
	assert_false(store_flush_due(s));
	store_requeue(s);
	assert_true(store_flush_due(s));
	assert_false(store_flush_some(s, 10));
	assert_int_equal(store_pending(s), 1);
	assert_int_equal(rmdir(fixture_rrd(f, "b")), 0);
	assert_int_equal(rename(moved, fixture_rrd(f, "b")), 0);
	store_requeue(s);
	store_requeue(s); /* in line once */
	assert_false(store_flush_some(s, 0));
	assert_int_equal(store_pending(s), 0);
	assert_int_equal(file_last(f, "b"), FEB + 180);
	assert_int_equal(store_sum(s, "b", FEB, FEB + 180, &got), 0);
	assert_int_equal(got.steps, 3);
	assert_true(got.up_s == 58 + 57 + 60 && got.down_s == 2 + 3);
	/* and store_close writes what is left */
	assert_int_equal(store_update(s, "c", FEB + 240, 60, 0, 0, 1), 0);
	s = fixture_store(f, NULL, 3600);
	assert_int_equal(file_last(f, "c"), FEB + 240);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_month_exact_at_every_resolution, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_half_hour_zone, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_hour_file_refuses_half_hour_month, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_writer_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_foreign_file_left_alone, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_deleted_and_garbage_files, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_rrdtool_reads_the_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_daily_bars, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_fetch_without_lock_is_librrds, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_deferred_writes, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
