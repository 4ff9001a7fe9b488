/* dns.c - the dns probe: resolve a name through evdns, optionally expecting an answer. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../monitor/log.h"
#include "probe.h"

enum dns_record { DNS_A, DNS_AAAA, DNS_CNAME };

struct dns_conf {
	char *host;
	char *server;	/* "ADDR" or "ADDR:PORT"; NULL = /etc/resolv.conf */
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

	if (conf_require(ctx, g, "host") || conf_get_str(ctx, g, "host", &d->host) < 0 ||
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
		conf_error(ctx, g, "record", "\"%s\": expected A, AAAA or CNAME", record);
		goto fail;
	}
	if (d->expect && d->record != DNS_CNAME) {
		unsigned char buf[16];
		int af = d->record == DNS_A ? AF_INET : AF_INET6;
		if (inet_pton(af, d->expect, buf) != 1) {
			conf_error(ctx, g, "expect", "\"%s\" is not an %s address", d->expect,
			    d->record == DNS_A ? "IPv4" : "IPv6");
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
			conf_error(ctx, g, "server", "\"%s\": expected an IP address, "
			    "optionally with :PORT", d->server);
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
	.describe = dns_describe,
};
