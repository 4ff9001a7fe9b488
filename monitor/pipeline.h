/*
 * pipeline.h - what `run` and `replay` share: the journal, the calendar's
 * maintenance, the RRD store and the engine, opened and wired the same way
 * so that replay exercises exactly the code paths of run.
 */
#ifndef SLAMON_PIPELINE_H
#define SLAMON_PIPELINE_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "conf.h"
#include "engine.h"

struct pipeline_opts {
	bool dry_run;		/* nothing stored, journaled or sent */
	bool replay;
	FILE *steps;		/* when set, every step as a CSV line (diagnostics) */
	/* alerts and recoveries after they are journaled */
	void (*notice)(void *arg, const struct engine_notice *);
	void (*log)(void *arg, const struct conf_target *, const char *msg);
	void *arg;
};

struct pipeline {
	const struct conf *conf;
	struct pipeline_opts opts;
	struct journal *journal;
	struct engine *engine;
	time_t *open_outage;	/* from the journal at start */
	bool *alerted;
	unsigned long steps_written, steps_failed;
};

/*
 * Open everything for conf at time now (the first row's time in replay).
 * Each target resumes where its stored data ends, with the outage the
 * journal has open. Errors are FILE-free one-liners in err.
 */
struct pipeline *pipeline_open(const struct conf *, const struct pipeline_opts *,
    time_t now, char *err, size_t errlen);
/* Begin target i's accounting at now unless already begun (reload adds targets). */
void pipeline_begin_target(struct pipeline *, size_t i, time_t now);
void pipeline_close(struct pipeline *, time_t now);

#endif
