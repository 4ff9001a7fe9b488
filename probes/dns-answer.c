/*
 * dns-answer.c - the records of a DNS answer for one question, as text.
 * Names are read with c-ares's ares_expand_name(), which checks every
 * length and compression pointer against the message.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ares.h>

#include "../monitor/log.h"
#include "dns-answer.h"

static const struct {
	const char *name;
	int type;
} dns_types[] = {
    {"A", DNS_T_A},
    {"AAAA", DNS_T_AAAA},
    {"CNAME", DNS_T_CNAME},
    {"MX", DNS_T_MX},
    {"TXT", DNS_T_TXT},
    {"NS", DNS_T_NS},
    {"SOA", DNS_T_SOA},
};

int
dns_type_parse(const char *s)
{
	for (size_t i = 0; i < sizeof(dns_types) / sizeof(dns_types[0]); i++)
		if (strcmp(dns_types[i].name, s) == 0)
			return dns_types[i].type;
	return 0;
}

const char *
dns_type_name(int type)
{
	for (size_t i = 0; i < sizeof(dns_types) / sizeof(dns_types[0]); i++)
		if (dns_types[i].type == type)
			return dns_types[i].name;
	return "?";
}

/* One resource record of the answer section. */
struct dns_rr {
	char owner[256];
	int type;
	size_t rdata, rdlen; /* offset and length in the message */
};

/* A name at off (compressed or not) into out; its length in the message
 * (not following pointers) in *enclen. */
static int
dns_name_at(const unsigned char *m, size_t len, size_t off, char *out, size_t outlen,
    long *enclen)
{
	char *s = NULL;

	if (off >= len ||
	    ares_expand_name(m + off, m, (int)len, &s, enclen) != ARES_SUCCESS)
		return -1;
	if (strlen(s) >= outlen) {
		ares_free_string(s);
		return -1;
	}
	snprintf(out, outlen, "%s", s);
	ares_free_string(s);
	return 0;
}

static uint32_t
dns_u32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The record's data as text into out; -1 when it does not parse. */
static int
dns_rdata_text(const unsigned char *m, size_t len, const struct dns_rr *rr, char *out,
    size_t outlen)
{
	const unsigned char *p = m + rr->rdata;
	char a[256], b[256];
	long n, n2;
	size_t o = 0;

	switch (rr->type) {
	case DNS_T_A:
	case DNS_T_AAAA:
		if (rr->rdlen != (rr->type == DNS_T_A ? 4u : 16u) ||
		    inet_ntop(rr->type == DNS_T_A ? AF_INET : AF_INET6, p, out,
			(socklen_t)outlen) == NULL)
			return -1;
		return 0;
	case DNS_T_CNAME:
	case DNS_T_NS:
		return dns_name_at(m, len, rr->rdata, out, outlen, &n);
	case DNS_T_MX:
		if (rr->rdlen < 3 ||
		    dns_name_at(m, len, rr->rdata + 2, a, sizeof(a), &n))
			return -1;
		snprintf(out, outlen, "%u %s", (unsigned)(p[0] << 8 | p[1]), a);
		return 0;
	case DNS_T_SOA:
		if (dns_name_at(m, len, rr->rdata, a, sizeof(a), &n) ||
		    dns_name_at(m, len, rr->rdata + (size_t)n, b, sizeof(b), &n2) ||
		    (size_t)(n + n2) + 20 > rr->rdlen)
			return -1;
		p += n + n2;
		snprintf(out, outlen, "%s %s %u %u %u %u %u", a, b, dns_u32(p),
		    dns_u32(p + 4), dns_u32(p + 8), dns_u32(p + 12), dns_u32(p + 16));
		return 0;
	case DNS_T_TXT:
		for (size_t i = 0; i < rr->rdlen;) {
			size_t sl = p[i++];
			if (i + sl > rr->rdlen)
				return -1;
			for (size_t j = 0; j < sl && o + 5 < outlen; j++, i++) {
				unsigned char c = p[i];
				if (c >= 0x20 && c < 0x7f && c != '\\')
					out[o++] = (char)c;
				else
					o += (size_t)snprintf(
					    out + o, outlen - o, "\\%03u", c);
			}
			if (o + 5 >= outlen)
				break; /* the rest does not fit: cut, not fail */
		}
		out[o] = '\0';
		return 0;
	default:
		return -1;
	}
}

