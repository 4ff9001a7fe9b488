/*
 * fdlimit.h - file descriptors for `slamon run`: the soft limit raised to
 * the hard one at start, and split between probing and the HTTP server so
 * that clients of the page can never take the descriptors probes need.
 */
#ifndef SLAMON_FDLIMIT_H
#define SLAMON_FDLIMIT_H

#include <stddef.h>

/* Descriptors kept for the daemon's own files, rrdcached, alerts, logs. */
#define FDLIMIT_BASE 64
/* Per probe in flight: its socket, and two more while libcurl's threaded
 * resolver works on a name (prober.c counts the same). */
#define FDLIMIT_PER_PROBE 3
/* The page stays reachable even on a starved limit. */
#define FDLIMIT_MIN_HTTP 8

/* Raise the soft RLIMIT_NOFILE to the hard limit, logging both; the limit now. */
long fdlimit_raise(void);
/* Descriptors open now (the baseline before probing starts). */
long fdlimit_open_now(void);
/*
 * Connections the HTTP server may hold with limit descriptors in all, open
 * already open and at most nprobes probes in flight (pure; at least
 * FDLIMIT_MIN_HTTP).
 */
long fdlimit_http_budget(long limit, long open, size_t nprobes);

#endif
