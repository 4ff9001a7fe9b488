/*
 * store-read.c - exact sums of seconds from a target's RRD file, for the
 * report (a month) and the status page (days): the 1-step archive while it
 * holds the range, else the finest archive whose rows start on the range's
 * boundaries (rrdlayout.c says which exist), completed by finer ones.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rrd.h>
#include <rrd_client.h>

#include "log.h"
#include "store-int.h"
#include "store.h"

/* --- reading -------------------------------------------------------------- */

/*
 * The AVERAGE rows of t over [*start, *end) at about *step seconds, from
 * the file (store_file_fetch: without librrd's lock) or, over TCP, through
 * rrdcached; 0, or -1 after logging the error.
 */
int
store_fetch(struct store *s, struct store_target *t, time_t *start, time_t *end,
    unsigned long *step, unsigned long *nds, char ***names, rrd_value_t **data)
{
	int rc;

	/* a file at hand is read without librrd's lock (store_file_last) */
	if (!s->remote)
		return store_file_fetch(t->path, start, end, step, nds, names, data);
	rrd_clear_error();
	rc = rrdc_fetch(t->path, "AVERAGE", start, end, step, nds, names, data);
	if (rc != 0) {
		log_warnx(
		    "store: %s (%s): fetch: %s", t->name, t->path, store_rrd_err());
		return -1;
	}
	return 0;
}

static int
fetch_rows(struct store *s, struct store_target *t, time_t from, time_t to, long len,
    struct store_sums *out)
{
	time_t start = from, end = to, when;
	unsigned long step = (unsigned long)len, nds = 0, k;
	char **names = NULL;
	rrd_value_t *data = NULL, v[3], slow;
	int idx[3] = {-1, -1, -1}, islow = -1, j;
	long rows, i, steps = len / STORE_STEP;

	if (store_fetch(s, t, &start, &end, &step, &nds, &names, &data) != 0)
		return -1;
	for (k = 0; k < nds; k++) {
		for (j = 0; j < 3; j++)
			if (strcmp(names[k], store_ds[j]) == 0)
				idx[j] = (int)k;
		if (strcmp(names[k], store_ds[4]) == 0)
			islow = (int)k;
		free(names[k]);
	}
	free(names);
	if (step != (unsigned long)len || idx[0] < 0 || idx[1] < 0 || idx[2] < 0) {
		log_warnx("store: %s (%s): fetch gave rows of %lus, asked %lds",
		    t->name, t->path, step, len);
		free(data);
		return -1;
	}
	/* row i covers (start + i*step, start + (i+1)*step] */
	rows = (long)((end - start) / (time_t)step);
	for (i = 0; i < rows; i++) {
		when = start + (time_t)(i + 1) * (time_t)step; /* row end */
		if (when <= from || when > to)
			continue;
		for (j = 0; j < 3; j++)
			v[j] = data[(size_t)i * nds + (size_t)idx[j]];
		if (isnan(v[0]) || isnan(v[1]) || isnan(v[2])) {
			out->unknown_steps += steps;
			continue;
		}
		out->up_s += v[0] * (double)steps;
		out->down_s += v[1] * (double)steps;
		out->maint_s += v[2] * (double)steps;
		out->steps += steps;
		/* slow_s is written with the others: known when they are */
		if (islow >= 0 && !isnan(slow = data[(size_t)i * nds + (size_t)islow]))
			out->slow_s += slow * (double)steps;
	}
	free(data);
	if (len > out->resolution)
		out->resolution = len;
	return 0;
}

static double
exact(double x)
{
	/* rows are averages: x * steps comes back within rounding of the sum */
	return round(x * 1e6) / 1e6;
}

/* The first second any AVERAGE archive still holds. */
static time_t
held_from(const struct store_info *fi)
{
	time_t first = fi->last, f;
	long len;

	for (int i = 0; i < fi->nrra; i++) {
		if (strcmp(fi->rra[i].cf, "AVERAGE") != 0)
			continue;
		len = fi->rra[i].steps * fi->step;
		f = fi->last - fi->last % len - fi->rra[i].rows * len;
		if (f < first)
			first = f;
	}
	return first;
}

