/*
 * alerting.h - between the engine's notices and alert delivery, shared by
 * `slamon run` and `slamon replay --send-alerts`: the notice becomes a
 * notify_msg with the facts of doc/alerts.md, and every failed attempt and
 * every late outcome of a delivery goes to the journal as a `delivery`
 * record.
 */
#ifndef SLAMON_ALERTING_H
#define SLAMON_ALERTING_H

#include <stdbool.h>
#include <time.h>

#include "engine.h"
#include "notify.h"

struct journal;
struct pipeline;

/* Hand notice n of pipeline p to every channel; the number queued, or -1. */
int alerting_send(struct notify *, struct pipeline *, const struct engine_notice *);
/*
 * One attempt's outcome (the arguments of notify_result_cb), journaled at
 * time now unless it is a first attempt that succeeded; failures are logged.
 */
void alerting_journal(struct journal *, time_t now, const struct notify_msg *,
    const struct conf_alert *, int attempt, bool delivered, bool final,
    const char *error);

#endif
