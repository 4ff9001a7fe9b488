/*
 * test_replay_stored.c - replay_check_stored: rows before their target's
 * stored end are refused (naming the first such line of the file) or, with
 * --skip-stored, left out and counted; a row at the end itself continues.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "replay.h"
#include "tz.h"

#define T0 1772323200 /* 2026-03-01T00:00:00Z */

static struct conf conf;
static struct conf_target targets[2];

/* rows sorted by time as replay_load leaves them, with their file lines */
static void
load(struct replay *r)
{
	static const struct replay_row rows[] = {
	    {.t = T0 - 120,
		.target = 1,
		.detail = REPLAY_NO_DETAIL,
		.line = 7,
		.latency_ms = 1.0f,
		.loc = -1,
		.ok = true},
	    {.t = T0 - 60,
		.target = 0,
		.detail = REPLAY_NO_DETAIL,
		.line = 3,
		.latency_ms = 1.0f,
		.loc = -1,
		.ok = true},
	    {.t = T0,
		.target = 0,
		.detail = REPLAY_NO_DETAIL,
		.line = 2,
		.latency_ms = 1.0f,
		.loc = -1,
		.ok = true},
	    {.t = T0,
		.target = 1,
		.detail = REPLAY_NO_DETAIL,
		.line = 4,
		.latency_ms = 1.0f,
		.loc = -1,
		.ok = true},
	    {.t = T0 + 60,
		.target = 1,
		.detail = REPLAY_NO_DETAIL,
		.line = 5,
		.latency_ms = 1.0f,
		.loc = -1,
		.ok = true},
	};

	memset(r, 0, sizeof(*r));
	r->n = r->cap = sizeof(rows) / sizeof(rows[0]);
	r->rows = test_malloc(sizeof(rows));
	memcpy(r->rows, rows, sizeof(rows));
	r->first = rows[0].t;
	r->last = rows[r->n - 1].t;
}

static void
test_refused(void **state)
{
	struct replay r;
	time_t end[2] = {T0, T0 + 60};
	size_t skipped;
	char err[256];

	(void)state;
	load(&r);
	assert_int_equal(replay_check_stored(&r, "h.csv", &conf, end, false, &skipped,
			     err, sizeof(err)),
	    -1);
	/* the first line of the file among those before their end: 3, not 7 */
	assert_string_equal(err,
	    "h.csv:3: time: before the stored data of web "
	    "(ends 2026-03-01T00:00:00Z)");
	assert_int_equal(r.n, 5); /* nothing removed */
	test_free(r.rows);
}

static void
test_skipped(void **state)
{
	struct replay r;
	time_t end[2] = {T0, T0 + 60};
	size_t skipped;
	char err[256];

	(void)state;
	load(&r);
	assert_int_equal(replay_check_stored(
			     &r, "h.csv", &conf, end, true, &skipped, err, sizeof(err)),
	    0);
	assert_int_equal(skipped, 3);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.rows[0].line, 2); /* web at its end: kept */
	assert_int_equal(r.rows[1].line, 5); /* api at its end: kept */
	assert_int_equal(r.first, T0);
	assert_int_equal(r.last, T0 + 60);
	test_free(r.rows);
}

static void
test_nothing_stored(void **state)
{
	struct replay r;
	time_t end[2] = {0, 0};
	size_t skipped;
	char err[256];

	(void)state;
	load(&r);
	assert_int_equal(replay_check_stored(&r, "h.csv", &conf, end, false, &skipped,
			     err, sizeof(err)),
	    0);
	assert_int_equal(skipped, 0);
	assert_int_equal(r.n, 5);
	test_free(r.rows);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_skipped),
	    cmocka_unit_test(test_nothing_stored),
	};

	targets[0].name = (char *)"web";
	targets[1].name = (char *)"api";
	conf.targets = targets;
	conf.ntargets = 2;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
