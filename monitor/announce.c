/*
 * announce.c - recording and cancelling announcements (announce.h).
 *
 * The checks take `now` and the calendar only, so they are unit tested
 * with injected times; the two writers add the journal record. Ids are
 * random (getrandom): two announcements of the same window made in the
 * same second are still two, and an id says nothing an API client could
 * guess from.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <jansson.h>

#include "announce.h"
#include "calendar.h"
#include "journal.h"
#include "log.h"
#include "tz.h"

int
announce_check(const struct calendar *cal, const char *window, time_t start, time_t end,
    time_t now, struct announce_verdict *v, char *err, size_t errlen)
{
	const struct cal_window *w;
	char a[64], b[64];
	time_t s, e;

	memset(v, 0, sizeof(*v));
	if (calendar_check_announcement(cal, window, start, end, err, errlen) < 0)
		return -1;
	w = calendar_window_find(cal, window);
	if (end <= now) {
		snprintf(err, errlen,
		    "%s to %s has already ended: only maintenance to come (or "
		    "under way) can be announced",
		    tz_local_str(start, a, sizeof(a)), tz_local_str(end, b, sizeof(b)));
		return -1;
	}
	if (!w->category) {
		if (!calendar_slot_holding(w, start, end, &s, &e)) {
			if (s == 0 && e == 0)
				snprintf(err, errlen,
				    "%s to %s is not an occurrence of window \"%s\"",
				    tz_local_str(start, a, sizeof(a)),
				    tz_local_str(end, b, sizeof(b)), window);
			else
				snprintf(err, errlen,
				    "runs outside the occurrence of window \"%s\" "
				    "from %s to %s: an announcement must lie within "
				    "one occurrence",
				    window, tz_local_str(s, a, sizeof(a)),
				    tz_local_str(e, b, sizeof(b)));
			return -1;
		}
		v->slot_start = s;
		v->slot_end = e;
	}
	v->notice_s = (long)(start - now);
	v->min_notice_s = calendar_min_notice(cal);
	v->short_notice = !calendar_enough_notice(cal, now, start);
	return 0;
}

static int
new_id(char *id)
{
	unsigned char r[8];
	ssize_t n;

	while ((n = getrandom(r, sizeof(r), 0)) == -1 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(r)) {
		log_warn("getrandom");
		return -1;
	}
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(id + 2 * i, 3, "%02x", r[i]);
	return 0;
}

int
announce_record(struct journal *j, const struct calendar *cal, const char *window,
    time_t start, time_t end, const char *note, const char *by, time_t now, char *id,
    struct announce_verdict *v, char *err, size_t errlen)
{
	return announce_record_extra(
	    j, cal, window, start, end, note, by, now, id, NULL, v, err, errlen);
}

int
announce_record_extra(struct journal *j, const struct calendar *cal, const char *window,
    time_t start, time_t end, const char *note, const char *by, time_t now, char *id,
    json_t *extra, struct announce_verdict *v, char *err, size_t errlen)
{
	json_t *f;

	if (announce_check(cal, window, start, end, now, v, err, errlen) < 0)
		return -1;
	if (new_id(id) < 0) {
		snprintf(err, errlen, "no random id");
		return -2;
	}
	f = json_pack("{s:s,s:s,s:o,s:o}", "id", id, "window", window, "start",
	    journal_time(start), "end", journal_time(end));
	if (note)
		json_object_set_new(f, "note", json_string(note));
	if (by)
		json_object_set_new(f, "by", json_string(by));
	if (extra)
		json_object_update_missing(f, extra);
	if (journal_append(j, now, "announcement", f) < 0) {
		snprintf(err, errlen, "the journal could not be written");
		return -2;
	}
	return 0;
}

int
announce_cancel_check(const struct calendar *cal, const char *id, time_t now,
    const struct cal_announcement **found, char *err, size_t errlen)
{
	const struct cal_announcement *a = NULL;
	char t[64];

	*found = NULL;
	for (size_t i = 0; i < calendar_nannouncements(cal); i++) {
		const struct cal_announcement *x = calendar_announcement(cal, i);

		if (x->id != NULL && strcmp(x->id, id) == 0) {
			a = x;
			break;
		}
	}
	if (a == NULL) {
		snprintf(err, errlen,
		    "no announcement with id \"%s\" in the journal (announcements "
		    "in the configuration are removed there)",
		    id);
		return -1;
	}
	if (a->cancelled) {
		snprintf(err, errlen, "announcement %s was cancelled at %s", id,
		    tz_local_str(a->cancelled, t, sizeof(t)));
		return -1;
	}
	if (a->end <= now) {
		snprintf(err, errlen,
		    "announcement %s (%s) ended at %s: a past window cannot be "
		    "cancelled",
		    id, a->window, tz_local_str(a->end, t, sizeof(t)));
		return -1;
	}
	*found = a;
	return 0;
}

int
announce_cancel(struct journal *j, const struct calendar *cal, const char *id,
    const char *by, time_t now, const struct cal_announcement **found, char *err,
    size_t errlen)
{
	const struct cal_announcement *a;
	json_t *f;

	if (announce_cancel_check(cal, id, now, found, err, errlen) < 0)
		return -1;
	a = *found;
	f = json_pack("{s:s,s:s,s:o,s:o}", "id", id, "window", a->window, "start",
	    journal_time(a->start), "end", journal_time(a->end));
	if (by)
		json_object_set_new(f, "by", json_string(by));
	if (journal_append(j, now, "announcement_cancelled", f) < 0) {
		snprintf(err, errlen, "the journal could not be written");
		return -2;
	}
	return 0;
}
