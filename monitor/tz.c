/*
 * tz.c - conversion between UTC and local time in the configured zone.
 *
 * The zone comes from the system tz database through TZ and localtime_r.
 * Local to UTC is done here rather than with mktime() or libical because
 * both are vague about the two DST nights: mktime()'s answer for a skipped
 * or repeated time depends on tm_isdst guesses, and libical 3.0 carries the
 * shifted hour into the next day. We follow RFC 5545 3.3.5 instead: a time
 * in the spring gap takes the offset from before the gap, an ambiguous time
 * in autumn is its first occurrence.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "tz.h"

static char tz_current[128] = "UTC";

int
tz_valid_name(const char *name)
{
	char path[512], magic[4];
	FILE *f;
	const char *dir;
	size_t n;

	if (name == NULL || *name == '\0' || strlen(name) > 100)
		return 0;
	if (name[0] == '/' || strstr(name, "..") != NULL)
		return 0;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && strchr("/_-+", *p) == NULL)
			return 0;
	if ((dir = getenv("TZDIR")) == NULL)
		dir = "/usr/share/zoneinfo";
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "rb")) == NULL)
		return 0;
	n = fread(magic, 1, sizeof(magic), f);
	fclose(f);
	return n == 4 && memcmp(magic, "TZif", 4) == 0;
}

int
tz_set(const char *name)
{
	if (!tz_valid_name(name))
		return -1;
	snprintf(tz_current, sizeof(tz_current), "%s", name);
	if (setenv("TZ", name, 1) == -1)
		return -1;
	tzset();
	return 0;
}

const char *
tz_name(void)
{
	return tz_current;
}

long
tz_offset(time_t t)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return 0;
	return tm.tm_gmtoff;
}

static int
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
tz_days_in_month(int year, int mon)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (mon < 1 || mon > 12)
		return 0;
	return days[mon - 1] + (mon == 2 && is_leap(year));
}

bool
tz_local_valid(const struct tz_local *l)
{
	return l->year >= 1970 && l->year <= 9999 && l->mon >= 1 && l->mon <= 12 &&
	    l->mday >= 1 && l->mday <= tz_days_in_month(l->year, l->mon) &&
	    l->hour >= 0 && l->hour <= 23 && l->min >= 0 && l->min <= 59 &&
	    l->sec >= 0 && l->sec <= 59;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static long
days_from_civil(int y, int m, int d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(long z, int *y, int *m, int *d)
{
	long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

void
tz_local_add_days(struct tz_local *l, int days)
{
	civil_from_days(days_from_civil(l->year, l->mon, l->mday) + days, &l->year,
	    &l->mon, &l->mday);
}

/* The local wall time read as if it were UTC. */
static time_t
local_as_utc(const struct tz_local *l)
{
	return (time_t)days_from_civil(l->year, l->mon, l->mday) * 86400 +
	    l->hour * 3600 + l->min * 60 + l->sec;
}

time_t
tz_wall_seconds(const struct tz_local *l)
{
	return local_as_utc(l);
}

void
tz_wall_to_local(time_t wall, struct tz_local *l)
{
	long days = (long)(wall / 86400), rem = (long)(wall % 86400);

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil_from_days(days, &l->year, &l->mon, &l->mday);
	l->hour = (int)(rem / 3600);
	l->min = (int)(rem / 60 % 60);
	l->sec = (int)(rem % 60);
}

enum tz_kind
tz_from_local(const struct tz_local *l, time_t *out)
{
	time_t wall = local_as_utc(l), cand[2], found[2];
	long before, after;
	int nfound = 0;

	/*
	 * Zone offsets change at most once around any instant in practice;
	 * the offsets a day either side bracket every answer.
	 */
	before = tz_offset(wall - 86400);
	after = tz_offset(wall + 86400);
	cand[0] = wall - before;
	cand[1] = wall - after;
	for (int i = 0; i < 2; i++) {
		if (i == 1 && cand[1] == cand[0])
			break;
		if (tz_offset(cand[i]) == wall - cand[i])
			found[nfound++] = cand[i];
	}
	if (nfound == 0) {
		*out = wall - before;
		return TZ_LOCAL_GAP;
	}
	if (nfound == 2) {
		*out = found[0] < found[1] ? found[0] : found[1];
		return TZ_LOCAL_AMBIGUOUS;
	}
	*out = found[0];
	return TZ_LOCAL_OK;
}

void
tz_to_local(time_t t, struct tz_local *l)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	localtime_r(&t, &tm);
	l->year = tm.tm_year + 1900;
	l->mon = tm.tm_mon + 1;
	l->mday = tm.tm_mday;
	l->hour = tm.tm_hour;
	l->min = tm.tm_min;
	l->sec = tm.tm_sec;
}

