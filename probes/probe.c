/* probe.c - the table of probe types and the names of their reasons. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "../monitor/curlm.h"
#include "../monitor/log.h"
#include "probe.h"
#include "resolve.h"

extern const struct probe_ops probe_http_ops, probe_tcp_ops, probe_dns_ops,
    probe_tls_ops, probe_icmp_ops;

const struct probe_ops *const probe_table[] = {
    &probe_http_ops,
    &probe_tcp_ops,
    &probe_dns_ops,
    &probe_tls_ops,
    &probe_icmp_ops,
    NULL,
};

const struct probe_ops *
probe_find(const char *name)
{
	for (size_t i = 0; probe_table[i]; i++)
		if (strcmp(probe_table[i]->name, name) == 0)
			return probe_table[i];
	return NULL;
}

const char *
probe_reason_name(enum probe_reason r)
{
	static const char *const names[PROBE_NREASONS] = {
	    [PROBE_OK] = "ok",
	    [PROBE_CONNECT_REFUSED] = "connect_refused",
	    [PROBE_CONNECT_TIMEOUT] = "connect_timeout",
	    [PROBE_DNS_FAILURE] = "dns_failure",
	    [PROBE_TLS_FAILURE] = "tls_failure",
	    [PROBE_HTTP_STATUS] = "http_status",
	    [PROBE_BODY_MISMATCH] = "body_mismatch",
	    [PROBE_TIMEOUT] = "timeout",
	    [PROBE_RESET] = "reset",
	    [PROBE_TOO_LARGE] = "too_large",
	    [PROBE_EXPECT_MISMATCH] = "expect_mismatch",
	    [PROBE_CERT_EXPIRING] = "cert_expiring",
	    [PROBE_CANCELLED] = "cancelled",
	    [PROBE_NETWORK] = "network",
	    [PROBE_INTERNAL] = "internal",
	    [PROBE_RESOLVER] = "resolver_unavailable",
	    [PROBE_LOCAL_FDS] = "local_fds",
	    [PROBE_LOCAL_MEMORY] = "local_memory",
	    [PROBE_LOCAL_BUFFERS] = "local_buffers",
	    [PROBE_LOCAL_PORTS] = "local_ports",
	};

	if ((unsigned)r >= PROBE_NREASONS)
		return "unknown";
	return names[r];
}

const char *
probe_timing_name(enum probe_timing t)
{
	static const char *const names[PROBE_NTIMINGS] = {
	    [PROBE_T_RESOLVE] = "resolve",
	    [PROBE_T_CONNECT] = "connect",
	    [PROBE_T_TLS] = "tls",
	    [PROBE_T_PROCESSING] = "processing",
	    [PROBE_T_TRANSFER] = "transfer",
	};

	if ((unsigned)t >= PROBE_NTIMINGS)
		return "unknown";
	return names[t];
}

bool
probe_local(enum probe_reason r)
{
	switch (r) {
	case PROBE_INTERNAL:
	case PROBE_LOCAL_FDS:
	case PROBE_LOCAL_MEMORY:
	case PROBE_LOCAL_BUFFERS:
	case PROBE_LOCAL_PORTS:
	case PROBE_RESOLVER:
		return true;
	default:
		return false;
	}
}

enum probe_reason
probe_errno_reason(int err, enum probe_reason otherwise)
{
	switch (err) {
	case EMFILE:
	case ENFILE:
		return PROBE_LOCAL_FDS;
	case ENOMEM:
		return PROBE_LOCAL_MEMORY;
	case ENOBUFS:
		return PROBE_LOCAL_BUFFERS;
	case EADDRNOTAVAIL:
		return PROBE_LOCAL_PORTS;
	default:
		return otherwise;
	}
}

/*
 * The run machinery every probe shares: one deadline per run, and one way
 * out. A probe that finishes, fails or times out ends in probe_done(), which
 * first has the probe release its state (ops->cancel) so that a done callback
 * may start the next run of the same target at once.
 */

double
probe_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

double
probe_elapsed_ms(const struct probe_run *run)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)(ts.tv_sec - run->t0.tv_sec) * 1e3 +
	    (double)(ts.tv_nsec - run->t0.tv_nsec) / 1e6;
}

static void probe_arm(struct probe_run *, double);

