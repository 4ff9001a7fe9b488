/*
 * ics-export.c - the calendar as iCalendar that Google Calendar, Outlook
 * and Apple Calendar subscribe to, written through libical's serializer
 * (escaping, folding at 75 octets, CRLF): METHOD:PUBLISH, a VTIMEZONE per
 * zone used (ics-vtimezone.c), and for each window a VEVENT with
 * DTSTART;TZID, RRULE, RDATE, EXDATE, DTEND or DURATION, and for each
 * announcement one VEVENT. UIDs depend only on what they name, never on a
 * position in a list: a window's UID is its ics UID or its name, an
 * announcement's is built from its window, start, end and the time it was
 * made. ics-event.c reads it back; the X-SLAMON-* properties are
 * described there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ics-priv.h"
#include "log.h"

static void
xprop(icalcomponent *c, const char *name, const char *value)
{
	icalproperty *p = icalproperty_new_x(value);

	icalproperty_set_x_name(p, name);
	icalcomponent_add_property(c, p);
}

static struct icaltimetype
utc_time(time_t t)
{
	return icaltime_from_timet_with_zone(t, 0, icaltimezone_get_utc_timezone());
}

static struct icaltimetype
wall_time(const struct tz_local *l)
{
	struct icaltimetype t = icaltime_null_time();

	t.year = l->year;
	t.month = l->mon;
	t.day = l->mday;
	t.hour = l->hour;
	t.minute = l->min;
	t.second = l->sec;
	return t;
}

/* A DTSTART, DTEND or EXDATE in the window's frame: UTC, or wall time and TZID. */
static icalproperty *
frame_prop(icalproperty *p, const struct cal_window *w)
{
	if (!w->utc)
		icalproperty_add_parameter(
		    p, icalparameter_new_tzid(zone_name(w->zone)));
	return p;
}

static struct icaltimetype
frame_time(const struct cal_window *w, time_t t)
{
	struct tz_local l;

	if (w->utc)
		return utc_time(t);
	zone_to_local(w->zone, t, &l);
	return wall_time(&l);
}

static struct icaltimetype
frame_wall(const struct cal_window *w, const struct tz_local *l)
{
	struct tz_local u = *l;

	if (w->utc)
		return utc_time(tz_wall_seconds(&u));
	return wall_time(l);
}

static char *
applies_str(const struct conf_applies *a, size_t n)
{
	char *s = xstrdup(""), *t;

	for (size_t i = 0; i < n; i++) {
		const char *pre = a[i].kind == CONF_APPLIES_GROUP ? "group:"
		    : a[i].kind == CONF_APPLIES_COMPONENT	  ? "component:"
								  : "";
		xasprintf(&t, "%s%s%s%s", s, i ? "," : "", pre,
		    a[i].kind == CONF_APPLIES_ALL ? "all" : a[i].name);
		free(s);
		s = t;
	}
	return s;
}

static void
applies_prop(icalcomponent *ev, const struct conf_applies *a, size_t n)
{
	char *s;

	if (n == 0)
		return;
	s = applies_str(a, n);
	xprop(ev, "X-SLAMON-APPLIES-TO", s);
	free(s);
}

static void
window_end(icalcomponent *ev, const struct cal_window *w)
{
	struct tz_local l = w->dtstart;

	if (w->end_hms >= 0) {
		int hms = l.hour * 3600 + l.min * 60 + l.sec;
		l.hour = w->end_hms / 3600;
		l.min = w->end_hms / 60 % 60;
		l.sec = w->end_hms % 60;
		if (w->end_hms <= hms)
			tz_local_add_days(&l, 1);
	} else if (w->wall_dur > 0 && w->duration == 0) {
		/* a wall-clock end, as DTEND is read */
		tz_wall_to_local(tz_wall_seconds(&l) + w->wall_dur, &l);
	} else {
		struct icaldurationtype d = icaldurationtype_null_duration();
		long exact = w->duration + w->wall_dur % 86400;
		d.days = (unsigned)(w->wall_dur / 86400);
		d.hours = (unsigned)(exact / 3600);
		d.minutes = (unsigned)(exact / 60 % 60);
		d.seconds = (unsigned)(exact % 60);
		icalcomponent_add_property(ev, icalproperty_new_duration(d));
		return;
	}
	icalcomponent_add_property(
	    ev, frame_prop(icalproperty_new_dtend(frame_wall(w, &l)), w));
}

