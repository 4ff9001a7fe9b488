/*
 * cmd-run.c - `slamon run [--dry-run]`: the daemon in the foreground.
 *
 * The shell around the prober: the event base, signals (SIGHUP reloads,
 * SIGTERM/SIGINT stop), and what happens to each result. Until the engine
 * (classification, RRD, journal, alerts) is plugged in at run_result_cb and
 * run_drop_cb, each target keeps one outage state machine and its changes
 * are logged: "crm-web: DOWN since ... (HTTP status 503)", "crm-web: UP
 * after 3m 10s".
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "cmd.h"
#include "log.h"
#include "prober.h"
#include "state.h"
#include "tz.h"

struct run_ctx {
	struct cmd_ctx *cmd;
	struct conf *conf;
	struct event_base *base;
	struct prober *prober;
	struct event *sighup, *sigterm, *sigint;
	bool dry_run;
};

/* What run keeps of one target between results (the engine's slot later). */
struct run_target {
	struct state st;
	bool seen;
};

static void
run_span_cb(void *arg, const struct state_span *sp)
{
	/* settled spans go to RRD once the engine is here */
	(void)arg;
	(void)sp;
}

static void
run_duration(long s, char *buf, size_t len)
{
	if (s >= 86400)
		snprintf(buf, len, "%ldd %ldh %ldm", s / 86400, s % 86400 / 3600,
		    s % 3600 / 60);
	else if (s >= 3600)
		snprintf(buf, len, "%ldh %ldm %lds", s / 3600, s % 3600 / 60, s % 60);
	else if (s >= 60)
		snprintf(buf, len, "%ldm %lds", s / 60, s % 60);
	else
		snprintf(buf, len, "%lds", s);
}

static bool
run_result_cb(void *arg, const struct conf_target *t, void **tdata, time_t start,
    const struct probe_result *res)
{
	struct run_target *rt = *tdata;
	bool ok = res->reason == PROBE_OK;
	enum state_change ch;
	time_t outage_start;
	char when[64], dur[64];

	(void)arg;
	if (rt == NULL) {
		rt = xcalloc(1, sizeof(*rt));
		state_init(&rt->st, t->t.interval, t->t.fail_threshold, start);
		*tdata = rt;
	}
	/* a reload may have changed them; the state itself carries on */
	rt->st.interval = t->t.interval;
	rt->st.threshold = t->t.fail_threshold;
	outage_start = rt->st.outage_start;
	ch = state_observe(&rt->st, start, ok, run_span_cb, NULL);
	switch (ch) {
	case STATE_OUTAGE_START:
		log_info("%s: DOWN since %s (%s)", t->name,
		    tz_rfc3339(rt->st.outage_start, when, sizeof(when)), res->text);
		break;
	case STATE_OUTAGE_END:
		run_duration((long)(start - outage_start), dur, sizeof(dur));
		log_info("%s: UP after %s (%s)", t->name, dur, res->text);
		break;
	case STATE_NO_CHANGE:
		if (!rt->seen && ok)
			log_info("%s: UP (%s)", t->name, res->text);
		else if (!ok && state_suspect(&rt->st))
			log_info("%s: failing, %d of %d (%s)", t->name, rt->st.fails,
			    rt->st.threshold, res->text);
		break;
	}
	rt->seen = true;
	return state_suspect(&rt->st);
}

static void
run_drop_cb(void *arg, const char *name, void *tdata)
{
	struct run_target *rt = tdata;

	(void)arg;
	if (rt == NULL)
		return;
	state_close(&rt->st, time(NULL), run_span_cb, NULL);
	if (rt->st.down)
		log_info("%s: stopped probing while DOWN", name);
	state_free(&rt->st);
	free(rt);
}

static void
run_sighup_cb(evutil_socket_t sig, short what, void *arg)
{
	struct run_ctx *ctx = arg;
	struct conf *nc;
	char err[1024];

	(void)sig;
	(void)what;
	log_info("SIGHUP: reloading %s", ctx->cmd->conf_path);
	if ((nc = conf_load(ctx->cmd->conf_path, err, sizeof(err))) == NULL) {
		log_warnx("reload rejected, the old configuration keeps running: %s", err);
		return;
	}
	if (prober_reload(ctx->prober, nc) == -1) {
		log_warnx("reload failed, the old configuration keeps running");
		conf_free(nc);
		return;
	}
	conf_free(ctx->conf);
	ctx->conf = nc;
}

static void
run_sigterm_cb(evutil_socket_t sig, short what, void *arg)
{
	struct run_ctx *ctx = arg;

	(void)what;
	log_info("%s: stopping", strsignal((int)sig));
	event_base_loopbreak(ctx->base);
}

static void
run_ctx_free(struct run_ctx *ctx)
{
	prober_free(ctx->prober);
	if (ctx->sighup)
		event_free(ctx->sighup);
	if (ctx->sigterm)
		event_free(ctx->sigterm);
	if (ctx->sigint)
		event_free(ctx->sigint);
	if (ctx->base)
		event_base_free(ctx->base);
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
	int ch, rc = EXIT_INTERNAL;

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
	tz_set(ctx.conf->timezone);
	signal(SIGPIPE, SIG_IGN);
	/* the default coarse clock would blur start times by a few ms */
	if ((cfg = event_config_new()) == NULL ||
	    event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER) == -1 ||
	    (ctx.base = event_base_new_with_config(cfg)) == NULL) {
		log_warnx("cannot create the event loop");
		goto fail;
	}
	if ((ctx.sighup = evsignal_new(ctx.base, SIGHUP, run_sighup_cb, &ctx)) == NULL ||
	    (ctx.sigterm = evsignal_new(ctx.base, SIGTERM, run_sigterm_cb, &ctx)) == NULL ||
	    (ctx.sigint = evsignal_new(ctx.base, SIGINT, run_sigterm_cb, &ctx)) == NULL ||
	    evsignal_add(ctx.sighup, NULL) == -1 || evsignal_add(ctx.sigterm, NULL) == -1 ||
	    evsignal_add(ctx.sigint, NULL) == -1) {
		log_warnx("cannot set up signal handling");
		goto fail;
	}
	if ((ctx.prober = prober_new(ctx.base, ctx.conf, run_result_cb, run_drop_cb,
	    &ctx)) == NULL)
		goto fail;
	log_info("running%s with %s", ctx.dry_run ? " (dry run: nothing stored or "
	    "sent)" : "", ctx.conf->path);
	if (event_base_dispatch(ctx.base) == -1) {
		log_warnx("event loop failed");
		goto fail;
	}
	rc = EXIT_OK;
	log_info("stopped");
fail:
	run_ctx_free(&ctx);
	if (cfg)
		event_config_free(cfg);
	libevent_global_shutdown();
	return rc;
}

const struct cmd_entry cmd_run_entry = {
	.name = "run",
	.usage = "[--dry-run]",
	.help = "Probe every target on its interval and log state changes, in the\n"
	    "foreground. SIGHUP reloads the configuration (a broken file is\n"
	    "rejected and the old one keeps running); SIGTERM and SIGINT stop\n"
	    "cleanly. With -v every probe start and result is logged. --dry-run\n"
	    "probes and logs but stores and sends nothing.",
	.exec = cmd_run_exec,
};
