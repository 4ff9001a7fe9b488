/*
 * httpd.c - the evhttp server: listening, limits, routing, CORS, the page's
 * static files, and the helpers the handlers in api-*.c share.
 *
 * Safe by construction: only GET and HEAD are served (OPTIONS answers the
 * CORS preflight, 405 otherwise), the path is compared with a fixed list
 * (api-routes.c) and never turned into a file name
 * (the page's three files are the only files read, by fixed names; a graph
 * names a configured target or nothing), request size, time and
 * connections are bounded (httpd-guard.c), and nothing served changes state.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/keyvalq_struct.h>

#include "httpd-guard.h"
#include "httpd-job.h"
#include "httpd-priv.h"
#include "journal.h"
#include "log.h"
#include "tz.h"

#ifndef SLAMON_WWW_DIR
#define SLAMON_WWW_DIR "/usr/local/share/slamon/www"
#endif

const double httpd_buckets[HTTPD_NBUCKETS] = {
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1,
    2.5,
    5,
    10,
};

/* The page: path, file in the www directory, content type. Nothing else is read. */
static const struct httpd_file {
	const char *path, *file, *ctype;
} httpd_files[] = {
    {"/", "index.html", "text/html; charset=utf-8"},
    {"/index.html", "index.html", "text/html; charset=utf-8"},
    {"/style.css", "style.css", "text/css; charset=utf-8"},
    {"/app.js", "app.js", "text/javascript; charset=utf-8"},
};

time_t
httpd_now(const struct httpd *h)
{
	return h->src.now != NULL ? h->src.now(h->src.arg) : time(NULL);
}

/*
 * A stable id in the Statuspage style (12 lowercase letters and digits):
 * FNV-1a 64 of kind, name and t, in base 36.
 */
void
httpd_id(const char *kind, const char *name, time_t t, char out[HTTPD_ID_LEN + 1])
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	unsigned long long x = 1469598103934665603ULL;
	char tb[32];
	const char *parts[3] = {kind, name, tb};

	snprintf(tb, sizeof(tb), "%lld", (long long)t);
	for (int p = 0; p < 3; p++) {
		for (const unsigned char *s = (const unsigned char *)parts[p]; *s;
		     s++) {
			x ^= *s;
			x *= 1099511628211ULL;
		}
		x ^= 0xff; /* separator: ("ab","c") differs from ("a","bc") */
		x *= 1099511628211ULL;
	}
	for (int i = 0; i < HTTPD_ID_LEN; i++) {
		out[i] = digits[x % 36];
		x /= 36;
		if (x == 0)
			x = 0x9e3779b97f4a7c15ULL ^ (unsigned long long)i;
	}
	out[HTTPD_ID_LEN] = '\0';
}

json_t *
httpd_time(time_t t)
{
	return t == 0 ? json_null() : journal_time(t);
}

static void
httpd_headers(struct evhttp_request *req, const char *ctype)
{
	struct evkeyvalq *o = evhttp_request_get_output_headers(req);

	evhttp_add_header(o, "Content-Type", ctype);
	evhttp_add_header(o, "Access-Control-Allow-Origin", "*");
	evhttp_add_header(o, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(o, "Cache-Control", "no-cache");
	evhttp_add_header(o, "Referrer-Policy", "no-referrer");
	/* the page's own policy (api_page_csp) is set by who serves it */
	if (evhttp_find_header(o, "Content-Security-Policy") != NULL)
		return;
	if (strncmp(ctype, "text/html", 9) == 0)
		evhttp_add_header(o, "Content-Security-Policy",
		    "default-src 'self'; img-src 'self' data:; object-src 'none'; "
		    "base-uri 'none'; form-action 'none'");
	else if (strncmp(ctype, "image/svg", 9) == 0)
		/*
		 * rrd_graph's SVG (cairo) colours every shape with a style
		 * attribute and uses nothing else: allow exactly that. Without
		 * it, a browser opening the graph draws every shape black.
		 */
		evhttp_add_header(o, "Content-Security-Policy",
		    "default-src 'none'; style-src-attr 'unsafe-inline'; "
		    "frame-ancestors 'self'");
}

void
httpd_send(struct evhttp_request *req, int code, const char *ctype, struct evbuffer *b)
{
	const char *why;

	httpd_headers(req, ctype);
	switch (code) {
	case 200:
		why = "OK";
		break;

	case 400:
		why = "Bad Request";
		break;
	case 404:
		why = "Not Found";
		break;
	case 405:
		why = "Method Not Allowed";
		break;
	case 429:
		why = "Too Many Requests";
		break;
	case 503:
		why = "Service Unavailable";
		break;
	default:
		why = "Internal Server Error";
		break;
	}
	/* evhttp drops the body of a HEAD reply and keeps Content-Length */
	evhttp_send_reply(req, code, why, b);
}

void
httpd_send_str(
    struct evhttp_request *req, int code, const char *ctype, const char *s, size_t len)
{
	struct evbuffer *b = evbuffer_new();

	if (b == NULL)
		fatal("evbuffer_new");
	evbuffer_add(b, s, len);
	httpd_send(req, code, ctype, b);
	evbuffer_free(b);
}

void
httpd_send_json(struct evhttp_request *req, int code, json_t *j)
{
	char *s;

	if (j == NULL ||
	    (s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII)) == NULL) {
		json_decref(j);
		httpd_error(req, 500, "cannot format the answer");
		return;
	}
	json_decref(j);
	httpd_send_str(req, code, "application/json", s, strlen(s));
	free(s);
}

