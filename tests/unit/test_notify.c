/*
 * test_notify.c - the pure parts of alert delivery: backoff schedule, the
 * webhook JSON, HMAC-SHA256 (known answers checked with
 * `openssl dgst -sha256 -hmac`), the mail text and the exec environment.
 * Times are fixed; the DST night of 2026-03-29 in Europe/Oslo shows that
 * every time written is UTC whatever the local zone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "notify.h"

#define T_START 1774742400L /* 2026-03-29T00:00:00Z, 01:00 in Oslo */
#define T_NOW 1774747800L   /* 2026-03-29T01:30:00Z, 03:30 CEST */
#define T_END 1795615200L   /* 2026-11-25T14:00:00Z */

static const char *wins[] = {"system", "infrastructure"};

static struct notify_msg
sample(enum notify_kind kind)
{
	struct notify_msg m = {
	    .kind = kind,
	    .target = "crm-web",
	    .component = "CRM application",
	    .outage_start = T_START,
	    .end = kind == NOTIFY_RECOVERY ? T_END : 0,
	    .unplanned_s = 1800,
	    .down_s = 5400,
	    .windows = wins,
	    .nwindows = 2,
	    .reason = "HTTP 503 from https://crm.example.com/login",
	    .status_url = "https://status.example.com/",
	    .time = T_NOW,
	};
	return m;
}

static void
test_backoff_schedule(void **state)
{
	(void)state;
	assert_int_equal(notify_backoff_ms(1, 5000, 300000), 5000);
	assert_int_equal(notify_backoff_ms(2, 5000, 300000), 10000);
	assert_int_equal(notify_backoff_ms(3, 5000, 300000), 20000);
	assert_int_equal(notify_backoff_ms(6, 5000, 300000), 160000);
	assert_int_equal(notify_backoff_ms(7, 5000, 300000), 300000);
	assert_int_equal(notify_backoff_ms(1000, 5000, 300000), 300000);
	assert_int_equal(notify_backoff_ms(0, 5000, 300000), 5000);
	assert_int_equal(notify_backoff_ms(3, 100, 300000), 400);
}

/* Simulates a channel that always fails instantly, with injected times. */
static void
test_retry_until_retry_for(void **state)
{
	long t = 0, d;
	int attempts = 0;
	long at[32];

	(void)state;
	for (;;) {
		at[attempts++] = t;
		d = notify_retry_delay_ms(attempts, t, 3600 * 1000L, 5000, 300000);
		if (d < 0)
			break;
		t += d;
		assert_true(attempts < 32);
	}
	/* 0 5 15 35 75 155 315 615 915 ... 3315: 17 attempts in the hour */
	assert_int_equal(at[1], 5000);
	assert_int_equal(at[2], 15000);
	assert_int_equal(at[7], 615000);
	assert_int_equal(at[8], 915000);
	assert_int_equal(attempts, 17);
	assert_int_equal(at[16], 3315000);
	/* retry_for = 0: one attempt only */
	assert_int_equal(notify_retry_delay_ms(1, 0, 0, 5000, 300000), -1);
	/* exactly at the limit is still allowed, one ms past it is not */
	assert_int_equal(notify_retry_delay_ms(1, 0, 5000, 5000, 300000), 5000);
	assert_int_equal(notify_retry_delay_ms(1, 1, 5000, 5000, 300000), -1);
}

static void
test_duration(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(notify_fmt_duration(45, b, sizeof(b)), "45s");
	assert_string_equal(notify_fmt_duration(1800, b, sizeof(b)), "30m");
	assert_string_equal(notify_fmt_duration(3900, b, sizeof(b)), "1h05m");
	assert_string_equal(notify_fmt_duration(90000, b, sizeof(b)), "1d01h");
	assert_string_equal(notify_fmt_duration(-5, b, sizeof(b)), "0s");
}

