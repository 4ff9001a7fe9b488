/*
 * test_store_rrdcached.c - the store through a real rrdcached of the test's
 * own (unix socket in a temporary folder, or 127.0.0.1): stopped and
 * restarted under a running writer without losing a step, absent at start,
 * the bound on buffered updates, the log of acknowledged steps kept small
 * (without a lock on the files), and the TCP mode where names are relative.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <rrd.h>

#include "store-int.h"
#include "store.h"
#include "storetest.h"

#define T0 1769904000L /* 2026-02-01 00:00 UTC */

/*
 * The read locks this process takes (librrd's readers call fcntl; this
 * definition comes first for them, and forwards every call to the kernel).
 * rrdcached, finding a file locked when it writes its cache out, drops
 * those steps for good (1.7.2 answers "Successfully flushed" to the flush).
 */
static int read_locks;

int
fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if ((cmd == F_SETLK || cmd == F_SETLKW) &&
	    ((struct flock *)arg)->l_type == F_RDLCK)
		read_locks++;
	return (int)syscall(SYS_fcntl, fd, cmd, arg);
}

static int
setup(void **state)
{
	*state = fixture_new();
	return 0;
}

static int
teardown(void **state)
{
	fixture_free(*state);
	return 0;
}

/* the value of step i: distinct enough that a lost or shifted step shows */
static void
put(struct store *s, struct month *m, long i)
{
	double down = (double)(i % 61);

	month_put(s, m, "web", T0 + i * 60, 60 - down, down, 0, (double)i);
}

static void
check_all(struct store *s, const struct month *m, time_t to)
{
	struct store_sums got, want;

	assert_int_equal(store_sum(s, "web", T0, to, &got), 0);
	month_expect(m, T0, to, &want);
	assert_true(got.up_s == want.up_s);
	assert_true(got.down_s == want.down_s);
	assert_int_equal(got.steps, (to - T0) / 60);
	assert_int_equal(got.unknown_steps, 0);
}

/* A daemon that lost everything it had not written to the files: killed,
 * its journal removed, started again. */
static void
rrdcached_lose_cache(struct fixture *f)
{
	char cmd[200];

	fixture_rrdcached_stop(f, SIGKILL);
	snprintf(cmd, sizeof(cmd), "rm -f %s/journal/*", f->dir);
	assert_int_equal(system(cmd), 0);
	fixture_rrdcached_start(f, 0);
}

static void
restart_under_writer(struct fixture *f, int sig)
{
	struct store *s;
	struct month m;
	long i;

	fixture_rrdcached_start(f, 0);
	s = fixture_store(f, f->daemon, 3600);
	month_init(&m, T0, 600);
	assert_int_equal(store_ensure(s, "web", T0 + 60), 0);
	for (i = 1; i <= 200; i++)
		put(s, &m, i);
	assert_int_equal(store_pending(s), 0);
	/* the reader flushes rrdcached before it reads the file */
	check_all(s, &m, T0 + 200 * 60);
	/* these are only in the daemon's cache and journal when it stops */
	for (i = 201; i <= 250; i++)
		put(s, &m, i);
	assert_int_equal(store_pending(s), 0);

	fixture_rrdcached_stop(f, sig);
	for (i = 251; i <= 300; i++)
		put(s, &m, i);
	assert_true(store_pending(s) > 0);
	assert_int_equal(store_retry(s), store_pending(s));
	assert_int_equal(store_last(s, "web"), T0 + 300 * 60);

	fixture_rrdcached_start(f, 0);
	assert_int_equal(store_retry(s), 0);
	for (i = 301; i <= 400; i++)
		put(s, &m, i);
	assert_int_equal(store_pending(s), 0);
	check_all(s, &m, T0 + 400 * 60);

	/* and the file itself, as rrdtool sees it after store_close */
	fixture_store(f, NULL, 3600);
	{
		double sums[3];
		struct store_sums want;

		assert_int_equal(
		    fixture_fetch_sum(f, "web", T0, T0 + 400 * 60, 60, sums), 0);
		month_expect(&m, T0, T0 + 400 * 60, &want);
		assert_true(sums[0] == want.up_s && sums[1] == want.down_s);
	}
	month_free(&m);
}

