/*
 * ics.c - iCalendar import: what Outlook, Exchange, Google, Apple,
 * Thunderbird and Evolution write, read as RFC 5545 says.
 *
 * A file is refused only when it is no iCalendar at all. Everything else
 * is tolerated the way calendar programs tolerate each other: empty
 * values (DESCRIPTION:, LOCATION:), X-LIC-ERROR lines of an earlier
 * libical, unknown X- properties and parameters are ignored; an event
 * that cannot be used (no DTSTART, an end before its start, a TZID that
 * nothing defines) is skipped with a warning naming the file, the line of
 * the offending property and the event's UID and SUMMARY (ics-event.c).
 *
 * Time zones: a TZID is the configured zone when it names it; else the
 * file's own VTIMEZONE when it defines observances; else an IANA zone
 * (also behind a prefix such as "/mozilla.org/20070129_1/"); else a
 * Windows zone name mapped through CLDR (zone-windows.c). Events keep
 * their zone, so a series in America/Chicago recurs at Chicago's wall
 * time whatever the configured zone (zone.h).
 *
 * RECURRENCE-ID instances are gathered while reading and applied to their
 * series at the end (the override may come first in the file).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ics-priv.h"
#include "log.h"

#define ICS_MAX_BYTES (16 * 1024 * 1024)

/* The VEVENTs' property lines, in file order (nested VALARMs skipped). */
static struct ics_evlines *
scan_lines(const char *text, size_t *n)
{
	struct ics_evlines *v = NULL, *cur = NULL;
	size_t cap = 0, pcap = 0;
	int line = 0, depth = 0, evdepth = 0;

	*n = 0;
	for (const char *p = text; *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);

		line++;
		if (*p != ' ' && *p != '\t') {
			if (len >= 6 && strncasecmp(p, "BEGIN:", 6) == 0) {
				depth++;
				if (evdepth == 0 && len >= 12 &&
				    strncasecmp(p + 6, "VEVENT", 6) == 0) {
					if (*n == cap) {
						cap = cap ? cap * 2 : 16;
						v = xreallocarray(v, cap, sizeof(*v));
					}
					cur = &v[(*n)++];
					memset(cur, 0, sizeof(*cur));
					cur->begin = line;
					pcap = 0;
					evdepth = depth;
				}
			} else if (len >= 4 && strncasecmp(p, "END:", 4) == 0) {
				if (depth == evdepth)
					evdepth = 0;
				depth--;
			} else if (evdepth && depth == evdepth) {
				size_t k = strcspn(p, ";:\r\n");
				if (cur->np == pcap) {
					pcap = pcap ? pcap * 2 : 16;
					cur->p = xreallocarray(
					    cur->p, pcap, sizeof(*cur->p));
				}
				if (k >= sizeof(cur->p[0].name))
					k = sizeof(cur->p[0].name) - 1;
				memcpy(cur->p[cur->np].name, p, k);
				cur->p[cur->np].name[k] = '\0';
				cur->p[cur->np++].line = line;
			}
		}
		if (eol == NULL)
			break;
		p = eol + 1;
	}
	return v;
}

int
ics_line(const struct ics_ctx *x, const char *prop)
{
	if (x->ev == NULL)
		return 0;
	for (size_t i = 0; prop && i < x->ev->np; i++)
		if (strcasecmp(x->ev->p[i].name, prop) == 0)
			return x->ev->p[i].line;
	return x->ev->begin;
}

void
ics_warn(struct ics_ctx *x, int line, const char *label, const char *fmt, ...)
{
	struct ics_set *set = x->set;
	char *msg, *full;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		fatal("vasprintf");
	va_end(ap);
	xasprintf(&full, "%s:%d: %s: %s", x->name, line, label, msg);
	free(msg);
	set->warn = xreallocarray(set->warn, set->nwarn + 1, sizeof(*set->warn));
	set->warn[set->nwarn++] = full;
}

