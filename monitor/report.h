/*
 * report.h - availability of a period (design.md 4, 6): per target and per
 * component, from the RRD files (seconds) and the journal (incidents),
 * with the one cross-checked against the other.
 */
#ifndef SLAMON_REPORT_H
#define SLAMON_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "conf.h"
#include "contract.h"

struct calendar;
struct store;

struct report_incident {
	time_t start, end; /* end 0: still open */
	time_t
	    data_end; /* an open one: where the target's data ends (counted to there) */
	long down_s, unplanned_s, maintenance_s; /* the part inside the period */
	long unknown_s; /* of the whole outage, from the journal */
	bool alerted;
	char windows[256]; /* names of announced windows touched, comma-separated */
	char short_notice[256]; /* short-notice windows touched (their time counts) */
	char locations[256]; /* several locations: those that saw it, comma-separated */
};

struct report_excluded {
	const char *window;
	long seconds;
};

struct report_row {
	const char *name;
	const char *component; /* NULL for a component row */
	double slo;
	long up_s, down_s, maintenance_s, unknown_s;
	bool has_data;	     /* up + down > 0 */
	double availability; /* percent, when has_data */
	double coverage;     /* fraction of the period */
	long future_s;	     /* countable seconds of the period not yet happened */
	long error_budget_s, error_budget_left_s; /* meaningful when has_data */
	long journal_unplanned_s; /* what the journal's outages add up to */
	long journal_unknown_s; /* outages' unknown_s, plus a step per restart in them */
	bool consistent;
	bool unreadable; /* its RRD file could not be read */
	struct report_incident *incidents;
	size_t nincidents;
	struct report_excluded *excluded; /* announced maintenance by window */
	size_t nexcluded;
	struct report_excluded *short_notice; /* short-notice windows: counted */
	size_t nshort;
	size_t ntargets; /* component rows: how many targets */
	/* the contract (report-contract.c): the credit schedule that decided
	 * (a target's own; for a component the one of its targets that gives
	 * the most), NULL or empty when none is agreed */
	const struct conf_credits *credits;
	struct contract_credit credit;
	/* the latency objective: up seconds of steps whose mean latency missed
	 * it (degraded), known when every file has slow_s; for a component
	 * the strictest objective of its targets that have one */
	int latency_slo_ms; /* 0: none */
	long degraded_s;
	bool degraded_known;
};

struct report {
	char label[64]; /* "2026-03" or "2026-01-01..2026-04-01" (local) */
	bool month;
	/* --quarter and --year: the kind, and the report of each month */
	bool settled; /* a contract period: month, quarter or year */
	enum contract_period kind;
	struct report *months;
	size_t nmonths;
	time_t start, end; /* [start, end) */
	time_t data_end;   /* min(end, now): later seconds do not exist yet */
	const char *timezone;
	bool consistent;
	bool no_data; /* no target has a second of data or an incident in it */
	struct report_row *targets;
	size_t ntargets;
	struct report_row *components;
	size_t ncomponents;
	char warnings[2048];
};

struct report_filter {
	const char *target;    /* NULL: all */
	const char *component; /* NULL: all */
};

/*
 * Build the report of [start, end) as of now (the part after now is not
 * counted). -1 with err on failure (e.g. a target with no RRD file is not
 * an error: it has no data).
 */
int report_build(struct report *, const struct conf *, const struct calendar *,
    struct store *, time_t start, time_t end, time_t now, const struct report_filter *,
    char *err, size_t errlen);
void report_free(struct report *);
int report_month_bounds(
    const char *month, time_t *start, time_t *end, char *label, size_t len);

json_t *report_json(const struct report *);
/* How `slamon report --json` and /api/v1/availability print it. */
#define REPORT_JSON_FLAGS                                                              \
	(JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))
void report_text(const struct report *, FILE *);
void report_csv(const struct report *, FILE *);

/*
 * report-contract.c. report_build_period: the report of a contract period
 * (spec as contract_period_bounds takes it) and, for a quarter or a year,
 * that of each of its months. The period is read from RRD as a whole, like
 * a month (exact at local midnights), so its seconds equal its months' sums.
 * -1 with err; *bad_spec set when spec is not of that form.
 */
int report_build_period(struct report *, enum contract_period, const char *spec,
    const struct conf *, const struct calendar *, struct store *, time_t now,
    const struct report_filter *, bool *bad_spec, char *err, size_t errlen);
/* the credit of each row; report_build calls it */
void report_credits(struct report *);
bool report_has_credits(const struct report *);
json_t *report_credit_json(const struct report_row *);
/* latency_slo_ms, degraded_s and latency_met (percent) of a row into o */
void report_latency_json(json_t *o, const struct report_row *);
/* the share of the countable time (up + down) that was up and met the
 * latency objective, percent; false when there is none to give */
bool report_latency_met(const struct report_row *, double *percent);
void report_latency_text(const struct report *, FILE *, int width);
json_t *report_months_json(const struct report *);
void report_credits_text(const struct report *, FILE *, int width);
void report_months_text(const struct report *, FILE *, int width);
/* report-html.c: the customer's report, one page per component */
void report_html(
    const struct report *, const struct conf *, const struct calendar *, FILE *);
/* report-pdf.c: the HTML rendered by Chromium headless into path */
int report_pdf(const struct report *, const struct conf *, const struct calendar *,
    const char *path, char *err, size_t errlen);

/*
 * Pure helpers, unit tested. report_row_finish: unknown, availability,
 * coverage from up/down/maintenance over period_s (the part of the period
 * that has happened); the error budget is the whole period's: (1 - slo/100)
 * x (up + down + future_s), so it is the full budget at 100 %.
 */
void report_row_finish(struct report_row *, long period_s);
char *report_duration(long secs, char *buf, size_t len);

#endif
