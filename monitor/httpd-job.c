/*
 * httpd-job.c - expensive answers off the event loop.
 *
 * A month's report for 2,000 targets reads 2,000 RRD files and the whole
 * journal: seconds of work that, on the loop, start every probe late. Such
 * answers are computed in a child process (fork: the configuration,
 * calendar and engine are there as they are now, copy-on-write, with no
 * lock shared with the loop) which writes the answer to a pipe and exits.
 * The child opens a store of its own: the parent's holds queued writes and
 * an rrdcached connection that must not be touched from two processes.
 *
 * The cost on the loop is the fork itself: copying the page tables, about a
 * millisecond per 100 MB of the daemon's memory, then a page copied for each
 * page the loop writes while the child lives (seconds). A thread would cost
 * neither, but would need every reader of the store, the calendar and the
 * engine made thread-safe against the loop that writes them.
 *
 * Answers are cached per key (one month, one graph): ten identical
 * requests cost one computation (single flight), and while a new answer
 * is computed the last one is served. Only with nothing cached and every
 * worker busy is the answer a 503 with Retry-After: the page degrades, the
 * prober does not wait.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <rrd.h>
#include <rrd_client.h>

#include "httpd-job.h"
#include "httpd-priv.h"
#include "log.h"
#include "store.h"

#define JOB_MAX_ENTRIES 256 /* cached answers kept */
#define JOB_MAX_WAITERS 512 /* requests waiting for one computation */
#define JOB_TIMEOUT 120	    /* seconds a computation may take */
#define JOB_MIN_AGE 5	    /* seconds an answer is fresh whatever happens */
#define JOB_RETRY_AFTER "5"

struct job_waiter {
	struct evhttp_request *req;
	httpd_job_then *then; /* NULL: send the answer */
};

struct job_entry {
	char *key;
	bool past;
	/* the last answer */
	int code;
	char ctype[64];
	char *body;
	size_t len;
	time_t at;
	unsigned long gen; /* data generation it was computed from */
	off_t jsize;	   /* journal size then (past answers) */
	/* the computation in flight */
	pid_t pid;
	int fd;
	struct event *ev, *timeout;
	struct evbuffer *in;
	unsigned long run_gen;
	off_t run_jsize;
	time_t run_at;
	struct job_waiter *waiters;
	size_t nwaiters, capwaiters;
	time_t failed_at; /* the last computation failed then: not again at once */
	struct job_entry *next;
	struct httpd_jobs *jobs;
};

struct httpd_jobs {
	struct httpd *h;
	struct job_entry *entries;
	size_t nentries;
	long running;
	unsigned long gen;
	unsigned long computed, served_cached, served_stale, refused, failed;
};

static struct httpd_jobs *
jobs_of(struct httpd *h)
{
	if (h->jobs == NULL) {
		h->jobs = xcalloc(1, sizeof(*h->jobs));
		h->jobs->h = h;
	}
	return h->jobs;
}

static off_t
job_journal_size(struct httpd *h)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/journal.jsonl", h->src.conf->state_dir);
	return stat(path, &st) == 0 ? st.st_size : -1;
}

static bool
job_fresh(struct httpd *h, const struct job_entry *e, time_t now)
{
	if (e->body == NULL)
		return false;
	if (now >= e->at && now - e->at < JOB_MIN_AGE)
		return true;
	if (e->past)
		return e->jsize == job_journal_size(h);
	return e->gen == h->jobs->gen;
}

static void
job_send(struct evhttp_request *req, const struct job_entry *e, time_t now, bool stale)
{
	char age[32];

	snprintf(age, sizeof(age), "%lld", (long long)(now > e->at ? now - e->at : 0));
	evhttp_add_header(evhttp_request_get_output_headers(req), "Age", age);
	if (stale)
		evhttp_add_header(evhttp_request_get_output_headers(req), "Warning",
		    "110 - \"Response is Stale\"");
	httpd_send_str(req, e->code, e->ctype, e->body, e->len);
}

static void
job_unavailable(struct evhttp_request *req, const char *msg)
{
	evhttp_add_header(
	    evhttp_request_get_output_headers(req), "Retry-After", JOB_RETRY_AFTER);
	httpd_error(req, 503, msg);
}

