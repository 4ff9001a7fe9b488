/*
 * report.c - the monthly (or any period's) availability report.
 *
 * Seconds come from the RRD files, which are exact sums by construction;
 * incidents come from the journal. The two are independent records of the
 * same outages, so the report checks one against the other: the RRD's down
 * seconds must lie between the journal's unplanned outage seconds minus
 * the outages' unknown seconds and that sum, within one step.
 *
 * Component rows add up their targets' seconds (target-seconds), so a
 * component's availability is the time-weighted mean of its targets'.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "journal.h"
#include "log.h"
#include "report.h"
#include "store.h"
#include "tz.h"

struct jinc {
	size_t target;
	time_t start, end;
	long unknown_s;
	bool alerted;
	int restarts;	     /* monitor starts while it was open */
	char locations[256]; /* several locations: those that saw it */
};

struct jread {
	const struct conf *c;
	struct jinc *v;
	size_t n, cap;
	long *open;	     /* per target: index into v + 1, 0 = none */
	size_t *head, *next; /* per target: its outages in order (index + 1) */
	const struct conf_target **byname; /* targets sorted by name */
	struct report *rep;
};

static int
byname_cmp(const void *a, const void *b)
{
	const struct conf_target *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

/* conf_target_find is a linear scan: too slow for 10,000 targets' records */
static const struct conf_target *
jtarget(const struct jread *j, const char *name)
{
	struct conf_target key = {.name = (char *)(uintptr_t)name};
	const struct conf_target *k = &key, **f;

	f = bsearch(&k, j->byname, j->c->ntargets, sizeof(*j->byname), byname_cmp);
	return f ? *f : NULL;
}

char *
report_duration(long s, char *buf, size_t len)
{
	long d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60, sec = s % 60;

	if (s < 0) {
		char tmp[64];
		report_duration(-s, tmp, sizeof(tmp));
		snprintf(buf, len, "-%s", tmp);
	} else if (d)
		snprintf(buf, len, "%ldd %ldh", d, h);
	else if (h)
		snprintf(buf, len, "%ldh %ldm", h, m);
	else if (m)
		snprintf(buf, len, "%ldm %lds", m, sec);
	else
		snprintf(buf, len, "%lds", sec);
	return buf;
}

void
report_row_finish(struct report_row *r, long period_s)
{
	long known = r->up_s + r->down_s;

	r->unknown_s = period_s - r->up_s - r->down_s - r->maintenance_s;
	if (r->unknown_s < 0)
		r->unknown_s = 0;
	r->has_data = known > 0;
	r->availability = r->has_data ? 100.0 * (double)r->up_s / (double)known : NAN;
	r->coverage = period_s > 0
	    ? (double)(r->up_s + r->down_s + r->maintenance_s) / (double)period_s
	    : 0;
	r->error_budget_s = (long)floor(
	    (1.0 - r->slo / 100.0) * (double)(known + r->future_s) + 1e-6);
	r->error_budget_left_s = r->error_budget_s - r->down_s;
}

int
report_month_bounds(
    const char *month, time_t *start, time_t *end, char *label, size_t len)
{
	int y, m;
	char extra;

	if (sscanf(month, "%4d-%2d%c", &y, &m, &extra) != 2 || strlen(month) != 7 ||
	    y < 1970 || y > 9999 || m < 1 || m > 12)
		return -1;
	*start = tz_month_start(y, m);
	*end = tz_month_start(y, m + 1);
	snprintf(label, len, "%04d-%02d", y, m);
	return 0;
}

static void
warn_add(struct report *rep, const char *msg)
{
	size_t len = strlen(rep->warnings);

	/* keep whole lines: a cut warning is worse than a missing one */
	if (len + strlen(msg) + 2 < sizeof(rep->warnings))
		snprintf(rep->warnings + len, sizeof(rep->warnings) - len, "%s\n", msg);
}

static void
jwarn_cb(void *arg, const char *msg)
{
	struct jread *j = arg;

	warn_add(j->rep, msg);
}

static void
jrecord_cb(void *arg, json_t *rec, int line)
{
	struct jread *j = arg;
	const char *ev = json_string_value(json_object_get(rec, "event"));
	const char *name = json_string_value(json_object_get(rec, "target"));
	const struct conf_target *t;
	time_t start, end;
	size_t i;

	if (ev != NULL && strcmp(ev, "monitor_start") == 0) {
		/* a stop leaves up to one step of an open outage unseen that no
		 * outage_end counts in its unknown_s: allow a step per restart */
		for (size_t k = 0; k < j->c->ntargets; k++)
			if (j->open[k])
				j->v[j->open[k] - 1].restarts++;
		return;
	}
	if (ev == NULL || name == NULL || (t = jtarget(j, name)) == NULL)
		return;
	i = (size_t)(t - j->c->targets);
	if (strcmp(ev, "outage_start") == 0 &&
	    journal_get_time(rec, "start", &start) == 0) {
		if (j->n == j->cap) {
			j->cap = j->cap ? j->cap * 2 : 64;
			j->v = xreallocarray(j->v, j->cap, sizeof(*j->v));
		}
		j->v[j->n] = (struct jinc){i, start, 0, 0, false, 0, ""};
		journal_names(rec, "locations", ",", j->v[j->n].locations,
		    sizeof(j->v[j->n].locations));
		j->open[i] = (long)++j->n;
	} else if (strcmp(ev, "outage_end") == 0 && j->open[i] &&
	    journal_get_time(rec, "start", &start) == 0 &&
	    start == j->v[j->open[i] - 1].start &&
	    journal_get_time(rec, "end", &end) == 0) {
		struct jinc *inc = &j->v[j->open[i] - 1];
		if (end < start) {
			/* an older slamon replayed rows from before its data */
			char msg[256];
			snprintf(msg, sizeof(msg),
			    "journal line %d: an outage of %s ends before it "
			    "starts; counted as ending at its start",
			    line, name);
			warn_add(j->rep, msg);
			end = start;
		}
		inc->end = end;
		inc->unknown_s = (long)json_integer_value(
		    json_object_get(rec, "unknown_s"));
		journal_names(
		    rec, "locations", ",", inc->locations, sizeof(inc->locations));
		j->open[i] = 0;
	} else if (strcmp(ev, "alert") == 0 && j->open[i] &&
	    journal_get_time(rec, "outage_start", &start) == 0 &&
	    start == j->v[j->open[i] - 1].start)
		j->v[j->open[i] - 1].alerted = true;
}

static void
add_window(struct report_excluded **v, size_t *n, const char *window, long secs)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i].window, window) == 0) {
			(*v)[i].seconds += secs;
			return;
		}
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = (struct report_excluded){window, secs};
}

