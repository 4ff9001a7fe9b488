/*
 * test_contract.c - the contract's terms: service-credit tiers decided
 * exactly on the seconds (a customer at exactly 99.9 % is not below 99.9),
 * the `credits` setting, quarter and year bounds in Europe/Oslo, and a
 * quarter's and a year's seconds equal to the sums of their months, read
 * from a real RRD file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../monitor/calendar.h"
#include "../../monitor/contract.h"
#include "../../monitor/report.h"
#include "../../monitor/tz.h"
#include "storetest.h"

static const struct conf_credit TIERS[] = {{99.9, 10}, {99.0, 25}, {95.0, 100}};
static const struct conf_credits CREDITS = {(struct conf_credit *)TIERS, 3};

static int
setup(void **state)
{
	(void)state;
	return tz_set("Europe/Oslo");
}

static void
test_tier_boundaries(void **state)
{
	struct contract_credit x;

	(void)state;
	/* exactly 99.9 %: not below 99.9 */
	contract_credit(&CREDITS, 999000, 1000, &x);
	assert_int_equal(x.tier, -1);
	assert_true(x.percent == 0);
	assert_int_equal(x.countable_s, 1000000);
	assert_int_equal(x.next_down_s, 1001);
	/* one second more down: 99.8999 %, the first tier */
	contract_credit(&CREDITS, 998999, 1001, &x);
	assert_int_equal(x.tier, 0);
	assert_true(x.percent == 10 && x.below == 99.9);
	assert_int_equal(x.tier_down_s, 1001);
	assert_int_equal(x.next_down_s, 10001);
	/* 99.8999999 % shows as 99.900 with three decimals: still below */
	contract_credit(&CREDITS, 998999999, 1000001, &x);
	assert_int_equal(x.tier, 0);
	/* exactly 99.0 %: the first tier, not the second */
	contract_credit(&CREDITS, 990000, 10000, &x);
	assert_int_equal(x.tier, 0);
	assert_true(x.percent == 10);
	contract_credit(&CREDITS, 989999, 10001, &x);
	assert_int_equal(x.tier, 1);
	assert_true(x.percent == 25);
	/* exactly 95 %, and below it */
	contract_credit(&CREDITS, 95, 5, &x);
	assert_int_equal(x.tier, 1);
	contract_credit(&CREDITS, 94, 6, &x);
	assert_int_equal(x.tier, 2);
	assert_true(x.percent == 100);
	assert_int_equal(x.next_down_s, -1);
	/* all down; and no data decides nothing */
	contract_credit(&CREDITS, 0, 60, &x);
	assert_int_equal(x.tier, 2);
	contract_credit(&CREDITS, 0, 0, &x);
	assert_int_equal(x.tier, -1);
	assert_int_equal(x.next_down_s, -1);
	/* no credits agreed */
	contract_credit(NULL, 10, 10, &x);
	assert_int_equal(x.tier, -1);
	/* a threshold that is no binary fraction: 99.95 % of 2,000 s */
	assert_false(contract_below(99.95, 1999, 1));
	assert_true(contract_below(99.95, 1998, 1));
	assert_false(contract_below(99.999999, 99999999, 1));
	assert_true(contract_below(99.999999, 99999998, 2));
	/* a component over a year, 10,000 targets: no overflow */
	assert_false(contract_below(99.9, 315360000000L - 315360000L, 315360000L));
	assert_true(contract_below(99.9, 315360000000L - 315360001L, 315360001L));
	assert_int_equal(contract_down_threshold(99.9, 315360000000L), 315360001L);
}

