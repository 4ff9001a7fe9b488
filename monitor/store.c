/*
 * store.c - RRD files of up/down/maintenance seconds: opening, checking
 * and creating them, and accepting steps (store-queue.c writes them,
 * store-read.c sums them).
 *
 * Running rrdcached for slamon: the files are created by slamon before the
 * first update, directly for a unix socket (paths are absolute, the daemon
 * must be allowed to write them) and with rrdc_create over TCP (names are
 * sent relative, "<target>.rrd", resolved in the daemon's -b directory):
 *   rrdcached -l unix:/run/slamon/rrdcached.sock -b STATE_DIR/rrd -B \
 *     -j /var/lib/slamon/rrdcached-journal -F -w 300 -z 60
 * -j and -F make a clean restart of the daemon lose nothing (and the writer
 * resends what a killed one lost, store-queue.c); -B confines it to the rrd
 * directory. Readers ask rrdcached to flush a file before reading it.
 *
 * Every librrd call is bracketed by rrd_clear_error() and rrd_get_error().
 * librrd's rrdcached client keeps one connection per process (rrdc_*), so a
 * process has one store in rrdcached mode, and shares it with any other
 * rrdc_* user (rrd_graph with a daemon address).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* for rrd_format.h, the file's header layout (store_file_last) */
#define RRD_EXPORT_DEPRECATED
#include <rrd.h>
#include <rrd_client.h>

#include "journal.h"
#include "log.h"
#include "rrdlayout.h"
#include "store-int.h"
#include "store.h"
#include "tz.h"

const char *const store_ds[] = {"up_s", "down_s", "maint_s", "latency_ms", "slow_s"};

const char *
store_rrd_err(void)
{
	const char *e = rrd_get_error();

	return e != NULL && *e != '\0' ? e : "unknown librrd error";
}

bool
store_valid_target(const char *s)
{
	if (*s == '\0' || *s == '.' || strlen(s) > 200)
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ' ' || *s == '\\')
			return false;
	return true;
}

struct store *
store_open(const char *state_dir, const char *rrdcached, long tz_granularity, char *err,
    size_t errlen)
{
	struct rrdlayout_params p;
	struct rrdlayout_rra r[RRDLAYOUT_MAX];
	struct store *s;
	char *dir, real[PATH_MAX];

	rrdlayout_defaults(&p, tz_granularity);
	if (rrdlayout_make(&p, r) == -1) {
		snprintf(err, errlen,
		    "time zone offsets granularity %lds: not a "
		    "divisor of an hour in whole minutes",
		    tz_granularity);
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
		if (!s->remote)
			s->sock = s->daemon + (*s->daemon == '/' ? 0 : 5);
		s->gen = 1;
		/* a daemon that goes away must be a failed write, not SIGPIPE */
		if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
			log_warn("store: ignoring SIGPIPE");
		rrd_clear_error();
		if (rrdc_connect(s->daemon) != 0)
			log_warnx("store: rrdcached %s: %s; updates are kept until it "
				  "answers",
			    s->daemon, store_rrd_err());
	}
	return s;
}

static int
target_cmp(const void *a, const void *b)
{
	const struct store_target *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

struct store_target *
store_target_find(struct store *s, const char *name)
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
	size_t nl = strlen(name) + 1,
	       pl = nl + 4 + (s->remote ? 0 : strlen(s->dir) + 1);
	/* one allocation with its name and path: three chunks were 100 bytes
	 * more a target, headers and rounding */
	struct store_target *t = xcalloc(1, sizeof(*t) + nl + pl);
	size_t lo = 0, hi = s->nt;

	t->name = (char *)(t + 1);
	memcpy(t->name, name, nl);
	t->path = t->name + nl;
	if (s->remote)
		snprintf(t->path, pl, "%s.rrd", name);
	else
		snprintf(t->path, pl, "%s/%s.rrd", s->dir, name);
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
	struct store_target *t = store_target_find(s, target);

	return t != NULL ? t->path : NULL;
}

