/*
 * replay.c - the CSV reader of `slamon replay`.
 *
 * The whole file is read and checked before anything is written, so a
 * malformed row (reported as FILE:LINE: field: message) leaves the state
 * directory untouched. Fields follow RFC 4180: optional double quotes,
 * "" for a quote inside them.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "replay.h"
#include "tz.h"

#define NFIELDS 6 /* with the optional location column */

static const char *const field_names[NFIELDS] = {
    "time", "target", "ok", "latency_ms", "detail", "location"};

/* Split one line in place; returns the number of fields or -1 on bad quoting. */
static int
split(char *line, char **f, int max)
{
	int n = 0;
	char *p = line, *w;

	for (;;) {
		if (n == max)
			return max + 1;
		if (*p == '"') {
			f[n++] = w = ++p;
			for (;;) {
				if (*p == '\0')
					return -1;
				if (*p == '"' && p[1] == '"') {
					*w++ = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else
					*w++ = *p++;
			}
			*w = '\0';
			if (*p == ',') {
				p++;
				continue;
			}
			if (*p != '\0')
				return -1;
			return n;
		}
		f[n++] = p;
		while (*p && *p != ',')
			p++;
		if (*p == '\0')
			return n;
		*p++ = '\0';
	}
}

static int
cmp_rows(const void *a, const void *b)
{
	const struct replay_row *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static uint32_t
add_string(struct replay *r, const char *s)
{
	size_t len = strlen(s) + 1;
	uint32_t off;

	if (r->slen + len > UINT32_MAX - 1)
		fatalx("replay: details too large");
	if (r->slen + len > r->scap) {
		r->scap = (r->slen + len) * 2;
		r->strings = xreallocarray(r->strings, r->scap, 1);
	}
	off = (uint32_t)r->slen;
	memcpy(r->strings + r->slen, s, len);
	r->slen += len;
	return off;
}

int
replay_load(
    const char *path, const struct conf *c, struct replay *r, char *err, size_t errlen)
{
	FILE *f;
	char *line = NULL, *fld[NFIELDS + 1];
	size_t cap = 0;
	ssize_t len;
	unsigned line_no = 0;
	time_t *last = NULL;
	size_t nloc = c->cluster.enabled ? c->cluster.locations.n : 0;
	int n, nfields = 5;

	memset(r, 0, sizeof(*r));
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s:0: (file): %s", path, strerror(errno));
		return -1;
	}
	/* rows are sorted by time per target, or per target and location */
	last = xcalloc(c->ntargets * (nloc ? nloc : 1), sizeof(*last));
	for (size_t i = 0; i < c->ntargets * (nloc ? nloc : 1); i++)
		last[i] = (time_t)-1;
	while ((len = getline(&line, &cap, f)) != -1) {
		struct replay_row row;
		const struct conf_target *t;
		enum tz_parse_result pr;
		char *end;
		double lat;

		line_no++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (line_no == 1) {
			/* the header names the columns, in this order */
			if (strcmp(line, "time,target,ok,latency_ms,detail,location") ==
			    0)
				nfields = 6;
			else if (strcmp(line, "time,target,ok,latency_ms,detail") !=
			    0) {
				snprintf(err, errlen,
				    "%s:1: (header): expected "
				    "\"time,target,ok,latency_ms,detail\" "
				    "or \"time,target,ok,latency_ms,detail,location\"",
				    path);
				goto fail;
			}
			if (nfields == 6 && nloc == 0) {
				snprintf(err, errlen,
				    "%s:1: location: the configuration has no "
				    "cluster group, so no locations to vote",
				    path);
				goto fail;
			}
			if (nfields == 5 && nloc > 0) {
				snprintf(err, errlen,
				    "%s:1: (header): the configuration has a "
				    "cluster group: expected the location column "
				    "(time,target,ok,latency_ms,detail,location)",
				    path);
				goto fail;
			}
			continue;
		}
		if (len == 0)
			continue;
		n = split(line, fld, nfields);
		if (n < 0) {
			snprintf(err, errlen, "%s:%u: (row): unbalanced quotes", path,
			    line_no);
			goto fail;
		}
		if (n != nfields) {
			snprintf(err, errlen,
			    "%s:%u: (row): %d fields, expected %d "
			    "(time,target,ok,latency_ms,detail%s)",
			    path, line_no, n > nfields ? nfields + 1 : n, nfields,
			    nfields == 6 ? ",location" : "");
			goto fail;
		}
		memset(&row, 0, sizeof(row));
		row.line = line_no;
		pr = tz_parse(fld[0], TZ_PARSE_ALLOW_EPOCH, &row.t, NULL);
		if (pr != TZ_PARSE_OK) {
			snprintf(err, errlen, "%s:%u: %s: \"%.40s\": %s", path, line_no,
			    field_names[0], fld[0], tz_parse_strerror(pr));
			goto fail;
		}
		if ((t = conf_target_find(c, fld[1])) == NULL) {
			snprintf(err, errlen,
			    "%s:%u: %s: \"%.64s\" is not a configured "
			    "target",
			    path, line_no, field_names[1], fld[1]);
			goto fail;
		}
		row.target = (uint32_t)(t - c->targets);
		if (strcmp(fld[2], "1") == 0)
			row.ok = true;
		else if (strcmp(fld[2], "0") == 0)
			row.ok = false;
		else {
			snprintf(err, errlen, "%s:%u: %s: \"%.20s\": expected 1 or 0",
			    path, line_no, field_names[2], fld[2]);
			goto fail;
		}
		if (fld[3][0] == '\0')
			row.latency_ms = NAN;
		else {
			errno = 0;
			lat = strtod(fld[3], &end);
			if (errno || *end || !(lat >= 0) || lat > 1e9) {
				snprintf(err, errlen,
				    "%s:%u: %s: \"%.20s\": expected a "
				    "non-negative number of milliseconds or nothing",
				    path, line_no, field_names[3], fld[3]);
				goto fail;
			}
			row.latency_ms = (float)lat;
		}
		row.loc = -1;
		if (nfields == 6) {
			int l = conf_location_find(c, fld[5]);

			if (l < 0) {
				snprintf(err, errlen,
				    "%s:%u: %s: \"%.40s\" is not one of "
				    "cluster.locations",
				    path, line_no, field_names[5], fld[5]);
				goto fail;
			}
			row.loc = (int16_t)l;
		}
		row.detail = fld[4][0] ? add_string(r, fld[4]) : REPLAY_NO_DETAIL;
		{
			size_t k = row.target * (nloc ? nloc : 1) +
			    (row.loc >= 0 ? (size_t)row.loc : 0);

			if (last[k] != (time_t)-1 && row.t < last[k]) {
				snprintf(err, errlen,
				    "%s:%u: %s: rows of target \"%s\"%s%s must be "
				    "sorted by time",
				    path, line_no, field_names[0], t->name,
				    row.loc >= 0 ? " at " : "",
				    row.loc >= 0 ? fld[5] : "");
				goto fail;
			}
			last[k] = row.t;
		}
		if (r->n == r->cap) {
			r->cap = r->cap ? r->cap * 2 : 1024;
			r->rows = xreallocarray(r->rows, r->cap, sizeof(*r->rows));
		}
		r->rows[r->n++] = row;
	}
	if (ferror(f)) {
		snprintf(
		    err, errlen, "%s:%u: (file): %s", path, line_no, strerror(errno));
		goto fail;
	}
	if (r->n == 0) {
		snprintf(err, errlen, "%s:%u: (file): no rows", path, line_no);
		goto fail;
	}
	qsort(r->rows, r->n, sizeof(*r->rows), cmp_rows);
	r->first = r->rows[0].t;
	r->last = r->rows[r->n - 1].t;
	free(line);
	free(last);
	fclose(f);
	return 0;
fail:
	free(line);
	free(last);
	fclose(f);
	replay_free(r);
	return -1;
}

void
replay_free(struct replay *r)
{
	free(r->rows);
	free(r->strings);
	memset(r, 0, sizeof(*r));
}

const char *
replay_detail(const struct replay *r, const struct replay_row *row)
{
	return row->detail == REPLAY_NO_DETAIL ? NULL : r->strings + row->detail;
}

int
replay_check_stored(struct replay *r, const char *path, const struct conf *c,
    const time_t *end, bool skip, size_t *skipped, char *err, size_t errlen)
{
	const struct replay_row *bad = NULL;
	char tb[TZ_RFC3339_LEN];
	size_t i, k = 0;

	*skipped = 0;
	for (i = 0; i < r->n; i++) {
		const struct replay_row *row = &r->rows[i];

		if (row->t >= end[row->target])
			continue;
		(*skipped)++;
		if (bad == NULL || row->line < bad->line)
			bad = row;
	}
	if (bad != NULL && !skip) {
		snprintf(err, errlen,
		    "%s:%u: time: before the stored data of %s (ends %s)", path,
		    bad->line, c->targets[bad->target].name,
		    tz_rfc3339(end[bad->target], tb, sizeof(tb)));
		return -1;
	}
	for (i = 0; i < r->n; i++)
		if (r->rows[i].t >= end[r->rows[i].target])
			r->rows[k++] = r->rows[i];
	r->n = k;
	if (r->n > 0) {
		r->first = r->rows[0].t;
		r->last = r->rows[r->n - 1].t;
	}
	return 0;
}
