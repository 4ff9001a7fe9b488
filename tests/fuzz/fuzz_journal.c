/*
 * fuzz_journal.c - journal.jsonl as a crash or a hand edit may leave it,
 * through every reader: journal_read, engine_recover, calendar_load (the
 * announcements), report_build (outages of the month) and the incidents
 * of the HTTP API. Bad lines are warnings, never a crash.
 */
#include "fuzz.h"

#include <stdbool.h>

#include <event2/event.h>

#include "calendar.h"
#include "conf.h"
#include "engine.h"
#include "fuzz_conf_fixed.h"
#include "httpd-priv.h"
#include "journal.h"
#include "report.h"
#include "store.h"

#define NOW 1776000000	/* 2026-04-12 */

static void
record_cb(void *arg, json_t *rec, int line)
{
	(void)line;
	if (!json_is_object(rec))
		abort();
	(*(int *)arg)++;
}

static void
warn_cb(void *arg, const char *msg)
{
	(void)arg;
	if (msg == NULL)
		abort();
}

static time_t
fixed_now(void *arg)
{
	(void)arg;
	return NOW;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conf *c;
	static struct store *st;
	static struct event_base *base;
	static struct httpd *h;
	time_t open_outage[2], last;
	bool alerted[2];
	struct calendar *cal;
	char err[1024], dir[256];
	int n = 0, rc;

	if (c == NULL) {
		struct httpd_source src = {.conf = NULL, .now = fixed_now};

		c = fuzz_conf();
		if (mkdir_p(c->state_dir, 0755) == -1)
			abort();
		if ((st = store_open(c->state_dir, "", 3600, err, sizeof(err))) == NULL ||
		    (base = event_base_new()) == NULL)
			abort();
		src.conf = c;
		src.store = st;
		if ((h = httpd_new(base, "127.0.0.1:0", &src, err, sizeof(err))) == NULL) {
			fprintf(stderr, "httpd_new: %s\n", err);
			abort();
		}
	}
	snprintf(dir, sizeof(dir), "%s/journal.jsonl", c->state_dir);
	{
		FILE *f = fopen(dir, "w");

		if (f == NULL || (size && fwrite(data, 1, size, f) != size))
			abort();
		fclose(f);
	}
	rc = journal_read(c->state_dir, record_cb, warn_cb, &n);
	if (rc < 0 || rc != n)
		abort();
	if (engine_recover(c->state_dir, c, open_outage, alerted, &last) < 0)
		abort();
	if ((cal = calendar_load(c, err, sizeof(err))) != NULL) {
		struct report rep;
		time_t start, end;
		char label[64];

		if (report_month_bounds("2026-04", &start, &end, label, sizeof(label)) < 0)
			abort();
		memset(&rep, 0, sizeof(rep));
		if (report_build(&rep, c, cal, st, start, end, NOW, NULL, err,
		    sizeof(err)) == 0) {
			json_decref(report_json(&rep));
			report_free(&rep);
		}
		calendar_free(cal);
	}
	h->jread = false;
	json_decref(api_incidents(h, NOW, false));
	return 0;
}
