/* replay.h - reading the replay CSV of design.md section 7 (with the
 * location column of section 9) into memory, whole or not at all. */
#ifndef SLAMON_REPLAY_H
#define SLAMON_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conf.h"

#define REPLAY_NO_DETAIL UINT32_MAX

struct replay_row {
	time_t t;
	uint32_t target; /* index into conf->targets */
	uint32_t detail; /* offset into strings, or REPLAY_NO_DETAIL */
	uint32_t line;
	float latency_ms; /* NAN when empty */
	int16_t loc;	  /* index into cluster.locations, -1: no location column */
	bool ok;
};

struct replay {
	struct replay_row *rows; /* sorted by time, file order among equals */
	size_t n, cap;
	char *strings;
	size_t slen, scap;
	time_t first, last;
};

int replay_load(
    const char *path, const struct conf *, struct replay *, char *err, size_t errlen);
void replay_free(struct replay *);
/*
 * Rows before their target's stored end (end[i] for target i, 0 when it
 * has nothing stored) cannot be replayed: a step is written once. With
 * skip they are removed and counted in *skipped; without, -1 with
 * "FILE:LINE: time: before the stored data of TARGET (ends T)" for the
 * first such line of the file. A row at the end itself continues the data.
 */
int replay_check_stored(struct replay *, const char *path, const struct conf *,
    const time_t *end, bool skip, size_t *skipped, char *err, size_t errlen);
const char *replay_detail(const struct replay *, const struct replay_row *);

#endif
