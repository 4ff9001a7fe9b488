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
 * time now as a `delivery` record: every failed attempt and every final
 * outcome. With stopping, an undelivered notice is recorded as abandoned,
 * not final, so that the next start sends it again.
 */
void alerting_journal(struct journal *, time_t now, const struct notify_msg *,
    const struct conf_alert *, int attempt, bool delivered, bool final,
    const char *error, bool stopping);
/*
 * After a (re)start: every alert and recovery the journal holds whose
 * delivery to a configured channel never finished (the monitor died, or
 * stopped, between deciding and delivering) is sent to that channel again,
 * with the same delivery id, unless it is older than the channel's
 * retry_for. Returns the number of deliveries queued.
 */
int alerting_resume(struct notify *, struct pipeline *, time_t now);

#endif
