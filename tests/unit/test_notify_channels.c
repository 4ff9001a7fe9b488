/*
 * test_notify_channels.c - the bodies of the alertmanager, pagerduty and
 * slack channels, from fixed facts on the DST night of 2026-03-29 in
 * Europe/Oslo (every time written is UTC), and the outage key that ties an
 * alert to its recovery.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "notify-priv.h"
#include "notify.h"
#include "tz.h"

#define T_START 1774742400L /* 2026-03-29T00:00:00Z, 01:00 in Oslo */
#define T_NOW 1774747800L   /* 2026-03-29T01:30:00Z, 03:30 CEST */
#define T_END 1774749600L   /* 2026-03-29T02:00:00Z */

static const char *wins[] = {"system", "infrastructure"};

static struct notify_msg
sample(enum notify_kind kind)
{
	struct notify_msg m = {
	    .kind = kind,
	    .target = "crm-web",
	    .component = "CRM <application> & co",
	    .outage_start = T_START,
	    .end = kind == NOTIFY_RECOVERY ? T_END : 0,
	    .unplanned_s = 1800,
	    .down_s = kind == NOTIFY_RECOVERY ? 7200 : 5400,
	    .windows = wins,
	    .nwindows = 2,
	    .reason = "HTTP 503",
	    .status_url = "https://status.example.com/",
	    .time = kind == NOTIFY_RECOVERY ? T_END : T_NOW,
	};
	return m;
}

static json_t *
parse(char *s)
{
	json_error_t e;
	json_t *j = json_loads(s, 0, &e);

	assert_non_null(j);
	free(s);
	return j;
}

static const char *
str(json_t *o, const char *path)
{
	json_t *v = o;
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save))
		v = json_is_array(v) ? json_array_get(v, (size_t)atoi(k))
				     : json_object_get(v, k);
	assert_true(json_is_string(v));
	return json_string_value(v);
}

static void
test_alertmanager(void **state)
{
	const char *labels[] = {"severity=page", "team=sre"};
	struct conf_alert a = {.type = CONF_ALERT_ALERTMANAGER,
	    .name = (char *)"am",
	    .labels = {(char **)labels, 2},
	    .resolve_after = 3600};
	struct notify_msg m = sample(NOTIFY_ALERT), r = sample(NOTIFY_RECOVERY);
	char *s;
	json_t *ja, *jr;

	(void)state;
	assert_int_equal(notify_format_alertmanager(&m, &a, &s), 0);
	ja = parse(s);
	assert_int_equal(json_array_size(ja), 1);
	assert_string_equal(str(ja, "0.labels.alertname"), "SlamonTargetDown");
	assert_string_equal(str(ja, "0.labels.target"), "crm-web");
	assert_string_equal(str(ja, "0.labels.component"), "CRM <application> & co");
	assert_string_equal(str(ja, "0.labels.severity"), "page");
	assert_string_equal(str(ja, "0.labels.team"), "sre");
	assert_null(
	    json_object_get(json_object_get(json_array_get(ja, 0), "labels"), "test"));
	assert_string_equal(str(ja, "0.annotations.windows"), "system, infrastructure");
	assert_string_equal(str(ja, "0.annotations.unplanned_s"), "1800");
	assert_string_equal(
	    str(ja, "0.annotations.summary"), "ALERT crm-web down 30m (unplanned)");
	assert_string_equal(str(ja, "0.startsAt"), "2026-03-29T00:00:00Z");
	/* notice time + resolve_after */
	assert_string_equal(str(ja, "0.endsAt"), "2026-03-29T02:30:00Z");
	assert_string_equal(str(ja, "0.generatorURL"), "https://status.example.com/");

	assert_int_equal(notify_format_alertmanager(&r, &a, &s), 0);
	jr = parse(s);
	/* the same labels: the recovery resolves exactly the alert */
	assert_true(json_equal(json_object_get(json_array_get(ja, 0), "labels"),
	    json_object_get(json_array_get(jr, 0), "labels")));
	assert_string_equal(str(jr, "0.endsAt"), "2026-03-29T02:00:00Z");
	assert_string_equal(str(jr, "0.annotations.summary"),
	    "RECOVERED crm-web after 2h00m (30m unplanned)");
	json_decref(ja);
	json_decref(jr);

	m.test = true;
	assert_int_equal(notify_format_alertmanager(&m, &a, &s), 0);
	ja = parse(s);
	assert_string_equal(str(ja, "0.labels.test"), "true");
	/* no recovery will end a test alert: five minutes */
	assert_string_equal(str(ja, "0.endsAt"), "2026-03-29T01:35:00Z");
	json_decref(ja);
}

