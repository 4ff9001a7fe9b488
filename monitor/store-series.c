/*
 * store-series.c - a target's latency and seconds over a span, in n equal
 * buckets, for the status page's response-time graph: the finest archive
 * that still holds the span (rrd_fetch picks it), averaged per bucket.
 * Unlike store_sum this is for looking at, not for counting: a bucket's
 * latency is the mean of the rows that have one.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <rrd.h>
#include <rrd_client.h>

#include "log.h"
#include "store-int.h"
#include "store.h"

int
store_series(struct store *s, const char *target, time_t from, time_t to, size_t n,
    struct store_point *out)
{
	struct store_target *t = store_target_find(s, target);
	time_t start = from, end = to;
	unsigned long step = STORE_STEP, nds = 0, k;
	char **names = NULL;
	rrd_value_t *data = NULL;
	int idx[3] = {-1, -1, -1}, rc;
	static const char *const ds[3] = {"latency_ms", "down_s", "maint_s"};
	double *cnt;
	long rows;

	for (size_t i = 0; i < n; i++)
		out[i] = (struct store_point){NAN, 0, 0};
	if (n == 0 || to <= from)
		return 0;
	if (t == NULL || t->last <= 0) {
		if (!store_valid_target(target))
			return -1;
		if ((rc = store_target_open(s, target, STORE_STEP, false)) != 0)
			return rc == 1 ? 0 : -1;
		t = store_target_find(s, target);
	}
	if (t->q.head < t->q.len)
		store_queue_target(s, t);
	if (s->daemon != NULL && store_daemon_flush(s, t, false) == -1 && s->remote)
		return -1;
	/* ask for about one row a bucket: rrd_fetch takes the archive closest */
	step = (unsigned long)((to - from) / (time_t)n);
	if (store_fetch(s, t, &start, &end, &step, &nds, &names, &data) != 0)
		return -1;
	for (k = 0; k < nds; k++) {
		for (int j = 0; j < 3; j++)
			if (strcmp(names[k], ds[j]) == 0)
				idx[j] = (int)k;
		free(names[k]);
	}
	free(names);
	if (idx[0] < 0 || idx[1] < 0 || idx[2] < 0 || step == 0) {
		free(data);
		return -1;
	}
	cnt = calloc(n, sizeof(*cnt));
	if (cnt == NULL)
		fatal("calloc");
	rows = (long)((end - start) / (time_t)step);
	for (long i = 0; i < rows; i++) {
		time_t row_end = start + (time_t)(i + 1) * (time_t)step;
		const rrd_value_t *v = &data[(size_t)i * nds];
		size_t b;

		if (row_end <= from || row_end > to)
			continue;
		b = (size_t)((double)(row_end - 1 - from) * (double)n /
		    (double)(to - from));
		if (b >= n)
			continue;
		if (!isnan(v[idx[0]])) {
			out[b].latency_ms = cnt[b] == 0 ? v[idx[0]]
							: out[b].latency_ms + v[idx[0]];
			cnt[b]++;
		}
		/* rows are per-step averages of seconds: times the steps of a row */
		if (!isnan(v[idx[1]]))
			out[b].down_s += v[idx[1]] * (double)step / STORE_STEP;
		if (!isnan(v[idx[2]]))
			out[b].maint_s += v[idx[2]] * (double)step / STORE_STEP;
	}
	for (size_t b = 0; b < n; b++)
		if (cnt[b] > 0)
			out[b].latency_ms /= cnt[b];
	free(cnt);
	free(data);
	return 0;
}
