/* dns.c - the dns probe: resolve a name through evdns, optionally expecting an answer. */
#include <arpa/inet.h>
#include <errno.h>
#include <strings.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/util.h>

#include "../monitor/log.h"
#include "probe.h"

enum dns_record { DNS_A, DNS_AAAA, DNS_CNAME };

struct dns_conf {
	char *host;
	char *server; /* "ADDR" or "ADDR:PORT"; NULL = /etc/resolv.conf */
	enum dns_record record;
	char *expect;
};

static const char *const dns_keys[] = {"host", "server", "record", "expect", NULL};

static void
dns_free(void *p)
{
	struct dns_conf *d = p;

	if (d == NULL)
		return;
	free(d->host);
	free(d->server);
	free(d->expect);
	free(d);
}

static void *
dns_configure(struct conf_ctx *ctx, const config_setting_t *g)
{
	struct dns_conf *d = xcalloc(1, sizeof(*d));
	char *record = NULL;

	if (conf_require(ctx, g, "host") ||
	    conf_get_str(ctx, g, "host", &d->host) < 0 ||
	    conf_get_str(ctx, g, "server", &d->server) < 0 ||
	    conf_get_str(ctx, g, "record", &record) < 0 ||
	    conf_get_str(ctx, g, "expect", &d->expect) < 0)
		goto fail;
	if (d->host[0] == '\0' || strlen(d->host) > 253 || strpbrk(d->host, " /\t")) {
		conf_error(ctx, g, "host", "\"%s\" is not a domain name", d->host);
		goto fail;
	}
	if (record == NULL || strcmp(record, "A") == 0)
		d->record = DNS_A;
	else if (strcmp(record, "AAAA") == 0)
		d->record = DNS_AAAA;
	else if (strcmp(record, "CNAME") == 0)
		d->record = DNS_CNAME;
	else {
		conf_error(
		    ctx, g, "record", "\"%s\": expected A, AAAA or CNAME", record);
		goto fail;
	}
	if (d->expect && d->record != DNS_CNAME) {
		unsigned char buf[16];
		int af = d->record == DNS_A ? AF_INET : AF_INET6;
		if (inet_pton(af, d->expect, buf) != 1) {
			conf_error(ctx, g, "expect", "\"%s\" is not an %s address",
			    d->expect, d->record == DNS_A ? "IPv4" : "IPv6");
			goto fail;
		}
	}
	if (d->server) {
		/* evdns takes "ADDR", "ADDR:PORT" or "[V6]:PORT" */
		char host[64];
		unsigned char buf[16];
		const char *s = d->server, *port = NULL;
		size_t n;

		if (s[0] == '[') {
			const char *rb = strchr(s, ']');
			n = rb ? (size_t)(rb - s - 1) : sizeof(host);
			if (rb && rb[1] == ':')
				port = rb + 2;
			else if (rb && rb[1] != '\0')
				n = sizeof(host);
			s++;
		} else if (strchr(s, ':') == strrchr(s, ':') && strchr(s, ':')) {
			n = (size_t)(strchr(s, ':') - s);
			port = strchr(s, ':') + 1;
		} else
			n = strlen(s);
		if (n >= sizeof(host))
			n = sizeof(host) - 1;
		memcpy(host, s, n);
		host[n] = '\0';
		if ((inet_pton(AF_INET, host, buf) != 1 &&
			inet_pton(AF_INET6, host, buf) != 1) ||
		    (port && (atoi(port) < 1 || atoi(port) > 65535))) {
			conf_error(ctx, g, "server",
			    "\"%s\": expected an IP address, "
			    "optionally with :PORT",
			    d->server);
			goto fail;
		}
	}
	free(record);
	return d;
fail:
	free(record);
	dns_free(d);
	return NULL;
}

/*
 * The run: one UDP query, sent again every second until the deadline, so a
 * lost datagram is not an outage. A small client of our own rather than
 * evdns: evdns cannot ask for CNAME, reports SERVFAIL and NXDOMAIN alike
 * after its own retries, and calls back even after a cancel.
 */
struct dns_run {
	struct probe_run *run;
	evutil_socket_t fd;
	struct event *ev, *resend;
	unsigned char q[300];
	size_t qlen;
	unsigned short id;
};

static const unsigned short dns_qtype[] = {1, 28, 5};
static const char *const dns_names[] = {"A", "AAAA", "CNAME"};

