/*
 * curlm.c - libcurl's multi interface driven by libevent, after curl's
 * docs/examples/hiperfifo.c: curl tells us which sockets to watch
 * (CURLMOPT_SOCKETFUNCTION) and when to wake it (CURLMOPT_TIMERFUNCTION); we
 * hand every readiness back with curl_multi_socket_action and drain
 * curl_multi_info_read after each. No state beyond the context pointer.
 *
 * Easy handles are pooled: a run borrows one, curl_easy_reset() wipes it
 * when it comes back. The pool grows to the largest number of transfers in
 * flight at once, not to the number of targets. A user that sets again, or
 * undoes, every option it ever sets may hand its handle back without the
 * reset (curlm_keep: about 3 % of an http probe's instructions), tagged
 * with its kind; only a curlm_get_kept of that same kind gets it so. So do the per-transfer
 * records and the per-socket events: once warm, a transfer allocates
 * nothing of ours (libcurl still allocates inside).
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>

#include "curlm.h"
#include "log.h"
#include "mclock.h"

struct curlm_xfer {
	curlm_done_cb *done;
	void *arg;
	struct curlm_xfer *next; /* in the free list */
	int sock_errno;		 /* socket() failed with it (curl does not say why) */
};

struct curlm {
	struct event_base *base;
	CURLM *multi;
	/* curl's one timer, lazily: a deadline that moves later leaves the
	 * libevent timer where it is, which follows it when it fires (as each
	 * transfer ends the earliest deadline moves: an event_add a probe). */
	struct event *timer;
	double timer_at;      /* when the timer is armed for (monotonic ms), or -1 */
	double want_at;	      /* when curl wants its timeout action, or -1 */
	unsigned timer_calls; /* of CURLMOPT_TIMERFUNCTION, to see it said nothing */
	CURL **pool;	      /* reset */
	size_t npool, cappool;
	struct curlm_kept {
		CURL *e;
		const void *kind;
	} * kept; /* not reset: options as their kind left them */
	size_t nkept, capkept;
	struct curlm_xfer *idle_xfers;
	struct event **idle_events;
	size_t nidle_events, capidle_events;
	int done_errno; /* the finishing transfer's sock_errno, during done() */
};

static void
curlm_xfer_put(struct curlm *m, struct curlm_xfer *x)
{
	x->next = m->idle_xfers;
	m->idle_xfers = x;
}

static void curlm_check_info(struct curlm *);

static void
curlm_check_info(struct curlm *m)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(m->multi, &left)) != NULL) {
		struct curlm_xfer *x = NULL;
		CURL *e = msg->easy_handle;
		CURLcode rc = msg->data.result;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&x);
		curl_multi_remove_handle(m->multi, e);
		curl_easy_setopt(e, CURLOPT_PRIVATE, NULL);
		if (x) {
			curlm_done_cb *done = x->done;
			void *arg = x->arg;
			m->done_errno = x->sock_errno;
			curlm_xfer_put(m, x);
			done(e, rc, arg);
			m->done_errno = 0;
		}
	}
}

static void
curlm_event_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct curlm *m = arg;
	int action = 0, running;

	if (kind & EV_READ)
		action |= CURL_CSELECT_IN;
	if (kind & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(m->multi, fd, action, &running);
	curlm_check_info(m);
}

static double
curlm_now_ms(void)
{
	return mclock_mono_now() * 1e3;
}

static void
curlm_arm(struct curlm *m, double at, double now)
{
	struct timeval tv = mclock_tv_ms(at - now);

	evtimer_add(m->timer, &tv);
	m->timer_at = at;
}

static void
curlm_timer_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct curlm *m = arg;
	double now = curlm_now_ms();
	unsigned calls = m->timer_calls;
	int running;

	(void)fd;
	(void)kind;
	m->timer_at = -1;
	if (m->want_at < 0)
		return; /* curl has no deadline any more */
	if (m->want_at > now + 1) {
		curlm_arm(m, m->want_at, now); /* it moved later since */
		return;
	}
	curl_multi_socket_action(m->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	curlm_check_info(m);
	/* curl calls back only when its next deadline changes: silence means
	 * it found nothing due yet (the timer was early for its clock), and
	 * it is asked again in a millisecond */
	if (m->timer_calls == calls && m->want_at >= 0 && m->timer_at < 0)
		curlm_arm(m, now + 1, now);
}