static void
probe_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct probe_run *run = arg;

	(void)fd;
	(void)what;
	/* never before the timeout: a deadline armed late in a long loop turn
	 * counts from the turn's start (probe_arm) */
	if (probe_elapsed_ms(run) < run->timeout_ms - 1.0) {
		probe_arm(run, run->timeout_ms);
		return;
	}
	switch (run->phase) {
	case PROBE_PHASE_CONNECT:
		probe_done(run, PROBE_CONNECT_TIMEOUT, "connect timeout after %d ms",
		    run->timeout_ms);
		break;
	case PROBE_PHASE_DNS:
		probe_done(run, PROBE_DNS_FAILURE, "DNS failure: timeout after %d ms",
		    run->timeout_ms);
		break;
	case PROBE_PHASE_RESOLVER:
		probe_done(run, PROBE_RESOLVER,
		    "resolver unavailable: no nameserver in /etc/resolv.conf "
		    "(127.0.0.1 did not answer in %d ms)",
		    run->timeout_ms);
		break;
	case PROBE_PHASE_REPLY:
	case PROBE_PHASE_SELF:
		probe_done(run, PROBE_TIMEOUT, "timeout after %d ms", run->timeout_ms);
		break;
	}
}

/* A deadline timer from the env's pool: no allocation once the pool holds as
 * many as were ever armed at once. */
static struct event *
probe_timer_get(struct probe_run *run)
{
	struct probe_env *env = run->env;
	struct event *ev;

	if (env->nidle_timers > 0) {
		ev = env->idle_timers[--env->nidle_timers];
		evtimer_assign(ev, env->base, probe_deadline_cb, run);
		return ev;
	}
	return evtimer_new(env->base, probe_deadline_cb, run);
}

static void
probe_timer_put(struct probe_env *env, struct event *ev)
{
	evtimer_del(ev);
	if (env->nidle_timers == env->capidle_timers) {
		env->capidle_timers = env->capidle_timers ? env->capidle_timers * 2
							  : 16;
		env->idle_timers = xreallocarray(
		    env->idle_timers, env->capidle_timers, sizeof(*env->idle_timers));
	}
	env->idle_timers[env->nidle_timers++] = ev;
}

/* The deadline at ms after the run's start (t0), not after now. */
static void
probe_arm(struct probe_run *run, double ms)
{
	struct timeval tv;

	/* libevent counts the timer from the time it cached at the start of
	 * this loop turn, so it may fire early by what ran before in the turn:
	 * probe_deadline_cb then arms it again for the rest */
	ms -= probe_elapsed_ms(run);
	if (ms < 1)
		ms = 1;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)((long)ms % 1000) * 1000;
	evtimer_add(run->deadline, &tv);
}

/* The sweep runs in a second, unless it is armed already. */
static void
probe_backstop_arm(struct probe_env *env)
{
	struct timeval tv = {1, 0};

	if (env->backstop_armed)
		return;
	evtimer_add(env->backstop, &tv);
	env->backstop_armed = true;
}

/* The sweep: a run that kept its own clock and is still going
 * PROBE_BACKSTOP_MS after its timeout is ended here (a probe that lost
 * track of its transfer must not hold its slot forever). */
static void
probe_backstop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct probe_env *env = arg;
	struct probe_run *run;

	(void)fd;
	(void)what;
	env->backstop_armed = false;
again:
	for (run = env->selfs; run; run = run->self_next)
		if (probe_elapsed_ms(run) >= run->timeout_ms + PROBE_BACKSTOP_MS) {
			/* done() may start and end other runs: look again */
			probe_done(
			    run, PROBE_TIMEOUT, "timeout after %d ms", run->timeout_ms);
			goto again;
		}
	if (env->selfs)
		probe_backstop_arm(env);
}

/* The run keeps its own clock: its deadline timer, if any, goes back to the
 * pool and the run joins the sweep's list. */
static void
probe_self_link(struct probe_run *run)
{
	struct probe_env *env = run->env;

	if (run->deadline) {
		probe_timer_put(env, run->deadline);
		run->deadline = NULL;
	}
	if (run->self_prev)
		return;
	run->self_next = env->selfs;
	if (env->selfs)
		env->selfs->self_prev = &run->self_next;
	env->selfs = run;
	run->self_prev = &env->selfs;
	probe_backstop_arm(env);
}

static void
probe_self_unlink(struct probe_run *run)
{
	if (run->self_prev == NULL)
		return;
	if (run->self_next)
		run->self_next->self_prev = run->self_prev;
	*run->self_prev = run->self_next;
	run->self_next = NULL;
	run->self_prev = NULL;
}

