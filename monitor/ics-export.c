/*
 * ics-export.c - the calendar as iCalendar text that Google Calendar and
 * Outlook import: CRLF lines folded at 75 octets, a VTIMEZONE for the
 * configured zone built from the system tz database (one STANDARD or
 * DAYLIGHT part per transition, so no rule has to be guessed), and for each
 * window a VEVENT with DTSTART;TZID, RRULE, DTEND or DURATION, UID and
 * DTSTAMP. ics.c reads it back; the X-SLAMON-* properties are described there.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ics.h"
#include "log.h"

struct buf {
	char *s;
	size_t len, cap;
};

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		while (b->len + n + 1 > b->cap)
			b->cap = b->cap ? b->cap * 2 : 4096;
		b->s = xreallocarray(b->s, b->cap, 1);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* One content line, folded (RFC 5545 3.1) without splitting a UTF-8 sequence. */
static void __attribute__((format(printf, 2, 3)))
line(struct buf *b, const char *fmt, ...)
{
	char *s;
	va_list ap;
	size_t len, pos = 0, room = 75;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal("vasprintf");
	len = (size_t)n;
	while (len - pos > room) {
		size_t cut = room;
		while (cut > 1 && ((unsigned char)s[pos + cut] & 0xc0) == 0x80)
			cut--;
		buf_add(b, s + pos, cut);
		buf_add(b, "\r\n ", 3);
		pos += cut;
		room = 74;
	}
	buf_add(b, s + pos, len - pos);
	buf_add(b, "\r\n", 2);
	free(s);
}

/* TEXT escaping of RFC 5545 3.3.11; the result is malloc'ed. */
static char *
esc(const char *s)
{
	struct buf b = {NULL, 0, 0};

	buf_add(&b, "", 0);
	for (; s && *s; s++) {
		if (*s == '\\' || *s == ';' || *s == ',') {
			buf_add(&b, "\\", 1);
			buf_add(&b, s, 1);
		} else if (*s == '\n') {
			buf_add(&b, "\\n", 2);
		} else if (*s != '\r') {
			buf_add(&b, s, 1);
		}
	}
	return b.s;
}

static char *
utc_str(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y%m%dT%H%M%SZ", &tm);
	return buf;
}

static char *
wall_str(const struct tz_local *l, char *buf, size_t len)
{
	snprintf(buf, len, "%04d%02d%02dT%02d%02d%02d", l->year, l->mon, l->mday,
	    l->hour, l->min, l->sec);
	return buf;
}

