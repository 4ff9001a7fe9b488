/*
 * report-contract.c - the contract's view of a report: the service credit
 * of each target and component, and contract periods (a quarter, a year)
 * with the report of each of their months, since credits are settled per
 * month.
 *
 * A component's credit: its targets may have different schedules (a
 * target may repeat `credits`); each is applied to the component's own
 * seconds and the one giving the most credit decides, so no term of the
 * contract is lost by grouping targets into a component.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "log.h"
#include "report.h"
#include "tz.h"

static void
row_credit(struct report_row *r)
{
	contract_credit(r->credits, r->up_s, r->down_s, &r->credit);
}

/* build_target gave each target row its schedule */
void
report_credits(struct report *rep)
{
	for (size_t i = 0; i < rep->ntargets; i++)
		row_credit(&rep->targets[i]);
	for (size_t k = 0; k < rep->ncomponents; k++) {
		struct report_row *cr = &rep->components[k];

		cr->credits = NULL;
		contract_credit(NULL, 0, 0, &cr->credit);
		for (size_t i = 0; i < rep->ntargets; i++) {
			const struct report_row *r = &rep->targets[i];
			struct contract_credit x;

			if (strcmp(r->component, cr->name) != 0 || r->credits == NULL ||
			    r->credits->n == 0)
				continue;
			contract_credit(r->credits, cr->up_s, cr->down_s, &x);
			if (cr->credits == NULL || x.percent > cr->credit.percent) {
				cr->credits = r->credits;
				cr->credit = x;
			}
		}
	}
}

bool
report_has_credits(const struct report *rep)
{
	for (size_t i = 0; i < rep->ntargets; i++)
		if (rep->targets[i].credits && rep->targets[i].credits->n)
			return true;
	return false;
}

static json_t *
real6(double v)
{
	return json_real(round(v * 1e6) / 1e6);
}

json_t *
report_credit_json(const struct report_row *r)
{
	const struct contract_credit *x = &r->credit;
	json_t *o, *tiers;

	if (r->credits == NULL || r->credits->n == 0)
		return json_null();
	o = json_object();
	tiers = json_array();
	for (size_t k = 0; k < r->credits->n; k++) {
		json_t *t = json_object();
		json_object_set_new(t, "below", real6(r->credits->v[k].below));
		json_object_set_new(t, "percent", real6(r->credits->v[k].percent));
		json_array_append_new(tiers, t);
	}
	/* no data decides nothing: no tier, and no percent either */
	json_object_set_new(
	    o, "percent", r->has_data ? real6(x->percent) : json_null());
	json_object_set_new(o, "below", x->tier >= 0 ? real6(x->below) : json_null());
	json_object_set_new(
	    o, "tier", x->tier >= 0 ? json_integer(x->tier + 1) : json_null());
	/* the exact availability, not the rounded one of "availability" */
	json_object_set_new(o, "availability",
	    r->has_data ? json_real(100.0 * (double)r->up_s / (double)x->countable_s)
			: json_null());
	json_object_set_new(o, "up_s", json_integer(r->up_s));
	json_object_set_new(o, "down_s", json_integer(r->down_s));
	json_object_set_new(o, "countable_s", json_integer(x->countable_s));
	json_object_set_new(o, "tier_down_s",
	    x->tier_down_s >= 0 ? json_integer(x->tier_down_s) : json_null());
	json_object_set_new(o, "next_tier_down_s",
	    x->next_down_s >= 0 ? json_integer(x->next_down_s) : json_null());
	json_object_set_new(o, "tiers", tiers);
	return o;
}

/* "below 99.9 %: 10 %" or "none" */
static const char *
credit_str(const struct report_row *r, char *buf, size_t len)
{
	if (!r->has_data)
		snprintf(buf, len, "no data");
	else if (r->credit.tier < 0)
		snprintf(buf, len, "none");
	else
		snprintf(buf, len, "%g %% (below %g %%)", r->credit.percent,
		    r->credit.below);
	return buf;
}

