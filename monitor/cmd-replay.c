/*
 * cmd-replay.c - `slamon replay FILE`: timestamped probe results through the
 * pipeline of `run`, with the clock taken from the rows.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "log.h"
#include "pipeline.h"
#include "replay.h"
#include "tz.h"

struct replay_run {
	bool verbose;
	bool send_alerts;
	unsigned long alerts, recoveries;
};

static void
replay_notice_cb(void *arg, const struct engine_notice *n)
{
	struct replay_run *r = arg;

	if (n->kind == ENGINE_RECOVERY)
		r->recoveries++;
	else
		r->alerts++;
}

static void
replay_log_cb(void *arg, const struct conf_target *t, const char *msg)
{
	struct replay_run *r = arg;

	if (r->verbose)
		fprintf(stderr, "%s: %s\n", t->name, msg);
}

static int
cmd_replay_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"send-alerts", no_argument, NULL, 'a'},
		{"steps", required_argument, NULL, 'S'},
		{NULL, 0, NULL, 0},
	};
	struct replay_run rr = {ctx->verbose != 0, false, 0, 0};
	struct pipeline_opts o;
	struct pipeline *p;
	struct replay rep;
	struct conf *c;
	const char *steps_path = NULL;
	char err[1024], a[TZ_RFC3339_LEN], b[TZ_RFC3339_LEN];
	time_t *last;
	time_t end = 0;
	FILE *steps = NULL;
	int ch, rc = EXIT_INTERNAL;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			rr.send_alerts = true;
			break;
		case 'S':
			steps_path = optarg;
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
	if ((p = pipeline_open(c, &o, rep.first, err, sizeof(err))) == NULL) {
		fprintf(stderr, "slamon: %s\n", err);
		goto out;
	}
	last = xcalloc(c->ntargets, sizeof(*last));
	for (size_t i = 0; i < rep.n; i++) {
		const struct replay_row *row = &rep.rows[i];

		engine_observe(p->engine, row->target, row->t, row->ok,
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
	printf("replayed %zu rows, %s to %s: %lu steps written, %lu alerts, %lu "
	    "recoveries\n", rep.n, tz_rfc3339(rep.first, a, sizeof(a)),
	    tz_rfc3339(end, b, sizeof(b)), p->steps_written, rr.alerts, rr.recoveries);
	pipeline_close(p, end);
	rc = EXIT_OK;
out:
	if (steps && fclose(steps) != 0) {
		log_warn("%s", steps_path);
		rc = EXIT_INTERNAL;
	}
	replay_free(&rep);
	conf_free(c);
	return rc;
}

const struct cmd_entry cmd_replay_entry = {
	.name = "replay",
	.usage = "[--send-alerts] [--steps FILE] FILE",
	.help = "Feed timestamped probe results (CSV: time,target,ok,latency_ms,detail)\n"
	    "through the pipeline of `slamon run`: state machine, classification,\n"
	    "RRD, journal and alert decisions, with the clock taken from the rows.\n"
	    "Alerts are recorded in the journal, not sent, unless --send-alerts.\n"
	    "--steps FILE also writes every 60 s step as CSV (target,end,up_s,\n"
	    "down_s,maint_s,unknown_s,latency_ms). A malformed row is reported as\n"
	    "FILE:LINE: field: message and nothing is written.",
	.exec = cmd_replay_exec,
};