void
httpd_error(struct evhttp_request *req, int code, const char *msg)
{
	json_t *j = json_pack("{s:{s:i,s:s}}", "error", "code", code, "message", msg);
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;

	json_decref(j);
	if (s == NULL) {
		httpd_send_str(req, code, "text/plain; charset=utf-8", "error\n", 6);
		return;
	}
	httpd_send_str(req, code, "application/json", s, strlen(s));
	free(s);
}

/* The value of a query parameter, copied into buf; NULL when absent. */
const char *
httpd_query(struct evhttp_request *req, const char *key, char *buf, size_t len)
{
	const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
	const char *q = u ? evhttp_uri_get_query(u) : NULL;
	struct evkeyvalq kv;
	const char *v;
	const char *out = NULL;

	if (q == NULL || evhttp_parse_query_str(q, &kv) == -1)
		return NULL;
	if ((v = evhttp_find_header(&kv, key)) != NULL && strlen(v) < len) {
		memcpy(buf, v, strlen(v) + 1);
		out = buf;
	}
	evhttp_clear_headers(&kv);
	return out;
}

bool
httpd_cache_fresh(const struct httpd_cache *c, time_t now, long ttl)
{
	return c->body != NULL && now >= c->at && now - c->at < ttl;
}

void
httpd_cache_set(struct httpd_cache *c, char *body, time_t now)
{
	free(c->body);
	c->body = body;
	c->len = body ? strlen(body) : 0;
	c->at = now;
}

void
httpd_cache_drop(struct httpd_cache *c)
{
	httpd_cache_set(c, NULL, 0);
}

/* One of the page's files, read at each request (they are small). */
static void
httpd_file(struct httpd *h, struct evhttp_request *req, const struct httpd_file *f)
{
	struct evbuffer *b;
	char path[PATH_MAX];
	struct stat st;
	int fd;

	if (h->www == NULL) {
		httpd_error(req, 404, "the status page's files were not found");
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", h->www, f->file);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 || fstat(fd, &st) == -1 ||
	    !S_ISREG(st.st_mode)) {
		log_warn("httpd: %s", path);
		if (fd != -1)
			close(fd);
		httpd_error(req, 404, "not found");
		return;
	}
	if ((b = evbuffer_new()) == NULL)
		fatal("evbuffer_new");
	if (st.st_size > 0 && evbuffer_add_file(b, fd, 0, st.st_size) == -1) {
		evbuffer_free(b);
		httpd_error(req, 500, "cannot read a file");
		return;
	}
	if (st.st_size == 0)
		close(fd);
	if (strncmp(f->ctype, "text/html", 9) == 0)
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Content-Security-Policy", api_page_csp(h));
	httpd_send(req, 200, f->ctype, b);
	evbuffer_free(b);
}

/* Paths the page routes itself (/incidents/<id>, /history): the page. */
void
httpd_page_req(struct httpd *h, struct evhttp_request *req, const char *rest)
{
	(void)rest;
	httpd_file(h, req, &httpd_files[0]);
}

