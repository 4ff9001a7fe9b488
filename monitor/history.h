/*
 * history.h - how outages become what a status page's reader sees (pure:
 * no clock, no file). An outage's seconds inside announced maintenance
 * that applies to its target belong to that maintenance; only what lies
 * outside is an incident, which therefore starts at the first unplanned
 * second (for an overrun: where the window ended). Outages of targets of
 * one component whose unplanned parts overlap are one incident.
 */
#ifndef SLAMON_HISTORY_H
#define SLAMON_HISTORY_H

#include <stddef.h>
#include <time.h>

struct history_span {
	time_t start, end; /* [start, end) */
};

/*
 * The parts of [start, end) outside the windows w (any order, may
 * overlap), in time order, into out (at most max). Returns how many.
 */
size_t history_unplanned(time_t start, time_t end, const struct history_span *w,
    size_t nw, struct history_span *out, size_t max);

/* One outage's unplanned part: from its first unplanned second to its end. */
struct history_item {
	size_t comp;	   /* component index (the caller's numbering) */
	time_t start, end; /* end 0: still open */
	size_t outage;	   /* the caller's index of the outage */
};

/* An incident: items [first, first + n) after history_group sorted them. */
struct history_group {
	size_t comp;
	time_t start, end; /* end 0: open */
	size_t first, n;
};

/*
 * Sort items by component then start and group those of one component
 * that overlap or touch into incidents (an open item holds its incident
 * open). out has room for n groups. Returns the number of groups.
 */
size_t history_group(struct history_item *items, size_t n, struct history_group *out);

#endif
