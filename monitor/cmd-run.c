/*
 * cmd-run.c - `slamon run [--dry-run]`: the daemon in the foreground.
 *
 * The shell around the pure core: the event base, signals (SIGHUP reloads,
 * SIGTERM/SIGINT stop), the prober feeding the pipeline (engine, calendar,
 * store, journal), a timer for what is due (alert deadlines, settled steps,
 * storage retries, announcements made meanwhile), the step writer (a slice
 * of store writes per loop turn), and alert delivery.
 */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <event2/event.h>

#include "admin.h"
#include "alloc.h"
#include "alerting.h"
#include "cluster-agg.h"
#include "cluster.h"
#include "cmd.h"
#include "fdlimit.h"
#include "httpd.h"
#include "ics-fetch.h"
#include "journal.h"
#include "log.h"
#include "mclock.h"
#include "notify.h"
#include "pipeline.h"
#include "prober.h"
#include "sdnotify.h"
#include "store.h"
#include "statelock.h"
#include "tz.h"

#define RUN_TICK 5	      /* seconds between looks at what is due */
#define RUN_CALENDAR_EVERY 30 /* seconds between looks for new announcements */
#define RUN_FLUSH_SLICE 0.002 /* seconds of step writes per loop turn */
#define RUN_TRIM_AFTER 2      /* seconds without a step write: the round is written */

struct run_ctx {
	struct cmd_ctx *cmd;
	struct conf *conf;
	struct event_base *base;
	struct prober *prober;
	struct pipeline *pl;
	struct notify *notify;
	struct httpd *httpd;   /* NULL when listen is "" */
	struct admin *admin;   /* NULL when admin_listen is "" */
	struct ics_fetch *ics; /* NULL without maintenance.ics entries */
	struct event *sighup, *sigterm, *sigint, *tick;
	/* the tick is armed for the alert deadline tick_due, or earlier */
	bool tick_armed;
	time_t tick_due;
	struct event *flush; /* writes queued steps, a slice per loop turn */
	struct event *trim;  /* gives the heap's free pages back after a round */
	time_t last_calendar;
	struct mclock clock;	  /* wall time advancing with the monotonic clock */
	struct run_start *starts; /* per target: its run in flight */
	size_t nstarts;
	bool dry_run;
	bool stopping; /* deliveries abandoned now are resent at the next start */
	struct cluster *cluster; /* several locations (design.md 9), or NULL */
	bool aggregating;	 /* the engine is fed from the stream */
	struct cluster_agg agg;
	struct sdnotify *sd;
};

/* The prober stamps a run with the system clock; the monitor's is kept here. */
struct run_start {
	time_t wall, mon;
};

static void run_schedule(struct run_ctx *);
static void run_flush_kick(struct run_ctx *);

/*
 * Every time the pipeline is given comes from the monitor's clock
 * (mclock.h): durations, deadlines and steps follow the monotonic clock,
 * and a step of the system clock is seen and handled at the next tick.
 */
static time_t
run_clock(struct run_ctx *ctx)
{
	return (time_t)floor(mclock_at(&ctx->clock, mclock_mono_now()));
}

static time_t
run_clock_cb(void *arg)
{
	return run_clock(arg);
}

static void
run_check_clock(struct run_ctx *ctx)
{
	char a[TZ_RFC3339_LEN], b[TZ_RFC3339_LEN];
	time_t from, to;

	switch (mclock_check(
	    &ctx->clock, mclock_wall_now(), mclock_mono_now(), &from, &to)) {
	case MCLOCK_FORWARD:
		log_warnx("the system clock jumped %llds forward (%s to %s): those "
			  "seconds are unknown for every target; outages and alert "
			  "deadlines follow the monotonic clock",
		    (long long)(to - from), tz_rfc3339(from, a, sizeof(a)),
		    tz_rfc3339(to, b, sizeof(b)));
		/* an aggregating engine is on the time of the results it reads */
		if (!ctx->aggregating)
			engine_clock_jump(ctx->pl->engine, from, to);
		run_flush_kick(ctx);
		break;
	case MCLOCK_BACKWARD:
		log_warnx("the system clock jumped %llds back (%s to %s): slamon "
			  "keeps its own time, %.0fs ahead of it, so that no second is "
			  "recorded twice, until it is restarted",
		    (long long)(from - to), tz_rfc3339(from, a, sizeof(a)),
		    tz_rfc3339(to, b, sizeof(b)), ctx->clock.ahead);
		break;
	case MCLOCK_STEADY:
		break;
	}
}