static int
sum_range(struct store *s, struct store_target *t, const struct store_info *fi,
    time_t from, time_t to, struct store_sums *out)
{
	time_t cur = from, end = to < fi->last ? to : fi->last, lastrow, segend;
	long len, best;
	int i, pick;

	memset(out, 0, sizeof(*out));
	if (from % STORE_STEP != 0 || to % STORE_STEP != 0) {
		log_warnx("store: %s: sum over [%lld, %lld): not step ends", t->name,
		    (long long)from, (long long)to);
		return -1;
	}
	while (cur < end) {
		/* the finest AVERAGE archive holding cur on a row boundary */
		pick = -1;
		best = 0;
		for (i = 0; i < fi->nrra; i++) {
			if (strcmp(fi->rra[i].cf, "AVERAGE") != 0)
				continue;
			len = fi->rra[i].steps * fi->step;
			lastrow = fi->last - fi->last % len;
			if (cur % len != 0 || cur < lastrow - fi->rra[i].rows * len ||
			    cur + len > lastrow)
				continue;
			if (pick == -1 || len < best) {
				pick = i;
				best = len;
			}
		}
		if (pick == -1 && cur < held_from(fi)) {
			/* older than any archive holds (past the retention, or
			 * before the file was made): unknown, not an error */
			segend = held_from(fi) < end ? held_from(fi) : end;
			out->unknown_steps += (long)((segend - cur) / STORE_STEP);
			cur = segend;
			continue;
		}
		if (pick == -1) {
			log_warnx(
			    "store: %s (%s): no archive holds [%lld, %lld) on its "
			    "row boundaries",
			    t->name, t->path, (long long)cur, (long long)end);
			return -1;
		}
		len = best;
		lastrow = fi->last - fi->last % len;
		segend = end - end % len;
		if (segend > lastrow)
			segend = lastrow;
		if (fetch_rows(s, t, cur, segend, len, out) == -1)
			return -1;
		cur = segend;
	}
	out->up_s = exact(out->up_s);
	out->down_s = exact(out->down_s);
	out->maint_s = exact(out->maint_s);
	out->slow_s = exact(out->slow_s);
	out->slow_known = fi->nds == STORE_NDS;
	return 0;
}

/* 0 with *tp set, 1 when the target has no file (no data), -1 on error */
static int
readable(struct store *s, const char *target, struct store_info *fi,
    struct store_target **tp)
{
	struct store_target *t = store_target_find(s, target);
	int rc;

	if (t == NULL || t->last <= 0) {
		/* a reader (slamon report) opens files it did not write */
		if (!store_valid_target(target))
			return -1;
		if ((rc = store_target_open(s, target, STORE_STEP, false)) != 0)
			return rc;
		t = store_target_find(s, target);
	}
	/* what is queued first (deferred or batched writes, rrdcached away) */
	if (t->q.head < t->q.len)
		store_queue_target(s, t);
	if (s->daemon != NULL && store_daemon_flush(s, t, false) == -1 && s->remote)
		return -1;
	if (store_file_info(s, t, fi) == -1)
		return -1;
	*tp = t;
	return 0;
}

int
store_sum(
    struct store *s, const char *target, time_t from, time_t to, struct store_sums *out)
{
	struct store_target *t;
	struct store_info fi;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = readable(s, target, &fi, &t)) != 0)
		return rc == 1 ? 0 : -1;
	return sum_range(s, t, &fi, from, to, out);
}

int
store_daily(struct store *s, const char *target, const time_t *bounds, size_t n,
    struct store_sums *out)
{
	struct store_target *t;
	struct store_info fi;
	size_t i;
	int rc;

	memset(out, 0, n * sizeof(*out));
	if ((rc = readable(s, target, &fi, &t)) != 0)
		return rc == 1 ? 0 : -1;
	for (i = 0; i < n; i++)
		if (sum_range(s, t, &fi, bounds[i], bounds[i + 1], &out[i]) == -1)
			return -1;
	return 0;
}

int
store_stored_end(struct store *s, const char *target, time_t *end)
{
	int rc = store_target_open(s, target, STORE_STEP, false);

	*end = 0;
	if (rc == -1)
		return -1;
	if (rc == 0)
		*end = store_last(s, target);
	return 0;
}
