/*
 * icmp.c - the icmp probe, only through unprivileged ping sockets
 * (net.ipv4.ping_group_range). Without them it is a configuration error
 * rather than a silent raw-socket requirement.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../monitor/log.h"
#include "probe.h"

struct icmp_conf {
	char *host;
};

static const char *const icmp_keys[] = {"host", NULL};

static void
icmp_free(void *p)
{
	struct icmp_conf *c = p;

	if (c == NULL)
		return;
	free(c->host);
	free(c);
}

static void *
icmp_configure(struct conf_ctx *ctx, const config_setting_t *g)
{
	struct icmp_conf *c = xcalloc(1, sizeof(*c));
	int fd;

	if (conf_require(ctx, g, "host") || conf_get_str(ctx, g, "host", &c->host) < 0)
		goto fail;
	if ((fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)) == -1) {
		conf_error(ctx, g, "type", "icmp needs unprivileged ping sockets, which "
		    "this system refuses (%s); allow the group in "
		    "net.ipv4.ping_group_range or use a tcp probe", strerror(errno));
		goto fail;
	}
	close(fd);
	return c;
fail:
	icmp_free(c);
	return NULL;
}

static void
icmp_describe(const void *p, char *buf, size_t len)
{
	snprintf(buf, len, "%s", ((const struct icmp_conf *)p)->host);
}

const struct probe_ops probe_icmp_ops = {
	.name = "icmp",
	.keys = icmp_keys,
	.configure = icmp_configure,
	.free = icmp_free,
	.describe = icmp_describe,
};