static void
job_finish(struct job_entry *e, bool ok)
{
	struct httpd_jobs *j = e->jobs;
	time_t now = httpd_now(j->h);
	int status;

	event_free(e->ev);
	event_free(e->timeout);
	e->ev = e->timeout = NULL;
	close(e->fd);
	e->fd = -1;
	if (!ok)
		kill(e->pid, SIGKILL);
	while (waitpid(e->pid, &status, 0) == -1 && errno == EINTR)
		;
	e->pid = 0;
	j->running--;
	if (ok && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
		ok = false;
	if (ok) {
		/* "CODE CTYPE\n" then the body */
		size_t n = evbuffer_get_length(e->in);
		char *all = xmalloc(n + 1), *nl;
		int code;
		char ctype[64];

		evbuffer_remove(e->in, all, n);
		all[n] = '\0';
		if ((nl = memchr(all, '\n', n)) != NULL &&
		    sscanf(all, "%d %63s", &code, ctype) == 2) {
			free(e->body);
			e->len = n - (size_t)(nl + 1 - all);
			e->body = xmalloc(e->len + 1);
			memcpy(e->body, nl + 1, e->len);
			e->body[e->len] = '\0';
			e->code = code;
			snprintf(e->ctype, sizeof(e->ctype), "%s", ctype);
			e->at = e->run_at;
			e->gen = e->run_gen;
			e->jsize = e->run_jsize;
			j->computed++;
		} else
			ok = false;
		free(all);
	}
	evbuffer_free(e->in);
	e->in = NULL;
	if (!ok) {
		j->failed++;
		e->failed_at = now;
		log_warnx("httpd: computing %s failed", e->key);
	}
	/* the list may grow while it is answered (a then() asking again) */
	for (size_t i = 0; i < e->nwaiters; i++) {
		struct job_waiter w = e->waiters[i];

		if (w.then != NULL)
			w.then(j->h, w.req);
		else if (e->body != NULL)
			job_send(w.req, e, now, !ok);
		else
			job_unavailable(w.req, "the answer could not be computed");
	}
	e->nwaiters = 0;
}

static void
job_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct job_entry *e = arg;
	int n;

	(void)what;
	n = evbuffer_read(e->in, fd, 65536);
	if (n > 0)
		return;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	job_finish(e, n == 0);
}

static void
job_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct job_entry *e = arg;

	(void)fd;
	(void)what;
	log_warnx(
	    "httpd: computing %s took more than %d s; abandoned", e->key, JOB_TIMEOUT);
	job_finish(e, false);
}

/* In the child: compute, write, exit. Never returns. */
static void
job_child(struct httpd *h, int wfd, httpd_job_fn *fn, const char *arg, time_t now)
{
	struct evbuffer *out = evbuffer_new();
	char ctype[64] = "application/json", err[512], head[128];
	struct store *own = NULL;
	int code;

	/* the parent's rrdcached connection is not ours to speak on, and its
	 * sockets (clients, listener) must close when it closes them */
	rrdc_disconnect();
	if (wfd != 3) {
		dup2(wfd, 3);
		close(wfd);
	}
	if (close_range(4, ~0U, 0) == -1)
		for (int fd = 4; fd < 65536 && fd < sysconf(_SC_OPEN_MAX); fd++)
			close(fd);
	if (h->src.store != NULL) {
		own = store_open(h->src.conf->state_dir, h->src.conf->rrdcached,
		    store_zone_granularity(now), err, sizeof(err));
		if (own == NULL)
			_exit(3);
	}
	h->src.store = own;
	code = fn(h, arg, now, out, ctype, sizeof(ctype));
	snprintf(head, sizeof(head), "%d %s\n", code, ctype);
	if (write(3, head, strlen(head)) != (ssize_t)strlen(head))
		_exit(4);
	while (evbuffer_get_length(out) > 0)
		if (evbuffer_write(out, 3) <= 0)
			_exit(5);
	/* no store_close: it would write nothing, and flush rrdcached */
	_exit(0);
}

static int
job_start(struct httpd *h, struct job_entry *e, httpd_job_fn *fn, const char *arg)
{
	struct httpd_jobs *j = h->jobs;
	struct timeval tv = {JOB_TIMEOUT, 0};
	time_t now = httpd_now(h);
	int p[2];
	pid_t pid;

	if (j->running >= h->src.conf->http.workers ||
	    (e->failed_at && now >= e->failed_at && now - e->failed_at < JOB_MIN_AGE))
		return -1;
	if (pipe2(p, O_CLOEXEC) == -1) {
		log_warn("httpd: pipe");
		return -1;
	}
	fflush(NULL);
	if ((pid = fork()) == -1) {
		log_warn("httpd: fork");
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		job_child(h, p[1], fn, arg, now);
	}
	close(p[1]);
	evutil_make_socket_nonblocking(p[0]);
	e->pid = pid;
	e->fd = p[0];
	e->in = evbuffer_new();
	e->run_at = now;
	e->run_gen = j->gen;
	e->run_jsize = job_journal_size(h);
	if (e->in == NULL ||
	    (e->ev = event_new(h->base, p[0], EV_READ | EV_PERSIST, job_read_cb, e)) ==
		NULL ||
	    (e->timeout = evtimer_new(h->base, job_timeout_cb, e)) == NULL)
		fatalx("event_new");
	event_add(e->ev, NULL);
	evtimer_add(e->timeout, &tv);
	j->running++;
	return 0;
}

