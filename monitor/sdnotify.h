/*
 * sdnotify.h - telling systemd how `slamon run` is doing (Type=notify):
 * READY once probing, RELOADING/READY around a SIGHUP, STOPPING at the end,
 * and the watchdog kept alive from the event loop, so a loop that stalls
 * is restarted. Without systemd (no NOTIFY_SOCKET) every call does nothing.
 */
#ifndef SLAMON_SDNOTIFY_H
#define SLAMON_SDNOTIFY_H

struct event_base;
struct sdnotify;

/* NULL only on allocation failure (fatal); arms the watchdog if asked for. */
struct sdnotify *sdnotify_new(struct event_base *);
void sdnotify_ready(struct sdnotify *, const char *status);
void sdnotify_reloading(struct sdnotify *);
void sdnotify_stopping(struct sdnotify *);
void sdnotify_free(struct sdnotify *);

#endif
