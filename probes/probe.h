/*
 * probe.h - the one small table every probe type fills in.
 *
 * A probe knows nothing of the monitor's internals: it is configured from
 * its own keys of a target, started with a run that carries the event base
 * and a deadline, and ends every path in exactly one call of probe_done().
 */
#ifndef SLAMON_PROBE_H
#define SLAMON_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "../monitor/conf.h"

enum probe_reason {
	PROBE_OK = 0,
	PROBE_CONNECT_REFUSED,
	PROBE_CONNECT_TIMEOUT,
	PROBE_DNS_FAILURE,
	PROBE_TLS_FAILURE,
	PROBE_HTTP_STATUS,
	PROBE_BODY_MISMATCH,
	PROBE_TIMEOUT,
	PROBE_RESET,
	PROBE_TOO_LARGE,
	PROBE_EXPECT_MISMATCH, /* tcp expect / dns answer not as configured */
	PROBE_CERT_EXPIRING,
	PROBE_CANCELLED, /* still running when the next run was due */
	PROBE_NETWORK,	 /* any other transport error */
	PROBE_INTERNAL,	 /* a local resource failure, not the target's fault */
	PROBE_RESOLVER,	 /* the monitoring host's own resolver is unusable */
	/* Monitor faults: this host, not the target, failed (probe_local). */
	PROBE_LOCAL_FDS,     /* EMFILE, ENFILE: out of file descriptors */
	PROBE_LOCAL_MEMORY,  /* ENOMEM, CURLE_OUT_OF_MEMORY */
	PROBE_LOCAL_BUFFERS, /* ENOBUFS: the kernel's socket buffers */
	PROBE_LOCAL_PORTS,   /* EADDRNOTAVAIL: no local port or address left */
	PROBE_NREASONS
};

const char *probe_reason_name(enum probe_reason);
/*
 * Whether the reason is a monitor fault: an error of this host (descriptors,
 * memory, buffers, local ports, its resolver setup), which says nothing of
 * the target. Such a result makes the target's time unknown, never down.
 */
bool probe_local(enum probe_reason);
/* The monitor-fault reason of an errno (EMFILE...), or `otherwise`. */
enum probe_reason probe_errno_reason(int err, enum probe_reason otherwise);

/* The parts of an HTTP(S) transfer whose durations /metrics shows, as
 * blackbox_exporter names them. */
enum probe_timing {
	PROBE_T_RESOLVE,
	PROBE_T_CONNECT,
	PROBE_T_TLS,
	PROBE_T_PROCESSING, /* request sent to first byte of the answer */
	PROBE_T_TRANSFER,   /* first byte to last */
	PROBE_NTIMINGS
};

const char *probe_timing_name(enum probe_timing);

/* What a run learnt besides its verdict, for /metrics. A probe fills what it
 * knows in run->detail before probe_done(); the rest stays unknown. */
struct probe_detail {
	long http_status;		 /* 0: no HTTP answer */
	double timing_s[PROBE_NTIMINGS]; /* < 0: not measured */
	double dns_s;			 /* name lookup, seconds; < 0: none */
	long long cert_not_after;	 /* leaf certificate, Unix time; 0: none */
	char tls_version[16];		 /* "TLSv1.3" as OpenSSL names it; "": none */
};

struct probe_result {
	enum probe_reason reason;
	char text[256];	    /* human text, e.g. "HTTP status 503" */
	double latency_ms;  /* < 0 when not measured */
	double duration_ms; /* start to result, whatever the result */
	struct probe_detail detail;
};

struct event_base;
struct event;
struct curlm;
struct resolver;

/* What probes share, owned by the prober: the event base, the libcurl
 * multi handle on it (curlm.c) and the resolver (resolve.c, c-ares). */
struct probe_env {
	struct event_base *base;
	struct curlm *curlm;
	struct resolver *resolver;
	/* Recycled per-run state, so that a run allocates nothing once the
	 * pools hold as many as were ever in flight at once: deadline timers,
	 * and each probe type's own state (probe_priv_get). */
	struct event **idle_timers;
	size_t nidle_timers, capidle_timers;
	void *idle_priv[8]; /* free lists, by index in probe_table */
	/* Runs that keep their own clock (PROBE_PHASE_SELF) have no timer of
	 * their own: one sweep a second over this list is their backstop. */
	struct probe_run *selfs;
	struct event *backstop;
	bool backstop_armed;
};

