/*
 * calendar-load.c - the shell around the pure calendar: reads the journal
 * (announcements from `slamon announce`, rule_seen and ics_seen records)
 * and the ics files and subscribed copies named in the configuration, and
 * records rules and ics occurrences seen for the first time.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calendar.h"
#include "ics.h"
#include "journal.h"
#include "log.h"

/* At most this many ics_seen records a load: a calendar of hourly events
 * must not flood the journal; the rest follow at the next refresh. */
#define LOAD_MAX_SEEN 20000

struct load_cancel {
	char *id;
	time_t at;
};

struct load_ctx {
	struct cal_announcement *ann;
	size_t nann;
	struct cal_seen *seen;
	size_t nseen;
	struct cal_occ_seen *oseen;
	size_t noseen;
	struct load_cancel *cancel;
	size_t ncancel;
};

/*
 * An announcement's id: the one journaled with it, or for a record from
 * before ids (no "id"), one made from what it says: FNV-1a of its time,
 * window, start and end. The journal is append-only, so both are stable.
 */
static void
ann_id(json_t *rec, char *buf, size_t len)
{
	const char *id = json_string_value(json_object_get(rec, "id"));
	const char *keys[] = {"time", "window", "start", "end"};
	uint64_t h = 14695981039346656037ULL;

	if (id != NULL) {
		snprintf(buf, len, "%s", id);
		return;
	}
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		const char *v = json_string_value(json_object_get(rec, keys[k]));

		for (const char *p = v ? v : ""; *p; p++) {
			h ^= (unsigned char)*p;
			h *= 1099511628211ULL;
		}
		h ^= '|';
		h *= 1099511628211ULL;
	}
	snprintf(buf, len, "%016llx", (unsigned long long)h);
}

static void
load_record_cb(void *arg, json_t *rec, int line)
{
	struct load_ctx *x = arg;
	const char *ev = json_string_value(json_object_get(rec, "event"));
	const char *win = json_string_value(json_object_get(rec, "window"));
	const char *note, *rrule, *key, *id;
	time_t at, start, end;
	char idb[64];

	if (ev != NULL && strcmp(ev, "announcement_cancelled") == 0 &&
	    (id = json_string_value(json_object_get(rec, "id"))) != NULL &&
	    journal_get_time(rec, "time", &at) == 0) {
		x->cancel = xreallocarray(
		    x->cancel, x->ncancel + 1, sizeof(*x->cancel));
		x->cancel[x->ncancel++] = (struct load_cancel){xstrdup(id), at};
		return;
	}
	if (ev == NULL || win == NULL || journal_get_time(rec, "time", &at) < 0)
		return;
	if (strcmp(ev, "announcement") == 0) {
		if (journal_get_time(rec, "start", &start) < 0 ||
		    journal_get_time(rec, "end", &end) < 0) {
			log_warnx(
			    "journal line %d: announcement without start or end", line);
			return;
		}
		note = json_string_value(json_object_get(rec, "note"));
		ann_id(rec, idb, sizeof(idb));
		x->ann = xreallocarray(x->ann, x->nann + 1, sizeof(*x->ann));
		x->ann[x->nann++] = (struct cal_announcement){xstrdup(win), start, end,
		    at, note ? xstrdup(note) : NULL, line, "journal", xstrdup(idb), 0};
	} else if (strcmp(ev, "rule_seen") == 0) {
		rrule = json_string_value(json_object_get(rec, "rrule"));
		x->seen = xreallocarray(x->seen, x->nseen + 1, sizeof(*x->seen));
		x->seen[x->nseen++] = (struct cal_seen){
		    xstrdup(win), rrule ? xstrdup(rrule) : NULL, at};
	} else if (strcmp(ev, "ics_seen") == 0) {
		key = json_string_value(json_object_get(rec, "key"));
		if (key == NULL || journal_get_time(rec, "start", &start) < 0 ||
		    journal_get_time(rec, "end", &end) < 0)
			return;
		x->oseen = xreallocarray(x->oseen, x->noseen + 1, sizeof(*x->oseen));
		x->oseen[x->noseen++] = (struct cal_occ_seen){
		    xstrdup(key), start, end, at};
	}
}