static void
run_starts_reset(struct run_ctx *ctx)
{
	free(ctx->starts);
	ctx->nstarts = ctx->conf->ntargets;
	ctx->starts = xcalloc(ctx->nstarts ? ctx->nstarts : 1, sizeof(*ctx->starts));
}

/* What the status page and the API read; again after a reload or a new calendar. */
static void
run_httpd_source(struct run_ctx *ctx, struct httpd_source *src)
{
	memset(src, 0, sizeof(*src));
	src->conf = ctx->conf;
	src->engine = ctx->pl->engine;
	src->cal = ctx->pl->cal;
	src->store = ctx->pl->store;
	src->notify = ctx->notify;
	src->cluster = ctx->cluster;
	src->prober = ctx->prober;
	src->now = run_clock_cb;
	src->arg = ctx;
}

static const struct calendar *
run_admin_calendar(void *arg)
{
	struct run_ctx *ctx = arg;

	return ctx->pl->cal;
}

static void run_httpd_update(struct run_ctx *);
static void run_schedule(struct run_ctx *);

/* An announcement made or cancelled over the admin API: seen at once, and
 * the alert deadlines it moves armed now, not at the next tick. */
static void
run_admin_changed(void *arg, time_t now)
{
	struct run_ctx *ctx = arg;

	if (pipeline_refresh_calendar(ctx->pl, now) > 0)
		run_httpd_update(ctx);
	run_schedule(ctx);
}

static void
run_admin_source(struct run_ctx *ctx, struct admin_source *src)
{
	memset(src, 0, sizeof(*src));
	src->conf = ctx->conf;
	src->journal = ctx->pl->journal;
	src->calendar = run_admin_calendar;
	src->changed = run_admin_changed;
	src->arg = ctx;
}

static void
run_httpd_update(struct run_ctx *ctx)
{
	struct httpd_source src;

	if (ctx->httpd == NULL)
		return;
	run_httpd_source(ctx, &src);
	httpd_set_source(ctx->httpd, &src);
}

static int
max_timeout(const struct conf *c)
{
	int m = 0;

	for (size_t i = 0; i < c->ntargets; i++)
		if (c->targets[i].t.timeout > m)
			m = c->targets[i].t.timeout;
	return m;
}

/*
 * The HTTP server gets what the probes leave (fdlimit.c): at most
 * max_inflight probes run at once (prober.c), each with up to
 * FDLIMIT_PER_PROBE descriptors.
 */
static void
run_fd_budget(struct run_ctx *ctx, long limit)
{
	long open = fdlimit_open_now();
	long inflight = ctx->conf->max_inflight > 0 ? ctx->conf->max_inflight
						    : (long)prober_max_inflight_auto();
	long probes = (long)ctx->conf->ntargets < inflight ? (long)ctx->conf->ntargets
							   : inflight;
	long budget = fdlimit_http_budget(limit, open, (size_t)probes);
	long need = FDLIMIT_BASE + FDLIMIT_PER_PROBE * probes;
	long cap = httpd_cap_connections(ctx->httpd, budget);

	if (limit - open < need)
		log_warnx("open files: %ld descriptors are not enough for %ld probes "
			  "at once (about %ld wanted); probes that find none are "
			  "monitor faults, their time unknown",
		    limit, probes, need + open);
	log_info("open files: %ld in use, %ld kept for probing, at most %ld for "
		 "the status page",
	    open, need, cap);
}

