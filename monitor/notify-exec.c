/*
 * notify-exec.c - the exec channel: the configured argv is spawned with no
 * shell and no PATH search, the facts in SLAMON_* environment variables,
 * stdin on /dev/null, stdout and stderr captured for the error text, in a
 * session of its own so that the timeout kills the whole process group.
 * Exit status 0 means delivered. Children are reaped on SIGCHLD from the
 * event loop with waitpid() on our own pids only, so any other child of the
 * process is left alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "notify-priv.h"
#include "tz.h"

extern char **environ;

struct strv {
	char **v;
	size_t n, cap;
};

static void
strv_add(struct strv *s, const char *name, const char *value)
{
	if (s->n + 2 > s->cap) {
		s->cap = s->cap ? s->cap * 2 : 32;
		s->v = xreallocarray(s->v, s->cap, sizeof(char *));
	}
	if (value)
		xasprintf(&s->v[s->n], "%s=%s", name, value);
	else
		s->v[s->n] = xstrdup(name);
	s->v[++s->n] = NULL;
}

void
notify_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static const char *
time_str(time_t t, char *buf, size_t len)
{
	return t ? tz_rfc3339(t, buf, len) : "";
}

/* Names a variable that is always set (empty when it does not apply). */
char **
notify_format_env(const struct notify_msg *m)
{
	struct strv s = {NULL, 0, 0};
	char buf[TZ_RFC3339_LEN], num[32], *w = NULL;
	size_t wlen = 0;

	strv_add(&s, "SLAMON_EVENT", notify_kind_name(m->kind));
	strv_add(&s, "SLAMON_TEST", m->test ? "1" : "0");
	strv_add(&s, "SLAMON_TARGET", m->target);
	strv_add(&s, "SLAMON_COMPONENT", m->component ? m->component : "");
	strv_add(
	    &s, "SLAMON_OUTAGE_START", time_str(m->outage_start, buf, sizeof(buf)));
	strv_add(&s, "SLAMON_END", time_str(m->end, buf, sizeof(buf)));
	snprintf(num, sizeof(num), "%ld", m->unplanned_s);
	strv_add(&s, "SLAMON_UNPLANNED_S", num);
	snprintf(num, sizeof(num), "%ld", m->down_s);
	strv_add(&s, "SLAMON_DOWN_S", num);
	for (size_t i = 0; i < m->nwindows; i++)
		wlen += strlen(m->windows[i]) + 1;
	w = xcalloc(wlen + 1, 1);
	for (size_t i = 0; i < m->nwindows; i++) {
		if (i)
			strcat(w, ",");
		strcat(w, m->windows[i]);
	}
	strv_add(&s, "SLAMON_WINDOWS", w);
	free(w);
	strv_add(&s, "SLAMON_REASON", m->reason ? m->reason : "");
	strv_add(&s, "SLAMON_STATUS_URL", m->status_url ? m->status_url : "");
	strv_add(&s, "SLAMON_TIME", time_str(m->time, buf, sizeof(buf)));
	return s.v;
}

/* The daemon's environment without SLAMON_*, then the facts of this attempt. */
static char **
exec_env(struct notify_delivery *d)
{
	struct strv s = {NULL, 0, 0};
	char **facts = notify_format_env(&d->msg), num[16];

	for (char **e = environ; e && *e; e++)
		if (strncmp(*e, "SLAMON_", 7) != 0)
			strv_add(&s, *e, NULL);
	for (char **f = facts; *f; f++)
		strv_add(&s, *f, NULL);
	notify_strv_free(facts);
	strv_add(&s, "SLAMON_CHANNEL", d->ch->a.name);
	strv_add(&s, "SLAMON_DELIVERY", d->id);
	snprintf(num, sizeof(num), "%d", d->attempt);
	strv_add(&s, "SLAMON_ATTEMPT", num);
	strv_add(&s, "SLAMON_STATE_DIR", d->n->state_dir);
	return s.v;
}

static void
exec_read(struct notify_delivery *d)
{
	char buf[4096];
	ssize_t r;

	while (d->outfd >= 0) {
		r = read(d->outfd, buf, sizeof(buf));
		if (r > 0) {
			size_t room = sizeof(d->out) - 1 - d->out_len;
			if ((size_t)r < room)
				room = (size_t)r;
			memcpy(d->out + d->out_len, buf, room);
			d->out_len += room;
			d->out[d->out_len] = '\0';
			continue;
		}
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 && errno == EAGAIN)
			return;
		/* EOF or error: the pipe has nothing more for us */
		event_free(d->outev);
		d->outev = NULL;
		close(d->outfd);
		d->outfd = -1;
	}
}

