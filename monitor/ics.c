/*
 * ics.c - iCalendar import and export of maintenance windows.
 *
 * Import: every VEVENT (but STATUS:CANCELLED) is a window with source
 * "ics". DTSTART may be UTC, floating (read in the configured zone), in the
 * configured zone by TZID, or in another zone by TZID for a single event
 * (converted through that zone); a recurring event in a foreign zone is
 * refused, because its DST changes would not be ours. DTEND or DURATION give
 * the length; a DTEND in local time less than a day after DTSTART is read as
 * a local end time of day (like `end` in the configuration), so the slot
 * keeps ending at that wall time across DST. RRULE and EXDATE are honoured;
 * an overriding instance (RECURRENCE-ID) removes the instance from its
 * series and becomes a single event.
 *
 * Announcement time of an event: LAST-MODIFIED when present (the current
 * version of the event was published then; an earlier version may have said
 * something else), else CREATED, else DTSTAMP (for a published file the time
 * the object was written, which is never earlier than its announcement, so
 * the notice is at worst underestimated). An event without any of them is
 * announced when slamon first saw it (rule_seen), like a rule without
 * `published`.
 *
 * slamon's own properties, written by the export so that it round-trips:
 * X-SLAMON-WINDOW (name; default SUMMARY, then UID), X-SLAMON-APPLIES-TO
 * (comma-separated applies_to), X-SLAMON-REQUIRES-ANNOUNCEMENT:TRUE, and
 * X-SLAMON-ANNOUNCEMENT-FOR:WINDOW, which makes the event an announcement of
 * that window (announced at its CREATED time) instead of a window.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "ics.h"
#include "log.h"

/* Line numbers of the BEGIN:VEVENT lines, in order, for messages. */
static int *
vevent_lines(const char *text, size_t *n)
{
	int *v = NULL, line = 1;
	size_t cap = 0;
	const char *p = text;

	*n = 0;
	while (*p) {
		if (strncasecmp(p, "BEGIN:VEVENT", 12) == 0) {
			if (*n == cap) {
				cap = cap ? cap * 2 : 16;
				v = xreallocarray(v, cap, sizeof(*v));
			}
			v[(*n)++] = line;
		}
		if ((p = strchr(p, '\n')) == NULL)
			break;
		p++;
		line++;
	}
	return v;
}

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

/* Whether a TZID names the configured zone ("Europe/Oslo", or a prefixed form). */
static bool
tzid_is_ours(const char *tzid)
{
	const char *ours = tz_name();
	size_t lt = strlen(tzid), lo = strlen(ours);

	if (strcmp(tzid, ours) == 0)
		return true;
	return lt > lo && tzid[lt - lo - 1] == '/' && strcmp(tzid + lt - lo, ours) == 0;
}

static void
to_local(struct icaltimetype t, struct tz_local *l)
{
	l->year = t.year;
	l->mon = t.month;
	l->mday = t.day;
	l->hour = t.is_date ? 0 : t.hour;
	l->min = t.is_date ? 0 : t.minute;
	l->sec = t.is_date ? 0 : t.second;
}

enum ics_zone {
	ICS_LOCAL, /* floating or TZID of the configured zone */
	ICS_UTC,
	ICS_FOREIGN, /* TZID of another zone */
};

static enum ics_zone
zone_of(struct icaltimetype t, const char *tzid)
{
	if (icaltime_is_utc(t))
		return ICS_UTC;
	if (tzid == NULL || tzid_is_ours(tzid))
		return ICS_LOCAL;
	return ICS_FOREIGN;
}

