/*
 * zone.h - time zones of iCalendar files, beside the configured one: IANA
 * zones from the system tz database and the VTIMEZONE definitions a file
 * carries (Outlook's "W. Europe Standard Time", Exchange's custom TZIDs),
 * each reduced to a table of offset changes. Local to UTC follows RFC 5545
 * 3.3.5 as tz.c does: a time in a gap takes the offset before the gap, an
 * ambiguous time is its first occurrence.
 *
 * A NULL zone is the configured zone (tz.h), so callers need no special
 * case. Zones are reference counted: windows copied from one calendar to
 * the next share them.
 */
#ifndef SLAMON_ZONE_H
#define SLAMON_ZONE_H

#include <stdbool.h>
#include <time.h>

#include <libical/ical.h>

#include "tz.h"

struct zone;

/* An IANA zone ("America/Chicago"); NULL when the tz database lacks it. */
struct zone *zone_iana(const char *name);
/*
 * A VTIMEZONE's observances (DTSTART, RRULE, RDATE, TZOFFSETFROM/TO).
 * NULL when it has none that can be used (a stub).
 */
struct zone *zone_vtimezone(icalcomponent *vtz, const char *tzid);
struct zone *zone_ref(struct zone *);
void zone_unref(struct zone *);

/* The TZID to write for the zone (the configured zone's name for NULL). */
const char *zone_name(const struct zone *);
long zone_offset(const struct zone *, time_t t);
enum tz_kind zone_from_local(const struct zone *, const struct tz_local *, time_t *out);
void zone_to_local(const struct zone *, time_t t, struct tz_local *);

/*
 * The IANA zone of a Windows zone name ("W. Europe Standard Time" ->
 * "Europe/Berlin"), after CLDR's windowsZones.xml (territory 001); NULL
 * when the name is not one.
 */
const char *zone_windows_to_iana(const char *windows_name);

#endif
