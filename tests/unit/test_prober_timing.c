/*
 * test_prober_timing.c - a probe is judged by its own timeout, never by the
 * prober's schedule (monitor/prober.c, probes/probe.c):
 *  - a run whose timeout equals its period times out, every time, and is
 *    never cut off as cancelled (the grace of one run does not stick);
 *  - a retry grid shorter than the timeout (retry_interval < timeout) does
 *    not cut a retry off: a target that answers within its timeout is up,
 *    and the retry held back for a run is neither late nor skipped;
 *  - a reload restarts a run in flight with its whole timeout, from the
 *    event loop, never inside prober_reload (whose caller has not switched
 *    to the new configuration yet);
 *  - a deadline armed late in a long loop turn counts from then, not from
 *    the turn's start.
 * Real event loop with fake probe types; the timeouts are 1-2 s and the
 * assertions are on what happened (reasons, counts), with margins of
 * hundreds of ms against the machine's noise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <event2/event.h>

#include "conf.h"
#include "probe.h"
#include "prober.h"

/* What the fake probe does at each start, in turn; the last one repeats. */
enum act { HANG, FAIL, SLOW_OK, LATE_TIMEOUT };

static struct {
	enum act act[8];
	int nact, slow_ms;
	int nstarts, nres;
	enum probe_reason reason[64];
	double duration[64];
	bool in_reload, started_in_reload;
} S;

static int marker; /* run->priv of a run that holds nothing */

static void
slow_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	probe_done(arg, PROBE_OK, "slow but within its timeout");
}

/* a run that keeps its own clock reports its timeout 10 ms late, as curl's
 * timer may */
static void
late_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct probe_run *run = arg;

	(void)fd;
	(void)what;
	probe_done(run, PROBE_TIMEOUT, "timeout after %d ms", run->timeout_ms);
}

static int
fake_start(struct probe_run *run)
{
	int k = S.nstarts < S.nact ? S.nstarts : S.nact - 1;
	struct timeval tv = {S.slow_ms / 1000, (S.slow_ms % 1000) * 1000};
	struct event *ev;

	S.nstarts++;
	run->phase = PROBE_PHASE_REPLY; /* probe.c's deadline timer */
	run->priv = &marker;
	if (S.act[k] == FAIL)
		probe_done(run, PROBE_CONNECT_REFUSED, "refused");
	else if (S.act[k] == SLOW_OK) {
		ev = evtimer_new(run->env->base, slow_cb, run);
		assert_non_null(ev);
		run->priv = ev;
		evtimer_add(ev, &tv);
	} else if (S.act[k] == LATE_TIMEOUT) {
		tv.tv_sec = run->timeout_ms / 1000;
		tv.tv_usec = (run->timeout_ms % 1000 + 10) * 1000;
		probe_phase_self(run);
		ev = evtimer_new(run->env->base, late_timeout_cb, run);
		assert_non_null(ev);
		run->priv = ev;
		evtimer_add(ev, &tv);
	}
	return 0;
}

static void
fake_cancel(struct probe_run *run)
{
	if (run->priv != &marker)
		event_free(run->priv); /* SLOW_OK's timer */
	run->priv = NULL;
}

static const struct probe_ops fake_ops = {
    .name = "fake", .start = fake_start, .cancel = fake_cancel};

/* The engine's part: failures make the target suspect (re-probed on the
 * retry grid), a success ends that. */
static bool
result_cb(void *arg, const struct conf_target *t, void **tdata, time_t start,
    const struct probe_result *res)
{
	(void)arg;
	(void)t;
	(void)tdata;
	(void)start;
	if (S.nres < 64) {
		S.reason[S.nres] = res->reason;
		S.duration[S.nres] = res->duration_ms;
		S.nres++;
	}
	print_message("result %d: %s (%s) after %.1f ms\n", S.nres,
	    probe_reason_name(res->reason), res->text, res->duration_ms);
	return res->reason != PROBE_OK;
}

static void
start_cb(void *arg, const struct conf_target *t, time_t start)
{
	(void)arg;
	(void)t;
	(void)start;
	if (S.in_reload)
		S.started_in_reload = true;
}

static void
drop_cb(void *arg, const char *name, void *tdata)
{
	(void)arg;
	(void)name;
	(void)tdata;
}

static void
setup(const enum act *act, int nact, int slow_ms)
{
	memset(&S, 0, sizeof(S));
	memcpy(S.act, act, (size_t)nact * sizeof(*act));
	S.nact = nact;
	S.slow_ms = slow_ms;
}

