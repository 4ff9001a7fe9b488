/*
 * contract.h - the contract's terms applied to a period's seconds: which
 * service-credit tier an availability reaches, decided exactly on the
 * seconds, and the calendar periods a contract is settled over (month,
 * quarter, year). Pure: no clock, no files.
 */
#ifndef SLAMON_CONTRACT_H
#define SLAMON_CONTRACT_H

#include <stdbool.h>
#include <time.h>

#include "conf.h"

struct contract_credit {
	int tier;	/* index into the credits (highest threshold first), -1: none */
	double below;	/* the tier's threshold, percent (when tier >= 0) */
	double percent; /* credit, percent of the fee; 0 without a tier */
	long countable_s; /* up + down: the seconds the availability is of */
	long down_s;
	/* the fewest down seconds of countable_s that reach this tier (-1 without) */
	long tier_down_s;
	/* the fewest down seconds that reach the next worse tier (-1: none left) */
	long next_down_s;
};

/* Whether up / (up + down) is strictly below `below` percent, exactly. */
bool contract_below(double below, long up_s, long down_s);
/* The fewest down seconds out of countable_s that make it below `below`. */
long contract_down_threshold(double below, long countable_s);
/* The tier reached by up/down under credits; out->tier -1 when none (or no
 * data: up + down == 0 reaches no tier). */
void contract_credit(
    const struct conf_credits *, long up_s, long down_s, struct contract_credit *out);

/*
 * The seconds of a step that missed the latency objective: its up seconds
 * when the mean latency of its probes is above latency_slo_ms, else 0.
 * Up seconds are outside announced maintenance already, so degraded time
 * inside maintenance is excluded as down time is. No objective (0) or no
 * latency (NAN) is never degraded.
 */
int contract_degraded_s(int up_s, double latency_ms, int latency_slo_ms);

enum contract_period { CONTRACT_MONTH, CONTRACT_QUARTER, CONTRACT_YEAR };

/*
 * "2026-03", "2026-Q1" or "2026" as kind: [start, end) at local midnights
 * of the configured zone and a label. -1 when spec is not of that form.
 */
int contract_period_bounds(enum contract_period, const char *spec, time_t *start,
    time_t *end, char *label, size_t len);
/* How many months a period of that kind has. */
int contract_period_months(enum contract_period);

#endif
