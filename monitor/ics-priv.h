/* ics-priv.h - what ics.c (files, zones, overrides) and ics-event.c (one VEVENT) share. */
#ifndef SLAMON_ICS_PRIV_H
#define SLAMON_ICS_PRIV_H

#include <libical/ical.h>

#include "ics.h"
#include "zone.h"

/* The content lines of one VEVENT, for messages: name and line number. */
struct ics_prop_line {
	char name[24];
	int line;
};

struct ics_evlines {
	int begin; /* BEGIN:VEVENT */
	struct ics_prop_line *p;
	size_t np;
};

/* A RECURRENCE-ID instance: applied to its series once all are read. */
struct ics_override {
	char *uid;
	time_t rid;
	bool future;	/* RANGE=THISANDFUTURE */
	bool cancelled; /* STATUS:CANCELLED: only removes the instance */
	long delta;	/* its start minus rid */
	long length;	/* its exact length */
	size_t window;	/* index in set->w, when not cancelled */
	int line;
	char *label;
};

struct ics_zcache {
	char *tzid;
	struct zone *zone; /* NULL: the configured zone */
	bool bad;
};

struct ics_ctx {
	const char *name;
	const struct ics_opts *opts;
	icalcomponent *root;
	struct ics_set *set;
	struct ics_zcache *zc;
	size_t nzc;
	struct ics_override *ov;
	size_t nov;
	const struct ics_evlines *ev; /* the event being read */
};

/* The zone a TZID names; 0, or -1 when nothing defines it. */
int ics_zone(struct ics_ctx *, const char *tzid, struct zone **out);
/* The line of the event's first property name (BEGIN:VEVENT when absent). */
int ics_line(const struct ics_ctx *, const char *prop);
/* Append "FILE:LINE: label: message" to the set's warnings. */
void ics_warn(struct ics_ctx *, int line, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* One VEVENT into a window, an announcement or an override; warns and skips. */
void ics_event(struct ics_ctx *, icalcomponent *ev);

/* A VTIMEZONE for z (ics-vtimezone.c): changes from from_year, rules from now_year. */
icalcomponent *ics_vtimezone(const struct zone *z, int from_year, int now_year);

#endif
