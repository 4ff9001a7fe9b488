/*
 * api-graph.c - /graph/<target>.svg?range=1d|7d|30d|90d, drawn by librrd's
 * rrd_graph_v from the target's RRD file: the probe latency as a line,
 * unplanned downtime (red) and announced maintenance (blue) as the
 * background of the steps that had any, and the period's availability,
 * summed exactly by store_sum, in the legend.
 *
 * <target> must be the exact name of a configured target: the path is
 * never used to build a file name.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rrd.h>

#include "httpd-job.h"
#include "httpd-priv.h"
#include "log.h"
#include "store.h"

/* DEF takes "vname=file:ds:cf": a colon in the file name must be escaped. */
static void
api_graph_def(
    char *out, size_t len, const char *vname, const char *path, const char *ds)
{
	size_t o = (size_t)snprintf(out, len, "DEF:%s=", vname);

	for (; *path && o + 3 < len; path++) {
		if (*path == ':' || *path == '\\')
			out[o++] = '\\';
		out[o++] = *path;
	}
	out[o] = '\0';
	snprintf(out + o, len - o, ":%s:AVERAGE", ds);
}

static const struct {
	const char *key, *label;
	long secs;
} api_graph_ranges[] = {
    {"1d", "last day", 86400L},
    {"7d", "last 7 days", 7 * 86400L},
    {"30d", "last 30 days", 30 * 86400L},
    {"90d", "last 90 days", 90 * 86400L},
};

static int
api_graph_fail(struct evbuffer *out, int code, const char *msg)
{
	evbuffer_add_printf(
	    out, "{\"error\":{\"code\":%d,\"message\":\"%s\"}}", code, msg);
	return code;
}

/* In the worker (httpd-job.c): arg is "<range index>:<target>". */
static int
api_graph_job(struct httpd *h, const char *arg, time_t now, struct evbuffer *out,
    char *ctype, size_t ctlen)
{
	const struct conf *c = h->src.conf;
	const struct conf_target *t;
	char title[256], avail[160], startb[32], endb[32];
	char dlat[4200], dup[4200], ddown[4200], dmaint[4200];
	const char *path, *e;
	const char *argv[40];
	rrd_info_t *info, *i;
	struct store_sums sums;
	time_t end, start;
	int argc = 0, k;
	size_t ri = (size_t)(arg[0] - '0');

	if ((t = conf_target_find(c, arg + 2)) == NULL)
		return api_graph_fail(out, 404, "no such target");
	if (h->src.store == NULL)
		return api_graph_fail(out, 503, "no stored data for this target");
	end = now - now % STORE_STEP;
	start = end - api_graph_ranges[ri].secs;
	/* beyond the minute archive's two days the sums come from hourly rows */
	if (api_graph_ranges[ri].secs > 86400L)
		start -= start % 3600;
	if (store_sum(h->src.store, t->name, start, end, &sums) == 0 &&
	    sums.up_s + sums.down_s > 0)
		snprintf(avail, sizeof(avail),
		    "COMMENT:availability %.3f %%, %.0f s "
		    "unplanned downtime, %.0f s announced maintenance\\n",
		    100.0 * sums.up_s / (sums.up_s + sums.down_s), sums.down_s,
		    sums.maint_s);
	else
		snprintf(avail, sizeof(avail), "COMMENT:availability\\: no data\\n");
	/* after store_sum, which opened the file in this (the worker's) store */
	if ((path = store_path(h->src.store, t->name)) == NULL)
		return api_graph_fail(out, 503, "no stored data for this target");
	snprintf(title, sizeof(title), "%s, %s", t->name, api_graph_ranges[ri].label);
	snprintf(startb, sizeof(startb), "%lld", (long long)start);
	snprintf(endb, sizeof(endb), "%lld", (long long)end);
	api_graph_def(dlat, sizeof(dlat), "lat", path, "latency_ms");
	api_graph_def(dup, sizeof(dup), "up", path, "up_s");
	api_graph_def(ddown, sizeof(ddown), "down", path, "down_s");
	api_graph_def(dmaint, sizeof(dmaint), "maint", path, "maint_s");
	argv[argc++] = "graph";
	argv[argc++] = "-";
	argv[argc++] = "--imgformat";
	argv[argc++] = "SVG";
	argv[argc++] = "--start";
	argv[argc++] = startb;
	argv[argc++] = "--end";
	argv[argc++] = endb;
	argv[argc++] = "--width";
	argv[argc++] = "720";
	argv[argc++] = "--height";
	argv[argc++] = "180";
	argv[argc++] = "--lower-limit";
	argv[argc++] = "0";
	argv[argc++] = "--title";
	argv[argc++] = title;
	argv[argc++] = "--vertical-label";
	argv[argc++] = "latency (ms)";
	if (c->rrdcached != NULL && *c->rrdcached != '\0') {
		argv[argc++] = "--daemon";
		argv[argc++] = c->rrdcached;
	}
	argv[argc++] = dlat;
	argv[argc++] = dup;
	argv[argc++] = ddown;
	argv[argc++] = dmaint;
	argv[argc++] = "CDEF:isdown=down,UN,0,down,IF,0,GT";
	argv[argc++] = "CDEF:ismaint=maint,UN,0,maint,IF,0,GT";
	/*
	 * Backgrounds as AREA to infinity rather than TICK: rrd_graph draws a
	 * TICK's legend swatch over the first letter of its label.
	 */
	argv[argc++] = "CDEF:downbg=isdown,INF,UNKN,IF";
	argv[argc++] = "CDEF:maintbg=ismaint,INF,UNKN,IF";
	argv[argc++] = "AREA:downbg#dc262660:unplanned downtime";
	argv[argc++] = "AREA:maintbg#2563eb40:announced maintenance\\n";
	argv[argc++] = "LINE1:lat#0f766e:latency";
	argv[argc++] = "GPRINT:lat:AVERAGE:mean %.1lf ms";
	argv[argc++] = "GPRINT:lat:MAX:max %.1lf ms\\n";
	argv[argc++] = avail;
	argv[argc] = NULL;

	rrd_clear_error();
	info = rrd_graph_v(argc, (char **)argv);
	if (info == NULL || ((e = rrd_get_error()) != NULL && *e != '\0')) {
		log_warnx("httpd: graph of %s: %s", t->name, rrd_get_error());
		rrd_info_free(info);
		rrd_clear_error();
		return api_graph_fail(out, 500, "cannot draw the graph");
	}
	for (i = info, k = 0; i != NULL; i = i->next)
		if (strcmp(i->key, "image") == 0 && i->type == RD_I_BLO) {
			snprintf(ctype, ctlen, "image/svg+xml");
			evbuffer_add(out, i->value.u_blo.ptr, i->value.u_blo.size);
			k = 1;
			break;
		}
	rrd_info_free(info);
	return k ? 200 : api_graph_fail(out, 500, "the graph has no image");
}

