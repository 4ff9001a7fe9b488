/*
 * journal.h - journal.jsonl in state_dir: append-only, one JSON object a
 * line, fsync'ed before the event it records is acted on (design.md 5, 6).
 */
#ifndef SLAMON_JOURNAL_H
#define SLAMON_JOURNAL_H

#include <stdbool.h>
#include <time.h>

#include <jansson.h>

struct journal;

/* Creates state_dir (and parents) when missing. NULL with err set on failure. */
struct journal *journal_open(const char *state_dir, char *err, size_t errlen);
/* A last journal_retry; records still waiting are logged as lost, whole. */
void journal_close(struct journal *);

/*
 * Append {"time": t, "event": event, ...fields}; fields is consumed (may be
 * NULL). Returns 0 once the line is on disk (write + fsync), -1 otherwise:
 * then nothing of it is in the file, and the record is kept in memory and
 * written, in order, by a later append or journal_retry (a failure spell
 * is logged once).
 */
int journal_append(struct journal *, time_t t, const char *event, json_t *fields);
/* Write the records kept in memory; returns how many still wait. */
size_t journal_retry(struct journal *);
size_t journal_pending(const struct journal *);
int journal_errno(const struct journal *); /* of the last failed write */
/* Forget the records kept in memory (a start that is given up). */
void journal_discard(struct journal *);
/* While quiet, a failed append is not logged (the caller reports it). */
void journal_set_quiet(struct journal *, bool);

/*
 * Read every record in order. A line that is not a JSON object is reported
 * through warn (with its line number) and skipped: a torn last line after a
 * crash is expected, never fatal. Returns the number of records, -1 when the
 * file exists but cannot be read; a missing file is 0 records.
 */
typedef void journal_record_cb(void *arg, json_t *rec, int line);
typedef void journal_warn_cb(void *arg, const char *msg);
int journal_read(
    const char *state_dir, journal_record_cb *, journal_warn_cb *, void *arg);

/* Helpers for records: RFC 3339 times in, time_t out. */
int journal_get_time(json_t *rec, const char *key, time_t *out);
json_t *journal_time(time_t);
/* A record's array of names (an outage's "locations") joined with sep into
 * buf; buf is left as it is when the record has no such array. */
void journal_names(
    json_t *rec, const char *key, const char *sep, char *buf, size_t len);

int mkdir_p(const char *path, int mode);

#endif