static void
job_entry_free(struct job_entry *e)
{
	free(e->key);
	free(e->body);
	free(e->waiters);
	free(e);
}

static struct job_entry *
job_entry(struct httpd *h, const char *key, bool past)
{
	struct httpd_jobs *j = jobs_of(h);
	struct job_entry *e, **pp, **oldest = NULL;

	for (e = j->entries; e != NULL; e = e->next)
		if (strcmp(e->key, key) == 0)
			return e;
	/* full: forget the oldest answer that nobody waits for */
	if (j->nentries >= JOB_MAX_ENTRIES) {
		for (pp = &j->entries; *pp != NULL; pp = &(*pp)->next)
			if ((*pp)->pid == 0 &&
			    (oldest == NULL || (*pp)->at < (*oldest)->at))
				oldest = pp;
		if (oldest != NULL) {
			e = *oldest;
			*oldest = e->next;
			job_entry_free(e);
			j->nentries--;
		}
	}
	e = xcalloc(1, sizeof(*e));
	e->key = xstrdup(key);
	e->past = past;
	e->fd = -1;
	e->jobs = j;
	e->next = j->entries;
	j->entries = e;
	j->nentries++;
	return e;
}

static void
job_wait(struct job_entry *e, struct evhttp_request *req, httpd_job_then *then)
{
	if (e->nwaiters == e->capwaiters) {
		e->capwaiters = e->capwaiters ? 2 * e->capwaiters : 8;
		e->waiters = xreallocarray(
		    e->waiters, e->capwaiters, sizeof(*e->waiters));
	}
	e->waiters[e->nwaiters].req = req;
	e->waiters[e->nwaiters++].then = then;
}

void
httpd_job_serve(struct httpd *h, struct evhttp_request *req, const char *key, bool past,
    httpd_job_fn *fn, const char *arg)
{
	struct job_entry *e = job_entry(h, key, past);
	struct httpd_jobs *j = h->jobs;
	time_t now = httpd_now(h);

	if (job_fresh(h, e, now)) {
		j->served_cached++;
		job_send(req, e, now, false);
		return;
	}
	if (e->pid == 0)
		job_start(h, e, fn, arg); /* may fail: all workers busy */
	if (e->body != NULL) {
		/* the last answer now, rather than a wait */
		j->served_stale++;
		job_send(req, e, now, true);
		return;
	}
	if (e->pid == 0 || e->nwaiters >= JOB_MAX_WAITERS) {
		j->refused++;
		job_unavailable(req, "busy computing other answers; try again shortly");
		return;
	}
	job_wait(e, req, NULL);
}

bool
httpd_job_defer(struct httpd *h, struct evhttp_request *req, const char *key, bool past,
    httpd_job_fn *fn, const char *arg, httpd_job_then *then)
{
	struct job_entry *e = job_entry(h, key, past);

	if (e->body != NULL)
		return false;
	if (e->pid == 0)
		job_start(h, e, fn, arg);
	if (e->pid == 0 || e->nwaiters >= JOB_MAX_WAITERS)
		return false;
	job_wait(e, req, then);
	return true;
}

const char *
httpd_job_peek(
    struct httpd *h, const char *key, bool past, httpd_job_fn *fn, const char *arg)
{
	struct job_entry *e = job_entry(h, key, past);

	if (!job_fresh(h, e, httpd_now(h)) && e->pid == 0)
		job_start(h, e, fn, arg);
	return e->body != NULL && e->code == 200 ? e->body : NULL;
}

void
httpd_job_data_changed(struct httpd *h)
{
	if (h != NULL)
		jobs_of(h)->gen++;
}

void
httpd_job_invalidate(struct httpd *h)
{
	struct httpd_jobs *j = jobs_of(h);

	j->gen++;
	for (struct job_entry *e = j->entries; e != NULL; e = e->next)
		e->jsize = -2; /* past answers too */
}

void
httpd_job_free(struct httpd *h)
{
	struct httpd_jobs *j = h->jobs;

	if (j == NULL)
		return;
	for (struct job_entry *e = j->entries, *n; e != NULL; e = n) {
		n = e->next;
		if (e->pid != 0)
			job_finish(e, false); /* waiters get a 503 */
		job_entry_free(e);
	}
	free(j);
	h->jobs = NULL;
}

void
httpd_job_stats(struct httpd *h, struct httpd_job_stats *st)
{
	struct httpd_jobs *j = jobs_of(h);

	st->computed = j->computed;
	st->cached = j->served_cached;
	st->stale = j->served_stale;
	st->refused = j->refused;
	st->failed = j->failed;
	st->running = j->running;
}
