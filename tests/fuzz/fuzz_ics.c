/*
 * fuzz_ics.c - the iCalendar importer (ics_parse) on arbitrary text, then
 * the calendar built from what it accepted, expanded over a year.
 */
#include "fuzz.h"

#include <time.h>

#include "calendar.h"
#include "conf.h"
#include "ics.h"
#include "tz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conf conf = {.min_notice = 86400};
	static int init;
	struct ics_set set = {NULL, 0, NULL, 0};
	char *s = fuzz_str(data, size);
	char err[1024] = "";

	if (!init) {
		if (tz_set("Europe/Oslo") == -1)
			abort();
		init = 1;
	}
	if (ics_parse(s, "fuzz.ics", &set, err, sizeof(err)) == 0) {
		struct cal_extra x = {set.ann, set.nann, NULL, 0, set.w, set.nw};
		struct calendar *cal = calendar_new(&conf, &x, err, sizeof(err));

		if (cal != NULL) {
			struct cal_occ *occ = NULL;
			size_t n = 0;
			time_t from = 1767222000;	/* 2026-01-01 Europe/Oslo */

			if (calendar_expand(cal, from, from + 366 * 86400, &occ, &n) == 0)
				free(occ);
			free(ics_export(cal, from, from, from + 366 * 86400));
			calendar_free(cal);
		}
	} else if (strncmp(err, "fuzz.ics:", 9) != 0) {
		fprintf(stderr, "ics_parse failed without a FILE:LINE message: \"%s\"\n", err);
		abort();
	}
	ics_set_free(&set);
	free(s);
	return 0;
}
