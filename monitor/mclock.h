/*
 * mclock.h - the monitor's clock for `slamon run`: wall-clock seconds as
 * the records need them, but advancing with the monotonic clock, so that a
 * step of the system clock (NTP, an operator, a VM resumed) never stretches
 * or reverses an outage, an alert deadline or a step.
 *
 * It is anchored to the wall clock at start and compared with it (at every
 * tick of the daemon). A difference beyond MCLOCK_TOLERANCE is a jump:
 * - forward by J: the monitor's clock is re-anchored J later, and the J
 *   seconds jumped over are unknown (mclock_check reports them);
 * - backward by J: its clock keeps going, J ahead of the system clock,
 *   because the J seconds it would repeat are already recorded (a second
 *   is never counted twice, an outage never ends before it starts). A later
 *   forward jump, or a restart, brings it back.
 * Pure: readings come in as arguments.
 */
#ifndef SLAMON_MCLOCK_H
#define SLAMON_MCLOCK_H

#include <sys/time.h>
#include <time.h>

#define MCLOCK_TOLERANCE 2.0 /* seconds: slews and scheduling noise are below */

struct mclock {
	double wall0, mono0; /* anchor: wall time at monotonic time mono0 */
	double ahead;	     /* seconds the monitor is ahead of the wall clock */
};

void mclock_init(struct mclock *, double wall, double mono);
/* The monitor's time (fractional wall-clock seconds) at a monotonic reading. */
double mclock_at(const struct mclock *, double mono);

enum mclock_jump {
	MCLOCK_STEADY,
	MCLOCK_FORWARD,	 /* [*from, *to) was jumped over: unknown */
	MCLOCK_BACKWARD, /* the monitor now runs *to - *from seconds ahead */
};
/* Compare with the wall clock; *from and *to are whole seconds. */
enum mclock_jump mclock_check(
    struct mclock *, double wall, double mono, time_t *from, time_t *to);

/* Readings of the real clocks (for the shell). */
double mclock_wall_now(void);
double mclock_mono_now(void);
/* A delay of ms milliseconds (0 if negative), as libevent's timers take it. */
struct timeval mclock_tv_ms(double ms);

#endif
