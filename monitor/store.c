/*
 * store.c - RRD files of up/down/maintenance seconds, direct or through
 * rrdcached.
 *
 * Writes. Every accepted step goes into the target's queue first, as runs
 * of equal rows (a month of explicit zeros is one entry), and the queue is
 * then written in order: with rrd_updatex_r, or with rrdc_update through
 * rrdcached with one reconnect and retry (collectd's rrdcached.c). While
 * rrdcached is away the queue keeps growing, up to a bound on entries that
 * is logged loudly when hit; nothing is dropped silently. Writing resumes on
 * the next update (at most once a second, so a dead daemon costs one failed
 * connect a second, not one per update) or on store_retry from a timer.
 * A step the file already has is skipped (RRD_SKIP_PAST_UPDATES directly;
 * rrdcached reports it and enqueues the rest): that is a step written just
 * before a failure was seen, or replayed from rrdcached's journal.
 *
 * Running rrdcached for slamon: the files are created by slamon before the
 * first update, directly for a unix socket (paths are absolute, the daemon
 * must be allowed to write them) and with rrdc_create over TCP (names are
 * sent relative, "<target>.rrd", resolved in the daemon's -b directory):
 *   rrdcached -l unix:/run/slamon/rrdcached.sock -b STATE_DIR/rrd -B \
 *     -j /var/lib/slamon/rrdcached-journal -F -w 300 -z 60
 * -j and -F make a restart of the daemon lose nothing; -B confines it to the
 * rrd directory. Readers ask rrdcached to flush a file before reading it.
 *
 * Every librrd call is bracketed by rrd_clear_error() and rrd_get_error().
 * librrd's rrdcached client keeps one connection per process (rrdc_*), so a
 * process has one store in rrdcached mode.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rrd.h>
#include <rrd_client.h>

#include "journal.h"
#include "log.h"
#include "rrdlayout.h"
#include "store.h"
#include "tz.h"

#define STORE_BATCH	 256  /* values a librrd call */
#define STORE_CMD_ROOM	 3072 /* bytes of values in one rrdcached command (4096 max) */
#define STORE_VALUE_LEN	 160
#define STORE_MAX_RRA	 16

static const char *const store_ds[] = {"up_s", "down_s", "maint_s", "latency_ms"};
#define STORE_NDS 4

struct store_run {		 /* steps first..last (ends), all the same row */
	time_t first, last;
	double v[STORE_NDS];
};

struct store_target {
	char *name;
	char *path;	     /* what librrd or rrdcached is given */
	time_t last;	     /* end of the last step written or queued */
	struct store_run *q; /* pending runs q[head..len) */
	size_t head, len, cap;
};

struct store {
	char *dir;	/* absolute state_dir/rrd */
	char *daemon;	/* rrdcached address, NULL when direct */
	bool remote;	/* rrdcached over TCP: no access to the files */
	long granularity;
	struct store_target **t; /* sorted by name */
	size_t nt;
	size_t runs, runs_max;	 /* queued runs, and their bound */
	struct timespec next_try;
	bool full_logged;
};

struct store_info {
	long step;
	time_t last;
	int nrra;
	struct {
		char cf[16];
		long steps, rows;
	} rra[STORE_MAX_RRA];
};

static const char *
rrd_err(void)
{
	const char *e = rrd_get_error();

	return e != NULL && *e != '\0' ? e : "unknown librrd error";
}

static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool
valid_target(const char *s)
{
	if (*s == '\0' || *s == '.' || strlen(s) > 200)
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ' ' || *s == '\\')
			return false;
	return true;
}