static void
window_event(icalcomponent *cal, const struct cal_window *w, time_t now)
{
	icalcomponent *ev = icalcomponent_new_vevent();
	char *uid;

	if (w->uid)
		uid = xstrdup(w->uid);
	else
		xasprintf(&uid, "window-%s@slamon", w->name);
	icalcomponent_add_property(ev, icalproperty_new_uid(uid));
	free(uid);
	icalcomponent_add_property(ev, icalproperty_new_dtstamp(utc_time(now)));
	icalcomponent_add_property(
	    ev, frame_prop(icalproperty_new_dtstart(frame_wall(w, &w->dtstart)), w));
	window_end(ev, w);
	if (w->has_rid)
		icalcomponent_add_property(
		    ev, icalproperty_new_recurrenceid(utc_time(w->rid)));
	if (w->rrule)
		icalcomponent_add_property(ev,
		    icalproperty_new_rrule(icalrecurrencetype_from_string(w->rrule)));
	for (size_t i = 0; i < w->nrdates; i++) {
		struct icaldatetimeperiodtype rd;
		memset(&rd, 0, sizeof(rd));
		rd.time = icaltime_null_time();
		rd.period = icalperiodtype_null_period();
		if (w->rdates[i].end) {
			rd.period.start = utc_time(w->rdates[i].start);
			rd.period.end = utc_time(w->rdates[i].end);
		} else {
			rd.time = utc_time(w->rdates[i].start);
		}
		icalcomponent_add_property(ev, icalproperty_new_rdate(rd));
	}
	for (size_t i = 0; i < w->nexdates; i++)
		icalcomponent_add_property(ev,
		    frame_prop(
			icalproperty_new_exdate(frame_time(w, w->exdates[i])), w));
	icalcomponent_add_property(ev, icalproperty_new_summary(w->name));
	if (w->description)
		icalcomponent_add_property(
		    ev, icalproperty_new_description(w->description));
	if (w->has_published)
		icalcomponent_add_property(
		    ev, icalproperty_new_created(utc_time(w->published)));
	xprop(ev, "X-SLAMON-WINDOW", w->name);
	applies_prop(ev, w->applies, w->napplies);
	if (w->requires_announcement) {
		/* An eligible slot: shown as free time until an announcement uses it. */
		xprop(ev, "X-SLAMON-REQUIRES-ANNOUNCEMENT", "TRUE");
		icalcomponent_add_property(
		    ev, icalproperty_new_status(ICAL_STATUS_TENTATIVE));
		icalcomponent_add_property(
		    ev, icalproperty_new_transp(ICAL_TRANSP_TRANSPARENT));
	} else {
		icalcomponent_add_property(
		    ev, icalproperty_new_status(ICAL_STATUS_CONFIRMED));
	}
	icalcomponent_add_component(cal, ev);
}

static void
announcement_event(icalcomponent *cal, const struct calendar *c,
    const struct cal_announcement *a, time_t at, time_t now)
{
	const struct cal_window *w = calendar_window_find(c, a->window);
	icalcomponent *ev = icalcomponent_new_vevent();
	char *s;

	xasprintf(&s, "announcement-%s-%lld-%lld-%lld@slamon", a->window,
	    (long long)a->start, (long long)a->end, (long long)at);
	icalcomponent_add_property(ev, icalproperty_new_uid(s));
	free(s);
	icalcomponent_add_property(ev, icalproperty_new_dtstamp(utc_time(now)));
	icalcomponent_add_property(ev, icalproperty_new_dtstart(utc_time(a->start)));
	icalcomponent_add_property(ev, icalproperty_new_dtend(utc_time(a->end)));
	xasprintf(&s, "%s (announced)", a->window);
	icalcomponent_add_property(ev, icalproperty_new_summary(s));
	free(s);
	if (a->note)
		icalcomponent_add_property(ev, icalproperty_new_description(a->note));
	icalcomponent_add_property(ev, icalproperty_new_created(utc_time(at)));
	xprop(ev, "X-SLAMON-ANNOUNCEMENT-FOR", a->window);
	if (w) {
		applies_prop(ev, w->applies, w->napplies);
		if (w->description)
			xprop(ev, "X-SLAMON-DESCRIPTION", w->description);
	}
	icalcomponent_add_property(ev, icalproperty_new_status(ICAL_STATUS_CONFIRMED));
	icalcomponent_add_component(cal, ev);
}