static void
exec_read_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	exec_read(arg);
}

static void
exec_sigchld_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	notify_exec_reap(arg);
}

static int
exec_watch_children(struct notify *n)
{
	if (n->sigchld == NULL &&
	    (n->sigchld = evsignal_new(n->base, SIGCHLD, exec_sigchld_cb, n)) == NULL)
		return -1;
	if (n->children++ == 0)
		return evsignal_add(n->sigchld, NULL);
	return 0;
}

static void
exec_unwatch_child(struct notify *n)
{
	if (--n->children == 0)
		evsignal_del(n->sigchld);
}

/* Last non-empty line of the child's output, for the error text. */
static const char *
last_line(struct notify_delivery *d)
{
	char *p = d->out + d->out_len;

	while (p > d->out && (p[-1] == '\n' || p[-1] == '\r'))
		*--p = '\0';
	while (p > d->out && p[-1] != '\n')
		p--;
	for (char *q = p; *q; q++)
		if ((unsigned char)*q < 0x20)
			*q = ' ';
	return p;
}

static void
exec_finished(struct notify_delivery *d, int status)
{
	char err[512];
	const char *out;

	exec_unwatch_child(d->n);
	d->pid = -1;
	if (d->outfd >= 0)
		exec_read(d);
	out = last_line(d);
	if (d->timed_out)
		snprintf(err, sizeof(err), "killed after the %d s timeout",
		    d->ch->a.timeout);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		notify_attempt_done(d, true, NULL);
		return;
	} else if (WIFEXITED(status))
		snprintf(err, sizeof(err), "exit status %d%s%.300s",
		    WEXITSTATUS(status), *out ? ": " : "", out);
	else
		snprintf(err, sizeof(err), "killed by signal %d%s%.300s",
		    WIFSIGNALED(status) ? WTERMSIG(status) : 0, *out ? ": " : "", out);
	notify_attempt_done(d, false, err);
}

void
notify_exec_reap(struct notify *n)
{
	for (size_t i = 0; i < n->nch; i++) {
		struct notify_delivery *d, *next;

		for (d = TAILQ_FIRST(&n->ch[i]->queue); d; d = next) {
			int status;
			pid_t r;

			next = TAILQ_NEXT(d, entry);
			if (d->pid <= 0)
				continue;
			do
				r = waitpid(d->pid, &status, WNOHANG);
			while (r == -1 && errno == EINTR);
			if (r == d->pid)
				exec_finished(d, status);
			else if (r == -1) {
				/* someone else reaped it: the outcome is unknown */
				exec_unwatch_child(n);
				d->pid = -1;
				notify_attempt_done(
				    d, false, "child lost (reaped elsewhere)");
			}
		}
	}
}

/* Abandoning a running command: kill its group and reap it now. */
void
notify_exec_cancel(struct notify_delivery *d)
{
	kill(-d->pid, SIGKILL);
	while (waitpid(d->pid, NULL, 0) == -1 && errno == EINTR)
		;
	d->pid = -1;
	exec_unwatch_child(d->n);
}

int
notify_exec_start(struct notify_delivery *d, char *err, size_t errlen)
{
	const struct conf_alert *a = &d->ch->a;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	char **env = NULL;
	int p[2] = {-1, -1}, rc;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	if (exec_watch_children(d->n) == -1) {
		snprintf(err, errlen, "cannot watch SIGCHLD");
		close(p[0]);
		close(p[1]);
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigfillset(&dfl);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setflags(
	    &attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	env = exec_env(d);
	rc = posix_spawn(&pid, a->command.v[0], &fa, &attr, a->command.v, env);
	notify_strv_free(env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(p[1]);
	if (rc != 0) {
		close(p[0]);
		exec_unwatch_child(d->n);
		snprintf(err, errlen, "%s: %s", a->command.v[0], strerror(rc));
		return -1;
	}
	d->pid = pid;
	d->outfd = p[0];
	evutil_make_socket_nonblocking(d->outfd);
	if ((d->outev = event_new(
		 d->n->base, d->outfd, EV_READ | EV_PERSIST, exec_read_cb, d)) == NULL)
		fatalx("event_new");
	event_add(d->outev, NULL);
	{
		struct timeval tv = {a->timeout, 0};
		evtimer_add(d->timer, &tv);
	}
	log_debug("notify: %s: started %s (pid %ld, attempt %d)", a->name,
	    a->command.v[0], (long)pid, d->attempt);
	/*
	 * SIGCHLD was armed before the spawn, so an early exit is not missed;
	 * reaping here instead would free deliveries under the caller's feet.
	 */
	return 0;
}
