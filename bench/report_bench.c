/*
 * report_bench.c - the monthly report of 10,000 targets from their RRD
 * files and the journal, for two months:
 *  - "recent": March 2026 in Europe/Oslo (743 h). One target's file is
 *    written through the store API (March up, 30 min down on the 10th, up
 *    again to 1 Apr 01:00), so the month is read from the hourly archive and
 *    its last two days from the one-minute archive: two fetches a target.
 *  - "old": January 2025 in Asia/Kolkata (+5:30), with data to 1 Apr 2026
 *    01:00, 455 days later: beyond the 400 days of the hourly archives, so
 *    the month comes from the ten-year archive at the zone's 30-minute
 *    granularity (the annual SLA review). January up but 30 min down on the
 *    10th; from February on explicit zeros (the monitor away).
 * Each file is copied to n - 1 more distinct files, sparsely: a 4 KB block
 * holding only zeros and unknown (NaN) values is left as a hole, which
 * reads as zeros. For up_s, down_s and maint_s that is exact where they
 * are zeros (the monitor away); the unknown values are latencies, which the
 * report does not read, and rows beyond the data, which no report of these
 * months reads (the figures checked below would show it otherwise). A full
 * copy would cost 3.4 MB (Oslo) or 6.6 MB (Kolkata) a target: 34 or 66 GB.
 * Measured: report_build() alone, and `slamon report --month M --json` as a
 * process (configuration, calendar, report, JSON out).
 *
 * Usage (from the source root, after make): build/bench/report_bench [N]
 * [slamon binary] [recent|old|both]. Needs about 0.2 MB (recent) and
 * 0.8 MB (old) of /tmp a target while it runs; removed at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../monitor/calendar.h"
#include "../monitor/conf.h"
#include "../monitor/report.h"
#include "../monitor/store.h"
#include "../monitor/tz.h"

#define BLOCK 4096

struct scenario {
	const char *name;
	const char *zone;
	long granularity; /* of the zone's offsets: the file's layout */
	const char *month;
	const char *from;     /* local: the first step */
	const char *down;     /* local: 30 minutes down from here */
	const char *up_until; /* local: up to here, then zeros */
	const char *until;    /* local: the end of the data */
	long want_up, want_down;
};