/* The VTIMEZONE of the file with this TZID, searched through XROOT too. */
static icalcomponent *
find_vtimezone(icalcomponent *c, const char *tzid)
{
	icalcomponent_kind k = icalcomponent_isa(c);

	if (k == ICAL_VTIMEZONE_COMPONENT) {
		icalproperty *p = icalcomponent_get_first_property(
		    c, ICAL_TZID_PROPERTY);
		const char *id = p ? icalproperty_get_tzid(p) : NULL;
		return id && strcmp(id, tzid) == 0 ? c : NULL;
	}
	if (k != ICAL_XROOT_COMPONENT && k != ICAL_VCALENDAR_COMPONENT)
		return NULL;
	for (icalcomponent *s =
		 icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT);
	     s; s = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT)) {
		icalcomponent *f;
		if (icalcomponent_isa(s) == ICAL_VEVENT_COMPONENT)
			continue;
		if ((f = find_vtimezone(s, tzid)) != NULL)
			return f;
	}
	return NULL;
}

/* An IANA zone behind the TZID: itself, or a suffix after a '/'. */
static const char *
iana_in(const char *tzid)
{
	if (tz_valid_name(tzid))
		return tzid;
	for (const char *p = strchr(tzid, '/'); p; p = strchr(p + 1, '/'))
		if (strchr(p + 1, '/') != NULL && tz_valid_name(p + 1))
			return p + 1;
	return NULL;
}

int
ics_zone(struct ics_ctx *x, const char *tzid, struct zone **out)
{
	struct ics_zcache *c;
	icalcomponent *vtz;
	const char *iana;
	struct zone *z = NULL;
	bool bad = false;

	for (size_t i = 0; i < x->nzc; i++)
		if (strcmp(x->zc[i].tzid, tzid) == 0) {
			*out = x->zc[i].zone;
			return x->zc[i].bad ? -1 : 0;
		}
	iana = iana_in(tzid);
	if (iana && strcmp(iana, tz_name()) == 0)
		z = NULL; /* the configured zone, by its tz database */
	else if ((vtz = find_vtimezone(x->root, tzid)) != NULL &&
	    (z = zone_vtimezone(vtz, tzid)) != NULL)
		;
	else if (iana && (z = zone_iana(iana)) != NULL)
		;
	else if ((iana = zone_windows_to_iana(tzid)) != NULL) {
		if (strcmp(iana, tz_name()) != 0 && (z = zone_iana(iana)) == NULL)
			bad = true;
	} else
		bad = true;
	x->zc = xreallocarray(x->zc, x->nzc + 1, sizeof(*x->zc));
	c = &x->zc[x->nzc++];
	c->tzid = xstrdup(tzid);
	c->zone = z;
	c->bad = bad;
	*out = z;
	return bad ? -1 : 0;
}

/* Each override removes its instance from the series and may move later ones. */
static void
apply_overrides(struct ics_ctx *x)
{
	struct ics_set *set = x->set;
	bool *used = xcalloc(x->nov + 1, sizeof(*used));

	for (size_t k = 0; k < x->nov; k++) {
		const struct ics_override *o = &x->ov[k];
		for (size_t j = 0; j < set->nw; j++) {
			struct cal_window *w = &set->w[j];
			if (w->has_rid || w->category || w->uid == NULL ||
			    strcmp(w->uid, o->uid) != 0)
				continue;
			bool have = false;
			used[k] = true;
			for (size_t e = 0; e < w->nexdates; e++)
				have = have || w->exdates[e] == o->rid;
			if (!have) {
				w->exdates = xreallocarray(
				    w->exdates, w->nexdates + 1, sizeof(*w->exdates));
				w->exdates[w->nexdates++] = o->rid;
			}
			if (o->future && !o->cancelled) {
				w->shifts = xreallocarray(
				    w->shifts, w->nshifts + 1, sizeof(*w->shifts));
				w->shifts[w->nshifts++] = (struct cal_shift){
				    o->rid + 1, o->delta, o->length};
			} else if (o->future) {
				/* cancelled from here on: no later instance remains */
				w->shifts = xreallocarray(
				    w->shifts, w->nshifts + 1, sizeof(*w->shifts));
				w->shifts[w->nshifts++] = (struct cal_shift){
				    o->rid + 1, 0, 0};
			}
		}
	}
	for (size_t k = 0; k < x->nov; k++)
		if (!used[k] && x->ov[k].cancelled)
			ics_warn(x, x->ov[k].line, x->ov[k].label,
			    "cancels an occurrence of a series that is not in the "
			    "file: nothing to cancel");
	free(used);
}

