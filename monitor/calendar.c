/*
 * calendar.c - expansion of the maintenance calendar (design.md 3-4).
 *
 * Rules are expanded by libical's recurrence iterator in floating local
 * time of the window's zone (the configured one, or an ics event's own,
 * zone.h), and every local start is converted by that zone: libical 3.0's
 * own zone handling moves the shifted hour of a DST day into the next day
 * (libical issues 318, 1402), the tz database does not. RDATEs join the
 * set, EXDATEs leave it, THISANDFUTURE overrides move the rest. Each
 * occurrence then gets its announcement status: a configured window's by
 * its rule, an ics event's by when slamon first saw that occurrence.
 * Nothing here reads a clock or a file; the index is in calendar-index.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "calendar.h"
#include "log.h"
#include "zone.h"

struct calendar {
	long min_notice;
	struct cal_window *w;
	size_t nw;
	struct cal_announcement *ann;
	size_t nann;
	struct cal_seen *seen;
	size_t nseen;
	struct cal_occ_seen *oseen; /* sorted by key, start, end */
	size_t noseen, caposeen;
};

/* A growing array of occurrences. */
struct occv {
	struct cal_occ *v;
	size_t n, cap;
};

typedef void slot_cb(void *arg, const struct cal_window *, time_t s, time_t e);

static void
occv_push(struct occv *o, const struct cal_occ *x)
{
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 64;
		o->v = xreallocarray(o->v, o->cap, sizeof(*o->v));
	}
	o->v[o->n++] = *x;
}

const char *
calendar_source_name(enum cal_source s)
{
	switch (s) {
	case CAL_SRC_RULE:
		return "rule";
	case CAL_SRC_ANNOUNCEMENT:
		return "announcement";
	case CAL_SRC_ICS:
		return "ics";
	}
	return "?";
}

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void
cal_window_copy(struct cal_window *d, const struct cal_window *s)
{
	*d = *s;
	d->name = dup_or_null(s->name);
	d->rrule = dup_or_null(s->rrule);
	d->description = dup_or_null(s->description);
	d->uid = dup_or_null(s->uid);
	d->applies = xcalloc(s->napplies ? s->napplies : 1, sizeof(*d->applies));
	for (size_t i = 0; i < s->napplies; i++) {
		d->applies[i].kind = s->applies[i].kind;
		d->applies[i].name = dup_or_null(s->applies[i].name);
	}
	d->exdates = xcalloc(s->nexdates ? s->nexdates : 1, sizeof(*d->exdates));
	if (s->nexdates)
		memcpy(d->exdates, s->exdates, s->nexdates * sizeof(*d->exdates));
	d->rdates = xcalloc(s->nrdates ? s->nrdates : 1, sizeof(*d->rdates));
	if (s->nrdates)
		memcpy(d->rdates, s->rdates, s->nrdates * sizeof(*d->rdates));
	d->shifts = xcalloc(s->nshifts ? s->nshifts : 1, sizeof(*d->shifts));
	if (s->nshifts)
		memcpy(d->shifts, s->shifts, s->nshifts * sizeof(*d->shifts));
	d->zone = zone_ref(s->zone);
}

void
cal_window_free(struct cal_window *w)
{
	free(w->name);
	free(w->rrule);
	free(w->description);
	free(w->uid);
	for (size_t i = 0; i < w->napplies; i++)
		free(w->applies[i].name);
	free(w->applies);
	free(w->exdates);
	free(w->rdates);
	free(w->shifts);
	zone_unref(w->zone);
	memset(w, 0, sizeof(*w));
}

static void
ann_copy(struct cal_announcement *d, const struct cal_announcement *s)
{
	*d = *s;
	d->window = xstrdup(s->window);
	d->note = dup_or_null(s->note);
	d->id = dup_or_null(s->id);
}