static bool
run_result_cb(void *arg, const struct conf_target *t, void **tdata, time_t start,
    const struct probe_result *res)
{
	struct run_ctx *ctx = arg;
	size_t i = (size_t)(t - ctx->conf->targets);
	bool ok = res->reason == PROBE_OK;

	(void)tdata;
	if (i >= ctx->conf->ntargets)
		return false; /* a result of a configuration that is gone */
	/* the run's start on the monitor's clock */
	if (i < ctx->nstarts && ctx->starts[i].wall == start)
		start = ctx->starts[i].mon;
	else
		start += run_clock(ctx) - (time_t)floor(mclock_wall_now());
	httpd_observe(ctx->httpd, i, res);
	if (probe_local(res->reason)) {
		/* this host failed, not the target: its time is unknown, never
		 * down. In a cluster it is not published: a location that cannot
		 * probe is silent, which design.md 9 counts as unknown. */
		if (!ctx->aggregating) {
			engine_observe_fault(ctx->pl->engine, i, start, res->text);
			run_flush_kick(ctx);
		}
		return engine_suspect(ctx->pl->engine, i);
	}
	if (ctx->cluster) {
		struct cluster_result r;

		memset(&r, 0, sizeof(r));
		snprintf(r.loc, sizeof(r.loc), "%s", ctx->conf->cluster.location);
		snprintf(r.target, sizeof(r.target), "%s", t->name);
		r.t = start;
		r.ok = ok;
		r.latency_ms = res->latency_ms >= 0 ? res->latency_ms : NAN;
		snprintf(r.detail, sizeof(r.detail), "%s", res->text);
		cluster_publish(ctx->cluster, &r);
		if (ctx->aggregating) {
			/* it comes back through the stream, with the others */
			if (!ok)
				log_debug("%s: failing here (%s)", t->name, res->text);
			return engine_suspect(ctx->pl->engine, i);
		}
	}
	engine_observe(ctx->pl->engine, i, start, ok,
	    res->latency_ms >= 0 ? res->latency_ms : NAN, res->text);
	run_flush_kick(ctx); /* a step it settled */
	if (!ok && engine_suspect(ctx->pl->engine, i))
		log_info("%s: failing, not yet confirmed (%s)", t->name, res->text);
	run_schedule(ctx); /* an outage may have brought an alert deadline */
	return engine_suspect(ctx->pl->engine, i);
}

static void
run_start_cb(void *arg, const struct conf_target *t, time_t start)
{
	struct run_ctx *ctx = arg;
	size_t i = (size_t)(t - ctx->conf->targets);

	if (i >= ctx->conf->ntargets)
		return;
	if (i < ctx->nstarts) {
		ctx->starts[i].wall = start;
		start = ctx->starts[i].mon = run_clock(ctx);
	}
	if (!ctx->aggregating)
		engine_probe_started(ctx->pl->engine, i, start);
}

/* A result from the stream (an aggregating node), on the loop. */
static void
run_cluster_result_cb(
    void *arg, const struct cluster_result *r, void *ack, uint64_t seq)
{
	struct run_ctx *ctx = arg;

	cluster_agg_result(&ctx->agg, r, ack, seq);
	run_flush_kick(ctx);
	run_schedule(ctx);
}

/* The engine's clock: while a backlog is read, the time of its results. */
static time_t
run_now(struct run_ctx *ctx, time_t now)
{
	struct cluster_stats st;

	if (!ctx->aggregating)
		return now;
	cluster_stats(ctx->cluster, &st);
	return cluster_agg_now(&ctx->agg, now, st.caught_up);
}

static void
run_drop_cb(void *arg, const char *name, void *tdata)
{
	/* the engine keeps per-target state; nothing hangs off the prober */
	(void)arg;
	(void)name;
	(void)tdata;
}

static void
run_notice_cb(void *arg, const struct engine_notice *n)
{
	struct run_ctx *ctx = arg;

	if (ctx->notify)
		alerting_send(ctx->notify, ctx->pl, n);
}

/* Every attempt that failed, and every final outcome, goes to the journal. */
static void
run_delivery_cb(void *arg, const struct notify_msg *m, const struct conf_alert *ch,
    int attempt, bool delivered, bool final, const char *error)
{
	struct run_ctx *ctx = arg;

	alerting_journal(ctx->pl ? ctx->pl->journal : NULL, run_clock(ctx), m, ch,
	    attempt, delivered, final, error, ctx->stopping);
}