static void
httpd_request_cb(struct evhttp_request *req, void *arg)
{
	struct httpd *h = arg;
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
	const char *p = u ? evhttp_uri_get_path(u) : NULL;
	int retry;

	httpd_guard_request(h->guard, req);
	/* CORS preflight: browsers send it before a cross-origin GET with headers */
	if (m == EVHTTP_REQ_OPTIONS) {
		struct evkeyvalq *o = evhttp_request_get_output_headers(req);

		evhttp_add_header(o, "Access-Control-Allow-Origin", "*");
		evhttp_add_header(
		    o, "Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
		evhttp_add_header(o, "Access-Control-Allow-Headers",
		    "Accept, Content-Type, Cache-Control, If-None-Match");
		evhttp_add_header(o, "Access-Control-Max-Age", "86400");
		evhttp_add_header(o, "Allow", "GET, HEAD, OPTIONS");
		evhttp_send_reply(req, 204, "No Content", NULL);
		return;
	}
	if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
		    "GET, HEAD, OPTIONS");
		httpd_error(req, 405, "only GET, HEAD and OPTIONS");
		return;
	}
	if (p == NULL || *p == '\0')
		p = "/";
	/* what reads every RRD file or draws: at a rate per client */
	if ((strcmp(p, "/api/v1/availability") == 0 || strncmp(p, "/graph/", 7) == 0) &&
	    !httpd_guard_expensive(h->guard, req, &retry)) {
		char ra[16];

		snprintf(ra, sizeof(ra), "%d", retry);
		evhttp_add_header(
		    evhttp_request_get_output_headers(req), "Retry-After", ra);
		httpd_error(req, 429, "too many requests for reports and graphs");
		return;
	}
	for (size_t i = 0; i < sizeof(httpd_files) / sizeof(httpd_files[0]); i++)
		if (strcmp(p, httpd_files[i].path) == 0) {
			httpd_file(h, req, &httpd_files[i]);
			return;
		}
	for (const struct httpd_route *r = api_routes; r->path != NULL; r++) {
		size_t n = strlen(r->path);

		if (r->prefix ? strncmp(p, r->path, n) == 0 : strcmp(p, r->path) == 0) {
			r->handler(h, req, p + (r->prefix ? n : strlen(p)));
			return;
		}
	}
	httpd_error(req, 404, "not found");
}

/* The www directory: $SLAMON_WWW, <binary>/../www (the source tree),
 * <binary>/../share/slamon/www (an installed tree, wherever it was copied),
 * SLAMON_WWW_DIR. */
static char *
httpd_find_www(void)
{
	const char *env = getenv("SLAMON_WWW");
	char exe[PATH_MAX], cand[PATH_MAX + 32], *slash;
	ssize_t n;

	if (env != NULL && *env != '\0')
		return xstrdup(env);
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			static const char *const rel[] = {
			    "../www", "../share/slamon/www"};

			for (size_t i = 0; i < 2; i++) {
				snprintf(cand, sizeof(cand), "%s/%s/index.html", exe,
				    rel[i]);
				if (access(cand, R_OK) == 0) {
					cand[strlen(cand) - strlen("/index.html")] =
					    '\0';
					return xstrdup(cand);
				}
			}
		}
	}
	if (access(SLAMON_WWW_DIR "/index.html", R_OK) == 0)
		return xstrdup(SLAMON_WWW_DIR);
	log_warnx("httpd: the status page's files were not found (set SLAMON_WWW); "
		  "the API is served without them");
	return NULL;
}

/* "host:port" or "[v6]:port" into host and port; 0 or -1. */
static int
httpd_split(const char *listen, char *host, size_t hlen, unsigned short *port)
{
	const char *colon, *h = listen, *he;
	char *end;
	long p;

	if (*listen == '[') {
		if ((he = strchr(listen, ']')) == NULL || he[1] != ':')
			return -1;
		h = listen + 1;
		colon = he + 1;
	} else {
		if ((colon = strrchr(listen, ':')) == NULL)
			return -1;
		he = colon;
	}
	if ((size_t)(he - h) >= hlen || he == h)
		return -1;
	memcpy(host, h, (size_t)(he - h));
	host[he - h] = '\0';
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || end == colon + 1 || p < 0 || p > 65535)
		return -1;
	*port = (unsigned short)p;
	return 0;
}

static void
httpd_tm_free(struct httpd *h)
{
	for (size_t i = 0; i < h->ntm; i++)
		free(h->tm[i].name);
	free(h->tm);
	h->tm = NULL;
	h->ntm = 0;
}

