/*
 * api-metrics-isolate.c - the /metrics section of issue 20: monitor faults
 * by reason, the public server's bounds, and the expensive answers.
 */
#include "api-metrics.h"
#include "httpd-priv.h"

void api_metrics_isolate(struct httpd *, struct api_mx *, time_t now);

void
api_metrics_isolate(struct httpd *h, struct api_mx *m, time_t now)
{
	(void)now;
	httpd_isolate_metrics(h, m->b);
}