/* Append name to a comma-separated list unless it is there already. */
static void
list_add(char *list, size_t len, const char *name)
{
	size_t l = strlen(list), nl = strlen(name);

	for (const char *p = list; (p = strstr(p, name)) != NULL; p += nl)
		if ((p == list || p[-1] == ',') && (p[nl] == ',' || p[nl] == '\0'))
			return;
	if (l + nl + 2 <= len)
		snprintf(list + l, len - l, "%s%s", l ? "," : "", name);
}

/* Targets to which the same windows apply share one calendar index. */
struct idx_cache {
	char *key;
	struct cal_index *idx;
};

static const struct cal_index *
index_for(struct idx_cache **v, size_t *n, const struct calendar *cal,
    const struct conf_target *t, time_t from, time_t to)
{
	size_t nw = calendar_nwindows(cal), k;
	char *key = xmalloc(nw + 1);

	for (size_t w = 0; w < nw; w++) {
		const struct cal_window *cw = calendar_window(cal, w);
		key[w] = conf_applies_to(cw->applies, cw->napplies, t) ? '1' : '0';
	}
	key[nw] = '\0';
	for (k = 0; k < *n; k++)
		if (strcmp((*v)[k].key, key) == 0) {
			free(key);
			return (*v)[k].idx;
		}
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[*n].key = key;
	(*v)[*n].idx = calendar_index(cal, t, from, to);
	return (*v)[(*n)++].idx;
}

static bool
wanted(const struct conf_target *t, const struct report_filter *f)
{
	if (f && f->target && strcmp(f->target, t->name) != 0)
		return false;
	if (f && f->component && strcmp(f->component, t->component) != 0)
		return false;
	return true;
}