static void
load_warn_cb(void *arg, const char *msg)
{
	(void)arg;
	log_warnx("journal: %s", msg);
}

static void
log_problem_cb(void *arg, const char *msg)
{
	(void)arg;
	log_warnx("%s", msg);
}

/* One entry of maintenance.ics; a subscription not fetched yet is empty. */
static int
load_entry(const struct conf *c, const struct conf_ics *e, struct ics_set *set,
    calendar_problem_cb *cb, void *arg, char *err, size_t errlen)
{
	struct ics_opts o = {e->trust_created, e->applies, e->napplies};
	char msg[1200];

	if (e->url && access(e->path, F_OK) == -1) {
		snprintf(msg, sizeof(msg),
		    "%s:%d: maintenance.ics: %s: no copy fetched yet (slamon run "
		    "fetches it every ics_refresh seconds); its events are not "
		    "counted",
		    c->path, e->line, e->url);
		cb(arg, msg);
		return 0;
	}
	if (ics_load(e->path, e->url ? e->url : e->path, &o, set, err, errlen) < 0) {
		/* a copy that was good when it was stored: it stays usable */
		return e->url ? (cb(arg, err), 0) : -1;
	}
	return 0;
}

struct calendar *
calendar_load_warn(
    const struct conf *c, calendar_problem_cb *cb, void *arg, char *err, size_t errlen)
{
	struct load_ctx x;
	struct ics_set set;
	struct cal_announcement *all = NULL;
	struct calendar *cal = NULL;
	struct cal_extra extra;

	memset(&x, 0, sizeof(x));
	memset(&set, 0, sizeof(set));
	if (journal_read(c->state_dir, load_record_cb, load_warn_cb, &x) < 0) {
		snprintf(err, errlen, "%s/journal.jsonl: cannot be read", c->state_dir);
		goto fail;
	}
	/* a cancellation cuts its announcement at the time it was made: what
	 * was already maintenance stays so, the rest is not */
	for (size_t k = 0; k < x.ncancel; k++)
		for (size_t i = 0; i < x.nann; i++)
			if (strcmp(x.ann[i].id, x.cancel[k].id) == 0 &&
			    x.ann[i].announced_at <= x.cancel[k].at &&
			    !x.ann[i].cancelled) {
				x.ann[i].cancelled = x.cancel[k].at;
				if (x.ann[i].end > x.cancel[k].at)
					x.ann[i].end = x.cancel[k].at > x.ann[i].start
					    ? x.cancel[k].at
					    : x.ann[i].start;
			}
	for (size_t i = 0; i < c->nics; i++)
		if (load_entry(c, &c->ics[i], &set, cb, arg, err, errlen) < 0)
			goto fail;
	for (size_t i = 0; i < set.nwarn; i++)
		cb(arg, set.warn[i]);
	/* The journal's announcements and the ics files' in one list. */
	all = xcalloc(x.nann + set.nann + 1, sizeof(*all));
	if (x.nann)
		memcpy(all, x.ann, x.nann * sizeof(*all));
	if (set.nann)
		memcpy(all + x.nann, set.ann, set.nann * sizeof(*all));
	extra = (struct cal_extra){
	    all, x.nann + set.nann, x.seen, x.nseen, set.w, set.nw};
	if ((cal = calendar_new(c, &extra, err, errlen)) != NULL) {
		for (size_t i = 0; i < x.noseen; i++)
			calendar_add_occ_seen(cal, x.oseen[i].key, x.oseen[i].start,
			    x.oseen[i].end, x.oseen[i].seen);
		calendar_occ_seen_done(cal);
	}
fail:
	free(all);
	for (size_t i = 0; i < x.nann; i++) {
		free((char *)x.ann[i].window);
		free((char *)x.ann[i].note);
		free((char *)x.ann[i].id);
	}
	free(x.ann);
	for (size_t k = 0; k < x.ncancel; k++)
		free(x.cancel[k].id);
	free(x.cancel);
	for (size_t i = 0; i < x.nseen; i++) {
		free((char *)x.seen[i].window);
		free((char *)x.seen[i].rrule);
	}
	free(x.seen);
	for (size_t i = 0; i < x.noseen; i++)
		free((char *)x.oseen[i].key);
	free(x.oseen);
	ics_set_free(&set);
	return cal;
}

