/*
 * ics.h - iCalendar (RFC 5545) import of maintenance windows from
 * `maintenance.ics` files, and export of the calendar (`slamon calendar
 * --ics`, /calendar.ics). The mapping is described in ics.c.
 */
#ifndef SLAMON_ICS_H
#define SLAMON_ICS_H

#include <stddef.h>
#include <time.h>

#include "calendar.h"

/* What the ics files held: windows (source "ics") and announcements. */
struct ics_set {
	struct cal_window *w;
	size_t nw;
	struct cal_announcement *ann;
	size_t nann;
};

/*
 * Add the VEVENTs of the file at path to set. 0, or -1 with
 * "FILE:LINE: message" in err (the line of the offending VEVENT).
 */
int ics_load(const char *path, struct ics_set *set, char *err, size_t errlen);
/* The same from a string; name is used in messages. */
int ics_parse(
    const char *text, const char *name, struct ics_set *set, char *err, size_t errlen);
void ics_set_free(struct ics_set *);

/*
 * The calendar as a VCALENDAR text (malloc'ed): a VTIMEZONE for the
 * configured zone, one VEVENT per recurring window, single event, and
 * announcement touching [from, to) (every announcement when from >= to).
 * now stamps DTSTAMP.
 */
char *ics_export(const struct calendar *, time_t now, time_t from, time_t to);

#endif
