/*
 * api-page.c - what the status page shows besides the data: its branding
 * from page{} (/api/v1/page.json), the logo when it is a file (/logo),
 * a favicon that shows the overall status (/favicon.svg), and the page's
 * Content-Security-Policy, which admits the logo's origin and nothing
 * else from outside.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "httpd-priv.h"
#include "log.h"

#define API_PAGE_LOGO_MAX (1024 * 1024) /* a logo, not a photo album */

/* "https://cdn.example.com" of "https://cdn.example.com/a/logo.png" */
static void
api_page_origin(const char *url, char *out, size_t len)
{
	const char *host = strstr(url, "://"), *end;

	*out = '\0';
	if (host == NULL)
		return;
	end = strchr(host + 3, '/');
	if (end == NULL)
		end = host + strlen(host);
	if ((size_t)(end - url) < len) {
		memcpy(out, url, (size_t)(end - url));
		out[end - url] = '\0';
	}
	/* an origin in a policy cannot hold these; conf checked it is a URL */
	if (strpbrk(out, " ;,'\"") != NULL)
		*out = '\0';
}

const char *
api_page_csp(struct httpd *h)
{
	const struct conf_page *p = &h->src.conf->page;
	char origin[512] = "";

	if (p->logo != NULL && !p->logo_file)
		api_page_origin(p->logo, origin, sizeof(origin));
	/*
	 * Scripts, styles, fetches and images from the server itself; images
	 * also as data: (none today, kept for the bars' export) and from the
	 * logo's origin. No inline script or style: the page sets every
	 * attribute through the DOM.
	 */
	snprintf(h->csp, sizeof(h->csp),
	    "default-src 'self'; img-src 'self' data:%s%s; object-src 'none'; "
	    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'",
	    *origin ? " " : "", origin);
	return h->csp;
}

static void
api_page_set(json_t *j, const char *key, const char *v)
{
	json_object_set_new(j, key, v && *v ? json_string(v) : json_null());
}

void
api_page_req(struct httpd *h, struct evhttp_request *req)
{
	const struct conf *c = h->src.conf;
	const struct conf_page *p = &c->page;
	json_t *j = json_object(), *groups = json_array();

	api_page_set(j, "title", p->title ? p->title : "Service status");
	api_page_set(j, "logo",
	    p->logo == NULL    ? NULL
		: p->logo_file ? "/logo"
			       : p->logo);
	api_page_set(j, "url", p->url);
	api_page_set(j, "support", p->support);
	api_page_set(j, "footer", p->footer);
	api_page_set(j, "time_zone", c->timezone);
	for (size_t g = 0; g < p->ngroups; g++) {
		json_t *m = json_array();
		char id[HTTPD_ID_LEN + 1];

		for (size_t k = 0; k < p->groups[g].components.n; k++) {
			if (conf_page_hidden(c, p->groups[g].components.v[k]))
				continue;
			httpd_id("component", p->groups[g].components.v[k], 0, id);
			json_array_append_new(m, json_string(id));
		}
		httpd_id("group", p->groups[g].name, 0, id);
		json_array_append_new(groups,
		    json_pack("{s:s,s:s,s:o}", "id", id, "name", p->groups[g].name,
			"components", m));
	}
	json_object_set_new(j, "groups", groups);
	httpd_send_json(req, 200, j);
}

void
api_page_logo(struct httpd *h, struct evhttp_request *req)
{
	const struct conf_page *p = &h->src.conf->page;
	struct evbuffer *b;
	struct stat st;
	int fd;

	if (p->logo == NULL || !p->logo_file) {
		httpd_error(req, 404, "no logo file configured");
		return;
	}
	if ((fd = open(p->logo, O_RDONLY | O_CLOEXEC)) == -1 || fstat(fd, &st) == -1 ||
	    !S_ISREG(st.st_mode) || st.st_size > API_PAGE_LOGO_MAX) {
		log_warnx("httpd: logo %s: cannot be read or larger than %d bytes",
		    p->logo, API_PAGE_LOGO_MAX);
		if (fd != -1)
			close(fd);
		httpd_error(req, 404, "the logo cannot be read");
		return;
	}
	if ((b = evbuffer_new()) == NULL)
		fatal("evbuffer_new");
	if (st.st_size > 0 && evbuffer_add_file(b, fd, 0, st.st_size) == -1) {
		evbuffer_free(b);
		httpd_error(req, 500, "cannot read the logo");
		return;
	}
	if (st.st_size == 0)
		close(fd);
	/* an SVG logo may style itself; it may not load or run anything */
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
	httpd_send(req, 200, p->logo_ctype, b);
	evbuffer_free(b);
}

/* A dot in the colour of the overall status, as the page's banner has it. */
void
api_page_favicon(struct httpd *h, struct evhttp_request *req)
{
	time_t now = httpd_now(h);
	json_t *comps = api_status_components(h, now);
	json_t *st = api_status_indicator(comps);
	const char *ind = json_string_value(json_object_get(st, "indicator")), *fill;
	char svg[512];

	if (strcmp(ind, "none") == 0)
		fill = "#16a34a";
	else if (strcmp(ind, "minor") == 0)
		fill = "#f59e0b";
	else if (strcmp(ind, "maintenance") == 0)
		fill = "#2563eb";
	else
		fill = "#dc2626";
	snprintf(svg, sizeof(svg),
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 32 32\">"
	    "<title>%s</title><circle cx=\"16\" cy=\"16\" r=\"14\" fill=\"%s\"/>"
	    "<circle cx=\"16\" cy=\"16\" r=\"14\" fill=\"none\" stroke=\"#fff\" "
	    "stroke-width=\"2\"/></svg>\n",
	    ind, fill);
	json_decref(st);
	json_decref(comps);
	httpd_send_str(req, 200, "image/svg+xml", svg, strlen(svg));
}