struct store *
store_open(const char *state_dir, const char *rrdcached, long tz_granularity,
    char *err, size_t errlen)
{
	struct rrdlayout_params p;
	struct rrdlayout_rra r[RRDLAYOUT_MAX];
	struct store *s;
	char *dir, real[PATH_MAX];

	rrdlayout_defaults(&p, tz_granularity);
	if (rrdlayout_make(&p, r) == -1) {
		snprintf(err, errlen, "time zone offsets granularity %lds: not a "
		    "divisor of an hour in whole minutes", tz_granularity);
		return NULL;
	}
	xasprintf(&dir, "%s/rrd", state_dir);
	if (mkdir_p(dir, 0755) == -1 || realpath(dir, real) == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		free(dir);
		return NULL;
	}
	free(dir);
	s = xcalloc(1, sizeof(*s));
	s->dir = xstrdup(real);
	s->granularity = tz_granularity;
	s->runs_max = STORE_PENDING_MAX;
	if (rrdcached != NULL && *rrdcached != '\0') {
		s->daemon = xstrdup(rrdcached);
		s->remote = strncmp(rrdcached, "unix:", 5) != 0 && *rrdcached != '/';
		/* a daemon that goes away must be a failed write, not SIGPIPE */
		if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
			log_warn("store: ignoring SIGPIPE");
		rrd_clear_error();
		if (rrdc_connect(s->daemon) != 0)
			log_warnx("store: rrdcached %s: %s; updates are kept until it "
			    "answers", s->daemon, rrd_err());
	}
	return s;
}

static int
target_cmp(const void *a, const void *b)
{
	const struct store_target *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

static struct store_target *
target_find(struct store *s, const char *name)
{
	struct store_target key = {.name = (char *)(uintptr_t)name}, *k = &key, **f;

	if (s->nt == 0)
		return NULL;
	f = bsearch(&k, s->t, s->nt, sizeof(*s->t), target_cmp);
	return f != NULL ? *f : NULL;
}

static struct store_target *
target_add(struct store *s, const char *name)
{
	struct store_target *t = xcalloc(1, sizeof(*t));
	size_t lo = 0, hi = s->nt;

	t->name = xstrdup(name);
	if (s->remote)
		xasprintf(&t->path, "%s.rrd", name);
	else
		xasprintf(&t->path, "%s/%s.rrd", s->dir, name);
	/* sorted insert: a qsort per target made opening 10,000 quadratic */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(s->t[mid]->name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	s->t = xreallocarray(s->t, s->nt + 1, sizeof(*s->t));
	memmove(&s->t[lo + 1], &s->t[lo], (s->nt - lo) * sizeof(*s->t));
	s->t[lo] = t;
	s->nt++;
	return t;
}

const char *
store_path(struct store *s, const char *target)
{
	struct store_target *t = target_find(s, target);

	return t != NULL ? t->path : NULL;
}

long
store_zone_granularity(time_t now)
{
	long off[64];
	size_t n = 0;
	time_t t;

	/* one sample an hour over the 400 days the hourly archive holds, both
	 * ways: an offset in force for less than an hour does not exist */
	for (t = now - 400 * 86400L; t <= now + 400 * 86400L; t += 3600) {
		long o = tz_offset(t);

		if (n == 0 || off[n - 1] != o) {
			if (n == sizeof(off) / sizeof(off[0]))
				break;
			off[n++] = o;
		}
	}
	return rrdlayout_granularity(off, n);
}

/* --- rrdcached connection -------------------------------------------------- */

/* 0 when connected; -1 (logged once per failure spell by the caller) */
static int
daemon_connect(struct store *s)
{
	rrd_clear_error();
	if (rrdc_connect(s->daemon) != 0)
		return -1;
	return 0;
}

/* Flush one file in rrdcached so it can be read; -1 when the daemon is away. */
static int
daemon_flush(struct store *s, struct store_target *t, bool quiet)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (daemon_connect(s) == -1)
			continue;
		rrd_clear_error();
		if (rrdc_flush(t->path) == 0)
			return 0;
		if (strncmp(rrd_err(), "rrdcached:", 10) == 0)
			break; /* it answered: no such file */
		rrdc_disconnect();
	}
	if (!quiet)
		log_warnx("store: %s (%s): rrdcached %s flush: %s", t->name,
		    t->path, s->daemon, rrd_err());
	return -1;
}

/* --- file info ------------------------------------------------------------ */

