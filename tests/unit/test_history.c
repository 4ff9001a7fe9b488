/*
 * test_history.c - outages split at announced windows and grouped into
 * incidents (monitor/history.c): an outage inside a window is no incident,
 * an overrun starts its incident where the window ended, overlapping
 * windows count once, and outages of one component that overlap are one
 * incident while an open one is an open incident.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "history.h"

static void
test_inside_window_is_no_incident(void **state)
{
	struct history_span w[] = {{100, 400}}, out[4];

	(void)state;
	assert_int_equal(history_unplanned(150, 300, w, 1, out, 4), 0);
	assert_int_equal(history_unplanned(100, 400, w, 1, out, 4), 0);
}

static void
test_overrun_starts_at_window_end(void **state)
{
	struct history_span w[] = {{100, 400}}, out[4];

	(void)state;
	assert_int_equal(history_unplanned(150, 700, w, 1, out, 4), 1);
	assert_int_equal(out[0].start, 400);
	assert_int_equal(out[0].end, 700);
	/* begun before the window: two unplanned parts around it */
	assert_int_equal(history_unplanned(50, 500, w, 1, out, 4), 2);
	assert_int_equal(out[0].start, 50);
	assert_int_equal(out[0].end, 100);
	assert_int_equal(out[1].start, 400);
	assert_int_equal(out[1].end, 500);
}

static void
test_overlapping_windows(void **state)
{
	/* unsorted, overlapping and back to back: covered 100-600 and 800-900 */
	struct history_span w[] = {{800, 900}, {300, 600}, {100, 350}}, out[4];

	(void)state;
	assert_int_equal(history_unplanned(0, 1000, w, 3, out, 4), 3);
	assert_int_equal(out[0].start, 0);
	assert_int_equal(out[0].end, 100);
	assert_int_equal(out[1].start, 600);
	assert_int_equal(out[1].end, 800);
	assert_int_equal(out[2].start, 900);
	assert_int_equal(out[2].end, 1000);
	assert_int_equal(history_unplanned(0, 1000, NULL, 0, out, 4), 1);
}

static void
test_group_by_component(void **state)
{
	struct history_item it[] = {
	    {1, 500, 600, 0},			/* component 1, alone */
	    {0, 100, 200, 1},			/* component 0: 100-300 with the next */
	    {0, 150, 300, 2}, {0, 300, 400, 3}, /* touches at 300: the same incident */
	    {0, 1000, 0, 4},			/* open: its incident is open */
	};
	struct history_group g[5];

	(void)state;
	assert_int_equal(history_group(it, 5, g), 3);
	assert_int_equal(g[0].comp, 0);
	assert_int_equal(g[0].start, 100);
	assert_int_equal(g[0].end, 400);
	assert_int_equal(g[0].n, 3);
	assert_int_equal(it[g[0].first].outage, 1);
	assert_int_equal(g[1].start, 1000);
	assert_int_equal(g[1].end, 0);
	assert_int_equal(g[2].comp, 1);
	assert_int_equal(g[2].n, 1);
	assert_int_equal(it[g[2].first].outage, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_inside_window_is_no_incident),
	    cmocka_unit_test(test_overrun_starts_at_window_end),
	    cmocka_unit_test(test_overlapping_windows),
	    cmocka_unit_test(test_group_by_component),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
