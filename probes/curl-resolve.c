/*
 * curl-resolve.c - host names of http and tls probes are resolved by our
 * resolver on the event loop (resolve.c, c-ares) and handed to libcurl with
 * CURLOPT_RESOLVE, so libcurl never starts its threaded resolver for them:
 * ending a transfer whose resolver thread is stuck joins that thread inside
 * the loop, and a system resolver that never answers would then freeze
 * every probe for seconds. (A redirect to another host is still resolved
 * by libcurl; curlm.c sets CURLOPT_QUICK_EXIT so that ending such a
 * transfer does not wait for its thread either.)
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "curl-resolve.h"

int
curl_resolve_url(const char *url, char *host, size_t len, long *port)
{
	CURLU *u = curl_url();
	char *h = NULL, *p = NULL;
	int rc = -1;

	if (u == NULL)
		return -1;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) == CURLUE_OK &&
	    strlen(h) < len) {
		snprintf(host, len, "%s", h);
		*port = strtol(p, NULL, 10);
		rc = 0;
	}
	curl_free(h);
	curl_free(p);
	curl_url_cleanup(u);
	return rc;
}

static int
curl_resolve_add(struct curl_resolve *c)
{
	return curlm_add(c->run->env->curlm, c->easy, c->done, c->arg);
}

static void
curl_resolve_cb(struct resolve_req *rq, enum probe_reason reason, const char *text,
    const struct resolve_addrs *addrs)
{
	struct curl_resolve *c = (struct curl_resolve *)((char *)rq -
	    offsetof(struct curl_resolve, rq));
	struct probe_run *run = c->run;
	char pin[1024], a[INET6_ADDRSTRLEN];
	size_t o;
	long left;

	if (reason != PROBE_OK) {
		probe_done(run, reason, "%s", text);
		return;
	}
	/* "+" (libcurl 7.75): an entry that ages out of the shared DNS cache
	 * like a looked-up one, instead of pinning the name for good */
	/* the name exactly as libcurl will look it up (a trailing dot is
	 * kept: tests/e2e/test_resolver.py shows it) */
	o = (size_t)snprintf(pin, sizeof(pin), "+%s:%ld:", c->host, c->port);
	for (size_t i = 0; i < addrs->n && o < sizeof(pin); i++) {
		const struct sockaddr *sa = (const struct sockaddr *)&addrs->a[i];
		const void *bin = sa->sa_family == AF_INET6
		    ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
		    : (const void *)&((const struct sockaddr_in *)sa)->sin_addr;
		inet_ntop(sa->sa_family, bin, a, sizeof(a));
		o += (size_t)snprintf(pin + o, sizeof(pin) - o,
		    sa->sa_family == AF_INET6 ? "%s[%s]" : "%s%s", i ? "," : "", a);
	}
	if (o >= sizeof(pin)) {
		probe_done(run, PROBE_INTERNAL, "too many addresses for %s", c->host);
		return;
	}
	c->pin = curl_slist_append(NULL, pin);
	curl_easy_setopt(c->easy, CURLOPT_RESOLVE, c->pin);
	/* what the lookup took comes off libcurl's share of the deadline */
	left = (long)(run->timeout_ms - probe_elapsed_ms(run));
	if (left < 1)
		left = 1;
	curl_easy_setopt(c->easy, CURLOPT_TIMEOUT_MS, left);
	curl_easy_setopt(c->easy, CURLOPT_CONNECTTIMEOUT_MS, left);
	probe_phase_self(run);
	if (curl_resolve_add(c) == -1)
		probe_done(run, PROBE_INTERNAL, "could not start the transfer");
}

int
curl_resolve_start(struct curl_resolve *c, struct probe_run *run, CURL *e,
    const char *host, long port, curlm_done_cb *done, void *arg)
{
	char text[256];

	c->run = run;
	c->easy = e;
	c->port = port;
	c->done = done;
	c->arg = arg;
	if (resolve_is_numeric(host)) {
		run->phase = PROBE_PHASE_SELF;
		return curl_resolve_add(c);
	}
	/* the name, for the pin once it is resolved */
	snprintf(c->host, sizeof(c->host), "%s", host);
	if (resolve_start(&c->rq, run->env->resolver, c->host, curl_resolve_cb, text,
		sizeof(text)) == -1)
		probe_done(run, PROBE_RESOLVER, "%s", text);
	else
		run->phase = resolve_phase(run->env->resolver);
	return 0;
}

void
curl_resolve_clear(struct curl_resolve *c)
{
	resolve_cancel(&c->rq);
	/* a handle kept with its options (curlm_keep) must not keep a pointer
	 * to the list freed here */
	if (c->pin && c->easy)
		curl_easy_setopt(c->easy, CURLOPT_RESOLVE, NULL);
	curl_slist_free_all(c->pin);
	c->pin = NULL;
}
