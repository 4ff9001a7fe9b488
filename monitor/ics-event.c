/*
 * ics-event.c - one VEVENT into a maintenance window (ics.c reads files).
 *
 * The set of occurrences is RFC 5545's: DTSTART and the RRULE, the
 * RDATEs (DATE-TIME, DATE and PERIOD values), less the EXDATEs; a
 * RECURRENCE-ID instance replaces its occurrence, or cancels it with
 * STATUS:CANCELLED, for that occurrence and with RANGE=THISANDFUTURE for
 * the later ones too; STATUS:CANCELLED on the event itself drops it.
 *
 * Length: DURATION's days and weeks are nominal (a day of 23 or 25 hours
 * on a DST night) and its time part exact; an all-day event without end
 * lasts one day; DTEND keeps its wall-clock end in the event's zone (a
 * 20:00-06:00 slot stays 20:00-06:00 across a DST night, as Google,
 * Outlook and Python's dateutil all read it). A DATE-TIME DTSTART without
 * DTEND or DURATION lasts zero seconds: no maintenance, a warning.
 *
 * Announcement time: the first time slamon saw each occurrence (journal
 * record ics_seen, calendar.c), because an event's CREATED, DTSTAMP and
 * LAST-MODIFIED are what the calendar claims, not evidence of when the
 * customers were told. An entry with trust_created = true takes the
 * event's LAST-MODIFIED, else CREATED, else DTSTAMP instead.
 *
 * slamon's own properties, written by the export so that it round-trips:
 * X-SLAMON-WINDOW (name; default SUMMARY, then UID), X-SLAMON-APPLIES-TO
 * (comma-separated applies_to), X-SLAMON-REQUIRES-ANNOUNCEMENT:TRUE, and
 * X-SLAMON-ANNOUNCEMENT-FOR:WINDOW, which makes the event an announcement
 * of that window instead of a window.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ics-priv.h"
#include "log.h"

#define ICS_MAX_LENGTH (31 * 86400L + 3600)

static const char *
xprop(icalcomponent *ev, const char *name)
{
	for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_X_PROPERTY); p;
	     p = icalcomponent_get_next_property(ev, ICAL_X_PROPERTY)) {
		const char *n = icalproperty_get_x_name(p);
		if (n && strcasecmp(n, name) == 0)
			return icalproperty_get_x(p);
	}
	return NULL;
}

static const char *
tzid_of(icalproperty *p)
{
	icalparameter *tp = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);

	return tp ? icalparameter_get_tzid(tp) : NULL;
}

static const char *
nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

static char *
label_of(icalcomponent *ev)
{
	const char *uid = nonempty(icalcomponent_get_uid(ev));
	const char *sum = nonempty(icalcomponent_get_summary(ev));
	char *l;

	if (uid && sum)
		xasprintf(&l, "UID \"%s\" (SUMMARY \"%s\")", uid, sum);
	else if (uid || sum)
		xasprintf(&l, "%s \"%s\"", uid ? "UID" : "SUMMARY", uid ? uid : sum);
	else
		l = xstrdup("VEVENT without UID or SUMMARY");
	return l;
}

static struct tz_local
wall_of(struct icaltimetype t)
{
	return (struct tz_local){t.year, t.month, t.day, t.is_date ? 0 : t.hour,
	    t.is_date ? 0 : t.minute, t.is_date ? 0 : t.second};
}

/* The instant of a value with its TZID; -1 when no zone of that name exists. */
static int
instant(struct ics_ctx *x, struct icaltimetype t, const char *tzid, time_t *out)
{
	struct tz_local l = wall_of(t);
	struct zone *z;

	if (icaltime_is_utc(t)) {
		*out = tz_wall_seconds(&l);
		return 0;
	}
	if (tzid == NULL || t.is_date) {
		tz_from_local(&l, out); /* floating: the configured zone */
		return 0;
	}
	if (ics_zone(x, tzid, &z) < 0)
		return -1;
	zone_from_local(z, &l, out);
	return 0;
}

/* A local wall time of w's frame (its zone, or UTC) to UTC. */
static time_t
frame_utc(const struct cal_window *w, const struct tz_local *l)
{
	time_t t;

	if (w->utc)
		return tz_wall_seconds(l);
	zone_from_local(w->zone, l, &t);
	return t;
}