long
store_zone_granularity(time_t now)
{
	long off[64];
	size_t n = 0;
	time_t t;

	/* one sample an hour from 400 days back (a replay's history) over the
	 * ten years ahead that the file will hold at this granularity: an
	 * offset in force for less than an hour does not exist */
	for (t = now - 400 * 86400L; t <= now + 3653 * 86400L; t += 3600) {
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
/*
 * librrd reconnects by itself, so a daemon restarted between two updates
 * goes unnoticed by rrdc_update; before it forgets steps it accepted, it
 * must be noticed: a new connection after a failure, or for a unix socket a
 * new socket file, makes every target ask the daemon where it is.
 */
int
store_daemon_connect(struct store *s)
{
	bool was = rrdc_is_any_connected();
	struct stat st;

	if (s->sock != NULL && stat(s->sock, &st) == 0 &&
	    (st.st_ino != s->sock_ino || st.st_ctim.tv_sec != s->sock_ctime.tv_sec ||
		st.st_ctim.tv_nsec != s->sock_ctime.tv_nsec)) {
		if (s->sock_ino != 0)
			s->gen++;
		s->sock_ino = st.st_ino;
		s->sock_ctime = st.st_ctim;
	}
	rrd_clear_error();
	if (rrdc_connect(s->daemon) != 0)
		return -1;
	if (!was)
		s->gen++;
	return 0;
}

/* Flush one file in rrdcached so it can be read; -1 when the daemon is away. */
int
store_daemon_flush(struct store *s, struct store_target *t, bool quiet)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (store_daemon_connect(s) == -1)
			continue;
		rrd_clear_error();
		if (rrdc_flush(t->path) == 0)
			return 0;
		if (strncmp(store_rrd_err(), "rrdcached:", 10) == 0)
			break; /* it answered: no such file */
		rrdc_disconnect();
	}
	if (!quiet)
		log_warnx("store: %s (%s): rrdcached %s flush: %s", t->name, t->path,
		    s->daemon, store_rrd_err());
	return -1;
}

/* --- file info ------------------------------------------------------------ */

/*
 * The last update in a file's header, read without a lock: every librrd
 * reader (rrd_last_r, rrd_info_r, rrd_fetch_r) takes a read lock for the
 * whole file, and rrdcached, finding a file locked when its cache is due,
 * drops the steps it held for it (seen with 1.7.2: the flush answers
 * "Successfully flushed" and the file never gets them). slamon takes no
 * such risk, neither in the writer nor in its readers (store_file_info,
 * store_file_fetch): it reads the files itself. This reads one aligned
 * time_t, which rrdcached writes after the rows it stands for. -1 when the
 * file cannot be read or is not an RRD file.
 */
/* Whether a file's static head is one of an RRD file of format 3 to 5
 * this host can read, with counts that are not absurd. */
static bool
rrdhead_ok(const stat_head_t *sh)
{
	return memcmp(sh->cookie, RRD_COOKIE, 4) == 0 &&
	    sh->float_cookie == FLOAT_COOKIE && sh->ds_cnt > 0 && sh->ds_cnt <= 1024 &&
	    sh->rra_cnt > 0 && sh->rra_cnt <= 1024 && sh->pdp_step > 0 &&
	    sh->pdp_step <= 1000000000UL &&
	    (strncmp(sh->version, RRD_VERSION3, 4) == 0 ||
		strncmp(sh->version, RRD_VERSION4, 4) == 0 ||
		strncmp(sh->version, RRD_VERSION5, 4) == 0);
}

time_t
store_file_last(const char *path)
{
	stat_head_t sh;
	time_t last = -1;
	off_t off;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (pread(fd, &sh, sizeof(sh), 0) == (ssize_t)sizeof(sh) && rrdhead_ok(&sh)) {
		off = (off_t)(sizeof(sh) + sh.ds_cnt * sizeof(ds_def_t) +
		    sh.rra_cnt * sizeof(rra_def_t));
		if (pread(fd, &last, sizeof(last), off) != (ssize_t)sizeof(last))
			last = -1;
	}
	close(fd);
	return last;
}

/*
 * A file's headers, read as store_file_last reads its last update: with
 * pread, without librrd and so without its lock. The layout is librrd's
 * (rrd_format.h): the static head, the data sources, the archives, the live
 * head, the data sources' and archives' preparation areas, the archives'
 * current rows, then each archive's rows in order.
 */
