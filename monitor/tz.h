/* tz.h - local time in the configured IANA zone, and the time syntax of the command line. */
#ifndef SLAMON_TZ_H
#define SLAMON_TZ_H

#include <stdbool.h>
#include <time.h>

/* A broken-down local wall time, without zone. */
struct tz_local {
	int year, mon, mday; /* mon 1-12 */
	int hour, min, sec;
};

enum tz_kind {
	TZ_LOCAL_OK,	    /* exactly one instant has this local time */
	TZ_LOCAL_GAP,	    /* skipped by a spring-forward change */
	TZ_LOCAL_AMBIGUOUS, /* repeated by a fall-back change */
};

int tz_valid_name(const char *name);
int tz_set(const char *name);
const char *tz_name(void);
long tz_offset(time_t t);
enum tz_kind tz_from_local(const struct tz_local *l, time_t *out);
void tz_to_local(time_t t, struct tz_local *l);
bool tz_local_valid(const struct tz_local *l);
int tz_days_in_month(int year, int mon);
time_t tz_month_start(int year, int mon);
void tz_local_add_days(struct tz_local *l, int days);
/* A wall time as seconds on a zone-less clock (as if it were UTC), and back. */
time_t tz_wall_seconds(const struct tz_local *l);
void tz_wall_to_local(time_t wall, struct tz_local *l);

/* Parsing of T as in design.md section 2. */
#define TZ_PARSE_ALLOW_EPOCH 0x1
enum tz_parse_result {
	TZ_PARSE_OK,
	TZ_PARSE_SYNTAX, /* not one of the accepted forms */
	TZ_PARSE_RANGE,	 /* a field out of range, or a date that does not exist */
	TZ_PARSE_GAP,	 /* a local time skipped by a DST change */
};
enum tz_parse_result tz_parse(const char *s, int flags, time_t *out, bool *date_only);
const char *tz_parse_strerror(enum tz_parse_result);
int tz_parse_hms(const char *s, int *secs);

#define TZ_RFC3339_LEN 32
char *tz_rfc3339(time_t t, char *buf, size_t len);
char *tz_local_str(time_t t, char *buf, size_t len);

#endif