/* UTC of a DTSTART/DTEND/EXDATE value; -1 when its zone is unknown. */
static int
ics_time(struct icaltimetype t, const char *tzid, icalcomponent *root, time_t *out)
{
	struct tz_local l;
	icaltimezone *z;

	to_local(t, &l);
	switch (zone_of(t, tzid)) {
	case ICS_UTC:
		*out = timegm(&(struct tm){.tm_year = l.year - 1900,
		    .tm_mon = l.mon - 1,
		    .tm_mday = l.mday,
		    .tm_hour = l.hour,
		    .tm_min = l.min,
		    .tm_sec = l.sec});
		return 0;
	case ICS_LOCAL:
		tz_from_local(&l, out);
		return 0;
	case ICS_FOREIGN:
		/* The file's own VTIMEZONE, else libical's built-in zone. */
		if ((z = icalcomponent_get_timezone(root, tzid)) == NULL &&
		    (z = icaltimezone_get_builtin_timezone(tzid)) == NULL &&
		    (z = icaltimezone_get_builtin_timezone_from_tzid(tzid)) == NULL)
			return -1;
		*out = icaltime_as_timet_with_zone(t, z);
		return 0;
	}
	return -1;
}

static time_t
ics_stamp(icalcomponent *ev, bool *found)
{
	static const icalproperty_kind kinds[] = {
	    ICAL_LASTMODIFIED_PROPERTY, ICAL_CREATED_PROPERTY, ICAL_DTSTAMP_PROPERTY};
	time_t t;

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		icalproperty *p = icalcomponent_get_first_property(ev, kinds[i]);
		if (p == NULL)
			continue;
		if (ics_time(icalproperty_get_datetime_with_component(p, NULL), NULL,
			NULL, &t) == 0) {
			*found = true;
			return t;
		}
	}
	*found = false;
	return 0;
}

