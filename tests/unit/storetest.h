/*
 * storetest.h - fixtures of the store tests: a temporary state_dir, a
 * month of known rows, an rrdcached of their own on a unix socket or on
 * 127.0.0.1, and a way to run rrdtool.
 */
#ifndef SLAMON_STORETEST_H
#define SLAMON_STORETEST_H

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include <rrd.h>

#include "store.h"

#define UNUSED __attribute__((unused))

struct fixture {
	char dir[64];
	char state[100];
	char buf[512];
	char daemon[320];
	int port;
	pid_t rrdcached;
	struct store *s;
};

static UNUSED struct fixture *
fixture_new(void)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/slamon-store-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		abort();
	snprintf(f->state, sizeof(f->state), "%s/state", f->dir);
	return f;
}

static UNUSED struct store *
fixture_store(struct fixture *f, const char *daemon, long granularity)
{
	char err[256] = "";

	store_close(f->s);
	f->s = store_open(f->state, daemon, granularity, err, sizeof(err));
	if (f->s == NULL) {
		fprintf(stderr, "store_open: %s\n", err);
		abort();
	}
	return f->s;
}

static UNUSED const char *
fixture_rrd(struct fixture *f, const char *target)
{
	snprintf(f->buf, sizeof(f->buf), "%s/rrd/%s.rrd", f->state, target);
	return f->buf;
}

static UNUSED char *
fixture_run(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	size_t len = 0, cap = 65536;
	char *out = malloc(cap);

	if (p == NULL)
		abort();
	while (!feof(p) && len < cap - 1)
		len += fread(out + len, 1, cap - 1 - len, p);
	out[len] = '\0';
	pclose(p);
	return out;
}

/* Sums of the three seconds over [from, to) read with librrd at a given row length. */
static UNUSED int
fixture_fetch_sum(struct fixture *f, const char *target, time_t from, time_t to,
    unsigned long len, double out[3])
{
	time_t start = from, end = to - (time_t)len, when;
	unsigned long step = len, nds, i, k;
	char **names;
	rrd_value_t *data;
	long rows;

	rrd_clear_error();
	if (rrd_fetch_r(fixture_rrd(f, target), "AVERAGE", &start, &end, &step, &nds,
		&names, &data) != 0 ||
	    step != len)
		return -1;
	out[0] = out[1] = out[2] = 0;
	rows = (long)((end - start) / (time_t)step);
	for (i = 0; i < (unsigned long)rows; i++) {
		when = start + (time_t)((i + 1) * step);
		if (when <= from || when > to)
			continue;
		for (k = 0; k < 3; k++)
			out[k] += data[i * nds + k] * (double)(len / 60);
	}
	for (k = 0; k < nds; k++)
		free(names[k]);
	free(names);
	free(data);
	for (k = 0; k < 3; k++)
		out[k] = round(out[k] * 1e6) / 1e6;
	return 0;
}

/* --- an rrdcached of the test's own ---------------------------------------- */

static UNUSED int
fixture_connectable(struct fixture *f)
{
	int fd, rc;

	if (f->port != 0) {
		struct sockaddr_in sin = {
		    .sin_family = AF_INET, .sin_port = htons((uint16_t)f->port)};

		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		rc = connect(fd, (struct sockaddr *)&sin, sizeof(sin));
	} else {
		struct sockaddr_un sun = {.sun_family = AF_UNIX};

		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/sock", f->dir);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	}
	close(fd);
	return rc == 0;
}

static UNUSED int
fixture_free_port(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0)
		abort();
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/* Start rrdcached (unix socket, or 127.0.0.1 when tcp) and wait until it answers. */
static UNUSED const char *
fixture_rrdcached_start(struct fixture *f, int tcp)
{
	char listen[300], base[320], pidf[300], journal[300];
	struct timespec ts = {0, 10 * 1000 * 1000};
	int i;

	snprintf(base, sizeof(base), "%s/rrd", f->state);
	snprintf(pidf, sizeof(pidf), "%s/rrdcached.pid", f->dir);
	snprintf(journal, sizeof(journal), "%s/journal", f->dir);
	mkdir(f->state, 0755);
	mkdir(base, 0755);
	mkdir(journal, 0755);
	if (tcp && f->port == 0)
		f->port = fixture_free_port();
	if (tcp)
		snprintf(listen, sizeof(listen), "127.0.0.1:%d", f->port);
	else
		snprintf(listen, sizeof(listen), "unix:%s/sock", f->dir);
	snprintf(f->daemon, sizeof(f->daemon), "%s", listen);
	if ((f->rrdcached = fork()) == 0) {
		int null = open("/dev/null", 0);

		dup2(null, 1);
		execlp("rrdcached", "rrdcached", "-g", "-l", listen, "-b", base, "-B",
		    "-p", pidf, "-j", journal, "-F", "-w", "3600", "-z", "1", "-f",
		    "7200", (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 1000; i++) {
		if (fixture_connectable(f))
			return f->daemon;
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "rrdcached did not start\n");
	abort();
}

static UNUSED void
fixture_rrdcached_stop(struct fixture *f, int sig)
{
	int status;

	if (f->rrdcached <= 0)
		return;
	kill(f->rrdcached, sig);
	waitpid(f->rrdcached, &status, 0);
	f->rrdcached = 0;
}

static UNUSED void
fixture_free(struct fixture *f)
{
	char cmd[300];

	store_close(f->s);
	fixture_rrdcached_stop(f, SIGKILL); /* SIGTERM costs a second */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "%s failed\n", cmd);
	free(f);
}

/* --- a month of known rows ------------------------------------------------- */

struct month {
	time_t start, last;
	long n;
	double (*v)[3];
};

static UNUSED void
month_init(struct month *m, time_t start, long n)
{
	m->start = m->last = start;
	m->n = n;
	m->v = calloc((size_t)n, sizeof(*m->v));
}

static UNUSED void
month_free(struct month *m)
{
	free(m->v);
}

static UNUSED void
month_set(struct month *m, time_t end, double up, double down, double maint)
{
	long i = (long)((end - m->start) / 60) - 1;

	if (i < 0 || i >= m->n)
		abort();
	m->v[i][0] = up;
	m->v[i][1] = down;
	m->v[i][2] = maint;
}

static UNUSED void
month_fill(struct store *s, struct month *m, const char *target, time_t to, double up,
    double down, double maint)
{
	if (store_fill(s, target, to, up, down, maint) != 0)
		abort();
	for (; m->last < to; m->last += 60)
		month_set(m, m->last + 60, up, down, maint);
}

static UNUSED void
month_put(struct store *s, struct month *m, const char *target, time_t end, double up,
    double down, double maint, double lat)
{
	if (store_update(s, target, end, up, down, maint, lat) != 0)
		abort();
	month_set(m, end, up, down, maint);
	m->last = end;
}

static UNUSED void
month_expect(const struct month *m, time_t from, time_t to, struct store_sums *out)
{
	long i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < m->n; i++) {
		time_t end = m->start + (i + 1) * 60;

		if (end <= from || end > to)
			continue;
		out->up_s += m->v[i][0];
		out->down_s += m->v[i][1];
		out->maint_s += m->v[i][2];
		out->steps++;
	}
}

#endif
