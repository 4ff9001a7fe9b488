/*
 * cluster-agg.c - the aggregating node between the stream and the pipeline.
 *
 * A result is acknowledged only once the RRD step holding its second is
 * written (the journal is written before the engine acts, so an outage it
 * started is on disk already). Until then it stays unacknowledged in the
 * stream, and the resume point written to state_dir stays before it: a
 * kill -9 of the aggregator loses nothing, and what is delivered again is
 * recognised as counted, because it is older than the stored steps.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster-agg.h"
#include "cluster.h"
#include "engine.h"
#include "journal.h"
#include "log.h"
#include "pipeline.h"
#include "store.h"

uint64_t
cluster_agg_load_pos(const char *state_dir, const char *stream)
{
	char path[4096];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cluster-%s.pos", state_dir, stream);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	/* a sequence is positive and below 2^63; anything else starts afresh */
	if (fscanf(f, "%llu", &v) != 1 || v > (unsigned long long)INT64_MAX)
		v = 0;
	fclose(f);
	return v;
}

static size_t
nloc(const struct conf *c)
{
	return c->cluster.locations.n ? c->cluster.locations.n : 1;
}

void
cluster_agg_init(struct cluster_agg *a, const struct conf *c, struct pipeline *pl)
{
	memset(a, 0, sizeof(*a));
	a->conf = c;
	a->pl = pl;
	a->last = xcalloc(c->ntargets * nloc(c) + 1, sizeof(*a->last));
	xasprintf(&a->pos_path, "%s/cluster-%s.pos", c->state_dir, c->cluster.stream);
	a->floor = a->saved = a->max_seq = cluster_agg_load_pos(
	    c->state_dir, c->cluster.stream);
}

static void
pend(struct cluster_agg *a, void *ack, uint64_t seq, uint32_t target, time_t t)
{
	if (a->np == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 1024;
		a->p = xreallocarray(a->p, a->cap, sizeof(*a->p));
	}
	a->p[a->np++] = (struct cluster_agg_pending){ack, seq, target, t};
}

void
cluster_agg_result(
    struct cluster_agg *a, const struct cluster_result *r, void *ack, uint64_t seq)
{
	const struct conf_target *t = conf_target_find(a->conf, r->target);
	struct engine *e = a->pl->engine;
	int loc = conf_location_find(a->conf, r->loc);
	size_t i, k;

	if (seq > a->max_seq)
		a->max_seq = seq;
	if (t == NULL || loc < 0) {
		/* a target removed here but still probed there, or a location
		 * that does not vote: not ours to count */
		if (t == NULL && a->unknown_target++ == 0)
			log_warnx("cluster: results for \"%s\", which is not a "
				  "configured target, are skipped",
			    r->target);
		if (t && loc < 0 && a->unknown_location++ == 0)
			log_warnx("cluster: results from location \"%s\", which is "
				  "not in cluster.locations, are skipped",
			    r->loc);
		pend(a, ack, seq, UINT32_MAX, 0);
		return;
	}
	i = (size_t)(t - a->conf->targets);
	k = i * nloc(a->conf) + (size_t)loc;
	/*
	 * A result older than the stored steps (delivered again after a
	 * restart, or probed while the aggregator was away) still goes to its
	 * location's state machine, which needs the run of failures it may
	 * be part of; the combination never revisits a second it has decided,
	 * so it cannot count twice or reopen what the journal closed.
	 */
	if (r->t <= a->last[k]) {
		/* delivered again (the ack wait passed, or after a reload): the
		 * first copy is pending or stored; this one is not kept, so the
		 * pending list cannot grow with redeliveries */
		a->duplicates++;
		log_debug("cluster: %s/%s at %lld %s: a duplicate", r->loc, r->target,
		    (long long)r->t, r->ok ? "ok" : "failed");
		if (engine_begun(e, i) && r->t < engine_settled_to(e, i))
			cluster_ack(a->cl, ack);
		else
			cluster_forget(ack);
		return;
	}
	log_debug("cluster: %s/%s at %lld %s: taken%s", r->loc, r->target,
	    (long long)r->t, r->ok ? "ok" : "failed",
	    engine_begun(e, i) && r->t < engine_settled_to(e, i)
		? " (its seconds are stored already)"
		: "");
	a->last[k] = r->t;
	if (r->t > a->newest)
		a->newest = r->t;
	engine_observe_at(
	    e, i, loc, r->t, r->ok, r->latency_ms, r->detail[0] ? r->detail : NULL);
	pend(a, ack, seq, (uint32_t)i, r->t);
}