static void
build_target(struct report *rep, struct report_row *r, const struct conf_target *t,
    size_t ti, const struct cal_index *idx, struct store *st, struct jread *j,
    const struct cal_occ *occs, size_t nocc)
{
	struct store_sums sums;
	time_t last = 0, dfrom = rep->start;
	time_t to = rep->data_end;
	long period = (long)(rep->data_end - rep->start);
	char a[64], b[64], d[64], msg[512];

	memset(r, 0, sizeof(*r));
	r->name = t->name;
	r->component = t->component;
	r->slo = t->t.slo;
	r->latency_slo_ms = t->t.latency_slo_ms;
	r->credits = &t->credits;
	r->degraded_known = true; /* no file: no seconds, none degraded */
	if (st && rep->data_end > rep->start) {
		/* store_sum cuts the range at the last row written */
		if (store_sum(st, t->name, rep->start, rep->data_end, &sums) == 0) {
			r->up_s = lround(sums.up_s);
			r->down_s = lround(sums.down_s);
			r->maintenance_s = lround(sums.maint_s);
			r->degraded_s = lround(sums.slow_s);
			r->degraded_known = sums.slow_known || sums.steps == 0;
			/* rows are unknown only before the file's first one */
			dfrom = rep->start + (time_t)sums.unknown_steps * STORE_STEP;
		} else {
			snprintf(msg, sizeof(msg),
			    "%s: its RRD file could not be read "
			    "(see above); its seconds are missing",
			    t->name);
			warn_add(rep, msg);
			r->unreadable = true;
		}
		last = store_last(st, t->name);
	}
	if (last < to)
		to = last > rep->start ? last
				       : rep->start; /* no data beyond the files */
	if (dfrom > to)
		dfrom = to;
	for (size_t k = j->head[ti]; k != 0; k = j->next[k - 1]) {
		const struct jinc *ji = &j->v[k - 1];
		struct report_incident *inc;
		const char *names[8];
		size_t nn;
		time_t x, y;
		x = ji->start > rep->start ? ji->start : rep->start;
		/* an outage still open counts up to where the target's data
		 * ends (as its seconds in RRD do), never up to now */
		y = ji->end ? ji->end : to;
		if (y > rep->data_end)
			y = rep->data_end;
		if (y <= x && !(ji->start >= rep->start && ji->start < rep->data_end))
			continue;
		r->incidents = xreallocarray(
		    r->incidents, r->nincidents + 1, sizeof(*r->incidents));
		inc = &r->incidents[r->nincidents++];
		memset(inc, 0, sizeof(*inc));
		inc->start = ji->start;
		inc->end = ji->end;
		inc->data_end = ji->end ? 0 : (to > ji->start ? to : ji->start);
		inc->down_s = y > x ? (long)(y - x) : 0;
		inc->maintenance_s = idx ? cal_index_overlap(idx, x, y) : 0;
		inc->unplanned_s = inc->down_s - inc->maintenance_s;
		inc->unknown_s = ji->unknown_s;
		/* seconds nobody saw (monitor stopped, clock jumped over) are
		 * unknown, never down nor unplanned (for an incident cut by the
		 * month, as far as the part in it holds them) */
		{
			long unk = ji->unknown_s < inc->unplanned_s ? ji->unknown_s
								    : inc->unplanned_s;
			if (unk > 0) {
				inc->down_s -= unk;
				inc->unplanned_s -= unk;
			}
		}
		inc->alerted = ji->alerted;
		memcpy(inc->locations, ji->locations, sizeof(inc->locations));
		nn = idx ? cal_index_windows(idx, x, y, names, 8) : 0;
		for (size_t w = 0; w < nn; w++)
			list_add(inc->windows, sizeof(inc->windows), names[w]);
		for (size_t w = 0; w < nocc; w++)
			if (occs[w].short_notice && occs[w].start < y &&
			    occs[w].end > x &&
			    conf_applies_to(occs[w].applies, occs[w].napplies, t))
				list_add(inc->short_notice, sizeof(inc->short_notice),
				    occs[w].name);
		/* what RRD can hold of it: up to the last stored step */
		{
			time_t yy = y < to ? y : to;
			long part = yy > x ? (long)(yy - x) : 0;
			long pm = idx && yy > x ? cal_index_overlap(idx, x, yy) : 0;
			r->journal_unplanned_s += part - pm;
		}
		r->journal_unknown_s += ji->unknown_s + 60L * ji->restarts;
	}
	/* windows by name, over the time the RRD file covers (dfrom, to) */
	for (size_t k = 0; k < nocc; k++) {
		const struct cal_occ *o = &occs[k];
		time_t x = o->start > dfrom ? o->start : dfrom;
		time_t y = o->end < to ? o->end : to;

		if ((!o->announced && !o->short_notice) || y <= x ||
		    !conf_applies_to(o->applies, o->napplies, t))
			continue;
		if (o->announced)
			add_window(&r->excluded, &r->nexcluded, o->name, (long)(y - x));
		else
			add_window(
			    &r->short_notice, &r->nshort, o->name, (long)(y - x));
	}
	/* the rest of the month counts for its budget, less the announced
	 * maintenance already scheduled in it */
	r->future_s = (long)(rep->end - rep->data_end);
	if (idx && r->future_s > 0)
		r->future_s -= cal_index_overlap(idx, rep->data_end, rep->end);
	report_row_finish(r, period);
	r->consistent = !r->unreadable && r->down_s <= r->journal_unplanned_s + 60 &&
	    r->down_s >= r->journal_unplanned_s - r->journal_unknown_s - 60;
	if (!r->consistent) {
		snprintf(msg, sizeof(msg),
		    "%s: RRD has %s down, the journal's outages "
		    "%s unplanned: they differ by %s (%ld s)",
		    t->name, report_duration(r->down_s, a, sizeof(a)),
		    report_duration(r->journal_unplanned_s, b, sizeof(b)),
		    report_duration(
			labs(r->down_s - r->journal_unplanned_s), d, sizeof(d)),
		    labs(r->down_s - r->journal_unplanned_s));
		warn_add(rep, msg);
	}
}