void
api_graph_req(
    struct httpd *h, struct evhttp_request *req, const char *name, size_t nlen)
{
	const struct conf *c = h->src.conf;
	const struct conf_target *t = NULL;
	char rbuf[8], arg[300], key[320];
	const char *r = httpd_query(req, "range", rbuf, sizeof(rbuf));
	size_t ri, nr = sizeof(api_graph_ranges) / sizeof(api_graph_ranges[0]);

	for (size_t j = 0; j < c->ntargets; j++)
		if (strlen(c->targets[j].name) == nlen &&
		    memcmp(c->targets[j].name, name, nlen) == 0)
			t = &c->targets[j];
	if (t == NULL) {
		httpd_error(req, 404, "no such target");
		return;
	}
	for (ri = 0; r != NULL && ri < nr; ri++)
		if (strcmp(r, api_graph_ranges[ri].key) == 0)
			break;
	if (r == NULL)
		ri = 0;
	else if (ri == nr) {
		httpd_error(req, 400, "range must be 1d, 7d, 30d or 90d");
		return;
	}
	if (h->src.store == NULL || store_path(h->src.store, t->name) == NULL) {
		httpd_error(req, 503, "no stored data for this target");
		return;
	}
	snprintf(arg, sizeof(arg), "%zu:%s", ri, t->name);
	snprintf(key, sizeof(key), "graph:%s", arg);
	/* drawn by a worker: rrd_graph reads a month of rows */
	httpd_job_serve(h, req, key, false, api_graph_job, arg);
}

/*
 * /api/v1/latency.json?component=<id>&range=24h|7d|30d|90d: what the page
 * draws as the component's response-time graph (in the page, as SVG it
 * makes itself, so the page's policy needs no exception): per target the
 * mean latency of each of API_GRAPH_POINTS buckets, and per bucket the
 * seconds of unplanned downtime and of maintenance summed over targets.
 */
#define API_GRAPH_POINTS 240

