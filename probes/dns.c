/*
 * dns.c - the dns probe: one query through c-ares (ares-ev.c) to the
 * system's resolver or to the target's own server, judged by the records
 * that come back, optionally against an expected one. c-ares brings EDNS0
 * (1232-byte answers over UDP), the retry over TCP of a truncated answer,
 * and resends of a lost datagram; the answer is read by dns-answer.c.
 */
#include <arpa/inet.h>
#include <strings.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../monitor/log.h"
#include "ares-ev.h"
#include "dns-answer.h"
#include "probe.h"
#include "resolve.h"

struct dns_conf {
	char *host;
	char *server; /* "ADDR" or "ADDR:PORT"; NULL = /etc/resolv.conf */
	int record;   /* enum dns_type */
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
	if ((d->record = dns_type_parse(record ? record : "A")) == 0) {
		conf_error(ctx, g, "record",
		    "\"%s\": expected A, AAAA, CNAME, MX, TXT, NS or SOA", record);
		goto fail;
	}
	if (d->expect && (d->record == DNS_T_A || d->record == DNS_T_AAAA)) {
		unsigned char buf[16];
		int af = d->record == DNS_T_A ? AF_INET : AF_INET6;
		if (inet_pton(af, d->expect, buf) != 1) {
			conf_error(ctx, g, "expect", "\"%s\" is not an %s address",
			    d->expect, d->record == DNS_T_A ? "IPv4" : "IPv6");
			goto fail;
		}
	}
	if (d->expect && d->expect[0] == '\0') {
		conf_error(ctx, g, "expect", "must not be empty");
		goto fail;
	}
	if (d->server) {
		/* c-ares takes "ADDR", "ADDR:PORT" or "[V6]:PORT" */
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
		if (d->server[0] == '[' && port == NULL) {
			/* c-ares takes "[V6]" only with a port */
			char *full = NULL;
			xasprintf(&full, "[%s]:53", host);
			free(d->server);
			d->server = full;
		}
	}
	free(record);
	return d;
fail:
	free(record);
	dns_free(d);
	return NULL;
}

/* One run: the query in flight on its channel. */
struct dns_run {
	struct probe_run *run;
	struct aresev_req *q;
	bool system; /* asked the system's resolver, not the target's server */
};

static void
dns_cancel(struct probe_run *run)
{
	struct dns_run *r = run->priv;

	if (r == NULL)
		return;
	aresev_cancel(r->q);
	free(r);
	run->priv = NULL;
}

/* " via CNAME a -> b -> c" when CNAMEs led from the name to the records. */
static void
dns_chain_text(
    const struct dns_conf *d, const struct dns_rrset *s, char *buf, size_t len)
{
	size_t o;

	buf[0] = '\0';
	if (s->nchain == 0)
		return;
	o = (size_t)snprintf(buf, len, " via CNAME %s", d->host);
	for (int i = 0; i < s->nchain && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, " -> %s", s->chain[i]);
}

static void
dns_answer(struct dns_run *r, const unsigned char *abuf, int alen)
{
	struct probe_run *run = r->run;
	const struct dns_conf *d = run->conf;
	const char *type = dns_type_name(d->record);
	struct dns_rrset s;
	char err[256], chain[160], more[32] = "";

	if (abuf == NULL || alen <= 0 ||
	    dns_answer_parse(
		abuf, (size_t)alen, d->host, d->record, &s, err, sizeof(err)) == -1) {
		probe_done(run, PROBE_DNS_FAILURE, "DNS failure: %s for %s",
		    abuf ? err : "no answer", d->host);
		return;
	}
	dns_chain_text(d, &s, chain, sizeof(chain));
	if (s.n == 0) {
		probe_done(run, PROBE_DNS_FAILURE, "DNS failure: no %s record for %s%s",
		    type, d->host, chain);
		dns_rrset_free(&s);
		return;
	}
	if (s.n > 1)
		snprintf(more, sizeof(more), " (%zu records)", s.n);
	for (size_t i = 0; i < s.n; i++)
		if (d->expect == NULL ||
		    dns_expect_match(d->record, d->expect, s.v[i])) {
			probe_done(
			    run, PROBE_OK, "%s %s%s%s", type, s.v[i], more, chain);
			dns_rrset_free(&s);
			return;
		}
	probe_done(run, PROBE_EXPECT_MISMATCH, "DNS answer %s%s, expected %s%s", s.v[0],
	    more, d->expect, chain);
	dns_rrset_free(&s);
}

static void
dns_done_cb(void *arg, int status, const unsigned char *abuf, int alen)
{
	struct dns_run *r = arg;
	struct probe_run *run = r->run;
	const struct dns_conf *d = run->conf;
	char text[256];
	enum probe_reason reason;

	r->q = NULL;
	run->detail.dns_s = probe_elapsed_ms(run) / 1000.0;
	if (status == ARES_SUCCESS || status == ARES_ENODATA) {
		/* NOERROR: the records, or a CNAME chain that ends in none */
		dns_answer(r, abuf, alen);
		return;
	}
	reason = resolve_reason(run->env->resolver, r->system, status, d->host,
	    probe_elapsed_ms(run), text, sizeof(text));
	probe_done(run, reason, "%s", text);
}

static int
dns_start(struct probe_run *run)
{
	const struct dns_conf *d = run->conf;
	struct dns_run *r = xcalloc(1, sizeof(*r));
	struct aresev *a;
	char err[200];

	r->run = run;
	r->system = d->server == NULL;
	run->priv = r;
	run->phase = PROBE_PHASE_DNS;
	a = d->server ? resolver_server(run->env->resolver, d->server, err, sizeof(err))
		      : resolver_system(run->env->resolver, err, sizeof(err));
	if (a == NULL) {
		if (d->server)
			probe_done(
			    run, PROBE_INTERNAL, "DNS server %s: %s", d->server, err);
		else
			probe_done(
			    run, PROBE_RESOLVER, "resolver unavailable: %s", err);
		return 0;
	}
	r->q = aresev_query(a, d->host, d->record, dns_done_cb, r);
	if (!d->server)
		run->phase = resolve_phase(run->env->resolver);
	return 0;
}

static void
dns_describe(const void *p, char *buf, size_t len)
{
	const struct dns_conf *d = p;

	snprintf(buf, len, "%s %s%s%s", dns_type_name(d->record), d->host,
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