/* CURLMOPT_TIMERFUNCTION: one timer for the whole multi. */
static int
curlm_multi_timer_cb(CURLM *multi, long timeout_ms, void *arg)
{
	struct curlm *m = arg;
	double now;

	(void)multi;
	m->timer_calls++;
	if (timeout_ms < 0) {
		m->want_at = -1; /* an armed timer finds nothing to do */
		return 0;
	}
	now = curlm_now_ms();
	m->want_at = now + (double)timeout_ms;
	if (m->timer_at < 0 || m->timer_at > m->want_at)
		curlm_arm(m, m->want_at, now);
	return 0;
}

/* CURLMOPT_SOCKETFUNCTION: the per-socket event lives in curl's socket slot. */
static int
curlm_sock_cb(CURL *e, curl_socket_t s, int what, void *arg, void *sockp)
{
	struct curlm *m = arg;
	struct event *ev = sockp;
	short kind;

	(void)e;
	if (what == CURL_POLL_REMOVE) {
		if (ev) {
			event_del(ev);
			if (m->nidle_events == m->capidle_events) {
				m->capidle_events = m->capidle_events
				    ? m->capidle_events * 2
				    : 16;
				m->idle_events = xreallocarray(m->idle_events,
				    m->capidle_events, sizeof(*m->idle_events));
			}
			m->idle_events[m->nidle_events++] = ev;
		}
		curl_multi_assign(m->multi, s, NULL);
		return 0;
	}
	kind = EV_PERSIST | ((what & CURL_POLL_IN) ? EV_READ : 0) |
	    ((what & CURL_POLL_OUT) ? EV_WRITE : 0);
	if (ev) {
		event_del(ev);
		event_assign(ev, m->base, s, kind, curlm_event_cb, m);
	} else if (m->nidle_events > 0) {
		ev = m->idle_events[--m->nidle_events];
		event_assign(ev, m->base, s, kind, curlm_event_cb, m);
		curl_multi_assign(m->multi, s, ev);
	} else {
		if ((ev = event_new(m->base, s, kind, curlm_event_cb, m)) == NULL)
			return -1;
		curl_multi_assign(m->multi, s, ev);
	}
	event_add(ev, NULL);
	return 0;
}

struct curlm *
curlm_new(struct event_base *base)
{
	struct curlm *m = xcalloc(1, sizeof(*m));

	m->base = base;
	m->timer_at = m->want_at = -1;
	if ((m->multi = curl_multi_init()) == NULL ||
	    (m->timer = evtimer_new(base, curlm_timer_cb, m)) == NULL) {
		log_warnx("cannot set up libcurl on the event loop");
		goto fail;
	}
	curl_multi_setopt(m->multi, CURLMOPT_SOCKETFUNCTION, curlm_sock_cb);
	curl_multi_setopt(m->multi, CURLMOPT_SOCKETDATA, m);
	curl_multi_setopt(m->multi, CURLMOPT_TIMERFUNCTION, curlm_multi_timer_cb);
	curl_multi_setopt(m->multi, CURLMOPT_TIMERDATA, m);
	return m;
fail:
	curlm_free(m);
	return NULL;
}

void
curlm_free(struct curlm *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->npool; i++)
		curl_easy_cleanup(m->pool[i]);
	free(m->pool);
	for (size_t i = 0; i < m->nkept; i++)
		curl_easy_cleanup(m->kept[i].e);
	free(m->kept);
	if (m->multi)
		curl_multi_cleanup(m->multi);
	for (size_t i = 0; i < m->nidle_events; i++)
		event_free(m->idle_events[i]);
	free(m->idle_events);
	while (m->idle_xfers) {
		struct curlm_xfer *x = m->idle_xfers;
		m->idle_xfers = x->next;
		free(x);
	}
	if (m->timer)
		event_free(m->timer);
	free(m);
}