static const struct {
	const char *key;
	long secs;
} api_latency_ranges[] = {
    {"24h", 86400L},
    {"7d", 7 * 86400L},
    {"30d", 30 * 86400L},
    {"90d", 90 * 86400L},
};

/* In the worker (httpd-job.c): arg is "<range index>:<component name>". */
static int
api_graph_latency_job(struct httpd *h, const char *arg, time_t now,
    struct evbuffer *out, char *ctype, size_t ctlen)
{
	const struct conf *c = h->src.conf;
	const char *comp = arg + 2;
	size_t ri = (size_t)(arg[0] - '0'), n = API_GRAPH_POINTS;
	double down[API_GRAPH_POINTS] = {0}, maint[API_GRAPH_POINTS] = {0};
	char id[HTTPD_ID_LEN + 1], *text;
	struct store_point *pts;
	json_t *targets, *j, *dj, *mj;
	time_t start, end;

	end = now - now % STORE_STEP;
	start = end - api_latency_ranges[ri].secs;
	pts = xcalloc(n, sizeof(*pts));
	targets = json_array();
	for (size_t i = 0; i < c->ntargets; i++) {
		json_t *lat;

		if (strcmp(c->targets[i].component, comp) != 0)
			continue;
		if (store_series(
			h->src.store, c->targets[i].name, start, end, n, pts) == -1)
			log_warnx(
			    "httpd: latency of %s: cannot read", c->targets[i].name);
		lat = json_array();
		for (size_t b = 0; b < n; b++) {
			json_array_append_new(lat,
			    isnan(pts[b].latency_ms)
				? json_null()
				: json_real(round(pts[b].latency_ms * 100) / 100));
			down[b] += pts[b].down_s;
			maint[b] += pts[b].maint_s;
		}
		json_array_append_new(targets,
		    json_pack(
			"{s:s,s:o}", "name", c->targets[i].name, "latency_ms", lat));
	}
	dj = json_array();
	mj = json_array();
	for (size_t b = 0; b < n; b++) {
		json_array_append_new(dj, json_integer((json_int_t)lround(down[b])));
		json_array_append_new(mj, json_integer((json_int_t)lround(maint[b])));
	}
	httpd_id("component", comp, 0, id);
	j = json_pack("{s:s,s:s,s:s,s:o,s:o,s:I,s:o,s:o,s:o}", "component", id, "name",
	    comp, "range", api_latency_ranges[ri].key, "start", httpd_time(start),
	    "end", httpd_time(end), "bucket_s",
	    (json_int_t)(api_latency_ranges[ri].secs / (long)n), "targets", targets,
	    "down_s", dj, "maintenance_s", mj);
	free(pts);
	text = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(j);
	if (text == NULL)
		return api_graph_fail(out, 500, "cannot format the answer");
	snprintf(ctype, ctlen, "application/json");
	evbuffer_add(out, text, strlen(text));
	free(text);
	return 200;
}

void
api_graph_latency_req(struct httpd *h, struct evhttp_request *req)
{
	const struct conf *c = h->src.conf;
	char cbuf[32], rbuf[8], id[HTTPD_ID_LEN + 1], arg[300], key[320];
	const char *cid = httpd_query(req, "component", cbuf, sizeof(cbuf));
	const char *r = httpd_query(req, "range", rbuf, sizeof(rbuf)), *comp = NULL;
	size_t ri = 0, nr = sizeof(api_latency_ranges) / sizeof(api_latency_ranges[0]);

	for (size_t i = 0; cid != NULL && i < c->ntargets && comp == NULL; i++) {
		httpd_id("component", c->targets[i].component, 0, id);
		if (strcmp(id, cid) == 0 &&
		    !conf_page_hidden(c, c->targets[i].component))
			comp = c->targets[i].component;
	}
	if (comp == NULL) {
		httpd_error(req, 404, "no such component");
		return;
	}
	for (ri = 0; r != NULL && ri < nr; ri++)
		if (strcmp(r, api_latency_ranges[ri].key) == 0)
			break;
	if (r == NULL)
		ri = 0;
	else if (ri == nr) {
		httpd_error(req, 400, "range must be 24h, 7d, 30d or 90d");
		return;
	}
	if (h->src.store == NULL) {
		httpd_error(req, 503, "no stored data (dry run)");
		return;
	}
	snprintf(arg, sizeof(arg), "%zu:%s", ri, comp);
	snprintf(key, sizeof(key), "latency:%s", arg);
	/* every target of the component over up to 90 days: a worker's job */
	httpd_job_serve(h, req, key, false, api_graph_latency_job, arg);
}