static void
test_rrdcached_stopped_and_restarted(void **state)
{
	restart_under_writer(*state, SIGTERM);
}

/* a daemon killed outright: what it acknowledged is in its journal (-j) */
static void
test_rrdcached_killed_and_restarted(void **state)
{
	restart_under_writer(*state, SIGKILL);
}

/* more lost than the writer keeps (STORE_RETAIN): no step is left unknown */
static void
test_rrdcached_lost_more_than_kept(void **state)
{
	struct fixture *f = *state;
	struct store_sums got, want;
	struct store *s;
	struct month m;
	long i;

	fixture_rrdcached_start(f, 0);
	s = fixture_store(f, f->daemon, 3600);
	month_init(&m, T0, 400);
	assert_int_equal(store_ensure(s, "web", T0 + 60), 0);
	for (i = 1; i <= 200; i++)
		put(s, &m, i);
	rrdcached_lose_cache(f);
	put(s, &m, 201);
	assert_int_equal(store_retry(s), 0);
	assert_int_equal(store_sum(s, "web", T0, T0 + 201 * 60, &got), 0);
	assert_int_equal(got.steps, 201);
	assert_int_equal(got.unknown_steps, 0);
	/* the last hour was sent again; before it, lost steps are rows of zeros */
	assert_int_equal(store_sum(s, "web", T0 + 140 * 60, T0 + 201 * 60, &got), 0);
	month_expect(&m, T0 + 140 * 60, T0 + 201 * 60, &want);
	assert_true(got.up_s == want.up_s && got.down_s == want.down_s);
	assert_int_equal(store_sum(s, "web", T0, T0 + 140 * 60, &got), 0);
	assert_true(got.up_s == 0 && got.down_s == 0 && got.maint_s == 0);
	assert_int_equal(got.steps, 140);
	month_free(&m);
}

/*
 * The log of steps rrdcached acknowledged (sent again if it loses them) is
 * bounded: an hour at most, in an array that does not keep the steps it
 * forgot; and with a unix socket, cut where the file itself has the steps.
 * Two days of steps here, in a daemon that writes nothing by itself (-w
 * 3600 in real time), then a flush; nothing may be lost when the daemon is
 * then killed and its journal removed.
 */
static void
test_rrdcached_acked_log_bounded(void **state)
{
	struct fixture *f = *state;
	struct store_target *t;
	struct store *s;
	struct month m;
	struct store_sums got;
	long i, n = 2 * 1440;

	fixture_rrdcached_start(f, 0);
	s = fixture_store(f, f->daemon, 3600);
	month_init(&m, T0, n + 20);
	read_locks = 0;
	assert_int_equal(store_ensure(s, "web", T0 + 60), 0);
	for (i = 1; i <= n; i++)
		put(s, &m, i);
	/* the writer reads the file's header, never with librrd's read lock:
	 * rrdcached drops the cached steps of a file it finds locked */
	assert_int_equal(read_locks, 0);
	assert_int_equal(store_pending(s), 0);
	t = store_target_find(s, "web");
	assert_non_null(t);
	/* every step differs: an entry each, the last hour of them */
	assert_int_equal(t->acked.len - t->acked.head, 3600 / 60);
	assert_true(t->acked.cap <= 128);
	/* the reader's flush puts every step in the file, and the reader,
	 * too, reads it without librrd's read lock: a second flush of the
	 * file (another reader, `slamon report`, rrdcached's own timer) could
	 * come while it reads */
	read_locks = 0;
	check_all(s, &m, T0 + n * 60);
	assert_int_equal(read_locks, 0);
	read_locks = 0;
	for (i = n + 1; i <= n + 10; i++)
		put(s, &m, i);
	assert_int_equal(read_locks, 0);
	assert_true(t->acked.len - t->acked.head <= 10);
	assert_true(t->acked.v[t->acked.head].first > T0 + n * 60);
	/* what was forgotten is in the file; the rest is sent again */
	rrdcached_lose_cache(f);
	put(s, &m, n + 11);
	assert_int_equal(store_retry(s), 0);
	check_all(s, &m, T0 + (n + 11) * 60);
	assert_int_equal(store_sum(s, "web", T0 + n * 60, T0 + (n + 11) * 60, &got), 0);
	assert_int_equal(got.steps, 11);
	month_free(&m);
}