time_t
tz_month_start(int year, int mon)
{
	struct tz_local l = {year, mon, 1, 0, 0, 0};
	time_t t;

	while (l.mon > 12) {
		l.mon -= 12;
		l.year++;
	}
	while (l.mon < 1) {
		l.mon += 12;
		l.year--;
	}
	tz_from_local(&l, &t);
	return t;
}

static int
digits(const char **sp, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*sp)[i]))
			return -1;
		v = v * 10 + ((*sp)[i] - '0');
	}
	*sp += n;
	*out = v;
	return 0;
}

enum tz_parse_result
tz_parse(const char *s, int flags, time_t *out, bool *date_only)
{
	struct tz_local l = {0, 0, 0, 0, 0, 0};
	const char *p = s;
	bool has_time = false, utc = false, has_off = false;
	int offh = 0, offm = 0, sign = 1;

	if (date_only)
		*date_only = false;
	if ((flags & TZ_PARSE_ALLOW_EPOCH) && *p) {
		const char *q = p + (*p == '-');
		char *end;
		long long v;

		while (isdigit((unsigned char)*q))
			q++;
		if (*q == '\0' && q > p + (*p == '-')) {
			/* All digits: Unix seconds (a date always has dashes). */
			errno = 0;
			v = strtoll(p, &end, 10);
			/* 1970 up to the end of year 9999: what RFC 3339 can write */
			if (errno || *end || v < 0 || v > 253402300799LL)
				return TZ_PARSE_RANGE;
			*out = (time_t)v;
			return TZ_PARSE_OK;
		}
	}
	if (digits(&p, 4, &l.year) || *p++ != '-' || digits(&p, 2, &l.mon) ||
	    *p++ != '-' || digits(&p, 2, &l.mday))
		return TZ_PARSE_SYNTAX;
	if (*p == ' ' || *p == 'T' || *p == 't') {
		p++;
		has_time = true;
		if (digits(&p, 2, &l.hour) || *p++ != ':' || digits(&p, 2, &l.min))
			return TZ_PARSE_SYNTAX;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &l.sec))
				return TZ_PARSE_SYNTAX;
			if (*p == '.') { /* fractional seconds: accepted, dropped */
				p++;
				if (!isdigit((unsigned char)*p))
					return TZ_PARSE_SYNTAX;
				while (isdigit((unsigned char)*p))
					p++;
			}
		}
		if (*p == 'Z' || *p == 'z') {
			utc = true;
			p++;
		} else if (*p == '+' || *p == '-') {
			sign = *p == '-' ? -1 : 1;
			p++;
			if (digits(&p, 2, &offh) || *p++ != ':' || digits(&p, 2, &offm))
				return TZ_PARSE_SYNTAX;
			if (offh > 23 || offm > 59)
				return TZ_PARSE_RANGE;
			has_off = true;
		}
	}
	if (*p != '\0')
		return TZ_PARSE_SYNTAX;
	if (!tz_local_valid(&l))
		return TZ_PARSE_RANGE;
	if (!has_time && date_only)
		*date_only = true;
	if (utc || has_off) {
		*out = local_as_utc(&l) - sign * (offh * 3600 + offm * 60);
		return TZ_PARSE_OK;
	}
	if (tz_from_local(&l, out) == TZ_LOCAL_GAP)
		return TZ_PARSE_GAP;
	return TZ_PARSE_OK;
}

const char *
tz_parse_strerror(enum tz_parse_result r)
{
	switch (r) {
	case TZ_PARSE_OK:
		return "ok";
	case TZ_PARSE_SYNTAX:
		return "expected YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS] or RFC 3339";
	case TZ_PARSE_RANGE:
		return "no such date or time";
	case TZ_PARSE_GAP:
		return "local time skipped by a daylight saving change";
	}
	return "?";
}

/* "HH:MM" or "HH:MM:SS" to seconds after midnight. */
int
tz_parse_hms(const char *s, int *secs)
{
	int h, m, sec = 0;

	if (digits(&s, 2, &h) || *s++ != ':' || digits(&s, 2, &m))
		return -1;
	if (*s == ':') {
		s++;
		if (digits(&s, 2, &sec))
			return -1;
	}
	if (*s != '\0' || h > 24 || m > 59 || sec > 59 || (h == 24 && (m || sec)))
		return -1;
	*secs = h * 3600 + m * 60 + sec;
	return 0;
}

char *
tz_rfc3339(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

char *
tz_local_str(time_t t, char *buf, size_t len)
{
	struct tm tm;
	long off;
	char tmp[32];

	localtime_r(&t, &tm);
	off = tm.tm_gmtoff;
	strftime(tmp, sizeof(tmp), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(buf, len, "%s%c%02ld:%02ld", tmp, off < 0 ? '-' : '+',
	    labs(off) / 3600, (labs(off) % 3600) / 60);
	return buf;
}