static void
parse_applies(const char *s, struct cal_window *w)
{
	char *copy, *tok, *save = NULL;
	size_t cap = 1;

	w->applies = xcalloc(1, sizeof(*w->applies));
	w->napplies = 0;
	if (s == NULL || *s == '\0') {
		w->applies[0].kind = CONF_APPLIES_ALL;
		w->napplies = 1;
		return;
	}
	copy = xstrdup(s);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct conf_applies *a;
		while (*tok == ' ')
			tok++;
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

static void
set_push_window(struct ics_set *set, struct cal_window *w)
{
	set->w = xreallocarray(set->w, set->nw + 1, sizeof(*set->w));
	set->w[set->nw++] = *w;
}

static void
set_push_ann(struct ics_set *set, struct cal_announcement *a)
{
	set->ann = xreallocarray(set->ann, set->nann + 1, sizeof(*set->ann));
	set->ann[set->nann++] = *a;
}

/* An overriding instance: drop the instance it replaces from its series. */
struct override {
	char *uid;
	time_t when;
};

static int
parse_event(icalcomponent *root, icalcomponent *ev, struct ics_set *set,
    struct override **ov, size_t *nov, char *err, size_t errlen)
{
	struct cal_window w;
	icalproperty *ps, *pe, *pd, *pr, *p;
	struct icaltimetype ts, te;
	const char *tzid, *name, *s;
	enum ics_zone zone;
	time_t start, end;
	bool stamped;
	time_t stamp = ics_stamp(ev, &stamped);

	memset(&w, 0, sizeof(w));
	w.end_hms = -1;
	w.source = CAL_SRC_ICS;
	if (icalcomponent_get_status(ev) == ICAL_STATUS_CANCELLED)
		return 0;
	if ((ps = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY)) ==
	    NULL) {
		snprintf(err, errlen, "VEVENT without DTSTART");
		return -1;
	}
	ts = icalproperty_get_dtstart(ps);
	tzid = tzid_of(ps);
	zone = zone_of(ts, tzid);
	if (icaltime_is_null_time(ts) || ics_time(ts, tzid, root, &start) < 0) {
		snprintf(
		    err, errlen, "DTSTART: unknown time zone \"%s\"", tzid ? tzid : "");
		return -1;
	}
	pr = icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY);
	if (pr && zone == ICS_FOREIGN) {
		snprintf(err, errlen,
		    "recurring event in time zone \"%s\": only the "
		    "configured zone %s, UTC or floating times can recur",
		    tzid, tz_name());
		return -1;
	}
	if ((s = xprop(ev, "X-SLAMON-WINDOW")) == NULL &&
	    (s = icalcomponent_get_summary(ev)) == NULL &&
	    (s = icalcomponent_get_uid(ev)) == NULL) {
		snprintf(err, errlen, "VEVENT without SUMMARY or UID");
		return -1;
	}
	name = s;
	pe = icalcomponent_get_first_property(ev, ICAL_DTEND_PROPERTY);
	pd = icalcomponent_get_first_property(ev, ICAL_DURATION_PROPERTY);
	if (pe) {
		te = icalproperty_get_dtend(pe);
		if (ics_time(te, tzid_of(pe), root, &end) < 0) {
			snprintf(err, errlen, "DTEND: unknown time zone");
			return -1;
		}
		if (end <= start) {
			snprintf(err, errlen, "DTEND is not after DTSTART");
			return -1;
		}
		if (zone == ICS_LOCAL && zone_of(te, tzid_of(pe)) == ICS_LOCAL &&
		    !ts.is_date && end - start <= 86400 + 3600) {
			/* A local end of day, kept across DST (see the top). */
			w.end_hms = te.hour * 3600 + te.minute * 60 + te.second;
		} else {
			w.duration = (long)(end - start);
		}
	} else if (pd) {
		w.duration = icaldurationtype_as_int(icalproperty_get_duration(pd));
		if (w.duration <= 0) {
			snprintf(err, errlen, "DURATION must be positive");
			return -1;
		}
	} else if (ts.is_date) {
		w.duration = 86400;
	} else {
		snprintf(err, errlen, "VEVENT \"%s\" without DTEND or DURATION", name);
		return -1;
	}
	if ((s = xprop(ev, "X-SLAMON-ANNOUNCEMENT-FOR")) != NULL) {
		struct cal_announcement a = {xstrdup(s), start,
		    w.end_hms >= 0 ? end : start + w.duration, stamp, NULL, 0, "ics"};
		const char *note = icalcomponent_get_description(ev);
		a.note = note ? xstrdup(note) : NULL;
		if (!stamped) {
			free((char *)a.window);
			free((char *)a.note);
			snprintf(
			    err, errlen, "announcement without CREATED or DTSTAMP");
			return -1;
		}
		set_push_ann(set, &a);
		/* The announced window may be a category only the export knew. */
		for (size_t i = 0; i < set->nw; i++)
			if (strcmp(set->w[i].name, a.window) == 0)
				return 0;
		w.name = xstrdup(a.window);
		w.category = true;
		w.requires_announcement = true;
		parse_applies(xprop(ev, "X-SLAMON-APPLIES-TO"), &w);
		s = xprop(ev, "X-SLAMON-DESCRIPTION");
		w.description = s ? xstrdup(s) : NULL;
		set_push_window(set, &w);
		return 0;
	}
	w.name = xstrdup(name);
	if ((s = icalcomponent_get_description(ev)) != NULL)
		w.description = xstrdup(s);
	if ((s = icalcomponent_get_uid(ev)) != NULL)
		w.uid = xstrdup(s);
	w.utc = zone != ICS_LOCAL;
	if (zone == ICS_FOREIGN) {
		/* A single event: keep its instant, expressed in UTC. */
		struct tm tm;
		gmtime_r(&start, &tm);
		w.dtstart = (struct tz_local){tm.tm_year + 1900, tm.tm_mon + 1,
		    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec};
	} else {
		to_local(ts, &w.dtstart);
	}
	if (pr)
		w.rrule = xstrdup(icalproperty_get_value_as_string(pr));
	w.has_published = stamped;
	w.published = stamp;
	s = xprop(ev, "X-SLAMON-REQUIRES-ANNOUNCEMENT");
	w.requires_announcement = s && strcasecmp(s, "TRUE") == 0;
	parse_applies(xprop(ev, "X-SLAMON-APPLIES-TO"), &w);
	for (p = icalcomponent_get_first_property(ev, ICAL_EXDATE_PROPERTY); p;
	     p = icalcomponent_get_next_property(ev, ICAL_EXDATE_PROPERTY)) {
		time_t x;
		if (ics_time(icalproperty_get_exdate(p), tzid_of(p), root, &x) < 0)
			continue;
		w.exdates = xreallocarray(w.exdates, w.nexdates + 1, sizeof(time_t));
		w.exdates[w.nexdates++] = x;
	}
	if ((p = icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY)) &&
	    w.uid) {
		time_t x;
		if (ics_time(icalproperty_get_recurrenceid(p), tzid_of(p), root, &x) ==
		    0) {
			*ov = xreallocarray(*ov, *nov + 1, sizeof(**ov));
			(*ov)[*nov].uid = xstrdup(w.uid);
			(*ov)[(*nov)++].when = x;
		}
	}
	set_push_window(set, &w);
	return 0;
}