struct calendar *
calendar_load(const struct conf *c, char *err, size_t errlen)
{
	return calendar_load_warn(c, log_problem_cb, NULL, err, errlen);
}

static int
record_seen(struct journal *j, struct calendar *cal, const char *window,
    const char *key, time_t s, time_t e, time_t now)
{
	json_t *f = json_pack("{s:s,s:s,s:o,s:o}", "window", window, "key", key,
	    "start", journal_time(s), "end", journal_time(e));

	if (journal_append(j, now, "ics_seen", f) < 0)
		return -1;
	calendar_add_occ_seen(cal, key, s, e, now);
	return 0;
}

/* The ics occurrences and announcements of [now, now + horizon) not seen yet. */
static int
record_ics(struct journal *j, struct calendar *cal, time_t now)
{
	struct cal_occ *o = NULL;
	size_t n = 0;
	int written = 0;
	time_t at;
	char key[512];
	bool any = false;

	for (size_t i = 0; i < calendar_nwindows(cal) && !any; i++)
		any = calendar_window(cal, i)->source == CAL_SRC_ICS;
	for (size_t i = 0; i < calendar_nannouncements(cal) && !any; i++)
		any = calendar_announcement(cal, i)->origin &&
		    strcmp(calendar_announcement(cal, i)->origin, "ics-seen") == 0;
	if (!any)
		return 0; /* no ics events: nothing to expand */
	if (calendar_expand(cal, now, now + CAL_SEEN_HORIZON, &o, &n) < 0)
		return -1;
	for (size_t i = 0; i < n && written < LOAD_MAX_SEEN; i++) {
		const struct cal_window *w = o[i].window;
		if (w->source != CAL_SRC_ICS || w->requires_announcement ||
		    o[i].source != CAL_SRC_ICS ||
		    calendar_occ_seen(
			cal, calendar_occ_key(w), o[i].start, o[i].end, &at))
			continue;
		if (record_seen(j, cal, w->name, calendar_occ_key(w), o[i].start,
			o[i].end, now) < 0)
			goto fail;
		written++;
	}
	for (size_t i = 0; i < calendar_nannouncements(cal); i++) {
		const struct cal_announcement *a = calendar_announcement(cal, i);
		if (a->origin == NULL || strcmp(a->origin, "ics-seen") != 0 ||
		    a->end <= now || a->start >= now + CAL_SEEN_HORIZON)
			continue;
		snprintf(key, sizeof(key), "%s%s", CAL_ANN_SEEN_PREFIX, a->window);
		if (calendar_occ_seen(cal, key, a->start, a->end, &at))
			continue;
		if (record_seen(j, cal, a->window, key, a->start, a->end, now) < 0)
			goto fail;
		written++;
	}
	free(o);
	calendar_occ_seen_done(cal);
	return written;
fail:
	free(o);
	calendar_occ_seen_done(cal);
	return -1;
}

int
calendar_record_rules(struct journal *j, struct calendar *cal, time_t now)
{
	int n = 0, k;
	time_t at;

	for (size_t i = 0; i < calendar_nwindows(cal); i++) {
		const struct cal_window *w = calendar_window(cal, i);
		json_t *f;

		/* ics events are announced occurrence by occurrence (below) */
		if (w->category || w->source == CAL_SRC_ICS ||
		    calendar_seen(cal, w, &at))
			continue;
		f = json_pack("{s:s}", "window", w->name);
		if (w->rrule)
			json_object_set_new(f, "rrule", json_string(w->rrule));
		if (journal_append(j, now, "rule_seen", f) < 0)
			return -1;
		calendar_add_seen(cal, w->name, w->rrule, now);
		n++;
	}
	if ((k = record_ics(j, cal, now)) < 0)
		return -1;
	return n + k;
}
