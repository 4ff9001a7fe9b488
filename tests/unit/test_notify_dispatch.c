/*
 * test_notify_dispatch.c - the dispatcher on a real event loop with exec
 * channels (real child processes, /bin/sh and /bin/sleep): retries and
 * their count, order per target, the kill timeout, error texts, reload,
 * and what notify_free abandons. Backoff is shortened through
 * SLAMON_NOTIFY_BACKOFF_MS; nothing here waits on a fixed sleep.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "notify.h"

struct rec {
	char channel[32];
	char target[32];
	enum notify_kind kind;
	int attempt;
	bool delivered, final;
	char error[256];
};

struct fx {
	struct event_base *base;
	struct notify *n;
	struct rec r[64];
	int nr, finals, want_finals;
	struct conf c;
	struct conf_alert a[4];
	char *argv[4][5];
	struct event *guard;
	/* reload on first failure */
	const struct conf *reload_to;
	struct event *reload_ev;
};

static void
result_cb(void *arg, const struct notify_msg *m, const struct conf_alert *a,
    int attempt, bool delivered, bool final, const char *error)
{
	struct fx *f = arg;
	struct rec *r = &f->r[f->nr++];

	assert_true(f->nr < 64);
	snprintf(r->channel, sizeof(r->channel), "%s", a->name);
	snprintf(r->target, sizeof(r->target), "%s", m->target);
	r->kind = m->kind;
	r->attempt = attempt;
	r->delivered = delivered;
	r->final = final;
	snprintf(r->error, sizeof(r->error), "%s", error ? error : "");
	if (delivered)
		assert_true(final);
	if (!final && f->reload_to)
		event_active(f->reload_ev, EV_TIMEOUT, 0);
	if (final && ++f->finals == f->want_finals && f->base)
		event_base_loopbreak(f->base);
}

static void
guard_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fx *f = arg;

	(void)fd;
	(void)what;
	fail_msg("the event loop ran for 20 s");
	event_base_loopbreak(f->base);
}

static void
reload_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fx *f = arg;

	(void)fd;
	(void)what;
	assert_int_equal(notify_reload(f->n, f->reload_to), 0);
	f->reload_to = NULL;
}

static void
exec_alert(struct fx *f, int i, const char *name, int timeout, int retry_for,
    const char *a0, const char *a1, const char *a2)
{
	f->argv[i][0] = (char *)a0;
	f->argv[i][1] = (char *)a1;
	f->argv[i][2] = (char *)a2;
	f->argv[i][3] = NULL;
	memset(&f->a[i], 0, sizeof(f->a[i]));
	f->a[i].type = CONF_ALERT_EXEC;
	f->a[i].name = (char *)name;
	f->a[i].command.v = f->argv[i];
	f->a[i].command.n = a2 ? 3 : a1 ? 2 : 1;
	f->a[i].timeout = timeout;
	f->a[i].retry_for = retry_for;
	f->c.alerts = f->a;
	f->c.nalerts = (size_t)i + 1;
}

static struct fx *
fx_new(void)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct timeval tv = {20, 0};

	assert_non_null(f);
	setenv("SLAMON_NOTIFY_BACKOFF_MS", "20", 1);
	f->base = event_base_new();
	f->c.state_dir = (char *)"state";
	f->guard = evtimer_new(f->base, guard_cb, f);
	f->reload_ev = evtimer_new(f->base, reload_cb, f);
	evtimer_add(f->guard, &tv);
	return f;
}

static void
fx_start(struct fx *f)
{
	f->n = notify_new(f->base, &f->c, result_cb, f);
	assert_non_null(f->n);
}

static void
fx_free(struct fx *f)
{
	notify_free(f->n);
	event_free(f->guard);
	event_free(f->reload_ev);
	event_base_free(f->base);
	free(f);
}

static int
send_msg(struct fx *f, enum notify_kind k, const char *target)
{
	struct notify_msg m = {.kind = k,
	    .target = target,
	    .outage_start = 1774742400,
	    .unplanned_s = 1800,
	    .down_s = 1800,
	    .time = 1774744200};

	return notify_send(f->n, &m);
}