static int
file_info(struct store *s, struct store_target *t, struct store_info *fi)
{
	rrd_info_t *info, *i;
	int nds = 0, k, idx;
	char cf[16], ds[64], field[32];

	memset(fi, 0, sizeof(*fi));
	rrd_clear_error();
	info = s->remote ? rrdc_info(t->path) : rrd_info_r(t->path);
	if (info == NULL) {
		log_warnx("store: %s (%s): info: %s", t->name, t->path, rrd_err());
		return -1;
	}
	for (i = info; i != NULL; i = i->next) {
		if (strcmp(i->key, "step") == 0)
			fi->step = (long)i->value.u_cnt;
		else if (strcmp(i->key, "last_update") == 0)
			fi->last = (time_t)i->value.u_cnt;
		else if (sscanf(i->key, "ds[%63[^]]].%31s", ds, field) == 2 &&
		    strcmp(field, "type") == 0) {
			for (k = 0; k < STORE_NDS; k++)
				if (strcmp(ds, store_ds[k]) == 0)
					break;
			if (k == STORE_NDS || strcmp(i->value.u_str, "GAUGE") != 0) {
				log_warnx("store: %s (%s): unexpected data source %s "
				    "(%s); not a slamon file?", t->name, t->path, ds,
				    i->value.u_str);
				goto fail;
			}
			nds++;
		} else if (sscanf(i->key, "rra[%d].%31s", &idx, field) == 2 &&
		    idx >= 0 && idx < STORE_MAX_RRA) {
			if (idx >= fi->nrra)
				fi->nrra = idx + 1;
			if (strcmp(field, "cf") == 0) {
				snprintf(cf, sizeof(cf), "%s", i->value.u_str);
				memcpy(fi->rra[idx].cf, cf, sizeof(cf));
			} else if (strcmp(field, "rows") == 0)
				fi->rra[idx].rows = (long)i->value.u_cnt;
			else if (strcmp(field, "pdp_per_row") == 0)
				fi->rra[idx].steps = (long)i->value.u_cnt;
		}
	}
	if (fi->step != STORE_STEP || nds != STORE_NDS) {
		log_warnx("store: %s (%s): step %lds and %d of the data sources "
		    "up_s, down_s, maint_s, latency_ms; slamon writes step %ds "
		    "and all four: move the file away to start a new one",
		    t->name, t->path, fi->step, nds, STORE_STEP);
		goto fail;
	}
	rrd_info_free(info);
	return 0;
fail:
	rrd_info_free(info);
	return -1;
}

static int
file_create(struct store *s, struct store_target *t, time_t start)
{
	struct rrdlayout_params p;
	struct rrdlayout_rra r[RRDLAYOUT_MAX];
	char ds[STORE_NDS][64], rra[RRDLAYOUT_MAX][64];
	const char *argv[STORE_NDS + RRDLAYOUT_MAX];
	int i, n, argc = 0, rc;

	rrdlayout_defaults(&p, s->granularity);
	if ((n = rrdlayout_make(&p, r)) == -1)
		return -1;
	/* heartbeat = step: a step without its own update is unknown, so a
	 * missed row shows up as unknown instead of being interpolated */
	for (i = 0; i < STORE_NDS; i++) {
		snprintf(ds[i], sizeof(ds[i]), "DS:%s:GAUGE:%d:0:%s", store_ds[i],
		    STORE_STEP, i < 3 ? "60" : "U");
		argv[argc++] = ds[i];
	}
	for (i = 0; i < n; i++) {
		rrdlayout_format(&r[i], p.xff, rra[i], sizeof(rra[i]));
		argv[argc++] = rra[i];
	}
	rrd_clear_error();
	if (s->remote) {
		if ((rc = daemon_connect(s)) == 0)
			rc = rrdc_create(t->path, STORE_STEP, start, 1, argc, argv);
	} else
		rc = rrd_create_r2(t->path, STORE_STEP, start, 1, NULL, NULL, argc,
		    argv);
	if (rc != 0) {
		log_warnx("store: %s (%s): create: %s", t->name, t->path, rrd_err());
		return -1;
	}
	log_info("store: %s: created %s, first step ending %lld", t->name,
	    t->path, (long long)start + STORE_STEP);
	return 0;
}

