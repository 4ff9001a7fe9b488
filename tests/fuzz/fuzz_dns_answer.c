/*
 * fuzz_dns_answer.c - dns_answer_parse on arbitrary bytes, as a server (or
 * anything on the path) may send them: records or -1 with a reason, never
 * a crash, a leak or a hang. The first byte picks the question's type.
 */
#include "fuzz.h"

#include "dns-answer.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int types[] = {DNS_T_A, DNS_T_AAAA, DNS_T_CNAME, DNS_T_MX,
	    DNS_T_TXT, DNS_T_NS, DNS_T_SOA};
	struct dns_rrset s;
	char err[256] = "";
	int type;

	if (size < 1)
		return 0;
	type = types[data[0] % (sizeof(types) / sizeof(types[0]))];
	if (dns_answer_parse(data + 1, size - 1, "a.test", type, &s, err, sizeof(err)) ==
	    -1) {
		if (err[0] == '\0')
			abort(); /* every failure says why */
		return 0;
	}
	for (size_t i = 0; i < s.n; i++)
		(void)dns_expect_match(type, "a.test", s.v[i]);
	dns_rrset_free(&s);
	return 0;
}
