/*
 * calendar-index.c - the per-target index of announced maintenance for the
 * hot path (calendar.h): merged intervals for O(log n) "in maintenance?"
 * queries, built from calendar_expand.
 */
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "log.h"

/*
 * The per-target index: merged intervals for the O(log n) queries, and the
 * announced occurrences themselves to name the windows an incident touched.
 */
struct cal_iv {
	time_t start, end;
};

struct cal_index {
	struct cal_iv *iv; /* merged, sorted, disjoint and not adjacent */
	size_t niv;
	struct cal_occ *occ; /* announced occurrences applying, by start */
	size_t nocc;
};

struct cal_index *
calendar_index(
    const struct calendar *cal, const struct conf_target *t, time_t from, time_t to)
{
	struct cal_index *idx = xcalloc(1, sizeof(*idx));
	struct cal_occ *occs;
	size_t n;

	if (calendar_expand(cal, from, to, &occs, &n) == -1) {
		free(idx);
		return NULL;
	}
	idx->occ = xcalloc(n + 1, sizeof(*idx->occ));
	idx->iv = xcalloc(n + 1, sizeof(*idx->iv));
	for (size_t i = 0; i < n; i++) {
		const struct cal_occ *o = &occs[i];
		if (!o->announced || !conf_applies_to(o->applies, o->napplies, t))
			continue;
		idx->occ[idx->nocc++] = *o;
		/* Sorted by start: merge into the last interval when they meet. */
		if (idx->niv && o->start <= idx->iv[idx->niv - 1].end) {
			if (o->end > idx->iv[idx->niv - 1].end)
				idx->iv[idx->niv - 1].end = o->end;
		} else {
			idx->iv[idx->niv].start = o->start;
			idx->iv[idx->niv].end = o->end;
			idx->niv++;
		}
	}
	free(occs);
	return idx;
}

void
cal_index_free(struct cal_index *idx)
{
	if (idx == NULL)
		return;
	free(idx->iv);
	free(idx->occ);
	free(idx);
}

size_t
cal_index_count(const struct cal_index *idx)
{
	return idx->niv;
}

/* The first interval whose end is after t, or niv. */
static size_t
first_ending_after(const struct cal_index *idx, time_t t)
{
	size_t lo = 0, hi = idx->niv;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (idx->iv[mid].end <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool
cal_index_in_maint(const struct cal_index *idx, time_t t, time_t *until)
{
	size_t i = first_ending_after(idx, t);

	if (i == idx->niv || idx->iv[i].start > t)
		return false;
	if (until)
		*until = idx->iv[i].end;
	return true;
}

long
cal_index_overlap(const struct cal_index *idx, time_t a, time_t b)
{
	long sum = 0;

	for (size_t i = first_ending_after(idx, a);
	     i < idx->niv && idx->iv[i].start < b; i++) {
		time_t s = idx->iv[i].start > a ? idx->iv[i].start : a;
		time_t e = idx->iv[i].end < b ? idx->iv[i].end : b;
		if (e > s)
			sum += (long)(e - s);
	}
	return sum;
}

bool
cal_index_next(const struct cal_index *idx, time_t t, time_t *start, time_t *end)
{
	size_t i = first_ending_after(idx, t);

	if (i == idx->niv)
		return false;
	*start = idx->iv[i].start;
	*end = idx->iv[i].end;
	return true;
}

size_t
cal_index_windows(
    const struct cal_index *idx, time_t a, time_t b, const char **names, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < idx->nocc && idx->occ[i].start < b; i++) {
		size_t j;
		if (idx->occ[i].end <= a)
			continue;
		for (j = 0; j < n; j++)
			if (strcmp(names[j], idx->occ[i].name) == 0)
				break;
		if (j == n && n < max)
			names[n++] = idx->occ[i].name;
	}
	return n;
}
