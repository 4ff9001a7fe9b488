/*
 * calendar_bench.c - 10 million "is crm-web in announced maintenance at t?"
 * queries against the shipped calendar (etc/slamon.conf) over 2026, after
 * one expansion into the per-target index. Run from the source root:
 * `make bench`, or build/bench/calendar_bench after it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../monitor/calendar.h"
#include "../monitor/conf.h"

#define QUERIES 10000000L

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "etc/slamon.conf";
	char err[1024];
	struct conf *c;
	struct calendar *cal;
	struct cal_index *idx;
	time_t from, to, until;
	uint64_t x = 88172645463325252ULL;
	long hits = 0;
	double t0, t1, t2;

	if ((c = conf_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	tz_parse("2026-01-01", 0, &from, NULL);
	tz_parse("2027-01-01", 0, &to, NULL);
	t0 = now_s();
	if ((cal = calendar_new(c, NULL, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	idx = calendar_index(cal, conf_target_find(c, "crm-web"), from, to);
	t1 = now_s();
	for (long i = 0; i < QUERIES; i++) {
		/* xorshift64: times spread over the year, not cache-friendly in order. */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		hits += cal_index_in_maint(idx, from + (time_t)(x % (uint64_t)(to - from)),
		    &until);
	}
	t2 = now_s();
	printf("calendar_index(crm-web, 2026): %zu merged intervals in %.2f ms\n",
	    cal_index_count(idx), (t1 - t0) * 1e3);
	printf("%ld in_maint queries: %.3f s, %.1f ns/query, %.1f%% in maintenance\n",
	    QUERIES, t2 - t1, (t2 - t1) * 1e9 / QUERIES, 100.0 * hits / QUERIES);
	cal_index_free(idx);
	calendar_free(cal);
	conf_free(c);
	return 0;
}