static int
find(struct fx *f, const char *target, enum notify_kind k, bool delivered)
{
	for (int i = 0; i < f->nr; i++)
		if (strcmp(f->r[i].target, target) == 0 && f->r[i].kind == k &&
		    f->r[i].delivered == delivered && f->r[i].final == delivered)
			return i;
	return -1;
}

/*
 * Target "a"'s alert fails twice; its recovery must wait for it, while
 * target "b" on the same channel is not held up.
 */
static void
test_retry_and_order(void **state)
{
	struct fx *f = fx_new();
	char log[] = "/tmp/slamon-notify-XXXXXX", line[128], lines[8][128];
	int fd = mkstemp(log), nl = 0, ia, ir, ib;
	struct notify_stats st[2];
	FILE *fp;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	setenv("NOTIFY_TEST_LOG", log, 1);
	exec_alert(f, 0, "script", 10, 60, "/bin/sh", "-c",
	    "echo \"$SLAMON_TARGET $SLAMON_EVENT $SLAMON_ATTEMPT\" >> \"$NOTIFY_TEST_LOG\"; "
	    "[ \"$SLAMON_TARGET $SLAMON_EVENT\" != \"a alert\" ] || "
	    "[ \"$SLAMON_ATTEMPT\" -ge 3 ] || { echo not yet >&2; exit 7; }");
	fx_start(f);
	assert_int_equal(send_msg(f, NOTIFY_ALERT, "a"), 1);
	assert_int_equal(send_msg(f, NOTIFY_RECOVERY, "a"), 1);
	assert_int_equal(send_msg(f, NOTIFY_ALERT, "b"), 1);
	assert_int_equal(notify_pending(f->n), 3);
	f->want_finals = 3;
	event_base_dispatch(f->base);
	assert_int_equal(f->finals, 3);
	assert_int_equal(f->nr, 5); /* 2 failures, 3 deliveries */

	ia = find(f, "a", NOTIFY_ALERT, true);
	ir = find(f, "a", NOTIFY_RECOVERY, true);
	ib = find(f, "b", NOTIFY_ALERT, true);
	assert_true(ia >= 0 && ir > ia && ib >= 0);
	assert_int_equal(f->r[ia].attempt, 3);
	assert_int_equal(f->r[ir].attempt, 1);
	assert_int_equal(f->r[ib].attempt, 1);
	for (int i = 0, fails = 0; i < f->nr; i++)
		if (!f->r[i].final) {
			assert_string_equal(f->r[i].target, "a");
			assert_string_equal(f->r[i].error, "exit status 7: not yet");
			assert_int_equal(f->r[i].attempt, ++fails);
		}

	fp = fopen(log, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp) && nl < 8)
		snprintf(lines[nl++], sizeof(lines[0]), "%s", line);
	fclose(fp);
	unlink(log);
	assert_int_equal(nl, 5);
	/* the recovery ran last among a's: after "a alert 3" */
	for (int i = 0; i < nl; i++)
		if (strcmp(lines[i], "a recovery 1\n") == 0)
			for (int j = i + 1; j < nl; j++)
				assert_string_not_equal(lines[j], "a alert 3\n");

	assert_int_equal(notify_stats(f->n, st, 2), 1);
	assert_string_equal(st[0].channel, "script");
	assert_int_equal(st[0].sent, 3);
	assert_int_equal(st[0].failed_attempts, 2);
	assert_int_equal(st[0].given_up, 0);
	assert_int_equal(st[0].pending, 0);
	fx_free(f);
}

static void
test_timeout_kills(void **state)
{
	struct fx *f = fx_new();
	struct timespec t0, t1;
	struct notify_stats st;
	double secs;

	(void)state;
	exec_alert(f, 0, "slow", 1, 0, "/bin/sh", "-c", "sleep 30; sleep 30");
	fx_start(f);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	send_msg(f, NOTIFY_ALERT, "web");
	f->want_finals = 1;
	event_base_dispatch(f->base);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_int_equal(f->nr, 1);
	assert_true(f->r[0].final && !f->r[0].delivered);
	assert_string_equal(f->r[0].error, "killed after the 1 s timeout");
	assert_true(secs >= 0.9 && secs < 15);
	notify_stats(f->n, &st, 1);
	assert_int_equal(st.given_up, 1);
	assert_int_equal(st.failed_attempts, 1);
	fx_free(f);
}