static void
offset_str(long off, char *buf, size_t len)
{
	long a = off < 0 ? -off : off;

	snprintf(buf, len, "%c%02ld%02ld", off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
}

/* The instant of the first second with a different offset in (a, b]. */
static time_t
transition(time_t a, time_t b)
{
	long off = tz_offset(a);

	while (b - a > 1) {
		time_t m = a + (b - a) / 2;
		if (tz_offset(m) == off)
			a = m;
		else
			b = m;
	}
	return b;
}

static void
vtimezone(struct buf *b, int from_year, int to_year)
{
	time_t t = tz_month_start(from_year, 1) - 86400,
	       stop = tz_month_start(to_year + 1, 1);
	long prev = tz_offset(t);
	char f[48], o[48], w[32];
	struct tm tm;
	int n = 0;

	line(b, "BEGIN:VTIMEZONE");
	line(b, "TZID:%s", tz_name());
	for (; t < stop; t += 86400) {
		long off = tz_offset(t + 86400);
		time_t tr, wall;
		struct tz_local l;
		if (off == prev)
			continue;
		tr = transition(t, t + 86400);
		/* DTSTART of a transition is the local time before it, RFC 5545 3.6.5. */
		wall = tr + prev;
		gmtime_r(&wall, &tm);
		l = (struct tz_local){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		    tm.tm_hour, tm.tm_min, tm.tm_sec};
		localtime_r(&tr, &tm);
		line(b, "BEGIN:%s", tm.tm_isdst ? "DAYLIGHT" : "STANDARD");
		line(b, "DTSTART:%s", wall_str(&l, w, sizeof(w)));
		offset_str(prev, f, sizeof(f));
		offset_str(off, o, sizeof(o));
		line(b, "TZOFFSETFROM:%s", f);
		line(b, "TZOFFSETTO:%s", o);
		if (tm.tm_zone)
			line(b, "TZNAME:%s", tm.tm_zone);
		line(b, "END:%s", tm.tm_isdst ? "DAYLIGHT" : "STANDARD");
		prev = off;
		n++;
	}
	if (n == 0) {
		offset_str(prev, f, sizeof(f));
		line(b, "BEGIN:STANDARD");
		line(b, "DTSTART:19700101T000000");
		line(b, "TZOFFSETFROM:%s", f);
		line(b, "TZOFFSETTO:%s", f);
		line(b, "END:STANDARD");
	}
	line(b, "END:VTIMEZONE");
}

static void
applies_line(struct buf *b, const struct conf_applies *a, size_t n)
{
	struct buf v = {NULL, 0, 0};

	if (n == 0)
		return;
	buf_add(&v, "", 0);
	for (size_t i = 0; i < n; i++) {
		const char *pre = a[i].kind == CONF_APPLIES_GROUP ? "group:"
		    : a[i].kind == CONF_APPLIES_COMPONENT	  ? "component:"
								  : "";
		if (i)
			buf_add(&v, ",", 1);
		buf_add(&v, pre, strlen(pre));
		if (a[i].kind == CONF_APPLIES_ALL)
			buf_add(&v, "all", 3);
		else
			buf_add(&v, a[i].name, strlen(a[i].name));
	}
	line(b, "X-SLAMON-APPLIES-TO:%s", v.s);
	free(v.s);
}

static void
window_event(struct buf *b, const struct cal_window *w, const char *stamp)
{
	char t1[32], t2[32], *e;
	const char *tzp = w->utc ? "" : ";TZID=";
	const char *tzn = w->utc ? "" : tz_name();
	const char *z = w->utc ? "Z" : "";

	line(b, "BEGIN:VEVENT");
	if (w->uid)
		line(b, "UID:%s", w->uid);
	else
		line(b, "UID:%s@slamon", w->name);
	line(b, "DTSTAMP:%s", stamp);
	line(b, "DTSTART%s%s:%s%s", tzp, tzn, wall_str(&w->dtstart, t1, sizeof(t1)), z);
	if (w->end_hms >= 0) {
		struct tz_local l = w->dtstart;
		int hms = l.hour * 3600 + l.min * 60 + l.sec;
		l.hour = w->end_hms / 3600;
		l.min = w->end_hms / 60 % 60;
		l.sec = w->end_hms % 60;
		if (w->end_hms <= hms)
			tz_local_add_days(&l, 1);
		line(b, "DTEND%s%s:%s%s", tzp, tzn, wall_str(&l, t2, sizeof(t2)), z);
	} else {
		line(b, "DURATION:PT%ldS", w->duration);
	}
	if (w->rrule)
		line(b, "RRULE:%s", w->rrule);
	for (size_t i = 0; i < w->nexdates; i++) {
		struct tz_local l;
		if (w->utc) {
			line(b, "EXDATE:%s", utc_str(w->exdates[i], t1, sizeof(t1)));
		} else {
			tz_to_local(w->exdates[i], &l);
			line(b, "EXDATE;TZID=%s:%s", tz_name(),
			    wall_str(&l, t1, sizeof(t1)));
		}
	}
	e = esc(w->name);
	line(b, "SUMMARY:%s", e);
	free(e);
	if (w->description) {
		e = esc(w->description);
		line(b, "DESCRIPTION:%s", e);
		free(e);
	}
	if (w->has_published)
		line(b, "CREATED:%s", utc_str(w->published, t1, sizeof(t1)));
	line(b, "X-SLAMON-WINDOW:%s", w->name);
	applies_line(b, w->applies, w->napplies);
	if (w->requires_announcement) {
		/* An eligible slot: shown as free time until an announcement uses it. */
		line(b, "X-SLAMON-REQUIRES-ANNOUNCEMENT:TRUE");
		line(b, "STATUS:TENTATIVE");
		line(b, "TRANSP:TRANSPARENT");
	} else {
		line(b, "STATUS:CONFIRMED");
	}
	line(b, "END:VEVENT");
}

static void
announcement_event(struct buf *b, const struct calendar *cal,
    const struct cal_announcement *a, size_t idx, const char *stamp)
{
	const struct cal_window *w = calendar_window_find(cal, a->window);
	char t1[32], t2[32], *e;

	line(b, "BEGIN:VEVENT");
	line(b, "UID:announcement-%s-%lld-%zu@slamon", a->window, (long long)a->start,
	    idx);
	line(b, "DTSTAMP:%s", stamp);
	line(b, "DTSTART:%s", utc_str(a->start, t1, sizeof(t1)));
	line(b, "DTEND:%s", utc_str(a->end, t2, sizeof(t2)));
	e = esc(a->window);
	line(b, "SUMMARY:%s (announced)", e);
	free(e);
	if (a->note) {
		e = esc(a->note);
		line(b, "DESCRIPTION:%s", e);
		free(e);
	}
	line(b, "CREATED:%s", utc_str(a->announced_at, t1, sizeof(t1)));
	line(b, "X-SLAMON-ANNOUNCEMENT-FOR:%s", a->window);
	if (w) {
		applies_line(b, w->applies, w->napplies);
		if (w->description)
			line(b, "X-SLAMON-DESCRIPTION:%s", w->description);
	}
	line(b, "STATUS:CONFIRMED");
	line(b, "END:VEVENT");
}

char *
ics_export(const struct calendar *cal, time_t now, time_t from, time_t to)
{
	struct buf b = {NULL, 0, 0};
	char stamp[32];
	struct tm tm;
	int y0 = 9999, y1;

	utc_str(now, stamp, sizeof(stamp));
	for (size_t i = 0; i < calendar_nwindows(cal); i++) {
		const struct cal_window *w = calendar_window(cal, i);
		if (!w->category && w->dtstart.year < y0)
			y0 = w->dtstart.year;
	}
	gmtime_r(&now, &tm);
	if (y0 > tm.tm_year + 1900)
		y0 = tm.tm_year + 1900;
	y1 = (from < to ? gmtime_r(&to, &tm)->tm_year + 1900 : tm.tm_year + 1900) + 10;
	line(&b, "BEGIN:VCALENDAR");
	line(&b, "VERSION:2.0");
	line(&b, "PRODID:-//slamon//maintenance calendar//EN");
	line(&b, "CALSCALE:GREGORIAN");
	line(&b, "METHOD:PUBLISH");
	line(&b, "X-WR-CALNAME:Maintenance");
	line(&b, "X-WR-TIMEZONE:%s", tz_name());
	vtimezone(&b, y0 - 1, y1);
	for (size_t i = 0; i < calendar_nwindows(cal); i++) {
		const struct cal_window *w = calendar_window(cal, i);
		if (!w->category)
			window_event(&b, w, stamp);
	}
	for (size_t i = 0; i < calendar_nannouncements(cal); i++) {
		const struct cal_announcement *a = calendar_announcement(cal, i);
		if (from < to && (a->start >= to || a->end <= from))
			continue;
		announcement_event(&b, cal, a, i, stamp);
	}
	line(&b, "END:VCALENDAR");
	return b.s;
}