static void
save_pos(struct cluster_agg *a)
{
	char tmp[4200], buf[32];
	int fd, n;

	snprintf(tmp, sizeof(tmp), "%s.tmp", a->pos_path);
	n = snprintf(buf, sizeof(buf), "%" PRIu64 "\n", a->floor);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640)) == -1) {
		log_warn("cluster: %s", tmp);
		return;
	}
	if (write(fd, buf, (size_t)n) != n || fsync(fd) == -1) {
		log_warn("cluster: %s", tmp);
		close(fd);
		unlink(tmp);
		return;
	}
	close(fd);
	if (rename(tmp, a->pos_path) == -1) {
		log_warn("cluster: %s", a->pos_path);
		return;
	}
	a->saved = a->floor;
}

void
cluster_agg_settle(struct cluster_agg *a)
{
	struct engine *e = a->pl->engine;
	size_t nt = engine_ntargets(e);
	/* per target: its steps before settled_to are handed over, and none of
	 * them still waits in the store's queue (one target whose file cannot
	 * be written holds back only its own results) */
	char *written = xcalloc(nt + 1, 1);
	uint64_t lowest = UINT64_MAX;
	size_t j = 0;

	for (size_t i = 0; i < nt; i++)
		written[i] = a->pl->store == NULL ||
		    store_pending_target(a->pl->store, a->conf->targets[i].name) == 0;
	for (size_t i = 0; i < a->np; i++) {
		struct cluster_agg_pending *p = &a->p[i];
		bool stored = p->target == UINT32_MAX ||
		    (p->target < nt && written[p->target] &&
			p->t < engine_settled_to(e, p->target));

		if (stored) {
			cluster_ack(a->cl, p->ack);
			continue;
		}
		if (p->seq < lowest)
			lowest = p->seq;
		a->p[j++] = *p;
	}
	a->np = j;
	free(written);
	if (a->np >= 100000 && !a->warned) {
		log_warnx("cluster: %zu results wait to be stored before they are "
			  "acknowledged (is a target's RRD file or rrdcached failing?)",
		    a->np);
		a->warned = true;
	} else if (a->np < 1000)
		a->warned = false;
	a->floor = lowest == UINT64_MAX ? a->max_seq : lowest - 1;
	if (a->floor != a->saved)
		save_pos(a);
}

time_t
cluster_agg_now(const struct cluster_agg *a, time_t wall, bool caught_up)
{
	if (caught_up)
		return wall;
	/* not even the first delivery yet: nothing may be decided, or the
	 * backlog on its way would find its seconds settled as unknown */
	if (a->newest == 0)
		return 0;
	return a->newest < wall ? a->newest : wall;
}

void
cluster_agg_reload(struct cluster_agg *a, const struct conf *old, const struct conf *c)
{
	for (size_t i = 0; i < a->np; i++) {
		const struct conf_target *t;

		if (a->p[i].target == UINT32_MAX)
			continue;
		t = conf_target_find(c, old->targets[a->p[i].target].name);
		if (t == NULL)
			a->p[i].target = UINT32_MAX; /* gone: nothing to store */
		else
			a->p[i].target = (uint32_t)(t - c->targets);
	}
	{
		/* the newest result taken per target and location, by name */
		time_t *last = xcalloc(c->ntargets * nloc(c) + 1, sizeof(*last));

		for (size_t i = 0; i < old->ntargets; i++) {
			const struct conf_target *t = conf_target_find(
			    c, old->targets[i].name);

			for (size_t l = 0; t && l < old->cluster.locations.n; l++) {
				int nl = conf_location_find(
				    c, old->cluster.locations.v[l]);

				if (nl >= 0)
					last[(size_t)(t - c->targets) * nloc(c) +
					    (size_t)nl] = a->last[i * nloc(old) + l];
			}
		}
		free(a->last);
		a->last = last;
	}
	a->conf = c;
}

/* The last outage_end of each target: the quorum decided up to there. */
static void
known_cb(void *arg, json_t *rec, int line)
{
	struct cluster_agg *a = arg;
	const char *ev = json_string_value(json_object_get(rec, "event"));
	const char *name = json_string_value(json_object_get(rec, "target"));
	const struct conf_target *t;
	time_t end;

	(void)line;
	if (ev == NULL || strcmp(ev, "outage_end") != 0 || name == NULL ||
	    (t = conf_target_find(a->conf, name)) == NULL ||
	    journal_get_time(rec, "end", &end) != 0)
		return;
	engine_quorum_known(a->pl->engine, (size_t)(t - a->conf->targets), end);
}

static void
known_warn_cb(void *arg, const char *msg)
{
	(void)arg;
	log_debug("cluster: journal: %s", msg);
}

void
cluster_agg_known(struct cluster_agg *a)
{
	journal_read(a->conf->state_dir, known_cb, known_warn_cb, a);
}

void
cluster_agg_free(struct cluster_agg *a)
{
	for (size_t i = 0; i < a->np; i++)
		if (a->p[i].ack)
			cluster_forget(a->p[i].ack);
	free(a->p);
	free(a->last);
	free(a->pos_path);
	memset(a, 0, sizeof(*a));
}
