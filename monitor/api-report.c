/*
 * api-report.c - what the HTTP side asks of the RRD files and the calendar:
 * /api/v1/availability?month=YYYY-MM (the report of `slamon report --json`,
 * this month when no month is given), /api/v1/uptime.json (the page's
 * daily bars: HTTPD_BAR_DAYS local days per component) and /calendar.ics.
 *
 * The bars and the reports read every target's RRD file: they are computed
 * by a worker and cached (httpd-job.c), never on the event loop.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "httpd-job.h"
#include "httpd-priv.h"
#include "ics.h"
#include "log.h"
#include "report.h"
#include "store.h"
#include "tz.h"

/* A day shows as maintenance when its targets spent this long in it on average. */
#define API_REPORT_MAINT_DAY 3600

static void
api_report_label(time_t now, char *buf, size_t len)
{
	struct tz_local l;

	tz_to_local(now, &l);
	snprintf(buf, len, "%04d-%02d", l.year, l.mon);
}

/* The report of a month, quarter or year as JSON text (malloc'ed), or NULL
 * with err. */
static char *
api_report_build(struct httpd *h, enum contract_period kind, const char *spec,
    time_t now, char *err, size_t errlen)
{
	struct report rep;
	bool bad;
	char *s;
	json_t *j;

	/* report_build takes a zeroed report */
	memset(&rep, 0, sizeof(rep));
	if (h->src.store == NULL || h->src.cal == NULL) {
		snprintf(err, errlen, "no stored data (dry run)");
		return NULL;
	}
	if (report_build_period(&rep, kind, spec, h->src.conf, h->src.cal, h->src.store,
		now, NULL, &bad, err, errlen) == -1) {
		report_free(&rep);
		return NULL;
	}
	j = report_json(&rep);
	s = json_dumps(j,
	    JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER |
		JSON_REAL_PRECISION(15));
	json_decref(j);
	report_free(&rep);
	if (s == NULL)
		snprintf(err, errlen, "cannot format the report");
	return s;
}

/* In the worker (httpd-job.c): the report of the month arg. */
static enum contract_period
api_report_kind(char k)
{
	return k == 'Q' ? CONTRACT_QUARTER : k == 'Y' ? CONTRACT_YEAR : CONTRACT_MONTH;
}

/* In the worker (httpd-job.c): the report of arg, "M:2026-03", "Q:2026-Q1"
 * or "Y:2026". */
static int
api_report_job(struct httpd *h, const char *arg, time_t now, struct evbuffer *out,
    char *ctype, size_t ctlen)
{
	char err[512], *s;

	if ((s = api_report_build(
		 h, api_report_kind(arg[0]), arg + 2, now, err, sizeof(err))) == NULL) {
		json_t *j = json_pack(
		    "{s:{s:i,s:s}}", "error", "code", 503, "message", err);
		char *e = j ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;

		json_decref(j);
		evbuffer_add_printf(out, "%s", e ? e : "{}");
		free(e);
		return 503;
	}
	snprintf(ctype, ctlen, "application/json");
	evbuffer_add(out, s, strlen(s));
	free(s);
	return 200;
}

json_t *
api_report_month(struct httpd *h, time_t now)
{
	char label[32], key[64], arg[40];
	const char *body;

	if (h->src.store == NULL)
		return NULL;
	api_report_label(now, label, sizeof(label));
	snprintf(arg, sizeof(arg), "M:%s", label);
	snprintf(key, sizeof(key), "availability:%s", arg);
	/* never computed here: the last answer, or none while the first is made */
	if ((body = httpd_job_peek(h, key, false, api_report_job, arg)) == NULL)
		return NULL;
	return json_loads(body, 0, NULL);
}

bool
api_report_month_defer(struct httpd *h, struct evhttp_request *req,
    void (*then)(struct httpd *, struct evhttp_request *))
{
	char label[32], key[64], arg[40];

	if (h->src.store == NULL)
		return false;
	api_report_label(httpd_now(h), label, sizeof(label));
	snprintf(arg, sizeof(arg), "M:%s", label);
	snprintf(key, sizeof(key), "availability:%s", arg);
	return httpd_job_defer(h, req, key, false, api_report_job, arg, then);
}

