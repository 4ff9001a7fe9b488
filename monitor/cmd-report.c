/*
 * cmd-report.c - `slamon report`: availability of a month (or any period)
 * from the RRD files and the journal.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendar.h"
#include "cmd.h"
#include "log.h"
#include "report.h"
#include "store.h"
#include "tz.h"

enum report_format { FMT_TEXT, FMT_JSON, FMT_CSV };

/* A period's end in local time: the date alone at midnight. */
static void
local_label(time_t t, char *buf, size_t len)
{
	struct tz_local l;

	tz_to_local(t, &l);
	if (l.hour == 0 && l.min == 0 && l.sec == 0)
		snprintf(buf, len, "%04d-%02d-%02d", l.year, l.mon, l.mday);
	else
		snprintf(buf, len, "%04d-%02d-%02d %02d:%02d", l.year, l.mon, l.mday,
		    l.hour, l.min);
}

static int
cmd_report_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"month", required_argument, NULL, 'm'},
	    {"from", required_argument, NULL, 'f'},
	    {"to", required_argument, NULL, 't'},
	    {"target", required_argument, NULL, 'T'},
	    {"component", required_argument, NULL, 'C'},
	    {"json", no_argument, NULL, 'j'},
	    {"csv", no_argument, NULL, 'c'},
	    {NULL, 0, NULL, 0},
	};
	const char *month = NULL, *from_s = NULL, *to_s = NULL;
	struct report_filter filt = {NULL, NULL};
	enum report_format fmt = FMT_TEXT;
	struct report rep;
	struct calendar *cal = NULL;
	struct store *st = NULL;
	struct conf *c;
	time_t start, end, now = time(NULL);
	char err[1024], a[20], b[20];
	int ch, rc = EXIT_USER;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'm':
			month = optarg;
			break;
		case 'f':
			from_s = optarg;
			break;
		case 't':
			to_s = optarg;
			break;
		case 'T':
			filt.target = optarg;
			break;
		case 'C':
			filt.component = optarg;
			break;
		case 'j':
			fmt = FMT_JSON;
			break;
		case 'c':
			fmt = FMT_CSV;
			break;
		default:
			return cmd_usage(&cmd_report_entry, EXIT_USER);
		}
	}
	if (optind != argc || (month == NULL) == (from_s == NULL && to_s == NULL) ||
	    (from_s == NULL) != (to_s == NULL))
		return cmd_usage(&cmd_report_entry, EXIT_USER);
	if ((c = cmd_load_conf(ctx)) == NULL)
		return EXIT_USER;
	memset(&rep, 0, sizeof(rep));
	if (month) {
		if (report_month_bounds(
			month, &start, &end, rep.label, sizeof(rep.label)) == -1) {
			fprintf(stderr,
			    "slamon: report: --month \"%s\": expected YYYY-MM\n",
			    month);
			goto out;
		}
		rep.month = true;
	} else {
		if (cmd_parse_time(&cmd_report_entry, "--from", from_s, &start) == -1 ||
		    cmd_parse_time(&cmd_report_entry, "--to", to_s, &end) == -1)
			goto out;
		start -= ((start % 60) + 60) % 60;
		end -= ((end % 60) + 60) % 60;
		if (end <= start) {
			fprintf(stderr, "slamon: report: --to must be after --from\n");
			goto out;
		}
		local_label(start, a, sizeof(a));
		local_label(end, b, sizeof(b));
		snprintf(rep.label, sizeof(rep.label), "%s..%s", a, b);
	}
	if (filt.target && conf_target_find(c, filt.target) == NULL) {
		fprintf(stderr, "slamon: report: --target \"%s\" is not in %s\n",
		    filt.target, c->path);
		goto out;
	}
	if (filt.component) {
		bool found = false;
		for (size_t i = 0; i < c->ntargets; i++)
			found |= strcmp(c->targets[i].component, filt.component) == 0;
		if (!found) {
			fprintf(stderr,
			    "slamon: report: --component \"%s\" is not in %s\n",
			    filt.component, c->path);
			goto out;
		}
	}
	rc = EXIT_INTERNAL;
	if ((cal = calendar_load(c, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		rc = EXIT_USER;
		goto out;
	}
	if ((st = store_open(c->state_dir, c->rrdcached, store_zone_granularity(start),
		 err, sizeof(err))) == NULL) {
		fprintf(stderr, "slamon: %s\n", err);
		goto out;
	}
	if (report_build(&rep, c, cal, st, start, end, now, &filt, err, sizeof(err)) ==
	    -1) {
		fprintf(stderr, "slamon: %s\n", err);
		goto out;
	}
	switch (fmt) {
	case FMT_JSON: {
		json_t *j = report_json(&rep);
		json_dumpf(j, stdout, REPORT_JSON_FLAGS);
		fputc('\n', stdout);
		json_decref(j);
		break;
	}
	case FMT_CSV:
		report_csv(&rep, stdout);
		break;
	case FMT_TEXT:
		report_text(&rep, stdout);
		break;
	}
	if (fmt != FMT_TEXT) {
		/* the text form has them at its end; the others on stderr */
		for (const char *l = rep.warnings; *l;) {
			size_t n = strcspn(l, "\n");
			fprintf(stderr, "slamon: warning: %.*s\n", (int)n, l);
			l += n + (l[n] == '\n');
		}
	}
	report_free(&rep);
	rc = EXIT_OK;
out:
	store_close(st);
	calendar_free(cal);
	conf_free(c);
	return rc;
}

const struct cmd_entry cmd_report_entry = {
    .name = "report",
    .usage = "--month YYYY-MM | --from T --to T [--target NAME] "
	     "[--component NAME] [--json|--csv]",
    .help = "Availability per target and per component for a calendar month in\n"
	    "the configured time zone (or any period), from the RRD files, with\n"
	    "the incidents of the journal and a check that the two agree.\n"
	    "availability = up / (up + down): announced maintenance and unknown\n"
	    "time are excluded; no data gives no availability, not 100 %.",
    .exec = cmd_report_exec,
};
