/*
 * store-int.h - what store.c, store-queue.c and store-read.c share: the
 * store's structures and its internal functions. Not for other modules.
 */
#ifndef SLAMON_STORE_INT_H
#define SLAMON_STORE_INT_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#define STORE_BATCH 256	    /* values a librrd call */
#define STORE_CMD_ROOM 3072 /* bytes of values in one rrdcached command (4096 max) */
#define STORE_VALUE_LEN 160
#define STORE_MAX_RRA 16
/*
 * rrdcached acknowledges an update before its journal reaches the disk, so
 * a daemon killed outright loses its last updates (seen with 1.7.2 and
 * kill -9). Steps it accepted are kept this long and sent again when, after
 * a reconnection, it reports an older last update. Its -w + -z (the most a
 * step waits in its cache for the file) should be below this.
 */
#define STORE_RETAIN 3600

extern const char *const store_ds[];
/* up_s, down_s, maint_s, latency_ms, slow_s; files made before slow_s
 * (README "Contract terms") have the first four (store_target.nds) */
#define STORE_NDS 5
#define STORE_NDS_OLD 4

struct store_run { /* steps first..last (ends), all the same row */
	time_t first, last;
	double v[STORE_NDS];
};

struct store_runs { /* v[head..len) */
	struct store_run *v;
	size_t head, len, cap;
};

struct store_target {
	char *name;		 /* name and path: in the same allocation as this */
	char *path;		 /* what librrd or rrdcached is given */
	time_t last;		 /* end of the last step written or queued */
	struct store_runs q;	 /* not yet written */
	struct store_runs acked; /* accepted by rrdcached in the last STORE_RETAIN s */
	unsigned gen;		 /* the rrdcached connection it was synced on */
	bool resync;
	bool refused;	  /* steps refused (queue full): the gap they leave is
				 * written as steps without data by the next update */
	bool listed;	  /* in store.due */
	int nds;	  /* data sources of its file: STORE_NDS or STORE_NDS_OLD */
	bool broken;	  /* no usable file: steps queue until store_repair makes one */
	bool fail_logged; /* a failure spell of its file was logged */
};

struct store {
	char *dir;    /* absolute state_dir/rrd */
	char *daemon; /* rrdcached address, NULL when direct */
	bool remote;  /* rrdcached over TCP: no access to the files */
	long granularity;
	struct store_target **t; /* sorted by name */
	size_t nt;
	size_t runs, runs_max; /* queued runs, and their bound */
	size_t batch;	  /* queue entries a target collects before it is written */
	unsigned gen;	  /* rrdcached instances seen (all targets resync) */
	const char *sock; /* rrdcached's unix socket, to see it restart */
	ino_t sock_ino;
	struct timespec sock_ctime;
	double next_try; /* monotonic; no write to rrdcached before it */
	bool full_logged, away;
	bool deferred;		   /* updates only queue: store_flush_some writes */
	struct store_target **due; /* deferred: due[hdue..ndue) wait, in order */
	size_t hdue, ndue, capdue;
};

struct store_info {
	long step;
	int nds;
	time_t last;
	int nrra;
	struct {
		char cf[16];
		long steps, rows;
	} rra[STORE_MAX_RRA];
};

const char *store_rrd_err(void);
int store_fetch(struct store *, struct store_target *, time_t *start, time_t *end,
    unsigned long *step, unsigned long *nds, char ***names, rrd_value_t **data);
bool store_valid_target(const char *);
struct store_target *store_target_find(struct store *, const char *);
int store_target_open(struct store *, const char *, time_t, bool);
int store_file_info(struct store *, struct store_target *, struct store_info *);
time_t store_file_last(const char *path);
int store_file_fetch(const char *path, time_t *start, time_t *end, unsigned long *step,
    unsigned long *nds, char ***names, rrd_value_t **data);
int store_daemon_connect(struct store *);
int store_daemon_flush(struct store *, struct store_target *, bool);
int store_queue_push(
    struct store *, struct store_target *, time_t, time_t, const double[STORE_NDS]);
int store_queue_target(struct store *, struct store_target *);
void store_queue_flush(struct store *, struct store_target *, bool);
int store_file_create(struct store *, struct store_target *, time_t start);
/* store-repair.c */
void store_create_failed(struct store *, struct store_target *, int err);
bool store_moved_corrupt(struct store *, struct store_target *);
int store_repair(struct store *, struct store_target *);

#endif
