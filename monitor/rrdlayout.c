/*
 * rrdlayout.c - which archives a target's RRD file holds, and why.
 *
 * Availability is a sum of seconds over a calendar month in the configured
 * zone, so an archive is only useful for it when its rows start on the
 * month's boundaries. RRD aligns a row of N seconds on multiples of N since
 * the epoch (UTC), and a local midnight falls on a multiple of the zone's
 * offset granularity (an hour for Europe/Oslo, 30 minutes for Asia/Kolkata
 * and Australia/Adelaide, 15 for Asia/Kathmandu), never on a UTC day in a
 * zone with DST. So:
 *  - the 1-step archive is exact for any step-aligned range it still holds
 *    (two days);
 *  - the AVERAGE archive at the zone's granularity holds the whole
 *    retention (ten years): every local month of it is exact to the step
 *    from its rows. It is the one that costs: 87,672 rows (2.8 MB) for a
 *    whole-hour zone, 175,344 (5.6 MB) at 30 minutes, 350,688 (11.2 MB) at
 *    15. Sealing monthly totals into the journal would cost almost nothing
 *    on disk, but a month would then be exact only if a monitor sealed it
 *    in time and in the zone asked for; rows are exact for any period and
 *    any reader (rrdtool fetch included), which we judged worth the disk;
 *  - the hourly archives (AVERAGE and MAX) hold 400 days for graphs and
 *    the contract (in a whole-hour zone the AVERAGE one is the 10-year one);
 *  - the daily archive's rows are UTC days: for graphs and trends only.
 *    Readers prefer the finest archive that holds the range and is aligned
 *    with it.
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
	/* the months' archive: the zone's granularity over the whole retention */
	n = add(out, n, "AVERAGE", g / p->step, p->long_span, p->step);
	if (g < RRDLAYOUT_HOUR)
		n = add(
		    out, n, "AVERAGE", RRDLAYOUT_HOUR / p->step, p->mid_span, p->step);
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
