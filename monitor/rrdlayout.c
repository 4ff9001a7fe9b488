/*
 * rrdlayout.c - which archives a target's RRD file holds, and why.
 *
 * Availability is a sum of seconds over a calendar month in the configured
 * zone, so an archive is only useful for it when its rows start on the
 * month's boundaries. RRD aligns a row of N seconds on multiples of N since
 * the epoch (UTC), so:
 *  - the 1-step archive is exact for any step-aligned range it still holds
 *    (two days);
 *  - the hourly archive is exact for any month of the last 400 days in a
 *    zone whose offsets are whole hours;
 *  - a zone with :30 or :45 offsets (Asia/Kolkata, Asia/Kathmandu,
 *    Australia/Adelaide) gets an extra AVERAGE archive at its granularity
 *    (30 or 15 minutes) for the same 400 days, which costs 19,200 or 38,400
 *    rows; the hourly one stays for graphs and for the contract;
 *  - the daily archive's rows are UTC days: it is exact for month sums only
 *    in UTC, and is otherwise for graphs and 10-year trends. Readers prefer
 *    the finest archive that holds the range and is aligned with it.
 * The xff only matters for latency_ms: up_s, down_s and maint_s are written
 * for every step (explicit zeros when there is no data), so their rows are
 * never unknown whatever the xff. A high xff keeps an hour's latency known
 * when a target is probed less often than once a step.
 */
#include <stdio.h>

#include "rrdlayout.h"

void
rrdlayout_defaults(struct rrdlayout_params *p, long granularity)
{
	p->step = 60;
	p->granularity = granularity;
	p->fine_span = 2 * RRDLAYOUT_DAY;
	p->mid_span = 400 * RRDLAYOUT_DAY;
	p->long_span = 3653 * RRDLAYOUT_DAY; /* ten years with their leap days */
	p->xff = 0.99;
}

static int
add(struct rrdlayout_rra *out, int n, const char *cf, long steps, long span, long step)
{
	long len = steps * step;

	out[n].cf = cf;
	out[n].steps = steps;
	out[n].rows = (span + len - 1) / len;
	return n + 1;
}

int
rrdlayout_make(const struct rrdlayout_params *p, struct rrdlayout_rra *out)
{
	long g = p->granularity;
	int n = 0;

	if (p->step <= 0 || RRDLAYOUT_HOUR % p->step != 0 || p->fine_span <= 0 ||
	    p->mid_span <= 0 || p->long_span <= 0 || p->xff < 0 || p->xff >= 1)
		return -1;
	if (g <= 0 || RRDLAYOUT_HOUR % g != 0 || g % p->step != 0)
		return -1;

	n = add(out, n, "AVERAGE", 1, p->fine_span, p->step);
	if (g < RRDLAYOUT_HOUR)
		n = add(out, n, "AVERAGE", g / p->step, p->mid_span, p->step);
	n = add(out, n, "AVERAGE", RRDLAYOUT_HOUR / p->step, p->mid_span, p->step);
	n = add(out, n, "MAX", RRDLAYOUT_HOUR / p->step, p->mid_span, p->step);
	n = add(out, n, "AVERAGE", RRDLAYOUT_DAY / p->step, p->long_span, p->step);
	n = add(out, n, "MAX", RRDLAYOUT_DAY / p->step, p->long_span, p->step);
	return n;
}

int
rrdlayout_format(const struct rrdlayout_rra *r, double xff, char *buf, size_t len)
{
	return snprintf(buf, len, "RRA:%s:%.2f:%ld:%ld", r->cf, xff, r->steps, r->rows);
}

static long
gcd(long a, long b)
{
	while (b != 0) {
		long t = a % b;
		a = b;
		b = t;
	}
	return a;
}

long
rrdlayout_granularity(const long *offsets, size_t n)
{
	long g = RRDLAYOUT_HOUR;
	size_t i;

	for (i = 0; i < n; i++)
		g = gcd(g, offsets[i] < 0 ? -offsets[i] : offsets[i]);
	return g;
}
