/* tcp.c - the tcp probe: connect, optionally send a line and expect a reply. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../monitor/log.h"
#include "probe.h"

struct tcp_conf {
	char *host;
	long port;
	char *send;
	char *expect;
};

static const char *const tcp_keys[] = {"host", "port", "send", "expect", NULL};

static void
tcp_free(void *p)
{
	struct tcp_conf *t = p;

	if (t == NULL)
		return;
	free(t->host);
	free(t->send);
	free(t->expect);
	free(t);
}

static void *
tcp_configure(struct conf_ctx *ctx, const config_setting_t *g)
{
	struct tcp_conf *t = xcalloc(1, sizeof(*t));

	if (conf_require(ctx, g, "host") || conf_require(ctx, g, "port") ||
	    conf_get_str(ctx, g, "host", &t->host) < 0 ||
	    conf_get_int(ctx, g, "port", 1, 65535, &t->port) < 0 ||
	    conf_get_str(ctx, g, "send", &t->send) < 0 ||
	    conf_get_str(ctx, g, "expect", &t->expect) < 0)
		goto fail;
	if (t->host[0] == '\0' || strpbrk(t->host, " /\t")) {
		conf_error(ctx, g, "host", "\"%s\" is not a host name or address",
		    t->host);
		goto fail;
	}
	if (t->expect && t->expect[0] == '\0') {
		conf_error(ctx, g, "expect", "must not be empty");
		goto fail;
	}
	return t;
fail:
	tcp_free(t);
	return NULL;
}

static void
tcp_describe(const void *p, char *buf, size_t len)
{
	const struct tcp_conf *t = p;

	snprintf(buf, len, "%s:%ld", t->host, t->port);
}

const struct probe_ops probe_tcp_ops = {
	.name = "tcp",
	.keys = tcp_keys,
	.configure = tcp_configure,
	.free = tcp_free,
	.describe = tcp_describe,
};