/* Open (and with create, create) a target's file; 1 when it is missing. */
static int
target_open(struct store *s, const char *target, time_t first_step_end,
    bool create)
{
	struct store_target *t;
	struct store_info fi;
	struct stat st;
	bool exists;

	if (!valid_target(target)) {
		log_warnx("store: \"%s\": not usable as a file name", target);
		return -1;
	}
	if (first_step_end % STORE_STEP != 0) {
		log_warnx("store: %s: first step end %lld is not a multiple of %d",
		    target, (long long)first_step_end, STORE_STEP);
		return -1;
	}
	if ((t = target_find(s, target)) != NULL && t->last > 0)
		return 0;
	if (t == NULL)
		t = target_add(s, target);

	if (s->remote) {
		/* the daemon knows its cached updates: flush, then ask it */
		exists = daemon_flush(s, t, true) == 0;
	} else {
		exists = stat(t->path, &st) == 0;
		if (!exists && errno != ENOENT) {
			log_warn("store: %s: %s", target, t->path);
			goto fail;
		}
	}
	if (!exists && !create) {
		t->last = -1;
		return 1;
	}
	if (!exists && file_create(s, t, first_step_end - STORE_STEP) == -1)
		goto fail;
	if (!s->remote) {
		if (exists && s->daemon != NULL && daemon_flush(s, t, false) == -1)
			log_warnx("store: %s: reading %s without rrdcached; steps "
			    "in its journal will be skipped when resent", target,
			    t->path);
	}
	if (file_info(s, t, &fi) == -1)
		goto fail;
	t->last = fi.last;
	return 0;
fail:
	/* keep the target known but unusable: updates fail with a message */
	t->last = -1;
	return -1;
}

int
store_ensure(struct store *s, const char *target, time_t first_step_end)
{
	/* a target whose file was missing for a reader, or whose earlier
	 * opening failed, is tried again */
	return target_open(s, target, first_step_end, true) == -1 ? -1 : 0;
}

time_t
store_last(struct store *s, const char *target)
{
	struct store_target *t = target_find(s, target);

	return t != NULL && t->last > 0 ? t->last : 0;
}

/* --- queue and writers ---------------------------------------------------- */

static int
queue_push(struct store *s, struct store_target *t, time_t first, time_t last,
    const double v[STORE_NDS])
{
	struct store_run *r;
	int k;

	if (t->len > t->head) {
		r = &t->q[t->len - 1];
		for (k = 0; k < STORE_NDS; k++)
			if (!(r->v[k] == v[k] || (isnan(r->v[k]) && isnan(v[k]))))
				break;
		if (k == STORE_NDS && r->last + STORE_STEP == first) {
			r->last = last;
			return 0;
		}
	}
	if (s->runs >= s->runs_max) {
		log_warnx("store: %s: NOT WRITTEN: steps ending %lld..%lld: %zu "
		    "updates are already waiting for %s; these steps will read as "
		    "unknown", t->name, (long long)first, (long long)last, s->runs,
		    s->daemon != NULL ? s->daemon : t->path);
		s->full_logged = true;
		return -1;
	}
	if (t->head > 0 && t->head == t->len)
		t->head = t->len = 0;
	if (t->len == t->cap) {
		t->cap = t->cap == 0 ? 4 : t->cap * 2;
		t->q = xreallocarray(t->q, t->cap, sizeof(*t->q));
	}
	r = &t->q[t->len++];
	r->first = first;
	r->last = last;
	memcpy(r->v, v, sizeof(r->v));
	s->runs++;
	return 0;
}

static void
format_value(char *buf, size_t len, time_t when, const double v[STORE_NDS])
{
	char f[STORE_NDS][32];
	int k;

	for (k = 0; k < STORE_NDS; k++) {
		if (isnan(v[k]))
			snprintf(f[k], sizeof(f[k]), "U");
		else
			snprintf(f[k], sizeof(f[k]), "%.15g", v[k]);
	}
	snprintf(buf, len, "%lld:%s:%s:%s:%s", (long long)when, f[0], f[1], f[2],
	    f[3]);
}

/*
 * Write n values; 0 done, 1 not written (try again later), -1 refused by
 * rrdcached (it answered, so resending cannot help).
 */
