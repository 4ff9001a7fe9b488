/*
 * admin.h - the admin API on `admin_listen` (design.md 10): announcing
 * and cancelling maintenance over HTTP for change-management tools, with
 * named bearer tokens. Separate from the public, read-only `listen`.
 */
#ifndef SLAMON_ADMIN_H
#define SLAMON_ADMIN_H

#include <stddef.h>
#include <time.h>

#include "conf.h"

struct event_base;
struct calendar;
struct journal;
struct admin;

struct admin_source {
	const struct conf *conf;
	struct journal *journal; /* NULL (dry run): nothing can be recorded */
	/* the calendar as it is now (it is replaced as announcements come) */
	const struct calendar *(*calendar)(void *arg);
	/* after a record: read the calendar again, tell the page */
	void (*changed)(void *arg, time_t now);
	time_t (*now)(void *arg); /* NULL: time(NULL) */
	void *arg;
};

struct admin *admin_new(struct event_base *, const char *listen,
    const struct admin_source *, char *err, size_t errlen);
/* After a reload (new tokens, targets, windows). */
void admin_set_source(struct admin *, const struct admin_source *);
/* The bound TCP port (for "127.0.0.1:0"), or -1 (unix socket). */
int admin_port(const struct admin *);
void admin_free(struct admin *);

#endif
