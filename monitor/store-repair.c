/*
 * store-repair.c - a target's RRD file that cannot be used, handled for
 * that target alone: the others are not affected, and the target itself
 * goes on being probed and journaled while its steps wait in the queue.
 *
 * - A file that cannot be created (a full disk) is named plainly: librrd
 *   often reports no reason at all then. It is tried again with the queue.
 * - A file that is not an RRD file (no "RRD" cookie: overwritten, zeroed,
 *   truncated to nothing) is moved aside to <file>.corrupt-<UTC time> and
 *   a new one is made; what it held is unreadable anyway, and the bytes are
 *   kept for whoever wants to look. A real RRD file with another layout is
 *   data and is never moved (store_file_info says how to start anew).
 * - A file deleted while the monitor runs is made again at the next write.
 * A new file begins at the first step still queued: steps before it (the
 * lost file's) read as unknown.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <rrd.h>

#include "log.h"
#include "rrdlayout.h"
#include "store-int.h"
#include "store.h"

/* What a new file needs: its rows (files are made at full size), in bytes. */
static long long
file_room(const struct store *s)
{
	struct rrdlayout_params p;
	struct rrdlayout_rra r[RRDLAYOUT_MAX];
	long long rows = 0;
	int n;

	rrdlayout_defaults(&p, s->granularity);
	if ((n = rrdlayout_make(&p, r)) < 0)
		return 0;
	for (int i = 0; i < n; i++)
		rows += r[i].rows;
	return rows * STORE_NDS * 8;
}

void
store_create_failed(struct store *s, struct store_target *t, int err)
{
	const char *why = rrd_get_error();
	char buf[256];
	struct statvfs vs;

	long long room = file_room(s);

	if (err == ENOSPC || err == EDQUOT ||
	    (!s->remote && statvfs(s->dir, &vs) == 0 &&
		(long long)vs.f_bavail * (long long)vs.f_frsize < room)) {
		snprintf(buf, sizeof(buf), "%s (the file needs about %lld kB)",
		    strerror(err == EDQUOT ? EDQUOT : ENOSPC), room / 1024);
		why = buf;
	} else if (why == NULL || *why == '\0')
		why = err != 0 ? strerror(err) : "unknown librrd error";
	if (t->fail_logged)
		return;
	t->fail_logged = true;
	log_warnx("store: %s: cannot create %s: %s; the target is still probed and "
		  "journaled, and its steps are kept until the file can be made",
	    t->name, t->path, why);
}

bool
store_moved_corrupt(struct store *s, struct store_target *t)
{
	char cookie[4] = {0}, aside[4200], stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	ssize_t n;
	int fd;

	(void)s;
	if ((fd = open(t->path, O_RDONLY | O_CLOEXEC)) == -1)
		return false; /* unreadable is not corrupt: never moved */
	n = read(fd, cookie, sizeof(cookie));
	close(fd);
	if (n == -1 || (n == (ssize_t)sizeof(cookie) && memcmp(cookie, "RRD", 4) == 0))
		return false;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(aside, sizeof(aside), "%s.corrupt-%s", t->path, stamp);
	/* never over an earlier one of the same second */
	for (int k = 1; access(aside, F_OK) == 0 && k < 1000; k++)
		snprintf(aside, sizeof(aside), "%s.corrupt-%s.%d", t->path, stamp, k);
	if (rename(t->path, aside) == -1) {
		log_warn("store: %s: %s is not an RRD file and cannot be moved aside",
		    t->name, t->path);
		return false;
	}
	log_warnx("store: %s: %s is not an RRD file (no RRD header); moved aside "
		  "to %s, and a new file is made",
	    t->name, t->path, aside);
	return true;
}

/*
 * Make t's file usable for its queue: 1 when something was made anew, 0
 * when the file is there and nothing is wrong with it that this can tell,
 * -1 when it still cannot be had.
 */
int
store_repair(struct store *s, struct store_target *t)
{
	time_t first = t->q.head < t->q.len ? t->q.v[t->q.head].first : t->last;
	struct store_info fi;
	struct stat st;
	bool exists;

	if (s->remote)
		exists = store_daemon_flush(s, t, true) == 0;
	else {
		exists = stat(t->path, &st) == 0;
		if (!exists && errno != ENOENT)
			return -1;
		if (exists && store_moved_corrupt(s, t))
			exists = false;
		else if (!exists && !t->broken)
			log_warnx("store: %s: %s is gone (deleted while running?); a "
				  "new one is made from the step ending %lld",
			    t->name, t->path, (long long)first);
	}
	if (exists && !t->broken)
		return 0;
	if (!exists && store_file_create(s, t, first - STORE_STEP) == -1) {
		t->broken = true;
		return -1;
	}
	if (store_file_info(s, t, &fi) == -1) {
		t->broken = true;
		return -1;
	}
	t->nds = fi.nds;
	if (t->broken || t->fail_logged)
		log_info("store: %s: %s is usable again; the steps kept meanwhile "
			 "are written",
		    t->name, t->path);
	t->broken = false;
	t->fail_logged = false;
	return 1;
}