int
report_build(struct report *rep, const struct conf *c, const struct calendar *cal,
    struct store *st, time_t start, time_t end, time_t now,
    const struct report_filter *f, char *err, size_t errlen)
{
	struct jread j;
	struct cal_occ *occs = NULL;
	struct idx_cache *ic = NULL;
	size_t nocc = 0, nic = 0;

	if (rep->label[0] == '\0')
		snprintf(rep->label, sizeof(rep->label), "period");
	rep->start = start;
	rep->end = end;
	rep->timezone = c->timezone;
	rep->data_end = now < end ? now - (now % 60) : end;
	if (rep->data_end < start)
		rep->data_end = start;
	rep->consistent = true;
	memset(&j, 0, sizeof(j));
	j.c = c;
	j.open = xcalloc(c->ntargets ? c->ntargets : 1, sizeof(*j.open));
	j.byname = xcalloc(c->ntargets ? c->ntargets : 1, sizeof(*j.byname));
	for (size_t i = 0; i < c->ntargets; i++)
		j.byname[i] = &c->targets[i];
	qsort(j.byname, c->ntargets, sizeof(*j.byname), byname_cmp);
	j.rep = rep;
	if (journal_read(c->state_dir, jrecord_cb, jwarn_cb, &j) < 0) {
		snprintf(err, errlen, "%s/journal.jsonl: cannot be read", c->state_dir);
		free(j.open);
		free(j.byname);
		return -1;
	}
	if (calendar_expand(cal, start, end, &occs, &nocc) == -1) {
		snprintf(err, errlen, "calendar: cannot expand the period");
		free(j.v);
		free(j.open);
		free(j.byname);
		return -1;
	}
	/* each target's outages, in journal order, without a scan per target */
	j.head = xcalloc(c->ntargets ? c->ntargets : 1, sizeof(*j.head));
	j.next = xcalloc(j.n ? j.n : 1, sizeof(*j.next));
	for (size_t k = j.n; k-- > 0;) {
		j.next[k] = j.head[j.v[k].target];
		j.head[j.v[k].target] = k + 1;
	}
	rep->targets = xcalloc(c->ntargets, sizeof(*rep->targets));
	for (size_t i = 0; i < c->ntargets; i++) {
		struct report_row *r;

		if (!wanted(&c->targets[i], f))
			continue;
		r = &rep->targets[rep->ntargets++];
		build_target(rep, r, &c->targets[i], i,
		    index_for(
			&ic, &nic, cal, &c->targets[i], start - 86400, end + 86400),
		    st, &j, occs, nocc);
		if (!r->consistent)
			rep->consistent = false;
	}
	/* components: their targets' seconds added up */
	rep->components = xcalloc(rep->ntargets, sizeof(*rep->components));
	for (size_t i = 0; i < rep->ntargets; i++) {
		const struct report_row *t = &rep->targets[i];
		struct report_row *cr = NULL;

		for (size_t k = 0; k < rep->ncomponents; k++)
			if (strcmp(rep->components[k].name, t->component) == 0)
				cr = &rep->components[k];
		if (cr == NULL) {
			cr = &rep->components[rep->ncomponents++];
			cr->name = t->component;
			cr->slo = t->slo;
			cr->consistent = true;
			cr->degraded_known = true;
		}
		if (t->latency_slo_ms > 0) {
			if (cr->latency_slo_ms == 0 ||
			    t->latency_slo_ms < cr->latency_slo_ms)
				cr->latency_slo_ms = t->latency_slo_ms;
			cr->degraded_s += t->degraded_s;
			cr->degraded_known = cr->degraded_known && t->degraded_known;
		}
		cr->ntargets++;
		if (t->slo > cr->slo)
			cr->slo = t->slo; /* the strictest objective of its targets */
		cr->up_s += t->up_s;
		cr->down_s += t->down_s;
		cr->maintenance_s += t->maintenance_s;
		cr->future_s += t->future_s;
		cr->consistent = cr->consistent && t->consistent;
		for (size_t k = 0; k < t->nexcluded; k++)
			add_window(&cr->excluded, &cr->nexcluded, t->excluded[k].window,
			    t->excluded[k].seconds);
		for (size_t k = 0; k < t->nshort; k++)
			add_window(&cr->short_notice, &cr->nshort,
			    t->short_notice[k].window, t->short_notice[k].seconds);
	}
	rep->no_data = true;
	for (size_t i = 0; i < rep->ntargets; i++)
		if (rep->targets[i].up_s + rep->targets[i].down_s +
			    rep->targets[i].maintenance_s >
			0 ||
		    rep->targets[i].nincidents > 0 || rep->targets[i].unreadable)
			rep->no_data = false;
	for (size_t k = 0; k < rep->ncomponents; k++)
		report_row_finish(&rep->components[k],
		    (long)(rep->data_end - rep->start) *
			(long)rep->components[k].ntargets);
	report_credits(rep);
	free(occs);
	free(j.v);
	free(j.open);
	for (size_t k = 0; k < nic; k++) {
		cal_index_free(ic[k].idx);
		free(ic[k].key);
	}
	free(ic);
	free(j.head);
	free(j.next);
	free(j.byname);
	return 0;
}