/* An outage and its alert are what an operator filters the journal for:
 * warnings; the rest of the engine's story (UP, recoveries) is info. */
static void
run_log_cb(void *arg, const struct conf_target *t, const char *msg)
{
	(void)arg;
	if (strncmp(msg, "DOWN ", 5) == 0 || strncmp(msg, "ALERT:", 6) == 0)
		log_warnx("%s: %s", t->name, msg);
	else
		log_info("%s: %s", t->name, msg);
}

static void
run_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct run_ctx *ctx = arg;
	time_t now;

	(void)fd;
	(void)what;
	ctx->tick_armed = false;
	run_check_clock(ctx);
	now = run_clock(ctx);
	if (now - ctx->last_calendar >= RUN_CALENDAR_EVERY) {
		ctx->last_calendar = now;
		if (pipeline_refresh_calendar(ctx->pl, now) > 0) {
			log_info(
			    "calendar reloaded (new announcements in the journal)");
			run_httpd_update(ctx);
		}
	}
	{
		time_t t = run_now(ctx, now);

		if (t != 0) /* 0: an aggregator before its first delivery */
			engine_advance(ctx->pl->engine, t);
	}
	if (ctx->pl->journal)
		journal_retry(
		    ctx->pl->journal); /* records kept while the disk was full */
	if (ctx->pl->store) {
		store_requeue(ctx->pl->store); /* writes that failed: again */
		run_flush_kick(ctx);
	}
	if (ctx->aggregating)
		cluster_agg_settle(&ctx->agg);
	run_schedule(ctx);
}

/*
 * Steps are written from here, a slice per loop turn, not in the callback
 * that settled them: at a minute boundary the steps of every target are
 * due at once, one rrdcached round trip (or file update) each, and written
 * in one go they held the probe starts due meanwhile back by up to 0.7 s.
 */
static void
run_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	static const struct timeval trim_after = {RUN_TRIM_AFTER, 0};
	struct run_ctx *ctx = arg;

	(void)fd;
	(void)what;
	if (store_flush_some(ctx->pl->store, RUN_FLUSH_SLICE))
		run_flush_kick(ctx);
	else {
		if (ctx->aggregating) /* what was just written: acked */
			cluster_agg_settle(&ctx->agg);
		/* the steps of this round are all stored: reports are stale */
		httpd_data_changed(ctx->httpd);
		/* once the round is written (no drain for RUN_TRIM_AFTER s;
		 * the steps of a minute drain hundreds of times a second) */
		evtimer_add(ctx->trim, &trim_after);
	}
}

/*
 * The round's queues are freed: their pages go back to the system rather
 * than stay resident as holes between the targets' records (about 100
 * bytes a target at 10,000 with rrdcached), as after loading.
 */
static void
run_trim_cb(evutil_socket_t fd, short what, void *arg)
{
	double t0 = probe_mono_ms();

	(void)fd;
	(void)what;
	(void)arg;
	alloc_trim();
	log_debug("store: the round is written; free pages given back in %.1f ms",
	    probe_mono_ms() - t0);
}

static void
run_flush_kick(struct run_ctx *ctx)
{
	static const struct timeval now = {0, 0};

	if (ctx->flush != NULL && !evtimer_pending(ctx->flush, NULL) &&
	    store_flush_due(ctx->pl->store))
		evtimer_add(ctx->flush, &now);
}

