/*
 * contract.c - service-credit tiers decided on the seconds, and contract
 * periods.
 *
 * The tier is never decided on a rounded percentage: 99.9 % shown with
 * three decimals may be 99.8996 %, and a customer at exactly 99.9 % is not
 * below 99.9. Thresholds have at most six decimals (conf-contract.c), so
 * below x 10^6 is a whole number B and "up / (up + down) < below / 100"
 * is the integer comparison up x 10^8 < B x (up + down), in 128 bits:
 * a component of 10,000 targets over a year has ~3 x 10^11 seconds.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "contract.h"
#include "tz.h"

#define SCALE 100000000LL /* 100 % x 10^6 */

static long long
micro(double below)
{
	return llround(below * 1e6);
}

bool
contract_below(double below, long up_s, long down_s)
{
	__int128 n = (__int128)up_s + down_s;

	if (n <= 0)
		return false;
	return (__int128)up_s * SCALE < (__int128)micro(below) * n;
}

long
contract_down_threshold(double below, long countable_s)
{
	/* (n - d) x SCALE < B x n  <=>  d x SCALE > n x (SCALE - B) */
	__int128 x = (__int128)countable_s * (SCALE - micro(below));

	return (long)(x / SCALE) + 1;
}

void
contract_credit(
    const struct conf_credits *c, long up_s, long down_s, struct contract_credit *out)
{
	long n = up_s + down_s;

	memset(out, 0, sizeof(*out));
	out->tier = -1;
	out->countable_s = n;
	out->down_s = down_s;
	out->tier_down_s = -1;
	out->next_down_s = -1;
	if (c == NULL || c->n == 0 || n <= 0)
		return;
	/* highest threshold first: the last one still above is the worst reached */
	for (size_t k = 0; k < c->n; k++)
		if (contract_below(c->v[k].below, up_s, down_s))
			out->tier = (int)k;
	if (out->tier >= 0) {
		out->below = c->v[out->tier].below;
		out->percent = c->v[out->tier].percent;
		out->tier_down_s = contract_down_threshold(out->below, n);
	}
	if ((size_t)(out->tier + 1) < c->n) {
		long d = contract_down_threshold(c->v[out->tier + 1].below, n);
		/* a threshold of 100 % x n seconds is out of reach */
		out->next_down_s = d <= n ? d : -1;
	}
}

int
contract_degraded_s(int up_s, double latency_ms, int latency_slo_ms)
{
	if (latency_slo_ms <= 0 || isnan(latency_ms) || up_s <= 0)
		return 0;
	return latency_ms > (double)latency_slo_ms ? up_s : 0;
}

int
contract_period_months(enum contract_period p)
{
	return p == CONTRACT_YEAR ? 12 : p == CONTRACT_QUARTER ? 3 : 1;
}

int
contract_period_bounds(enum contract_period p, const char *spec, time_t *start,
    time_t *end, char *label, size_t len)
{
	int y = 0, m = 1, q;
	char extra;

	switch (p) {
	case CONTRACT_MONTH:
		if (sscanf(spec, "%4d-%2d%c", &y, &m, &extra) != 2 ||
		    strlen(spec) != 7 || m < 1 || m > 12)
			return -1;
		snprintf(label, len, "%04d-%02d", y, m);
		break;
	case CONTRACT_QUARTER:
		if (sscanf(spec, "%4d-Q%1d%c", &y, &q, &extra) != 2 ||
		    strlen(spec) != 7 || q < 1 || q > 4)
			return -1;
		m = 3 * q - 2;
		snprintf(label, len, "%04d-Q%d", y, q);
		break;
	case CONTRACT_YEAR:
		if (sscanf(spec, "%4d%c", &y, &extra) != 1 || strlen(spec) != 4)
			return -1;
		snprintf(label, len, "%04d", y);
		break;
	}
	if (y < 1970 || y > 9999)
		return -1;
	*start = tz_month_start(y, m);
	*end = tz_month_start(y, m + contract_period_months(p));
	return 0;
}
