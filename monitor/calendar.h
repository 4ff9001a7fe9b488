/*
 * calendar.h - the maintenance calendar (design.md 3-4): occurrences of the
 * configured windows, announcements and iCalendar events, whether each
 * counts as announced, and fast per-target "in maintenance?" queries.
 *
 * Pure: no clock, no file. The shell reads the journal and the ics files
 * (calendar-load.c, ics.c) and passes what it found in a struct cal_extra.
 * Local times are in the zone set with tz_set() (conf_load sets it).
 */
#ifndef SLAMON_CALENDAR_H
#define SLAMON_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "conf.h"
#include "tz.h"

enum cal_source {
	CAL_SRC_RULE,	      /* a configured window with rrule */
	CAL_SRC_ANNOUNCEMENT, /* config announcements or `slamon announce` */
	CAL_SRC_ICS,	      /* a VEVENT of an ics file */
};

struct zone;

/* An RDATE: an extra occurrence, with its own end when it was a PERIOD. */
struct cal_rdate {
	time_t start;
	time_t end; /* 0: the window's length */
};

/* A RECURRENCE-ID;RANGE=THISANDFUTURE override: later occurrences move. */
struct cal_shift {
	time_t from;   /* occurrences starting at or after this (UTC) */
	long delta;    /* seconds added to their start */
	long duration; /* their new length, -1: unchanged */
};

/* A window as the calendar sees it; configured windows and VEVENTs alike. */
struct cal_window {
	char *name;
	char *rrule;		 /* NULL: single event, or category when category */
	bool category;		 /* exists only through announcements */
	struct tz_local dtstart; /* floating start (local zone, or UTC when utc) */
	bool utc;		 /* dtstart and the expansion are in UTC */
	struct zone *zone;	 /* its zone (zone.h); NULL: the configured one */
	long duration;		 /* seconds, when end_hms < 0 */
	long wall_dur; /* wall-clock seconds before duration (nominal days, DTEND) */
	int end_hms;   /* -1, or local time of day each occurrence ends */
	bool has_published;
	time_t published;
	bool requires_announcement;
	struct conf_applies *applies;
	size_t napplies;
	char *description;
	time_t *exdates; /* UTC starts of excluded occurrences */
	size_t nexdates;
	enum cal_source source;
	char *uid; /* ics UID, NULL otherwise */
	struct cal_rdate *rdates;
	size_t nrdates;
	struct cal_shift *shifts;
	size_t nshifts;
	bool has_rid;	    /* an override of one occurrence of the series uid */
	time_t rid;	    /* its RECURRENCE-ID (UTC) */
	bool trust_created; /* ics: announced by its own stamps (published) */
};

/* An announcement, from the configuration, the journal or an ics file. */
struct cal_announcement {
	const char *window; /* owned (and freed) by whoever made the array */
	time_t start, end, announced_at;
	const char *note;
	int line; /* config line, journal line, 0 when unknown */
	/*
	 * "config", "journal", "ics" (static); "ics-seen" for one of an ics
	 * file without trust_created, which counts from when slamon first saw
	 * it (ics_seen under CAL_ANN_SEEN_PREFIX WINDOW), not announced_at.
	 */
	const char *origin;
	const char *id;	  /* journal: its stable id (announce.h); else NULL */
	time_t cancelled; /* when `announce --cancel` cut it (end <= that), 0 */
};
#define CAL_ANN_SEEN_PREFIX "announcement:"

/*
 * When slamon first saw an occurrence of an ics event (journal record
 * ics_seen): key is the event's UID (its name without one), or
 * "announcement:WINDOW" for an announcement in an ics file.
 */
struct cal_occ_seen {
	const char *key;
	time_t start, end, seen;
};

/* When slamon first loaded a rule: the journal's rule_seen records. */
struct cal_seen {
	const char *window;
	const char *rrule; /* the rule seen; NULL matches any rule of window */
	time_t seen;
};

/* What the shell found outside the configuration. Copied by calendar_new. */
struct cal_extra {
	const struct cal_announcement *ann;
	size_t nann;
	const struct cal_seen *seen;
	size_t nseen;
	const struct cal_window *ics;
	size_t nics;
};

struct cal_occ {
	const char *name;
	time_t start, end; /* UTC, [start, end) */
	bool announced;	   /* excludes its time from the SLA */
	bool has_announced_at;
	time_t announced_at;
	bool short_notice; /* announced, with less than min_notice */
	const struct conf_applies *applies;
	size_t napplies;
	enum cal_source source;
	const char *note; /* announcements, NULL otherwise */
	const char *id;	  /* announcements from the journal: for --cancel */
	const char *description;
	const struct cal_window *window;
};

struct calendar;

struct calendar *calendar_new(
    const struct conf *, const struct cal_extra *, char *err, size_t errlen);
void calendar_free(struct calendar *);
long calendar_min_notice(const struct calendar *);

