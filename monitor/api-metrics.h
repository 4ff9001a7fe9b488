/*
 * api-metrics.h - the writer /metrics sections use (api-metrics.c). One
 * exposition is written in either the Prometheus text format 0.0.4 or
 * OpenMetrics 1.0, chosen by the client's Accept header; a section names
 * its families and series once and the writer spells them for the format.
 *
 * A new section is one function `void f(struct httpd *, struct api_mx *,
 * time_t now)` and one line in api_metrics_sections[] (api-metrics.c).
 */
#ifndef SLAMON_API_METRICS_H
#define SLAMON_API_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <event2/buffer.h>

struct httpd;
struct conf_target;

enum api_mx_type {
	API_MX_GAUGE,
	API_MX_COUNTER, /* name ends in _total */
	API_MX_HISTOGRAM,
	API_MX_INFO, /* name ends in _info; value 1 */
};

struct api_mx {
	struct evbuffer *b;
	bool om; /* OpenMetrics rather than text 0.0.4 */
	int nlabels;
};

/* # HELP and # TYPE of a family. */
void api_mx_family(
    struct api_mx *, const char *name, enum api_mx_type, const char *help);
/* A series: begin with its sample name, add labels, end with its value. */
void api_mx_begin(struct api_mx *, const char *name);
void api_mx_label(struct api_mx *, const char *key, const char *value);
void api_mx_end(struct api_mx *, double value);
/* A series without labels, whole. */
void api_mx_sample(struct api_mx *, const char *name, double value);
/* begin + the labels every per-target series has: target, component, type */
void api_mx_target(struct api_mx *, const char *name, const struct conf_target *);

#endif