static void
test_webhook_payload(void **state)
{
	struct notify_msg m = sample(NOTIFY_ALERT);
	json_error_t jerr;
	json_t *o;
	char *s;

	(void)state;
	setenv("TZ", "Europe/Oslo", 1);
	assert_int_equal(notify_format_webhook(&m, &s), 0);
	o = json_loads(s, 0, &jerr);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "event")), "alert");
	assert_true(json_is_false(json_object_get(o, "test")));
	assert_string_equal(json_string_value(json_object_get(o, "target")), "crm-web");
	assert_string_equal(
	    json_string_value(json_object_get(o, "component")), "CRM application");
	assert_string_equal(json_string_value(json_object_get(o, "outage_start")),
	    "2026-03-29T00:00:00Z");
	assert_true(json_is_null(json_object_get(o, "end")));
	assert_int_equal(json_integer_value(json_object_get(o, "unplanned_s")), 1800);
	assert_int_equal(json_integer_value(json_object_get(o, "down_s")), 5400);
	assert_int_equal(json_array_size(json_object_get(o, "windows")), 2);
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(o, "windows"), 1)),
	    "infrastructure");
	assert_string_equal(json_string_value(json_object_get(o, "reason")),
	    "HTTP 503 from https://crm.example.com/login");
	assert_string_equal(json_string_value(json_object_get(o, "status_url")),
	    "https://status.example.com/");
	assert_string_equal(
	    json_string_value(json_object_get(o, "time")), "2026-03-29T01:30:00Z");
	/* compact, in the documented order: event first */
	assert_memory_equal(s, "{\"event\":\"alert\",\"test\":false,", 29);
	json_decref(o);
	free(s);

	m = sample(NOTIFY_RECOVERY);
	m.component = NULL;
	m.reason = NULL;
	m.nwindows = 0;
	m.windows = NULL;
	m.test = true;
	assert_int_equal(notify_format_webhook(&m, &s), 0);
	o = json_loads(s, 0, &jerr);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "event")), "recovery");
	assert_true(json_is_true(json_object_get(o, "test")));
	assert_string_equal(
	    json_string_value(json_object_get(o, "end")), "2026-11-25T14:00:00Z");
	assert_true(json_is_null(json_object_get(o, "component")));
	assert_true(json_is_null(json_object_get(o, "reason")));
	assert_int_equal(json_array_size(json_object_get(o, "windows")), 0);
	json_decref(o);
	free(s);

	/* awkward text survives: quotes, newlines, UTF-8 */
	m = sample(NOTIFY_REPEAT);
	m.reason = "body \"x\"\nline2 \xc3\xa6\xc3\xb8\xc3\xa5";
	assert_int_equal(notify_format_webhook(&m, &s), 0);
	o = json_loads(s, 0, &jerr);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "event")), "repeat");
	assert_string_equal(json_string_value(json_object_get(o, "reason")), m.reason);
	json_decref(o);
	free(s);
}

static void
test_hmac_known_answers(void **state)
{
	static const char body[] = "{\"event\":\"alert\",\"target\":\"crm-web\"}";
	char hex[65];

	(void)state;
	/* RFC 4231-style vector, also printed by openssl dgst -sha256 -hmac key */
	assert_int_equal(notify_hmac_sha256_hex("key",
			     "The quick brown fox jumps over the lazy dog", 43, hex),
	    0);
	assert_string_equal(
	    hex, "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
	/* printf '%s' "$body" | openssl dgst -sha256 -hmac s3cr3t */
	assert_int_equal(notify_hmac_sha256_hex("s3cr3t", body, strlen(body), hex), 0);
	assert_string_equal(
	    hex, "d3681677612ef5f56c72fc1cb05f347fce42540e97a5686847f1ef96fa095791");
	/* one byte more is a different signature */
	assert_int_equal(
	    notify_hmac_sha256_hex("s3cr3t", body, strlen(body) - 1, hex), 0);
	assert_string_not_equal(
	    hex, "d3681677612ef5f56c72fc1cb05f347fce42540e97a5686847f1ef96fa095791");
}

static struct conf_alert
smtp_channel(void)
{
	static char to1[] = "sre@example.com", to2[] = "boss@example.com";
	static char *to[] = {to1, to2, NULL};
	struct conf_alert a = {
	    .type = CONF_ALERT_SMTP,
	    .name = (char *)"mail",
	    .url = (char *)"smtp://127.0.0.1:2525",
	    .from = (char *)"slamon@example.com",
	    .to = {to, 2},
	    .timeout = 10,
	    .retry_for = 60,
	};
	return a;
}

static void
test_mail_text(void **state)
{
	struct notify_msg m = sample(NOTIFY_ALERT);
	struct conf_alert a = smtp_channel();
	char *text, subj[256];

	(void)state;
	assert_string_equal(notify_mail_subject(&m, subj, sizeof(subj)),
	    "[slamon] ALERT crm-web down 30m (unplanned)");
	assert_int_equal(notify_format_mail(&m, &a, "<abc@example.com>", &text), 0);
	assert_non_null(strstr(text, "Date: Sun, 29 Mar 2026 01:30:00 +0000\r\n"));
	assert_non_null(strstr(text, "From: slamon@example.com\r\n"));
	assert_non_null(strstr(text, "To: sre@example.com,\r\n boss@example.com\r\n"));
	assert_non_null(
	    strstr(text, "Subject: [slamon] ALERT crm-web down 30m (unplanned)\r\n"));
	assert_non_null(strstr(text, "Message-ID: <abc@example.com>\r\n"));
	assert_non_null(strstr(text, "Content-Type: text/plain; charset=utf-8\r\n"));
	assert_non_null(strstr(text, "\r\n\r\ncrm-web has been down for 30m"));
	assert_non_null(strstr(text, "Outage start:  2026-03-29T00:00:00Z\r\n"));
	assert_non_null(strstr(text, "End:           ongoing\r\n"));
	assert_non_null(strstr(text, "Windows:       system, infrastructure\r\n"));
	assert_non_null(strstr(text, "Status page:   https://status.example.com/\r\n"));
	/* every line ends in CRLF: no bare LF */
	for (const char *p = text; (p = strchr(p, '\n')) != NULL; p++)
		assert_true(p > text && p[-1] == '\r');
	assert_null(strstr(text, "TEST"));
	free(text);

	m = sample(NOTIFY_RECOVERY);
	m.test = true;
	m.target = "web\r\nBcc: evil@example.com";
	m.reason = "two\nlines";
	assert_int_equal(notify_format_mail(&m, &a, "<x@y>", &text), 0);
	/* no header can be injected through the facts */
	assert_null(strstr(text, "\r\nBcc:"));
	assert_non_null(strstr(text,
	    "Subject: [slamon] TEST RECOVERED web  Bcc: "
	    "evil@example.com after 1h30m (30m unplanned)\r\n"));
	assert_non_null(strstr(text, "THIS IS A TEST"));
	assert_non_null(strstr(text, "Last failure:  two lines\r\n"));
	assert_non_null(strstr(text, "End:           2026-11-25T14:00:00Z\r\n"));
	free(text);

	m = sample(NOTIFY_REPEAT);
	m.unplanned_s = 7200;
	assert_string_equal(notify_mail_subject(&m, subj, sizeof(subj)),
	    "[slamon] REPEAT crm-web still down 2h00m (unplanned)");
}

static const char *
env_get(char **env, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; env[i]; i++)
		if (strncmp(env[i], name, n) == 0 && env[i][n] == '=')
			return env[i] + n + 1;
	return NULL;
}

