/*
 * report-html.c - the report to hand to a customer: one self-contained HTML
 * page per component (no script, no external file; styles inline in the
 * document), printable to PDF (report-pdf.c).
 *
 * A page holds what the contract asks about that component: availability
 * against the SLO, the service credit reached and the seconds that decided
 * it, the incidents with their unplanned and maintenance parts, the
 * maintenance windows used and the notice each was given, coverage, and
 * how it was all calculated. The figures are the report's (report.c), so
 * the page never says anything `slamon report --json` does not.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "log.h"
#include "report.h"
#include "tz.h"

static void
esc(FILE *f, const char *s)
{
	for (; s && *s; s++)
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
}

/* local time to the minute: the page names its zone once, in the heading */
static const char *
when(time_t t, char *buf, size_t len)
{
	struct tz_local l;

	tz_to_local(t, &l);
	if (l.sec)
		snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d", l.year, l.mon,
		    l.mday, l.hour, l.min, l.sec);
	else
		snprintf(buf, len, "%04d-%02d-%02d %02d:%02d", l.year, l.mon, l.mday,
		    l.hour, l.min);
	return buf;
}

static const char *
avail_str(const struct report_row *r, char *buf, size_t len)
{
	if (r->has_data)
		snprintf(buf, len, "%.4f %%", r->availability);
	else
		snprintf(buf, len, "no data");
	return buf;
}

static const char STYLE[] =
    "@page{size:A4;margin:12mm 12mm}"
    "body{font:9pt/1.35 'DejaVu Sans',Helvetica,Arial,sans-serif;color:#1b1f24;"
    "margin:0}"
    "section.component{page-break-after:always;break-after:page;padding:0 2mm}"
    "section.component:last-of-type{page-break-after:auto;break-after:auto}"
    "h1{font-size:17pt;margin:0 0 2mm}h2{font-size:11pt;margin:4mm 0 1.5mm;"
    "border-bottom:1px solid #ccd;padding-bottom:1mm}"
    "p.period{color:#555;margin:0 0 4mm}"
    "table{border-collapse:collapse;width:100%;margin:1mm 0 2mm}"
    "th,td{text-align:left;padding:0.7mm 2mm;border-bottom:1px solid #e3e6ea;"
    "vertical-align:top}th{background:#f3f5f7;font-weight:600}"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
    ".kpi{display:flex;gap:4mm;margin:3mm 0}"
    ".kpi div{flex:1;border:1px solid #ccd;border-radius:2mm;padding:2mm 3mm}"
    ".kpi b{display:block;font-size:15pt}.kpi span{color:#555;font-size:8.5pt}"
    ".met{color:#17723a}.miss{color:#b3261e}.none{color:#555}"
    "p.method{font-size:8.5pt;color:#333}";

static void
kpi(FILE *f, const char *cls, const char *value, const char *label)
{
	fprintf(f, "<div class=\"%s\"><b>", cls);
	esc(f, value);
	fputs("</b><span>", f);
	esc(f, label);
	fputs("</span></div>\n", f);
}

