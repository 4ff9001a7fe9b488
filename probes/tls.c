/* tls.c - the tls probe: handshake, verify, and fail when the certificate expires too soon. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../monitor/log.h"
#include "probe.h"

struct tls_conf {
	char *host;
	long port;
	char *servername;
	long min_days;
	bool verify;
	char *ca_file;
};

static const char *const tls_keys[] = {"host", "port", "servername", "min_days",
    "verify_tls", "ca_file", NULL};

static void
tls_free(void *p)
{
	struct tls_conf *t = p;

	if (t == NULL)
		return;
	free(t->host);
	free(t->servername);
	free(t->ca_file);
	free(t);
}

static void *
tls_configure(struct conf_ctx *ctx, const config_setting_t *g)
{
	struct tls_conf *t = xcalloc(1, sizeof(*t));

	t->port = 443;
	t->min_days = 14;
	t->verify = true;
	if (conf_require(ctx, g, "host") || conf_get_str(ctx, g, "host", &t->host) < 0 ||
	    conf_get_int(ctx, g, "port", 1, 65535, &t->port) < 0 ||
	    conf_get_str(ctx, g, "servername", &t->servername) < 0 ||
	    conf_get_int(ctx, g, "min_days", 0, 3650, &t->min_days) < 0 ||
	    conf_get_bool(ctx, g, "verify_tls", &t->verify) < 0 ||
	    conf_get_str(ctx, g, "ca_file", &t->ca_file) < 0)
		goto fail;
	if (t->host[0] == '\0' || strpbrk(t->host, " /\t")) {
		conf_error(ctx, g, "host", "\"%s\" is not a host name or address",
		    t->host);
		goto fail;
	}
	return t;
fail:
	tls_free(t);
	return NULL;
}

static void
tls_describe(const void *p, char *buf, size_t len)
{
	const struct tls_conf *t = p;

	snprintf(buf, len, "%s:%ld (certificate >= %ld days)", t->host, t->port,
	    t->min_days);
}

const struct probe_ops probe_tls_ops = {
	.name = "tls",
	.keys = tls_keys,
	.configure = tls_configure,
	.free = tls_free,
	.describe = tls_describe,
};