struct rrdhead {
	stat_head_t sh;
	ds_def_t *ds;
	rra_def_t *rra;
	live_head_t live;
	rra_ptr_t *ptr;
	off_t live_off, ptr_off; /* where the live head and current rows are */
	off_t data;		 /* where the first archive's rows begin */
};

static void
rrdhead_free(struct rrdhead *h)
{
	free(h->ds);
	free(h->rra);
	free(h->ptr);
	memset(h, 0, sizeof(*h));
}

static bool
rrdhead_pread(int fd, void *buf, size_t len, off_t *off)
{
	if (pread(fd, buf, len, *off) != (ssize_t)len)
		return false;
	*off += (off_t)len;
	return true;
}

/* 0, or -1 when fd is not an RRD file of format 3 to 5 this host can read */
static int
rrdhead_read(int fd, struct rrdhead *h)
{
	off_t off = 0;
	unsigned long i;
	struct stat st;

	memset(h, 0, sizeof(*h));
	if (!rrdhead_pread(fd, &h->sh, sizeof(h->sh), &off) || !rrdhead_ok(&h->sh))
		return -1;
	h->ds = xcalloc(h->sh.ds_cnt, sizeof(*h->ds));
	h->rra = xcalloc(h->sh.rra_cnt, sizeof(*h->rra));
	h->ptr = xcalloc(h->sh.rra_cnt, sizeof(*h->ptr));
	if (!rrdhead_pread(fd, h->ds, h->sh.ds_cnt * sizeof(*h->ds), &off) ||
	    !rrdhead_pread(fd, h->rra, h->sh.rra_cnt * sizeof(*h->rra), &off))
		goto fail;
	h->live_off = off;
	if (!rrdhead_pread(fd, &h->live, sizeof(h->live), &off))
		goto fail;
	off += (off_t)(h->sh.ds_cnt * sizeof(pdp_prep_t) +
	    h->sh.rra_cnt * h->sh.ds_cnt * sizeof(cdp_prep_t));
	h->ptr_off = off;
	if (!rrdhead_pread(fd, h->ptr, h->sh.rra_cnt * sizeof(*h->ptr), &off))
		goto fail;
	h->data = off;
	for (i = 0; i < h->sh.rra_cnt; i++) {
		/* what a damaged header says is not multiplied out unchecked:
		 * an archive spans at most ~30 million years */
		if (h->rra[i].row_cnt == 0 || h->rra[i].pdp_cnt == 0 ||
		    h->ptr[i].cur_row >= h->rra[i].row_cnt ||
		    h->rra[i].row_cnt > 1000000000UL ||
		    h->rra[i].pdp_cnt > 1000000000UL ||
		    (double)h->sh.pdp_step * (double)h->rra[i].pdp_cnt *
			    (double)h->rra[i].row_cnt >
			1e15)
			goto fail;
		off += (off_t)(h->rra[i].row_cnt * h->sh.ds_cnt * sizeof(rrd_value_t));
	}
	/* a file cut short (a full disk) is not read past its end */
	if (fstat(fd, &st) == -1 || st.st_size < off)
		goto fail;
	return 0;
fail:
	rrdhead_free(h);
	return -1;
}

/*
 * rrd_fetch_r's answer for the AVERAGE archives of path, without its lock
 * (store_file_last says why; a reader that FLUSHes a file first and then
 * reads it would otherwise lose rrdcached the steps that came meanwhile,
 * when another flush of the same file, by another reader or by `slamon
 * report`, falls inside its read). A write-out by rrdcached during the
 * read is seen in the header afterwards, and the rows are read again (up to
 * three times); one caught between its rows and its header could leave an
 * answer's oldest row of the archive one write newer, never a step lost.
 * The same archive chosen (the one holding
 * the whole range whose step is nearest *step, else the one holding most
 * of it), *start, *end and *step set the same way, (*end - *start) / *step
 * rows, unknown outside the archive. 0; -1 after logging.
 */
/* An answer of store_file_fetch given up: its names and rows freed. */
static void
fetch_drop(unsigned long nds, char ***names, rrd_value_t **data)
{
	for (unsigned long k = 0; k < nds; k++)
		free((*names)[k]);
	free(*names);
	free(*data);
	*names = NULL;
	*data = NULL;
}

