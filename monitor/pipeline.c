/*
 * pipeline.c - wiring of journal, calendar, store and engine for run and replay.
 *
 * The engine asks "how much of [a, b) was announced maintenance for target
 * i" for every piece of every step. Targets to which the same windows apply
 * share one calendar index, so 100,000 targets under the same schedule cost
 * one index, not 100,000. Indexes cover a range around the times asked
 * about and are rebuilt when a question falls outside it.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "calendar.h"
#include "contract.h"
#include "journal.h"
#include "log.h"
#include "orphans.h"
#include "pipeline.h"
#include "store.h"
#include "tz.h"

#define IDX_BEFORE (2 * 86400)
#define IDX_AFTER (62 * 86400)
#define PIPELINE_REPLAY_BATCH 240 /* steps: four hours of a target */

static void
free_indexes(struct pipeline *p)
{
	for (size_t i = 0; i < p->nidx; i++) {
		cal_index_free(p->idx[i].idx);
		free(p->idx[i].key);
	}
	free(p->idx);
	free(p->tidx);
	p->idx = NULL;
	p->tidx = NULL;
	p->nidx = 0;
}

static void
build_indexes(struct pipeline *p, time_t from, time_t to)
{
	const struct conf *c = p->conf;
	size_t nw = calendar_nwindows(p->cal);
	char *key = xmalloc(nw + 1);

	free_indexes(p);
	p->tidx = xcalloc(c->ntargets ? c->ntargets : 1, sizeof(*p->tidx));
	for (size_t i = 0; i < c->ntargets; i++) {
		size_t k;

		for (size_t w = 0; w < nw; w++) {
			const struct cal_window *cw = calendar_window(p->cal, w);
			key[w] = conf_applies_to(
				     cw->applies, cw->napplies, &c->targets[i])
			    ? '1'
			    : '0';
		}
		key[nw] = '\0';
		for (k = 0; k < p->nidx; k++)
			if (strcmp(p->idx[k].key, key) == 0)
				break;
		if (k == p->nidx) {
			p->idx = xreallocarray(p->idx, p->nidx + 1, sizeof(*p->idx));
			p->idx[k].key = xstrdup(key);
			p->idx[k].idx = calendar_index(
			    p->cal, &c->targets[i], from, to);
			p->nidx++;
		}
		p->tidx[i] = k;
	}
	free(key);
	p->idx_from = from;
	p->idx_to = to;
}

static struct cal_index *
index_for(struct pipeline *p, size_t i, time_t a, time_t b)
{
	if (a < p->idx_from || b > p->idx_to)
		build_indexes(p, a - IDX_BEFORE, (b > a ? b : a) + IDX_AFTER);
	return p->idx[p->tidx[i]].idx;
}

static long
maint_overlap_cb(void *arg, size_t i, time_t a, time_t b)
{
	struct pipeline *p = arg;
	struct cal_index *x = index_for(p, i, a, b);

	return x ? cal_index_overlap(x, a, b) : 0;
}

static int
maint_next_cb(void *arg, size_t i, time_t t, time_t *s, time_t *e)
{
	struct pipeline *p = arg;
	struct cal_index *x = index_for(p, i, t, t);

	return x && cal_index_next(x, t, s, e) ? 0 : -1;
}

size_t
pipeline_windows(
    struct pipeline *p, size_t i, time_t a, time_t b, const char **names, size_t max)
{
	struct cal_index *x = index_for(p, i, a, b);

	return x ? cal_index_windows(x, a, b, names, max) : 0;
}