void
api_report_availability(struct httpd *h, struct evhttp_request *req)
{
	time_t now = httpd_now(h);
	char month[32], cur[32], label[32], key[64], arg[40];
	const char *m = httpd_query(req, "month", month, sizeof(month));
	enum contract_period kind = CONTRACT_MONTH;
	time_t a, b;

	/* ?quarter=2026-Q1 and ?year=2026: contract periods, with their months */
	if (m == NULL &&
	    (m = httpd_query(req, "quarter", month, sizeof(month))) != NULL)
		kind = CONTRACT_QUARTER;
	else if (m == NULL &&
	    (m = httpd_query(req, "year", month, sizeof(month))) != NULL)
		kind = CONTRACT_YEAR;
	if (m == NULL) {
		api_report_label(now, cur, sizeof(cur));
		m = cur;
	}
	if (contract_period_bounds(kind, m, &a, &b, label, sizeof(label)) == -1) {
		httpd_error(req, 400,
		    kind == CONTRACT_MONTH ? "month must be YYYY-MM"
			: kind == CONTRACT_QUARTER
			? "quarter must be YYYY-Qn (n = 1..4)"
			: "year must be YYYY");
		return;
	}
	if (h->src.store == NULL) {
		httpd_error(req, 503, "no stored data (dry run)");
		return;
	}
	snprintf(arg, sizeof(arg), "%c:%s",
	    kind == CONTRACT_QUARTER	? 'Q'
		: kind == CONTRACT_YEAR ? 'Y'
					: 'M',
	    m);
	snprintf(key, sizeof(key), "availability:%s", arg);
	/* a period that ended before now changes only with the journal */
	httpd_job_serve(h, req, key, b + 120 <= now, api_report_job, arg);
}

/* Midnight of the local day holding t, `days` days later. */
static time_t
api_report_midnight(time_t t, int days)
{
	struct tz_local l;
	time_t out;

	tz_to_local(t, &l);
	l.hour = l.min = l.sec = 0;
	tz_local_add_days(&l, days);
	/* a zone whose midnight can be skipped: the gap rule moves it forward */
	tz_from_local(&l, &out);
	return out;
}

static const char *
api_report_day_status(double up, double down, double maint, long ntargets, double slo)
{
	double avail;

	if (up + down <= 0)
		return maint > 0 ? "maintenance" : "unknown";
	if (down <= 0)
		return maint >= (double)API_REPORT_MAINT_DAY * (double)ntargets
		    ? "maintenance"
		    : "up";
	avail = 100.0 * up / (up + down);
	return avail >= slo ? "degraded" : "down";
}

