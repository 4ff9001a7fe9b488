/*
 * orphans.h - outages the journal has open for targets that are no longer
 * in the configuration (removed while the monitor was stopped, or by a
 * version that left them open): closed at start, so that no incident stays
 * unresolved for a target nobody probes.
 */
#ifndef SLAMON_ORPHANS_H
#define SLAMON_ORPHANS_H

#include <time.h>

#include "conf.h"

struct journal;

/*
 * Each such outage gets its outage_end at `known` (the last second the
 * monitor knew of, not before the outage's start), journaled at now, with
 * the reason "target removed from the configuration", and a recovery record
 * when its alert went out. Returns how many were closed, -1 when the
 * journal cannot be read.
 */
int orphans_close(struct journal *, const struct conf *, time_t known, time_t now);

#endif
