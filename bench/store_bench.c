/*
 * store_bench.c - RRD updates per second through store.c: written directly
 * with librrd, and through an rrdcached of its own on a unix socket in a
 * temporary folder. One update is one target's 60 s step, as in `slamon run`.
 *
 *   build/bench/store_bench [targets [steps]]     (default 100 targets, 300 steps)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../monitor/log.h"
#include "../monitor/store.h"

#define T0 1769904000L /* 2026-02-01 00:00 UTC */

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static pid_t
rrdcached_start(const char *dir, const char *state)
{
	char listen[400], base[400], pidf[400], journal[400], sock[200];
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int i, fd;
	pid_t pid;

	snprintf(sock, sizeof(sock), "%.150s/sock", dir);
	snprintf(listen, sizeof(listen), "unix:%s", sock);
	snprintf(base, sizeof(base), "%.300s/rrd", state);
	snprintf(pidf, sizeof(pidf), "%s/pid", dir);
	snprintf(journal, sizeof(journal), "%s/journal", dir);
	mkdir(state, 0755);
	mkdir(base, 0755);
	mkdir(journal, 0755);
	if ((pid = fork()) == 0) {
		execlp("rrdcached", "rrdcached", "-g", "-l", listen, "-b", base, "-B",
		    "-p", pidf, "-j", journal, "-F", "-w", "300", "-z", "60",
		    (char *)NULL);
		_exit(127);
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%.100s", sock);
	for (i = 0; i < 1000; i++) {
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			close(fd);
			return pid;
		}
		close(fd);
		usleep(10000);
	}
	fatalx("rrdcached did not start");
}

static void
run(const char *label, const char *dir, const char *daemon, int ntargets,
    int nsteps)
{
	char state[300], name[32], err[256];
	struct store *s;
	double t0, t1, t2, t3;
	int i, k;

	snprintf(state, sizeof(state), "%s/%s", dir, label);
	if ((s = store_open(state, daemon, 3600, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	t0 = now();
	for (i = 0; i < ntargets; i++) {
		snprintf(name, sizeof(name), "t%04d", i);
		if (store_ensure(s, name, T0 + 60) == -1)
			fatalx("ensure %s", name);
	}
	t1 = now();
	for (k = 1; k <= nsteps; k++)
		for (i = 0; i < ntargets; i++) {
			snprintf(name, sizeof(name), "t%04d", i);
			if (store_update(s, name, T0 + k * 60L, k % 7 ? 60 : 45,
			    k % 7 ? 0 : 15, 0, 10.0 + k % 13) == -1)
				fatalx("update %s", name);
		}
	t2 = now();
	if (store_pending(s) != 0)
		fatalx("%zu steps pending", store_pending(s));
	store_close(s);
	t3 = now();
	printf("%-10s %6d files %8.0f creates/s %9.0f updates/s (%d updates in "
	    "%.2f s); close+flush %.2f s\n", label, ntargets, ntargets / (t1 - t0),
	    ntargets * (double)nsteps / (t2 - t1), ntargets * nsteps, t2 - t1,
	    t3 - t2);
}

/* A month without data written as explicit zeros, one store_fill a target. */
static void
run_fill(const char *dir, int ntargets)
{
	char state[300], name[32], err[256];
	struct store *s;
	double t0, t1;
	int i;

	snprintf(state, sizeof(state), "%s/fill", dir);
	if ((s = store_open(state, NULL, 3600, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	for (i = 0; i < ntargets; i++) {
		snprintf(name, sizeof(name), "t%04d", i);
		store_ensure(s, name, T0 + 60);
	}
	t0 = now();
	for (i = 0; i < ntargets; i++) {
		snprintf(name, sizeof(name), "t%04d", i);
		if (store_fill(s, name, T0 + 30 * 86400L, 0, 0, 0) == -1)
			fatalx("fill %s", name);
	}
	t1 = now();
	store_close(s);
	printf("%-10s %6d files %9.0f steps/s (30 days of zeros a file in %.2f s)\n",
	    "fill", ntargets, ntargets * 30.0 * 1440 / (t1 - t0), t1 - t0);
}

int
main(int argc, char **argv)
{
	int ntargets = argc > 1 ? atoi(argv[1]) : 100;
	int nsteps = argc > 2 ? atoi(argv[2]) : 300;
	char dir[] = "/tmp/slamon-bench-XXXXXX", daemon[300], state[300], cmd[300];
	pid_t pid;
	int status;

	log_init(0, 0);
	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp");
	run("direct", dir, NULL, ntargets, nsteps);
	snprintf(state, sizeof(state), "%s/rrdcached", dir);
	pid = rrdcached_start(dir, state);
	snprintf(daemon, sizeof(daemon), "unix:%s/sock", dir);
	run("rrdcached", dir, daemon, ntargets, nsteps);
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	run_fill(dir, ntargets > 20 ? 20 : ntargets);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}
