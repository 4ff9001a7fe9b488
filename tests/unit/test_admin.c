/* test_admin.c - the admin API's pure parts: token lists, the check of a
 * presented token, per-client limits on failed attempts (injected times),
 * and the request body (monitor/admin-auth.c, monitor/admin-body.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "admin-auth.h"
#include "admin-body.h"
#include "tz.h"

/* sha256("ci-secret-1"), sha256("ops-secret") */
#define H_CI "34d3c6d1ddc0c9ea5a3a41ca4bfa66bbfb4d3da1a0d4e5f2f6d1fbdcb63c0b0c"
#define T0 1796198400 /* 2026-12-02T09:20:00Z */

static void
hash_of(const char *secret, char *hex)
{
	FILE *p;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "printf '%%s' '%s' | sha256sum", secret);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(hex, 65, p));
	pclose(p);
}

static void
test_tokens_parse_and_find(void **unused)
{
	struct admin_tokens ts;
	char ci[65], ops[65], text[512], err[256];
	const struct admin_token *t;

	(void)unused;
	hash_of("ci-secret-1", ci);
	hash_of("ops-secret", ops);
	snprintf(text, sizeof(text),
	    "# deploy pipelines\nci:%s\n\n  ops:%s:emergency,infrastructure # on call\n",
	    ci, ops);
	assert_int_equal(admin_tokens_parse(text, &ts, err, sizeof(err)), 0);
	assert_int_equal(ts.n, 2);
	t = admin_tokens_find(&ts, "ci-secret-1");
	assert_non_null(t);
	assert_string_equal(t->name, "ci");
	assert_true(admin_token_allows(t, "system"));
	t = admin_tokens_find(&ts, "ops-secret");
	assert_non_null(t);
	assert_string_equal(t->name, "ops");
	assert_true(admin_token_allows(t, "emergency"));
	assert_false(admin_token_allows(t, "system"));
	assert_null(admin_tokens_find(&ts, "ops-secre"));
	assert_null(admin_tokens_find(&ts, ""));
	assert_null(admin_tokens_find(&ts, ci)); /* the hash is not the token */
	admin_tokens_free(&ts);

	/* inline, as ${env:...} brings them: blanks or ';' between entries */
	snprintf(text, sizeof(text), "ci:%s;ops:%s:emergency", ci, ops);
	assert_int_equal(admin_tokens_parse(text, &ts, err, sizeof(err)), 0);
	assert_int_equal(ts.n, 2);
	admin_tokens_free(&ts);
}

static void
test_tokens_refused(void **unused)
{
	struct admin_tokens ts;
	char ci[65], text[512], err[256];
	static const char *const bad[] = {
	    "ci",		  /* no hash */
	    "ci:abc",		  /* short */
	    "ci:" H_CI "x",	  /* long */
	    "c i:" H_CI,	  /* a blank splits: "c" has no hash */
	    "ci/x:" H_CI,	  /* name */
	    "ci:" H_CI ":",	  /* empty window list */
	    "",			  /* nothing */
	    "# only a comment\n", /* nothing */
	};

	(void)unused;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(admin_tokens_parse(bad[i], &ts, err, sizeof(err)), -1);
		assert_true(err[0] != '\0');
	}
	hash_of("x", ci);
	snprintf(text, sizeof(text), "a:%s\nb:%s\na:%s\n", ci, ci, ci);
	assert_int_equal(admin_tokens_parse(text, &ts, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "line 3"));
	assert_non_null(strstr(err, "twice"));
	/* a token pasted where its hash belongs */
	assert_int_equal(
	    admin_tokens_parse("ci:ci-secret-1", &ts, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "SHA-256"));
}

static void
test_limiter(void **unused)
{
	static struct admin_limiter l;

	(void)unused;
	for (int i = 0; i < ADMIN_FAIL_MAX - 1; i++) {
		assert_false(admin_limiter_fail(&l, "10.0.0.1", T0 + i));
		assert_int_equal(admin_limiter_wait(&l, "10.0.0.1", T0 + i), 0);
	}
	/* the tenth failure within the minute shuts the client out */
	assert_true(admin_limiter_fail(&l, "10.0.0.1", T0 + 20));
	assert_int_equal(
	    admin_limiter_wait(&l, "10.0.0.1", T0 + 20), ADMIN_FAIL_WINDOW - 20);
	assert_int_equal(
	    admin_limiter_wait(&l, "10.0.0.2", T0 + 20), 0); /* others not */
	assert_int_equal(admin_limiter_wait(&l, "10.0.0.1", T0 + 59), 1);
	assert_int_equal(admin_limiter_wait(&l, "10.0.0.1", T0 + 60), 0);
	/* a new minute starts counting again */
	assert_false(admin_limiter_fail(&l, "10.0.0.1", T0 + 61));
	assert_int_equal(admin_limiter_wait(&l, "10.0.0.1", T0 + 61), 0);
	/* the table is bounded: many clients push out the oldest */
	for (int i = 0; i < ADMIN_FAIL_SLOTS + 10; i++) {
		char c[32];

		snprintf(c, sizeof(c), "192.0.2.%d", i);
		admin_limiter_fail(&l, c, T0 + 100 + i);
	}
}