/* The next tick: at the next alert deadline, or in RUN_TICK seconds. */
static void
run_schedule(struct run_ctx *ctx)
{
	time_t due = engine_next_due(ctx->pl->engine);
	struct timeval now, tv = {RUN_TICK, 0};
	double mon;

	/* called after every result: nothing to do while the deadline is the
	 * one the armed tick was set for */
	if (ctx->tick_armed && due == ctx->tick_due)
		return;
	ctx->tick_armed = true;
	ctx->tick_due = due;
	mon = mclock_at(&ctx->clock, mclock_mono_now());
	now.tv_sec = (time_t)floor(mon);
	now.tv_usec = (suseconds_t)((mon - floor(mon)) * 1e6);
	/* at the deadline's second exactly, not up to a second after it */
	if (due && due - now.tv_sec < RUN_TICK) {
		if (due > now.tv_sec) {
			tv.tv_sec = due - now.tv_sec - 1;
			tv.tv_usec = 1000000 - now.tv_usec;
			if (tv.tv_usec >= 1000000) {
				tv.tv_sec++;
				tv.tv_usec -= 1000000;
			}
		} else
			tv.tv_sec = 0;
	}
	if (evtimer_pending(ctx->tick, NULL)) {
		struct timeval left, nowtv;
		/* keep an earlier tick that is already armed */
		evtimer_pending(ctx->tick, &left);
		event_base_gettimeofday_cached(ctx->base, &nowtv);
		if (timercmp(&left, &nowtv, >)) {
			struct timeval rem;
			timersub(&left, &nowtv, &rem);
			if (timercmp(&rem, &tv, <))
				return;
		}
	}
	evtimer_add(ctx->tick, &tv);
}

/* A round of calendar subscriptions is done: read the calendar again. */
static void
run_ics_cb(void *arg, bool changed)
{
	struct run_ctx *ctx = arg;

	if (pipeline_reload_calendar(ctx->pl, run_clock(ctx)) == 0) {
		if (changed)
			log_info("calendar reloaded (a subscribed calendar changed)");
		run_httpd_update(ctx);
		run_schedule(ctx);
	}
}

static void
run_reload(struct run_ctx *ctx)
{
	struct conf *nc;
	char err[1024];

	log_info("SIGHUP: reloading %s", ctx->cmd->conf_path);
	if ((nc = conf_load(ctx->cmd->conf_path, err, sizeof(err))) == NULL) {
		log_warnx(
		    "reload rejected, the old configuration keeps running: %s", err);
		tz_set(ctx->conf->timezone);
		return;
	}
	if (strcmp(nc->state_dir, ctx->conf->state_dir) != 0 ||
	    strcmp(nc->timezone, ctx->conf->timezone) != 0 ||
	    strcmp(nc->rrdcached, ctx->conf->rrdcached) != 0 ||
	    strcmp(nc->listen, ctx->conf->listen) != 0 ||
	    strcmp(nc->admin_listen, ctx->conf->admin_listen) != 0)
		log_warnx(
		    "reload: state_dir, timezone, rrdcached, listen and admin_listen "
		    "change only with a restart; the old values stay");
	/* keep what cannot change under a running daemon */
	free(nc->state_dir);
	nc->state_dir = xstrdup(ctx->conf->state_dir);
	free(nc->timezone);
	nc->timezone = xstrdup(ctx->conf->timezone);
	free(nc->rrdcached);
	nc->rrdcached = xstrdup(ctx->conf->rrdcached);
	free(nc->listen);
	nc->listen = xstrdup(ctx->conf->listen);
	free(nc->admin_listen);
	nc->admin_listen = xstrdup(ctx->conf->admin_listen);
	/* the locations index every target's state machines, the stream and
	 * the consumer are this process's: the cluster changes with a restart */
	if (!conf_cluster_equal(&nc->cluster, &ctx->conf->cluster)) {
		log_warnx("reload: the cluster group changes only with a restart; "
			  "the old one stays");
		conf_cluster_copy(&nc->cluster, &ctx->conf->cluster);
	}
	/* the server's bounds and descriptor budget were set up at start */
	if (memcmp(&nc->http, &ctx->conf->http, sizeof(nc->http)) != 0)
		log_warnx("reload: the http_* settings change only with a restart; "
			  "the old values stay");
	nc->http = ctx->conf->http;
	tz_set(nc->timezone);
	if (pipeline_reload(ctx->pl, nc, run_clock(ctx), err, sizeof(err)) == -1) {
		log_warnx(
		    "reload rejected, the old configuration keeps running: %s", err);
		conf_free(nc);
		return;
	}
	if (ctx->prober)
		prober_reload(ctx->prober, nc);
	if (ctx->aggregating)
		cluster_agg_reload(&ctx->agg, ctx->conf, nc);
	if (ctx->notify)
		notify_reload(ctx->notify, nc);
	if (ctx->ics)
		ics_fetch_reload(ctx->ics, nc);
	else
		ctx->ics = ics_fetch_new(ctx->base, nc, run_ics_cb, ctx);
	conf_free(ctx->conf);
	ctx->conf = nc;
	run_starts_reset(ctx);
	run_httpd_update(ctx);
	if (ctx->admin) {
		struct admin_source asrc;

		run_admin_source(ctx, &asrc); /* new tokens, too */
		admin_set_source(ctx->admin, &asrc);
	}
	alloc_trim(); /* the old configuration and the new one's parse tree */
	log_info("reloaded: %zu targets", nc->ntargets);
	run_schedule(ctx);
}

