/*
 * announce.h - the rules of announcing maintenance and of cancelling an
 * announcement (design.md 4, 10), apart from any front end: `slamon
 * announce` uses them today, the admin HTTP API will tomorrow.
 *
 * An announcement is accepted for an occurrence that has not ended: the
 * whole of [start, end) inside one occurrence of a rule window, or any
 * span of a window without a rule (a category such as "emergency"). Less
 * than min_notice ahead is accepted as short-notice maintenance: listed,
 * but its time counts against availability. Each one gets a stable id;
 * cancelling it journals a cancellation (nothing is ever deleted) that
 * cuts the announcement at the time it is made.
 */
#ifndef SLAMON_ANNOUNCE_H
#define SLAMON_ANNOUNCE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>

struct calendar;
struct cal_announcement;
struct journal;

#define ANNOUNCE_ID_LEN 17 /* 16 hex digits and the NUL */

struct announce_verdict {
	bool short_notice; /* counts against availability */
	long notice_s;	   /* start - now (negative: already begun) */
	long min_notice_s;
	time_t slot_start, slot_end; /* the occurrence it uses (0 for a category) */
};

/*
 * Whether window [start, end), announced at now, may be recorded. Pure
 * (no clock, no file). 0 with the verdict, -1 with the reason in err.
 */
int announce_check(const struct calendar *, const char *window, time_t start,
    time_t end, time_t now, struct announce_verdict *, char *err, size_t errlen);

/*
 * announce_check, then the "announcement" record in the journal with a new
 * id (in id, ANNOUNCE_ID_LEN) and `by` (who asked: a token's name; NULL
 * for the command line). 0 when recorded; -1 refused (err says why); -2
 * when the journal could not be written.
 */
int announce_record(struct journal *, const struct calendar *, const char *window,
    time_t start, time_t end, const char *note, const char *by, time_t now, char *id,
    struct announce_verdict *, char *err, size_t errlen);

/* The same, with more fields for the record (the admin API's idempotency
 * key, applies_to); extra is not consumed. */
int announce_record_extra(struct journal *, const struct calendar *, const char *window,
    time_t start, time_t end, const char *note, const char *by, time_t now, char *id,
    json_t *extra, struct announce_verdict *, char *err, size_t errlen);

/*
 * Whether announcement id may be cancelled at now: it is in the journal,
 * not cancelled yet and not over. Pure. 0 with *found, -1 with err.
 */
int announce_cancel_check(const struct calendar *, const char *id, time_t now,
    const struct cal_announcement **found, char *err, size_t errlen);

/* announce_cancel_check, then the "announcement_cancelled" record. 0, -1, -2. */
int announce_cancel(struct journal *, const struct calendar *, const char *id,
    const char *by, time_t now, const struct cal_announcement **found, char *err,
    size_t errlen);

#endif
