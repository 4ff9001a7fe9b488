/* test_dns_answer.c - reading DNS answers (probes/dns-answer.c): record
 * types, CNAME chains and loops, compression, malformed messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dns-answer.h"

struct m {
	unsigned char b[2048];
	size_t len;
};

static void
u8(struct m *m, unsigned v)
{
	m->b[m->len++] = (unsigned char)v;
}

static void
u16(struct m *m, unsigned v)
{
	u8(m, v >> 8);
	u8(m, v & 0xff);
}

static void
u32(struct m *m, unsigned long v)
{
	u16(m, (unsigned)(v >> 16));
	u16(m, (unsigned)(v & 0xffff));
}

static void
name(struct m *m, const char *s)
{
	while (*s) {
		size_t n = strcspn(s, ".");
		u8(m, (unsigned)n);
		memcpy(m->b + m->len, s, n);
		m->len += n;
		s += n;
		if (*s == '.')
			s++;
	}
	u8(m, 0);
}

/* Header and question of qname/qtype with an answers, the owner of the
 * first answer then usually a pointer to offset 12 (0xc00c). */
static void
head(struct m *m, const char *qname, unsigned qtype, unsigned an)
{
	memset(m, 0, sizeof(*m));
	u16(m, 0x1234);
	u16(m, 0x8180);
	u16(m, 1);
	u16(m, an);
	u16(m, 0);
	u16(m, 0);
	name(m, qname);
	u16(m, qtype);
	u16(m, 1);
}

/* An RR header; returns the offset of its rdlength to patch. */
static size_t
rr(struct m *m, unsigned type)
{
	size_t at;

	u16(m, type);
	u16(m, 1);
	u32(m, 60);
	at = m->len;
	u16(m, 0);
	return at;
}

static void
patch(struct m *m, size_t at)
{
	size_t n = m->len - at - 2;

	m->b[at] = (unsigned char)(n >> 8);
	m->b[at + 1] = (unsigned char)(n & 0xff);
}

static void
a_rec(struct m *m, const unsigned char ip[4])
{
	size_t at = rr(m, DNS_T_A);

	for (int i = 0; i < 4; i++)
		u8(m, ip[i]);
	patch(m, at);
}

static void
test_a_with_compression_and_other_owners(void **st)
{
	struct m m;
	struct dns_rrset s;
	char err[128];
	size_t at;

	(void)st;
	head(&m, "www.example.com", DNS_T_A, 3);
	u16(&m, 0xc00c);
	a_rec(&m, (const unsigned char[]){192, 0, 2, 1});
	/* another owner's record is not an answer to the question */
	name(&m, "other.example.com");
	a_rec(&m, (const unsigned char[]){192, 0, 2, 99});
	u16(&m, 0xc00c);
	at = rr(&m, DNS_T_A);
	u8(&m, 192), u8(&m, 0), u8(&m, 2), u8(&m, 2);
	patch(&m, at);
	assert_int_equal(dns_answer_parse(m.b, m.len, "WWW.example.com.", DNS_T_A, &s,
			     err, sizeof(err)),
	    0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.nchain, 0);
	assert_string_equal(s.v[0], "192.0.2.1");
	assert_string_equal(s.v[1], "192.0.2.2");
	dns_rrset_free(&s);
}

