/* test_cluster.c - the wire form of a result between locations and the
 * aggregator (cluster-msg.c) and a probing node's disk buffer
 * (cluster-outbox.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <math.h>

#include "cluster-msg.h"
#include "cluster-outbox.h"

static void
test_subject_and_id(void **unused)
{
	struct cluster_result r = {.loc = "osl", .target = "crm.web", .t = 1773133200};
	char buf[128];

	(void)unused;
	assert_int_equal(
	    cluster_msg_subject("SLAMON", "osl", "crm.web", buf, sizeof(buf)), 0);
	/* a dot would split the target into two subject tokens */
	assert_string_equal(buf, "SLAMON.results.osl.crm%2Eweb");
	assert_int_equal(cluster_msg_subject("S", "osl", "web", buf, 14), -1);
	assert_int_equal(cluster_msg_id(&r, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "osl:crm.web:1773133200");
}

static void
test_roundtrip_and_refusals(void **unused)
{
	struct cluster_result r = {.loc = "fra",
	    .target = "api",
	    .t = 1773133217,
	    .ok = false,
	    .latency_ms = NAN,
	    .detail = "connect: \"refused\"\n"};
	struct cluster_result back;
	char err[128], *s;
	static const char *const bad[] = {
	    "[]",
	    "{\"target\":\"a\",\"t\":1,\"ok\":true}",
	    "{\"loc\":\"x\",\"target\":\"a\",\"t\":-5,\"ok\":true}",
	    "{\"loc\":\"x\",\"target\":\"a\",\"t\":1,\"ok\":1}",
	    "{\"loc\":\"x\",\"target\":\"a\",\"t\":1,\"ok\":true,\"latency_ms\":-1}",
	    "{\"loc\":\"x\",\"loc\":\"y\",\"target\":\"a\",\"t\":1,\"ok\":true}",
	    "{\"loc\":\"x\",\"target\":\"a\",\"t\":1,\"ok\":true,\"detail\":3}",
	    "not json",
	};

	(void)unused;
	s = cluster_msg_encode(&r);
	assert_null(strchr(s, '\n')); /* one line, for the disk buffer */
	assert_null(strchr(s, '\t'));
	assert_int_equal(cluster_msg_decode(s, strlen(s), &back, err, sizeof(err)), 0);
	assert_string_equal(back.loc, "fra");
	assert_string_equal(back.target, "api");
	assert_int_equal(back.t, 1773133217);
	assert_false(back.ok);
	assert_true(isnan(back.latency_ms));
	assert_string_equal(back.detail, r.detail);
	free(s);
	r.ok = true;
	r.latency_ms = 12.25;
	s = cluster_msg_encode(&r);
	assert_int_equal(cluster_msg_decode(s, strlen(s), &back, err, sizeof(err)), 0);
	assert_true(back.ok);
	assert_true(back.latency_ms == 12.25);
	free(s);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(
		    cluster_msg_decode(bad[i], strlen(bad[i]), &back, err, sizeof(err)),
		    -1);
}

static char dir[64];

static int
mkdir_setup(void **unused)
{
	(void)unused;
	snprintf(dir, sizeof(dir), "/tmp/slamon-outbox-XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
rm_teardown(void **unused)
{
	char cmd[128];

	(void)unused;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void
test_outbox_order_bound_and_restart(void **unused)
{
	struct cluster_outbox o;
	struct cluster_outbox_item it[8];
	char err[256], *buf = NULL, path[128];
	size_t cap = 0, n;
	FILE *f;

	(void)unused;
	assert_int_equal(
	    cluster_outbox_open(&o, dir, "outbox", 100, err, sizeof(err)), 0);
	assert_true(cluster_outbox_empty(&o));
	assert_int_equal(
	    cluster_outbox_append(&o, "S.results.a.w", "a:w:1", "{\"n\":1}"), 0);
	assert_int_equal(
	    cluster_outbox_append(&o, "S.results.a.w", "a:w:2", "{\"n\":2}"), 0);
	assert_int_equal(
	    cluster_outbox_append(&o, "S.results.a.w", "a:w:3", "{\"n\":3}"), 0);
	/* a fourth would pass the 100-byte bound: refused and counted */
	assert_int_equal(
	    cluster_outbox_append(&o, "S.results.a.w", "a:w:4", "{\"n\":4}"), 1);
	assert_int_equal(o.dropped, 1);
	n = cluster_outbox_peek(&o, it, 2, &buf, &cap);
	assert_int_equal(n, 2);
	assert_string_equal(it[0].id, "a:w:1");
	assert_string_equal(it[1].body, "{\"n\":2}");
	cluster_outbox_consume(&o, it[0].next);
	cluster_outbox_close(&o);

	/* a crash left a torn line; the published edge survives the restart */
	snprintf(path, sizeof(path), "%s/outbox", dir);
	f = fopen(path, "a");
	fputs("S.results.a.w\ta:w:9\t{\"n", f);
	fclose(f);
	assert_int_equal(
	    cluster_outbox_open(&o, dir, "outbox", 100, err, sizeof(err)), 0);
	n = cluster_outbox_peek(&o, it, 8, &buf, &cap);
	assert_int_equal(n, 2);
	assert_string_equal(it[0].id, "a:w:2");
	assert_string_equal(it[1].id, "a:w:3");
	cluster_outbox_consume(&o, it[1].next);
	assert_true(cluster_outbox_empty(&o));
	assert_int_equal(o.size, 0); /* emptied, not grown forever */
	assert_int_equal(
	    cluster_outbox_append(&o, "S.results.a.w", "a:w:5", "{\"n\":5}"), 0);
	n = cluster_outbox_peek(&o, it, 8, &buf, &cap);
	assert_int_equal(n, 1);
	assert_string_equal(it[0].id, "a:w:5");
	cluster_outbox_close(&o);

	/* a stale position in the middle of a line: read from the start */
	snprintf(path, sizeof(path), "%s/outbox.pos", dir);
	f = fopen(path, "w");
	fputs("5\n", f);
	fclose(f);
	assert_int_equal(
	    cluster_outbox_open(&o, dir, "outbox", 100, err, sizeof(err)), 0);
	n = cluster_outbox_peek(&o, it, 8, &buf, &cap);
	assert_int_equal(n, 1);
	assert_string_equal(it[0].subject, "S.results.a.w");
	assert_string_equal(it[0].id, "a:w:5");
	cluster_outbox_close(&o);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_subject_and_id),
	    cmocka_unit_test(test_roundtrip_and_refusals),
	    cmocka_unit_test_setup_teardown(
		test_outbox_order_bound_and_restart, mkdir_setup, rm_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
