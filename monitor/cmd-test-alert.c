/*
 * cmd-test-alert.c - `slamon test-alert`: send a clearly marked test alert
 * through the configured channels with the daemon's own delivery code, wait
 * until each is delivered or given up, print every attempt, and exit 0 only
 * if every channel delivered.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "cmd.h"
#include "log.h"
#include "notify.h"

struct test_alert {
	struct event_base *base;
	int expected, finished, delivered;
};

static void
test_alert_result_cb(void *arg, const struct notify_msg *m, const struct conf_alert *a,
    int attempt, bool delivered, bool final, const char *error)
{
	struct test_alert *ta = arg;

	(void)m;
	if (delivered)
		printf("%s: delivered (attempt %d)\n", a->name, attempt);
	else if (final)
		printf("%s: given up after %d attempt(s): %s\n", a->name, attempt,
		    error ? error : "?");
	else
		printf("%s: attempt %d failed: %s (will retry)\n", a->name, attempt,
		    error ? error : "?");
	fflush(stdout);
	if (!final)
		return;
	ta->finished++;
	ta->delivered += delivered;
	if (ta->finished >= ta->expected)
		event_base_loopbreak(ta->base);
}

static void
test_alert_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct test_alert *ta = arg;

	(void)what;
	printf("interrupted by signal %d\n", (int)sig);
	event_base_loopbreak(ta->base);
}

static int
cmd_test_alert_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"target", required_argument, NULL, 't'},
	    {"channel", required_argument, NULL, 'C'},
	    {"retry-for", required_argument, NULL, 'r'},
	    {NULL, 0, NULL, 0},
	};
	struct test_alert ta = {NULL, 0, 0, 0};
	const char *target = NULL, *channel = NULL;
	long retry_for = -1;
	struct conf *c;
	struct conf_alert *saved = NULL;
	size_t nsaved = 0;
	struct event *sigint = NULL, *sigterm = NULL;
	struct notify *n = NULL;
	struct notify_msg m;
	const struct conf_target *t = NULL;
	char reason[128];
	int ch, rc = EXIT_INTERNAL;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		char *end;
		switch (ch) {
		case 't':
			target = optarg;
			break;
		case 'C':
			channel = optarg;
			break;
		case 'r':
			retry_for = strtol(optarg, &end, 10);
			if (*end || retry_for < 0 || retry_for > 7 * 86400) {
				fprintf(stderr,
				    "slamon: --retry-for: \"%s\": expected "
				    "seconds, 0..604800\n",
				    optarg);
				return EXIT_USER;
			}
			break;
		default:
			return cmd_usage(&cmd_test_alert_entry, EXIT_USER);
		}
	}
	if (optind != argc)
		return cmd_usage(&cmd_test_alert_entry, EXIT_USER);
	if ((c = cmd_load_conf(ctx)) == NULL)
		return EXIT_USER;
	if (target && (t = conf_target_find(c, target)) == NULL) {
		fprintf(stderr, "slamon: %s: no target \"%s\"\n", c->path, target);
		conf_free(c);
		return EXIT_USER;
	}
	/* keep only the chosen channel; the originals go back before conf_free */
	saved = c->alerts;
	nsaved = c->nalerts;
	if (channel) {
		c->alerts = NULL;
		c->nalerts = 0;
		for (size_t i = 0; i < nsaved; i++)
			if (strcmp(saved[i].name, channel) == 0) {
				c->alerts = &saved[i];
				c->nalerts = 1;
			}
		if (c->nalerts == 0) {
			fprintf(stderr, "slamon: %s: no alert channel \"%s\"\n",
			    c->path, channel);
			rc = EXIT_USER;
			goto out;
		}
	}
	if (c->nalerts == 0) {
		fprintf(stderr, "slamon: %s: no alert channels configured\n", c->path);
		rc = EXIT_USER;
		goto out;
	}
	if (retry_for >= 0)
		for (size_t i = 0; i < c->nalerts; i++)
			c->alerts[i].retry_for = (int)retry_for;

	if ((ta.base = event_base_new()) == NULL)
		goto out;
	if ((n = notify_new(ta.base, c, test_alert_result_cb, &ta)) == NULL)
		goto out;
	sigint = evsignal_new(ta.base, SIGINT, test_alert_signal_cb, &ta);
	sigterm = evsignal_new(ta.base, SIGTERM, test_alert_signal_cb, &ta);
	if (sigint == NULL || sigterm == NULL)
		goto out;
	evsignal_add(sigint, NULL);
	evsignal_add(sigterm, NULL);

	memset(&m, 0, sizeof(m));
	m.kind = NOTIFY_ALERT;
	m.test = true;
	m.target = t ? t->name : "slamon-test";
	m.component = t ? t->component : "slamon test";
	m.time = time(NULL);
	m.unplanned_s = t ? t->t.alert_after : c->defaults.alert_after;
	m.down_s = m.unplanned_s;
	m.outage_start = m.time - m.down_s;
	snprintf(reason, sizeof(reason),
	    "test alert from slamon test-alert; nothing is down");
	m.reason = reason;
	m.status_url = c->public_url;

	ta.expected = notify_send(n, &m);
	printf("test alert for %s sent to %d channel(s)\n", m.target, ta.expected);
	fflush(stdout);
	if (ta.expected > 0)
		event_base_dispatch(ta.base);
	notify_free(n); /* reports anything still pending as given up */
	n = NULL;
	printf("%d of %d delivered\n", ta.delivered, ta.expected);
	rc = ta.expected > 0 && ta.delivered == ta.expected ? EXIT_OK : EXIT_USER;
out:
	if (rc == EXIT_INTERNAL)
		fprintf(stderr, "slamon: test-alert: cannot set up the event loop\n");
	notify_free(n);
	if (sigint)
		event_free(sigint);
	if (sigterm)
		event_free(sigterm);
	if (ta.base)
		event_base_free(ta.base);
	c->alerts = saved;
	c->nalerts = nsaved;
	conf_free(c);
	return rc;
}

const struct cmd_entry cmd_test_alert_entry = {
    .name = "test-alert",
    .usage = "[--target NAME] [--channel NAME] [--retry-for SECONDS]",
    .help = "Send a test alert, clearly marked as such, through every configured\n"
	    "alert channel (or only --channel NAME), with the facts of --target NAME\n"
	    "if given. Waits until each channel has delivered or given up (after its\n"
	    "retry_for, or --retry-for SECONDS), prints every attempt, and exits 0\n"
	    "if all delivered, 1 otherwise.",
    .exec = cmd_test_alert_exec,
};