struct calendar *
calendar_new(const struct conf *c, const struct cal_extra *x, char *err, size_t errlen)
{
	static const struct cal_extra none;
	struct calendar *cal;
	size_t i;

	if (x == NULL)
		x = &none;
	cal = xcalloc(1, sizeof(*cal));
	cal->min_notice = c->min_notice;
	cal->w = xcalloc(c->nwindows + x->nics + 1, sizeof(*cal->w));
	for (i = 0; i < c->nwindows; i++) {
		const struct conf_window *cw = &c->windows[i];
		struct cal_window tmp = {
		    .name = cw->name,
		    .rrule = cw->rrule,
		    .category = cw->rrule == NULL,
		    .duration = cw->duration,
		    .end_hms = cw->end_hms,
		    .has_published = cw->has_published,
		    .published = cw->published,
		    .requires_announcement = cw->requires_announcement,
		    .applies = cw->applies,
		    .napplies = cw->napplies,
		    .description = cw->description,
		    .source = CAL_SRC_RULE,
		};
		if (cw->rrule)
			tz_to_local(cw->first, &tmp.dtstart);
		cal_window_copy(&cal->w[cal->nw++], &tmp);
	}
	for (i = 0; i < x->nics; i++) {
		if (x->ics[i].rrule) {
			struct icalrecurrencetype r;
			icalerror_clear_errno();
			r = icalrecurrencetype_from_string(x->ics[i].rrule);
			if (r.freq == ICAL_NO_RECURRENCE) {
				icalerror_clear_errno();
				snprintf(err, errlen,
				    "ics event \"%s\": bad RRULE \"%s\"",
				    x->ics[i].name, x->ics[i].rrule);
				goto fail;
			}
		}
		cal_window_copy(&cal->w[cal->nw++], &x->ics[i]);
	}
	cal->ann = xcalloc(c->nannouncements + x->nann + 1, sizeof(*cal->ann));
	for (i = 0; i < c->nannouncements; i++) {
		const struct conf_announcement *ca = &c->announcements[i];
		struct cal_announcement tmp = {ca->window, ca->start, ca->end,
		    ca->announced_at, ca->note, ca->line, "config", NULL, 0};
		ann_copy(&cal->ann[cal->nann++], &tmp);
	}
	for (i = 0; i < x->nann; i++)
		ann_copy(&cal->ann[cal->nann++], &x->ann[i]);
	for (i = 0; i < x->nseen; i++)
		calendar_add_seen(
		    cal, x->seen[i].window, x->seen[i].rrule, x->seen[i].seen);
	return cal;
fail:
	calendar_free(cal);
	return NULL;
}

void
calendar_free(struct calendar *cal)
{
	if (cal == NULL)
		return;
	for (size_t i = 0; i < cal->nw; i++)
		cal_window_free(&cal->w[i]);
	free(cal->w);
	for (size_t i = 0; i < cal->nann; i++) {
		free((char *)cal->ann[i].window);
		free((char *)cal->ann[i].note);
		free((char *)cal->ann[i].id);
	}
	free(cal->ann);
	for (size_t i = 0; i < cal->nseen; i++) {
		free((char *)cal->seen[i].window);
		free((char *)cal->seen[i].rrule);
	}
	free(cal->seen);
	for (size_t i = 0; i < cal->noseen; i++)
		free((char *)cal->oseen[i].key);
	free(cal->oseen);
	free(cal);
}

long
calendar_min_notice(const struct calendar *cal)
{
	return cal->min_notice;
}

size_t
calendar_nwindows(const struct calendar *cal)
{
	return cal->nw;
}

const struct cal_window *
calendar_window(const struct calendar *cal, size_t i)
{
	return i < cal->nw ? &cal->w[i] : NULL;
}

const struct cal_window *
calendar_window_find(const struct calendar *cal, const char *name)
{
	for (size_t i = 0; i < cal->nw; i++)
		if (strcmp(cal->w[i].name, name) == 0)
			return &cal->w[i];
	return NULL;
}

size_t
calendar_nannouncements(const struct calendar *cal)
{
	return cal->nann;
}

const struct cal_announcement *
calendar_announcement(const struct calendar *cal, size_t i)
{
	return i < cal->nann ? &cal->ann[i] : NULL;
}

bool
calendar_enough_notice(const struct calendar *cal, time_t at, time_t start)
{
	/* Exactly min_notice counts; one second less is short notice. */
	return at <= start - cal->min_notice;
}

/* A floating wall time of the window's zone to UTC. */
static time_t
wall_to_utc(const struct cal_window *w, const struct tz_local *l)
{
	struct tm tm;
	time_t t;

	if (w->utc) {
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = l->year - 1900;
		tm.tm_mon = l->mon - 1;
		tm.tm_mday = l->mday;
		tm.tm_hour = l->hour;
		tm.tm_min = l->min;
		tm.tm_sec = l->sec;
		return timegm(&tm);
	}
	zone_from_local(w->zone, l, &t);
	return t;
}

