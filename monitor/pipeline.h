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

struct calendar;
struct cal_index;
struct journal;
struct store;

struct pipeline_opts {
	bool dry_run; /* nothing stored or journaled */
	bool replay;
	bool one_location; /* a probing node's own view of a cluster's targets */
	bool aggregate;	   /* results come in late from the stream: accounting
			    * starts where the stored data ends, not at now */
	FILE *steps;	   /* when set, every step as a CSV line (diagnostics) */
	/* alerts and recoveries after they are journaled */
	void (*notice)(void *arg, const struct engine_notice *);
	void (*log)(void *arg, const struct conf_target *, const char *msg);
	void *arg;
};

struct pl_index {
	char *key; /* which windows apply, one character each */
	struct cal_index *idx;
};

struct pipeline {
	const struct conf *conf;
	struct pipeline_opts opts;
	struct journal *journal;
	struct calendar *cal;
	struct store *store;
	struct engine *engine;
	struct pl_index *idx; /* shared by targets with the same windows */
	size_t nidx;
	size_t *tidx; /* per target: which idx */
	time_t idx_from, idx_to;
	time_t *open_outage; /* from the journal at start */
	time_t journal_last; /* its last record's time: the last second known */
	bool *alerted;
	off_t journal_seen; /* journal size at the last calendar load */
	unsigned long steps_written, steps_failed;
};

/*
 * Open everything for conf at time now (the first row's time in replay).
 * Each target resumes where its stored data ends, with the outage the
 * journal has open. NULL with a one-line err on failure.
 */
struct pipeline *pipeline_open(const struct conf *, const struct pipeline_opts *,
    time_t now, char *err, size_t errlen);
/* Adopt a reloaded configuration; on failure the old one stays. */
int pipeline_reload(
    struct pipeline *, const struct conf *, time_t now, char *err, size_t errlen);
/* Read the calendar again (ics files and copies changed); -1 keeps the old one. */
int pipeline_reload_calendar(struct pipeline *, time_t now);
/* Re-read announcements made by `slamon announce` since the last look. */
int pipeline_refresh_calendar(struct pipeline *, time_t now);
/* Names of announced windows of target i touching [a, b). */
size_t pipeline_windows(
    struct pipeline *, size_t i, time_t a, time_t b, const char **names, size_t max);
/* Whether target i is in announced maintenance at t. */
bool pipeline_in_maint(struct pipeline *, size_t i, time_t t);
void pipeline_close(struct pipeline *, time_t now);

#endif