/* systemd hears of a reload from its start to its end, kept or rejected */
static void
run_sighup_cb(evutil_socket_t sig, short what, void *arg)
{
	struct run_ctx *ctx = arg;
	char status[64];

	(void)sig;
	(void)what;
	sdnotify_reloading(ctx->sd);
	run_reload(ctx);
	snprintf(status, sizeof(status), "probing %zu targets", ctx->conf->ntargets);
	sdnotify_ready(ctx->sd, status);
}

static void
run_sigterm_cb(evutil_socket_t sig, short what, void *arg)
{
	struct run_ctx *ctx = arg;

	(void)what;
	sdnotify_stopping(ctx->sd);
	log_info("%s: stopping", strsignal((int)sig));
	event_base_loopbreak(ctx->base);
}

static void
run_ctx_free(struct run_ctx *ctx)
{
	prober_free(ctx->prober);
	ctx->prober = NULL;
	admin_free(ctx->admin);
	ctx->admin = NULL;
	/* results delivered but not stored stay unacknowledged: the next
	 * start reads them again from the resume point */
	if (ctx->aggregating && ctx->pl)
		cluster_agg_settle(&ctx->agg);
	cluster_agg_free(&ctx->agg);
	cluster_free(ctx->cluster);
	ctx->cluster = NULL;
	httpd_free(ctx->httpd);
	ctx->httpd = NULL;
	ics_fetch_free(ctx->ics);
	ctx->ics = NULL;
	/* pending deliveries are abandoned, and journaled as such, first */
	ctx->stopping = true;
	notify_free(ctx->notify);
	ctx->notify = NULL;
	pipeline_close(ctx->pl, run_clock(ctx));
	ctx->pl = NULL;
	if (ctx->tick)
		event_free(ctx->tick);
	if (ctx->flush)
		event_free(ctx->flush);
	if (ctx->trim)
		event_free(ctx->trim);
	if (ctx->sighup)
		event_free(ctx->sighup);
	if (ctx->sigterm)
		event_free(ctx->sigterm);
	if (ctx->sigint)
		event_free(ctx->sigint);
	if (ctx->base)
		event_base_free(ctx->base);
	free(ctx->starts);
	conf_free(ctx->conf);
}