char *
api_report_bars(struct httpd *h, time_t now)
{
	const struct conf *c = h->src.conf;
	size_t nd = HTTPD_BAR_DAYS;
	time_t bounds[HTTPD_BAR_DAYS + 1];
	struct store_sums *sums = xcalloc(nd, sizeof(*sums));
	bool *done = xcalloc(c->ntargets + 1, sizeof(*done));
	json_t *root, *days = json_array(), *comps = json_array();
	char date[16], *s;

	for (size_t d = 0; d <= nd; d++)
		bounds[d] = api_report_midnight(now, (int)d - (int)nd + 1);
	for (size_t d = 0; d < nd; d++) {
		struct tz_local l;

		tz_to_local(bounds[d], &l);
		snprintf(date, sizeof(date), "%04d-%02d-%02d", l.year, l.mon, l.mday);
		json_array_append_new(days,
		    json_pack("{s:s,s:o,s:o}", "date", date, "start",
			httpd_time(bounds[d]), "end", httpd_time(bounds[d + 1])));
	}
	for (size_t i = 0; i < c->ntargets; i++) {
		const char *comp = c->targets[i].component;
		double up[HTTPD_BAR_DAYS] = {0}, down[HTTPD_BAR_DAYS] = {0};
		double maint[HTTPD_BAR_DAYS] = {0};
		double slo = c->targets[i].t.slo;
		long nt = 0;
		json_t *bars, *tnames;
		char id[HTTPD_ID_LEN + 1];

		if (done[i] || conf_page_hidden(c, comp))
			continue;
		bars = json_array();
		tnames = json_array();
		for (size_t k = i; k < c->ntargets; k++) {
			if (strcmp(c->targets[k].component, comp) != 0)
				continue;
			done[k] = true;
			nt++;
			if (c->targets[k].t.slo > slo)
				slo = c->targets[k].t.slo;
			json_array_append_new(tnames, json_string(c->targets[k].name));
			if (h->src.store == NULL ||
			    store_daily(h->src.store, c->targets[k].name, bounds, nd,
				sums) == -1)
				continue;
			for (size_t d = 0; d < nd; d++) {
				up[d] += sums[d].up_s;
				down[d] += sums[d].down_s;
				maint[d] += sums[d].maint_s;
			}
		}
		for (size_t d = 0; d < nd; d++) {
			double seen = bounds[d] > now
			    ? 0
			    : (double)((bounds[d + 1] < now ? bounds[d + 1] : now) -
				  bounds[d]) *
				(double)nt;
			double unknown = seen - up[d] - down[d] - maint[d];

			json_array_append_new(bars,
			    json_pack("{s:s,s:o,s:i,s:i,s:i,s:i}", "status",
				api_report_day_status(
				    up[d], down[d], maint[d], nt, slo),
				"availability",
				up[d] + down[d] > 0
				    ? json_real(100.0 * up[d] / (up[d] + down[d]))
				    : json_null(),
				"up_s", (int)lround(up[d]), "down_s",
				(int)lround(down[d]), "maintenance_s",
				(int)lround(maint[d]), "unknown_s",
				(int)lround(unknown > 0 ? unknown : 0)));
		}
		httpd_id("component", comp, 0, id);
		json_array_append_new(comps,
		    json_pack("{s:s,s:s,s:f,s:o,s:o}", "id", id, "name", comp, "slo",
			slo, "targets", tnames, "days", bars));
	}
	root = json_pack("{s:s,s:o,s:o,s:o}", "timezone", c->timezone, "updated_at",
	    httpd_time(now), "days", days, "components", comps);
	s = json_dumps(root, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(root);
	free(sums);
	free(done);
	return s;
}

static int
api_report_bars_job(struct httpd *h, const char *arg, time_t now, struct evbuffer *out,
    char *ctype, size_t ctlen)
{
	char *s;

	(void)arg;
	(void)ctlen;
	if ((s = api_report_bars(h, now)) == NULL) {
		evbuffer_add_printf(out,
		    "{\"error\":{\"code\":500,\"message\":"
		    "\"cannot format the bars\"}}");
		return 500;
	}
	snprintf(ctype, ctlen, "application/json");
	evbuffer_add(out, s, strlen(s));
	free(s);
	return 200;
}

void
api_report_uptime(struct httpd *h, struct evhttp_request *req)
{
	/* 90 days of every target's file: computed by a worker, cached */
	httpd_job_serve(h, req, "uptime", false, api_report_bars_job, "");
}

void
api_report_ics(struct httpd *h, struct evhttp_request *req)
{
	time_t now = httpd_now(h);
	char *s;

	if (h->src.cal == NULL) {
		httpd_error(req, 503, "no calendar");
		return;
	}
	/* recurring windows whole; one-off events from a month back to a year ahead */
	if ((s = ics_export(h->src.cal, now, now - 31 * 86400L, now + 366 * 86400L)) ==
	    NULL) {
		httpd_error(req, 500, "cannot export the calendar");
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Disposition",
	    "inline; filename=\"slamon.ics\"");
	httpd_send_str(req, 200, "text/calendar; charset=utf-8", s, strlen(s));
	free(s);
}
