/*
 * history.c - outages split at announced windows and grouped into the
 * incidents a reader of the status page sees (history.h).
 */
#include <stdlib.h>
#include <string.h>

#include "history.h"

size_t
history_unplanned(time_t start, time_t end, const struct history_span *w, size_t nw,
    struct history_span *out, size_t max)
{
	time_t cur = start;
	size_t n = 0;

	/*
	 * Walk forward: the window covering cur (if any) moves cur to its end;
	 * otherwise the gap up to the next window's start is unplanned. The
	 * windows are few (those touching one outage), so a scan per step is fine.
	 */
	while (cur < end) {
		time_t far = cur, next = end;

		for (size_t i = 0; i < nw; i++)
			if (w[i].start <= cur && cur < w[i].end && w[i].end > far)
				far = w[i].end;
		if (far > cur) {
			cur = far;
			continue;
		}
		for (size_t i = 0; i < nw; i++)
			if (w[i].start > cur && w[i].start < next)
				next = w[i].start;
		if (n < max)
			out[n++] = (struct history_span){cur, next};
		cur = next;
	}
	return n;
}

static int
history_item_cmp(const void *a, const void *b)
{
	const struct history_item *x = a, *y = b;

	if (x->comp != y->comp)
		return x->comp < y->comp ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->outage < y->outage ? -1 : x->outage > y->outage;
}

size_t
history_group(struct history_item *items, size_t n, struct history_group *out)
{
	size_t ng = 0;

	qsort(items, n, sizeof(*items), history_item_cmp);
	for (size_t i = 0; i < n; i++) {
		struct history_group *g = ng ? &out[ng - 1] : NULL;

		/* touching counts: db down 10:00-10:20 and web 10:20-10:30 is one story */
		if (g != NULL && g->comp == items[i].comp &&
		    (g->end == 0 || items[i].start <= g->end)) {
			if (items[i].end == 0)
				g->end = 0;
			else if (g->end != 0 && items[i].end > g->end)
				g->end = items[i].end;
			g->n++;
			continue;
		}
		out[ng++] = (struct history_group){
		    items[i].comp, items[i].start, items[i].end, i, 1};
	}
	return ng;
}