static void
test_exec_env(void **state)
{
	struct notify_msg m = sample(NOTIFY_ALERT);
	char **env;
	size_t n = 0;

	(void)state;
	env = notify_format_env(&m);
	assert_non_null(env);
	for (; env[n]; n++)
		assert_memory_equal(env[n], "SLAMON_", 7);
	assert_int_equal(n, 12);
	assert_string_equal(env_get(env, "SLAMON_EVENT"), "alert");
	assert_string_equal(env_get(env, "SLAMON_TEST"), "0");
	assert_string_equal(env_get(env, "SLAMON_TARGET"), "crm-web");
	assert_string_equal(env_get(env, "SLAMON_COMPONENT"), "CRM application");
	assert_string_equal(
	    env_get(env, "SLAMON_OUTAGE_START"), "2026-03-29T00:00:00Z");
	assert_string_equal(env_get(env, "SLAMON_END"), "");
	assert_string_equal(env_get(env, "SLAMON_UNPLANNED_S"), "1800");
	assert_string_equal(env_get(env, "SLAMON_DOWN_S"), "5400");
	assert_string_equal(env_get(env, "SLAMON_WINDOWS"), "system,infrastructure");
	assert_string_equal(env_get(env, "SLAMON_REASON"),
	    "HTTP 503 from https://crm.example.com/login");
	assert_string_equal(
	    env_get(env, "SLAMON_STATUS_URL"), "https://status.example.com/");
	assert_string_equal(env_get(env, "SLAMON_TIME"), "2026-03-29T01:30:00Z");
	notify_strv_free(env);

	m = sample(NOTIFY_RECOVERY);
	m.nwindows = 0;
	m.component = NULL;
	env = notify_format_env(&m);
	assert_string_equal(env_get(env, "SLAMON_EVENT"), "recovery");
	assert_string_equal(env_get(env, "SLAMON_END"), "2026-11-25T14:00:00Z");
	assert_string_equal(env_get(env, "SLAMON_WINDOWS"), "");
	assert_string_equal(env_get(env, "SLAMON_COMPONENT"), "");
	notify_strv_free(env);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_backoff_schedule),
	    cmocka_unit_test(test_retry_until_retry_for),
	    cmocka_unit_test(test_duration),
	    cmocka_unit_test(test_webhook_payload),
	    cmocka_unit_test(test_hmac_known_answers),
	    cmocka_unit_test(test_mail_text),
	    cmocka_unit_test(test_exec_env),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
