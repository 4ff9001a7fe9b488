/*
 * test_httpd_json.c - the status API builds its answers without leaking:
 * jansson's allocator is counted, every builder's result is released, and
 * nothing may stay allocated. Found by tests/fuzz/fuzz_http.c (a target
 * sharing its component with an earlier one leaked an empty array on
 * every /api/v2/summary.json, status.json and components.json, and on
 * every refresh of /api/v1/uptime.json).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <jansson.h>

#include "conf.h"
#include "httpd-priv.h"
#include "httpd.h"

#define NOW 1776000000 /* 2026-04-12 */

static long live;

static void *
count_malloc(size_t n)
{
	size_t *p = malloc(n + sizeof(size_t) * 2);

	if (p == NULL)
		return NULL;
	live++;
	return p + 2;
}

static void
count_free(void *p)
{
	if (p == NULL)
		return;
	live--;
	free((size_t *)p - 2);
}

static time_t
fixed_now(void *arg)
{
	(void)arg;
	return NOW;
}

static const char CONF[] =
    "slamon: { state_dir = \"%s/state\"; timezone = \"Europe/Oslo\"; listen = \"\"; };\n"
    "targets = (\n"
    "  { name = \"web\"; component = \"App\"; type = \"tcp\"; host = \"127.0.0.1\"; port = 9; },\n"
    "  { name = \"api\"; component = \"App\"; type = \"tcp\"; host = \"127.0.0.1\"; port = 9; },\n"
    "  { name = \"db\"; component = \"Data\"; type = \"tcp\"; host = \"127.0.0.1\"; port = 9; },\n"
    "  { name = \"app2\"; component = \"App\"; type = \"tcp\"; host = \"127.0.0.1\"; port = 9; }\n"
    ");\n"
    "maintenance: { windows = (); };\n";

static void
test_status_builders_free_everything(void **state)
{
	char dir[] = "/tmp/slamon-httpd-json-XXXXXX", path[128], err[512];
	struct httpd_source src = {0};
	struct event_base *base;
	struct conf *c;
	struct httpd *h;
	json_t *j;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/slamon.conf", dir);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, CONF, dir);
	fclose(f);
	if ((c = conf_load(path, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	assert_non_null(base = event_base_new());
	src.conf = c;
	src.now = fixed_now;
	if ((h = httpd_new(base, "127.0.0.1:0", &src, err, sizeof(err))) == NULL)
		fail_msg("%s", err);

	json_set_alloc_funcs(count_malloc, count_free);
	live = 0;
	j = api_status_components(h, NOW);
	assert_int_equal(json_array_size(j), 2); /* App, Data */
	json_decref(j);
	assert_int_equal(live, 0);
	j = api_status_components(h, NOW);
	json_decref(api_status_indicator(j));
	json_decref(j);
	json_decref(api_status_page(h, NOW));
	json_decref(api_maint(h, NOW, API_MAINT_ALL));
	assert_int_equal(live, 0);
	count_free(api_report_bars(h, NOW)); /* /api/v1/uptime.json: the same pattern */
	assert_int_equal(live, 0);
	json_set_alloc_funcs(malloc, free);

	httpd_free(h);
	event_base_free(base);
	conf_free(c);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_status_builders_free_everything),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