static void
credit_line(FILE *f, const struct report_row *r, int w)
{
	char cr[64], a[32], b[32], d[32];

	if (r->credits == NULL || r->credits->n == 0)
		return;
	fprintf(f, "  %-*s %s", w, r->name, credit_str(r, cr, sizeof(cr)));
	if (r->has_data) {
		fprintf(f, ": %.6f%% = up %ld s / (up + down) %ld s",
		    100.0 * (double)r->up_s / (double)r->credit.countable_s, r->up_s,
		    r->credit.countable_s);
		if (r->credit.tier >= 0)
			fprintf(f, "; down %s, this tier from %s",
			    report_duration(r->down_s, a, sizeof(a)),
			    report_duration(r->credit.tier_down_s, b, sizeof(b)));
		if (r->credit.next_down_s >= 0)
			fprintf(f, "; next tier at %s down",
			    report_duration(r->credit.next_down_s, d, sizeof(d)));
	}
	fputc('\n', f);
}

void
report_credits_text(const struct report *rep, FILE *f, int w)
{
	if (!report_has_credits(rep))
		return;
	fprintf(f,
	    "\nService credits (a tier is reached strictly below its "
	    "threshold; exactly at it is not):\n");
	for (size_t i = 0; i < rep->ncomponents; i++)
		credit_line(f, &rep->components[i], w);
	for (size_t i = 0; i < rep->ntargets; i++)
		credit_line(f, &rep->targets[i], w);
	if (rep->settled && rep->kind != CONTRACT_MONTH)
		fprintf(f,
		    "  (over the whole %s; credits are settled per month: "
		    "see below)\n",
		    rep->kind == CONTRACT_YEAR ? "year" : "quarter");
}

bool
report_latency_met(const struct report_row *r, double *percent)
{
	if (r->latency_slo_ms <= 0 || !r->degraded_known || !r->has_data)
		return false;
	*percent = 100.0 * (double)(r->up_s - r->degraded_s) /
	    (double)(r->up_s + r->down_s);
	return true;
}

void
report_latency_json(json_t *o, const struct report_row *r)
{
	double met;

	json_object_set_new(o, "latency_slo_ms",
	    r->latency_slo_ms > 0 ? json_integer(r->latency_slo_ms) : json_null());
	json_object_set_new(o, "degraded_s",
	    r->latency_slo_ms > 0 && r->degraded_known ? json_integer(r->degraded_s)
						       : json_null());
	json_object_set_new(
	    o, "latency_met", report_latency_met(r, &met) ? real6(met) : json_null());
}

static void
latency_line(FILE *f, const struct report_row *r, int w)
{
	char a[32];
	double met;

	if (r->latency_slo_ms <= 0)
		return;
	fprintf(f, "  %-*s objective %d ms: ", w, r->name, r->latency_slo_ms);
	if (!r->degraded_known)
		fprintf(f, "unknown (its RRD file predates slow_s)\n");
	else if (!report_latency_met(r, &met))
		fprintf(f, "no data\n");
	else
		fprintf(f, "met in %.3f%% of the month; degraded %s (%ld s)\n", met,
		    report_duration(r->degraded_s, a, sizeof(a)), r->degraded_s);
}

void
report_latency_text(const struct report *rep, FILE *f, int w)
{
	bool any = false;

	for (size_t i = 0; i < rep->ntargets; i++)
		any |= rep->targets[i].latency_slo_ms > 0;
	if (!any)
		return;
	fprintf(f,
	    "\nLatency objective (a step whose mean latency misses it is "
	    "degraded; maintenance and down time excluded):\n");
	for (size_t i = 0; i < rep->ncomponents; i++)
		latency_line(f, &rep->components[i], w);
	for (size_t i = 0; i < rep->ntargets; i++)
		latency_line(f, &rep->targets[i], w);
}

static json_t *
month_row_json(const struct report_row *r, bool target)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(r->name));
	if (target)
		json_object_set_new(o, "component", json_string(r->component));
	json_object_set_new(
	    o, "availability", r->has_data ? real6(r->availability) : json_null());
	json_object_set_new(o, "slo_met",
	    r->has_data ? json_boolean(r->availability + 1e-9 >= r->slo) : json_null());
	json_object_set_new(o, "up_s", json_integer(r->up_s));
	json_object_set_new(o, "down_s", json_integer(r->down_s));
	json_object_set_new(o, "maintenance_s", json_integer(r->maintenance_s));
	json_object_set_new(o, "unknown_s", json_integer(r->unknown_s));
	json_object_set_new(o, "credit", report_credit_json(r));
	report_latency_json(o, r);
	return o;
}

