/*
 * pipeline.c - wiring of journal, calendar, store and engine for run and replay.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "journal.h"
#include "log.h"
#include "pipeline.h"

static int
step_cb(void *arg, const struct conf_target *t, const struct engine_step *s)
{
	struct pipeline *p = arg;

	if (p->opts.steps) {
		if (isnan(s->latency_ms))
			fprintf(p->opts.steps, "%s,%lld,%d,%d,%d,%d,\n", t->name,
			    (long long)s->end, s->up_s, s->down_s, s->maint_s,
			    s->unknown_s);
		else
			fprintf(p->opts.steps, "%s,%lld,%d,%d,%d,%d,%.3f\n", t->name,
			    (long long)s->end, s->up_s, s->down_s, s->maint_s,
			    s->unknown_s, s->latency_ms);
	}
	p->steps_written++;
	return 0;
}

static void
notice_cb(void *arg, const struct engine_notice *n)
{
	struct pipeline *p = arg;

	if (p->opts.notice)
		p->opts.notice(p->opts.arg, n);
}

static void
log_cb(void *arg, const struct conf_target *t, const char *msg)
{
	struct pipeline *p = arg;

	if (p->opts.log)
		p->opts.log(p->opts.arg, t, msg);
	else
		log_info("%s: %s", t->name, msg);
}

struct pipeline *
pipeline_open(const struct conf *c, const struct pipeline_opts *o, time_t now,
    char *err, size_t errlen)
{
	struct pipeline *p = xcalloc(1, sizeof(*p));
	struct engine_hooks hooks = {step_cb, notice_cb, log_cb, p};
	time_t last = 0;

	p->conf = c;
	p->opts = *o;
	p->open_outage = xcalloc(c->ntargets, sizeof(*p->open_outage));
	p->alerted = xcalloc(c->ntargets, sizeof(*p->alerted));
	if (!o->dry_run) {
		if ((p->journal = journal_open(c->state_dir, err, errlen)) == NULL)
			goto fail;
		if (engine_recover(c->state_dir, c, p->open_outage, p->alerted,
		    &last) == -1) {
			snprintf(err, errlen, "%s/journal.jsonl: cannot be read",
			    c->state_dir);
			goto fail;
		}
	}
	p->engine = engine_new(c, p->journal, NULL, &hooks);
	if (p->journal) {
		json_t *f = json_object();
		json_object_set_new(f, "mode", json_string(o->replay ? "replay" : "run"));
		journal_append(p->journal, now, "monitor_start", f);
	}
	for (size_t i = 0; i < c->ntargets; i++)
		pipeline_begin_target(p, i, now);
	return p;
fail:
	journal_close(p->journal);
	free(p->open_outage);
	free(p->alerted);
	free(p);
	return NULL;
}

void
pipeline_begin_target(struct pipeline *p, size_t i, time_t now)
{
	time_t from = now;

	engine_begin(p->engine, i, from, now, p->open_outage[i], p->alerted[i], NULL);
}

void
pipeline_close(struct pipeline *p, time_t now)
{
	if (p == NULL)
		return;
	engine_close(p->engine, now);
	if (p->journal)
		journal_append(p->journal, now, "monitor_stop", NULL);
	engine_free(p->engine);
	journal_close(p->journal);
	free(p->open_outage);
	free(p->alerted);
	free(p);
}