static int
walk(struct ics_ctx *x, icalcomponent *c, const struct ics_evlines *lines,
    size_t nlines, size_t *i)
{
	icalcomponent_kind k = icalcomponent_isa(c);

	if (k == ICAL_VEVENT_COMPONENT) {
		x->ev = *i < nlines ? &lines[*i] : NULL;
		(*i)++;
		ics_event(x, c);
		return 0;
	}
	if (k != ICAL_XROOT_COMPONENT && k != ICAL_VCALENDAR_COMPONENT)
		return 0;
	/* Collect first: ics_event must not disturb this iteration. */
	{
		icalcomponent **sub = NULL;
		size_t n = 0;
		for (icalcomponent *s =
			 icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT);
		     s; s = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT)) {
			sub = xreallocarray(sub, n + 1, sizeof(*sub));
			sub[n++] = s;
		}
		for (size_t j = 0; j < n; j++)
			walk(x, sub[j], lines, nlines, i);
		free(sub);
	}
	return 0;
}

int
ics_parse(const char *text, const char *fname, const struct ics_opts *opts,
    struct ics_set *set, char *err, size_t errlen)
{
	static const struct ics_opts none;
	struct ics_ctx x;
	icalcomponent *root;
	icalcomponent_kind k;
	struct ics_evlines *lines;
	size_t nlines, i = 0;

	memset(&x, 0, sizeof(x));
	icalerror_clear_errno();
	root = icalparser_parse_string(text);
	k = root ? icalcomponent_isa(root) : ICAL_NO_COMPONENT;
	if (k != ICAL_VCALENDAR_COMPONENT && k != ICAL_XROOT_COMPONENT &&
	    k != ICAL_VEVENT_COMPONENT) {
		snprintf(err, errlen,
		    "%s:1: not an iCalendar file (no BEGIN:VCALENDAR)", fname);
		if (root)
			icalcomponent_free(root);
		icalerror_clear_errno();
		return -1;
	}
	lines = scan_lines(text, &nlines);
	x.name = fname;
	x.opts = opts ? opts : &none;
	x.root = root;
	x.set = set;
	walk(&x, root, lines, nlines, &i);
	apply_overrides(&x);
	for (size_t j = 0; j < x.nov; j++) {
		free(x.ov[j].uid);
		free(x.ov[j].label);
	}
	free(x.ov);
	for (size_t j = 0; j < x.nzc; j++) {
		free(x.zc[j].tzid);
		zone_unref(x.zc[j].zone);
	}
	free(x.zc);
	for (size_t j = 0; j < nlines; j++)
		free(lines[j].p);
	free(lines);
	icalcomponent_free(root);
	icalerror_clear_errno();
	return 0;
}

int
ics_load(const char *path, const char *name, const struct ics_opts *opts,
    struct ics_set *set, char *err, size_t errlen)
{
	FILE *f;
	char *text = NULL;
	size_t len = 0, cap = 0, n;
	int rc;

	if (name == NULL)
		name = path;
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		return -1;
	}
	do {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 65536;
			text = xreallocarray(text, cap, 1);
		}
		n = fread(text + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0 && len <= ICS_MAX_BYTES);
	if (ferror(f) || len > ICS_MAX_BYTES) {
		snprintf(err, errlen, "%s: %s", name,
		    ferror(f) ? "read error" : "larger than 16 MB");
		fclose(f);
		free(text);
		return -1;
	}
	fclose(f);
	text[len] = '\0';
	rc = ics_parse(text, name, opts, set, err, errlen);
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
	for (size_t i = 0; i < set->nwarn; i++)
		free(set->warn[i]);
	free(set->warn);
	memset(set, 0, sizeof(*set));
}