CURL *
curlm_get(struct curlm *m)
{
	CURL *e;

	if (m->npool > 0)
		return m->pool[--m->npool];
	if (m->nkept > 0) {
		e = m->kept[--m->nkept].e;
		curl_easy_reset(e);
		return e;
	}
	return curl_easy_init();
}

CURL *
curlm_get_kept(struct curlm *m, const void *kind)
{
	if (m->nkept > 0 && m->kept[m->nkept - 1].kind == kind)
		return m->kept[--m->nkept].e;
	return curlm_get(m);
}

void
curlm_put(struct curlm *m, CURL *e)
{
	curl_easy_reset(e);
	if (m->npool == m->cappool) {
		m->cappool = m->cappool ? m->cappool * 2 : 16;
		m->pool = xreallocarray(m->pool, m->cappool, sizeof(*m->pool));
	}
	m->pool[m->npool++] = e;
}

/*
 * CURLOPT_OPENSOCKETFUNCTION: the socket as curl would open it, but its
 * errno kept: curl reports a failed socket() (EMFILE, ENOBUFS...) as a
 * plain "couldn't connect" with no OS errno, which would read as the
 * target's fault.
 */
static curl_socket_t
curlm_opensocket_cb(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct curlm_xfer *x = arg;
	curl_socket_t s;

	(void)purpose;
	if ((s = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol)) == -1)
		x->sock_errno = errno;
	return s == -1 ? CURL_SOCKET_BAD : s;
}

int
curlm_errno(const struct curlm *m)
{
	return m ? m->done_errno : 0;
}

int
curlm_add(struct curlm *m, CURL *e, curlm_done_cb *done, void *arg)
{
	struct curlm_xfer *x = m->idle_xfers;
	CURLMcode rc;

	if (x)
		m->idle_xfers = x->next;
	else
		x = xcalloc(1, sizeof(*x));
	x->done = done;
	x->arg = arg;
	x->sock_errno = 0; /* a record from the free list */
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	/* A transfer that ends while libcurl's threaded resolver is still
	 * waiting would join that thread here, in the event loop; quick exit
	 * leaves the thread to finish alone. */
	curl_easy_setopt(e, CURLOPT_QUICK_EXIT, 1L);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, curlm_opensocket_cb);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, x);
	if ((rc = curl_multi_add_handle(m->multi, e)) != CURLM_OK) {
		log_warnx("curl_multi_add_handle: %s", curl_multi_strerror(rc));
		curl_easy_setopt(e, CURLOPT_PRIVATE, NULL);
		curlm_xfer_put(m, x);
		return -1;
	}
	return 0;
}

/* Take e out of its transfer, if it is still in one. */
static void
curlm_remove(struct curlm *m, CURL *e)
{
	struct curlm_xfer *x = NULL;

	curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&x);
	if (x) {
		curl_multi_remove_handle(m->multi, e);
		curl_easy_setopt(e, CURLOPT_PRIVATE, NULL);
		curlm_xfer_put(m, x);
	}
}

void
curlm_cancel(struct curlm *m, CURL *e)
{
	curlm_remove(m, e);
	curlm_put(m, e);
}

void
curlm_keep(struct curlm *m, CURL *e, const void *kind)
{
	curlm_remove(m, e);
	/* the pointers of the run that used it go: nothing of curl's may
	 * write into a run's freed state (curl_easy_cleanup at exit) */
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, NULL);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, NULL);
	if (m->nkept == m->capkept) {
		m->capkept = m->capkept ? m->capkept * 2 : 16;
		m->kept = xreallocarray(m->kept, m->capkept, sizeof(*m->kept));
	}
	m->kept[m->nkept].e = e;
	m->kept[m->nkept].kind = kind;
	m->nkept++;
}