/* The answer section's records; the count in *nrr. NULL when malformed. */
static struct dns_rr *
dns_records(const unsigned char *m, size_t len, size_t *nrr, char *err, size_t errlen)
{
	unsigned qd, an;
	size_t off = 12;
	struct dns_rr *rr;
	char name[256];
	long n;

	if (len < 12) {
		snprintf(err, errlen, "malformed answer (%zu bytes)", len);
		return NULL;
	}
	qd = (unsigned)(m[4] << 8 | m[5]);
	an = (unsigned)(m[6] << 8 | m[7]);
	for (unsigned i = 0; i < qd; i++) {
		if (dns_name_at(m, len, off, name, sizeof(name), &n) == -1 ||
		    off + (size_t)n + 4 > len)
			goto bad;
		off += (size_t)n + 4;
	}
	rr = xcalloc(an ? an : 1, sizeof(*rr));
	for (unsigned i = 0; i < an; i++) {
		if (dns_name_at(m, len, off, rr[i].owner, sizeof(rr[i].owner), &n) ==
			-1 ||
		    off + (size_t)n + 10 > len) {
			free(rr);
			goto bad;
		}
		off += (size_t)n;
		rr[i].type = m[off] << 8 | m[off + 1];
		rr[i].rdlen = (size_t)(m[off + 8] << 8 | m[off + 9]);
		rr[i].rdata = off + 10;
		off += 10 + rr[i].rdlen;
		if (off > len) {
			free(rr);
			goto bad;
		}
	}
	*nrr = an;
	return rr;
bad:
	snprintf(err, errlen, "malformed answer");
	return NULL;
}

int
dns_answer_parse(const unsigned char *m, size_t len, const char *qname, int qtype,
    struct dns_rrset *out, char *err, size_t errlen)
{
	struct dns_rr *rr;
	size_t nrr = 0;
	char q0[256], cur[256], text[1024];
	size_t ql = strlen(qname);

	memset(out, 0, sizeof(*out));
	if ((rr = dns_records(m, len, &nrr, err, errlen)) == NULL)
		return -1;
	/* the question's name as the answer writes it: no trailing dot */
	snprintf(q0, sizeof(q0), "%.*s",
	    (int)(ql && qname[ql - 1] == '.' ? ql - 1 : ql), qname);
	snprintf(cur, sizeof(cur), "%s", q0);
	for (bool moved = qtype != DNS_T_CNAME; moved;) {
		moved = false;
		for (size_t i = 0; i < nrr; i++) {
			if (rr[i].type != DNS_T_CNAME || strcasecmp(rr[i].owner, cur))
				continue;
			if (out->nchain == DNS_MAXCHAIN ||
			    dns_rdata_text(m, len, &rr[i], cur, sizeof(cur)) == -1) {
				snprintf(
				    err, errlen, "CNAME chain too long or malformed");
				goto fail;
			}
			for (int j = -1; j < out->nchain; j++)
				if (strcasecmp(j < 0 ? q0 : out->chain[j], cur) == 0) {
					snprintf(err, errlen, "CNAME loop at %s", cur);
					goto fail;
				}
			snprintf(out->chain[out->nchain++], sizeof(out->chain[0]), "%s",
			    cur);
			moved = true;
			break;
		}
	}
	for (size_t i = 0; i < nrr; i++) {
		if (rr[i].type != qtype || strcasecmp(rr[i].owner, cur))
			continue;
		if (dns_rdata_text(m, len, &rr[i], text, sizeof(text)) == -1) {
			snprintf(
			    err, errlen, "malformed %s record", dns_type_name(qtype));
			goto fail;
		}
		out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
		out->v[out->n++] = xstrdup(text);
	}
	free(rr);
	return 0;
fail:
	free(rr);
	dns_rrset_free(out);
	return -1;
}

void
dns_rrset_free(struct dns_rrset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

/* Two names equal but for case and one trailing dot. */
static bool
dns_same_name(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la && a[la - 1] == '.')
		la--;
	if (lb && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

bool
dns_expect_match(int qtype, const char *expect, const char *got)
{
	unsigned char x[16], y[16];
	const char *sp;

	switch (qtype) {
	case DNS_T_A:
	case DNS_T_AAAA: {
		int af = qtype == DNS_T_A ? AF_INET : AF_INET6;
		return inet_pton(af, expect, x) == 1 && inet_pton(af, got, y) == 1 &&
		    memcmp(x, y, qtype == DNS_T_A ? 4 : 16) == 0;
	}
	case DNS_T_CNAME:
	case DNS_T_NS:
		return dns_same_name(expect, got);
	case DNS_T_MX: /* "10 mx.example.com" or just "mx.example.com" */
		if ((sp = strchr(got, ' ')) == NULL)
			return false;
		if (dns_same_name(expect, sp + 1))
			return true;
		return strncmp(expect, got, (size_t)(sp - got + 1)) == 0 &&
		    dns_same_name(expect + (sp - got + 1), sp + 1);
	case DNS_T_SOA: { /* the primary server, or the whole text */
		char mname[256];
		size_t n = strcspn(got, " ");
		snprintf(mname, sizeof(mname), "%.*s", (int)n, got);
		return dns_same_name(expect, mname) || strcmp(expect, got) == 0;
	}
	case DNS_T_TXT:
		return strstr(got, expect) != NULL;
	default:
		return false;
	}
}