/*
 * A target up all through: what rrdcached acknowledged is one entry (the
 * log keeps the seconds, not the latency; the first step, begun mid-way,
 * is forgotten once the file has it), and a daemon that lost it gets every
 * step's seconds again, with the latency unknown.
 */
static void
test_rrdcached_acked_up_steps_one_entry(void **state)
{
	struct fixture *f = *state;
	struct store_target *t;
	struct store_sums got;
	struct store *s;
	long i;

	fixture_rrdcached_start(f, 0);
	s = fixture_store(f, f->daemon, 3600);
	assert_int_equal(store_ensure(s, "web", T0 + 60), 0);
	assert_int_equal(store_update(s, "web", T0 + 60, 30, 0, 0, 10), 0);
	for (i = 2; i <= 50; i++)
		assert_int_equal(
		    store_update(s, "web", T0 + i * 60, 60, 0, 0, 10 + i), 0);
	t = store_target_find(s, "web");
	assert_int_equal(t->acked.len - t->acked.head, 2);
	/* the reader's flush puts them in the file: the next step reads its
	 * header and forgets the first one */
	assert_int_equal(store_sum(s, "web", T0, T0 + 50 * 60, &got), 0);
	assert_int_equal(store_update(s, "web", T0 + 51 * 60, 60, 0, 0, 61), 0);
	assert_int_equal(t->acked.len - t->acked.head, 1);
	assert_int_equal(t->acked.cap, 1);
	for (i = 52; i <= 60; i++)
		assert_int_equal(
		    store_update(s, "web", T0 + i * 60, 60, 0, 0, 10 + i), 0);
	assert_int_equal(t->acked.len - t->acked.head, 1);
	assert_int_equal(t->acked.cap, 1);
	rrdcached_lose_cache(f);
	assert_int_equal(store_update(s, "web", T0 + 61 * 60, 60, 0, 0, 61), 0);
	assert_int_equal(store_retry(s), 0);
	assert_int_equal(store_sum(s, "web", T0, T0 + 61 * 60, &got), 0);
	assert_int_equal(got.steps, 61);
	assert_int_equal(got.unknown_steps, 0);
	assert_true(got.up_s == 30 + 60 * 60 && got.down_s == 0);
}

static void
test_rrdcached_absent_at_start(void **state)
{
	struct fixture *f = *state;
	struct store *s;
	struct month m;
	long i;

	snprintf(f->daemon, sizeof(f->daemon), "unix:%s/sock", f->dir);
	s = fixture_store(f, f->daemon, 3600);
	month_init(&m, T0, 100);
	/* the file is made directly; the updates wait for the daemon */
	assert_int_equal(store_ensure(s, "web", T0 + 60), 0);
	for (i = 1; i <= 50; i++)
		put(s, &m, i);
	assert_int_equal(store_pending(s), 50);
	fixture_rrdcached_start(f, 0);
	assert_int_equal(store_retry(s), 0);
	check_all(s, &m, T0 + 50 * 60);
	month_free(&m);
}

