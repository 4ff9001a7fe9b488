/*
 * test_mclock.c - the monitor's clock with injected readings: steady,
 * a forward jump (re-anchored, the span reported), a backward jump (kept
 * ahead, never back), and a forward jump that first eats the lead.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mclock.h"

#define W 1772323200.25 /* wall at the start */
#define M 1000.0	/* monotonic at the start */

static void
test_steady_and_slew(void **unused)
{
	struct mclock c;
	time_t a, b;

	(void)unused;
	mclock_init(&c, W, M);
	assert_true(mclock_at(&c, M + 30.5) == W + 30.5);
	/* a second of drift or slew is not a jump */
	assert_int_equal(mclock_check(&c, W + 31.5, M + 30.5, &a, &b), MCLOCK_STEADY);
	assert_true(mclock_at(&c, M + 30.5) == W + 30.5);
}

static void
test_forward_jump(void **unused)
{
	struct mclock c;
	time_t a = 0, b = 0;

	(void)unused;
	mclock_init(&c, W, M);
	assert_int_equal(
	    mclock_check(&c, W + 10 + 7200, M + 10, &a, &b), MCLOCK_FORWARD);
	assert_int_equal(a, (time_t)(W + 10));
	assert_int_equal(b, (time_t)(W + 10 + 7200));
	/* re-anchored: on from there, steady */
	assert_true(mclock_at(&c, M + 20) == W + 20 + 7200);
	assert_int_equal(
	    mclock_check(&c, W + 20 + 7200, M + 20, &a, &b), MCLOCK_STEADY);
}

static void
test_backward_jump_keeps_ahead(void **unused)
{
	struct mclock c;
	time_t a = 0, b = 0;

	(void)unused;
	mclock_init(&c, W, M);
	assert_int_equal(
	    mclock_check(&c, W + 10 - 600, M + 10, &a, &b), MCLOCK_BACKWARD);
	assert_int_equal(a - b, 600);
	assert_true(c.ahead == 600);
	/* never back: the monitor's time goes on from where it was */
	assert_true(mclock_at(&c, M + 11) == W + 11);
	/* and the same offset later is no new jump */
	assert_int_equal(
	    mclock_check(&c, W + 100 - 600, M + 100, &a, &b), MCLOCK_STEADY);
	/* a forward jump smaller than the lead eats it, no gap */
	assert_int_equal(
	    mclock_check(&c, W + 110 - 200, M + 110, &a, &b), MCLOCK_STEADY);
	assert_true(c.ahead == 200);
	/* a bigger one: the rest is a gap */
	assert_int_equal(
	    mclock_check(&c, W + 120 + 300, M + 120, &a, &b), MCLOCK_FORWARD);
	assert_int_equal(b - a, 300);
	assert_true(c.ahead == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_steady_and_slew),
	    cmocka_unit_test(test_forward_jump),
	    cmocka_unit_test(test_backward_jump_keeps_ahead),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