int
store_file_fetch(const char *path, time_t *start, time_t *end, unsigned long *step,
    unsigned long *nds, char ***names, rrd_value_t **data)
{
	struct rrdhead h;
	long best_full = -1, best_part = -1, full_diff = 0, part_diff = 0;
	long part_match = 0, chosen, i, k, n, rows, first, row;
	unsigned long st;
	time_t rra_end, rra_start, cal_end, cal_start;
	off_t base;
	int fd, tries = 0;
	live_head_t live;
	rra_ptr_t ptr;
	const time_t start0 = *start, end0 = *end;
	const unsigned long step0 = *step;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("store: %s: open", path);
		return -1;
	}
retry:
	best_full = best_part = -1;
	full_diff = part_diff = part_match = 0;
	*start = start0;
	*end = end0;
	*step = step0;
	if (rrdhead_read(fd, &h) == -1) {
		log_warnx("store: %s: not an RRD file slamon can read", path);
		close(fd);
		return -1;
	}
	for (i = 0; i < (long)h.sh.rra_cnt; i++) {
		long diff, match;

		if (strcmp(h.rra[i].cf_nam, "AVERAGE") != 0)
			continue;
		st = h.sh.pdp_step * h.rra[i].pdp_cnt;
		cal_end = h.live.last_up - h.live.last_up % (time_t)st;
		cal_start = cal_end - (time_t)(st * h.rra[i].row_cnt);
		diff = labs((long)*step - (long)st);
		if (cal_start <= *start) {
			if (best_full < 0 || diff < full_diff) {
				best_full = i;
				full_diff = diff;
			}
			continue;
		}
		match = (long)(*end - *start) - (long)(cal_start - *start);
		if (best_part < 0 || match > part_match ||
		    (match == part_match && diff < part_diff)) {
			best_part = i;
			part_match = match;
			part_diff = diff;
		}
	}
	if ((chosen = best_full >= 0 ? best_full : best_part) < 0) {
		log_warnx("store: %s: no AVERAGE archive", path);
		goto fail;
	}
	st = h.sh.pdp_step * h.rra[chosen].pdp_cnt;
	*step = st;
	*start -= *start % (time_t)st;
	*end += (time_t)st - *end % (time_t)st;
	rows = (long)((*end - *start) / (time_t)st);
	*nds = h.sh.ds_cnt;
	*names = xcalloc(h.sh.ds_cnt, sizeof(**names));
	for (k = 0; k < (long)h.sh.ds_cnt; k++) {
		(*names)[k] = xcalloc(1, DS_NAM_SIZE);
		memcpy((*names)[k], h.ds[k].ds_nam, DS_NAM_SIZE - 1);
	}
	*data = xcalloc((size_t)rows + 1, h.sh.ds_cnt * sizeof(rrd_value_t));
	base = h.data;
	for (i = 0; i < chosen; i++)
		base += (off_t)(h.sh.ds_cnt * h.rra[i].row_cnt * sizeof(rrd_value_t));
	/* the archive's newest row ends at rra_end, its oldest at rra_start;
	 * row i of the answer ends at *start + (i + 1) * st */
	rra_end = h.live.last_up - h.live.last_up % (time_t)st;
	rra_start = rra_end - (time_t)(st * (h.rra[chosen].row_cnt - 1));
	first = (long)((*start + (time_t)st - rra_start) / (time_t)st);
	for (i = 0; i < rows; i++) {
		rrd_value_t *out = *data + (size_t)i * h.sh.ds_cnt;
		long a = first + i; /* age index in the archive, 0 the oldest */

		if (a < 0 || a >= (long)h.rra[chosen].row_cnt) {
			for (k = 0; k < (long)h.sh.ds_cnt; k++)
				out[k] = NAN;
			continue;
		}
		/* the rows that follow in the file, in one read */
		row = (long)((h.ptr[chosen].cur_row + 1 + (unsigned long)a) %
		    h.rra[chosen].row_cnt);
		n = (long)h.rra[chosen].row_cnt - row;
		if (n > rows - i)
			n = rows - i;
		if (n > (long)h.rra[chosen].row_cnt - a)
			n = (long)h.rra[chosen].row_cnt - a;
		if (pread(fd, out, (size_t)n * h.sh.ds_cnt * sizeof(rrd_value_t),
			base +
			    (off_t)((size_t)row * h.sh.ds_cnt * sizeof(rrd_value_t))) !=
		    (ssize_t)((size_t)n * h.sh.ds_cnt * sizeof(rrd_value_t))) {
			log_warnx("store: %s: short read in archive %ld", path, chosen);
			fetch_drop(h.sh.ds_cnt, names, data);
			goto fail;
		}
		i += n - 1;
	}
	/* rrdcached wrote the file meanwhile (its rows, then the header): the
	 * rows read may be of two states; read them again */
	if (pread(fd, &live, sizeof(live), h.live_off) == (ssize_t)sizeof(live) &&
	    pread(fd, &ptr, sizeof(ptr),
		h.ptr_off + (off_t)((size_t)chosen * sizeof(ptr))) ==
		(ssize_t)sizeof(ptr)) {
		bool moved = live.last_up != h.live.last_up ||
		    ptr.cur_row != h.ptr[chosen].cur_row;

		if (moved && ++tries < 3) {
			fetch_drop(h.sh.ds_cnt, names, data);
			rrdhead_free(&h);
			goto retry;
		}
	}
	rrdhead_free(&h);
	close(fd);
	return 0;
