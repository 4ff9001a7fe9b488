/*
 * ics-fetch.h - calendars subscribed to by URL in maintenance.ics, fetched
 * on the daemon's event loop (libcurl multi through curlm.c, never
 * blocking) at start and every ics_refresh seconds, with ETag and
 * If-Modified-Since. The last good copy is kept in state_dir/ics/, where
 * calendar_load reads it, so it survives a failed fetch and a restart.
 */
#ifndef SLAMON_ICS_FETCH_H
#define SLAMON_ICS_FETCH_H

#include <stdbool.h>

#include "conf.h"

struct event_base;
struct ics_fetch;

/*
 * Called after every round of fetches (every ics_refresh seconds, and once
 * at start): changed when a new copy was stored. The calendar is reloaded
 * then (it also picks up edited files and records occurrences that came
 * within the horizon).
 */
typedef void ics_fetch_done_cb(void *arg, bool changed);

/* NULL when conf names no ics entry. */
struct ics_fetch *ics_fetch_new(
    struct event_base *, const struct conf *, ics_fetch_done_cb *, void *arg);
/* A reloaded configuration: transfers in flight are abandoned, a round starts. */
void ics_fetch_reload(struct ics_fetch *, const struct conf *);
void ics_fetch_free(struct ics_fetch *);

#endif
