/*
 * probe_fork.c - a Nagios-style prober: fork and exec one plugin per probe
 * (check_http), CONC of them at a time, for SECONDS after WARMUP seconds.
 *
 * A probe counts as done when the child is reaped, as ok when it exits 0.
 * cpu_us is the CPU of the children reaped in the window (wait4 rusage:
 * user+system of the plugin, including its exec and dynamic loading) plus
 * this driver's own, since forking is part of the cost.
 *
 * Prints one line: done=N ok=N seconds=S cpu_us=U
 *
 * Usage: probe_fork CONC SECONDS WARMUP PROGRAM [ARGS...]
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
tv_us(const struct timeval *u, const struct timeval *s)
{
	return (u->tv_sec + s->tv_sec) * 1e6 + u->tv_usec + s->tv_usec;
}

int
main(int argc, char **argv)
{
	posix_spawn_file_actions_t fa;
	struct rusage ru;
	double secs, warm, t0, tw = 0, cpu = 0, self0 = 0;
	unsigned long done = 0, ok = 0;
	int conc, inflight = 0, counting = 0;

	if (argc < 5) {
		fprintf(stderr, "usage: %s CONC SECONDS WARMUP PROGRAM [ARGS...]\n",
		    argv[0]);
		return 2;
	}
	conc = atoi(argv[1]);
	secs = atof(argv[2]);
	warm = atof(argv[3]);
	if (conc < 1 || conc > 256 || secs <= 0 || secs > 600 || warm < 0 || warm > 60)
		return 2;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	t0 = mono();
	for (;;) {
		double now = mono();
		pid_t pid;
		int st;

		if (!counting && now >= t0 + warm) {
			counting = 1;
			tw = now;
			getrusage(RUSAGE_SELF, &ru);
			self0 = tv_us(&ru.ru_utime, &ru.ru_stime);
		}
		while (now < t0 + warm + secs && inflight < conc) {
			if (posix_spawn(&pid, argv[4], &fa, NULL, argv + 4, environ) != 0) {
				perror("posix_spawn");
				return 1;
			}
			inflight++;
		}
		if (inflight == 0)
			break;
		if ((pid = wait4(-1, &st, 0, &ru)) == -1)
			break;
		inflight--;
		/* children still running at the end are reaped, not counted */
		if (counting && mono() < t0 + warm + secs) {
			done++;
			if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
				ok++;
			cpu += tv_us(&ru.ru_utime, &ru.ru_stime);
		}
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("done=%lu ok=%lu seconds=%.3f cpu_us=%.0f\n", done, ok, secs,
	    cpu + tv_us(&ru.ru_utime, &ru.ru_stime) - self0);
	posix_spawn_file_actions_destroy(&fa);
	(void)tw;
	return 0;
}
