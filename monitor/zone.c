/*
 * zone.c - zones as tables of offset changes (see zone.h).
 *
 * An IANA zone is read through localtime_r with TZ switched for the time
 * of the scan (once per zone, ~47,000 calls for 1970-2100), so the tz
 * database stays the only source, as for the configured zone. A VTIMEZONE
 * is expanded here, onset by onset, with libical's recurrence iterator on
 * floating times: libical's own zone conversion moves the shifted hour of
 * a DST day (see calendar.c), its recurrence arithmetic does not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "zone.h"

#define ZONE_FIRST_YEAR 1970
#define ZONE_LAST_YEAR 2100
#define ZONE_MAX_ONSETS 20000

struct zone_change {
	time_t at; /* first UTC second of the new offset */
	long off;  /* seconds east of UTC from then on */
};

struct zone {
	int refs;
	char *name;
	long initial; /* offset before the first change */
	struct zone_change *ch;
	size_t nch;
};

static struct zone *
zone_alloc(const char *name)
{
	struct zone *z = xcalloc(1, sizeof(*z));

	z->refs = 1;
	z->name = xstrdup(name);
	return z;
}

static void
zone_push(struct zone *z, time_t at, long off, size_t *cap)
{
	if (z->nch == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		z->ch = xreallocarray(z->ch, *cap, sizeof(*z->ch));
	}
	z->ch[z->nch].at = at;
	z->ch[z->nch++].off = off;
}

static long
local_offset(time_t t)
{
	struct tm tm;

	return localtime_r(&t, &tm) ? tm.tm_gmtoff : 0;
}

struct zone *
zone_iana(const char *name)
{
	struct zone *z;
	char *saved = getenv("TZ") ? xstrdup(getenv("TZ")) : NULL;
	time_t t, stop;
	long prev;
	size_t cap = 0;

	if (!tz_valid_name(name)) {
		free(saved);
		return NULL;
	}
	z = zone_alloc(name);
	setenv("TZ", name, 1);
	tzset();
	t = (time_t)(ZONE_FIRST_YEAR - 1970) * 365 * 86400;
	stop = (time_t)(ZONE_LAST_YEAR - 1970) * 36525 / 100 * 86400;
	z->initial = prev = local_offset(t);
	for (; t < stop; t += 86400) {
		long off = local_offset(t + 86400);
		time_t a = t, b = t + 86400;

		if (off == prev)
			continue;
		/* The first second of the new offset in (a, b]. */
		while (b - a > 1) {
			time_t m = a + (b - a) / 2;
			if (local_offset(m) == prev)
				a = m;
			else
				b = m;
		}
		zone_push(z, b, off, &cap);
		prev = off;
	}
	if (saved) {
		setenv("TZ", saved, 1);
		free(saved);
	} else {
		unsetenv("TZ");
	}
	tzset();
	return z;
}

static int
change_cmp(const void *a, const void *b)
{
	const struct zone_change *x = a, *y = b;

	return x->at < y->at ? -1 : x->at > y->at;
}

static time_t
ical_wall(struct icaltimetype t)
{
	struct tz_local l = {t.year, t.month, t.day, t.is_date ? 0 : t.hour,
	    t.is_date ? 0 : t.minute, t.is_date ? 0 : t.second};

	return tz_wall_seconds(&l);
}

/* The onsets of one STANDARD or DAYLIGHT part; false when it is unusable. */
static bool
observance(
    struct zone *z, icalcomponent *o, size_t *cap, long *first_from, time_t *first_at)
{
	icalproperty *p;
	struct icaltimetype dt;
	long from, to;
	time_t wall, stop;

