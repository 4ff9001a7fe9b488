/* test_fdlimit.c - the descriptor budget of `slamon run` (monitor/fdlimit.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fdlimit.h"

/* The page gets what probing leaves: 64 + 3 per probe in flight, and what
 * is open. */
static void
test_budget_after_reserve(void **unused)
{
	(void)unused;
	/* ulimit -n 1024, 200 probes at once, 20 open: 1024 - 20 - (64 + 600) */
	assert_int_equal(fdlimit_http_budget(1024, 20, 200), 340);
	/* systemd's hard limit: plenty for both */
	assert_int_equal(fdlimit_http_budget(524288, 30, 512), 524288 - 30 - 1600);
}

/* A limit too small for the targets still leaves the page reachable. */
static void
test_budget_floor(void **unused)
{
	(void)unused;
	assert_int_equal(fdlimit_http_budget(1024, 20, 400), FDLIMIT_MIN_HTTP);
	assert_int_equal(fdlimit_http_budget(40, 12, 48), FDLIMIT_MIN_HTTP);
}

/* The soft limit ends at the hard one; the figure returned is usable. */
static void
test_raise_reaches_hard(void **unused)
{
	long n;

	(void)unused;
	n = fdlimit_raise();
	assert_true(n >= 3);
	assert_true(fdlimit_open_now() >= 3); /* stdin, stdout, stderr */
	assert_true(fdlimit_open_now() < n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_budget_after_reserve),
	    cmocka_unit_test(test_budget_floor),
	    cmocka_unit_test(test_raise_reaches_hard),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
