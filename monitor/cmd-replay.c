/*
 * cmd-replay.c - `slamon replay FILE`: timestamped probe results through the
 * pipeline of `run`, with the clock taken from the rows. With --send-alerts
 * the notices go to the alert channels as they are decided (with their
 * simulated times), and the command waits until every delivery has
 * succeeded or been given up, journaling failed attempts as `run` does.
 */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "alerting.h"
#include "cmd.h"
#include "log.h"
#include "pipeline.h"
#include "replay.h"
#include "statelock.h"
#include "store.h"
#include "tz.h"

struct replay_run {
	bool verbose;
	bool send_alerts;
	unsigned long alerts, recoveries;
	struct pipeline *pl;
	struct event_base *base;
	struct notify *notify; /* --send-alerts with channels */
	unsigned long delivered, given_up;
};

static void
replay_notice_cb(void *arg, const struct engine_notice *n)
{
	struct replay_run *r = arg;

	if (n->kind == ENGINE_RECOVERY)
		r->recoveries++;
	else
		r->alerts++;
	if (r->notify && r->pl)
		alerting_send(r->notify, r->pl, n);
}

/* Attempts happen now, in real time: their records carry the real time. */
static void
replay_delivery_cb(void *arg, const struct notify_msg *m, const struct conf_alert *ch,
    int attempt, bool delivered, bool final, const char *error)
{
	struct replay_run *r = arg;

	if (final && delivered)
		r->delivered++;
	else if (final)
		r->given_up++;
	alerting_journal(r->pl ? r->pl->journal : NULL, time(NULL), m, ch, attempt,
	    delivered, final, error, false);
}

static int
replay_notify_open(struct replay_run *r, const struct conf *c)
{
	if (!r->send_alerts || c->nalerts == 0)
		return 0;
	signal(SIGPIPE, SIG_IGN);
	if ((r->base = event_base_new()) == NULL) {
		log_warnx("cannot create the event loop");
		return -1;
	}
	if ((r->notify = notify_new(r->base, c, replay_delivery_cb, r)) == NULL)
		return -1;
	return 0;
}

/* Run the loop until every notice is delivered or given up on every channel. */
static void
replay_notify_drain(struct replay_run *r)
{
	unsigned left;

	if (r->notify == NULL)
		return;
	while ((left = notify_pending(r->notify)) > 0)
		if (event_base_loop(r->base, EVLOOP_ONCE) != 0) {
			log_warnx(
			    "%u alert deliveries pending with nothing to wait for",
			    left);
			break;
		}
	printf("alerts sent: %lu delivered, %lu given up\n", r->delivered, r->given_up);
}

static void
replay_notify_close(struct replay_run *r)
{
	notify_free(r->notify);
	r->notify = NULL;
	if (r->base) {
		event_base_free(r->base);
		r->base = NULL;
		libevent_global_shutdown();
	}
}

static void
replay_log_cb(void *arg, const struct conf_target *t, const char *msg)
{
	struct replay_run *r = arg;

	if (r->verbose)
		fprintf(stderr, "%s: %s\n", t->name, msg);
}

/*
 * Rows inside what is already stored are refused before anything is
 * written (or dropped with --skip-stored): a step is written once, and an
 * older row would close an outage before it started. 0, 1 when refused
 * (said on stderr), -1 on an internal failure.
 */
static int
replay_stored(const struct conf *c, const char *path, struct replay *rep, bool skip,
    size_t *skipped)
{
	struct store *st;
	time_t *end = xcalloc(c->ntargets ? c->ntargets : 1, sizeof(*end));
	char err[1024];
	int rc = -1;

	if ((st = store_open(c->state_dir, c->rrdcached,
		 store_zone_granularity(rep->first), err, sizeof(err))) == NULL) {
		fprintf(stderr, "slamon: %s\n", err);
		goto out;
	}
	for (size_t i = 0; i < c->ntargets; i++)
		if (store_stored_end(st, c->targets[i].name, &end[i]) == -1) {
			fprintf(stderr,
			    "slamon: replay: %s: its RRD file cannot be read "
			    "(see above)\n",
			    c->targets[i].name);
			goto out;
		}
	rc = 0;
	if (replay_check_stored(rep, path, c, end, skip, skipped, err, sizeof(err)) ==
	    -1) {
		fprintf(stderr, "%s\n", err);
		rc = 1;
	}
out:
	store_close(st);
	free(end);
	return rc;
}

