/*
 * httpd-job.h - expensive answers (a month's report, the daily bars, a
 * graph) computed away from the event loop, in a child process, cached per
 * key with single flight. Used by httpd.c and api-*.c only.
 */
#ifndef SLAMON_HTTPD_JOB_H
#define SLAMON_HTTPD_JOB_H

#include <stdbool.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>

struct httpd;

/*
 * Runs in the child, with h->src.store a store of its own: the answer's
 * body into out, its content type into ctype; returns the HTTP status
 * (200, or an error whose message is in out).
 */
typedef int httpd_job_fn(struct httpd *, const char *arg, time_t now,
    struct evbuffer *out, char *ctype, size_t ctlen);

/*
 * Answer req with the entry of key: fresh from the cache; else the last
 * answer while a new one is computed; else (nothing cached yet) once the
 * computation ends, sharing it with every request for the same key. With
 * every worker busy and nothing cached: 503 and Retry-After. `past`: the
 * answer covers only time before now, so only new journal records (or a
 * reload) make it stale.
 */
void httpd_job_serve(struct httpd *, struct evhttp_request *, const char *key,
    bool past, httpd_job_fn *, const char *arg);
/*
 * Nothing cached for key yet: have it computed and call then(h, req) once it
 * is (true); false when there is an answer already, or none can be started
 * now (the caller goes on without it).
 */
typedef void httpd_job_then(struct httpd *, struct evhttp_request *);
bool httpd_job_defer(struct httpd *, struct evhttp_request *, const char *key,
    bool past, httpd_job_fn *, const char *arg, httpd_job_then *);
/*
 * The cached body of key for in-process use (NUL-terminated; NULL when none
 * yet), starting a computation when it is stale or missing.
 */
const char *httpd_job_peek(
    struct httpd *, const char *key, bool past, httpd_job_fn *, const char *arg);

/* New steps were stored: answers about the present are stale. */
void httpd_job_data_changed(struct httpd *);
/* After a reload: every answer is stale (those in flight are still given). */
void httpd_job_invalidate(struct httpd *);
void httpd_job_free(struct httpd *);
struct httpd_job_stats {
	unsigned long computed, cached, stale, refused, failed;
	long running;
};
void httpd_job_stats(struct httpd *, struct httpd_job_stats *);

#endif