/* degraded: the up seconds of a step whose mean latency misses the objective */
static void
test_degraded_seconds(void **state)
{
	(void)state;
	assert_int_equal(contract_degraded_s(60, 501, 500), 60);
	assert_int_equal(contract_degraded_s(60, 500, 500), 0); /* exactly: met */
	assert_int_equal(contract_degraded_s(60, 499.9, 500), 0);
	/* down seconds are not degraded: only the up part of a step counts */
	assert_int_equal(contract_degraded_s(20, 900, 500), 20);
	/* inside announced maintenance: no up seconds, nothing degraded; a
	 * step the window's end cuts keeps only its part after the window */
	assert_int_equal(contract_degraded_s(0, 900, 500), 0);
	assert_int_equal(contract_degraded_s(35, 900, 500), 35);
	/* no objective, no latency */
	assert_int_equal(contract_degraded_s(60, 900, 0), 0);
	assert_int_equal(contract_degraded_s(60, NAN, 500), 0);
}

static void
test_period_bounds(void **state)
{
	time_t s, e;
	char label[32];

	(void)state;
	/* Q1 2026: 1 Jan 00:00 CET to 1 Apr 00:00 CEST, an hour short */
	assert_int_equal(contract_period_bounds(
			     CONTRACT_QUARTER, "2026-Q1", &s, &e, label, sizeof(label)),
	    0);
	assert_string_equal(label, "2026-Q1");
	assert_int_equal(s, 1767222000);
	assert_int_equal(e, 1774994400);
	assert_int_equal(e - s, 90L * 86400 - 3600);
	/* Q4 runs into the next year and gets the hour back */
	assert_int_equal(contract_period_bounds(
			     CONTRACT_QUARTER, "2026-Q4", &s, &e, label, sizeof(label)),
	    0);
	assert_int_equal(s, 1790805600);
	assert_int_equal(e, 1798758000);
	assert_int_equal(e - s, 92L * 86400 + 3600);
	assert_int_equal(
	    contract_period_bounds(CONTRACT_YEAR, "2026", &s, &e, label, sizeof(label)),
	    0);
	assert_string_equal(label, "2026");
	assert_int_equal(s, 1767222000);
	assert_int_equal(e, 1798758000);
	assert_int_equal(e - s, 365L * 86400);
	assert_int_equal(contract_period_months(CONTRACT_YEAR), 12);
	assert_int_equal(contract_period_months(CONTRACT_QUARTER), 3);
	assert_int_equal(contract_period_bounds(
			     CONTRACT_MONTH, "2026-03", &s, &e, label, sizeof(label)),
	    0);
	assert_int_equal(e - s, 743L * 3600);
	{
		static const char *const badq[] = {"2026-Q0", "2026-Q5", "2026-q1",
		    "2026Q1", "2026-Q1x", "2026-1", "1969-Q4", ""};
		static const char *const bady[] = {"26", "20266", "2026-", "x026", ""};
		for (size_t i = 0; i < sizeof(badq) / sizeof(badq[0]); i++)
			assert_int_equal(contract_period_bounds(CONTRACT_QUARTER,
					     badq[i], &s, &e, label, sizeof(label)),
			    -1);
		for (size_t i = 0; i < sizeof(bady) / sizeof(bady[0]); i++)
			assert_int_equal(contract_period_bounds(CONTRACT_YEAR, bady[i],
					     &s, &e, label, sizeof(label)),
			    -1);
	}
}

/* A configuration in a temporary file; NULL and err when it is refused. */
static struct conf *
load(struct fixture *f, const char *body, char *err, size_t len)
{
	char path[160];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/slamon.conf", f->dir);
	if ((fp = fopen(path, "w")) == NULL)
		abort();
	fprintf(fp,
	    "slamon: { state_dir = \"%s\"; timezone = \"Europe/Oslo\"; listen = \"\"; "
	    "};\n%s",
	    f->state, body);
	fclose(fp);
	return conf_load(path, err, len);
}