static void
frame_wall(const struct cal_window *w, time_t t, struct tz_local *l)
{
	if (w->utc)
		tz_wall_to_local(t, l);
	else
		zone_to_local(w->zone, t, l);
}

/* An EXDATE, RDATE or RECURRENCE-ID value: a DATE is that day at DTSTART's time. */
static int
value_time(struct ics_ctx *x, const struct cal_window *w, struct icaltimetype t,
    const char *tzid, time_t *out)
{
	struct tz_local l;

	if (!t.is_date)
		return instant(x, t, tzid, out);
	l = wall_of(t);
	l.hour = w->dtstart.hour;
	l.min = w->dtstart.min;
	l.sec = w->dtstart.sec;
	*out = frame_utc(w, &l);
	return 0;
}

static time_t
stamp_of(icalcomponent *ev, bool *found)
{
	static const icalproperty_kind kinds[] = {
	    ICAL_LASTMODIFIED_PROPERTY, ICAL_CREATED_PROPERTY, ICAL_DTSTAMP_PROPERTY};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		icalproperty *p = icalcomponent_get_first_property(ev, kinds[i]);
		struct icaltimetype t;
		struct tz_local l;
		time_t out;
		if (p == NULL)
			continue;
		t = icalproperty_get_datetime_with_component(p, NULL);
		if (icaltime_is_null_time(t))
			continue;
		l = wall_of(t);
		if (icaltime_is_utc(t))
			out = tz_wall_seconds(&l);
		else
			tz_from_local(&l, &out);
		*found = true;
		return out;
	}
	*found = false;
	return 0;
}

static void
parse_applies(const char *s, const struct ics_opts *o, struct cal_window *w)
{
	char *copy, *tok, *save = NULL;
	size_t cap = 1;

	if (o->applies) {
		w->applies = xcalloc(
		    o->napplies ? o->napplies : 1, sizeof(*w->applies));
		for (size_t i = 0; i < o->napplies; i++) {
			w->applies[i].kind = o->applies[i].kind;
			w->applies[i].name = o->applies[i].name
			    ? xstrdup(o->applies[i].name)
			    : NULL;
		}
		w->napplies = o->napplies;
		return;
	}
	w->applies = xcalloc(1, sizeof(*w->applies));
	w->napplies = 0;
	copy = xstrdup(s ? s : "");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct conf_applies *a;
		while (*tok == ' ')
			tok++;
		if (*tok == '\0')
			continue;
		if (w->napplies == cap) {
			cap *= 2;
			w->applies = xreallocarray(
			    w->applies, cap, sizeof(*w->applies));
		}
		a = &w->applies[w->napplies++];
		a->name = NULL;
		if (strcmp(tok, "all") == 0) {
			a->kind = CONF_APPLIES_ALL;
		} else if (strncmp(tok, "group:", 6) == 0) {
			a->kind = CONF_APPLIES_GROUP;
			a->name = xstrdup(tok + 6);
		} else if (strncmp(tok, "component:", 10) == 0) {
			a->kind = CONF_APPLIES_COMPONENT;
			a->name = xstrdup(tok + 10);
		} else {
			a->kind = CONF_APPLIES_TARGET;
			a->name = xstrdup(tok);
		}
	}
	free(copy);
	if (w->napplies == 0) {
		w->applies[0].kind = CONF_APPLIES_ALL;
		w->napplies = 1;
	}
}

/* libical's complaints about the event, for a message: the first one. */
static const char *
lic_error(icalcomponent *ev)
{
	icalproperty *p = icalcomponent_get_first_property(ev, ICAL_XLICERROR_PROPERTY);

	return p ? icalproperty_get_xlicerror(p) : NULL;
}

/* The length of w: DTEND, DURATION, or the defaults. -1 after a warning. */
static int
length_of(struct ics_ctx *x, icalcomponent *ev, struct icaltimetype ts,
    struct cal_window *w, const char *label)
{
	icalproperty *pe = icalcomponent_get_first_property(ev, ICAL_DTEND_PROPERTY);
	icalproperty *pd = icalcomponent_get_first_property(ev, ICAL_DURATION_PROPERTY);

