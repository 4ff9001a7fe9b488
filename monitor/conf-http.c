/*
 * conf-http.c - the public server's bounds in the slamon group (issue 20):
 * how many connections, how long a client may take to send a request, how
 * big it may be, and how often one client may ask for an expensive answer.
 * Every key has a default that holds against a hostile client; README
 * "Status page and API" describes them.
 */
#include <stddef.h>

#include "conf-priv.h"

const char *const conf_http_keys[] = {
    "http_max_connections",
    "http_max_connections_per_client",
    "http_header_timeout",
    "http_keepalive_timeout",
    "http_max_header_bytes",
    "http_max_body_bytes",
    "http_expensive_per_minute",
    "http_workers",
    NULL,
};

void
conf_http_defaults(struct conf_http *h)
{
	h->max_connections = 512;
	h->max_connections_per_client = 32;
	h->header_timeout = 10;
	h->keepalive_timeout = 5;
	h->max_header_bytes = 8192;
	h->max_body_bytes = 1024;
	h->expensive_per_minute = 30;
	h->workers = 2;
}

int
conf_http_parse(struct conf_ctx *ctx, const config_setting_t *g, struct conf_http *h)
{
	static const struct {
		const char *key;
		long min, max;
		size_t off;
	} keys[] = {
	    {"http_max_connections", 1, 1000000,
		offsetof(struct conf_http, max_connections)},
	    {"http_max_connections_per_client", 1, 1000000,
		offsetof(struct conf_http, max_connections_per_client)},
	    {"http_header_timeout", 1, 3600,
		offsetof(struct conf_http, header_timeout)},
	    {"http_keepalive_timeout", 1, 3600,
		offsetof(struct conf_http, keepalive_timeout)},
	    {"http_max_header_bytes", 1024, 1048576,
		offsetof(struct conf_http, max_header_bytes)},
	    {"http_max_body_bytes", 0, 1048576,
		offsetof(struct conf_http, max_body_bytes)},
	    {"http_expensive_per_minute", 1, 1000000,
		offsetof(struct conf_http, expensive_per_minute)},
	    {"http_workers", 1, 64, offsetof(struct conf_http, workers)},
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (conf_get_int(ctx, g, keys[i].key, keys[i].min, keys[i].max,
			(long *)(void *)((char *)h + keys[i].off)) < 0)
			return -1;
	if (h->max_connections_per_client > h->max_connections) {
		conf_error(ctx, g, "http_max_connections_per_client",
		    "%ld is more than http_max_connections (%ld)",
		    h->max_connections_per_client, h->max_connections);
		return -1;
	}
	return 0;
}