/* The end of an occurrence that starts at floating local time l, UTC s. */
static time_t
slot_end(const struct cal_window *w, const struct tz_local *l, time_t s)
{
	struct tz_local e;
	int hms = l->hour * 3600 + l->min * 60 + l->sec;

	if (w->end_hms < 0 && w->wall_dur == 0)
		return s + w->duration;
	if (w->end_hms < 0) {
		/* Nominal days and DTEND: the same wall-clock span, then exact time. */
		time_t end;
		tz_wall_to_local(tz_wall_seconds(l) + w->wall_dur, &e);
		end = wall_to_utc(w, &e) + w->duration;
		/*
		 * A start in the spring gap (read with the offset before it) can
		 * put the wall-clock end before the start: 02:30-03:15 on the
		 * night 02:00 becomes 03:00. Keep the length in elapsed time.
		 */
		return end > s ? end : s + w->wall_dur + w->duration;
	}
	e = *l;
	e.hour = w->end_hms / 3600;
	e.min = w->end_hms / 60 % 60;
	e.sec = w->end_hms % 60;
	if (w->end_hms <= hms)
		tz_local_add_days(&e, 1);
	return wall_to_utc(w, &e);
}

static bool
excluded(const struct cal_window *w, time_t s)
{
	for (size_t i = 0; i < w->nexdates; i++)
		if (w->exdates[i] == s)
			return true;
	return false;
}

/* The wall time of an instant in w's zone (or UTC). */
static void
utc_to_wall(const struct cal_window *w, time_t t, struct tz_local *l)
{
	if (w->utc)
		tz_wall_to_local(t, l);
	else
		zone_to_local(w->zone, t, l);
}

struct slot {
	time_t s, e;
};

struct slotv {
	struct slot *v;
	size_t n, cap;
};

static void
slot_push(struct slotv *sv, time_t s, time_t e)
{
	if (sv->n == sv->cap) {
		sv->cap = sv->cap ? sv->cap * 2 : 16;
		sv->v = xreallocarray(sv->v, sv->cap, sizeof(*sv->v));
	}
	sv->v[sv->n].s = s;
	sv->v[sv->n++].e = e;
}

static int
slot_cmp(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;

	if (x->s != y->s)
		return x->s < y->s ? -1 : 1;
	return x->e < y->e ? -1 : x->e > y->e;
}

/* The RRULE's starts in [.., to) (wall-time bounded), into sv. */
static void
rule_slots(const struct cal_window *w, time_t to, struct slotv *sv)
{
	struct icalrecurrencetype r;
	icalrecur_iterator *it;
	struct icaltimetype dt, next;
	struct tz_local l;
	time_t s, wall_stop = to + 2 * 86400;

	icalerror_clear_errno();
	r = icalrecurrencetype_from_string(w->rrule);
	if (r.freq == ICAL_NO_RECURRENCE) {
		icalerror_clear_errno();
		return;
	}
	/*
	 * An UNTIL in UTC bounds instants, but the iterator compares it with
	 * floating local times: give it the local wall time of that instant.
	 */
	if (!w->utc && !icaltime_is_null_time(r.until) && !r.until.is_date &&
	    icaltime_is_utc(r.until)) {
		time_t u = icaltime_as_timet(r.until);
		zone_to_local(w->zone, u, &l);
		r.until = icaltime_null_time();
		r.until.year = l.year;
		r.until.month = l.mon;
		r.until.day = l.mday;
		r.until.hour = l.hour;
		r.until.minute = l.min;
		r.until.second = l.sec;
	}
	dt = icaltime_null_time();
	dt.year = w->dtstart.year;
	dt.month = w->dtstart.mon;
	dt.day = w->dtstart.mday;
	dt.hour = w->dtstart.hour;
	dt.minute = w->dtstart.min;
	dt.second = w->dtstart.sec;
	dt.is_date = 0;
	if ((it = icalrecur_iterator_new(r, dt)) == NULL) {
		icalerror_clear_errno();
		return;
	}
	for (;;) {
		next = icalrecur_iterator_next(it);
		if (icaltime_is_null_time(next))
			break;
		l.year = next.year;
		l.mon = next.month;
		l.mday = next.day;
		l.hour = next.hour;
		l.min = next.minute;
		l.sec = next.second;
		if (!tz_local_valid(&l) || tz_wall_seconds(&l) > wall_stop)
			break;
		s = wall_to_utc(w, &l);
		if (s >= to)
			break;
		slot_push(sv, s, slot_end(w, &l, s));
	}
	icalrecur_iterator_free(it);
	icalerror_clear_errno();
}