static int
write_values(struct store *s, struct store_target *t, int n, const char **vals)
{
	int i, rc;

	if (s->daemon == NULL) {
		rrd_clear_error();
		if (rrd_updatex_r(t->path, NULL, RRD_SKIP_PAST_UPDATES, n, vals) == 0)
			return 0;
		log_warnx("store: %s (%s): update: %s", t->name, t->path, rrd_err());
		return 1;
	}
	for (i = 0; i < 2; i++) {
		if (daemon_connect(s) == -1)
			continue;
		rrd_clear_error();
		if ((rc = rrdc_update(t->path, n, (const char *const *)vals)) == 0)
			return 0;
		/* a negative status with the daemon's message is its answer */
		if (rc < 0 && strncmp(rrd_err(), "rrdcached:", 10) == 0) {
			log_warnx("store: %s (%s): rrdcached refused steps ending "
			    "%.10s..%.10s: %s", t->name, t->path, vals[0],
			    vals[n - 1], rrd_err());
			return -1;
		}
		rrdc_disconnect(); /* a stale connection: reconnect, retry once */
	}
	log_warnx("store: %s (%s): rrdcached %s: %s; keeping the updates", t->name,
	    t->path, s->daemon, rrd_err());
	return 1;
}

/* Write t's queue in order; -1 when some of it could not be written. */
static int
target_flush(struct store *s, struct store_target *t)
{
	char buf[STORE_BATCH][STORE_VALUE_LEN];
	const char *vals[STORE_BATCH];
	struct store_run *r;
	size_t room;
	time_t when;
	int n, rc;

	while (t->head < t->len) {
		r = &t->q[t->head];
		n = 0;
		room = STORE_CMD_ROOM - strlen(t->path);
		for (when = r->first; when <= r->last && n < STORE_BATCH;
		    when += STORE_STEP) {
			format_value(buf[n], sizeof(buf[n]), when, r->v);
			if (strlen(buf[n]) + 1 > room)
				break;
			room -= strlen(buf[n]) + 1;
			vals[n] = buf[n];
			n++;
		}
		if ((rc = write_values(s, t, n, vals)) == 1)
			return -1;
		r->first += (time_t)n * STORE_STEP;
		if (r->first > r->last) {
			t->head++;
			s->runs--;
		}
		(void)rc; /* refused steps are logged and skipped */
	}
	t->head = t->len = 0;
	if (s->full_logged && s->runs == 0) {
		log_info("store: every pending update is written");
		s->full_logged = false;
	}
	return 0;
}

/* Write every queue; in rrdcached mode stop at the first failure and wait. */
static void
store_flush(struct store *s, bool force)
{
	size_t i;

	if (s->runs == 0)
		return;
	if (s->daemon != NULL && !force &&
	    mono_now() < s->next_try.tv_sec + s->next_try.tv_nsec / 1e9)
		return;
	for (i = 0; i < s->nt; i++) {
		if (target_flush(s, s->t[i]) == -1 && s->daemon != NULL) {
			double next = mono_now() + 1;

			s->next_try.tv_sec = (time_t)next;
			s->next_try.tv_nsec = (long)((next - (double)(time_t)next) * 1e9);
			return;
		}
	}
}

size_t
store_pending(struct store *s)
{
	size_t i, j, n = 0;

	for (i = 0; i < s->nt; i++)
		for (j = s->t[i]->head; j < s->t[i]->len; j++)
			n += (size_t)((s->t[i]->q[j].last - s->t[i]->q[j].first) /
			    STORE_STEP + 1);
	return n;
}

size_t
store_retry(struct store *s)
{
	store_flush(s, true);
	return store_pending(s);
}

void
store_set_pending_max(struct store *s, size_t max)
{
	s->runs_max = max;
}

static struct store_target *
writable(struct store *s, const char *target, time_t to, const char *what)
{
	struct store_target *t = target_find(s, target);

	if (t == NULL || t->last <= 0) {
		log_warnx("store: %s: %s before a successful store_ensure", target,
		    what);
		return NULL;
	}
	if (to % STORE_STEP != 0) {
		log_warnx("store: %s: %s up to %lld, not a step end", target, what,
		    (long long)to);
		return NULL;
	}
	return t;
}

static bool
valid_seconds(double up, double down, double maint)
{
	return up >= 0 && down >= 0 && maint >= 0 && up <= STORE_STEP &&
	    down <= STORE_STEP && maint <= STORE_STEP &&
	    up + down + maint <= STORE_STEP + 1e-9;
}

