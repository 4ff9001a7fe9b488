/*
 * cluster-agg.h - the aggregating node's bookkeeping between the stream and
 * the pipeline: which results are new, which are stored (and may be
 * acknowledged), where in the stream the next start resumes, and what time
 * it is for the engine while a backlog is read.
 */
#ifndef SLAMON_CLUSTER_AGG_H
#define SLAMON_CLUSTER_AGG_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "cluster-msg.h"
#include "conf.h"

struct cluster;
struct pipeline;

struct cluster_agg_pending {
	void *ack;
	uint64_t seq;
	uint32_t target;
	time_t t;
};

struct cluster_agg {
	struct cluster *cl;
	struct pipeline *pl;
	const struct conf *conf;
	struct cluster_agg_pending *p;
	size_t np, cap;
	time_t *last;	  /* [ntargets * nloc]: the newest result taken */
	uint64_t floor;	  /* every sequence up to here is stored */
	uint64_t max_seq; /* the newest sequence seen */
	uint64_t saved;	  /* floor as last written to pos_path */
	time_t newest;	  /* the newest result time handed to the engine */
	char *pos_path;
	unsigned long duplicates, unknown_target, unknown_location;
	bool warned; /* about a long list of results waiting to be stored */
};

/* Where the last run stopped: the stream sequence to resume after (0: start). */
uint64_t cluster_agg_load_pos(const char *state_dir, const char *stream);
void cluster_agg_init(struct cluster_agg *, const struct conf *, struct pipeline *);
/* A result from the stream: into the engine unless it was counted already. */
void cluster_agg_result(
    struct cluster_agg *, const struct cluster_result *, void *ack, uint64_t seq);
/* Acknowledge what is stored now; remember the resume point. */
void cluster_agg_settle(struct cluster_agg *);
/* The engine's clock: wall time, or while a backlog is being read, the
 * time of the newest result read from it. */
time_t cluster_agg_now(const struct cluster_agg *, time_t wall, bool caught_up);
/* A reloaded configuration: pending results follow their targets by name. */
void cluster_agg_reload(
    struct cluster_agg *, const struct conf *old, const struct conf *);
/*
 * At start: an outage the journal closed was decided up to its end;
 * results delivered again from before it must not journal it a second
 * time (kill -9 after an outage_end, before its step was stored).
 */
void cluster_agg_known(struct cluster_agg *);
/* Unacknowledged results are delivered again at the next start. */
void cluster_agg_free(struct cluster_agg *);

#endif