/*
 * Calls cb for every slot of w touching [from, to): the RRULE's, DTSTART
 * for a single event, and the RDATEs, without the EXDATEs, moved by the
 * THISANDFUTURE overrides. Slots end at most 32 days after they start
 * (conf.c caps duration at 31 days, ics.c likewise), which bounds the
 * wall-time test that stops the iteration.
 */
static void
window_slots(const struct cal_window *w, time_t from, time_t to, slot_cb *cb, void *arg)
{
	struct slotv sv = {NULL, 0, 0};
	struct tz_local l;
	time_t reach = 0;

	if (w->category || from >= to)
		return;
	for (size_t i = 0; i < w->nshifts; i++) {
		long d = w->shifts[i].delta < 0 ? -w->shifts[i].delta
						: w->shifts[i].delta;
		if (d > reach)
			reach = d;
	}
	if (w->rrule == NULL) {
		time_t s = wall_to_utc(w, &w->dtstart);
		slot_push(&sv, s, slot_end(w, &w->dtstart, s));
	} else {
		rule_slots(w, to + reach, &sv);
	}
	for (size_t i = 0; i < w->nrdates; i++) {
		const struct cal_rdate *r = &w->rdates[i];
		utc_to_wall(w, r->start, &l);
		slot_push(&sv, r->start, r->end ? r->end : slot_end(w, &l, r->start));
	}
	if (sv.n > 1)
		qsort(sv.v, sv.n, sizeof(*sv.v), slot_cmp);
	for (size_t i = 0; i < sv.n; i++) {
		time_t s = sv.v[i].s, e = sv.v[i].e;
		/* The recurrence set is a set: an RDATE on an RRULE start counts once. */
		if ((i > 0 && sv.v[i - 1].s == s) || excluded(w, s))
			continue;
		for (size_t k = w->nshifts; k-- > 0;) {
			const struct cal_shift *sh = &w->shifts[k];
			if (s >= sh->from) {
				e = sh->duration >= 0 ? s + sh->delta + sh->duration
						      : e + sh->delta;
				s += sh->delta;
				break;
			}
		}
		if (s < to && e > from && e > s)
			cb(arg, w, s, e);
	}
	free(sv.v);
}

bool
calendar_seen(const struct calendar *cal, const struct cal_window *w, time_t *at)
{
	bool found = false;

	for (size_t i = 0; i < cal->nseen; i++) {
		const struct cal_seen *s = &cal->seen[i];
		if (strcmp(s->window, w->name) != 0)
			continue;
		/* A changed rule is a new rule: it is announced anew. */
		if (s->rrule && (w->rrule == NULL || strcmp(s->rrule, w->rrule) != 0))
			continue;
		if (!found || s->seen < *at) {
			*at = s->seen;
			found = true;
		}
	}
	return found;
}

void
calendar_add_seen(
    struct calendar *cal, const char *window, const char *rrule, time_t seen)
{
	cal->seen = xreallocarray(cal->seen, cal->nseen + 1, sizeof(*cal->seen));
	cal->seen[cal->nseen].window = xstrdup(window);
	cal->seen[cal->nseen].rrule = dup_or_null(rrule);
	cal->seen[cal->nseen++].seen = seen;
}

static int
occ_seen_cmp(const void *a, const void *b)
{
	const struct cal_occ_seen *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	/* the earliest record of the same occurrence first */
	return x->seen < y->seen ? -1 : x->seen > y->seen;
}

void
calendar_add_occ_seen(
    struct calendar *cal, const char *key, time_t start, time_t end, time_t seen)
{
	if (cal->noseen == cal->caposeen) {
		cal->caposeen = cal->caposeen ? cal->caposeen * 2 : 64;
		cal->oseen = xreallocarray(
		    cal->oseen, cal->caposeen, sizeof(*cal->oseen));
	}
	cal->oseen[cal->noseen++] = (struct cal_occ_seen){
	    xstrdup(key), start, end, seen};
}

void
calendar_occ_seen_done(struct calendar *cal)
{
	if (cal->noseen > 1)
		qsort(cal->oseen, cal->noseen, sizeof(*cal->oseen), occ_seen_cmp);
}