/*
 * Every occurrence touching [from, to), sorted by start (then name), not
 * merged. *occs is malloc'ed; free it with free(). 0 or -1.
 */
int calendar_expand(
    const struct calendar *, time_t from, time_t to, struct cal_occ **occs, size_t *n);

/* Windows (configured, then ics) and the merged announcement list. */
size_t calendar_nwindows(const struct calendar *);
const struct cal_window *calendar_window(const struct calendar *, size_t);
const struct cal_window *calendar_window_find(const struct calendar *, const char *);
size_t calendar_nannouncements(const struct calendar *);
const struct cal_announcement *calendar_announcement(const struct calendar *, size_t);

/*
 * Problems that do not stop the monitor but that `slamon check` reports:
 * an announcement of an unknown window or overlapping no slot of its
 * window, a rule with no occurrence in [from, to). Returns how many were
 * found; each is passed to cb as one line of text.
 */
typedef void calendar_problem_cb(void *arg, const char *msg);
size_t calendar_validate(
    const struct calendar *, time_t from, time_t to, calendar_problem_cb *, void *arg);

/* Announcement check for `slamon announce`: 0, or -1 with the reason in err. */
int calendar_check_announcement(const struct calendar *, const char *window,
    time_t start, time_t end, char *err, size_t errlen);

/*
 * The occurrence (slot) of rule window w that holds all of [start, end):
 * true with it in *s, *e. Otherwise false, with the first slot touching
 * [start, end) in *s, *e when there is one (both 0 when none).
 */
bool calendar_slot_holding(
    const struct cal_window *w, time_t start, time_t end, time_t *s, time_t *e);

/* The notice an announcement made at `at` gives an occurrence at `start`. */
bool calendar_enough_notice(const struct calendar *, time_t at, time_t start);

/*
 * Per-target index for the hot path: the merged intervals of announced
 * maintenance that apply to the target, over [from, to). Rebuild it when
 * the range runs out or the calendar changes (new announcement, SIGHUP);
 * it points into the calendar and must not outlive it.
 */
struct cal_index;
struct cal_index *calendar_index(
    const struct calendar *, const struct conf_target *, time_t from, time_t to);
void cal_index_free(struct cal_index *);
/* Whether t is in announced maintenance; then *until is the end of it. O(log n). */
bool cal_index_in_maint(const struct cal_index *, time_t t, time_t *until);
/* Seconds of [a, b) in announced maintenance (merged: each second once). */
long cal_index_overlap(const struct cal_index *, time_t a, time_t b);
/* The first merged interval that ends after t (may contain t). false if none. */
bool cal_index_next(const struct cal_index *, time_t t, time_t *start, time_t *end);
/* The distinct names of announced windows touching [a, b), up to max. */
size_t cal_index_windows(
    const struct cal_index *, time_t a, time_t b, const char **names, size_t max);
size_t cal_index_count(const struct cal_index *);

/* Add a rule_seen time (after calendar_record_rules wrote one). */
void calendar_add_seen(
    struct calendar *, const char *window, const char *rrule, time_t seen);
/* When the rule of w was first seen; false if never. */
bool calendar_seen(const struct calendar *, const struct cal_window *w, time_t *at);
/* Add ics_seen records, then sort once with calendar_occ_seen_done. */
void calendar_add_occ_seen(
    struct calendar *, const char *key, time_t start, time_t end, time_t seen);
void calendar_occ_seen_done(struct calendar *);
/* When an occurrence (key, start, end) was first seen; false if never. */
bool calendar_occ_seen(
    const struct calendar *, const char *key, time_t start, time_t end, time_t *at);
/* When an announcement was made; false for one of an ics file not yet seen. */
bool calendar_announced_at(
    const struct calendar *, const struct cal_announcement *, time_t *at);
/* The key of w's occurrences in ics_seen records. */
const char *calendar_occ_key(const struct cal_window *w);

/* How far ahead occurrences of ics events are recorded as seen. */
#define CAL_SEEN_HORIZON (400 * 86400L)

/*
 * The shell (calendar-load.c). calendar_load reads journal announcements
 * and rule_seen records from state_dir and the ics files, then builds the
 * calendar. calendar_record_rules appends a rule_seen record for every
 * window whose rule (name and RRULE) has none yet, stamped now, and adds it
 * to cal: run, replay (with the simulated time) and announce call it once
 * after loading. Returns the number of records written, -1 on failure.
 */
struct journal;
struct calendar *calendar_load(const struct conf *, char *err, size_t errlen);
struct calendar *calendar_load_warn(
    const struct conf *, calendar_problem_cb *cb, void *arg, char *err, size_t errlen);
int calendar_record_rules(struct journal *, struct calendar *, time_t now);

const char *calendar_source_name(enum cal_source);
void cal_window_free(struct cal_window *);
void cal_window_copy(struct cal_window *dst, const struct cal_window *src);

#endif
