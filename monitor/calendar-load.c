/*
 * calendar-load.c - the shell around the pure calendar: reads the journal
 * (announcements from `slamon announce`, rule_seen records) and the ics
 * files named in the configuration, and records rules seen for the first
 * time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "ics.h"
#include "journal.h"
#include "log.h"

struct load_ctx {
	struct cal_announcement *ann;
	size_t nann;
	struct cal_seen *seen;
	size_t nseen;
};

static void
load_record_cb(void *arg, json_t *rec, int line)
{
	struct load_ctx *x = arg;
	const char *ev = json_string_value(json_object_get(rec, "event"));
	const char *win = json_string_value(json_object_get(rec, "window"));
	const char *note, *rrule;
	time_t at, start, end;

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
		x->ann = xreallocarray(x->ann, x->nann + 1, sizeof(*x->ann));
		x->ann[x->nann++] = (struct cal_announcement){xstrdup(win), start, end,
		    at, note ? xstrdup(note) : NULL, line, "journal"};
	} else if (strcmp(ev, "rule_seen") == 0) {
		rrule = json_string_value(json_object_get(rec, "rrule"));
		x->seen = xreallocarray(x->seen, x->nseen + 1, sizeof(*x->seen));
		x->seen[x->nseen++] = (struct cal_seen){
		    xstrdup(win), rrule ? xstrdup(rrule) : NULL, at};
	}
}

static void
load_warn_cb(void *arg, const char *msg)
{
	(void)arg;
	log_warnx("journal: %s", msg);
}

struct calendar *
calendar_load(const struct conf *c, char *err, size_t errlen)
{
	struct load_ctx x = {NULL, 0, NULL, 0};
	struct ics_set set = {NULL, 0, NULL, 0};
	struct cal_announcement *all = NULL;
	struct calendar *cal = NULL;
	struct cal_extra extra;

	if (journal_read(c->state_dir, load_record_cb, load_warn_cb, &x) < 0) {
		snprintf(err, errlen, "%s/journal.jsonl: cannot be read", c->state_dir);
		goto fail;
	}
	for (size_t i = 0; i < c->ics.n; i++)
		if (ics_load(c->ics.v[i], &set, err, errlen) < 0)
			goto fail;
	/* The journal's announcements and the ics files' in one list. */
	all = xcalloc(x.nann + set.nann + 1, sizeof(*all));
	if (x.nann)
		memcpy(all, x.ann, x.nann * sizeof(*all));
	if (set.nann)
		memcpy(all + x.nann, set.ann, set.nann * sizeof(*all));
	extra = (struct cal_extra){
	    all, x.nann + set.nann, x.seen, x.nseen, set.w, set.nw};
	cal = calendar_new(c, &extra, err, errlen);
fail:
	free(all);
	for (size_t i = 0; i < x.nann; i++) {
		free((char *)x.ann[i].window);
		free((char *)x.ann[i].note);
	}
	free(x.ann);
	for (size_t i = 0; i < x.nseen; i++) {
		free((char *)x.seen[i].window);
		free((char *)x.seen[i].rrule);
	}
	free(x.seen);
	ics_set_free(&set);
	return cal;
}

int
calendar_record_rules(struct journal *j, struct calendar *cal, time_t now)
{
	int n = 0;
	time_t at;

	for (size_t i = 0; i < calendar_nwindows(cal); i++) {
		const struct cal_window *w = calendar_window(cal, i);
		json_t *f;

		if (w->category || calendar_seen(cal, w, &at))
			continue;
		f = json_pack("{s:s}", "window", w->name);
		if (w->rrule)
			json_object_set_new(f, "rrule", json_string(w->rrule));
		if (journal_append(j, now, "rule_seen", f) < 0)
			return -1;
		calendar_add_seen(cal, w->name, w->rrule, now);
		n++;
	}
	return n;
}
