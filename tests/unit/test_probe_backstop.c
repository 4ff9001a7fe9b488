/*
 * test_probe_backstop.c - the deadline of a run that keeps its own clock
 * (probes/probe.c): no timer of its own, one sweep a second over all of
 * them, and a run that never reports is still ended, as a timeout, once
 * PROBE_BACKSTOP_MS past its timeout. Real event loop, short timeouts; the
 * assertions are on what happened, never on how fast (a loop exit 10 s out
 * only keeps a broken build from hanging).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>

#include "probe.h"

static int cancelled;

/* A probe that starts and never reports: as a transfer curl lost would. */
static int
hang_start(struct probe_run *run)
{
	static int marker;

	run->priv = &marker;
	probe_phase_self(run);
	return 0;
}

/* Another, that looks its name up first (a deadline of its own for that,
 * PROBE_PHASE_DNS) and keeps its own clock from the next loop turn on. */
static void
hang_resolved_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	probe_phase_self(arg);
}

static struct event *resolved_ev;

static int
hang_lookup_start(struct probe_run *run)
{
	static int marker;
	struct timeval tv = {0, 0};

	run->priv = &marker;
	run->phase = PROBE_PHASE_DNS;
	resolved_ev = evtimer_new(run->env->base, hang_resolved_cb, run);
	evtimer_add(resolved_ev, &tv);
	return 0;
}

static void
hang_cancel(struct probe_run *run)
{
	cancelled++;
	run->priv = NULL;
}

static const struct probe_ops hang_ops = {
    .name = "hang", .start = hang_start, .cancel = hang_cancel};
static const struct probe_ops hang_lookup_ops = {
    .name = "hang-lookup", .start = hang_lookup_start, .cancel = hang_cancel};

struct seen {
	int n, want;
	struct probe_result res[4];
	struct event_base *base;
};

static void
done_cb(struct probe_run *run, const struct probe_result *res, void *arg)
{
	struct seen *s = arg;

	(void)run;
	if (s->n < 4)
		s->res[s->n] = *res;
	if (++s->n == s->want)
		event_base_loopbreak(s->base);
}

static void
run_init(struct probe_run *run, struct probe_env *env, const struct probe_ops *ops,
    int timeout_ms, struct seen *s)
{
	memset(run, 0, sizeof(*run));
	run->env = env;
	run->ops = ops;
	run->timeout_ms = timeout_ms;
	run->done = done_cb;
	run->arg = s;
}

/* Each test's event loop and probe environment. */
struct fx {
	struct event_base *base;
	struct probe_env env;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->base = event_base_new();
	if (f->base == NULL || probe_env_init(&f->env, f->base) != 0)
		return -1;
	cancelled = 0;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	probe_env_clear(&f->env);
	event_base_free(f->base);
	free(f);
	return 0;
}

static void
loop(struct event_base *base)
{
	struct timeval limit = {10, 0};

	event_base_loopexit(base, &limit);
	event_base_dispatch(base);
}

static void
test_self_run_has_no_timer_and_is_ended(void **state)
{
	struct fx *f = *state;
	struct probe_run run;
	struct seen s = {.want = 1, .base = f->base};

	run_init(&run, &f->env, &hang_ops, 100, &s);
	probe_start(&run);
	assert_true(run.active);
	assert_null(run.deadline); /* no timer of its own */
	assert_ptr_equal(f->env.selfs, &run);
	loop(f->base);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.res[0].reason, PROBE_TIMEOUT);
	assert_string_equal(s.res[0].text, "timeout after 100 ms");
	assert_true(s.res[0].duration_ms >= 100 + PROBE_BACKSTOP_MS);
	assert_true(s.res[0].latency_ms < 0);
	assert_int_equal(cancelled, 1); /* the probe's state was released */
	assert_false(run.active);
	assert_null(f->env.selfs);
}

static void
test_lookup_deadline_gives_way_to_backstop(void **state)
{
	struct fx *f = *state;
	struct probe_run run;
	struct seen s = {.want = 1, .base = f->base};

	run_init(&run, &f->env, &hang_lookup_ops, 100, &s);
	probe_start(&run);
	assert_non_null(run.deadline); /* the lookup's own deadline */
	assert_null(f->env.selfs);
	loop(f->base);
	/* the lookup's timer (at 100 ms: "DNS failure") was given back when
	 * the probe took its own clock; the backstop ended the run */
	assert_int_equal(s.n, 1);
	assert_int_equal(s.res[0].reason, PROBE_TIMEOUT);
	assert_true(s.res[0].duration_ms >= 100 + PROBE_BACKSTOP_MS);
	assert_int_equal(f->env.nidle_timers, 1); /* back in the pool, once */
	assert_int_equal(cancelled, 1);
	event_free(resolved_ev);
}

static void
test_list_keeps_the_others(void **state)
{
	struct fx *f = *state;
	struct probe_run a, b, c, d;
	struct seen s = {.want = 2, .base = f->base};

	run_init(&a, &f->env, &hang_ops, 50, &s);
	run_init(&b, &f->env, &hang_ops, 60, &s);
	run_init(&c, &f->env, &hang_ops, 70, &s);
	run_init(&d, &f->env, &hang_ops, 80, &s);
	probe_start(&a);
	probe_start(&b);
	probe_start(&c);
	probe_start(&d);
	/* one abandoned from the middle of the list, one ending by itself
	 * from its head: neither is heard of again */
	probe_cancel(&b);
	assert_int_equal(cancelled, 1);
	s.want = 1;
	probe_done(&d, PROBE_OK, "done");
	assert_int_equal(s.n, 1);
	assert_int_equal(s.res[0].reason, PROBE_OK);
	s.n = 0;
	s.want = 2;
	loop(f->base);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.res[0].reason, PROBE_TIMEOUT);
	assert_int_equal(s.res[1].reason, PROBE_TIMEOUT);
	assert_true(strcmp(s.res[0].text, "timeout after 50 ms") == 0 ||
	    strcmp(s.res[0].text, "timeout after 70 ms") == 0);
	assert_string_not_equal(s.res[0].text, s.res[1].text);
	assert_int_equal(cancelled, 4);
	assert_null(f->env.selfs);
	assert_false(b.active);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_self_run_has_no_timer_and_is_ended, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_lookup_deadline_gives_way_to_backstop, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_list_keeps_the_others, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