static void
summary(FILE *f, const struct report_row *cr)
{
	char a[64], b[128], c[64], d[64];
	bool met = cr->has_data && cr->availability + 1e-9 >= cr->slo;

	fputs("<div class=\"kpi\">\n", f);
	snprintf(b, sizeof(b), "availability (objective %g %%: %s)", cr->slo,
	    !cr->has_data ? "no data"
		: met	  ? "met"
			  : "missed");
	kpi(f,
	    !cr->has_data ? "none"
		: met	  ? "met"
			  : "miss",
	    avail_str(cr, a, sizeof(a)), b);
	if (cr->credits && cr->credits->n) {
		if (!cr->has_data)
			snprintf(a, sizeof(a), "-");
		else
			snprintf(a, sizeof(a), "%g %%", cr->credit.percent);
		if (cr->has_data && cr->credit.tier >= 0)
			snprintf(b, sizeof(b), "service credit (tier %d: below %g %%)",
			    cr->credit.tier + 1, cr->credit.below);
		else
			snprintf(b, sizeof(b), "service credit (no tier reached)");
		kpi(f, cr->has_data && cr->credit.tier >= 0 ? "miss" : "met", a, b);
	}
	if (cr->latency_slo_ms > 0) {
		double lmet;
		bool ok = report_latency_met(cr, &lmet);

		if (ok)
			snprintf(a, sizeof(a), "%.2f %%", lmet);
		else
			snprintf(a, sizeof(a), "-");
		snprintf(b, sizeof(b),
		    "latency objective (%d ms) met, of the time counted; degraded "
		    "%ld s",
		    cr->latency_slo_ms, ok ? cr->degraded_s : 0L);
		kpi(f, "none", a, b);
	}
	snprintf(a, sizeof(a), "%.2f %%", 100.0 * cr->coverage);
	kpi(f, "none", a, "coverage (time measured or in maintenance)");
	fputs("</div>\n", f);
	fputs("<table><tr><th>up</th><th>down (unplanned)</th><th>announced "
	      "maintenance</th><th>unknown</th><th>error budget left</th></tr>\n<tr>",
	    f);
	fprintf(f, "<td>%s<br><small>%ld s</small></td>",
	    report_duration(cr->up_s, a, sizeof(a)), cr->up_s);
	fprintf(f, "<td>%s<br><small>%ld s</small></td>",
	    report_duration(cr->down_s, b, sizeof(b)), cr->down_s);
	fprintf(f, "<td>%s<br><small>%ld s</small></td>",
	    report_duration(cr->maintenance_s, c, sizeof(c)), cr->maintenance_s);
	fprintf(f, "<td>%s<br><small>%ld s</small></td>",
	    report_duration(cr->unknown_s, d, sizeof(d)), cr->unknown_s);
	fprintf(f, "<td>%s</td></tr></table>\n",
	    cr->has_data ? report_duration(cr->error_budget_left_s, a, sizeof(a))
			 : "no data");
	if (cr->credits && cr->credits->n) {
		fputs("<table><tr><th>credit tier</th><th class=\"n\">availability "
		      "below</th><th class=\"n\">credit</th><th class=\"n\">reached "
		      "from (down, of this period)</th></tr>\n",
		    f);
		for (size_t k = 0; k < cr->credits->n; k++) {
			const struct conf_credit *t = &cr->credits->v[k];
			bool here = cr->has_data && cr->credit.tier == (int)k;
			long from = contract_down_threshold(
			    t->below, cr->credit.countable_s);

			fprintf(f,
			    "<tr%s><td>%zu%s</td><td class=\"n\">%g %%</td><td "
			    "class=\"n\">%g %%</td><td class=\"n\">",
			    here ? " class=\"miss\"" : "", k + 1,
			    here ? " (reached)" : "", t->below, t->percent);
			if (cr->has_data && from <= cr->credit.countable_s)
				fprintf(f, "%s (%ld s)",
				    report_duration(from, a, sizeof(a)), from);
			else
				fputs("-", f);
			fputs("</td></tr>\n", f);
		}
		fputs("</table>\n", f);
		if (cr->has_data)
			fprintf(f,
			    "<p>Exactly: %ld s up / (%ld s up + %ld s down) = %.6f %%. "
			    "A tier is reached strictly below its threshold.</p>\n",
			    cr->up_s, cr->up_s, cr->down_s,
			    100.0 * (double)cr->up_s / (double)cr->credit.countable_s);
	}
}

static void
months_table(FILE *f, const struct report *rep, const char *component)
{
	char a[64], b[64];

	if (rep->nmonths == 0)
		return;
	fputs("<h2>By month</h2>\n<table><tr><th>month</th><th "
	      "class=\"n\">availability</th><th>objective</th><th "
	      "class=\"n\">down</th><th class=\"n\">credit</th></tr>\n",
	    f);
	for (size_t m = 0; m < rep->nmonths; m++)
		for (size_t i = 0; i < rep->months[m].ncomponents; i++) {
			const struct report_row *r = &rep->months[m].components[i];

			if (strcmp(r->name, component) != 0)
				continue;
			fprintf(f, "<tr><td>%s</td><td class=\"n\">%s</td><td>%s</td>",
			    rep->months[m].label, avail_str(r, a, sizeof(a)),
			    !r->has_data			   ? "-"
				: r->availability + 1e-9 >= r->slo ? "met"
								   : "missed");
			fprintf(f, "<td class=\"n\">%s</td><td class=\"n\">",
			    report_duration(r->down_s, b, sizeof(b)));
			if (r->credits && r->credits->n && r->has_data)
				fprintf(f, "%g %%", r->credit.percent);
			else
				fputs("-", f);
			fputs("</td></tr>\n", f);
		}
	fputs("</table>\n", f);
}