static const struct scenario scenarios[] = {
    {"recent", "Europe/Oslo", 3600, "2026-03", "2026-03-01 00:00", "2026-03-10 10:00",
	"2026-04-01 01:00", "2026-04-01 01:00", 2673000, 1800},
    {"old", "Asia/Kolkata", 1800, "2025-01", "2025-01-01 00:00", "2025-01-10 10:00",
	"2025-02-01 00:00", "2026-04-01 01:00", 2676600, 1800},
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A block of only zeros and unknown (NaN) values: a hole, read as zeros. */
/* CPU seconds (user + system) of this process, or of its waited-for children. */
static double
cpu_s(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int
hole(const char *b, size_t len)
{
	double d;

	if (len % sizeof(d) != 0)
		return 0;
	for (size_t i = 0; i < len; i += sizeof(d)) {
		memcpy(&d, b + i, sizeof(d));
		if (!isnan(d) && d != 0)
			return 0;
	}
	return 1;
}

/* Write buf to path, leaving holes for its blocks of zeros or NaN; bytes on disk. */
static long
sparse_copy(const char *path, const char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	size_t off, n;
	struct stat sb;

	if (fd == -1) {
		perror(path);
		return -1;
	}
	for (off = 0; off < len; off += n) {
		n = len - off < BLOCK ? len - off : BLOCK;
		if (n == BLOCK && hole(buf + off, n))
			continue;
		if (pwrite(fd, buf + off, n, (off_t)off) != (ssize_t)n) {
			perror(path);
			close(fd);
			return -1;
		}
	}
	if (ftruncate(fd, (off_t)len) == -1 || fstat(fd, &sb) == -1) {
		perror(path);
		close(fd);
		return -1;
	}
	close(fd);
	return (long)sb.st_blocks * 512;
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

static void
result(const char *metric, const char *value, const char *goal)
{
	const char *path = getenv("BENCH_RESULTS");
	FILE *f;

	if (path == NULL || (f = fopen(path, "a")) == NULL)
		return;
	fprintf(f, "report\t%s\t%s\t%s\n", metric, value, goal);
	fclose(f);
}

static time_t
local(const char *s)
{
	time_t t;

	if (tz_parse(s, 0, &t, NULL) != TZ_PARSE_OK) {
		fprintf(stderr, "bad time %s\n", s);
		exit(1);
	}
	return t;
}

static int
run(const struct scenario *sc, long n, const char *bin)
{
	char dir[] = "/tmp/slamon-report-bench-XXXXXX";
	char path[4096], tpl[4096], err[1024], cmd[8192], a[TZ_RFC3339_LEN],
	    b[TZ_RFC3339_LEN], what[128], val[64];
	struct report_filter filt = {NULL, NULL};
	struct report rep;
	struct calendar *cal;
	struct store *st;
	struct conf *c;
	time_t start, end, down;
	long disk = 0, d;
	char *buf;
	size_t len;
	double t0, t1, t2, t3, c1, c2;
	FILE *f;
	int rc;

	memset(&rep, 0, sizeof(rep));
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	/* the configuration: n targets in n/100 components, a real calendar */
	snprintf(path, sizeof(path), "%s/slamon.conf", dir);
	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		return 1;
	}
	fprintf(f,
	    "slamon: { state_dir = \"%s/state\"; timezone = \"%s\"; "
	    "listen = \"\"; };\ndefaults: { interval = 60; slo = 99.9; };\ntargets = (\n",
	    dir, sc->zone);
	for (long i = 0; i < n; i++)
		fprintf(f,
		    "  { name = \"t%05ld\"; component = \"c%03ld\"; type = \"tcp\"; "
		    "host = \"127.0.0.1\"; port = 9; }%s\n",
		    i, i / 100, i + 1 < n ? "," : "");
	fprintf(f,
	    ");\nmaintenance: { windows = (\n"
	    "  { name = \"system\"; rrule = \"FREQ=WEEKLY;INTERVAL=2;BYDAY=FR\"; "
	    "first = \"2026-01-02 00:00\"; duration = 21600; published = \"2025-12-01 "
	    "00:00\"; },\n"
	    "  { name = \"infrastructure\"; rrule = \"FREQ=WEEKLY;BYDAY=SA\"; "
	    "first = \"2026-01-03 20:00\"; duration = 36000; requires_announcement = "
	    "true; }\n"
	    "); announcements = (\n"
	    "  { window = \"infrastructure\"; start = \"2026-03-14 20:00\"; "
	    "end = \"2026-03-15 06:00\"; announced_at = \"2026-03-01 09:00\"; }\n); };\n");
	fclose(f);
	if ((c = conf_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (report_month_bounds(sc->month, &start, &end, rep.label, sizeof(rep.label)) ==
	    -1)
		return 1;

	/* one file written through the store, then copied */
	t0 = now_s();
	if ((st = store_open(c->state_dir, "", sc->granularity, err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	down = local(sc->down);
	if (store_ensure(st, "t00000", local(sc->from) + 60) == -1 ||
	    store_fill(st, "t00000", down, 60, 0, 0) == -1 ||
	    store_fill(st, "t00000", down + 1800, 0, 60, 0) == -1 ||
	    store_fill(st, "t00000", local(sc->up_until), 60, 0, 0) == -1 ||
	    store_fill(st, "t00000", local(sc->until), 0, 0, 0) == -1)
		return 1;
	store_close(st);
	snprintf(tpl, sizeof(tpl), "%s/state/rrd/t00000.rrd", dir);
	buf = read_all(tpl, &len);
	for (long i = 1; i < n; i++) {
		snprintf(path, sizeof(path), "%s/state/rrd/t%05ld.rrd", dir, i);
		if ((d = sparse_copy(path, buf, len)) == -1)
			return 1;
		disk += d;
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
		fprintf(f,
		    "{\"time\":\"%s\",\"event\":\"outage_start\",\"target\":"
		    "\"t%05ld\",\"start\":\"%s\"}\n",
		    a, i, a);
		fprintf(f,
		    "{\"time\":\"%s\",\"event\":\"outage_end\",\"target\":\"t%05ld\","
		    "\"start\":\"%s\",\"end\":\"%s\",\"down_s\":1800,\"unplanned_s\":1800,"
		    "\"maintenance_s\":0,\"unknown_s\":0}\n",
		    b, i, a, b);
	}
	fclose(f);
	t1 = now_s();
	printf("%s (%s %s): setup: %ld files of %zu bytes (%ld on disk a copy) and %ld "
	       "journal lines in %.1f s\n",
	    sc->name, sc->month, sc->zone, n, len, n > 1 ? disk / (n - 1) : 0, 2 * n,
	    t1 - t0);

	/* measured: the report itself, from a fresh store (nothing cached in it) */
	t1 = now_s();
	c1 = cpu_s(RUSAGE_SELF);
	if ((cal = calendar_load(c, err, sizeof(err))) == NULL ||
	    (st = store_open(c->state_dir, "", sc->granularity, err, sizeof(err))) ==
		NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	rep.month = true;
	if (report_build(&rep, c, cal, st, start, end, local(sc->until) + 86400, &filt,
		err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	t2 = now_s();
	c2 = cpu_s(RUSAGE_SELF);
	printf("%s: report_build: %zu targets, %zu components, consistent %s, "
	       "t00000 up %ld down %ld maint %ld unknown %ld: %.2f s (%.0f us a "
	       "target), %.2f s of CPU\n",
	    sc->name, rep.ntargets, rep.ncomponents, rep.consistent ? "yes" : "NO",
	    rep.targets[0].up_s, rep.targets[0].down_s, rep.targets[0].maintenance_s,
	    rep.targets[0].unknown_s, t2 - t1, 1e6 * (t2 - t1) / (double)n, c2 - c1);
	rc = rep.consistent && rep.ntargets == (size_t)n &&
		rep.targets[0].up_s == sc->want_up &&
		rep.targets[n - 1].up_s == sc->want_up &&
		rep.targets[n - 1].down_s == sc->want_down
	    ? 0
	    : 1;
	if (rc)
		fprintf(stderr, "%s: WRONG FIGURES (want up %ld down %ld)\n", sc->name,
		    sc->want_up, sc->want_down);
	snprintf(what, sizeof(what), "report_build, %s month (%s %s), %ld targets",
	    sc->name, sc->month, sc->zone, n);
	snprintf(val, sizeof(val), "%.2f s (CPU %.2f s)", t2 - t1, c2 - c1);
	result(what, val, "< 5 s");
	report_free(&rep);
	store_close(st);
	calendar_free(cal);

	snprintf(cmd, sizeof(cmd),
	    "%s -c %s/slamon.conf report --month %s --json "
	    ">%s/report.json",
	    bin, dir, sc->month, dir);
	t2 = now_s();
	c1 = cpu_s(RUSAGE_CHILDREN);
	if (system(cmd) != 0) {
		fprintf(stderr, "failed: %s\n", cmd);
		rc = 1;
	}
	t3 = now_s();
	c2 = cpu_s(RUSAGE_CHILDREN);
	printf("%s: slamon report --month %s --json (process, %ld targets): %.2f s, "
	       "%.2f s of CPU\n",
	    sc->name, sc->month, n, t3 - t2, c2 - c1);
	snprintf(what, sizeof(what), "slamon report --month %s --json (%s), %ld targets",
	    sc->month, sc->zone, n);
	snprintf(val, sizeof(val), "%.2f s (CPU %.2f s)", t3 - t2, c2 - c1);
	result(what, val, "< 5 s");

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (getenv("REPORT_BENCH_KEEP"))
		printf("kept %s\n", dir);
	else if (system(cmd) != 0)
		rc = 1;
	conf_free(c);
	return rc;
}

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000;
	const char *bin = argc > 2 ? argv[2] : "build/slamon";
	const char *which = argc > 3 ? argv[3] : "both";
	int rc = 0;

	if (n < 1) {
		fprintf(stderr, "usage: report_bench [N] [slamon] [recent|old|both]\n");
		return 1;
	}
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (strcmp(which, "both") == 0 || strcmp(which, scenarios[i].name) == 0)
			rc |= run(&scenarios[i], n, bin);
	return rc;
}
