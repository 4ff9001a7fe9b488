/*
 * cluster.h - several locations over NATS JetStream (design.md 9): a
 * probing node publishes every result; an aggregating node consumes the
 * stream and hands each result to the loop, and acknowledges it once what
 * it changed is stored.
 *
 * The NATS client runs in threads of its own (one that publishes, one that
 * fetches), never on the event loop: a publish waits for JetStream's ack
 * and a fetch for messages, and neither may hold up a probe. The loop and
 * the threads meet in two queues under one mutex, and a pipe wakes the
 * loop.
 */
#ifndef SLAMON_CLUSTER_H
#define SLAMON_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cluster-msg.h"
#include "conf.h"

struct event_base;
struct cluster;

/* One result from the stream, on the loop thread. `ack` is to be given to
 * cluster_ack once it is stored (or if it is dropped). */
typedef void cluster_result_cb(
    void *arg, const struct cluster_result *, void *ack, uint64_t seq);

struct cluster_stats {
	unsigned long published;	 /* acknowledged by JetStream */
	unsigned long buffered;		 /* written to the disk buffer */
	unsigned long dropped;		 /* refused past the buffer's bound */
	unsigned long long buffer_bytes; /* waiting in it now */
	unsigned long consumed;		 /* results handed to the loop */
	unsigned long malformed;	 /* messages that were not ours */
	bool connected;
	uint64_t backlog; /* stream messages not yet fetched, at the last fetch */
	bool caught_up;	  /* fetched, nothing left in the stream or the queue */
};

/*
 * Connect, create or check the stream (and the aggregator's consumer,
 * resumed after the stream sequence `start_after`), start the threads.
 * NULL with one line in err when NATS cannot be reached, has no JetStream,
 * or the stream is not ours.
 */
struct cluster *cluster_new(struct event_base *, const struct conf *,
    cluster_result_cb *, void *arg, uint64_t start_after, char *err, size_t errlen);
/* Queue a result for publishing; never blocks on the network. */
void cluster_publish(struct cluster *, const struct cluster_result *);
void cluster_ack(struct cluster *, void *ack);
/* Let go of a result without acknowledging it: it is delivered again. */
void cluster_forget(void *ack);
void cluster_stats(struct cluster *, struct cluster_stats *);
/* Stop the threads; a probing node's results still queued go to the disk
 * buffer, to be published at the next start. */
void cluster_free(struct cluster *);

#endif