static void
test_errors(void **state)
{
	struct fx *f = fx_new();

	(void)state;
	exec_alert(f, 0, "missing", 5, 0, "/nonexistent/page-oncall", NULL, NULL);
	exec_alert(f, 1, "signal", 5, 0, "/bin/sh", "-c", "echo dying; kill -9 $$");
	fx_start(f);
	assert_int_equal(send_msg(f, NOTIFY_ALERT, "web"), 2);
	f->want_finals = 2;
	event_base_dispatch(f->base);
	assert_int_equal(f->nr, 2);
	for (int i = 0; i < 2; i++) {
		assert_true(f->r[i].final && !f->r[i].delivered);
		if (strcmp(f->r[i].channel, "missing") == 0)
			assert_string_equal(f->r[i].error,
			    "/nonexistent/page-oncall: No such file or directory");
		else
			assert_string_equal(f->r[i].error, "killed by signal 9: dying");
	}
	fx_free(f);
}

/* A reload that fixes the command lets the queued alert through. */
static void
test_reload_fixes_channel(void **state)
{
	struct fx *f = fx_new();
	struct conf fixed = {.state_dir = (char *)"state"};
	struct conf_alert good;
	char *argv[] = {(char *)"/bin/true", NULL};
	struct notify_stats st;

	(void)state;
	exec_alert(f, 0, "pager", 5, 60, "/bin/false", NULL, NULL);
	good = f->a[0];
	good.command.v = argv;
	good.command.n = 1;
	fixed.alerts = &good;
	fixed.nalerts = 1;
	f->reload_to = &fixed;
	fx_start(f);
	send_msg(f, NOTIFY_ALERT, "web");
	f->want_finals = 1;
	event_base_dispatch(f->base);
	assert_int_equal(f->nr, 2);
	assert_false(f->r[0].final);
	assert_string_equal(f->r[0].error, "exit status 1");
	assert_true(f->r[1].delivered);
	assert_int_equal(f->r[1].attempt, 2);
	notify_stats(f->n, &st, 1);
	assert_int_equal(st.sent, 1);
	assert_int_equal(st.failed_attempts, 1);
	fx_free(f);
}

static void
stop_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

/* Removing a channel, and stopping, report the pending deliveries. */
static void
test_abandon(void **state)
{
	struct fx *f = fx_new();
	struct conf none = {.state_dir = (char *)"state"};
	struct event *stop;
	struct timeval tv = {0, 200000};
	struct notify_stats st;

	(void)state;
	exec_alert(f, 0, "hang1", 60, 600, "/bin/sleep", "30", NULL);
	fx_start(f);
	send_msg(f, NOTIFY_ALERT, "web");
	send_msg(f, NOTIFY_RECOVERY, "web");
	stop = evtimer_new(f->base, stop_cb, f->base);
	evtimer_add(stop, &tv);
	event_base_dispatch(f->base);
	assert_int_equal(f->nr, 0);
	assert_int_equal(notify_stats(f->n, &st, 1), 1);
	assert_int_equal(st.pending, 2);
	assert_int_equal(notify_reload(f->n, &none), 0);
	assert_int_equal(f->nr, 2);
	for (int i = 0; i < 2; i++) {
		assert_true(f->r[i].final && !f->r[i].delivered);
		assert_string_equal(
		    f->r[i].error, "channel removed from the configuration");
	}
	assert_int_equal(f->r[0].attempt, 1); /* the running one */
	assert_int_equal(f->r[1].attempt, 0); /* the one waiting behind it */
	assert_int_equal(notify_stats(f->n, &st, 1), 0);

	/* and at stop */
	exec_alert(f, 0, "hang2", 60, 600, "/bin/sleep", "30", NULL);
	assert_int_equal(notify_reload(f->n, &f->c), 0);
	send_msg(f, NOTIFY_ALERT, "web");
	evtimer_add(stop, &tv);
	event_base_dispatch(f->base);
	notify_free(f->n);
	f->n = NULL;
	assert_int_equal(f->nr, 3);
	assert_string_equal(f->r[2].error, "monitor stopping");
	assert_string_equal(f->r[2].channel, "hang2");
	event_free(stop);
	fx_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_retry_and_order),
	    cmocka_unit_test(test_timeout_kills),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_reload_fixes_channel),
	    cmocka_unit_test(test_abandon),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