	if (pe) {
		struct icaltimetype te = icalproperty_get_dtend(pe);
		const char *tz = tzid_of(pe);
		struct tz_local le;
		time_t t;
		if (icaltime_is_null_time(te)) {
			ics_warn(x, ics_line(x, "DTEND"), label,
			    "DTEND has no usable value");
			return -1;
		}
		if (te.is_date ||
		    (!icaltime_is_utc(te) && tz == NULL && w->zone == NULL &&
			!w->utc)) {
			le = wall_of(te); /* floating, like DTSTART */
		} else if (tz && !icaltime_is_utc(te) && !w->utc) {
			struct zone *ze;
			if (ics_zone(x, tz, &ze) < 0)
				goto badzone;
			le = wall_of(te);
			if (ze != w->zone) {
				/* another zone than DTSTART's: through the instant */
				zone_from_local(ze, &le, &t);
				frame_wall(w, t, &le);
			}
		} else {
			if (instant(x, te, tz, &t) < 0)
				goto badzone;
			frame_wall(w, t, &le);
		}
		w->wall_dur = (long)(tz_wall_seconds(&le) -
		    tz_wall_seconds(&w->dtstart));
		if (w->wall_dur < 0) {
			ics_warn(
			    x, ics_line(x, "DTEND"), label, "DTEND is before DTSTART");
			return -1;
		}
		if (w->wall_dur == 0) {
			ics_warn(x, ics_line(x, "DTEND"), label,
			    "DTEND equals DTSTART: it lasts zero seconds and is ignored");
			return -1;
		}
	} else if (pd) {
		struct icaldurationtype d = icalproperty_get_duration(pd);
		if (d.is_neg) {
			ics_warn(
			    x, ics_line(x, "DURATION"), label, "DURATION is negative");
			return -1;
		}
		w->wall_dur = (long)(d.weeks * 7 + d.days) * 86400;
		w->duration = (long)d.hours * 3600 + (long)d.minutes * 60 + d.seconds;
		if (w->wall_dur + w->duration == 0) {
			ics_warn(x, ics_line(x, "DURATION"), label,
			    "DURATION is zero: no maintenance");
			return -1;
		}
	} else if (ts.is_date) {
		w->wall_dur = 86400; /* an all-day event: one (nominal) day */
	} else {
		ics_warn(x, ics_line(x, "DTSTART"), label,
		    "neither DTEND nor DURATION: it lasts zero seconds (RFC 5545 "
		    "3.6.1) and is ignored");
		return -1;
	}
	if (w->wall_dur + w->duration > ICS_MAX_LENGTH) {
		ics_warn(x, ics_line(x, pe ? "DTEND" : "DURATION"), label,
		    "longer than 31 days: not a maintenance window");
		return -1;
	}
	return 0;
badzone:
	ics_warn(x, ics_line(x, "DTEND"), label, "DTEND: unknown time zone \"%s\"",
	    tzid_of(pe));
	return -1;
}

/* The end of the occurrence at DTSTART. */
static time_t
first_end(const struct cal_window *w, time_t s)
{
	struct tz_local e;

	if (w->wall_dur == 0)
		return s + w->duration;
	tz_wall_to_local(tz_wall_seconds(&w->dtstart) + w->wall_dur, &e);
	return frame_utc(w, &e) + w->duration;
}