bool
calendar_occ_seen(
    const struct calendar *cal, const char *key, time_t start, time_t end, time_t *at)
{
	struct cal_occ_seen k = {key, start, end, 0};
	size_t lo = 0, hi = cal->noseen;

	/* The first record not before (key, start, end, 0): the earliest one. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (occ_seen_cmp(&cal->oseen[mid], &k) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == cal->noseen || strcmp(cal->oseen[lo].key, key) != 0 ||
	    cal->oseen[lo].start != start || cal->oseen[lo].end != end)
		return false;
	*at = cal->oseen[lo].seen;
	return true;
}

const char *
calendar_occ_key(const struct cal_window *w)
{
	return w->uid ? w->uid : w->name;
}

bool
calendar_announced_at(
    const struct calendar *cal, const struct cal_announcement *a, time_t *at)
{
	char key[512];

	if (a->origin == NULL || strcmp(a->origin, "ics-seen") != 0) {
		*at = a->announced_at;
		return true;
	}
	snprintf(key, sizeof(key), "%s%s", CAL_ANN_SEEN_PREFIX, a->window);
	return calendar_occ_seen(cal, key, a->start, a->end, at);
}

/* Whether an announcement of w touches [s, e). */
static bool
slot_announced(
    const struct calendar *cal, const struct cal_window *w, time_t s, time_t e)
{
	for (size_t i = 0; i < cal->nann; i++)
		if (strcmp(cal->ann[i].window, w->name) == 0 && cal->ann[i].start < e &&
		    cal->ann[i].end > s)
			return true;
	return false;
}

struct expand_ctx {
	const struct calendar *cal;
	struct occv *out;
	const struct cal_announcement *ann; /* when expanding for an announcement */
	time_t from, to;
	size_t hits;
};

static void
occ_fill(struct cal_occ *o, const struct cal_window *w, time_t s, time_t e)
{
	memset(o, 0, sizeof(*o));
	o->name = w->name;
	o->start = s;
	o->end = e;
	o->applies = w->applies;
	o->napplies = w->napplies;
	o->source = w->source;
	o->description = w->description;
	o->window = w;
}

static void
rule_slot_cb(void *arg, const struct cal_window *w, time_t s, time_t e)
{
	struct expand_ctx *x = arg;
	struct cal_occ o;

	/* A slot that needs announcement and has one is listed as that use. */
	if (w->requires_announcement && slot_announced(x->cal, w, s, e))
		return;
	occ_fill(&o, w, s, e);
	if (!w->requires_announcement) {
		if (w->source == CAL_SRC_ICS &&
		    !(w->trust_created && w->has_published)) {
			/* A calendar's own stamps are claims: first seen is the proof. */
			o.has_announced_at = calendar_occ_seen(
			    x->cal, calendar_occ_key(w), s, e, &o.announced_at);
		} else if (w->has_published) {
			o.has_announced_at = true;
			o.announced_at = w->published;
		} else {
			o.has_announced_at = calendar_seen(x->cal, w, &o.announced_at);
		}
		o.announced = o.has_announced_at &&
		    calendar_enough_notice(x->cal, o.announced_at, s);
		o.short_notice = o.has_announced_at && !o.announced;
	}
	occv_push(x->out, &o);
}

static void
ann_occ(struct expand_ctx *x, const struct cal_window *w, time_t s, time_t e)
{
	const struct cal_announcement *a = x->ann;
	struct cal_occ o;
	time_t at;

	if (s >= x->to || e <= x->from)
		return;
	occ_fill(&o, w, s, e);
	o.source = CAL_SRC_ANNOUNCEMENT;
	o.note = a->note;
	o.id = a->id;
	/* one of an ics file that slamon has not seen yet: listed, not counted */
	if (calendar_announced_at(x->cal, a, &at)) {
		o.has_announced_at = true;
		o.announced_at = at;
		o.announced = calendar_enough_notice(x->cal, at, s);
		o.short_notice = !o.announced;
	}
	occv_push(x->out, &o);
}

static void
ann_slot_cb(void *arg, const struct cal_window *w, time_t s, time_t e)
{
	struct expand_ctx *x = arg;

	x->hits++;
	ann_occ(x, w, s > x->ann->start ? s : x->ann->start,
	    e < x->ann->end ? e : x->ann->end);
}

static int
occ_cmp(const void *a, const void *b)
{
	const struct cal_occ *x = a, *y = b;
	int c;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return (int)x->source - (int)y->source;
}

int
calendar_expand(const struct calendar *cal, time_t from, time_t to,
    struct cal_occ **occs, size_t *n)
{
	struct occv out = {NULL, 0, 0};
	struct expand_ctx x = {cal, &out, NULL, from, to, 0};

	for (size_t i = 0; i < cal->nw; i++)
		window_slots(&cal->w[i], from, to, rule_slot_cb, &x);
	for (size_t i = 0; i < cal->nann; i++) {
		const struct cal_announcement *a = &cal->ann[i];
		const struct cal_window *w = calendar_window_find(cal, a->window);

		if (w == NULL || a->start >= to || a->end <= from || a->end <= a->start)
			continue;
		x.ann = a;
		if (w->category)
			ann_occ(&x, w, a->start, a->end);
		else
			window_slots(w, a->start, a->end, ann_slot_cb, &x);
	}
	if (out.n)
		qsort(out.v, out.n, sizeof(*out.v), occ_cmp);
	*occs = out.v;
	*n = out.n;
	return 0;
}

static void
count_cb(void *arg, const struct cal_window *w, time_t s, time_t e)
{
	(void)w;
	(void)s;
	(void)e;
	(*(size_t *)arg)++;
}

static size_t
slots_in(const struct cal_window *w, time_t from, time_t to)
{
	size_t n = 0;

	window_slots(w, from, to, count_cb, &n);
	return n;
}

struct holding_ctx {
	time_t start, end, s, e;
	bool found, any;
};

static void
holding_cb(void *arg, const struct cal_window *w, time_t s, time_t e)
{
	struct holding_ctx *h = arg;

	(void)w;
	if (h->found)
		return;
	if (s <= h->start && h->end <= e) {
		h->found = true;
		h->s = s;
		h->e = e;
	} else if (!h->any) {
		h->any = true;
		h->s = s;
		h->e = e;
	}
}

bool
calendar_slot_holding(
    const struct cal_window *w, time_t start, time_t end, time_t *s, time_t *e)
{
	struct holding_ctx h = {start, end, 0, 0, false, false};

	if (w->rrule)
		window_slots(w, start, end, holding_cb, &h);
	*s = h.s;
	*e = h.e;
	return h.found;
}

int
calendar_check_announcement(const struct calendar *cal, const char *window,
    time_t start, time_t end, char *err, size_t errlen)
{
	const struct cal_window *w = calendar_window_find(cal, window);

	if (w == NULL) {
		snprintf(err, errlen, "no window named \"%s\"", window);
		return -1;
	}
	if (end <= start) {
		snprintf(err, errlen, "end must be after start");
		return -1;
	}
	if (end - start > 31 * 86400) {
		snprintf(
		    err, errlen, "a maintenance longer than 31 days is not a window");
		return -1;
	}
	if (!w->category && slots_in(w, start, end) == 0) {
		snprintf(err, errlen, "overlaps no slot of window \"%s\"%s%s", window,
		    w->rrule ? " (" : "", w->rrule ? w->rrule : "");
		if (w->rrule)
			strncat(err, ")", errlen - strlen(err) - 1);
		return -1;
	}
	return 0;
}

size_t
calendar_validate(const struct calendar *cal, time_t from, time_t to,
    calendar_problem_cb *cb, void *arg)
{
	char msg[512], err[256], ts[TZ_RFC3339_LEN];
	size_t n = 0;

	for (size_t i = 0; i < cal->nw; i++) {
		const struct cal_window *w = &cal->w[i];
		/* an ics series that ended is history, not a mistake */
		if (w->rrule && w->source == CAL_SRC_RULE &&
		    slots_in(w, from, to) == 0) {
			snprintf(msg, sizeof(msg),
			    "window \"%s\": rule %s has no occurrence "
			    "between %s and the following years",
			    w->name, w->rrule, tz_rfc3339(from, ts, sizeof(ts)));
			cb(arg, msg);
			n++;
		}
	}
	for (size_t i = 0; i < cal->nann; i++) {
		const struct cal_announcement *a = &cal->ann[i];
		if (a->cancelled && a->end <= a->start)
			continue; /* cancelled before it began: nothing left */
		if (calendar_check_announcement(
			cal, a->window, a->start, a->end, err, sizeof(err)) == 0)
			continue;
		snprintf(msg, sizeof(msg), "announcement (%s%s%.0d) of %s at %s: %s",
		    a->origin ? a->origin : "?", a->line ? " line " : "", a->line,
		    a->window, tz_rfc3339(a->start, ts, sizeof(ts)), err);
		cb(arg, msg);
		n++;
	}
	return n;
}