	if ((p = icalcomponent_get_first_property(o, ICAL_DTSTART_PROPERTY)) == NULL)
		return false;
	dt = icalproperty_get_dtstart(p);
	if (icaltime_is_null_time(dt))
		return false;
	if ((p = icalcomponent_get_first_property(o, ICAL_TZOFFSETFROM_PROPERTY)) ==
	    NULL)
		return false;
	from = icalproperty_get_tzoffsetfrom(p);
	if ((p = icalcomponent_get_first_property(o, ICAL_TZOFFSETTO_PROPERTY)) == NULL)
		return false;
	to = icalproperty_get_tzoffsetto(p);
	stop = tz_wall_seconds(&(struct tz_local){ZONE_LAST_YEAR, 1, 1, 0, 0, 0});
	/* An onset is a local time read in the offset before it (3.6.5). */
	wall = ical_wall(dt);
	if (*first_at == 0 || wall - from < *first_at) {
		*first_at = wall - from;
		*first_from = from;
	}
	zone_push(z, wall - from, to, cap);
	for (p = icalcomponent_get_first_property(o, ICAL_RRULE_PROPERTY); p;
	     p = icalcomponent_get_next_property(o, ICAL_RRULE_PROPERTY)) {
		struct icalrecurrencetype r = icalproperty_get_rrule(p);
		icalrecur_iterator *it;
		struct icaltimetype n, start = dt;

		start.zone = NULL;
		start.is_date = 0;
		if (!icaltime_is_null_time(r.until) && icaltime_is_utc(r.until)) {
			/* UNTIL is an instant; the iterator compares wall times. */
			struct tz_local l;
			tz_wall_to_local(ical_wall(r.until) + from, &l);
			r.until = icaltime_null_time();
			r.until.year = l.year;
			r.until.month = l.mon;
			r.until.day = l.mday;
			r.until.hour = l.hour;
			r.until.minute = l.min;
			r.until.second = l.sec;
		}
		if ((it = icalrecur_iterator_new(r, start)) == NULL)
			continue;
		while (z->nch < ZONE_MAX_ONSETS) {
			n = icalrecur_iterator_next(it);
			if (icaltime_is_null_time(n) || ical_wall(n) >= stop)
				break;
			if (ical_wall(n) != wall)
				zone_push(z, ical_wall(n) - from, to, cap);
		}
		icalrecur_iterator_free(it);
	}
	for (p = icalcomponent_get_first_property(o, ICAL_RDATE_PROPERTY); p;
	     p = icalcomponent_get_next_property(o, ICAL_RDATE_PROPERTY)) {
		struct icaldatetimeperiodtype rd = icalproperty_get_rdate(p);
		if (!icaltime_is_null_time(rd.time) && z->nch < ZONE_MAX_ONSETS)
			zone_push(z,
			    icaltime_is_utc(rd.time) ? ical_wall(rd.time)
						     : ical_wall(rd.time) - from,
			    to, cap);
	}
	icalerror_clear_errno();
	return true;
}

struct zone *
zone_vtimezone(icalcomponent *vtz, const char *tzid)
{
	struct zone *z = zone_alloc(tzid);
	size_t cap = 0, k = 0, nobs = 0;
	long first_from = 0;
	time_t first_at = 0;

	for (icalcomponent *o =
		 icalcomponent_get_first_component(vtz, ICAL_ANY_COMPONENT);
	     o; o = icalcomponent_get_next_component(vtz, ICAL_ANY_COMPONENT)) {
		icalcomponent_kind kind = icalcomponent_isa(o);
		if (kind == ICAL_XSTANDARD_COMPONENT ||
		    kind == ICAL_XDAYLIGHT_COMPONENT)
			nobs += observance(z, o, &cap, &first_from, &first_at);
	}
	/* No usable observance: a stub (Outlook writes some), not a zone. */
	if (nobs == 0) {
		zone_unref(z);
		return NULL;
	}
	qsort(z->ch, z->nch, sizeof(*z->ch), change_cmp);
	/* Drop duplicates and changes that change nothing. */
	z->initial = first_from;
	for (size_t i = 0; i < z->nch; i++) {
		long prev = k ? z->ch[k - 1].off : z->initial;
		if (k && z->ch[k - 1].at == z->ch[i].at) {
			z->ch[k - 1] = z->ch[i];
			continue;
		}
		if (z->ch[i].off != prev)
			z->ch[k++] = z->ch[i];
	}
	z->nch = k;
	return z;
}

struct zone *
zone_ref(struct zone *z)
{
	if (z)
		z->refs++;
	return z;
}

void
zone_unref(struct zone *z)
{
	if (z == NULL || --z->refs > 0)
		return;
	free(z->name);
	free(z->ch);
	free(z);
}

const char *
zone_name(const struct zone *z)
{
	return z ? z->name : tz_name();
}

long
zone_offset(const struct zone *z, time_t t)
{
	size_t lo = 0, hi;

	if (z == NULL)
		return tz_offset(t);
	/* The last change at or before t. */
	hi = z->nch;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (z->ch[mid].at <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? z->ch[lo - 1].off : z->initial;
}

enum tz_kind
zone_from_local(const struct zone *z, const struct tz_local *l, time_t *out)
{
	time_t wall = tz_wall_seconds(l), cand[2], found[2];
	long before, after;
	int nfound = 0;

	if (z == NULL)
		return tz_from_local(l, out);
	/* As in tz_from_local: the offsets a day either side bracket every answer. */
	before = zone_offset(z, wall - 86400);
	after = zone_offset(z, wall + 86400);
	cand[0] = wall - before;
	cand[1] = wall - after;
	for (int i = 0; i < 2; i++) {
		if (i == 1 && cand[1] == cand[0])
			break;
		if (zone_offset(z, cand[i]) == wall - cand[i])
			found[nfound++] = cand[i];
	}
	if (nfound == 0) {
		*out = wall - before;
		return TZ_LOCAL_GAP;
	}
	if (nfound == 2) {
		*out = found[0] < found[1] ? found[0] : found[1];
		return TZ_LOCAL_AMBIGUOUS;
	}
	*out = found[0];
	return TZ_LOCAL_OK;
}

void
zone_to_local(const struct zone *z, time_t t, struct tz_local *l)
{
	if (z == NULL) {
		tz_to_local(t, l);
		return;
	}
	tz_wall_to_local(t + zone_offset(z, t), l);
}