static void
test_bound_on_buffered_updates(void **state)
{
	struct fixture *f = *state;
	struct store *s;
	struct store_sums got;
	struct month m;

	fixture_rrdcached_start(f, 0);
	s = fixture_store(f, f->daemon, 3600);
	month_init(&m, T0, 100);
	assert_int_equal(store_ensure(s, "web", T0 + 60), 0);
	fixture_rrdcached_stop(f, SIGTERM);
	store_set_pending_max(s, 3);
	put(s, &m, 1);
	put(s, &m, 2);
	/* equal rows are one entry: a long fill costs nothing */
	month_fill(s, &m, "web", T0 + 1000 * 60 / 10, 60, 0, 0);
	assert_int_equal(store_pending(s), 100);
	/* the fourth entry does not fit: refused, loudly, not dropped later */
	assert_int_equal(store_update(s, "web", T0 + 101 * 60, 1, 59, 0, 1), -1);
	assert_int_equal(store_last(s, "web"), T0 + 100 * 60);
	fixture_rrdcached_start(f, 0);
	assert_int_equal(store_retry(s), 0);
	/* the refused step is then written as a step without data */
	assert_int_equal(store_update(s, "web", T0 + 102 * 60, 60, 0, 0, 1), 0);
	assert_int_equal(store_sum(s, "web", T0, T0 + 102 * 60, &got), 0);
	assert_int_equal(got.steps, 102);
	assert_int_equal(got.unknown_steps, 0);
	assert_true(got.down_s == 1 + 2);
	assert_true(got.up_s == 59 + 58 + 98 * 60 + 60);
	month_free(&m);
}

static void
test_rrdcached_over_tcp(void **state)
{
	struct fixture *f = *state;
	struct store *s;
	struct month m;
	long i;

	fixture_rrdcached_start(f, 1);
	s = fixture_store(f, f->daemon, 3600);
	month_init(&m, T0, 300);
	/* created by rrdcached from a relative name, in its -b directory */
	assert_int_equal(store_ensure(s, "web", T0 + 60), 0);
	assert_string_equal(store_path(s, "web"), "web.rrd");
	assert_int_equal(access(fixture_rrd(f, "web"), F_OK), 0);
	for (i = 1; i <= 150; i++)
		put(s, &m, i);
	check_all(s, &m, T0 + 150 * 60);
	/* a second writer (a restarted monitor) learns the last step from it */
	s = fixture_store(f, f->daemon, 3600);
	assert_int_equal(store_ensure(s, "web", T0 + 60), 0);
	assert_int_equal(store_last(s, "web"), T0 + 150 * 60);
	for (i = 151; i <= 200; i++)
		put(s, &m, i);
	check_all(s, &m, T0 + 200 * 60);
	month_free(&m);
}

/*
 * Deferred (run): while rrdcached is away the line is not tried for a
 * second after each failure; once it answers, every step is written.
 */
static void
test_rrdcached_deferred(void **state)
{
	struct fixture *f = *state;
	struct timespec ts = {0, 20 * 1000 * 1000};
	struct store *s;
	struct month m;
	long i;
	int n;

	fixture_rrdcached_start(f, 0);
	s = fixture_store(f, f->daemon, 3600);
	month_init(&m, T0, 300);
	assert_int_equal(store_ensure(s, "web", T0 + 60), 0);
	store_set_deferred(s, true);
	for (i = 1; i <= 100; i++)
		put(s, &m, i);
	assert_int_equal(store_pending(s), 100);
	assert_false(store_flush_some(s, 10));
	assert_int_equal(store_pending(s), 0);
	check_all(s, &m, T0 + 100 * 60);

	fixture_rrdcached_stop(f, SIGTERM);
	for (i = 101; i <= 150; i++)
		put(s, &m, i);
	assert_true(store_flush_due(s));
	assert_false(store_flush_some(s, 10));
	assert_int_equal(store_pending(s), 50);
	/* tried again a second later, not at every update */
	assert_false(store_flush_due(s));
	put(s, &m, 151);
	assert_false(store_flush_due(s));
	fixture_rrdcached_start(f, 0);
	for (n = 0; n < 500 && !store_flush_due(s); n++)
		nanosleep(&ts, NULL);
	assert_true(store_flush_due(s));
	assert_false(store_flush_some(s, 10));
	assert_int_equal(store_pending(s), 0);
	check_all(s, &m, T0 + 151 * 60);
	month_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_rrdcached_stopped_and_restarted, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_rrdcached_killed_and_restarted, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_rrdcached_lost_more_than_kept, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_rrdcached_absent_at_start, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_bound_on_buffered_updates, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_rrdcached_acked_log_bounded, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_rrdcached_acked_up_steps_one_entry, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rrdcached_over_tcp, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rrdcached_deferred, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
