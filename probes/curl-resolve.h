/* curl-resolve.h - a probe's libcurl transfer whose host name is resolved on
 * the event loop first (resolve.c) and handed to libcurl as an address. */
#ifndef SLAMON_CURL_RESOLVE_H
#define SLAMON_CURL_RESOLVE_H

#include "../monitor/curlm.h"
#include "probe.h"
#include "resolve.h"

struct curl_resolve {
	struct probe_run *run;
	CURL *easy;
	char host[256];
	long port;
	struct resolve_req rq;
	struct curl_slist *pin; /* CURLOPT_RESOLVE */
	curlm_done_cb *done;
	void *arg;
};

/*
 * Start the transfer set up on e (its CURLOPT_URL names host, or
 * CURLOPT_CONNECT_TO sends it there): at once when host is an address,
 * after resolving it otherwise. A failed lookup ends the run with its
 * reason. -1 when the transfer could not be added (nothing to call back).
 */
int curl_resolve_start(struct curl_resolve *, struct probe_run *, CURL *e,
    const char *host, long port, curlm_done_cb *, void *arg);
/* The host and port (the scheme's default when none) of an http(s) URL. */
int curl_resolve_url(const char *url, char *host, size_t len, long *port);
/* Release the lookup and the pinned addresses (the handle's CURLOPT_RESOLVE
 * is cleared with them); before or after curlm_cancel(), before
 * curlm_keep(). */
void curl_resolve_clear(struct curl_resolve *);

#endif