static int
cmd_replay_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"send-alerts", no_argument, NULL, 'a'},
	    {"steps", required_argument, NULL, 'S'},
	    {"skip-stored", no_argument, NULL, 'k'},
	    {NULL, 0, NULL, 0},
	};
	struct replay_run rr = {.verbose = ctx->verbose != 0};
	struct pipeline_opts o;
	struct pipeline *p;
	struct replay rep;
	struct conf *c;
	const char *steps_path = NULL;
	char err[1024], a[TZ_RFC3339_LEN], b[TZ_RFC3339_LEN];
	time_t *last;
	time_t end = 0;
	FILE *steps = NULL;
	bool skip_stored = false;
	size_t skipped = 0;
	int ch, lock = -1, rc = EXIT_INTERNAL;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			rr.send_alerts = true;
			break;
		case 'S':
			steps_path = optarg;
			break;
		case 'k':
			skip_stored = true;
			break;
		default:
			return cmd_usage(&cmd_replay_entry, EXIT_USER);
		}
	}
	if (argc - optind != 1)
		return cmd_usage(&cmd_replay_entry, EXIT_USER);
	if ((c = cmd_load_conf(ctx)) == NULL)
		return EXIT_USER;
	if (replay_load(argv[optind], c, &rep, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		conf_free(c);
		return EXIT_USER;
	}
	if ((lock = statelock_take(c->state_dir, err, sizeof(err))) == -1) {
		fprintf(stderr, "slamon: replay: %s\n", err);
		rc = EXIT_USER;
		goto out;
	}
	switch (replay_stored(c, argv[optind], &rep, skip_stored, &skipped)) {
	case -1:
		goto out;
	case 1:
		rc = EXIT_USER;
		goto out;
	}
	if (rep.n == 0) {
		printf("replayed 0 rows: all %zu were before the stored data "
		       "(skipped)\n",
		    skipped);
		rc = EXIT_OK;
		goto out;
	}
	if (steps_path && (steps = fopen(steps_path, "w")) == NULL) {
		log_warn("%s", steps_path);
		goto out;
	}
	memset(&o, 0, sizeof(o));
	o.replay = true;
	o.steps = steps;
	o.notice = replay_notice_cb;
	o.log = replay_log_cb;
	o.arg = &rr;
	if (replay_notify_open(&rr, c) == -1)
		goto out;
	if ((p = pipeline_open(c, &o, rep.first, err, sizeof(err))) == NULL) {
		fprintf(stderr, "slamon: %s\n", err);
		goto out;
	}
	rr.pl = p;
	last = xcalloc(c->ntargets, sizeof(*last));
	for (size_t i = 0; i < rep.n; i++) {
		const struct replay_row *row = &rep.rows[i];

		engine_observe_at(p->engine, row->target, row->loc, row->t, row->ok,
		    isnan(row->latency_ms) ? NAN : (double)row->latency_ms,
		    replay_detail(&rep, row));
		last[row->target] = row->t;
	}
	/* the last row of each target counts for one interval */
	for (size_t i = 0; i < c->ntargets; i++) {
		time_t e;
		if (last[i] == 0)
			continue;
		e = last[i] + c->targets[i].t.interval;
		engine_close_target(p->engine, i, e);
		if (e > end)
			end = e;
	}
	free(last);
	replay_notify_drain(&rr);
	printf("replayed %zu rows, %s to %s: %lu steps written, %lu alerts, %lu "
	       "recoveries",
	    rep.n, tz_rfc3339(rep.first, a, sizeof(a)), tz_rfc3339(end, b, sizeof(b)),
	    p->steps_written, rr.alerts, rr.recoveries);
	if (skip_stored)
		printf(", %zu rows skipped (before the stored data)", skipped);
	printf("\n");
	/* no notice can come from here on: close notify first, the journal after */
	replay_notify_close(&rr);
	rc = EXIT_OK;
	/* steps rrdcached did not take yet: a one-shot command waits a little
	 * for it, then says plainly that they are lost rather than exit 0 */
	for (int i = 0; p->store && store_pending(p->store) > 0 && i < 20; i++) {
		struct timespec ts = {0, 500 * 1000 * 1000};
		if (store_retry(p->store) == 0)
			break;
		nanosleep(&ts, NULL);
	}
	if (p->store && store_pending(p->store) > 0) {
		fprintf(stderr,
		    "slamon: replay: %zu steps could not be stored (is "
		    "rrdcached running?) and are lost\n",
		    store_pending(p->store));
		rc = EXIT_INTERNAL;
	}
	pipeline_close(p, end);
out:
	replay_notify_close(&rr);
	if (steps && fclose(steps) != 0) {
		log_warn("%s", steps_path);
		rc = EXIT_INTERNAL;
	}
	replay_free(&rep);
	conf_free(c);
	statelock_release(lock);
	return rc;
}

const struct cmd_entry cmd_replay_entry = {
    .name = "replay",
    .usage = "[--send-alerts] [--skip-stored] [--steps FILE] FILE",
    .help = "Feed timestamped probe results (CSV: time,target,ok,latency_ms,detail)\n"
	    "through the pipeline of `slamon run`: state machine, classification,\n"
	    "RRD, journal and alert decisions, with the clock taken from the rows.\n"
	    "Alerts are recorded in the journal, not sent, unless --send-alerts.\n"
	    "--steps FILE also writes every 60 s step as CSV (target,end,up_s,\n"
	    "down_s,maint_s,unknown_s,latency_ms). A malformed row is reported as\n"
	    "FILE:LINE: field: message and nothing is written; so is a row before\n"
	    "the end of its target's stored data, unless --skip-stored, which\n"
	    "leaves such rows out and counts them.",
    .exec = cmd_replay_exec,
};