/* The counters follow their target by name across a reload. */
static void
httpd_tm_remap(struct httpd *h, const struct conf *c)
{
	struct httpd_tmetrics *tm = xcalloc(c->ntargets ? c->ntargets : 1, sizeof(*tm));

	for (size_t i = 0; i < c->ntargets; i++) {
		for (size_t j = 0; j < h->ntm; j++)
			if (h->tm[j].name != NULL &&
			    strcmp(h->tm[j].name, c->targets[i].name) == 0) {
				tm[i] = h->tm[j];
				h->tm[j].name = NULL;
				break;
			}
		if (tm[i].name == NULL)
			tm[i].name = xstrdup(c->targets[i].name);
	}
	httpd_tm_free(h);
	h->tm = tm;
	h->ntm = c->ntargets;
}

void
httpd_observe(struct httpd *h, size_t i, const struct probe_result *res)
{
	struct httpd_tmetrics *m;
	double s;
	size_t b;

	if (h == NULL || i >= h->ntm || (unsigned)res->reason >= PROBE_NREASONS)
		return;
	m = &h->tm[i];
	m->reasons[res->reason]++;
	m->probed = true;
	m->last_ok = res->reason == PROBE_OK;
	{
		/* the certificate seen last stays known while the target fails:
		 * an expiring certificate must not vanish from view in an outage */
		struct probe_detail prev = m->last;

		m->last = res->detail;
		if (m->last.cert_not_after == 0)
			m->last.cert_not_after = prev.cert_not_after;
		if (m->last.tls_version[0] == '\0')
			memcpy(m->last.tls_version, prev.tls_version,
			    sizeof(prev.tls_version));
	}
	if (!(res->duration_ms >= 0)) {
		m->last_duration_s = NAN;
		return;
	}
	/* every result counts: a timeout's ten seconds are what a user waited */
	s = res->duration_ms / 1000.0;
	m->last_duration_s = s;
	for (b = 0; b < HTTPD_NBUCKETS && s > httpd_buckets[b]; b++)
		;
	if (b < HTTPD_NBUCKETS)
		m->buckets[b]++;
	m->count++;
	m->sum_s += s;
}

void
httpd_data_changed(struct httpd *h)
{
	httpd_job_data_changed(h);
}

void
httpd_set_source(struct httpd *h, const struct httpd_source *src)
{
	h->src = *src;
	httpd_tm_remap(h, src->conf);
	httpd_job_invalidate(h);
	h->jread = false; /* names and components may have changed */
}

struct httpd *
httpd_new(struct event_base *base, const char *listen, const struct httpd_source *src,
    char *err, size_t errlen)
{
	struct httpd *h = xcalloc(1, sizeof(*h));
	char host[256];
	unsigned short port;

	h->base = base;
	if (httpd_split(listen, host, sizeof(host), &port) == -1) {
		snprintf(err, errlen, "listen \"%s\": not host:port", listen);
		goto fail;
	}
	if ((h->http = evhttp_new(base)) == NULL) {
		snprintf(err, errlen, "cannot create the HTTP server");
		goto fail;
	}
	/* every method reaches httpd_request_cb, which answers 405 itself */
	evhttp_set_allowed_methods(h->http,
	    EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
		EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
		EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_gencb(h->http, httpd_request_cb, h);
	if ((h->sock = evhttp_bind_socket_with_handle(h->http, host, port)) == NULL) {
		snprintf(err, errlen, "listen \"%s\": cannot bind: %s", listen,
		    strerror(errno));
		goto fail;
	}
	/* sizes, deadlines, connection caps (httpd-guard.c) */
	h->guard = httpd_guard_new(base, h->http, h->sock, &src->conf->http);
	h->www = httpd_find_www();
	httpd_set_source(h, src);
	log_info("status page and API on http://%s/", listen);
	return h;
fail:
	httpd_free(h);
	return NULL;
}

long
httpd_cap_connections(struct httpd *h, long max)
{
	if (h == NULL || h->guard == NULL)
		return 0;
	httpd_guard_cap(h->guard, max);
	return httpd_guard_max(h->guard);
}

int
httpd_port(const struct httpd *h)
{
	return h ? httpd_bound_port(h->sock) : -1;
}

int
httpd_bound_port(struct evhttp_bound_socket *sock)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	evutil_socket_t fd;

	if (sock == NULL || (fd = evhttp_bound_socket_get_fd(sock)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) == -1)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return -1;
}

void
httpd_free(struct httpd *h)
{
	if (h == NULL)
		return;
	httpd_job_free(h); /* its waiting requests answered first */
	httpd_guard_free(h->guard);
	if (h->http)
		evhttp_free(h->http);
	httpd_tm_free(h);
	free(h->inc);
	free(h->www);
	free(h);
}