static void
incidents(FILE *f, const struct report *rep, const char *component)
{
	char a[64], b[64], c[32], d[32], e[32];
	int n = 0;

	fputs("<h2>Incidents</h2>\n", f);
	for (size_t i = 0; i < rep->ntargets; i++) {
		const struct report_row *r = &rep->targets[i];

		if (strcmp(r->component, component) != 0)
			continue;
		for (size_t k = 0; k < r->nincidents; k++) {
			const struct report_incident *inc = &r->incidents[k];

			if (n++ == 0)
				fputs(
				    "<table class=\"incidents\"><tr><th>check</th>"
				    "<th>start</th><th>end</th><th class=\"n\">down</th>"
				    "<th class=\"n\">unplanned</th><th "
				    "class=\"n\">in maintenance</th><th>windows</th></tr>\n",
				    f);
			fputs("<tr><td>", f);
			esc(f, r->name);
			fprintf(
			    f, "</td><td>%s</td><td>", when(inc->start, a, sizeof(a)));
			if (inc->end)
				fputs(when(inc->end, b, sizeof(b)), f);
			else
				fprintf(f, "open at the end of the data (%s)",
				    when(inc->data_end, b, sizeof(b)));
			fprintf(f,
			    "</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
			    "<td class=\"n\">%s</td><td>",
			    report_duration(inc->down_s, c, sizeof(c)),
			    report_duration(inc->unplanned_s, d, sizeof(d)),
			    report_duration(inc->maintenance_s, e, sizeof(e)));
			esc(f, inc->windows);
			if (inc->short_notice[0]) {
				fputs(inc->windows[0] ? "; " : "", f);
				fputs("short notice (counted): ", f);
				esc(f, inc->short_notice);
			}
			fputs("</td></tr>\n", f);
		}
	}
	if (n)
		fputs("</table>\n", f);
	else
		fputs("<p>No incidents in this period.</p>\n", f);
}

static bool
applies_to_component(const struct conf *c, const struct cal_occ *o, const char *comp)
{
	for (size_t i = 0; i < c->ntargets; i++)
		if (strcmp(c->targets[i].component, comp) == 0 &&
		    conf_applies_to(o->applies, o->napplies, &c->targets[i]))
			return true;
	return false;
}

static void
notice_str(long s, char *buf, size_t len)
{
	if (s < 0)
		snprintf(buf, len, "after it started");
	else
		report_duration(s, buf, len);
}

static void
maintenance(FILE *f, const struct report *rep, const struct conf *c,
    const struct cal_occ *occs, size_t nocc, const char *component)
{
	char a[64], b[64], d[64], e[64];
	int n = 0;

	fputs("<h2>Maintenance windows used</h2>\n", f);
	for (size_t k = 0; k < nocc; k++) {
		const struct cal_occ *o = &occs[k];

		if ((!o->announced && !o->short_notice) || o->start >= rep->data_end ||
		    !applies_to_component(c, o, component))
			continue;
		if (n++ == 0)
			fprintf(f,
			    "<table class=\"maintenance\"><tr><th>window</th><th>start"
			    "</th><th>end</th><th>announced</th><th class=\"n\">notice"
			    "</th><th>counted as</th></tr>\n");
		fputs("<tr><td>", f);
		esc(f, o->description ? o->description : o->name);
		if (o->note) {
			fputs(" &ndash; ", f);
			esc(f, o->note);
		}
		fprintf(f, "</td><td>%s</td><td>%s</td>", when(o->start, a, sizeof(a)),
		    when(o->end, b, sizeof(b)));
		if (o->has_announced_at) {
			notice_str((long)(o->start - o->announced_at), e, sizeof(e));
			fprintf(f, "<td>%s</td><td class=\"n\">%s</td>",
			    when(o->announced_at, d, sizeof(d)), e);
		} else
			fputs("<td>-</td><td class=\"n\">-</td>", f);
		fprintf(f, "<td>%s</td></tr>\n",
		    o->announced ? "maintenance (excluded)"
				 : "short notice: counted against availability");
	}
	if (n)
		fprintf(f,
		    "</table>\n<p>Required notice: %s. Overlapping windows "
		    "count once.</p>\n",
		    report_duration(c->min_notice, a, sizeof(a)));
	else
		fputs("<p>No announced maintenance in this period.</p>\n", f);
}

