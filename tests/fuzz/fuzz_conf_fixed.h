/*
 * fuzz_conf_fixed.h - the configuration the replay and journal harnesses
 * read their input against: two targets, one window, state in the
 * private temporary directory.
 */
#ifndef SLAMON_FUZZ_CONF_FIXED_H
#define SLAMON_FUZZ_CONF_FIXED_H

#include "conf.h"
#include "fuzz.h"

static struct conf *
fuzz_conf(void)
{
	static const char fmt[] =
	    "slamon: { state_dir = \"%s/state\"; timezone = \"Europe/Oslo\"; listen = \"\"; };\n"
	    "targets = (\n"
	    "  { name = \"crm-web\"; component = \"CRM application\"; type = \"http\";\n"
	    "    url = \"http://127.0.0.1:1/login\"; groups = [\"canary\"]; },\n"
	    "  { name = \"crm-api\"; component = \"CRM application\"; type = \"tcp\";\n"
	    "    host = \"127.0.0.1\"; port = 1; alert_after = 0; }\n"
	    ");\n"
	    "maintenance: { min_notice = 86400; windows = (\n"
	    "  { name = \"system\"; rrule = \"FREQ=WEEKLY;INTERVAL=2;BYDAY=FR\";\n"
	    "    first = \"2026-01-02 00:00\"; duration = 21600; published = \"2025-12-01 00:00\"; },\n"
	    "  { name = \"ad-hoc\"; requires_announcement = true; }\n"
	    "); };\n";
	char text[4096], err[1024];
	struct conf *c;
	int n = snprintf(text, sizeof(text), fmt, fuzz_tmpdir());

	if ((c = conf_load(fuzz_write("fixed.conf", (const uint8_t *)text, n), err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz_conf: %s\n", err);
		abort();
	}
	return c;
}

#endif