void
report_free(struct report *rep)
{
	for (size_t i = 0; i < rep->ntargets; i++) {
		free(rep->targets[i].incidents);
		free(rep->targets[i].excluded);
		free(rep->targets[i].short_notice);
	}
	for (size_t i = 0; i < rep->ncomponents; i++) {
		free(rep->components[i].excluded);
		free(rep->components[i].short_notice);
	}
	free(rep->targets);
	free(rep->components);
	rep->targets = rep->components = NULL;
	rep->ntargets = rep->ncomponents = 0;
	for (size_t m = 0; m < rep->nmonths; m++)
		report_free(&rep->months[m]);
	free(rep->months);
	rep->months = NULL;
	rep->nmonths = 0;
}

static json_t *
names_json(const char *list)
{
	json_t *a = json_array();
	char tmp[256], *tok, *save = NULL;

	snprintf(tmp, sizeof(tmp), "%s", list);
	for (tok = strtok_r(tmp, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		json_array_append_new(a, json_string(tok));
	return a;
}

static json_t *
windows_json(const struct report_excluded *v, size_t n)
{
	json_t *o = json_object();

	for (size_t i = 0; i < n; i++)
		json_object_set_new(o, v[i].window, json_integer(v[i].seconds));
	return o;
}

static json_t *
row_json(const struct report_row *r, bool target)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(r->name));
	if (target)
		json_object_set_new(o, "component", json_string(r->component));
	else
		json_object_set_new(
		    o, "targets", json_integer((json_int_t)r->ntargets));
	json_object_set_new(o, "availability",
	    r->has_data ? json_real(round(r->availability * 1e6) / 1e6) : json_null());
	json_object_set_new(o, "slo", json_real(r->slo));
	json_object_set_new(o, "slo_met",
	    r->has_data ? json_boolean(r->availability + 1e-9 >= r->slo) : json_null());
	json_object_set_new(o, "up_s", json_integer(r->up_s));
	json_object_set_new(o, "down_s", json_integer(r->down_s));
	json_object_set_new(o, "maintenance_s", json_integer(r->maintenance_s));
	json_object_set_new(o, "unknown_s", json_integer(r->unknown_s));
	json_object_set_new(o, "coverage", json_real(round(r->coverage * 1e6) / 1e6));
	/* no data: no budget either (null, like availability), not 0 s */
	json_object_set_new(o, "error_budget_s",
	    r->has_data ? json_integer(r->error_budget_s) : json_null());
	json_object_set_new(o, "error_budget_left_s",
	    r->has_data ? json_integer(r->error_budget_left_s) : json_null());
	json_object_set_new(
	    o, "maintenance_by_window", windows_json(r->excluded, r->nexcluded));
	json_object_set_new(
	    o, "short_notice_by_window", windows_json(r->short_notice, r->nshort));
	json_object_set_new(o, "consistent", json_boolean(r->consistent));
	json_object_set_new(o, "credit", report_credit_json(r));
	report_latency_json(o, r);
	if (target) {
		json_t *a = json_array();
		for (size_t i = 0; i < r->nincidents; i++) {
			const struct report_incident *inc = &r->incidents[i];
			json_t *x = json_object();

			json_object_set_new(x, "start", journal_time(inc->start));
			json_object_set_new(
			    x, "end", inc->end ? journal_time(inc->end) : json_null());
			if (!inc->end)
				json_object_set_new(
				    x, "data_end", journal_time(inc->data_end));
			json_object_set_new(x, "down_s", json_integer(inc->down_s));
			json_object_set_new(
			    x, "unplanned_s", json_integer(inc->unplanned_s));
			json_object_set_new(
			    x, "maintenance_s", json_integer(inc->maintenance_s));
			json_object_set_new(x, "alerted", json_boolean(inc->alerted));
			json_object_set_new(x, "windows", names_json(inc->windows));
			json_object_set_new(
			    x, "short_notice_windows", names_json(inc->short_notice));
			if (inc->locations[0])
				json_object_set_new(
				    x, "locations", names_json(inc->locations));
			json_array_append_new(a, x);
		}
		json_object_set_new(o, "incidents", a);
	}
	return o;
}

