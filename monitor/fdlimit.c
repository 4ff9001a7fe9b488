/*
 * fdlimit.c - the descriptor budget of `slamon run`.
 *
 * A systemd service starts with a soft limit of 1024 open files, and a
 * status page reachable from the internet can be made to hold that many
 * connections: probes then fail with EMFILE. The soft limit goes up to the
 * hard one (usually 512K under systemd), and the HTTP server gets only what
 * is left after a reserve for probing: the probes that may run at once
 * (slamon.max_inflight), three descriptors each.
 * What is still short is the monitor's own fault (probe_local), never the
 * target's.
 */
#include <sys/resource.h>

#include <dirent.h>
#include <errno.h>
#include <string.h>

#include "fdlimit.h"
#include "log.h"

long
fdlimit_raise(void)
{
	struct rlimit rl;
	rlim_t was;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("getrlimit(RLIMIT_NOFILE)");
		return 1024;
	}
	was = rl.rlim_cur;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
			log_warn("setrlimit(RLIMIT_NOFILE, %llu)",
			    (unsigned long long)rl.rlim_max);
			rl.rlim_cur = was;
		}
	}
	if (rl.rlim_cur != was)
		log_info("open files: soft limit raised from %llu to %llu (the hard "
			 "limit)",
		    (unsigned long long)was, (unsigned long long)rl.rlim_cur);
	else
		log_info("open files: limit %llu (soft = hard)",
		    (unsigned long long)rl.rlim_cur);
	return rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (rlim_t)1 << 30
	    ? 1L << 30
	    : (long)rl.rlim_cur;
}

long
fdlimit_open_now(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	long n = 0;

	if (d == NULL)
		return FDLIMIT_BASE;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n > 0 ? n - 1 : 0; /* not the directory's own */
}

long
fdlimit_http_budget(long limit, long open, size_t nprobes)
{
	long reserve = FDLIMIT_BASE + FDLIMIT_PER_PROBE * (long)nprobes;
	long left = limit - open - reserve;

	return left > FDLIMIT_MIN_HTTP ? left : FDLIMIT_MIN_HTTP;
}