fail:
	rrdhead_free(&h);
	close(fd);
	return -1;
}

/* A data source slamon writes: its index in store_ds, or -1 (logged). */
static int
store_file_ds(struct store_target *t, const char *ds, const char *type)
{
	int k;

	for (k = 0; k < STORE_NDS; k++)
		if (strcmp(ds, store_ds[k]) == 0)
			break;
	if (k == STORE_NDS || strcmp(type, "GAUGE") != 0) {
		log_warnx("store: %s (%s): unexpected data source %s (%s); not a "
			  "slamon file?",
		    t->name, t->path, ds, type);
		return -1;
	}
	return k;
}

static int
store_file_info_check(struct store_target *t, struct store_info *fi, int nds)
{
	/* a file from before slow_s has the first four: it is written and
	 * read without it (its degraded seconds are unknown) */
	if (fi->step != STORE_STEP || (nds != STORE_NDS && nds != STORE_NDS_OLD)) {
		log_warnx("store: %s (%s): step %lds and %d of the data sources "
			  "up_s, down_s, maint_s, latency_ms, slow_s; slamon writes "
			  "step %ds and all five (or the first four): move the file "
			  "away to start a new one",
		    t->name, t->path, fi->step, nds, STORE_STEP);
		return -1;
	}
	fi->nds = nds;
	return 0;
}