json_t *
report_json(const struct report *rep)
{
	json_t *o = json_object(), *t = json_array(), *c = json_array();

	json_object_set_new(
	    o, rep->month ? "month" : "period", json_string(rep->label));
	if (!rep->month)
		json_object_set_new(o, "month", json_null());
	if (rep->settled && !rep->month)
		json_object_set_new(o, rep->kind == CONTRACT_YEAR ? "year" : "quarter",
		    json_string(rep->label));
	json_object_set_new(o, "timezone", json_string(rep->timezone));
	json_object_set_new(o, "start", journal_time(rep->start));
	json_object_set_new(o, "end", journal_time(rep->end));
	json_object_set_new(o, "data_end", journal_time(rep->data_end));
	json_object_set_new(o, "consistent", json_boolean(rep->consistent));
	for (size_t i = 0; i < rep->ntargets; i++)
		json_array_append_new(t, row_json(&rep->targets[i], true));
	for (size_t i = 0; i < rep->ncomponents; i++)
		json_array_append_new(c, row_json(&rep->components[i], false));
	json_object_set_new(o, "targets", t);
	json_object_set_new(o, "components", c);
	if (rep->settled && !rep->month)
		json_object_set_new(o, "months", report_months_json(rep));
	return o;
}

static void
text_row(FILE *f, const struct report_row *r, int w)
{
	char av[16], up[32], dn[32], mt[32], un[32], bl[32];

	if (r->has_data)
		snprintf(av, sizeof(av), "%.3f%%", r->availability);
	else
		snprintf(av, sizeof(av), "-");
	fprintf(f, "%-*s %9s %6.2f %-4s %9s %9s %9s %9s %7.1f%% %9s\n", w, r->name, av,
	    r->slo,
	    !r->has_data			   ? ""
		: r->availability + 1e-9 >= r->slo ? "met"
						   : "MISS",
	    report_duration(r->up_s, up, sizeof(up)),
	    report_duration(r->down_s, dn, sizeof(dn)),
	    report_duration(r->maintenance_s, mt, sizeof(mt)),
	    report_duration(r->unknown_s, un, sizeof(un)), 100.0 * r->coverage,
	    r->has_data ? report_duration(r->error_budget_left_s, bl, sizeof(bl))
			: "no data");
}