json_t *
report_months_json(const struct report *rep)
{
	json_t *a = json_array();

	for (size_t m = 0; m < rep->nmonths; m++) {
		const struct report *mr = &rep->months[m];
		json_t *o = json_object(), *t = json_array(), *c = json_array();

		json_object_set_new(o, "month", json_string(mr->label));
		json_object_set_new(o, "start", journal_time(mr->start));
		json_object_set_new(o, "end", journal_time(mr->end));
		json_object_set_new(o, "consistent", json_boolean(mr->consistent));
		for (size_t i = 0; i < mr->ntargets; i++)
			json_array_append_new(t, month_row_json(&mr->targets[i], true));
		for (size_t i = 0; i < mr->ncomponents; i++)
			json_array_append_new(
			    c, month_row_json(&mr->components[i], false));
		json_object_set_new(o, "targets", t);
		json_object_set_new(o, "components", c);
		json_array_append_new(a, o);
	}
	return a;
}

void
report_months_text(const struct report *rep, FILE *f, int w)
{
	char cr[64];

	if (rep->nmonths == 0)
		return;
	fprintf(f, "\nBy month:\n");
	fprintf(f, "  %-7s %-*s %11s %-4s %s\n", "MONTH", w, "COMPONENT", "AVAIL", "",
	    "CREDIT");
	for (size_t m = 0; m < rep->nmonths; m++) {
		const struct report *mr = &rep->months[m];

		for (size_t i = 0; i < mr->ncomponents; i++) {
			const struct report_row *r = &mr->components[i];
			char av[32] = "-";

			if (r->has_data)
				snprintf(av, sizeof(av), "%.4f%%", r->availability);
			fprintf(f, "  %-7s %-*s %11s %-4s %s\n", mr->label, w, r->name,
			    av,
			    !r->has_data			   ? ""
				: r->availability + 1e-9 >= r->slo ? "met"
								   : "MISS",
			    r->credits && r->credits->n ? credit_str(r, cr, sizeof(cr))
							: "-");
		}
	}
}

int
report_build_period(struct report *rep, enum contract_period kind, const char *spec,
    const struct conf *c, const struct calendar *cal, struct store *st, time_t now,
    const struct report_filter *f, bool *bad_spec, char *err, size_t errlen)
{
	time_t start, end;
	int nm = contract_period_months(kind);

	*bad_spec = false;
	if (contract_period_bounds(
		kind, spec, &start, &end, rep->label, sizeof(rep->label)) == -1) {
		*bad_spec = true;
		snprintf(err, errlen, "\"%s\": expected %s", spec,
		    kind == CONTRACT_MONTH	   ? "YYYY-MM"
			: kind == CONTRACT_QUARTER ? "YYYY-Qn (n = 1..4)"
						   : "YYYY");
		return -1;
	}
	rep->month = kind == CONTRACT_MONTH;
	rep->settled = true;
	rep->kind = kind;
	if (report_build(rep, c, cal, st, start, end, now, f, err, errlen) == -1)
		return -1;
	if (kind == CONTRACT_MONTH)
		return 0;
	rep->months = xcalloc((size_t)nm, sizeof(*rep->months));
	for (int m = 0; m < nm; m++) {
		struct report *mr = &rep->months[m];
		struct tz_local l;
		time_t ms, me;

		tz_to_local(start, &l);
		ms = tz_month_start(l.year, l.mon + m);
		me = tz_month_start(l.year, l.mon + m + 1);
		if (ms >= now && m > 0)
			break; /* months to come have no seconds yet */
		snprintf(mr->label, sizeof(mr->label), "%04d-%02d",
		    l.year + (l.mon + m - 1) / 12, (l.mon + m - 1) % 12 + 1);
		mr->month = mr->settled = true;
		mr->kind = CONTRACT_MONTH;
		if (report_build(mr, c, cal, st, ms, me, now, f, err, errlen) == -1)
			return -1;
		rep->nmonths++;
	}
	return 0;
}
