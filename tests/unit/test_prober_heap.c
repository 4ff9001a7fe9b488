/* test_prober_heap.c - the prober's timer heap (monitor/prober-heap.c), the
 * default cap on probes in flight (prober_max_inflight_for) and the limit
 * that adapts under it (prober_limit_next). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "prober-heap.h"
#include "prober.h"

#define N 2000

/* The heap's invariant, and every node's idx pointing at its own slot. */
static void
check_heap(const struct prober_heap *h)
{
	for (size_t i = 0; i < h->n; i++) {
		assert_int_equal(h->v[i].node->idx, i);
		if (i > 0)
			assert_true(h->v[(i - 1) / 2].key <= h->v[i].key);
	}
}

static void
test_order_update_remove(void **state)
{
	static struct prober_heap_node nodes[N];
	static double want[N]; /* each node's key, as last set */
	struct prober_heap h;
	bool in[N] = {0};
	double last = -1;
	size_t n = 0;

	(void)state;
	prober_heap_init(&h);
	srand(17);
	for (size_t i = 0; i < N; i++) {
		nodes[i].idx = PROBER_HEAP_NONE;
		want[i] = (double)(rand() % 10000);
		prober_heap_push(&h, &nodes[i], want[i]);
		in[i] = true;
	}
	check_heap(&h);
	/* keys moved both ways, as a start (later) and a retry (earlier) do */
	for (size_t k = 0; k < 3 * N; k++) {
		size_t i = (size_t)rand() % N;
		want[i] = (double)(rand() % 10000);
		prober_heap_update(&h, &nodes[i], want[i]);
	}
	check_heap(&h);
	/* every key followed its node through the moves */
	for (size_t i = 0; i < N; i++)
		assert_true(prober_heap_key(&h, &nodes[i]) == want[i]);
	/* removals from anywhere, as a reload does; twice is harmless */
	for (size_t i = 0; i < N; i += 3) {
		prober_heap_remove(&h, &nodes[i]);
		prober_heap_remove(&h, &nodes[i]);
		assert_int_equal(nodes[i].idx, PROBER_HEAP_NONE);
		in[i] = false;
	}
	check_heap(&h);
	/* a node out of the heap is left alone by an update */
	prober_heap_update(&h, &nodes[0], 1.0);
	assert_int_equal(nodes[0].idx, PROBER_HEAP_NONE);
	check_heap(&h);
	for (size_t i = 0; i < N; i++)
		n += in[i];
	assert_int_equal(h.n, n);
	/* the count of due nodes agrees with a scan */
	{
		size_t due = 0;
		for (size_t i = 0; i < N; i++)
			due += in[i] && want[i] <= 2500;
		assert_int_equal(prober_heap_count_le(&h, 2500), due);
	}
	/* popping the top gives the keys in order */
	for (;;) {
		double key;
		struct prober_heap_node *t = prober_heap_top(&h, &key);

		if (t == NULL)
			break;
		assert_true(key >= last);
		assert_true(key == want[t - nodes]);
		last = key;
		prober_heap_remove(&h, t);
		n--;
	}
	assert_int_equal(n, 0);
	prober_heap_clear(&h);
}

/* Equal keys (targets due in the same ms) all come out, none lost. */
static void
test_equal_keys(void **state)
{
	static struct prober_heap_node nodes[100];
	struct prober_heap h;

	(void)state;
	prober_heap_init(&h);
	for (size_t i = 0; i < 100; i++)
		prober_heap_push(&h, &nodes[i], 5.0);
	assert_int_equal(prober_heap_count_le(&h, 5.0), 100);
	assert_int_equal(prober_heap_count_le(&h, 4.9), 0);
	for (size_t i = 0; i < 100; i++)
		prober_heap_remove(&h, prober_heap_top(&h, NULL));
	assert_null(prober_heap_top(&h, NULL));
	prober_heap_clear(&h);
}

static void
test_max_inflight_default(void **state)
{
	(void)state;
	/* cores decide when descriptors are plenty */
	assert_int_equal(prober_max_inflight_for(2, 65536), 512);
	assert_int_equal(prober_max_inflight_for(8, 65536), 2048);
	/* the open files limit decides when it is low: a third of it less 256 */
	assert_int_equal(prober_max_inflight_for(8, 1024), 256);
	assert_int_equal(prober_max_inflight_for(8, 4096), 1280);
	/* never below 16, never from a nonsense core count */
	assert_int_equal(prober_max_inflight_for(4, 100), 16);
	assert_int_equal(prober_max_inflight_for(0, 65536), 256);
}

/* The adaptive limit (prober_limit_next): it moves only while starts wait,
 * down when the loop's CPU was the bottleneck, up when the network was. */
static void
test_limit_adapts(void **state)
{
	size_t l = 512;
	int n;

	(void)state;
	/* nothing waited: the limit is not what held anything back */
	assert_int_equal(prober_limit_next(512, 512, false, 1.0), 512);
	assert_int_equal(prober_limit_next(40, 512, false, 0.0), 40);
	/* waited, the loop busy: down by a quarter each period, to the floor */
	assert_int_equal(prober_limit_next(512, 512, true, 0.95), 384);
	for (n = 0; n < 100 && l > PROBER_LIMIT_FLOOR; n++)
		l = prober_limit_next(l, 512, true, 0.99);
	assert_int_equal(l, PROBER_LIMIT_FLOOR);
	assert_true(n <= 12); /* 3 s at four periods a second */
	assert_int_equal(prober_limit_next(l, 512, true, 1.0), PROBER_LIMIT_FLOOR);
	/* waited, the loop mostly idle (slow or dead targets hold the slots):
	 * up by a quarter each period, back to max_inflight */
	assert_int_equal(prober_limit_next(32, 512, true, 0.2), 41);
	for (n = 0; n < 100 && l < 512; n++)
		l = prober_limit_next(l, 512, true, 0.1);
	assert_int_equal(l, 512);
	assert_true(n <= 14); /* 3.5 s */
	assert_int_equal(prober_limit_next(512, 512, true, 0.0), 512);
	/* in between: stays */
	assert_int_equal(prober_limit_next(100, 512, true, 0.8), 100);
	assert_int_equal(prober_limit_next(100, 512, true, PROBER_BUSY_LOW), 100);
	assert_int_equal(prober_limit_next(100, 512, true, PROBER_BUSY_HIGH), 75);
	/* a max_inflight under the floor is the limit, busy or not */
	assert_int_equal(prober_limit_next(2, 2, true, 1.0), 2);
	assert_int_equal(prober_limit_next(2, 2, true, 0.0), 2);
	/* a lowered max_inflight caps it at once */
	assert_int_equal(prober_limit_next(512, 100, false, 0.5), 100);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_order_update_remove),
	    cmocka_unit_test(test_equal_keys),
	    cmocka_unit_test(test_max_inflight_default),
	    cmocka_unit_test(test_limit_adapts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