static int
dates(struct ics_ctx *x, icalcomponent *ev, struct cal_window *w, const char *label)
{
	icalproperty *p;
	time_t t;

	for (p = icalcomponent_get_first_property(ev, ICAL_EXDATE_PROPERTY); p;
	     p = icalcomponent_get_next_property(ev, ICAL_EXDATE_PROPERTY)) {
		if (value_time(x, w, icalproperty_get_exdate(p), tzid_of(p), &t) < 0) {
			ics_warn(x, ics_line(x, "EXDATE"), label,
			    "EXDATE: unknown time zone \"%s\": ignored", tzid_of(p));
			continue;
		}
		w->exdates = xreallocarray(w->exdates, w->nexdates + 1, sizeof(time_t));
		w->exdates[w->nexdates++] = t;
	}
	for (p = icalcomponent_get_first_property(ev, ICAL_RDATE_PROPERTY); p;
	     p = icalcomponent_get_next_property(ev, ICAL_RDATE_PROPERTY)) {
		struct icaldatetimeperiodtype rd = icalproperty_get_rdate(p);
		struct cal_rdate r = {0, 0};
		int rc;
		if (!icaltime_is_null_time(rd.time)) {
			rc = value_time(x, w, rd.time, tzid_of(p), &r.start);
		} else if (!icaltime_is_null_time(rd.period.start)) {
			rc = instant(x, rd.period.start, tzid_of(p), &r.start);
			if (rc == 0 && !icaltime_is_null_time(rd.period.end))
				rc = instant(x, rd.period.end, tzid_of(p), &r.end);
			else
				r.end = r.start +
				    icaldurationtype_as_int(rd.period.duration);
			if (rc == 0 && r.end <= r.start) {
				ics_warn(x, ics_line(x, "RDATE"), label,
				    "RDATE period ends before it starts: ignored");
				continue;
			}
		} else {
			continue;
		}
		if (rc < 0) {
			ics_warn(x, ics_line(x, "RDATE"), label,
			    "RDATE: unknown time zone \"%s\": ignored", tzid_of(p));
			continue;
		}
		w->rdates = xreallocarray(
		    w->rdates, w->nrdates + 1, sizeof(*w->rdates));
		w->rdates[w->nrdates++] = r;
	}
	return 0;
}

static void
push_window(struct ics_set *set, struct cal_window *w)
{
	set->w = xreallocarray(set->w, set->nw + 1, sizeof(*set->w));
	set->w[set->nw++] = *w;
}

/* X-SLAMON-ANNOUNCEMENT-FOR: an announcement of a window, and the window
 * itself when it is a category only the export knew. */
static void
announcement(struct ics_ctx *x, icalcomponent *ev, struct cal_window *w,
    const char *window, time_t s, bool stamped, time_t stamp)
{
	struct ics_set *set = x->set;
	struct cal_announcement a = {xstrdup(window), s, first_end(w, s), stamp, NULL,
	    ics_line(x, NULL), "ics", NULL, 0};
	const char *note = nonempty(icalcomponent_get_description(ev)), *d;

	a.note = note ? xstrdup(note) : NULL;
	if (!x->opts->trust_created || !stamped)
		a.origin = "ics-seen";
	set->ann = xreallocarray(set->ann, set->nann + 1, sizeof(*set->ann));
	set->ann[set->nann++] = a;
	cal_window_free(w);
	for (size_t i = 0; i < set->nw; i++)
		if (strcmp(set->w[i].name, window) == 0)
			return;
	memset(w, 0, sizeof(*w));
	w->end_hms = -1;
	w->source = CAL_SRC_ICS;
	w->name = xstrdup(window);
	w->category = true;
	w->requires_announcement = true;
	parse_applies(xprop(ev, "X-SLAMON-APPLIES-TO"), x->opts, w);
	d = xprop(ev, "X-SLAMON-DESCRIPTION");
	w->description = d ? xstrdup(d) : NULL;
	push_window(set, w);
}