static void
test_conf_credits(void **state)
{
	struct fixture *f = fixture_new();
	char err[1024];
	struct conf *c;

	(void)state;
	c = load(f,
	    "defaults: { credits = ( { below = 99.0; percent = 25; },\n"
	    "  { below = 99.9; percent = 10; } ); };\n"
	    "targets = ( { name = \"a\"; type = \"tcp\"; host = \"127.0.0.1\"; "
	    "port = 9; },\n"
	    "  { name = \"b\"; type = \"tcp\"; host = \"127.0.0.1\"; port = 9;\n"
	    "    credits = ( { below = 99.5; percent = 5; } ); },\n"
	    "  { name = \"c\"; type = \"tcp\"; host = \"127.0.0.1\"; port = 9; "
	    "credits = (); } );\nmaintenance: { windows = (); };\n",
	    err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	/* sorted, highest threshold first */
	assert_int_equal(c->targets[0].credits.n, 2);
	assert_true(c->targets[0].credits.v[0].below == 99.9);
	assert_true(c->targets[0].credits.v[1].percent == 25);
	assert_int_equal(c->targets[1].credits.n, 1);
	assert_true(c->targets[1].credits.v[0].below == 99.5);
	assert_int_equal(c->targets[2].credits.n, 0);
	conf_free(c);

	static const struct {
		const char *body, *want;
	} bad[] = {
	    {"defaults: { credits = ( { below = 99.9; } ); };\n",
		"slamon.conf:2: defaults.credits[0].percent: missing"},
	    {"defaults: { credits = ( { below = 99.9; percent = 10; },\n"
	     "  { below = 99.9; percent = 20; } ); };\n",
		":3: "},
	    {"defaults: { credits = ( { below = 99.0; percent = 5; },\n"
	     "  { below = 99.9; percent = 10; } ); };\n",
		"a lower availability must not earn a smaller credit"},
	    {"defaults: { credits = ( { below = 99.12345678; percent = 10; } ); };\n",
		"at most six decimals"},
	    {"defaults: { credits = ( { below = 0; percent = 10; } ); };\n",
		"below: must be above 0"},
	    {"defaults: { credits = ( { below = 101; percent = 10; } ); };\n",
		"out of range"},
	    {"defaults: { credits = ( { below = 99; percent = 10; typo = 1; } ); };\n",
		"typo: unknown setting"},
	    {"defaults: { credits = 5; };\n", "credits: expected a list"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char body[512];
		snprintf(body, sizeof(body),
		    "%stargets = ( { name = \"a\"; type = \"tcp\"; host = "
		    "\"127.0.0.1\"; port = 9; } );\nmaintenance: { windows = (); "
		    "};\n",
		    bad[i].body);
		c = load(f, body, err, sizeof(err));
		if (c != NULL)
			fail_msg("accepted: %s", bad[i].body);
		if (strstr(err, bad[i].want) == NULL)
			fail_msg("%s: wanted \"%s\"", err, bad[i].want);
	}
	fixture_free(f);
}

/*
 * Q1 2026 of one target in a real RRD file: up, a 45-minute outage on 10
 * February, an hour of maintenance rows on 1 March at 00:00 (the month's
 * first step), the monitor away on 31 January from 23:00 to 1 February
 * 01:00 (explicit zeros across the month boundary). The quarter's and the
 * year's seconds, read as a whole, equal the sums of their months.
 */
static void
test_quarter_sums_months(void **state)
{
	struct fixture *f = fixture_new();
	const time_t q0 = 1767222000;	/* 2026-01-01 00:00 CET */
	const time_t out = 1770728400;	/* 2026-02-10 14:00 CET */
	const time_t mar = 1772319600;	/* 2026-03-01 00:00 CET */
	const time_t away = 1769896800; /* 2026-01-31 23:00 CET */
	const time_t q1 = 1774994400;	/* 2026-04-01 00:00 CEST */
	struct report rep, yr;
	struct calendar *cal;
	struct store *s;
	struct conf *c;
	char err[1024];
	bool bad;

	(void)state;
	c = load(f,
	    "defaults: { credits = ( { below = 99.9; percent = 10; } ); };\n"
	    "targets = ( { name = \"web\"; type = \"tcp\"; host = \"127.0.0.1\"; "
	    "port = 9; } );\nmaintenance: { windows = (); };\n",
	    err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	s = fixture_store(f, NULL, 3600);
	assert_int_equal(store_ensure(s, "web", q0 + 60), 0);
	assert_int_equal(store_fill(s, "web", away, 60, 0, 0), 0);
	assert_int_equal(store_fill(s, "web", away + 7200, 0, 0, 0), 0);
	assert_int_equal(store_fill(s, "web", out, 60, 0, 0), 0);
	assert_int_equal(store_fill(s, "web", out + 2700, 0, 60, 0), 0);
	/* then 90 slow steps (degraded), and one with 40 s of maintenance: only
	 * its 20 up seconds are degraded */
	for (time_t e = out + 2760; e <= out + 2700 + 90 * 60; e += 60)
		assert_int_equal(store_update_slow(s, "web", e, 60, 0, 0, 900, 60), 0);
	assert_int_equal(
	    store_update_slow(s, "web", out + 2700 + 91 * 60, 20, 0, 40, 900, 20), 0);
	assert_int_equal(store_fill(s, "web", mar, 60, 0, 0), 0);
	assert_int_equal(store_fill(s, "web", mar + 3600, 0, 0, 60), 0);
	assert_int_equal(store_fill(s, "web", q1, 60, 0, 0), 0);
	if ((cal = calendar_load(c, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	memset(&rep, 0, sizeof(rep));
	/* as of the end of the year: every month is over */
	assert_int_equal(report_build_period(&rep, CONTRACT_QUARTER, "2026-Q1", c, cal,
			     s, 1798758000, NULL, &bad, err, sizeof(err)),
	    0);
	assert_int_equal(rep.nmonths, 3);
	assert_int_equal(rep.ntargets, 1);
	{
		long up = 0, down = 0, maint = 0, unknown = 0;
		for (size_t m = 0; m < 3; m++) {
			up += rep.months[m].targets[0].up_s;
			down += rep.months[m].targets[0].down_s;
			maint += rep.months[m].targets[0].maintenance_s;
			unknown += rep.months[m].targets[0].unknown_s;
		}
		assert_int_equal(rep.targets[0].up_s, up);
		assert_int_equal(rep.targets[0].down_s, down);
		assert_int_equal(rep.targets[0].maintenance_s, maint);
		assert_int_equal(rep.targets[0].unknown_s, unknown);
		assert_int_equal(down, 2700);
		assert_int_equal(maint, 3600 + 40);
		assert_int_equal(unknown, 7200);
		assert_int_equal(up, (long)(q1 - q0) - 2700 - 3600 - 7200 - 40);
		/* the degraded seconds, exact in the hourly archive */
		assert_true(rep.targets[0].degraded_known);
		assert_int_equal(rep.targets[0].degraded_s, 90 * 60 + 20);
		assert_int_equal(rep.months[1].targets[0].degraded_s, 90 * 60 + 20);
		assert_int_equal(rep.months[0].targets[0].degraded_s +
			rep.months[1].targets[0].degraded_s +
			rep.months[2].targets[0].degraded_s,
		    rep.targets[0].degraded_s);
	}
	/* the away hours are split at the month boundary: an hour each */
	assert_int_equal(rep.months[0].targets[0].unknown_s, 3600);
	assert_int_equal(rep.months[1].targets[0].unknown_s, 3600);
	/* credits per month: February only (2,700 s > 0.1 % of its seconds) */
	assert_int_equal(rep.months[0].targets[0].credit.tier, -1);
	assert_int_equal(rep.months[1].targets[0].credit.tier, 0);
	assert_int_equal(rep.months[2].targets[0].credit.tier, -1);
	/* the component adds up the same */
	assert_int_equal(rep.components[0].down_s, rep.months[1].components[0].down_s);
	memset(&yr, 0, sizeof(yr));
	assert_int_equal(report_build_period(&yr, CONTRACT_YEAR, "2026", c, cal, s,
			     1798758000, NULL, &bad, err, sizeof(err)),
	    0);
	assert_int_equal(yr.nmonths, 12);
	{
		long up = 0, down = 0, unknown = 0;
		for (size_t m = 0; m < 12; m++) {
			up += yr.months[m].targets[0].up_s;
			down += yr.months[m].targets[0].down_s;
			unknown += yr.months[m].targets[0].unknown_s;
		}
		assert_int_equal(yr.targets[0].up_s, up);
		assert_int_equal(yr.targets[0].down_s, down);
		assert_int_equal(yr.targets[0].unknown_s, unknown);
		assert_int_equal(yr.targets[0].up_s, rep.targets[0].up_s);
	}
	/* a bad spec is said as such */
	report_free(&yr);
	memset(&yr, 0, sizeof(yr));
	assert_int_equal(report_build_period(&yr, CONTRACT_QUARTER, "2026-Q7", c, cal,
			     s, 1798758000, NULL, &bad, err, sizeof(err)),
	    -1);
	assert_true(bad);
	report_free(&rep);
	calendar_free(cal);
	conf_free(c);
	fixture_free(f);
}

/*
 * A file made before slow_s (four data sources): still written and read,
 * its degraded seconds unknown rather than 0; `rrdtool tune` adds slow_s.
 */
static void
test_old_file_without_slow(void **state)
{
	struct fixture *f = fixture_new();
	const time_t t0 = 1767222000;
	struct store_sums sums;
	struct store *s;
	char cmd[512];

	(void)state;
	snprintf(cmd, sizeof(cmd),
	    "mkdir -p %s/rrd && rrdtool create %s/rrd/web.rrd --start %lld --step 60 "
	    "DS:up_s:GAUGE:60:0:60 DS:down_s:GAUGE:60:0:60 DS:maint_s:GAUGE:60:0:60 "
	    "DS:latency_ms:GAUGE:60:0:U RRA:AVERAGE:0.5:1:2880 RRA:AVERAGE:0.5:60:9600 "
	    "2>&1",
	    f->state, f->state, (long long)t0);
	free(fixture_run(cmd));
	s = fixture_store(f, NULL, 3600);
	assert_int_equal(store_ensure(s, "web", t0 + 60), 0);
	assert_int_equal(store_update_slow(s, "web", t0 + 60, 60, 0, 0, 900, 60), 0);
	assert_int_equal(store_fill(s, "web", t0 + 7200, 60, 0, 0), 0);
	assert_int_equal(store_sum(s, "web", t0, t0 + 7200, &sums), 0);
	assert_true(sums.up_s == 7200);
	assert_false(sums.slow_known);
	/* the upgrade: add the data source with slamon stopped */
	store_close(f->s);
	f->s = NULL;
	snprintf(cmd, sizeof(cmd),
	    "rrdtool tune %s/rrd/web.rrd DS:slow_s:GAUGE:60:0:60 2>&1", f->state);
	free(fixture_run(cmd));
	s = fixture_store(f, NULL, 3600);
	assert_int_equal(store_ensure(s, "web", t0 + 60), 0);
	assert_int_equal(store_update_slow(s, "web", t0 + 7260, 60, 0, 0, 900, 60), 0);
	assert_int_equal(store_sum(s, "web", t0 + 7200, t0 + 7260, &sums), 0);
	assert_true(sums.slow_known);
	assert_true(sums.slow_s == 60);
	fixture_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tier_boundaries),
	    cmocka_unit_test(test_degraded_seconds),
	    cmocka_unit_test(test_period_bounds),
	    cmocka_unit_test(test_conf_credits),
	    cmocka_unit_test(test_quarter_sums_months),
	    cmocka_unit_test(test_old_file_without_slow),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
