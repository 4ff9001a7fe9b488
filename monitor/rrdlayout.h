/*
 * rrdlayout.h - the archives (RRAs) of a target's RRD file, as a pure
 * function of the step, the time zone's offset granularity, the spans and
 * the xff (after collectd's utils/rrdcreate). No librrd here.
 */
#ifndef SLAMON_RRDLAYOUT_H
#define SLAMON_RRDLAYOUT_H

#include <stddef.h>

#define RRDLAYOUT_MAX 8
#define RRDLAYOUT_HOUR 3600L
#define RRDLAYOUT_DAY 86400L

struct rrdlayout_params {
	long step;	  /* seconds of a primary data point (60) */
	long granularity; /* seconds dividing every UTC offset of the zone (3600, 1800, 900) */
	long fine_span; /* seconds held at one step a row (2 days) */
	long mid_span;	/* seconds held hourly (400 days) */
	long long_span; /* seconds held daily and at the zone granularity (10 years) */
	double xff;
};

struct rrdlayout_rra {
	const char *cf; /* "AVERAGE" or "MAX" */
	long steps;	/* primary data points a row */
	long rows;
};

/* The parameters of design.md section 5 for a zone of the given granularity. */
void rrdlayout_defaults(struct rrdlayout_params *, long granularity);

/*
 * Fill out[] (RRDLAYOUT_MAX entries) finest first; returns the number of
 * archives, or -1 when the parameters are inconsistent (granularity not a
 * multiple of the step or not a divisor of an hour, spans not positive).
 */
int rrdlayout_make(const struct rrdlayout_params *, struct rrdlayout_rra *out);

/* "RRA:AVERAGE:0.99:60:9600"; returns snprintf's result. */
int rrdlayout_format(const struct rrdlayout_rra *, double xff, char *buf, size_t len);

/*
 * The largest divisor of an hour that divides every offset given (seconds
 * east of UTC): 3600 for whole-hour zones, 1800 for Asia/Kolkata, 900 for
 * Asia/Kathmandu. Offsets with seconds (LMT) give the gcd, possibly 1.
 */
long rrdlayout_granularity(const long *offsets, size_t n);

#endif