/* store_file_info from the file's headers, without librrd's lock. */
static int
store_file_info_local(struct store_target *t, struct store_info *fi)
{
	struct rrdhead h;
	unsigned long i;
	int fd, rc = -1;

	if ((fd = open(t->path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("store: %s (%s): info", t->name, t->path);
		return -1;
	}
	if (rrdhead_read(fd, &h) == -1) {
		log_warnx("store: %s (%s): info: not an RRD file slamon can read",
		    t->name, t->path);
		close(fd);
		return -1;
	}
	close(fd);
	fi->step = (long)h.sh.pdp_step;
	fi->last = h.live.last_up;
	for (i = 0; i < h.sh.ds_cnt; i++) {
		char name[DS_NAM_SIZE], type[DST_SIZE];

		memcpy(name, h.ds[i].ds_nam, sizeof(name) - 1);
		name[sizeof(name) - 1] = '\0';
		memcpy(type, h.ds[i].dst, sizeof(type) - 1);
		type[sizeof(type) - 1] = '\0';
		if (store_file_ds(t, name, type) == -1)
			goto out;
	}
	for (i = 0; i < h.sh.rra_cnt && i < STORE_MAX_RRA; i++) {
		/* fi is zeroed: the name stays terminated */
		memcpy(fi->rra[i].cf, h.rra[i].cf_nam, sizeof(fi->rra[i].cf) - 1);
		fi->rra[i].rows = (long)h.rra[i].row_cnt;
		fi->rra[i].steps = (long)h.rra[i].pdp_cnt;
	}
	fi->nrra = (int)i;
	rc = store_file_info_check(t, fi, (int)h.sh.ds_cnt);
out:
	rrdhead_free(&h);
	return rc;
}

int
store_file_info(struct store *s, struct store_target *t, struct store_info *fi)
{
	rrd_info_t *info, *i;
	int nds = 0, idx;
	char cf[16], ds[64], field[32];

	memset(fi, 0, sizeof(*fi));
	if (!s->remote)
		return store_file_info_local(t, fi);
	rrd_clear_error();
	info = rrdc_info(t->path);
	if (info == NULL) {
		log_warnx(
		    "store: %s (%s): info: %s", t->name, t->path, store_rrd_err());
		return -1;
	}
	for (i = info; i != NULL; i = i->next) {
		if (strcmp(i->key, "step") == 0)
			fi->step = (long)i->value.u_cnt;
		else if (strcmp(i->key, "last_update") == 0)
			fi->last = (time_t)i->value.u_cnt;
		else if (sscanf(i->key, "ds[%63[^]]].%31s", ds, field) == 2 &&
		    strcmp(field, "type") == 0) {
			if (store_file_ds(t, ds, i->value.u_str) == -1)
				goto fail;
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
	if (store_file_info_check(t, fi, nds) == -1)
		goto fail;
	rrd_info_free(info);
	return 0;
fail:
	rrd_info_free(info);
	return -1;
}

int
store_file_create(struct store *s, struct store_target *t, time_t start)
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
		    STORE_STEP, i == 3 ? "U" : "60");
		argv[argc++] = ds[i];
	}
	for (i = 0; i < n; i++) {
		rrdlayout_format(&r[i], p.xff, rra[i], sizeof(rra[i]));
		argv[argc++] = rra[i];
	}
	rrd_clear_error();
	errno = 0;
	if (s->remote) {
		if ((rc = store_daemon_connect(s)) == 0)
			rc = rrdc_create(t->path, STORE_STEP, start, 1, argc, argv);
	} else
		rc = rrd_create_r2(
		    t->path, STORE_STEP, start, 1, NULL, NULL, argc, argv);
	if (rc != 0) {
		/* librrd often says nothing ("unknown error") when the disk is
		 * full: name the cause (store-repair.c), once a failure spell */
		store_create_failed(s, t, errno);
		return -1;
	}
	log_info("store: %s: created %s, first step ending %lld", t->name, t->path,
	    (long long)start + STORE_STEP);
	return 0;
}

/* Open (and with create, create) a target's file; 1 when it is missing. */
int
store_target_open(
    struct store *s, const char *target, time_t first_step_end, bool create)
{
	struct store_target *t;
	struct store_info fi;
	struct stat st;
	bool exists;

	if (!store_valid_target(target)) {
		log_warnx("store: \"%s\": not usable as a file name", target);
		return -1;
	}
	if (first_step_end % STORE_STEP != 0) {
		log_warnx("store: %s: first step end %lld is not a multiple of %d",
		    target, (long long)first_step_end, STORE_STEP);
		return -1;
	}
	if ((t = store_target_find(s, target)) != NULL && t->last > 0)
		return 0;
	if (t == NULL)
		t = target_add(s, target);

	if (s->remote) {
		/* the daemon knows its cached updates: flush, then ask it */
		exists = store_daemon_flush(s, t, true) == 0;
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
	/* a file that is not an RRD file at all is moved aside, not kept
	 * failing forever (a mismatched layout is data: never moved) */
	if (exists && !s->remote && store_moved_corrupt(s, t))
		exists = false;
	if (!exists && store_file_create(s, t, first_step_end - STORE_STEP) == -1)
		goto fail;
	if (!s->remote) {
		if (exists && s->daemon != NULL &&
		    store_daemon_flush(s, t, false) == -1)
			log_warnx("store: %s: reading %s without rrdcached; steps "
				  "in its journal will be skipped when resent",
			    target, t->path);
	}
	if (store_file_info(s, t, &fi) == -1)
		goto fail;
	t->last = fi.last;
	t->nds = fi.nds;
	t->broken = false;
	return 0;
fail:
	if (create) {
		/* probing and journaling go on: the steps queue from here until
		 * the file can be created (store_queue_target tries again) */
		t->broken = true;
		t->last = first_step_end - STORE_STEP;
		return -1;
	}
	/* keep the target known but unusable: updates fail with a message */
	t->last = -1;
	return -1;
}

int
store_ensure(struct store *s, const char *target, time_t first_step_end)
{
	/* a target whose file was missing for a reader, or whose earlier
	 * opening failed, is tried again */
	return store_target_open(s, target, first_step_end, true) == -1 ? -1 : 0;
}

time_t
store_last(struct store *s, const char *target)
{
	struct store_target *t = store_target_find(s, target);

	return t != NULL && t->last > 0 ? t->last : 0;
}

static struct store_target *
writable(struct store *s, const char *target, time_t to, const char *what)
{
	struct store_target *t = store_target_find(s, target);

	if (t == NULL || t->last <= 0) {
		log_warnx(
		    "store: %s: %s before a successful store_ensure", target, what);
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
	return store_update_slow(
	    s, target, step_end, up_s, down_s, maint_s, latency_ms, 0);
}

int
store_update_slow(struct store *s, const char *target, time_t step_end, double up_s,
    double down_s, double maint_s, double latency_ms, double slow_s)
{
	struct store_target *t;
	double v[STORE_NDS] = {up_s, down_s, maint_s, latency_ms, slow_s};

	if ((t = writable(s, target, step_end, "update")) == NULL)
		return -1;
	if (!valid_seconds(up_s, down_s, maint_s) || latency_ms < 0 ||
	    !(slow_s >= 0 && slow_s <= up_s)) {
		log_warnx("store: %s: step ending %lld: up %g down %g maint %g "
			  "latency %g: out of range",
		    target, (long long)step_end, up_s, down_s, maint_s, latency_ms);
		return -1;
	}
	if (step_end > t->last + STORE_STEP && t->refused) {
		static const double zero[STORE_NDS] = {0, 0, 0, NAN, 0};

		if (store_queue_push(
			s, t, t->last + STORE_STEP, step_end - STORE_STEP, zero) == -1)
			return -1;
		t->last = step_end - STORE_STEP;
	}
	if (step_end != t->last + STORE_STEP) {
		log_warnx("store: %s: step ending %lld follows the last one written "
			  "(%lld) %s",
		    target, (long long)step_end, (long long)t->last,
		    step_end <= t->last ? "out of order: not written twice"
					: "with a gap: fill the steps between first");
		return -1;
	}
	if (store_queue_push(s, t, step_end, step_end, v) == -1)
		return -1;
	t->last = step_end;
	if (!s->deferred && (s->batch <= 1 || t->q.len - t->q.head >= s->batch))
		store_queue_flush(s, t, false);
	return 0;
}

int
store_fill(struct store *s, const char *target, time_t to, double up_s, double down_s,
    double maint_s)
{
	struct store_target *t;
	double v[STORE_NDS] = {up_s, down_s, maint_s, NAN, 0};

	if ((t = writable(s, target, to, "fill")) == NULL)
		return -1;
	if (!valid_seconds(up_s, down_s, maint_s)) {
		log_warnx("store: %s: fill up %g down %g maint %g: out of range",
		    target, up_s, down_s, maint_s);
		return -1;
	}
	if (to <= t->last)
		return 0;
	if (store_queue_push(s, t, t->last + STORE_STEP, to, v) == -1)
		return -1;
	t->last = to;
	if (!s->deferred && (s->batch <= 1 || t->q.len - t->q.head >= s->batch))
		store_queue_flush(s, t, false);
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
			store_daemon_flush(s, s->t[i], false);
		free(s->t[i]->q.v);
		free(s->t[i]->acked.v);
		free(s->t[i]);
	}
	if (s->daemon != NULL)
		rrdc_disconnect();
	free(s->t);
	free(s->due);
	free(s->dir);
	free(s->daemon);
	free(s);
}

/*
 * Let each target collect n queue entries before they are written (a
 * replay writes a month of steps: one librrd call for hundreds of steps
 * instead of one each). Everything is written at store_close, and before
 * any read, whatever n is.
 */
void
store_set_batch(struct store *s, size_t n)
{
	s->batch = n;
}
