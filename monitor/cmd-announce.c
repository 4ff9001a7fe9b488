/*
 * cmd-announce.c - `slamon announce`: record an announcement of a window in
 * the journal, stamped with the current time so that it cannot be
 * backdated, and say whether it gives enough notice to exclude its time.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "cmd.h"
#include "journal.h"
#include "log.h"

static void
print_span(long s)
{
	long a = s < 0 ? -s : s;

	printf("%s%ldd %02ldh %02ldm %02lds", s < 0 ? "-" : "", a / 86400,
	    a / 3600 % 24, a / 60 % 60, a % 60);
}

static int
cmd_announce_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"window", required_argument, NULL, 'w'},
	    {"start", required_argument, NULL, 's'},
	    {"end", required_argument, NULL, 'e'},
	    {"note", required_argument, NULL, 'n'},
	    {NULL, 0, NULL, 0},
	};
	const char *window = NULL, *start_s = NULL, *end_s = NULL, *note = NULL;
	struct calendar *cal = NULL;
	struct journal *j = NULL;
	struct conf *c;
	time_t start, end, now;
	int ch, rc = EXIT_USER;
	char err[1024], a[64], b[64];
	json_t *f;

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
		default:
			return cmd_usage(&cmd_announce_entry, EXIT_USER);
		}
	}
	if (optind < argc || !window || !start_s || !end_s)
		return cmd_usage(&cmd_announce_entry, EXIT_USER);
	if ((c = cmd_load_conf(ctx)) == NULL)
		return EXIT_USER;
	if (cmd_parse_time(&cmd_announce_entry, "--start", start_s, &start) == -1 ||
	    cmd_parse_time(&cmd_announce_entry, "--end", end_s, &end) == -1)
		goto done;
	if ((cal = calendar_load(c, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		goto done;
	}
	if (calendar_check_announcement(cal, window, start, end, err, sizeof(err)) <
	    0) {
		fprintf(stderr, "slamon announce: --window %s: %s\n", window, err);
		goto done;
	}
	if ((j = journal_open(c->state_dir, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		rc = EXIT_INTERNAL;
		goto done;
	}
	now = time(NULL);
	if (calendar_record_rules(j, cal, now) < 0) {
		rc = EXIT_INTERNAL;
		goto done;
	}
	f = json_pack("{s:s,s:o,s:o}", "window", window, "start", journal_time(start),
	    "end", journal_time(end));
	if (note)
		json_object_set_new(f, "note", json_string(note));
	if (journal_append(j, now, "announcement", f) < 0) {
		fprintf(stderr, "slamon announce: %s/journal.jsonl: not recorded\n",
		    c->state_dir);
		rc = EXIT_INTERNAL;
		goto done;
	}
	printf("announced %s from %s to %s\n", window,
	    tz_local_str(start, a, sizeof(a)), tz_local_str(end, b, sizeof(b)));
	printf("notice ");
	print_span((long)(start - now));
	if (calendar_enough_notice(cal, now, start))
		printf(": enough (minimum %lds); the window is excluded from the SLA\n",
		    c->min_notice);
	else
		printf(": SHORT NOTICE (minimum %lds); the window is listed but its "
		       "downtime counts against availability\n",
		    c->min_notice);
	rc = EXIT_OK;
done:
	journal_close(j);
	calendar_free(cal);
	conf_free(c);
	return rc;
}

const struct cmd_entry cmd_announce_entry = {
    .name = "announce",
    .usage = "--window NAME --start T --end T [--note TEXT]",
    .help = "Record an announcement of maintenance in the journal, stamped with\n"
	    "the current time (it cannot be backdated). For a recurring window it\n"
	    "announces the use of the slots it overlaps; for a window without rrule\n"
	    "(a category such as emergency) it defines the window. With less than\n"
	    "min_notice before the start it is short-notice maintenance: listed,\n"
	    "but its downtime counts against availability.",
    .exec = cmd_announce_exec,
};
