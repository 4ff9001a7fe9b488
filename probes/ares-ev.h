/* ares-ev.h - one c-ares channel driven by the libevent loop. */
#ifndef SLAMON_ARES_EV_H
#define SLAMON_ARES_EV_H

#include <stddef.h>

#include <ares.h>

struct event_base;
struct aresev;

/*
 * A channel whose sockets are watched with libevent events and whose
 * retransmissions run from one timer set from ares_timeout(). servers is a
 * c-ares CSV ("127.0.0.1:5353,[::1]:53"), or NULL for the system's own
 * (/etc/resolv.conf, with its search list and options). timeout_ms and
 * tries override the channel's (0: keep). NULL, with the reason in err, when
 * c-ares cannot set up a channel.
 */
struct aresev *aresev_new(struct event_base *, const char *servers, int timeout_ms,
    int tries, char *err, size_t errlen);
/* Destroys the channel: every query still in it is called back with
 * ARES_EDESTRUCTION. Never from inside one of the channel's callbacks. */
void aresev_free(struct aresev *);

/*
 * One lookup on a channel. The callback always comes from the loop, never
 * from inside the call that started the lookup (c-ares answers a hosts-file
 * hit or a local error at once; that answer is held for the next turn of the
 * loop), and never after aresev_cancel(). c-ares cannot withdraw a query:
 * a cancelled one runs on inside the channel, orphaned, until its answer or
 * c-ares's own timeout, and is then dropped.
 */
struct aresev_req;
/* ares_query(): status is c-ares's, abuf the raw answer when there is one. */
typedef void aresev_query_cb(
    void *arg, int status, const unsigned char *abuf, int alen);
/* ares_getaddrinfo(): res (freed after the callback) when status is 0. */
typedef void aresev_addr_cb(void *arg, int status, const struct ares_addrinfo *res);

struct aresev_req *aresev_query(
    struct aresev *, const char *name, int type, aresev_query_cb *, void *arg);
struct aresev_req *aresev_getaddrinfo(
    struct aresev *, const char *name, aresev_addr_cb *, void *arg);
void aresev_cancel(struct aresev_req *);
/* Lookups started and not yet ended (answered, dropped or called back). */
int aresev_pending(const struct aresev *);

#endif
