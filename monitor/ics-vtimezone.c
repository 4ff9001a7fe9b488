/*
 * ics-vtimezone.c - a VTIMEZONE for a zone (zone.h), for the export.
 *
 * Calendar programs keep applying a VTIMEZONE's last rule forever, so the
 * zone's current rule is written as a STANDARD/DAYLIGHT pair with yearly
 * RRULEs (BYMONTH and an ordinal BYDAY, e.g. -1SU), found from this year's
 * changes and checked against every change of the next 30 years; the
 * changes before this year are written one by one. A list of changes
 * alone, as the export wrote before, ends in 2037 or wherever the list
 * ends, and a subscriber then drifts by an hour. A zone whose changes no
 * such rule describes gets the explicit list up to 30 years ahead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ics-priv.h"
#include "log.h"

#define VTZ_AHEAD 30

struct change {
	time_t at;
	long from, to;
	struct tz_local wall; /* local time before the change (RFC 5545 3.6.5) */
};

/* The first second of a new offset in (a, b]. */
static time_t
bisect(const struct zone *z, time_t a, time_t b)
{
	long off = zone_offset(z, a);

	while (b - a > 1) {
		time_t m = a + (b - a) / 2;
		if (zone_offset(z, m) == off)
			a = m;
		else
			b = m;
	}
	return b;
}

static size_t
changes(const struct zone *z, int y0, int y1, struct change **out)
{
	struct tz_local l0 = {y0, 1, 1, 0, 0, 0}, l1 = {y1 + 1, 1, 1, 0, 0, 0};
	time_t t = tz_wall_seconds(&l0) - 86400, stop = tz_wall_seconds(&l1);
	long prev = zone_offset(z, t);
	size_t n = 0, cap = 0;

	*out = NULL;
	for (; t < stop; t += 86400) {
		long off = zone_offset(z, t + 86400);
		struct change *c;
		if (off == prev)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			*out = xreallocarray(*out, cap, sizeof(**out));
		}
		c = &(*out)[n++];
		c->at = bisect(z, t, t + 86400);
		c->from = prev;
		c->to = off;
		tz_wall_to_local(c->at + prev, &c->wall);
		prev = off;
	}
	return n;
}

static int
weekday(const struct tz_local *l)
{
	/* 1970-01-01 was a Thursday (4); 0 = Sunday */
	long d = (long)(tz_wall_seconds(
			    &(struct tz_local){l->year, l->mon, l->mday, 0, 0, 0}) /
	    86400);
	return (int)(((d % 7) + 7 + 4) % 7);
}

/* Whether change c falls on the ord-th (or last, -1) weekday of its month. */
static bool
on_rule(const struct change *c, int mon, int wd, int ord, int hms)
{
	int dim = tz_days_in_month(c->wall.year, c->wall.mon);
	int hms_c = c->wall.hour * 3600 + c->wall.min * 60 + c->wall.sec;

	if (c->wall.mon != mon || weekday(&c->wall) != wd || hms_c != hms)
		return false;
	if (ord == -1)
		return c->wall.mday + 7 > dim;
	return (c->wall.mday - 1) / 7 + 1 == ord;
}

/* A yearly rule for the changes of one direction from year r on; 0 if none. */
static int
find_rule(const struct change *v, size_t n, int r, bool up, int *ordp)
{
	const struct change *first = NULL;
	int ords[2], hms, count = 0;

	for (size_t i = 0; i < n; i++)
		if (v[i].wall.year >= r && (v[i].to > v[i].from) == up) {
			first = &v[i];
			break;
		}
	if (first == NULL)
		return 0;
	hms = first->wall.hour * 3600 + first->wall.min * 60 + first->wall.sec;
	ords[0] = first->wall.mday + 7 >
		tz_days_in_month(first->wall.year, first->wall.mon)
	    ? -1
	    : 0;
	ords[1] = (first->wall.mday - 1) / 7 + 1;
	for (int k = 0; k < 2; k++) {
		bool ok = ords[k] != 0;
		count = 0;
		for (size_t i = 0; ok && i < n; i++) {
			if (v[i].wall.year < r || (v[i].to > v[i].from) != up)
				continue;
			count++;
			ok = v[i].from == first->from && v[i].to == first->to &&
			    on_rule(&v[i], first->wall.mon, weekday(&first->wall),
				ords[k], hms);
		}
		/* one change a year, every year */
		if (ok && count >= VTZ_AHEAD - 1) {
			*ordp = ords[k];
			return 1;
		}
	}
	return -1;
}

static struct icaltimetype
ical_wall(const struct tz_local *l)
{
	struct icaltimetype t = icaltime_null_time();

	t.year = l->year;
	t.month = l->mon;
	t.day = l->mday;
	t.hour = l->hour;
	t.minute = l->min;
	t.second = l->sec;
	t.is_date = 0;
	return t;
}

static icalcomponent *
observance(const struct change *c, const char *rrule)
{
	icalcomponent *o = c->to > c->from ? icalcomponent_new_xdaylight()
					   : icalcomponent_new_xstandard();

	icalcomponent_add_property(o, icalproperty_new_dtstart(ical_wall(&c->wall)));
	icalcomponent_add_property(o, icalproperty_new_tzoffsetfrom((int)c->from));
	icalcomponent_add_property(o, icalproperty_new_tzoffsetto((int)c->to));
	if (rrule)
		icalcomponent_add_property(
		    o, icalproperty_new_rrule(icalrecurrencetype_from_string(rrule)));
	return o;
}

static const char *const wdnames[] = {"SU", "MO", "TU", "WE", "TH", "FR", "SA"};

icalcomponent *
ics_vtimezone(const struct zone *z, int from_year, int now_year)
{
	icalcomponent *vtz = icalcomponent_new_vtimezone();
	struct change *v;
	size_t n = changes(z, from_year - 1, now_year + VTZ_AHEAD, &v);
	int ord_up = 0, ord_down = 0, up, down;

	icalcomponent_add_property(vtz, icalproperty_new_tzid(zone_name(z)));
	up = find_rule(v, n, now_year, true, &ord_up);
	down = find_rule(v, n, now_year, false, &ord_down);
	for (size_t i = 0; i < n; i++) {
		const struct change *c = &v[i];
		bool isup = c->to > c->from;
		char rule[96];

		if (up != 1 || down != 1 || c->wall.year < now_year) {
			/* before this year, or no rule describes the zone */
			icalcomponent_add_component(vtz, observance(c, NULL));
			continue;
		}
		if (isup ? ord_up == 0 : ord_down == 0)
			continue; /* that direction's rule is written already */
		snprintf(rule, sizeof(rule), "FREQ=YEARLY;BYMONTH=%d;BYDAY=%d%s",
		    c->wall.mon, isup ? ord_up : ord_down, wdnames[weekday(&c->wall)]);
		icalcomponent_add_component(vtz, observance(c, rule));
		if (isup)
			ord_up = 0;
		else
			ord_down = 0;
	}
	if (n == 0) {
		/* a zone without changes: its offset, standing */
		struct change c;
		struct tz_local l = {1970, 1, 1, 0, 0, 0};
		memset(&c, 0, sizeof(c));
		c.from = c.to = zone_offset(z, tz_wall_seconds(&l));
		c.wall = l;
		icalcomponent_add_component(vtz, observance(&c, NULL));
	}
	free(v);
	return vtz;
}