static int
parse(const char *s, struct admin_post *p, char *field, char *err)
{
	return admin_body_parse(s, strlen(s), p, field, 64, err, 256);
}

static void
test_body(void **unused)
{
	struct admin_post p, q;
	char field[64], err[256];
	unsigned char fp[32];

	(void)unused;
	tz_set("Europe/Oslo");
	assert_int_equal(
	    parse("{\"window\":\"infrastructure\",\"start\":\"2026-12-05 20:00\","
		  "\"end\":\"2026-12-06T05:00:00Z\",\"note\":\"core switch\","
		  "\"idempotency_key\":\"CHG-1\",\"applies_to\":[\"all\"],"
		  "\"announced_at\":\"2020-01-01\"}",
		&p, field, err),
	    0);
	assert_string_equal(p.window, "infrastructure");
	assert_int_equal(p.start, 1796497200); /* 20:00 in Oslo, UTC+1 */
	assert_int_equal(p.end, 1796533200);
	assert_true(p.has_note && p.has_key && p.ignored_announced_at);
	assert_int_equal(p.napplies, 1);
	memcpy(fp, p.fingerprint, sizeof(fp));
	admin_post_free(&p);
	/* the same request, in another order and without the ignored field,
	 * is the same request; a changed note is another */
	assert_int_equal(
	    parse("{\"note\":\"core switch\",\"applies_to\":[\"all\"],\"end\":"
		  "\"2026-12-06 06:00\",\"start\":\"2026-12-05T19:00:00Z\","
		  "\"window\":\"infrastructure\",\"idempotency_key\":\"CHG-1\"}",
		&q, field, err),
	    0);
	assert_memory_equal(fp, q.fingerprint, sizeof(fp));
	admin_post_free(&q);
	assert_int_equal(
	    parse("{\"note\":\"core switch!\",\"applies_to\":[\"all\"],\"end\":"
		  "\"2026-12-06 06:00\",\"start\":\"2026-12-05T19:00:00Z\","
		  "\"window\":\"infrastructure\"}",
		&q, field, err),
	    0);
	assert_memory_not_equal(fp, q.fingerprint, sizeof(fp));
	admin_post_free(&q);
}

static void
test_body_refused(void **unused)
{
	static const struct {
		const char *body, *field;
	} bad[] = {
	    {"not json", "body"},
	    {"[1]", "body"},
	    {"{\"window\":\"w\",\"window\":\"x\",\"start\":\"2026-12-05\",\"end\":\"2026-12-06\"}",
		"body"},
	    {"{\"start\":\"2026-12-05\",\"end\":\"2026-12-06\"}", "window"},
	    {"{\"window\":\"\",\"start\":\"2026-12-05\",\"end\":\"2026-12-06\"}",
		"window"},
	    {"{\"window\":3,\"start\":\"2026-12-05\",\"end\":\"2026-12-06\"}",
		"window"},
	    {"{\"window\":\"w\",\"end\":\"2026-12-06\"}", "start"},
	    {"{\"window\":\"w\",\"start\":1796497200,\"end\":\"2026-12-06\"}", "start"},
	    {"{\"window\":\"w\",\"start\":\"tomorrow\",\"end\":\"2026-12-06\"}",
		"start"},
	    {"{\"window\":\"w\",\"start\":\"2026-12-06\",\"end\":\"2026-12-05\"}",
		"end"},
	    {"{\"window\":\"w\",\"start\":\"2026-12-05\",\"end\":\"2026-12-06\",\"note\":7}",
		"note"},
	    {"{\"window\":\"w\",\"start\":\"2026-12-05\",\"end\":\"2026-12-06\","
	     "\"applies_to\":\"all\"}",
		"applies_to"},
	    {"{\"window\":\"w\",\"start\":\"2026-12-05\",\"end\":\"2026-12-06\","
	     "\"applies_to\":[]}",
		"applies_to"},
	    {"{\"window\":\"w\",\"start\":\"2026-12-05\",\"end\":\"2026-12-06\","
	     "\"idempotency_key\":\"\"}",
		"idempotency_key"},
	    {"{\"window\":\"w\",\"start\":\"2026-12-05\",\"end\":\"2026-12-06\",\"stat\":1}",
		"stat"},
	    /* found by fuzz_admin: an unknown field with an empty name is named */
	    {"{\"window\":\"w\",\"\":[\"all\"]}", "\"\""},
	};
	struct admin_post p;
	char field[64], err[256];

	(void)unused;
	tz_set("Europe/Oslo");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		field[0] = '\0';
		assert_int_equal(parse(bad[i].body, &p, field, err), -1);
		if (strcmp(field, bad[i].field) != 0)
			fail_msg("%s: field %s, wanted %s (%s)", bad[i].body, field,
			    bad[i].field, err);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tokens_parse_and_find),
	    cmocka_unit_test(test_tokens_refused),
	    cmocka_unit_test(test_limiter),
	    cmocka_unit_test(test_body),
	    cmocka_unit_test(test_body_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