int
ics_parse(
    const char *text, const char *fname, struct ics_set *set, char *err, size_t errlen)
{
	icalcomponent *root = NULL, *ev;
	struct override *ov = NULL;
	size_t nov = 0, nlines, i = 0;
	int *lines = vevent_lines(text, &nlines), rc = -1;
	char msg[512];

	icalerror_clear_errno();
	root = icalparser_parse_string(text);
	if (root == NULL ||
	    (icalcomponent_isa(root) != ICAL_VCALENDAR_COMPONENT &&
		icalcomponent_isa(root) != ICAL_VEVENT_COMPONENT)) {
		snprintf(err, errlen, "%s:1: not an iCalendar VCALENDAR", fname);
		goto fail;
	}
	for (ev = icalcomponent_isa(root) == ICAL_VEVENT_COMPONENT
		 ? root
		 : icalcomponent_get_first_component(root, ICAL_VEVENT_COMPONENT);
	     ev; ev = ev == root
		 ? NULL
		 : icalcomponent_get_next_component(root, ICAL_VEVENT_COMPONENT),
	    i++) {
		int line = i < nlines ? lines[i] : 0;
		icalproperty *x = icalcomponent_get_first_property(
		    ev, ICAL_XLICERROR_PROPERTY);
		if (x != NULL) {
			snprintf(err, errlen, "%s:%d: %s", fname, line,
			    icalproperty_get_xlicerror(x));
			goto fail;
		}
		if (parse_event(root, ev, set, &ov, &nov, msg, sizeof(msg)) < 0) {
			snprintf(err, errlen, "%s:%d: %s", fname, line, msg);
			goto fail;
		}
	}
	for (size_t k = 0; k < nov; k++)
		for (size_t j = 0; j < set->nw; j++) {
			struct cal_window *w = &set->w[j];
			if (w->rrule && w->uid && strcmp(w->uid, ov[k].uid) == 0) {
				w->exdates = xreallocarray(
				    w->exdates, w->nexdates + 1, sizeof(time_t));
				w->exdates[w->nexdates++] = ov[k].when;
			}
		}
	rc = 0;
fail:
	for (size_t k = 0; k < nov; k++)
		free(ov[k].uid);
	free(ov);
	free(lines);
	if (root)
		icalcomponent_free(root);
	icalerror_clear_errno();
	return rc;
}

int
ics_load(const char *path, struct ics_set *set, char *err, size_t errlen)
{
	FILE *f;
	char *text = NULL;
	size_t len = 0, cap = 0, n;
	int rc;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	do {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 65536;
			text = xreallocarray(text, cap, 1);
		}
		n = fread(text + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		fclose(f);
		free(text);
		return -1;
	}
	fclose(f);
	text[len] = '\0';
	rc = ics_parse(text, path, set, err, errlen);
	free(text);
	return rc;
}

void
ics_set_free(struct ics_set *set)
{
	for (size_t i = 0; i < set->nw; i++)
		cal_window_free(&set->w[i]);
	free(set->w);
	for (size_t i = 0; i < set->nann; i++) {
		free((char *)set->ann[i].window);
		free((char *)set->ann[i].note);
	}
	free(set->ann);
	memset(set, 0, sizeof(*set));
}
