/*
 * ics.h - iCalendar (RFC 5545) import of maintenance windows from the
 * files and subscriptions of `maintenance.ics`, and export of the calendar
 * (`slamon calendar --ics`, /calendar.ics). The mapping is described in
 * ics.c and ics-export.c.
 */
#ifndef SLAMON_ICS_H
#define SLAMON_ICS_H

#include <stddef.h>
#include <time.h>

#include "calendar.h"

/* How one entry of maintenance.ics is read (conf_ics). */
struct ics_opts {
	bool trust_created;		    /* announced by the events' own stamps */
	const struct conf_applies *applies; /* NULL: X-SLAMON-APPLIES-TO, else all */
	size_t napplies;
};

/* What the ics files held: windows (source "ics"), announcements, warnings. */
struct ics_set {
	struct cal_window *w;
	size_t nw;
	struct cal_announcement *ann;
	size_t nann;
	char **warn; /* "FILE:LINE: UID ...: message" for every event skipped */
	size_t nwarn;
};

/*
 * Add the VEVENTs of the file at path to set; name is used in messages
 * (NULL: path). An event that cannot be used is skipped with a warning in
 * set->warn; the rest of the file counts. 0, or -1 with "FILE:LINE:
 * message" in err when the file cannot be read or is no iCalendar at all.
 */
int ics_load(const char *path, const char *name, const struct ics_opts *,
    struct ics_set *set, char *err, size_t errlen);
/* The same from a string. */
int ics_parse(const char *text, const char *name, const struct ics_opts *,
    struct ics_set *set, char *err, size_t errlen);
void ics_set_free(struct ics_set *);

/*
 * The calendar as a VCALENDAR text (malloc'ed), through libical's
 * serializer: METHOD:PUBLISH, a VTIMEZONE for each zone used, one VEVENT
 * per window and per announcement touching [from, to) (every announcement
 * when from >= to). now stamps DTSTAMP.
 */
char *ics_export(const struct calendar *, time_t now, time_t from, time_t to);

#endif