static void
test_pagerduty(void **state)
{
	struct conf_alert a = {.type = CONF_ALERT_PAGERDUTY,
	    .name = (char *)"pd",
	    .routing_key = (char *)"0123456789abcdef0123456789abcdef",
	    .severity = (char *)"warning"};
	struct notify_msg m = sample(NOTIFY_ALERT), r = sample(NOTIFY_RECOVERY),
			  rep = sample(NOTIFY_REPEAT), other = sample(NOTIFY_ALERT);
	char ka[33], kr[33], krep[33], ko[33], kc[33], *s;
	json_t *j;

	(void)state;
	notify_outage_key(&m, "pd", ka);
	notify_outage_key(&r, "pd", kr);
	notify_outage_key(&rep, "pd", krep);
	other.outage_start += 60;
	notify_outage_key(&other, "pd", ko);
	notify_outage_key(&m, "pd2", kc);
	assert_int_equal(strlen(ka), 32);
	assert_string_equal(ka, kr); /* one incident per outage */
	assert_string_equal(ka, krep);
	assert_string_not_equal(ka, ko); /* the next outage is another one */
	assert_string_not_equal(ka, kc);

	assert_int_equal(notify_format_pagerduty(&m, &a, ka, &s), 0);
	j = parse(s);
	assert_string_equal(str(j, "event_action"), "trigger");
	assert_string_equal(str(j, "dedup_key"), ka);
	assert_string_equal(str(j, "routing_key"), a.routing_key);
	assert_string_equal(
	    str(j, "payload.summary"), "ALERT crm-web down 30m (unplanned)");
	assert_string_equal(str(j, "payload.source"), "crm-web");
	assert_string_equal(str(j, "payload.severity"), "warning");
	assert_string_equal(str(j, "payload.timestamp"), "2026-03-29T01:30:00Z");
	assert_string_equal(
	    str(j, "payload.custom_details.windows.1"), "infrastructure");
	json_decref(j);

	assert_int_equal(notify_format_pagerduty(&r, &a, kr, &s), 0);
	j = parse(s);
	assert_string_equal(str(j, "event_action"), "resolve");
	assert_string_equal(str(j, "dedup_key"), ka);
	assert_int_equal(json_object_size(j), 3);
	json_decref(j);
}

static void
test_slack(void **state)
{
	struct notify_msg m = sample(NOTIFY_ALERT), r = sample(NOTIFY_RECOVERY);
	char *s;
	json_t *j;

	(void)state;
	assert_int_equal(notify_format_slack(&m, &s), 0);
	j = parse(s);
	assert_string_equal(str(j, "text"), "ALERT crm-web down 30m (unplanned)");
	assert_string_equal(str(j, "blocks.0.type"), "header");
	assert_string_equal(str(j, "blocks.0.text.type"), "plain_text");
	assert_string_equal(str(j, "blocks.1.fields.0.text"), "*Target*\ncrm-web");
	assert_string_equal(str(j, "blocks.1.fields.1.text"),
	    "*Component*\nCRM &lt;application&gt; &amp; co");
	assert_string_equal(
	    str(j, "blocks.1.fields.2.text"), "*Outage start*\n2026-03-29T00:00:00Z");
	assert_string_equal(str(j, "blocks.2.text.text"), "*Last failure*: HTTP 503");
	assert_string_equal(str(j, "blocks.3.elements.0.text"),
	    "<https://status.example.com/|Status page>");
	json_decref(j);

	assert_int_equal(notify_format_slack(&r, &s), 0);
	j = parse(s);
	assert_string_equal(
	    str(j, "blocks.1.fields.3.text"), "*Ended*\n2026-03-29T02:00:00Z");
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_alertmanager),
	    cmocka_unit_test(test_pagerduty),
	    cmocka_unit_test(test_slack),
	};

	setenv("TZ", "Europe/Oslo", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
