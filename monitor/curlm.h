/* curlm.h - libcurl multi on a libevent base (the hiperfifo pattern), shared by the
 * probes and alert delivery. */
#ifndef SLAMON_CURLM_H
#define SLAMON_CURLM_H

#include <curl/curl.h>

struct event_base;
struct curlm;

/* Called once per finished transfer, after the handle left the multi. */
typedef void curlm_done_cb(CURL *, CURLcode, void *arg);

struct curlm *curlm_new(struct event_base *);
void curlm_free(struct curlm *);
/* An easy handle from the pool, freshly reset; NULL when out of memory. */
CURL *curlm_get(struct curlm *);
/* Return a handle that is not (or no longer) in a transfer. */
void curlm_put(struct curlm *, CURL *);
/* Run the transfer; done comes from the event loop, never from here. */
int curlm_add(struct curlm *, CURL *, curlm_done_cb *, void *arg);
/* Inside a done callback: the errno of a socket() that failed in that
 * transfer, else 0. */
int curlm_errno(const struct curlm *);
/* Abandon a transfer in flight and return its handle to the pool. */
void curlm_cancel(struct curlm *, CURL *);
/*
 * The same without curl_easy_reset(): the handle keeps the options it has,
 * for the next curlm_get_kept() of the same kind (a tag of the caller's,
 * such as its probe_ops). For a user that, on every get, sets again each
 * option it ever sets and, before the keep, undoes those it set only
 * sometimes; any other use must go through curlm_cancel(). The error
 * buffer, write data and open-socket data are cleared here.
 */
void curlm_keep(struct curlm *, CURL *, const void *kind);
/* A handle kept by the same kind, with its options as it left them; else
 * curlm_get()'s, freshly reset. NULL when out of memory. */
CURL *curlm_get_kept(struct curlm *, const void *kind);

#endif
