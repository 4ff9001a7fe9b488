/*
 * cmd-announce.c - `slamon announce`: record an announcement of a window in
 * the journal, stamped with the current time so that it cannot be
 * backdated, and say whether it gives enough notice to exclude its time;
 * `--cancel ID` journals its cancellation. The rules are announce.c's.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "announce.h"
#include "calendar.h"
#include "cmd.h"
#include "journal.h"
#include "log.h"
#include "statelock.h"

static void
print_span(long s)
{
	long a = s < 0 ? -s : s;

	printf("%s%ldd %02ldh %02ldm %02lds", s < 0 ? "-" : "", a / 86400,
	    a / 3600 % 24, a / 60 % 60, a % 60);
}

static int
announce_new(struct journal *j, const struct calendar *cal, const char *window,
    time_t start, time_t end, const char *note, time_t now)
{
	struct announce_verdict v;
	char id[ANNOUNCE_ID_LEN], err[1024], a[64], b[64];
	int rc;

	rc = announce_record(
	    j, cal, window, start, end, note, NULL, now, id, &v, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "slamon announce: --window %s: %s%s\n", window,
		    rc == -2 ? "not recorded: " : "", err);
		return rc == -2 ? EXIT_INTERNAL : EXIT_USER;
	}
	printf("announced %s from %s to %s (id %s)\n", window,
	    tz_local_str(start, a, sizeof(a)), tz_local_str(end, b, sizeof(b)), id);
	printf("notice ");
	print_span(v.notice_s);
	if (!v.short_notice) {
		printf(": enough (minimum %lds); the window is excluded from the SLA\n",
		    v.min_notice_s);
		return EXIT_OK;
	}
	printf(": SHORT NOTICE (minimum %lds)\n", v.min_notice_s);
	fprintf(stderr,
	    "slamon announce: warning: short notice (less than %lds before the "
	    "start): the window is listed, but its downtime counts against "
	    "availability\n",
	    v.min_notice_s);
	return EXIT_OK;
}

static int
announce_cancel_id(
    struct journal *j, const struct calendar *cal, const char *id, time_t now)
{
	const struct cal_announcement *an;
	char err[1024], a[64], b[64];
	int rc;

	rc = announce_cancel(j, cal, id, NULL, now, &an, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "slamon announce: --cancel %s: %s%s\n", id,
		    rc == -2 ? "not recorded: " : "", err);
		return rc == -2 ? EXIT_INTERNAL : EXIT_USER;
	}
	if (an->start > now)
		printf("cancelled %s %s from %s to %s: it is no longer maintenance\n",
		    id, an->window, tz_local_str(an->start, a, sizeof(a)),
		    tz_local_str(an->end, b, sizeof(b)));
	else
		printf("cancelled %s %s (under way since %s): maintenance ends now, "
		       "at %s\n",
		    id, an->window, tz_local_str(an->start, a, sizeof(a)),
		    tz_local_str(now, b, sizeof(b)));
	return EXIT_OK;
}

static int
cmd_announce_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"window", required_argument, NULL, 'w'},
	    {"start", required_argument, NULL, 's'},
	    {"end", required_argument, NULL, 'e'},
	    {"note", required_argument, NULL, 'n'},
	    {"cancel", required_argument, NULL, 'c'},
	    {"url", required_argument, NULL, 'u'},
	    {"idempotency-key", required_argument, NULL, 'k'},
	    {NULL, 0, NULL, 0},
	};
	const char *window = NULL, *start_s = NULL, *end_s = NULL, *note = NULL;
	const char *cancel = NULL, *url = NULL, *key = NULL;
	const struct cal_announcement *an;
	struct announce_verdict v;
	struct calendar *cal = NULL;
	struct journal *j = NULL;
	struct conf *c;
	time_t start = 0, end = 0, now;
	int ch, lock = -1, rc = EXIT_USER;
	char err[1024];

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'w':
			window = optarg;
			break;
		case 's':
			start_s = optarg;
			break;
		case 'e':
			end_s = optarg;
			break;
		case 'n':
			note = optarg;
			break;
		case 'c':
			cancel = optarg;
			break;
		case 'u':
			url = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		default:
			return cmd_usage(&cmd_announce_entry, EXIT_USER);
		}
	}
	if (optind < argc ||
	    (cancel ? window || start_s || end_s || note
		    : !window || !start_s || !end_s))
		return cmd_usage(&cmd_announce_entry, EXIT_USER);
	if (key && (!url || cancel))
		return cmd_usage(&cmd_announce_entry, EXIT_USER);
	if (url)
		return announce_remote(url, window, start_s, end_s, note, cancel, key);
	if ((c = cmd_load_conf(ctx)) == NULL)
		return EXIT_USER;
	if (!cancel &&
	    (cmd_parse_time(&cmd_announce_entry, "--start", start_s, &start) == -1 ||
		cmd_parse_time(&cmd_announce_entry, "--end", end_s, &end) == -1))
		goto done;
	/* the lock before reading: no other writer between check and record */
	if ((lock = statelock_take(c->state_dir, err, sizeof(err))) == -1) {
		fprintf(stderr, "slamon announce: %s\n", err);
		goto done;
	}
	if ((cal = calendar_load(c, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		goto done;
	}
	now = time(NULL);
	/* a refusal writes nothing, not even the rules seen */
	if (cancel
		? announce_cancel_check(cal, cancel, now, &an, err, sizeof(err))
		: announce_check(cal, window, start, end, now, &v, err, sizeof(err))) {
		fprintf(stderr, "slamon announce: %s %s: %s\n",
		    cancel ? "--cancel" : "--window", cancel ? cancel : window, err);
		goto done;
	}
	if ((j = journal_open(c->state_dir, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		rc = EXIT_INTERNAL;
		goto done;
	}
	if (calendar_record_rules(j, cal, now) < 0) {
		rc = EXIT_INTERNAL;
		goto done;
	}
	if (cancel)
		rc = announce_cancel_id(j, cal, cancel, now);
	else
		rc = announce_new(j, cal, window, start, end, note, now);
done:
	journal_close(j);
	calendar_free(cal);
	conf_free(c);
	statelock_release(lock);
	return rc;
}

const struct cmd_entry cmd_announce_entry = {
    .name = "announce",
    .usage = "[--url URL [--idempotency-key KEY]] --window NAME --start T --end T "
	     "[--note TEXT] | [--url URL] --cancel ID",
    .help = "Record an announcement of maintenance in the journal, stamped with\n"
	    "the current time (it cannot be backdated), and print its id. For a\n"
	    "recurring window it must lie within one occurrence of the window; a\n"
	    "window without rrule (a category such as emergency) takes any span.\n"
	    "An occurrence that has already ended is refused. With less than\n"
	    "min_notice before the start it is short-notice maintenance: listed,\n"
	    "but its downtime counts against availability (a warning says so).\n"
	    "--cancel ID journals the cancellation of an announcement that has not\n"
	    "ended; nothing is deleted: an announcement cancelled once under way\n"
	    "is maintenance up to the cancellation, not after it.\n"
	    "--url URL (http://HOST:PORT or unix:/PATH) sends the same request\n"
	    "to a running daemon's admin API (admin_listen), with the token in\n"
	    "the environment variable SLAMON_ADMIN_TOKEN; times are then read\n"
	    "in the daemon's time zone. --idempotency-key KEY (a change number)\n"
	    "makes a rerun after a lost answer return the same announcement.",
    .exec = cmd_announce_exec,
};