/* An open outage: counted up to the end of its target's data. */
static const char *
open_str(const struct report_incident *inc, char *buf, size_t len)
{
	char t[64];

	snprintf(buf, len, "(open at the end of the data, %s)",
	    tz_local_str(inc->data_end, t, sizeof(t)));
	return buf;
}

void
report_text(const struct report *rep, FILE *f)
{
	char a[64], b[64], d[64];
	int w = 10;
	long up = 0, down = 0, maint = 0;

	for (size_t i = 0; i < rep->ntargets; i++)
		if ((int)strlen(rep->targets[i].name) > w)
			w = (int)strlen(rep->targets[i].name);
	for (size_t i = 0; i < rep->ncomponents; i++)
		if ((int)strlen(rep->components[i].name) > w)
			w = (int)strlen(rep->components[i].name);
	fprintf(f, "Availability %s (%s): %s to %s", rep->label, rep->timezone,
	    tz_local_str(rep->start, a, sizeof(a)),
	    tz_local_str(rep->end, b, sizeof(b)));
	fprintf(
	    f, ", %s\n", report_duration((long)(rep->end - rep->start), d, sizeof(d)));
	if (rep->data_end < rep->end)
		fprintf(f, "Counted up to %s (the rest has not happened yet).\n",
		    tz_local_str(rep->data_end, a, sizeof(a)));
	if (rep->no_data && !rep->warnings[0]) {
		fprintf(f, "No data for this period.\n");
		return;
	}
	fprintf(f,
	    "availability = up / (up + down); announced maintenance and unknown "
	    "time are excluded from both.\n\n");
	fprintf(f, "%-*s %9s %6s %-4s %9s %9s %9s %9s %8s %9s\n", w, "TARGET", "AVAIL",
	    "SLO", "", "UP", "DOWN", "MAINT", "UNKNOWN", "COVERAGE", "BUDGET");
	for (size_t i = 0; i < rep->ntargets; i++) {
		text_row(f, &rep->targets[i], w);
		up += rep->targets[i].up_s;
		down += rep->targets[i].down_s;
		maint += rep->targets[i].maintenance_s;
	}
	fprintf(f, "\n%-*s %9s %6s %-4s %9s %9s %9s %9s %8s %9s\n", w, "COMPONENT",
	    "AVAIL", "SLO", "", "UP", "DOWN", "MAINT", "UNKNOWN", "COVERAGE", "BUDGET");
	for (size_t i = 0; i < rep->ncomponents; i++)
		text_row(f, &rep->components[i], w);
	fprintf(f, "\nTotal over %zu targets: up %s, down %s, maintenance %s",
	    rep->ntargets, report_duration(up, a, sizeof(a)),
	    report_duration(down, b, sizeof(b)), report_duration(maint, d, sizeof(d)));
	if (up + down > 0)
		fprintf(f, ", availability %.3f%%",
		    100.0 * (double)up / (double)(up + down));
	fprintf(f, ".\n");
	for (size_t i = 0; i < rep->ntargets; i++) {
		const struct report_row *r = &rep->targets[i];

		if (r->nexcluded) {
			fprintf(f, "%s: excluded maintenance:", r->name);
			for (size_t k = 0; k < r->nexcluded; k++)
				fprintf(f, "%s %s %s", k ? "," : "",
				    r->excluded[k].window,
				    report_duration(
					r->excluded[k].seconds, a, sizeof(a)));
			fprintf(f, " (overlapping windows count once in MAINT)\n");
		}
		if (r->nshort) {
			fprintf(f, "%s: short notice, counted as downtime:", r->name);
			for (size_t k = 0; k < r->nshort; k++)
				fprintf(f, "%s %s %s", k ? "," : "",
				    r->short_notice[k].window,
				    report_duration(
					r->short_notice[k].seconds, a, sizeof(a)));
			fprintf(f, "\n");
		}
	}
	report_credits_text(rep, f, w);
	report_latency_text(rep, f, w);
	report_months_text(rep, f, w);
	fprintf(f, "\nIncidents:\n");
	{
		int n = 0;
		for (size_t i = 0; i < rep->ntargets; i++) {
			const struct report_row *r = &rep->targets[i];
			for (size_t k = 0; k < r->nincidents; k++, n++) {
				const struct report_incident *inc = &r->incidents[k];
				char s1[64], s2[64], u[32], m[32], dd[32];
				fprintf(f,
				    "  %-*s %s to %s: down %s, unplanned %s, in "
				    "maintenance %s%s%s%s%s%s%s%s\n",
				    w, r->name,
				    tz_local_str(inc->start, s1, sizeof(s1)),
				    inc->end ? tz_local_str(inc->end, s2, sizeof(s2))
					     : open_str(inc, s2, sizeof(s2)),
				    report_duration(inc->down_s, dd, sizeof(dd)),
				    report_duration(inc->unplanned_s, u, sizeof(u)),
				    report_duration(inc->maintenance_s, m, sizeof(m)),
				    inc->alerted ? ", ALERTED" : "",
				    inc->windows[0] ? ", windows: " : "", inc->windows,
				    inc->short_notice[0] ? ", short notice: " : "",
				    inc->short_notice,
				    inc->locations[0] ? ", seen from: " : "",
				    inc->locations);
			}
		}
		if (n == 0)
			fprintf(f, "  none\n");
	}
	if (!rep->consistent || rep->warnings[0])
		fprintf(f, "\nWARNING:\n%s", rep->warnings);
	if (!rep->consistent)
		fprintf(f, "RRD and journal disagree (see above).\n");
}

