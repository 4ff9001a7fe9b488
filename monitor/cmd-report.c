/*
 * cmd-report.c - `slamon report`: availability of a month (or any period)
 * from the RRD files and the journal.
 */
#include <errno.h>
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

enum report_format { FMT_TEXT, FMT_JSON, FMT_CSV, FMT_HTML, FMT_PDF };

static int
parse_format(const char *s, enum report_format *out)
{
	static const char *const names[] = {"text", "json", "csv", "html", "pdf"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum report_format)i;
			return 0;
		}
	return -1;
}

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
	    {"quarter", required_argument, NULL, 'q'},
	    {"year", required_argument, NULL, 'y'},
	    {"format", required_argument, NULL, 'F'},
	    {"output", required_argument, NULL, 'o'},
	    {"from", required_argument, NULL, 'f'},
	    {"to", required_argument, NULL, 't'},
	    {"target", required_argument, NULL, 'T'},
	    {"component", required_argument, NULL, 'C'},
	    {"json", no_argument, NULL, 'j'},
	    {"csv", no_argument, NULL, 'c'},
	    {NULL, 0, NULL, 0},
	};
	const char *month = NULL, *from_s = NULL, *to_s = NULL, *output = NULL;
	enum contract_period kind = CONTRACT_MONTH;
	int nperiod = 0;
	FILE *out = stdout;
	bool bad_spec;
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
		case 'q':
		case 'y':
			month = optarg;
			kind = ch == 'm' ? CONTRACT_MONTH
			    : ch == 'q'	 ? CONTRACT_QUARTER
					 : CONTRACT_YEAR;
			nperiod++;
			break;
		case 'F':
			if (parse_format(optarg, &fmt) == -1) {
				fprintf(stderr,
				    "slamon: report: --format \"%s\": expected "
				    "text, json, csv, html or pdf\n",
				    optarg);
				return EXIT_USER;
			}
			break;
		case 'o':
			output = optarg;
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
	if (optind != argc || nperiod > 1 ||
	    (month == NULL) == (from_s == NULL && to_s == NULL) ||
	    (from_s == NULL) != (to_s == NULL))
		return cmd_usage(&cmd_report_entry, EXIT_USER);
	if (fmt == FMT_PDF && output == NULL) {
		fprintf(stderr, "slamon: report: --format pdf needs --output FILE\n");
		return EXIT_USER;
	}
	if ((c = cmd_load_conf(ctx)) == NULL)
		return EXIT_USER;
	memset(&rep, 0, sizeof(rep));
	if (month) {
		if (contract_period_bounds(kind, month, &start, &end, rep.label,
			sizeof(rep.label)) == -1) {
			fprintf(stderr, "slamon: report: --%s \"%s\": expected %s\n",
			    kind == CONTRACT_MONTH	   ? "month"
				: kind == CONTRACT_QUARTER ? "quarter"
							   : "year",
			    month,
			    kind == CONTRACT_MONTH	   ? "YYYY-MM"
				: kind == CONTRACT_QUARTER ? "YYYY-Qn (n = 1..4)"
							   : "YYYY");
			goto out;
		}
		rep.label[0] = '\0';
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
	if (month ? report_build_period(&rep, kind, month, c, cal, st, now, &filt,
			&bad_spec, err, sizeof(err))
		  : report_build(
			&rep, c, cal, st, start, end, now, &filt, err, sizeof(err))) {
		fprintf(stderr, "slamon: %s\n", err);
		report_free(&rep);
		goto out;
	}
	if (output && fmt != FMT_PDF && (out = fopen(output, "w")) == NULL) {
		fprintf(stderr, "slamon: report: --output %s: %s\n", output,
		    strerror(errno));
		report_free(&rep);
		rc = EXIT_USER;
		goto out;
	}
	switch (fmt) {
	case FMT_JSON: {
		json_t *j = report_json(&rep);
		json_dumpf(j, out, REPORT_JSON_FLAGS);
		fputc('\n', out);
		json_decref(j);
		break;
	}
	case FMT_CSV:
		report_csv(&rep, out);
		break;
	case FMT_TEXT:
		report_text(&rep, out);
		break;
	case FMT_HTML:
		report_html(&rep, c, cal, out);
		break;
	case FMT_PDF:
		if (report_pdf(&rep, c, cal, output, err, sizeof(err)) == -1) {
			fprintf(stderr, "slamon: report: %s\n", err);
			report_free(&rep);
			goto out;
		}
		break;
	}
	if (out != stdout && fclose(out) != 0) {
		fprintf(stderr, "slamon: report: --output %s: %s\n", output,
		    strerror(errno));
		report_free(&rep);
		goto out;
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
    .usage = "--month YYYY-MM | --quarter YYYY-Qn | --year YYYY | --from T --to T "
	     "[--target NAME] [--component NAME] [--json|--csv|--format "
	     "text|json|csv|html|pdf] [--output FILE]",
    .help = "Availability per target and per component for a calendar month in\n"
	    "the configured time zone (or any period), from the RRD files, with\n"
	    "the incidents of the journal and a check that the two agree.\n"
	    "availability = up / (up + down): announced maintenance and unknown\n"
	    "time are excluded; no data gives no availability, not 100 %.\n"
	    "--format html is the customer's report, one page per component;\n"
	    "pdf renders it with Chromium headless into --output FILE.",
    .exec = cmd_report_exec,
};