void
ics_event(struct ics_ctx *x, icalcomponent *ev)
{
	struct cal_window w;
	icalproperty *ps, *pr, *prid;
	struct icaltimetype ts;
	const char *tzid, *name, *s;
	char *label = label_of(ev);
	struct zone *z = NULL;
	time_t start, stamp;
	bool stamped, cancelled;

	memset(&w, 0, sizeof(w));
	w.end_hms = -1;
	w.source = CAL_SRC_ICS;
	cancelled = icalcomponent_get_status(ev) == ICAL_STATUS_CANCELLED;
	prid = icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY);
	if (cancelled && prid == NULL)
		goto skip; /* a cancelled event is no maintenance */
	ps = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
	ts = ps ? icalproperty_get_dtstart(ps) : icaltime_null_time();
	if (ps == NULL || icaltime_is_null_time(ts)) {
		s = lic_error(ev);
		ics_warn(x, ics_line(x, ps ? "DTSTART" : NULL), label,
		    "no usable DTSTART%s%s", s ? ": " : "", s ? s : "");
		goto skip;
	}
	tzid = tzid_of(ps);
	if (icaltime_is_utc(ts)) {
		w.utc = true;
	} else if (tzid && !ts.is_date) {
		if (ics_zone(x, tzid, &z) < 0) {
			ics_warn(x, ics_line(x, "DTSTART"), label,
			    "unknown time zone \"%s\": no VTIMEZONE in the file "
			    "defines it and it is no IANA or Windows zone name",
			    tzid);
			goto skip;
		}
		w.zone = zone_ref(z);
	}
	w.dtstart = wall_of(ts);
	start = frame_utc(&w, &w.dtstart);
	if (length_of(x, ev, ts, &w, label) < 0)
		goto skip;
	if ((pr = icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY)) && !prid) {
		const char *rule = icalproperty_get_value_as_string(pr);
		struct icalrecurrencetype r;
		icalerror_clear_errno();
		r = icalrecurrencetype_from_string(rule ? rule : "");
		icalerror_clear_errno();
		if (r.freq == ICAL_NO_RECURRENCE) {
			ics_warn(x, ics_line(x, "RRULE"), label,
			    "RRULE \"%s\" is not valid", rule ? rule : "");
			goto skip;
		}
		if (r.freq == ICAL_SECONDLY_RECURRENCE ||
		    r.freq == ICAL_MINUTELY_RECURRENCE) {
			ics_warn(x, ics_line(x, "RRULE"), label,
			    "FREQ below HOURLY is not a maintenance window");
			goto skip;
		}
		w.rrule = xstrdup(rule);
		if (icalcomponent_get_next_property(ev, ICAL_RRULE_PROPERTY))
			ics_warn(x, ics_line(x, "RRULE"), label,
			    "more than one RRULE: only the first is used");
	}
	if (!prid)
		dates(x, ev, &w, label);
	if ((s = nonempty(xprop(ev, "X-SLAMON-WINDOW"))) == NULL &&
	    (s = nonempty(icalcomponent_get_summary(ev))) == NULL &&
	    (s = nonempty(icalcomponent_get_uid(ev))) == NULL) {
		ics_warn(x, ics_line(x, NULL), label, "no SUMMARY and no UID: no name");
		goto skip;
	}
	name = s;
	stamp = stamp_of(ev, &stamped);
	if ((s = nonempty(xprop(ev, "X-SLAMON-ANNOUNCEMENT-FOR"))) != NULL) {
		announcement(x, ev, &w, s, start, stamped, stamp);
		free(label);
		return;
	}
	w.name = xstrdup(name);
	if ((s = nonempty(icalcomponent_get_description(ev))) != NULL)
		w.description = xstrdup(s);
	if ((s = nonempty(icalcomponent_get_uid(ev))) != NULL)
		w.uid = xstrdup(s);
	w.has_published = stamped;
	w.published = stamp;
	w.trust_created = x->opts->trust_created;
	s = xprop(ev, "X-SLAMON-REQUIRES-ANNOUNCEMENT");
	w.requires_announcement = s && strcasecmp(s, "TRUE") == 0;
	parse_applies(xprop(ev, "X-SLAMON-APPLIES-TO"), x->opts, &w);
	if (prid) {
		struct ics_override *o;
		icalparameter *rp = icalproperty_get_first_parameter(
		    prid, ICAL_RANGE_PARAMETER);
		time_t rid;
		if (w.uid == NULL) {
			ics_warn(x, ics_line(x, "RECURRENCE-ID"), label,
			    "RECURRENCE-ID without UID: it belongs to no series");
			goto skip;
		}
		if (value_time(x, &w, icalproperty_get_recurrenceid(prid),
			tzid_of(prid), &rid) < 0) {
			ics_warn(x, ics_line(x, "RECURRENCE-ID"), label,
			    "RECURRENCE-ID: unknown time zone \"%s\"", tzid_of(prid));
			goto skip;
		}
		x->ov = xreallocarray(x->ov, x->nov + 1, sizeof(*x->ov));
		o = &x->ov[x->nov++];
		o->uid = xstrdup(w.uid);
		o->rid = rid;
		o->future = rp &&
		    icalparameter_get_range(rp) == ICAL_RANGE_THISANDFUTURE;
		o->cancelled = cancelled;
		o->delta = (long)(start - rid);
		o->length = (long)(first_end(&w, start) - start);
		o->window = x->set->nw;
		o->line = ics_line(x, "RECURRENCE-ID");
		o->label = xstrdup(label);
		if (cancelled)
			goto skip;
		w.has_rid = true;
		w.rid = rid;
	}
	push_window(x->set, &w);
	free(label);
	return;
skip:
	cal_window_free(&w);
	free(label);
}
