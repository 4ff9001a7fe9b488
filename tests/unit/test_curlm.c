/*
 * test_curlm.c - libcurl's timer on the event loop (monitor/curlm.c):
 * transfers to a listener on 127.0.0.1 that never answers end in curl's
 * own timeout, also when the earliest deadline moves later under an armed
 * timer (a transfer that held it was abandoned: the lazy timer must follow
 * it, not be lost). Nothing is asserted on speed: a loop exit 10 s out only
 * turns a lost timer into a failure instead of a hang.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "curlm.h"
#include "mclock.h"

struct xfer {
	CURL *e;
	CURLcode rc;
	bool done;
	double at_ms; /* when done came, since the start */
};

static struct event_base *base;
static struct curlm *m;
static int ndone, want;
static double t0;

static double
now_ms(void)
{
	return mclock_mono_now() * 1e3;
}

/* A listener whose backlog completes connections nobody reads from. */
static int
silent_listener(int *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static void
done_cb(CURL *e, CURLcode rc, void *arg)
{
	struct xfer *x = arg;

	x->rc = rc;
	x->done = true;
	x->at_ms = now_ms() - t0;
	curlm_put(m, e);
	if (++ndone == want)
		event_base_loopbreak(base);
}

static void
start(struct xfer *x, int port, long timeout_ms)
{
	char url[64];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
	memset(x, 0, sizeof(*x));
	x->e = curlm_get(m);
	assert_non_null(x->e);
	curl_easy_setopt(x->e, CURLOPT_URL, url);
	curl_easy_setopt(x->e, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(x->e, CURLOPT_NOSIGNAL, 1L);
	assert_int_equal(curlm_add(m, x->e, done_cb, x), 0);
}

static void
cancel_cb(evutil_socket_t fd, short what, void *arg)
{
	struct xfer *x = arg;

	(void)fd;
	(void)what;
	curlm_cancel(m, x->e);
	x->e = NULL;
}

static void
setup_loop(void)
{
	base = event_base_new();
	m = curlm_new(base);
	assert_non_null(m);
	ndone = 0;
	t0 = now_ms();
}

static void
run_loop(void)
{
	struct timeval limit = {10, 0};

	event_base_loopexit(base, &limit);
	event_base_dispatch(base);
}

static void
teardown_loop(void)
{
	curlm_free(m);
	event_base_free(base);
}

static void
test_timeouts_in_order(void **unused)
{
	struct xfer a, b;
	int port, lfd;

	(void)unused;
	lfd = silent_listener(&port);
	setup_loop();
	want = 2;
	/* the later deadline first: the timer is brought forward for the other */
	start(&b, port, 600);
	start(&a, port, 200);
	run_loop();
	assert_int_equal(ndone, 2);
	assert_true(a.done && b.done);
	assert_int_equal(a.rc, CURLE_OPERATION_TIMEDOUT);
	assert_int_equal(b.rc, CURLE_OPERATION_TIMEDOUT);
	assert_true(a.at_ms >= 200 && b.at_ms >= 600);
	assert_true(a.at_ms < b.at_ms);
	teardown_loop();
	close(lfd);
}

static void
test_deadline_moves_later(void **unused)
{
	struct xfer a, b;
	struct event *cancel;
	struct timeval tv = {0, 30 * 1000};
	int port, lfd;

	(void)unused;
	lfd = silent_listener(&port);
	setup_loop();
	want = 1;
	start(&a, port, 100);
	start(&b, port, 700);
	/* a holds the earliest deadline, and goes at 30 ms: the timer armed
	 * for 100 ms then finds curl's next deadline later (b's, or one of
	 * curl's own for b) and must follow it */
	cancel = evtimer_new(base, cancel_cb, &a);
	evtimer_add(cancel, &tv);
	run_loop();
	assert_int_equal(ndone, 1);
	assert_false(a.done);
	assert_true(b.done);
	assert_int_equal(b.rc, CURLE_OPERATION_TIMEDOUT);
	assert_true(b.at_ms >= 700);
	event_free(cancel);
	teardown_loop();
	close(lfd);
}

static void
test_nothing_left_nothing_fires(void **unused)
{
	struct xfer a;
	struct event *cancel;
	struct timeval tv = {0, 20 * 1000};
	int port, lfd;

	(void)unused;
	lfd = silent_listener(&port);
	setup_loop();
	want = 1;
	start(&a, port, 300);
	cancel = evtimer_new(base, cancel_cb, &a);
	evtimer_add(cancel, &tv);
	/* with its only transfer gone, the loop runs out of events and
	 * returns (curl's timer may fire once, to find nothing); a timer
	 * that kept itself going would have SIGALRM end the test */
	alarm(10);
	event_base_dispatch(base);
	alarm(0);
	assert_int_equal(ndone, 0);
	assert_false(a.done);
	event_free(cancel);
	teardown_loop();
	close(lfd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_timeouts_in_order),
	    cmocka_unit_test(test_deadline_moves_later),
	    cmocka_unit_test(test_nothing_left_nothing_fires),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