int
store_update(struct store *s, const char *target, time_t step_end, double up_s,
    double down_s, double maint_s, double latency_ms)
{
	struct store_target *t;
	double v[STORE_NDS] = {up_s, down_s, maint_s, latency_ms};

	if ((t = writable(s, target, step_end, "update")) == NULL)
		return -1;
	if (!valid_seconds(up_s, down_s, maint_s) || latency_ms < 0) {
		log_warnx("store: %s: step ending %lld: up %g down %g maint %g "
		    "latency %g: out of range", target, (long long)step_end, up_s,
		    down_s, maint_s, latency_ms);
		return -1;
	}
	if (step_end != t->last + STORE_STEP) {
		log_warnx("store: %s: step ending %lld follows the last one written "
		    "(%lld) %s", target, (long long)step_end, (long long)t->last,
		    step_end <= t->last ? "out of order: not written twice" :
		    "with a gap: fill the steps between first");
		return -1;
	}
	if (queue_push(s, t, step_end, step_end, v) == -1)
		return -1;
	t->last = step_end;
	store_flush(s, false);
	return 0;
}

int
store_fill(struct store *s, const char *target, time_t to, double up_s,
    double down_s, double maint_s)
{
	struct store_target *t;
	double v[STORE_NDS] = {up_s, down_s, maint_s, NAN};

	if ((t = writable(s, target, to, "fill")) == NULL)
		return -1;
	if (!valid_seconds(up_s, down_s, maint_s)) {
		log_warnx("store: %s: fill up %g down %g maint %g: out of range",
		    target, up_s, down_s, maint_s);
		return -1;
	}
	if (to <= t->last)
		return 0;
	if (queue_push(s, t, t->last + STORE_STEP, to, v) == -1)
		return -1;
	t->last = to;
	store_flush(s, false);
	return 0;
}

void
store_close(struct store *s)
{
	size_t i, left;

	if (s == NULL)
		return;
	if ((left = store_retry(s)) > 0)
		log_warnx("store: closing with %zu steps not written to %s", left,
		    s->daemon != NULL ? s->daemon : "their files");
	for (i = 0; i < s->nt; i++) {
		if (s->daemon != NULL && s->t[i]->last > 0 && left == 0)
			daemon_flush(s, s->t[i], false);
		free(s->t[i]->name);
		free(s->t[i]->path);
		free(s->t[i]->q);
		free(s->t[i]);
	}
	if (s->daemon != NULL)
		rrdc_disconnect();
	free(s->t);
	free(s->dir);
	free(s->daemon);
	free(s);
}

/* --- reading -------------------------------------------------------------- */

static int
fetch_rows(struct store *s, struct store_target *t, time_t from, time_t to,
    long len, struct store_sums *out)
{
	time_t start = from, end = to, when;
	unsigned long step = (unsigned long)len, nds = 0, k;
	char **names = NULL;
	rrd_value_t *data = NULL, v[3];
	int idx[3] = {-1, -1, -1}, rc, j;
	long rows, i, steps = len / STORE_STEP;

	rrd_clear_error();
	if (s->remote)
		rc = rrdc_fetch(t->path, "AVERAGE", &start, &end, &step, &nds, &names,
		    &data);
	else
		rc = rrd_fetch_r(t->path, "AVERAGE", &start, &end, &step, &nds,
		    &names, &data);
	if (rc != 0) {
		log_warnx("store: %s (%s): fetch: %s", t->name, t->path, rrd_err());
		return -1;
	}
	for (k = 0; k < nds; k++) {
		for (j = 0; j < 3; j++)
			if (strcmp(names[k], store_ds[j]) == 0)
				idx[j] = (int)k;
		free(names[k]);
	}
	free(names);
	if (step != (unsigned long)len || idx[0] < 0 || idx[1] < 0 || idx[2] < 0) {
		log_warnx("store: %s (%s): fetch gave rows of %lus, asked %lds",
		    t->name, t->path, step, len);
		free(data);
		return -1;
	}
	/* row i covers (start + i*step, start + (i+1)*step] */
	rows = (long)((end - start) / (time_t)step);
	for (i = 0; i < rows; i++) {
		when = start + (time_t)(i + 1) * (time_t)step; /* row end */
		if (when <= from || when > to)
			continue;
		for (j = 0; j < 3; j++)
			v[j] = data[(size_t)i * nds + (size_t)idx[j]];
		if (isnan(v[0]) || isnan(v[1]) || isnan(v[2])) {
			out->unknown_steps += steps;
			continue;
		}
		out->up_s += v[0] * (double)steps;
		out->down_s += v[1] * (double)steps;
		out->maint_s += v[2] * (double)steps;
		out->steps += steps;
	}
	free(data);
	if (len > out->resolution)
		out->resolution = len;
	return 0;
}