/* Distinct zones of the windows; the configured zone (NULL) first. */
static size_t
zones_used(const struct calendar *cal, const struct zone ***out)
{
	size_t n = 1;

	*out = xcalloc(calendar_nwindows(cal) + 1, sizeof(**out));
	(*out)[0] = NULL;
	for (size_t i = 0; i < calendar_nwindows(cal); i++) {
		const struct cal_window *w = calendar_window(cal, i);
		size_t k;
		if (w->category || w->utc || w->zone == NULL)
			continue;
		for (k = 1; k < n; k++)
			if (strcmp(zone_name((*out)[k]), zone_name(w->zone)) == 0)
				break;
		if (k == n)
			(*out)[n++] = w->zone;
	}
	return n;
}

char *
ics_export(const struct calendar *cal, time_t now, time_t from, time_t to)
{
	icalcomponent *vcal = icalcomponent_new_vcalendar();
	const struct zone **zones;
	size_t nz = zones_used(cal, &zones);
	struct tm tm;
	int y0 = 9999, ynow;
	char *s, **uids = NULL;
	size_t nuids = 0;

	gmtime_r(&now, &tm);
	ynow = tm.tm_year + 1900;
	for (size_t i = 0; i < calendar_nwindows(cal); i++) {
		const struct cal_window *w = calendar_window(cal, i);
		if (!w->category && w->dtstart.year < y0)
			y0 = w->dtstart.year;
	}
	if (y0 > ynow)
		y0 = ynow;
	icalcomponent_add_property(vcal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(
	    vcal, icalproperty_new_prodid("-//slamon//maintenance calendar//EN"));
	icalcomponent_add_property(vcal, icalproperty_new_calscale("GREGORIAN"));
	icalcomponent_add_property(vcal, icalproperty_new_method(ICAL_METHOD_PUBLISH));
	xprop(vcal, "X-WR-CALNAME", "Maintenance");
	xprop(vcal, "X-WR-TIMEZONE", tz_name());
	for (size_t i = 0; i < nz; i++)
		icalcomponent_add_component(vcal, ics_vtimezone(zones[i], y0, ynow));
	free(zones);
	for (size_t i = 0; i < calendar_nwindows(cal); i++) {
		const struct cal_window *w = calendar_window(cal, i);
		if (!w->category)
			window_event(vcal, w, now);
	}
	for (size_t i = 0; i < calendar_nannouncements(cal); i++) {
		const struct cal_announcement *a = calendar_announcement(cal, i);
		time_t at;
		bool dup = false;
		if ((from < to && (a->start >= to || a->end <= from)) ||
		    !calendar_announced_at(cal, a, &at))
			continue;
		/* the same announcement twice (config and journal) once */
		xasprintf(&s, "%s-%lld-%lld-%lld", a->window, (long long)a->start,
		    (long long)a->end, (long long)at);
		for (size_t k = 0; k < nuids && !dup; k++)
			dup = strcmp(uids[k], s) == 0;
		if (dup) {
			free(s);
			continue;
		}
		uids = xreallocarray(uids, nuids + 1, sizeof(*uids));
		uids[nuids++] = s;
		announcement_event(vcal, cal, a, at, now);
	}
	for (size_t k = 0; k < nuids; k++)
		free(uids[k]);
	free(uids);
	s = icalcomponent_as_ical_string_r(vcal);
	icalcomponent_free(vcal);
	return s;
}