/* Where a run is when its deadline passes decides the reason reported. */
enum probe_phase {
	PROBE_PHASE_CONNECT = 0, /* "connect timeout after N ms" */
	PROBE_PHASE_DNS,	 /* "DNS failure: timeout after N ms" */
	PROBE_PHASE_REPLY,	 /* "timeout after N ms" */
	PROBE_PHASE_SELF,	 /* the probe enforces its own deadline */
	PROBE_PHASE_RESOLVER,	 /* asking 127.0.0.1 for want of a nameserver:
				 "resolver unavailable: ..." */
};

struct probe_run;
typedef void probe_done_cb(struct probe_run *, const struct probe_result *, void *);

/*
 * One run of one probe. The caller fills env, ops, conf, timeout_ms, done
 * and arg, then calls probe_start(); the rest belongs to probe.c and the
 * probe. Exactly one done() follows, unless probe_cancel() comes first.
 */
struct probe_run {
	struct probe_env *env;
	const struct probe_ops *ops;
	const void *conf; /* the probe's own settings */
	int timeout_ms;
	probe_done_cb *done;
	void *arg;

	struct timespec t0; /* monotonic start */
	struct probe_detail detail;
	enum probe_phase phase;
	void *priv;				  /* the probe's per-run state */
	struct event *deadline;			  /* unless phase is SELF */
	struct probe_run *self_next, **self_prev; /* in env->selfs, if SELF */
	bool active;
	bool starting; /* inside ops->start */
};

struct probe_ops {
	const char *name;
	const char *const *keys; /* the type's own configuration keys */
	/* Parse and validate the type's keys; NULL after conf_error(). */
	void *(*configure)(struct conf_ctx *, const config_setting_t *target);
	void (*free)(void *);
	/* Start a run; must end, now or later, in exactly one probe_done().
	 * -1 (after logging) when nothing was started and nothing is held. */
	int (*start)(struct probe_run *);
	/* Abandon a run: release everything in run->priv, call nothing back. */
	void (*cancel)(struct probe_run *);
	/* One line describing the endpoint, for logs and `slamon check`. */
	void (*describe)(const void *, char *, size_t);
};

int probe_env_init(struct probe_env *, struct event_base *);
void probe_env_clear(struct probe_env *);

/* Start run; its done callback may come from inside this call. */
void probe_start(struct probe_run *);
/* Abandon an active run without a result. */
void probe_cancel(struct probe_run *);
/* The one way out of a run: release the probe's state (ops->cancel), measure,
 * and call run->done once. Latency is measured for PROBE_OK only. */
void probe_done(struct probe_run *, enum probe_reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
double probe_elapsed_ms(const struct probe_run *);
/* The probe keeps its own clock from now on (a transfer started after a
 * lookup): the run's deadline becomes a backstop PROBE_BACKSTOP_MS after its
 * end, kept by a sweep of all such runs once a second rather than by a timer
 * of each (the backstop fires 1 to 2 s after the timeout). */
#define PROBE_BACKSTOP_MS 1000
void probe_phase_self(struct probe_run *);
/* Zeroed per-run state of size bytes for run's probe type, recycled from an
 * earlier run when one was given back with probe_priv_put. */
void *probe_priv_get(struct probe_run *, size_t size);
void probe_priv_put(struct probe_run *, void *);
double probe_mono_ms(void);

/* What libcurl measured of a finished transfer, into run->detail: phase
 * timings, certificate expiry (with CURLOPT_CERTINFO), and, set up before
 * the transfer starts, the negotiated TLS version. curl-info.c. */
void curlinfo_timings(struct probe_run *, void *curl);
void curlinfo_cert(struct probe_run *, void *curl);
void curlinfo_watch_tls(struct probe_run *, void *curl);
/* Undo it, before the handle is kept with its options (curlm_keep). */
void curlinfo_unwatch_tls(void *curl);
/* The leaf certificate's expiry from CURLOPT_CERTINFO; -1 when not there. */
int curlinfo_expiry(void *curl, long long *out);

/* libcurl's verdict on a finished transfer, as a probe_reason and its text
 * (curl-reason.c). */
int curlm_reason(struct probe_run *, void *curl, int curlcode, const char *errbuf,
    char *text, size_t len);

const struct probe_ops *probe_find(const char *name);
extern const struct probe_ops *const probe_table[];

#endif
