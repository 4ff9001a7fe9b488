/*
 * sdnotify.c - sd_notify(3) for `slamon run` under systemd's Type=notify.
 *
 * The watchdog ping comes from a timer on the daemon's own event loop, at
 * half of WATCHDOG_USEC: if the loop stalls (a blocking call, a livelock),
 * the pings stop and systemd restarts the service, which is the point.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <event2/event.h>
#include <systemd/sd-daemon.h>

#include "log.h"
#include "sdnotify.h"

struct sdnotify {
	struct event *watchdog;
	struct timeval every;
};

static void
sdnotify_watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	sd_notify(0, "WATCHDOG=1");
}

struct sdnotify *
sdnotify_new(struct event_base *base)
{
	struct sdnotify *s = xcalloc(1, sizeof(*s));
	uint64_t usec = 0;
	int rc;

	if ((rc = sd_watchdog_enabled(0, &usec)) > 0 && usec > 0) {
		usec /= 2;
		s->every.tv_sec = (time_t)(usec / 1000000);
		s->every.tv_usec = (suseconds_t)(usec % 1000000);
		s->watchdog = event_new(base, -1, EV_PERSIST, sdnotify_watchdog_cb, s);
		if (s->watchdog == NULL)
			fatalx("event_new");
		evtimer_add(s->watchdog, &s->every);
		log_info(
		    "systemd watchdog: a ping every %lld ms", (long long)(usec / 1000));
	} else if (rc < 0)
		log_warnx("systemd watchdog: bad WATCHDOG_USEC; no pings");
	return s;
}

void
sdnotify_ready(struct sdnotify *s, const char *status)
{
	(void)s;
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

void
sdnotify_reloading(struct sdnotify *s)
{
	struct timespec ts;

	(void)s;
	/* systemd 253 and later want the time to tell this reload from an
	 * earlier one; older ones ignore it */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	sd_notifyf(0, "RELOADING=1\nSTATUS=reloading\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
		(unsigned long long)ts.tv_nsec / 1000ULL);
}

void
sdnotify_stopping(struct sdnotify *s)
{
	(void)s;
	sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

void
sdnotify_free(struct sdnotify *s)
{
	if (s == NULL)
		return;
	if (s->watchdog)
		event_free(s->watchdog);
	free(s);
}
