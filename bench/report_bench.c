/*
 * report_bench.c - the monthly report of 10,000 targets (March 2026,
 * Europe/Oslo, 743 h) from their RRD files and the journal.
 *
 * Setup (not measured): one target's file is written through the store
 * API (March up, 30 min down on the 10th, up again to 1 Apr 01:00, so the
 * month is read from the hourly archive and its last two days from the
 * one-minute archive: two fetches a target, the worst case), then copied
 * to 9,999 more distinct files; the journal gets each target's outage.
 * Measured: report_build() alone, and `slamon report --month 2026-03
 * --json` as a process (configuration, calendar, report, JSON out).
 *
 * Usage (from the source root, after make): build/bench/report_bench [N]
 * [slamon binary]. Needs about 1 MB of /tmp a target; removed at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../monitor/calendar.h"
#include "../monitor/conf.h"
#include "../monitor/report.h"
#include "../monitor/store.h"
#include "../monitor/tz.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
copy_file(const char *from, const char *to, const char *buf, size_t len)
{
	int fd = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	(void)from;
	if (fd == -1 || write(fd, buf, len) != (ssize_t)len) {
		perror(to);
		if (fd != -1)
			close(fd);
		return -1;
	}
	return close(fd);
}

static char *
read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0) {
		perror(path);
		exit(1);
	}
	rewind(f);
	buf = malloc((size_t)n);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		exit(1);
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000;
	const char *bin = argc > 2 ? argv[2] : "build/slamon";
	char dir[] = "/tmp/slamon-report-bench-XXXXXX";
	char path[4096], tpl[4096], err[1024], cmd[8192], a[TZ_RFC3339_LEN],
	    b[TZ_RFC3339_LEN];
	struct report_filter filt = {NULL, NULL};
	struct report rep;
	struct calendar *cal;
	struct store *st;
	struct conf *c;
	time_t start, end, down;
	char *buf;
	size_t len;
	double t0, t1, t2, t3;
	FILE *f;
	int rc;

	if (n < 1 || mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	/* the configuration: n targets in n/100 components, a real calendar */
	snprintf(path, sizeof(path), "%s/slamon.conf", dir);
	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		return 1;
	}
	fprintf(f, "slamon: { state_dir = \"%s/state\"; timezone = \"Europe/Oslo\"; "
	    "listen = \"\"; };\ndefaults: { interval = 60; slo = 99.9; };\ntargets = (\n",
	    dir);
	for (long i = 0; i < n; i++)
		fprintf(f, "  { name = \"t%05ld\"; component = \"c%03ld\"; type = \"tcp\"; "
		    "host = \"127.0.0.1\"; port = 9; }%s\n", i, i / 100, i + 1 < n ? "," : "");
	fprintf(f, ");\nmaintenance: { windows = (\n"
	    "  { name = \"system\"; rrule = \"FREQ=WEEKLY;INTERVAL=2;BYDAY=FR\"; "
	    "first = \"2026-01-02 00:00\"; duration = 21600; published = \"2025-12-01 00:00\"; },\n"
	    "  { name = \"infrastructure\"; rrule = \"FREQ=WEEKLY;BYDAY=SA\"; "
	    "first = \"2026-01-03 20:00\"; duration = 36000; requires_announcement = true; }\n"
	    "); announcements = (\n"
	    "  { window = \"infrastructure\"; start = \"2026-03-14 20:00\"; "
	    "end = \"2026-03-15 06:00\"; announced_at = \"2026-03-01 09:00\"; }\n); };\n");
	fclose(f);
	if ((c = conf_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (report_month_bounds("2026-03", &start, &end, rep.label, sizeof(rep.label)) == -1)
		return 1;

	/* one file written through the store, then copied */
	t0 = now_s();
	if ((st = store_open(c->state_dir, "", 3600, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	tz_parse("2026-03-10 10:00", 0, &down, NULL);
	if (store_ensure(st, "t00000", start + 60) == -1 ||
	    store_fill(st, "t00000", down, 60, 0, 0) == -1 ||
	    store_fill(st, "t00000", down + 1800, 0, 60, 0) == -1 ||
	    store_fill(st, "t00000", end + 3600, 60, 0, 0) == -1)
		return 1;
	store_close(st);
	snprintf(tpl, sizeof(tpl), "%s/state/rrd/t00000.rrd", dir);
	buf = read_all(tpl, &len);
	for (long i = 1; i < n; i++) {
		snprintf(path, sizeof(path), "%s/state/rrd/t%05ld.rrd", dir, i);
		if (copy_file(tpl, path, buf, len) == -1)
			return 1;
	}
	free(buf);
	snprintf(path, sizeof(path), "%s/state/journal.jsonl", dir);
	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		return 1;
	}
	tz_rfc3339(down, a, sizeof(a));
	tz_rfc3339(down + 1800, b, sizeof(b));
	for (long i = 0; i < n; i++) {
		fprintf(f, "{\"time\":\"%s\",\"event\":\"outage_start\",\"target\":"
		    "\"t%05ld\",\"start\":\"%s\"}\n", a, i, a);
		fprintf(f, "{\"time\":\"%s\",\"event\":\"outage_end\",\"target\":\"t%05ld\","
		    "\"start\":\"%s\",\"end\":\"%s\",\"down_s\":1800,\"unplanned_s\":1800,"
		    "\"maintenance_s\":0,\"unknown_s\":0}\n", b, i, a, b);
	}
	fclose(f);
	t1 = now_s();
	printf("setup: %ld files of %zu bytes and %ld journal lines in %.1f s\n", n, len,
	    2 * n, t1 - t0);

	/* measured: the report itself, from a fresh store (nothing cached in it) */
	t1 = now_s();
	if ((cal = calendar_load(c, err, sizeof(err))) == NULL ||
	    (st = store_open(c->state_dir, "", 3600, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	rep.month = true;
	if (report_build(&rep, c, cal, st, start, end, end + 86400, &filt, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	t2 = now_s();
	printf("report_build: %zu targets, %zu components, consistent %s, "
	    "t00000 up %ld down %ld maint %ld unknown %ld: %.2f s (%.0f us a target)\n",
	    rep.ntargets, rep.ncomponents, rep.consistent ? "yes" : "NO",
	    rep.targets[0].up_s, rep.targets[0].down_s, rep.targets[0].maintenance_s,
	    rep.targets[0].unknown_s, t2 - t1, 1e6 * (t2 - t1) / (double)n);
	rc = rep.consistent && rep.ntargets == (size_t)n &&
	    rep.targets[n - 1].down_s == 1800 ? 0 : 1;
	report_free(&rep);
	store_close(st);
	calendar_free(cal);

	snprintf(cmd, sizeof(cmd), "%s -c %s/slamon.conf report --month 2026-03 --json "
	    ">%s/report.json", bin, dir, dir);
	t2 = now_s();
	if (system(cmd) != 0) {
		fprintf(stderr, "failed: %s\n", cmd);
		rc = 1;
	}
	t3 = now_s();
	printf("slamon report --month 2026-03 --json (process, %ld targets): %.2f s\n", n,
	    t3 - t2);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (getenv("REPORT_BENCH_KEEP"))
		printf("kept %s\n", dir);
	else if (system(cmd) != 0)
		rc = 1;
	conf_free(c);
	return rc;
}
