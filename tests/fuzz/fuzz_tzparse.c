/*
 * fuzz_tzparse.c - tz_parse on arbitrary strings in Europe/Oslo, with and
 * without epoch seconds; what it accepts must print and parse back.
 */
#include "fuzz.h"

#include <stdbool.h>
#include <time.h>

#include "tz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	char *s = fuzz_str(data, size);
	char buf[TZ_RFC3339_LEN];
	time_t t, back;
	bool date_only;

	if (!init) {
		if (tz_set("Europe/Oslo") == -1)
			abort();
		init = 1;
	}
	for (int flags = 0; flags <= TZ_PARSE_ALLOW_EPOCH; flags++) {
		enum tz_parse_result r = tz_parse(s, flags, &t, &date_only);

		if (tz_parse_strerror(r) == NULL)
			abort();
		if (r != TZ_PARSE_OK)
			continue;
		if (tz_rfc3339(t, buf, sizeof(buf)) == NULL)
			continue;	/* out of what RFC 3339 can print */
		if (tz_parse(buf, 0, &back, NULL) != TZ_PARSE_OK || back != t) {
			fprintf(stderr, "\"%s\" -> %lld -> \"%s\" does not parse back\n", s,
			    (long long)t, buf);
			abort();
		}
		tz_local_str(t, buf, sizeof(buf));
	}
	free(s);
	return 0;
}