static void
targets_table(FILE *f, const struct report *rep, const char *component)
{
	char a[64], b[64], d[64];

	fputs("<h2>Checks</h2>\n<table><tr><th>check</th><th "
	      "class=\"n\">availability</th><th class=\"n\">down</th><th "
	      "class=\"n\">maintenance</th><th class=\"n\">coverage</th></tr>\n",
	    f);
	for (size_t i = 0; i < rep->ntargets; i++) {
		const struct report_row *r = &rep->targets[i];

		if (strcmp(r->component, component) != 0)
			continue;
		fputs("<tr><td>", f);
		esc(f, r->name);
		fprintf(f,
		    "</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td "
		    "class=\"n\">%s</td><td class=\"n\">%.2f %%</td></tr>\n",
		    avail_str(r, a, sizeof(a)),
		    report_duration(r->down_s, b, sizeof(b)),
		    report_duration(r->maintenance_s, d, sizeof(d)),
		    100.0 * r->coverage);
	}
	fputs("</table>\n", f);
}

static void
method(FILE *f, const struct report *rep, const struct conf *c,
    const struct report_row *cr)
{
	char a[64];

	fprintf(f,
	    "<h2>How this was calculated</h2>\n<p class=\"method\">Every second of "
	    "the period (%s, time zone ",
	    rep->label);
	esc(f, rep->timezone);
	fprintf(f,
	    ") is, for each check, exactly one of up, down, announced maintenance "
	    "or unknown (not measured). A check is down from the first of at least "
	    "its failure threshold of consecutive failed probes until its next "
	    "successful probe. Maintenance counts only inside a window announced "
	    "at least %s before it starts; maintenance announced later is short "
	    "notice and its downtime counts. Availability = up / (up + down): "
	    "maintenance and unknown time are left out of both. A component adds "
	    "up the seconds of its checks. Coverage = (up + down + maintenance) / "
	    "the length of the period. A service-credit tier applies when the "
	    "availability is strictly below its threshold, decided on the seconds, "
	    "not on a rounded figure.",
	    report_duration(c->min_notice, a, sizeof(a)));
	if (cr->latency_slo_ms > 0)
		fprintf(f,
		    " A minute whose probes' mean latency is above the latency "
		    "objective is degraded: its up seconds count as degraded, not as "
		    "down; the objective is met in the rest of up + down.");
	fputs("</p>\n", f);
}

void
report_html(
    const struct report *rep, const struct conf *c, const struct calendar *cal, FILE *f)
{
	struct cal_occ *occs = NULL;
	size_t nocc = 0;
	char a[64], b[64];

	if (cal == NULL ||
	    calendar_expand(cal, rep->start, rep->end, &occs, &nocc) == -1)
		nocc = 0;
	fprintf(f,
	    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
	    "charset=\"utf-8\">\n<title>Service report ");
	esc(f, rep->label);
	fprintf(f, "</title>\n<style>%s</style></head>\n<body>\n", STYLE);
	for (size_t k = 0; k < rep->ncomponents; k++) {
		const struct report_row *cr = &rep->components[k];

		fputs("<section class=\"component\">\n<h1>", f);
		esc(f, cr->name);
		fputs(" &ndash; service report ", f);
		esc(f, rep->label);
		fprintf(f, "</h1>\n<p class=\"period\">%s to %s (",
		    when(rep->start, a, sizeof(a)), when(rep->end, b, sizeof(b)));
		esc(f, rep->timezone);
		fputs(")", f);
		if (rep->data_end < rep->end)
			fprintf(
			    f, "; counted up to %s", when(rep->data_end, a, sizeof(a)));
		fputs("</p>\n", f);
		summary(f, cr);
		months_table(f, rep, cr->name);
		incidents(f, rep, cr->name);
		maintenance(f, rep, c, occs, nocc, cr->name);
		targets_table(f, rep, cr->name);
		method(f, rep, c, cr);
		if (!cr->consistent)
			fputs("<p class=\"miss\">The measured seconds and the incident "
			      "record disagree for this component; see the operator's "
			      "report.</p>\n",
			    f);
		fputs("</section>\n", f);
	}
	if (rep->ncomponents == 0)
		fputs("<p>No component matches.</p>\n", f);
	fputs("</body></html>\n", f);
	free(occs);
}