static void
test_cname_chain_compressed(void **st)
{
	struct m m;
	struct dns_rrset s;
	char err[128];
	size_t at, b_off;

	(void)st;
	head(&m, "a.example", DNS_T_A, 3);
	u16(&m, 0xc00c);
	at = rr(&m, DNS_T_CNAME);
	b_off = m.len;
	name(&m, "b.example");
	patch(&m, at);
	u16(&m, (unsigned)(0xc000 | b_off)); /* owner b.example, compressed */
	at = rr(&m, DNS_T_CNAME);
	u8(&m, 1), u8(&m, 'c'), u16(&m, (unsigned)(0xc000 | (b_off + 2)));
	patch(&m, at); /* c.example: label c, then pointer to "example" */
	name(&m, "C.EXAMPLE");
	a_rec(&m, (const unsigned char[]){10, 0, 0, 3});
	assert_int_equal(
	    dns_answer_parse(m.b, m.len, "a.example", DNS_T_A, &s, err, sizeof(err)),
	    0);
	assert_int_equal(s.nchain, 2);
	assert_string_equal(s.chain[0], "b.example");
	assert_string_equal(s.chain[1], "c.example");
	assert_int_equal(s.n, 1);
	assert_string_equal(s.v[0], "10.0.0.3");
	dns_rrset_free(&s);
	/* asked for the CNAME itself: the first link, not followed */
	assert_int_equal(dns_answer_parse(m.b, m.len, "a.example", DNS_T_CNAME, &s, err,
			     sizeof(err)),
	    0);
	assert_int_equal(s.nchain, 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.v[0], "b.example");
	dns_rrset_free(&s);
}