static double
exact(double x)
{
	/* rows are averages: x * steps comes back within rounding of the sum */
	return round(x * 1e6) / 1e6;
}

static int
sum_range(struct store *s, struct store_target *t, const struct store_info *fi,
    time_t from, time_t to, struct store_sums *out)
{
	time_t cur = from, end = to < fi->last ? to : fi->last, lastrow, segend;
	long len, best;
	int i, pick;

	memset(out, 0, sizeof(*out));
	if (from % STORE_STEP != 0 || to % STORE_STEP != 0) {
		log_warnx("store: %s: sum over [%lld, %lld): not step ends", t->name,
		    (long long)from, (long long)to);
		return -1;
	}
	while (cur < end) {
		/* the finest AVERAGE archive holding cur on a row boundary */
		pick = -1;
		best = 0;
		for (i = 0; i < fi->nrra; i++) {
			if (strcmp(fi->rra[i].cf, "AVERAGE") != 0)
				continue;
			len = fi->rra[i].steps * fi->step;
			lastrow = fi->last - fi->last % len;
			if (cur % len != 0 || cur < lastrow - fi->rra[i].rows * len ||
			    cur + len > lastrow)
				continue;
			if (pick == -1 || len < best) {
				pick = i;
				best = len;
			}
		}
		if (pick == -1) {
			log_warnx("store: %s (%s): no archive holds [%lld, %lld) on its "
			    "row boundaries", t->name, t->path, (long long)cur,
			    (long long)end);
			return -1;
		}
		len = best;
		lastrow = fi->last - fi->last % len;
		segend = end - end % len;
		if (segend > lastrow)
			segend = lastrow;
		if (fetch_rows(s, t, cur, segend, len, out) == -1)
			return -1;
		cur = segend;
	}
	out->up_s = exact(out->up_s);
	out->down_s = exact(out->down_s);
	out->maint_s = exact(out->maint_s);
	return 0;
}

/* 0 with *tp set, 1 when the target has no file (no data), -1 on error */
static int
readable(struct store *s, const char *target, struct store_info *fi,
    struct store_target **tp)
{
	struct store_target *t = target_find(s, target);
	int rc;

	if (t == NULL || t->last <= 0) {
		/* a reader (slamon report) opens files it did not write */
		if (!valid_target(target))
			return -1;
		if ((rc = target_open(s, target, STORE_STEP, false)) != 0)
			return rc;
		t = target_find(s, target);
	}
	if (s->daemon != NULL) {
		if (t->head < t->len)
			target_flush(s, t);
		if (daemon_flush(s, t, false) == -1 && s->remote)
			return -1;
	}
	if (file_info(s, t, fi) == -1)
		return -1;
	*tp = t;
	return 0;
}

int
store_sum(struct store *s, const char *target, time_t from, time_t to,
    struct store_sums *out)
{
	struct store_target *t;
	struct store_info fi;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = readable(s, target, &fi, &t)) != 0)
		return rc == 1 ? 0 : -1;
	return sum_range(s, t, &fi, from, to, out);
}

int
store_daily(struct store *s, const char *target, const time_t *bounds, size_t n,
    struct store_sums *out)
{
	struct store_target *t;
	struct store_info fi;
	size_t i;
	int rc;

	memset(out, 0, n * sizeof(*out));
	if ((rc = readable(s, target, &fi, &t)) != 0)
		return rc == 1 ? 0 : -1;
	for (i = 0; i < n; i++)
		if (sum_range(s, t, &fi, bounds[i], bounds[i + 1], &out[i]) == -1)
			return -1;
	return 0;
}
