/*
 * mclock.c - the monitor's clock: wall-clock time advancing with the
 * monotonic clock, and steps of the wall clock detected (mclock.h).
 */
#include <math.h>
#include <time.h>

#include "mclock.h"

void
mclock_init(struct mclock *c, double wall, double mono)
{
	c->wall0 = wall;
	c->mono0 = mono;
	c->ahead = 0;
}

double
mclock_at(const struct mclock *c, double mono)
{
	return c->wall0 + (mono - c->mono0);
}

enum mclock_jump
mclock_check(struct mclock *c, double wall, double mono, time_t *from, time_t *to)
{
	double mon = mclock_at(c, mono);
	/* how far the wall clock moved against what was known of it */
	double jump = (wall - mon) + c->ahead;

	if (fabs(jump) <= MCLOCK_TOLERANCE)
		return MCLOCK_STEADY;
	if (jump < 0) {
		*from = (time_t)floor(wall - jump);
		*to = (time_t)floor(wall);
		c->ahead -= jump;
		return MCLOCK_BACKWARD;
	}
	/* forward: first it eats what the monitor was ahead; the rest is
	 * time that was jumped over */
	if (wall <= mon) {
		c->ahead = mon - wall;
		return MCLOCK_STEADY;
	}
	*from = (time_t)floor(mon);
	*to = (time_t)floor(wall);
	c->wall0 = wall;
	c->mono0 = mono;
	c->ahead = 0;
	return *to > *from ? MCLOCK_FORWARD : MCLOCK_STEADY;
}

double
mclock_wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

double
mclock_mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct timeval
mclock_tv_ms(double ms)
{
	struct timeval tv;

	if (ms < 0)
		ms = 0;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)((ms - (double)tv.tv_sec * 1000) * 1000);
	return tv;
}