static int
cmd_run_exec(struct cmd_ctx *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"dry-run", no_argument, NULL, 'n'},
	    {NULL, 0, NULL, 0},
	};
	struct run_ctx ctx = {.cmd = cmd};
	struct event_config *cfg = NULL;
	struct pipeline_opts o;
	char err[1024];
	int ch, lock = -1, rc = EXIT_INTERNAL;
	long fd_limit;

	while ((ch = getopt_long(argc, argv, "n", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			ctx.dry_run = true;
			break;
		default:
			return cmd_usage(&cmd_run_entry, EXIT_USER);
		}
	}
	if (optind != argc)
		return cmd_usage(&cmd_run_entry, EXIT_USER);
	if ((ctx.conf = cmd_load_conf(cmd)) == NULL)
		return EXIT_USER;
	if (ctx.conf->cluster.enabled && ctx.conf->cluster.nats == NULL) {
		fprintf(stderr,
		    "slamon: %s:%d: cluster.nats: `run` with a cluster needs the "
		    "NATS servers (replay applies the quorum without them)\n",
		    ctx.conf->path, ctx.conf->cluster.line);
		conf_free(ctx.conf);
		return EXIT_USER;
	}
	ctx.aggregating = ctx.conf->cluster.enabled &&
	    ctx.conf->cluster.role != CONF_ROLE_PROBE;
	/* one writer per state_dir; a dry run writes nothing there */
	if (!ctx.dry_run &&
	    (lock = statelock_take(ctx.conf->state_dir, err, sizeof(err))) == -1) {
		log_warnx("%s", err);
		conf_free(ctx.conf);
		return EXIT_USER;
	}
	tz_set(ctx.conf->timezone);
	fd_limit = fdlimit_raise();
	signal(SIGPIPE, SIG_IGN);
	/* The default coarse clock would blur start times by a few ms. The
	 * changelist folds a socket's event_del + event_add of one loop turn
	 * (libcurl asks for "write" while connecting, then "read") into one
	 * epoll_ctl: a system call less a probe (bench/README.md, "Overload").
	 * It is safe because no descriptor given to the loop is ever dup()ed
	 * (libevent's condition); the one child the daemon forks (httpd-job.c)
	 * closes what it inherited before it does anything else. */
	if ((cfg = event_config_new()) == NULL ||
	    event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER) == -1 ||
	    event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST) == -1 ||
	    (ctx.base = event_base_new_with_config(cfg)) == NULL) {
		log_warnx("cannot create the event loop");
		goto fail;
	}
	if ((ctx.sighup = evsignal_new(ctx.base, SIGHUP, run_sighup_cb, &ctx)) ==
		NULL ||
	    (ctx.sigterm = evsignal_new(ctx.base, SIGTERM, run_sigterm_cb, &ctx)) ==
		NULL ||
	    (ctx.sigint = evsignal_new(ctx.base, SIGINT, run_sigterm_cb, &ctx)) ==
		NULL ||
	    (ctx.tick = evtimer_new(ctx.base, run_tick_cb, &ctx)) == NULL ||
	    evsignal_add(ctx.sighup, NULL) == -1 ||
	    evsignal_add(ctx.sigterm, NULL) == -1 ||
	    evsignal_add(ctx.sigint, NULL) == -1) {
		log_warnx("cannot set up signal handling");
		goto fail;
	}
	memset(&o, 0, sizeof(o));
	o.dry_run = ctx.dry_run;
	if (ctx.conf->cluster.enabled && ctx.conf->cluster.role == CONF_ROLE_PROBE) {
		/* a probing node publishes; the aggregator stores and alerts */
		o.dry_run = true;
		o.one_location = true;
	}
	o.aggregate = ctx.aggregating;
	o.notice = run_notice_cb;
	o.log = run_log_cb;
	o.arg = &ctx;
	mclock_init(&ctx.clock, mclock_wall_now(), mclock_mono_now());
	run_starts_reset(&ctx);
	if ((ctx.pl = pipeline_open(ctx.conf, &o, run_clock(&ctx), err, sizeof(err))) ==
	    NULL) {
		log_warnx("%s", err);
		rc = EXIT_USER;
		goto fail;
	}
	engine_set_lag(ctx.pl->engine, max_timeout(ctx.conf) + 1);
	if (ctx.pl->store) {
		if ((ctx.flush = evtimer_new(ctx.base, run_flush_cb, &ctx)) == NULL ||
		    (ctx.trim = evtimer_new(ctx.base, run_trim_cb, &ctx)) == NULL) {
			log_warnx("cannot set up the step writer");
			goto fail;
		}
		store_set_deferred(ctx.pl->store, true);
		run_flush_kick(&ctx);
	}
	ctx.last_calendar = run_clock(&ctx);
	if (ctx.conf->cluster.enabled) {
		uint64_t after = ctx.aggregating
		    ? cluster_agg_load_pos(
			  ctx.conf->state_dir, ctx.conf->cluster.stream)
		    : 0;

		cluster_agg_init(&ctx.agg, ctx.conf, ctx.pl);
		if ((ctx.cluster = cluster_new(ctx.base, ctx.conf,
			 run_cluster_result_cb, &ctx, after, err, sizeof(err))) ==
		    NULL) {
			log_warnx("%s", err);
			rc = EXIT_USER;
			goto fail;
		}
		ctx.agg.cl = ctx.cluster;
		if (ctx.aggregating) {
			engine_keep_undecided(ctx.pl->engine);
			cluster_agg_known(&ctx.agg);
		}
		log_info("cluster: location %s, role %s, %zu locations, quorum %d",
		    ctx.conf->cluster.location ? ctx.conf->cluster.location : "(none)",
		    ctx.conf->cluster.role == CONF_ROLE_PROBE		? "probe"
			: ctx.conf->cluster.role == CONF_ROLE_AGGREGATE ? "aggregate"
									: "both",
		    ctx.conf->cluster.locations.n, ctx.conf->cluster.quorum);
	}
	if (!o.dry_run && ctx.conf->nalerts > 0 &&
	    (ctx.notify = notify_new(ctx.base, ctx.conf, run_delivery_cb, &ctx)) ==
		NULL)
		goto fail;
	/* alerts decided before a crash or a stop but never delivered */
	if (ctx.notify)
		alerting_resume(ctx.notify, ctx.pl, run_clock(&ctx));
	if (ctx.conf->listen[0] != '\0') {
		struct httpd_source src;

		run_httpd_source(&ctx, &src);
		if ((ctx.httpd = httpd_new(
			 ctx.base, ctx.conf->listen, &src, err, sizeof(err))) == NULL) {
			log_warnx("%s", err);
			rc = EXIT_USER;
			goto fail;
		}
		run_fd_budget(&ctx, fd_limit);
	}
	if (ctx.conf->admin_listen[0] != '\0') {
		struct admin_source asrc;

		run_admin_source(&ctx, &asrc);
		if ((ctx.admin = admin_new(ctx.base, ctx.conf->admin_listen, &asrc, err,
			 sizeof(err))) == NULL) {
			log_warnx("%s", err);
			rc = EXIT_USER;
			goto fail;
		}
	}
	if (ctx.conf->cluster.enabled && ctx.conf->cluster.role == CONF_ROLE_AGGREGATE)
		; /* probes come from the locations */
	else if ((ctx.prober = prober_new(
		      ctx.base, ctx.conf, run_result_cb, run_drop_cb, &ctx)) == NULL)
		goto fail;
	else
		prober_set_start_cb(ctx.prober, run_start_cb);
	run_httpd_update(&ctx); /* the schedule's metrics */
	/* Loading a large configuration peaks well above what stays (libconfig's
	 * parse tree is freed): hand the free pages back rather than keep them
	 * as resident holes (about 250 bytes a target at 100,000). */
	alloc_trim();
	log_debug("memory allocator: %s", alloc_name());
	/* subscriptions: fetched now and every ics_refresh, on this loop */
	ctx.ics = ics_fetch_new(ctx.base, ctx.conf, run_ics_cb, &ctx);
	run_schedule(&ctx);
	log_info("running%s with %s: %zu targets, state in %s",
	    ctx.dry_run ? " (dry run: nothing stored or sent)" : "", ctx.conf->path,
	    ctx.conf->ntargets, ctx.conf->state_dir);
	ctx.sd = sdnotify_new(ctx.base);
	snprintf(err, sizeof(err), "probing %zu targets", ctx.conf->ntargets);
	sdnotify_ready(ctx.sd, err);
	if (event_base_dispatch(ctx.base) == -1) {
		log_warnx("event loop failed");
		goto fail;
	}
	rc = EXIT_OK;
	log_info("stopped");
fail:
	sdnotify_free(ctx.sd);
	run_ctx_free(&ctx);
	if (cfg)
		event_config_free(cfg);
	libevent_global_shutdown();
	statelock_release(lock);
	return rc;
}

const struct cmd_entry cmd_run_entry = {
    .name = "run",
    .usage = "[--dry-run]",
    .help = "Probe every target on its interval, classify every second, store\n"
	    "the steps in RRD, journal outages and alert, in the foreground.\n"
	    "SIGHUP reloads the configuration (a broken file is rejected and the\n"
	    "old one keeps running); SIGTERM and SIGINT stop cleanly. With -v\n"
	    "every probe start and result is logged. --dry-run probes and logs\n"
	    "but stores, journals and sends nothing.",
    .exec = cmd_run_exec,
};
