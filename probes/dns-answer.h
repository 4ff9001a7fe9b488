/* dns-answer.h - the records a DNS answer gives for a question, as text,
 * with the CNAME chain that led to them (pure; unit-tested). */
#ifndef SLAMON_DNS_ANSWER_H
#define SLAMON_DNS_ANSWER_H

#include <stdbool.h>
#include <stddef.h>

enum dns_type {
	DNS_T_A = 1,
	DNS_T_NS = 2,
	DNS_T_CNAME = 5,
	DNS_T_SOA = 6,
	DNS_T_MX = 15,
	DNS_T_TXT = 16,
	DNS_T_AAAA = 28,
};

#define DNS_MAXCHAIN 16

struct dns_rrset {
	char chain[DNS_MAXCHAIN][256]; /* the names CNAMEs led to, in order */
	int nchain;
	char **v; /* the records of the asked type at the chain's end */
	size_t n;
};

/* The type's number for "A", "AAAA", ...; 0 for an unknown name. */
int dns_type_parse(const char *);
const char *dns_type_name(int);
/*
 * Read the answer section of message m (len bytes) to question (qname,
 * qtype): follow CNAMEs from qname (not when qtype is CNAME) and keep the
 * records of qtype owned by the last name, as text: A and AAAA as
 * addresses, CNAME and NS as names, MX as "PREF HOST", TXT as its strings
 * joined (bytes outside printable ASCII as \DDD), SOA as "MNAME RNAME SERIAL
 * REFRESH RETRY EXPIRE MINIMUM". Names have no trailing dot. -1 with a
 * reason in err on a malformed message or a CNAME loop.
 */
int dns_answer_parse(const unsigned char *m, size_t len, const char *qname, int qtype,
    struct dns_rrset *out, char *err, size_t errlen);
void dns_rrset_free(struct dns_rrset *);
/*
 * Whether a record (as dns_answer_parse writes it) is what expect asks
 * for: the same address (A, AAAA); the same name, case and a trailing dot
 * aside (CNAME, NS, and the host of MX or the primary server of SOA, or the
 * whole text); text contained in the record (TXT).
 */
bool dns_expect_match(int qtype, const char *expect, const char *got);

#endif