static void
dns_cancel(struct probe_run *run)
{
	struct dns_run *r = run->priv;

	if (r == NULL)
		return;
	if (r->ev)
		event_free(r->ev);
	if (r->resend)
		event_free(r->resend);
	if (r->fd != -1)
		evutil_closesocket(r->fd);
	free(r);
	run->priv = NULL;
}

/* Read a possibly compressed name at off into out ("a.b.c"); the offset
 * after it in *next. -1 on a malformed message. */
static int
dns_name(const unsigned char *m, size_t len, size_t off, char *out, size_t outlen,
    size_t *next)
{
	size_t o = 0;
	int jumps = 0;
	bool jumped = false;

	out[0] = '\0';
	while (off < len) {
		unsigned c = m[off];
		if (c == 0) {
			if (!jumped)
				*next = off + 1;
			if (o > 0)
				out[o - 1] = '\0';
			return 0;
		}
		if ((c & 0xc0) == 0xc0) {
			if (off + 1 >= len || ++jumps > 16)
				return -1;
			if (!jumped)
				*next = off + 2;
			jumped = true;
			off = ((c & 0x3f) << 8) | m[off + 1];
			continue;
		}
		if (off + 1 + c > len || o + c + 1 >= outlen)
			return -1;
		memcpy(out + o, m + off + 1, c);
		o += c;
		out[o++] = '.';
		out[o] = '\0';
		off += 1 + c;
	}
	return -1;
}

static void
dns_answer(struct dns_run *r, const unsigned char *m, size_t len)
{
	struct probe_run *run = r->run;
	const struct dns_conf *d = run->conf;
	static const char *const rcodes[] = {
	    "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"};
	unsigned rcode = m[3] & 0x0f, qd = (m[4] << 8) | m[5], an = (m[6] << 8) | m[7];
	char name[256], got[256] = "", first[256] = "";
	size_t off = 12, next = 0;
	unsigned n = 0;

	if (rcode != 0) {
		probe_done(run, PROBE_DNS_FAILURE, "DNS failure: %s for %s",
		    rcode < 6 ? rcodes[rcode] : "error", d->host);
		return;
	}
	for (unsigned i = 0; i < qd; i++) {
		if (dns_name(m, len, off, name, sizeof(name), &next) == -1)
			goto bad;
		off = next + 4;
	}
	for (unsigned i = 0; i < an; i++) {
		unsigned type, rdlen;
		if (dns_name(m, len, off, name, sizeof(name), &next) == -1 ||
		    next + 10 > len)
			goto bad;
		type = (m[next] << 8) | m[next + 1];
		rdlen = (m[next + 8] << 8) | m[next + 9];
		off = next + 10;
		if (off + rdlen > len)
			goto bad;
		got[0] = '\0';
		if (type == 1 && rdlen == 4 && d->record == DNS_A)
			inet_ntop(AF_INET, m + off, got, sizeof(got));
		else if (type == 28 && rdlen == 16 && d->record == DNS_AAAA)
			inet_ntop(AF_INET6, m + off, got, sizeof(got));
		else if (type == 5 && d->record == DNS_CNAME &&
		    dns_name(m, len, off, got, sizeof(got), &next) == -1)
			goto bad;
		off += rdlen;
		if (got[0] == '\0')
			continue;
		if (n++ == 0)
			snprintf(first, sizeof(first), "%s", got);
		if (d->expect == NULL || strcasecmp(d->expect, got) == 0 ||
		    (d->record == DNS_CNAME && strlen(d->expect) == strlen(got) + 1 &&
			strncasecmp(d->expect, got, strlen(got)) == 0)) {
			probe_done(run, PROBE_OK, "%s %s", dns_names[d->record], got);
			return;
		}
	}
	if (n == 0)
		probe_done(run, PROBE_DNS_FAILURE, "DNS failure: no %s record for %s",
		    dns_names[d->record], d->host);
	else
		probe_done(run, PROBE_EXPECT_MISMATCH, "DNS answer %s, expected %s",
		    first, d->expect);
	return;
bad:
	probe_done(run, PROBE_DNS_FAILURE, "DNS failure: malformed answer");
}