void
probe_start(struct probe_run *run)
{
	clock_gettime(CLOCK_MONOTONIC, &run->t0);
	memset(&run->detail, 0, sizeof(run->detail));
	for (int i = 0; i < PROBE_NTIMINGS; i++)
		run->detail.timing_s[i] = -1;
	run->detail.dns_s = -1;
	run->phase = PROBE_PHASE_CONNECT;
	run->priv = NULL;
	run->self_next = NULL;
	run->self_prev = NULL;
	run->active = true;
	if (run->ops->start == NULL) {
		probe_done(
		    run, PROBE_INTERNAL, "%s probes cannot run here", run->ops->name);
		return;
	}
	errno = 0;
	run->starting = true;
	if (run->ops->start(run) == -1 && run->active) {
		int err = errno;
		run->starting = false;
		/* out of descriptors or memory: say which, it is no fault of the target */
		probe_done(run, probe_errno_reason(err, PROBE_INTERNAL),
		    "could not start the probe%s%s", err ? ": " : "",
		    err ? strerror(err) : "");
		return;
	}
	run->starting = false;
	if (!run->active)
		return; /* done already, from inside start */
	/* The deadline is set once the start has returned, so that it knows the
	 * phase: a probe that keeps its own clock (curl knows whether it was
	 * still connecting) gets only the sweep's backstop, and its precise
	 * reason wins; the others a timer at their timeout. */
	if (run->phase == PROBE_PHASE_SELF) {
		probe_self_link(run);
		return;
	}
	if (run->deadline == NULL && (run->deadline = probe_timer_get(run)) == NULL) {
		probe_done(run, PROBE_INTERNAL, "cannot create a timer");
		return;
	}
	probe_arm(run, run->timeout_ms);
}

void
probe_phase_self(struct probe_run *run)
{
	run->phase = PROBE_PHASE_SELF;
	if (!run->starting && run->active)
		probe_self_link(run);
}

static void
probe_release(struct probe_run *run)
{
	probe_self_unlink(run);
	if (run->deadline) {
		probe_timer_put(run->env, run->deadline);
		run->deadline = NULL;
	}
	if (run->priv && run->ops->cancel)
		run->ops->cancel(run);
	run->priv = NULL;
	run->active = false;
}

/* The index of a probe type in probe_table: its free list of run state. */
static size_t
probe_index(const struct probe_ops *ops)
{
	size_t i;

	for (i = 0; probe_table[i] && probe_table[i] != ops; i++)
		;
	return i;
}

#define PROBE_NPRIV (sizeof(((struct probe_env *)0)->idle_priv) / sizeof(void *))

void *
probe_priv_get(struct probe_run *run, size_t size)
{
	size_t i = probe_index(run->ops);
	void **head;

	if (i >= PROBE_NPRIV || run->env->idle_priv[i] == NULL)
		return xcalloc(1, size);
	/* a free object's first word links to the next one */
	head = run->env->idle_priv[i];
	run->env->idle_priv[i] = *head;
	memset(head, 0, size);
	return head;
}

void
probe_priv_put(struct probe_run *run, void *p)
{
	size_t i = probe_index(run->ops);

	if (p == NULL)
		return;
	if (i >= PROBE_NPRIV) {
		free(p);
		return;
	}
	*(void **)p = run->env->idle_priv[i];
	run->env->idle_priv[i] = p;
}

void
probe_cancel(struct probe_run *run)
{
	if (run->active)
		probe_release(run);
}

void
probe_done(struct probe_run *run, enum probe_reason reason, const char *fmt, ...)
{
	struct probe_result res;
	va_list ap;

	if (!run->active)
		return;
	res.reason = reason;
	va_start(ap, fmt);
	vsnprintf(res.text, sizeof(res.text), fmt, ap);
	va_end(ap);
	res.duration_ms = probe_elapsed_ms(run);
	res.latency_ms = reason == PROBE_OK ? res.duration_ms : -1;
	res.detail = run->detail;
	probe_release(run);
	run->done(run, &res, run->arg);
}

int
probe_env_init(struct probe_env *env, struct event_base *base)
{
	memset(env, 0, sizeof(*env));
	env->base = base;
	if ((env->curlm = curlm_new(base)) == NULL)
		return -1;
	env->resolver = resolver_new(base);
	if ((env->backstop = evtimer_new(base, probe_backstop_cb, env)) == NULL)
		return -1;
	return 0;
}

void
probe_env_clear(struct probe_env *env)
{
	for (size_t i = 0; i < env->nidle_timers; i++)
		event_free(env->idle_timers[i]);
	free(env->idle_timers);
	env->idle_timers = NULL;
	env->nidle_timers = env->capidle_timers = 0;
	for (size_t i = 0; i < PROBE_NPRIV; i++)
		while (env->idle_priv[i]) {
			void **p = env->idle_priv[i];
			env->idle_priv[i] = *p;
			free(p);
		}
	if (env->backstop)
		event_free(env->backstop);
	env->backstop = NULL;
	env->backstop_armed = false;
	curlm_free(env->curlm);
	env->curlm = NULL;
	resolver_free(env->resolver);
	env->resolver = NULL;
}