static void
test_cname_loop_and_no_data(void **st)
{
	struct m m;
	struct dns_rrset s;
	char err[128];
	size_t at;

	(void)st;
	head(&m, "x.test", DNS_T_A, 2);
	u16(&m, 0xc00c);
	at = rr(&m, DNS_T_CNAME);
	name(&m, "y.test");
	patch(&m, at);
	name(&m, "y.test");
	at = rr(&m, DNS_T_CNAME);
	name(&m, "X.test");
	patch(&m, at);
	assert_int_equal(
	    dns_answer_parse(m.b, m.len, "x.test", DNS_T_A, &s, err, sizeof(err)), -1);
	assert_string_equal(err, "CNAME loop at X.test");
	/* one link only: a chain to a name with no A record */
	head(&m, "x.test", DNS_T_A, 1);
	u16(&m, 0xc00c);
	at = rr(&m, DNS_T_CNAME);
	name(&m, "y.test");
	patch(&m, at);
	assert_int_equal(
	    dns_answer_parse(m.b, m.len, "x.test", DNS_T_A, &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(s.nchain, 1);
	assert_string_equal(s.chain[0], "y.test");
	dns_rrset_free(&s);
}

static void
test_mx_txt_ns_soa_aaaa(void **st)
{
	struct m m;
	struct dns_rrset s;
	char err[128];
	size_t at;

	(void)st;
	head(&m, "t.test", DNS_T_TXT, 1);
	u16(&m, 0xc00c);
	at = rr(&m, DNS_T_TXT);
	u8(&m, 3), u8(&m, 'a'), u8(&m, 'b'), u8(&m, 'c');
	u8(&m, 2), u8(&m, 0x01), u8(&m, '\\');
	patch(&m, at);
	assert_int_equal(
	    dns_answer_parse(m.b, m.len, "t.test", DNS_T_TXT, &s, err, sizeof(err)), 0);
	assert_string_equal(s.v[0], "abc\\001\\092");
	dns_rrset_free(&s);

	head(&m, "t.test", DNS_T_MX, 1);
	u16(&m, 0xc00c);
	at = rr(&m, DNS_T_MX);
	u16(&m, 10);
	name(&m, "mx.t.test");
	patch(&m, at);
	assert_int_equal(
	    dns_answer_parse(m.b, m.len, "t.test", DNS_T_MX, &s, err, sizeof(err)), 0);
	assert_string_equal(s.v[0], "10 mx.t.test");
	dns_rrset_free(&s);

	head(&m, "t.test", DNS_T_SOA, 1);
	u16(&m, 0xc00c);
	at = rr(&m, DNS_T_SOA);
	name(&m, "ns.t.test");
	name(&m, "root.t.test");
	u32(&m, 2026120201), u32(&m, 1), u32(&m, 2), u32(&m, 3), u32(&m, 4);
	patch(&m, at);
	assert_int_equal(
	    dns_answer_parse(m.b, m.len, "t.test", DNS_T_SOA, &s, err, sizeof(err)), 0);
	assert_string_equal(s.v[0], "ns.t.test root.t.test 2026120201 1 2 3 4");
	dns_rrset_free(&s);

	head(&m, "t.test", DNS_T_AAAA, 1);
	u16(&m, 0xc00c);
	at = rr(&m, DNS_T_AAAA);
	u16(&m, 0x2001), u16(&m, 0xdb8);
	for (int i = 0; i < 5; i++)
		u16(&m, 0);
	u16(&m, 1);
	patch(&m, at);
	assert_int_equal(
	    dns_answer_parse(m.b, m.len, "t.test", DNS_T_AAAA, &s, err, sizeof(err)),
	    0);
	assert_string_equal(s.v[0], "2001:db8::1");
	dns_rrset_free(&s);
}

static void
test_malformed(void **st)
{
	struct m m;
	struct dns_rrset s;
	char err[128];

	(void)st;
	/* a record whose data runs past the end */
	head(&m, "w.test", DNS_T_A, 1);
	u16(&m, 0xc00c);
	u16(&m, DNS_T_A), u16(&m, 1), u32(&m, 60), u16(&m, 40);
	u8(&m, 1);
	assert_int_equal(
	    dns_answer_parse(m.b, m.len, "w.test", DNS_T_A, &s, err, sizeof(err)), -1);
	/* a compression pointer to itself */
	head(&m, "w.test", DNS_T_A, 1);
	u16(&m, (unsigned)(0xc000 | m.len));
	assert_int_equal(
	    dns_answer_parse(m.b, m.len, "w.test", DNS_T_A, &s, err, sizeof(err)), -1);
	/* shorter than a header, and an A record of 3 bytes */
	assert_int_equal(
	    dns_answer_parse(m.b, 5, "w.test", DNS_T_A, &s, err, sizeof(err)), -1);
	head(&m, "w.test", DNS_T_A, 1);
	u16(&m, 0xc00c);
	u16(&m, DNS_T_A), u16(&m, 1), u32(&m, 60), u16(&m, 3);
	u8(&m, 1), u8(&m, 2), u8(&m, 3);
	assert_int_equal(
	    dns_answer_parse(m.b, m.len, "w.test", DNS_T_A, &s, err, sizeof(err)), -1);
	assert_string_equal(err, "malformed A record");
}

static void
test_expect(void **st)
{
	(void)st;
	assert_true(dns_expect_match(DNS_T_AAAA, "2001:DB8:0:0::1", "2001:db8::1"));
	assert_false(dns_expect_match(DNS_T_AAAA, "2001:db8::2", "2001:db8::1"));
	assert_true(dns_expect_match(DNS_T_A, "192.0.2.1", "192.0.2.1"));
	assert_false(dns_expect_match(DNS_T_A, "192.0.2.10", "192.0.2.1"));
	assert_true(
	    dns_expect_match(DNS_T_CNAME, "WWW.Example.com.", "www.example.com"));
	assert_false(
	    dns_expect_match(DNS_T_CNAME, "www.example.co", "www.example.com"));
	assert_true(dns_expect_match(DNS_T_MX, "mx.example.com", "10 mx.example.com"));
	assert_true(
	    dns_expect_match(DNS_T_MX, "10 mx.example.com.", "10 mx.example.com"));
	assert_false(
	    dns_expect_match(DNS_T_MX, "20 mx.example.com", "10 mx.example.com"));
	assert_true(dns_expect_match(DNS_T_TXT, "spf1", "v=spf1 -all"));
	assert_false(dns_expect_match(DNS_T_TXT, "spf2", "v=spf1 -all"));
	assert_true(dns_expect_match(DNS_T_SOA, "ns.t.test.", "ns.t.test r 1 2 3 4 5"));
	assert_false(
	    dns_expect_match(DNS_T_SOA, "ns2.t.test", "ns.t.test r 1 2 3 4 5"));
	assert_int_equal(dns_type_parse("MX"), DNS_T_MX);
	assert_int_equal(dns_type_parse("PTR"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_a_with_compression_and_other_owners),
	    cmocka_unit_test(test_cname_chain_compressed),
	    cmocka_unit_test(test_cname_loop_and_no_data),
	    cmocka_unit_test(test_mx_txt_ns_soa_aaaa),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_expect),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
