/*
 * api-routes.c - the route table httpd.c dispatches on: every path the
 * server answers besides the page's own files. The handlers keep their
 * own signatures; the small adapters here give them the table's one.
 */
#include <string.h>

#include "httpd-priv.h"

static void
r_summary(struct httpd *h, struct evhttp_request *req, const char *rest)
{
	(void)rest;
	api_status_summary(h, req);
}

static void
r_status(struct httpd *h, struct evhttp_request *req, const char *rest)
{
	(void)rest;
	api_status_status(h, req);
}

static void
r_components(struct httpd *h, struct evhttp_request *req, const char *rest)
{
	(void)rest;
	api_status_components_req(h, req);
}

static void
r_incidents(struct httpd *h, struct evhttp_request *req, const char *rest)
{
	(void)rest;
	api_incidents_req(h, req, false);
}

static void
r_unresolved(struct httpd *h, struct evhttp_request *req, const char *rest)
{
	(void)rest;
	api_incidents_req(h, req, true);
}

static void
r_maint_all(struct httpd *h, struct evhttp_request *req, const char *rest)
{
	(void)rest;
	api_maint_req(h, req, API_MAINT_ALL);
}

static void
r_maint_upcoming(struct httpd *h, struct evhttp_request *req, const char *rest)
{
	(void)rest;
	api_maint_req(h, req, API_MAINT_UPCOMING);
}

static void
r_maint_active(struct httpd *h, struct evhttp_request *req, const char *rest)
{
	(void)rest;
	api_maint_req(h, req, API_MAINT_ACTIVE);
}

static void
r_availability(struct httpd *h, struct evhttp_request *req, const char *rest)
{
	(void)rest;
	api_report_availability(h, req);
}

static void
r_uptime(struct httpd *h, struct evhttp_request *req, const char *rest)
{
	(void)rest;
	api_report_uptime(h, req);
}

static void
r_metrics(struct httpd *h, struct evhttp_request *req, const char *rest)
{
	(void)rest;
	api_metrics_req(h, req);
}

static void
r_ics(struct httpd *h, struct evhttp_request *req, const char *rest)
{
	(void)rest;
	api_report_ics(h, req);
}

static void
r_graph(struct httpd *h, struct evhttp_request *req, const char *rest)
{
	size_t len = strlen(rest);

	if (len <= 4 || strcmp(rest + len - 4, ".svg") != 0) {
		httpd_error(req, 404, "not found");
		return;
	}
	api_graph_req(h, req, rest, len - 4);
}

static void
r_latency(struct httpd *h, struct evhttp_request *req, const char *rest)
{
	(void)rest;
	api_graph_latency_req(h, req);
}

static void
r_history(struct httpd *h, struct evhttp_request *req, const char *rest)
{
	(void)rest;
	api_history_req(h, req);
}

static void
r_atom(struct httpd *h, struct evhttp_request *req, const char *rest)
{
	(void)rest;
	api_feed_req(h, req, true);
}

static void
r_rss(struct httpd *h, struct evhttp_request *req, const char *rest)
{
	(void)rest;
	api_feed_req(h, req, false);
}

static void
r_page(struct httpd *h, struct evhttp_request *req, const char *rest)
{
	(void)rest;
	api_page_req(h, req);
}

static void
r_logo(struct httpd *h, struct evhttp_request *req, const char *rest)
{
	(void)rest;
	api_page_logo(h, req);
}

static void
r_favicon(struct httpd *h, struct evhttp_request *req, const char *rest)
{
	(void)rest;
	api_page_favicon(h, req);
}

/* /incidents/<id>: the page draws the incident; an id is 12 of [0-9a-z] */
static void
r_incident_page(struct httpd *h, struct evhttp_request *req, const char *rest)
{
	size_t n = strspn(rest, "0123456789abcdefghijklmnopqrstuvwxyz");

	if (n != HTTPD_ID_LEN || rest[n] != '\0') {
		httpd_error(req, 404, "not found");
		return;
	}
	httpd_page_req(h, req, rest);
}

const struct httpd_route api_routes[] = {
    {"/api/v2/summary.json", false, r_summary},
    {"/api/v2/status.json", false, r_status},
    {"/api/v2/components.json", false, r_components},
    {"/api/v2/incidents.json", false, r_incidents},
    {"/api/v2/incidents/unresolved.json", false, r_unresolved},
    {"/api/v2/incidents/", true, api_incidents_one_req},
    {"/api/v2/scheduled-maintenances.json", false, r_maint_all},
    {"/api/v2/scheduled-maintenances/upcoming.json", false, r_maint_upcoming},
    {"/api/v2/scheduled-maintenances/active.json", false, r_maint_active},
    {"/api/v1/availability", false, r_availability},
    {"/api/v1/uptime.json", false, r_uptime},
    {"/api/v1/history.json", false, r_history},
    {"/api/v1/latency.json", false, r_latency},
    {"/api/v1/page.json", false, r_page},
    {"/metrics", false, r_metrics},
    {"/calendar.ics", false, r_ics},
    {"/history.atom", false, r_atom},
    {"/history.rss", false, r_rss},
    {"/logo", false, r_logo},
    {"/favicon.svg", false, r_favicon},
    {"/history", false, httpd_page_req},
    {"/incidents/", true, r_incident_page},
    {"/graph/", true, r_graph},
    {NULL, false, NULL},
};