static void
dns_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dns_run *r = arg;
	unsigned char m[4096];
	ssize_t n;

	(void)what;
	while ((n = recv(fd, m, sizeof(m), 0)) >= 0) {
		/* someone else's datagram, or a late answer to nothing: ignore */
		if (n < 12 || ((m[0] << 8) | m[1]) != r->id || !(m[2] & 0x80))
			continue;
		r->run->detail.dns_s = probe_elapsed_ms(r->run) / 1000.0;
		if (m[2] & 0x02) {
			probe_done(
			    r->run, PROBE_DNS_FAILURE, "DNS failure: truncated answer");
			return;
		}
		dns_answer(r, m, (size_t)n);
		return;
	}
	if (errno == ECONNREFUSED)
		probe_done(r->run, PROBE_DNS_FAILURE,
		    "DNS failure: server refused "
		    "(no DNS server on the port)");
}

static void
dns_resend_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dns_run *r = arg;
	struct timeval tv = {1, 0};

	(void)fd;
	(void)what;
	send(r->fd, r->q, r->qlen, 0);
	evtimer_add(r->resend, &tv);
}

static int
dns_start(struct probe_run *run)
{
	const struct dns_conf *d = run->conf;
	struct dns_run *r = xcalloc(1, sizeof(*r));
	struct sockaddr_storage ss;
	int sslen = sizeof(ss);
	char addr[80];
	const char *srv = d->server ? d->server : run->env->nameserver;
	unsigned char *p;
	const char *h = d->host;

	r->run = run;
	r->fd = -1;
	run->priv = r;
	run->phase = PROBE_PHASE_DNS;
	if (strchr(srv, ':') && srv[0] != '[' && strchr(srv, ':') != strrchr(srv, ':'))
		snprintf(addr, sizeof(addr), "[%s]:53", srv); /* bare IPv6 */
	else if (strchr(srv, ':') && srv[0] != '[')
		snprintf(addr, sizeof(addr), "%s", srv);
	else if (srv[0] == '[' && strstr(srv, "]:"))
		snprintf(addr, sizeof(addr), "%s", srv);
	else
		snprintf(addr, sizeof(addr), "%s:53", srv);
	if (evutil_parse_sockaddr_port(addr, (struct sockaddr *)&ss, &sslen) == -1) {
		probe_done(run, PROBE_INTERNAL, "bad DNS server %s", srv);
		return 0;
	}
	evutil_secure_rng_get_bytes(&r->id, sizeof(r->id));
	p = r->q;
	*p++ = r->id >> 8;
	*p++ = r->id & 0xff;
	*p++ = 0x01; /* RD */
	*p++ = 0;
	*p++ = 0;
	*p++ = 1; /* one question */
	memset(p, 0, 6);
	p += 6;
	while (*h) {
		size_t n = strcspn(h, ".");
		if (n == 0 || n > 63) {
			probe_done(run, PROBE_INTERNAL, "bad name %s", d->host);
			return 0;
		}
		*p++ = (unsigned char)n;
		memcpy(p, h, n);
		p += n;
		h += n;
		if (*h == '.')
			h++;
	}
	*p++ = 0;
	*p++ = dns_qtype[d->record] >> 8;
	*p++ = dns_qtype[d->record] & 0xff;
	*p++ = 0;
	*p++ = 1; /* IN */
	r->qlen = (size_t)(p - r->q);
	if ((r->fd = socket(
		 ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(r->fd, (struct sockaddr *)&ss, (socklen_t)sslen) == -1) {
		probe_done(run, PROBE_NETWORK, "DNS socket: %s", strerror(errno));
		return 0;
	}
	if ((r->ev = event_new(run->env->base, r->fd, EV_READ | EV_PERSIST, dns_read_cb,
		 r)) == NULL ||
	    (r->resend = evtimer_new(run->env->base, dns_resend_cb, r)) == NULL)
		return -1;
	event_add(r->ev, NULL);
	dns_resend_cb(-1, 0, r);
	return 0;
}

static void
dns_describe(const void *p, char *buf, size_t len)
{
	const struct dns_conf *d = p;
	static const char *const names[] = {"A", "AAAA", "CNAME"};

	snprintf(buf, len, "%s %s%s%s", names[d->record], d->host,
	    d->server ? " @" : "", d->server ? d->server : "");
}

const struct probe_ops probe_dns_ops = {
    .name = "dns",
    .keys = dns_keys,
    .configure = dns_configure,
    .free = dns_free,
    .start = dns_start,
    .cancel = dns_cancel,
    .describe = dns_describe,
};