void
report_csv(const struct report *rep, FILE *f)
{
	fprintf(f,
	    "name,component,availability,slo,slo_met,up_s,down_s,maintenance_s,"
	    "unknown_s,coverage,error_budget_s,error_budget_left_s,incidents,"
	    "consistent,credit_percent,credit_below,latency_slo_ms,degraded_s,"
	    "latency_met\n");
	for (size_t i = 0; i < rep->ntargets; i++) {
		const struct report_row *r = &rep->targets[i];
		char av[32] = "", bud[64] = ",";

		if (r->has_data)
			snprintf(av, sizeof(av), "%.6f", r->availability);
		/* names are restricted to [A-Za-z0-9._-]; components are quoted */
		fprintf(f, "%s,\"", r->name);
		for (const char *p = r->component; *p; p++) {
			if (*p == '"')
				fputc('"', f);
			fputc(*p, f);
		}
		if (r->has_data)
			snprintf(bud, sizeof(bud), "%ld,%ld", r->error_budget_s,
			    r->error_budget_left_s);
		fprintf(f, "\",%s,%g,%s,%ld,%ld,%ld,%ld,%.6f,%s,%zu,%s,", av, r->slo,
		    !r->has_data			   ? ""
			: r->availability + 1e-9 >= r->slo ? "true"
							   : "false",
		    r->up_s, r->down_s, r->maintenance_s, r->unknown_s, r->coverage,
		    bud, r->nincidents, r->consistent ? "true" : "false");
		/* empty without agreed credits or data; 0 when no tier is reached */
		if (r->has_data && r->credits && r->credits->n) {
			fprintf(f, "%g,", r->credit.percent);
			if (r->credit.tier >= 0)
				fprintf(f, "%g", r->credit.below);
		} else
			fputc(',', f);
		/* the latency objective: empty when there is none (or unknown) */
		{
			double met;
			fputc(',', f);
			if (r->latency_slo_ms > 0)
				fprintf(f, "%d", r->latency_slo_ms);
			fputc(',', f);
			if (r->latency_slo_ms > 0 && r->degraded_known)
				fprintf(f, "%ld", r->degraded_s);
			fputc(',', f);
			if (report_latency_met(r, &met))
				fprintf(f, "%.6f", met);
		}
		fputc('\n', f);
	}
}