/* A name whose spread offset (prober_offset_ms) is under 50 ms of the
 * interval: the first run starts at once, and the test takes no longer
 * than its story. */
static char *
early_name(int interval)
{
	static char name[16];

	for (int i = 0; i < 100000; i++) {
		snprintf(name, sizeof(name), "t%d", i);
		if (prober_offset_ms(name, interval * 1000L) < 50)
			return name;
	}
	fail_msg("no name starts early in a %d s interval", interval);
	return NULL;
}

static void
one_target(struct conf *c, struct conf_target *t, char *name, int interval, int timeout,
    int retry)
{
	memset(c, 0, sizeof(*c));
	memset(t, 0, sizeof(*t));
	t->name = name;
	t->ops = &fake_ops;
	t->t.interval = interval;
	t->t.timeout = timeout;
	t->t.retry_interval = retry;
	t->t.fail_threshold = 2;
	c->targets = t;
	c->ntargets = 1;
	c->max_inflight = 16;
}

static struct event_base *
base_new(void)
{
	struct event_config *cfg = event_config_new();
	struct event_base *b;

	assert_non_null(cfg);
	event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	b = event_base_new_with_config(cfg);
	event_config_free(cfg);
	assert_non_null(b);
	return b;
}

static void
loop_ms(struct event_base *b, long ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	event_base_loopexit(b, &tv);
	event_base_dispatch(b);
}

static int
count(enum probe_reason r)
{
	int n = 0;

	for (int i = 0; i < S.nres; i++)
		n += S.reason[i] == r;
	return n;
}

/* One target probed with act until nres results (or for ms, when nres is
 * 0); the prober's stats at the end. */
static void
probe_one(const enum act *act, int nact, int slow_ms, int interval, int timeout,
    int retry, int nres, long ms, struct prober_stats *st)
{
	struct event_base *b = base_new();
	struct conf c;
	struct conf_target t;
	struct prober *p;

	setup(act, nact, slow_ms);
	one_target(&c, &t, early_name(interval), interval, timeout, retry);
	p = prober_new(b, &c, result_cb, drop_cb, NULL);
	assert_non_null(p);
	if (nres == 0)
		loop_ms(b, ms);
	while (S.nres < nres)
		loop_ms(b, 100);
	prober_stats(p, st);
	prober_free(p);
	event_base_free(b);
}

/* interval = timeout = retry_interval = 1 s, a target that never answers,
 * its timeout reported 10 ms late: each run reports its own timeout. The
 * grace that lets a run time out on the very moment its next start is due
 * was not cleared when the run ended in it, so the next run was cut off as
 * cancelled. */
static void
test_timeout_equal_to_period(void **state)
{
	const enum act act[] = {LATE_TIMEOUT};
	struct prober_stats st;

	(void)state;
	probe_one(act, 1, 0, 1, 1, 1, 0, 3600, &st);
	assert_true(S.nres >= 3);
	assert_int_equal(count(PROBE_TIMEOUT), S.nres);
}

/* interval 4 s, timeout 2 s, retry_interval 1 s: a refused connection
 * makes the target suspect, and the retry, answered after 1.5 s, is a
 * success: it was cut off at 1 s, the next retry's start, and confirmed an
 * outage of a target that answered within its timeout. */
static void
test_retry_gets_its_timeout(void **state)
{
	const enum act act[] = {FAIL, SLOW_OK};
	struct prober_stats st;

	(void)state;
	probe_one(act, 2, 1500, 4, 2, 1, 2, 0, &st);
	assert_int_equal(S.reason[0], PROBE_CONNECT_REFUSED);
	assert_int_equal(S.reason[1], PROBE_OK);
	assert_true(S.duration[1] >= 1400);
	assert_int_equal(st.skipped, 0);
}

/* The same grid with a target that never answers: every retry times out at
 * 2 s (none cancelled), the next starts when it ends, and the starts held
 * back for a run within its timeout are neither skipped nor an overload. */
static void
test_retry_grid_shorter_than_timeout(void **state)
{
	const enum act act[] = {HANG};
	struct prober_stats st;

	(void)state;
	probe_one(act, 1, 0, 4, 2, 1, 2, 0, &st);
	assert_int_equal(count(PROBE_TIMEOUT), S.nres);
	for (int i = 0; i < S.nres; i++)
		assert_true(S.duration[i] >= 1999);
	assert_int_equal(st.skipped, 0);
	assert_false(st.overloaded);
}

