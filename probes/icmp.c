/*
 * icmp.c - the icmp probe: one echo request, up when its reply comes back.
 *
 * Only through unprivileged ping sockets (SOCK_DGRAM, IPPROTO_ICMP; the
 * group must be in net.ipv4.ping_group_range). Without them it is a
 * configuration error rather than a silent raw-socket requirement. The
 * kernel fills in the identifier and checksum and hands the socket only
 * the replies to its own requests. The host is an address literal: a name
 * would need a resolver whose failures are the dns probe's business.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "../monitor/log.h"
#include "probe.h"

struct icmp_conf {
	char *host;
	struct sockaddr_storage addr;
	socklen_t addrlen;
};

struct icmp_run {
	int fd;
	struct event *ev;
	uint16_t seq;
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

static int
icmp_socket(int family)
{
	return socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
}

static void *
icmp_configure(struct conf_ctx *ctx, const config_setting_t *g)
{
	struct icmp_conf *c = xcalloc(1, sizeof(*c));
	struct sockaddr_in *sin = (struct sockaddr_in *)&c->addr;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&c->addr;
	int fd;

	if (conf_require(ctx, g, "host") || conf_get_str(ctx, g, "host", &c->host) < 0)
		goto fail;
	if (inet_pton(AF_INET, c->host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		c->addrlen = sizeof(*sin);
	} else if (inet_pton(AF_INET6, c->host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		c->addrlen = sizeof(*sin6);
	} else {
		conf_error(ctx, g, "host",
		    "\"%s\": an icmp probe takes an IPv4 or IPv6 "
		    "address",
		    c->host);
		goto fail;
	}
	if ((fd = icmp_socket(c->addr.ss_family)) == -1) {
		conf_error(ctx, g, "type",
		    "icmp needs unprivileged ping sockets, which "
		    "this system refuses (%s); allow the group in "
		    "net.ipv4.ping_group_range or use a tcp probe",
		    strerror(errno));
		goto fail;
	}
	close(fd);
	return c;
fail:
	icmp_free(c);
	return NULL;
}

static void
icmp_cancel(struct probe_run *run)
{
	struct icmp_run *r = run->priv;

	if (r == NULL)
		return;
	if (r->ev)
		event_free(r->ev);
	if (r->fd != -1)
		close(r->fd);
	free(r);
	run->priv = NULL;
}

static void
icmp_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct probe_run *run = arg;
	struct icmp_run *r = run->priv;
	const struct icmp_conf *c = run->conf;
	unsigned char buf[1500];
	ssize_t n;

	(void)what;
	while ((n = recv(fd, buf, sizeof(buf), 0)) >= 0) {
		uint8_t type = buf[0];
		uint16_t seq;

		if (n < 8)
			continue;
		memcpy(&seq, buf + 6, sizeof(seq));
		if (ntohs(seq) != r->seq)
			continue; /* a late reply to an earlier run */
		if ((c->addr.ss_family == AF_INET && type == ICMP_ECHOREPLY) ||
		    (c->addr.ss_family == AF_INET6 && type == ICMP6_ECHO_REPLY)) {
			probe_done(run, PROBE_OK, "echo reply from %s", c->host);
			return;
		}
	}
	if (errno != EAGAIN && errno != EWOULDBLOCK)
		probe_done(run, PROBE_NETWORK, "icmp: %s", strerror(errno));
}

static int
icmp_start(struct probe_run *run)
{
	const struct icmp_conf *c = run->conf;
	struct icmp_run *r = xcalloc(1, sizeof(*r));
	unsigned char pkt[8 + 16];
	uint16_t seq;

	run->priv = r;
	run->phase = PROBE_PHASE_REPLY;
	/* distinct from the previous run's, so a late reply cannot count */
	r->seq = (uint16_t)(run->t0.tv_sec * 1000 + run->t0.tv_nsec / 1000000);
	if ((r->fd = icmp_socket(c->addr.ss_family)) == -1) {
		probe_done(run, probe_errno_reason(errno, PROBE_INTERNAL),
		    "ping socket: %s", strerror(errno));
		return 0;
	}
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = c->addr.ss_family == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
	seq = htons(r->seq);
	memcpy(pkt + 6, &seq, sizeof(seq));
	memcpy(pkt + 8, "slamon-echo-req!", 16);
	if ((r->ev = event_new(run->env->base, r->fd, EV_READ | EV_PERSIST,
		 icmp_read_cb, run)) == NULL ||
	    event_add(r->ev, NULL) == -1) {
		probe_done(run, PROBE_INTERNAL, "cannot watch the ping socket");
		return 0;
	}
	if (sendto(r->fd, pkt, sizeof(pkt), 0, (const struct sockaddr *)&c->addr,
		c->addrlen) == -1) {
		probe_done(run, probe_errno_reason(errno, PROBE_NETWORK),
		    "cannot send an echo request to %s: %s", c->host, strerror(errno));
		return 0;
	}
	return 0;
}

static void
icmp_describe(const void *p, char *buf, size_t len)
{
	snprintf(buf, len, "echo %s", ((const struct icmp_conf *)p)->host);
}

const struct probe_ops probe_icmp_ops = {
    .name = "icmp",
    .keys = icmp_keys,
    .configure = icmp_configure,
    .free = icmp_free,
    .start = icmp_start,
    .cancel = icmp_cancel,
    .describe = icmp_describe,
};