bool
pipeline_in_maint(struct pipeline *p, size_t i, time_t t)
{
	struct cal_index *x = index_for(p, i, t, t + 1);
	time_t until;

	return x && cal_index_in_maint(x, t, &until);
}

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
	if (p->store &&
	    store_update_slow(p->store, t->name, s->end, s->up_s, s->down_s, s->maint_s,
		s->latency_ms,
		contract_degraded_s(s->up_s, s->latency_ms, t->t.latency_slo_ms)) ==
		-1) {
		p->steps_failed++;
		return -1;
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

static off_t
journal_size(const struct conf *c)
{
	char path[4096];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/journal.jsonl", c->state_dir);
	return stat(path, &sb) == 0 ? sb.st_size : 0;
}

/* One location's own step of a target, in its own file <target>@<location>. */
static int
loc_step_cb(void *arg, const struct conf_target *t, const char *loc,
    const struct engine_step *s)
{
	struct pipeline *p = arg;
	char name[160];
	time_t last;

	if (p->store == NULL)
		return 0;
	snprintf(name, sizeof(name), "%s@%s", t->name, loc);
	if ((last = store_last(p->store, name)) == 0 &&
	    store_ensure(p->store, name, s->end) == -1)
		return -1;
	/* a step the location did not write (nothing of it was known at a
	 * stop) is a step without data, as for the target's own file */
	if (last > 0 && last < s->end - 60 &&
	    store_fill(p->store, name, s->end - 60, 0, 0, 0) == -1)
		return -1;
	return store_update(
	    p->store, name, s->end, s->up_s, s->down_s, s->maint_s, s->latency_ms);
}

/*
 * The last second target i is known to have been down before a restart into
 * its open outage: the journal's last record, or later, the end of the last
 * stored step that was down all through (an hour back at most). A step with
 * up time in it is not taken: an end the journal lost (a full disk) is not
 * turned into down time.
 */
static time_t
known_down(struct pipeline *p, size_t i, time_t from)
{
	const char *name = p->conf->targets[i].name;
	time_t known = p->journal_last > p->open_outage[i] ? p->journal_last
							   : p->open_outage[i];
	struct store_sums s;

	for (time_t e = from; p->store && e - STORE_STEP >= known && e > from - 3600;
	     e -= STORE_STEP) {
		if (store_sum(p->store, name, e - STORE_STEP, e, &s) == -1)
			break;
		if (s.steps == 1 && s.unknown_steps == 0 && s.up_s == 0 && s.down_s > 0)
			return e;
	}
	return known;
}

/*
 * Where target i's accounting starts, and its file. A file that cannot be
 * had (a full disk, not an RRD file, unreadable) is this target's trouble
 * alone: it is probed and journaled from now, and its steps wait in the
 * store until the file can be made (logged by the store). -1 then.
 */
static int
begin_target(struct pipeline *p, size_t i, time_t now)
{
	const struct conf_target *t = &p->conf->targets[i];
	time_t from = now, last = 0;
	int rc = 0;

	if (p->store) {
		last = store_last(p->store, t->name);
		if (last == 0 &&
		    store_ensure(p->store, t->name, now - now % 60 + 60) == -1)
			rc = -1;
		else if (last == 0)
			last = store_last(p->store, t->name);
		if (rc == 0 && last > 0 && store_ensure(p->store, t->name, last) == -1)
			rc = -1;
		/* replay refused (or skipped) its rows before `last` already
		 * (cmd-replay.c): the target resumes there */
		if (rc == 0 && last > 0)
			from = last;
	}
	engine_begin(p->engine, i, from, p->opts.aggregate && from < now ? from : now,
	    p->open_outage[i], p->alerted[i], NULL);
	if (p->open_outage[i])
		engine_resume_known(
		    p->engine, i, known_down(p, i, rc == 0 && last > 0 ? last : 0));
	return rc;
}

static int
load_calendar(struct pipeline *p, time_t now, char *err, size_t errlen)
{
	struct calendar *cal;

	if ((cal = calendar_load(p->conf, err, errlen)) == NULL)
		return -1;
	if (p->journal && calendar_record_rules(p->journal, cal, now) < 0) {
		snprintf(
		    err, errlen, "journal: rule_seen records could not be written");
		calendar_free(cal);
		return -1;
	}
	free_indexes(p);
	calendar_free(p->cal);
	p->cal = cal;
	p->journal_seen = journal_size(p->conf);
	build_indexes(p, now - IDX_BEFORE, now + IDX_AFTER);
	if (p->engine)
		engine_rearm(p->engine); /* deadlines against the new windows */
	return 0;
}

static void
journal_unwritable(struct pipeline *p, char *err, size_t errlen)
{
	snprintf(err, errlen,
	    "%s/journal.jsonl: cannot be written (%s); not starting, since "
	    "nothing could be recorded",
	    p->conf->state_dir, strerror(journal_errno(p->journal)));
}

struct pipeline *
pipeline_open(const struct conf *c, const struct pipeline_opts *o, time_t now,
    char *err, size_t errlen)
{
	struct pipeline *p = xcalloc(1, sizeof(*p));
	struct engine_hooks hooks = {step_cb, notice_cb, log_cb, p, loc_step_cb};
	struct engine_maint maint = {maint_overlap_cb, maint_next_cb, p};
	time_t last = 0;
	json_t *f;

	p->conf = c;
	p->opts = *o;
	p->open_outage = xcalloc(
	    c->ntargets ? c->ntargets : 1, sizeof(*p->open_outage));
	p->alerted = xcalloc(c->ntargets ? c->ntargets : 1, sizeof(*p->alerted));
	if (!o->dry_run) {
		if ((p->journal = journal_open(c->state_dir, err, errlen)) == NULL)
			goto fail;
		/* a journal that cannot be written stops the start, with one
		 * line said below (and no record of the attempt in it) */
		journal_set_quiet(p->journal, true);
		if (engine_recover(
			c->state_dir, c, p->open_outage, p->alerted, &last) == -1) {
			snprintf(err, errlen, "%s/journal.jsonl: cannot be read",
			    c->state_dir);
			goto fail;
		}
		if ((p->store = store_open(c->state_dir, c->rrdcached,
			 store_zone_granularity(now), err, errlen)) == NULL)
			goto fail;
		/* a replay writes months of steps at once: in batches (run keeps
		 * writing each step at its end) */
		if (o->replay)
			store_set_batch(p->store, PIPELINE_REPLAY_BATCH);
	}
	if (load_calendar(p, now, err, errlen) == -1) {
		if (p->journal && journal_pending(p->journal) > 0)
			journal_unwritable(p, err, errlen);
		goto fail;
	}
	p->engine = engine_new(c, p->journal, &maint, &hooks);
	if (p->opts.one_location)
		engine_one_location(p->engine);
	p->journal_last = last;
	if (p->journal) {
		f = json_object();
		json_object_set_new(
		    f, "mode", json_string(o->replay ? "replay" : "run"));
		if (last)
			json_object_set_new(f, "previous_record", journal_time(last));
		if (journal_append(p->journal, now, "monitor_start", f) == -1) {
			journal_unwritable(p, err, errlen);
			goto fail;
		}
	}
	/* outages the journal has open for targets no longer configured
	 * (removed while the monitor was stopped): closed, not left open */
	if (p->journal)
		orphans_close(p->journal, c, last, now);
	for (size_t i = 0; i < c->ntargets; i++)
		begin_target(p, i, now); /* a file that fails: that target's own */
	if (p->journal)
		journal_set_quiet(p->journal, false);
	return p;
fail:
	if (p->journal)
		journal_discard(p->journal);
	engine_free(p->engine);
	free_indexes(p);
	calendar_free(p->cal);
	store_close(p->store);
	journal_close(p->journal);
	free(p->open_outage);
	free(p->alerted);
	free(p);
	return NULL;
}

int
pipeline_reload(
    struct pipeline *p, const struct conf *c, time_t now, char *err, size_t errlen)
{
	struct calendar *cal;
	const struct conf *old = p->conf;
	time_t last;

	/* the new calendar first: if it cannot be had, nothing changes */
	if ((cal = calendar_load(c, err, errlen)) == NULL)
		return -1;
	if (p->journal)
		calendar_record_rules(p->journal, cal, now);
	/* removed targets are closed against the old indexes */
	engine_reload(p->engine, c, now);
	free_indexes(p);
	calendar_free(p->cal);
	p->cal = cal;
	p->conf = c;
	p->journal_seen = journal_size(c);
	build_indexes(p, now - IDX_BEFORE, now + IDX_AFTER);
	/* engine_reload saw the old calendar: deadlines against the new one */
	engine_rearm(p->engine);
	free(p->open_outage);
	free(p->alerted);
	p->open_outage = xcalloc(
	    c->ntargets ? c->ntargets : 1, sizeof(*p->open_outage));
	p->alerted = xcalloc(c->ntargets ? c->ntargets : 1, sizeof(*p->alerted));
	/* a target added back continues the outage the journal has open for
	 * it, as after a restart */
	if (p->journal &&
	    engine_recover(c->state_dir, c, p->open_outage, p->alerted, &last) == -1)
		log_warnx("reload: %s/journal.jsonl could not be read; added targets "
			  "start without their open outages",
		    c->state_dir);
	else
		p->journal_last = last;
	for (size_t i = 0; i < c->ntargets; i++)
		if (!engine_begun(p->engine, i) && begin_target(p, i, now) == -1)
			log_warnx("%s: its steps wait until its RRD file can be "
				  "used",
			    c->targets[i].name);
	(void)old;
	return 0;
}

int
pipeline_reload_calendar(struct pipeline *p, time_t now)
{
	char err[1024];

	if (load_calendar(p, now, err, sizeof(err)) == -1) {
		log_warnx("calendar not reloaded: %s", err);
		return -1;
	}
	return 0;
}

int
pipeline_refresh_calendar(struct pipeline *p, time_t now)
{
	char err[1024];
	off_t size = journal_size(p->conf);

	if (size == p->journal_seen)
		return 0;
	if (load_calendar(p, now, err, sizeof(err)) == -1) {
		log_warnx("calendar not reloaded: %s", err);
		return -1;
	}
	return 1;
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
	free_indexes(p);
	calendar_free(p->cal);
	store_close(p->store);
	journal_close(p->journal);
	free(p->open_outage);
	free(p->alerted);
	free(p);
}