/* A reload 1 s into a run of a slow target (1.5 s, timeout 2 s): the run
 * starts again on the new settings with its whole timeout, and succeeds
 * (it had been restarted with what was left of its period, 1 s, and cut
 * off); the restart comes from the loop, after prober_reload returns. */
static void
test_reload_restarts_with_whole_timeout(void **state)
{
	const enum act act[] = {SLOW_OK};
	struct event_base *b = base_new();
	struct conf c, c2;
	struct conf_target t, t2;
	struct prober *p;
	int before;

	(void)state;
	setup(act, 1, 1500);
	one_target(&c, &t, early_name(2), 2, 2, 2);
	p = prober_new(b, &c, result_cb, drop_cb, NULL);
	assert_non_null(p);
	prober_set_start_cb(p, start_cb);
	while (S.nstarts == 0)
		loop_ms(b, 20);
	loop_ms(b, 1000);
	assert_int_equal(S.nres, 0);
	before = S.nstarts;
	one_target(&c2, &t2, t.name, 2, 2, 2);
	S.in_reload = true;
	prober_reload(p, &c2);
	S.in_reload = false;
	assert_int_equal(S.nstarts, before); /* not inside the reload */
	while (S.nres < 1)
		loop_ms(b, 100);
	prober_free(p);
	event_base_free(b);
	assert_false(S.started_in_reload);
	assert_int_equal(S.nstarts, before + 1);
	assert_int_equal(S.reason[0], PROBE_OK);
}

/* A reload that shortens the period (6 s to 1 s) while a run of a target
 * that never answers is 1.5 s in: the restarted run reports its timeout
 * after 1 s, not a cancellation after 0 ms. */
static void
test_reload_shorter_period(void **state)
{
	const enum act act[] = {HANG};
	struct event_base *b = base_new();
	struct conf c, c2;
	struct conf_target t, t2;
	struct prober *p;

	(void)state;
	setup(act, 1, 0);
	one_target(&c, &t, early_name(6), 6, 6, 6);
	p = prober_new(b, &c, result_cb, drop_cb, NULL);
	assert_non_null(p);
	while (S.nstarts == 0)
		loop_ms(b, 50);
	loop_ms(b, 1500);
	one_target(&c2, &t2, t.name, 1, 1, 1);
	prober_reload(p, &c2);
	while (S.nres < 1)
		loop_ms(b, 50);
	prober_free(p);
	event_base_free(b);
	assert_int_equal(S.reason[0], PROBE_TIMEOUT);
	assert_true(S.duration[0] >= 999);
}

/* A run started at the end of a loop turn that was busy for 300 ms: its
 * 1 s deadline counts from its start (libevent's cached time is the turn's
 * start; it timed out after 700 ms). */
static struct probe_env denv;
static struct probe_run drun;
static struct probe_result dres;
static bool ddone;

static void
d_done(struct probe_run *run, const struct probe_result *res, void *arg)
{
	(void)run;
	(void)arg;
	dres = *res;
	ddone = true;
}

static void
busy_then_start(evutil_socket_t fd, short what, void *arg)
{
	struct timespec ts = {0, 300 * 1000 * 1000};
	const enum act act[] = {HANG};

	(void)fd;
	(void)what;
	(void)arg;
	nanosleep(&ts, NULL); /* the other callbacks of this turn */
	setup(act, 1, 0);
	memset(&drun, 0, sizeof(drun));
	drun.env = &denv;
	drun.ops = &fake_ops;
	drun.timeout_ms = 1000;
	drun.done = d_done;
	probe_start(&drun);
}

static void
test_deadline_counts_from_the_start(void **state)
{
	struct event_base *b = base_new();
	struct event *ev;
	struct timeval now = {0, 0};

	(void)state;
	assert_int_equal(probe_env_init(&denv, b), 0);
	ev = evtimer_new(b, busy_then_start, NULL);
	assert_non_null(ev);
	evtimer_add(ev, &now);
	while (!ddone)
		loop_ms(b, 100);
	event_free(ev);
	probe_env_clear(&denv);
	event_base_free(b);
	assert_int_equal(dres.reason, PROBE_TIMEOUT);
	assert_true(dres.duration_ms >= 999);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_timeout_equal_to_period),
	    cmocka_unit_test(test_retry_gets_its_timeout),
	    cmocka_unit_test(test_retry_grid_shorter_than_timeout),
	    cmocka_unit_test(test_reload_restarts_with_whole_timeout),
	    cmocka_unit_test(test_reload_shorter_period),
	    cmocka_unit_test(test_deadline_counts_from_the_start),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
