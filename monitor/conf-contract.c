/*
 * conf-contract.c - the contract's terms in the configuration: service
 * credit tiers (`credits`), in defaults{} or repeated in a target.
 *
 *   credits = ( { below = 99.9; percent = 10; },
 *               { below = 99.0; percent = 25; } );
 *
 * A tier is reached when the month's availability is strictly below its
 * threshold. Thresholds have at most six decimals so that the comparison
 * can be made exactly on the seconds (contract.c), never on a rounded
 * percentage: a customer at exactly 99.9 % gets no 99.9 credit.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "conf-priv.h"
#include "conf.h"
#include "log.h"

/* More tiers than any contract has; a bound keeps a typo from costing. */
#define CONF_CREDITS_MAX 32

void
conf_credits_free(struct conf_credits *c)
{
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

static void
credits_copy(struct conf_credits *dst, const struct conf_credits *src)
{
	dst->n = src ? src->n : 0;
	dst->v = NULL;
	if (dst->n) {
		dst->v = xreallocarray(NULL, dst->n, sizeof(*dst->v));
		memcpy(dst->v, src->v, dst->n * sizeof(*dst->v));
	}
}

static int
below_cmp(const void *a, const void *b)
{
	const struct conf_credit *x = a, *y = b;

	return (x->below < y->below) - (x->below > y->below);
}

/* at most six decimals: below x 1e6 is a whole number */
static bool
six_decimals(double v)
{
	double m = v * 1e6;

	return fabs(m - nearbyint(m)) < 1e-6;
}

int
conf_parse_credits(struct conf_ctx *ctx, const config_setting_t *g,
    const struct conf_credits *inherit, struct conf_credits *out)
{
	static const char *const keys[] = {"below", "percent", NULL};
	config_setting_t *list = config_setting_get_member(g, "credits");
	struct conf_credits c = {NULL, 0};
	int n;

	if (list == NULL) {
		credits_copy(out, inherit);
		return 0;
	}
	if (!config_setting_is_list(list) && !config_setting_is_array(list)) {
		conf_error(ctx, g, "credits",
		    "expected a list ( { below = 99.9; percent = 10; }, ... )");
		return -1;
	}
	n = config_setting_length(list);
	if (n > CONF_CREDITS_MAX) {
		conf_error(
		    ctx, g, "credits", "%d tiers: at most %d", n, CONF_CREDITS_MAX);
		return -1;
	}
	/* an empty list is allowed: a target without the defaults' credits */
	c.v = xcalloc(n ? (size_t)n : 1, sizeof(*c.v));
	for (int i = 0; i < n; i++) {
		config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
		struct conf_credit *t = &c.v[c.n];

		if (!config_setting_is_group(e)) {
			conf_error(ctx, list, NULL,
			    "tier %d: expected a group { below = ...; percent = ...; }",
			    i + 1);
			goto fail;
		}
		if (conf_check_keys(ctx, e, keys, NULL) < 0 ||
		    conf_require(ctx, e, "below") || conf_require(ctx, e, "percent") ||
		    conf_get_double(ctx, e, "below", 0.0, 100.0, &t->below) < 0 ||
		    conf_get_double(ctx, e, "percent", 0.0, 100.0, &t->percent) < 0)
			goto fail;
		if (t->below <= 0.0) {
			conf_error(ctx, e, "below",
			    "must be above 0 (no availability is below 0 %%)");
			goto fail;
		}
		if (!six_decimals(t->below)) {
			conf_error(
			    ctx, e, "below", "%.10g: at most six decimals", t->below);
			goto fail;
		}
		if (t->percent <= 0.0) {
			conf_error(ctx, e, "percent", "must be above 0");
			goto fail;
		}
		for (size_t k = 0; k < c.n; k++)
			if (c.v[k].below == t->below) {
				conf_error(ctx, e, "below",
				    "%g %% is already the threshold of tier %zu",
				    t->below, k + 1);
				goto fail;
			}
		c.n++;
	}
	qsort(c.v, c.n, sizeof(*c.v), below_cmp);
	for (size_t k = 1; k < c.n; k++)
		if (c.v[k].percent < c.v[k - 1].percent) {
			/* worse availability, less credit: surely a typo */
			conf_error(ctx, list, NULL,
			    "below %g %% gives %g %%, less than the %g %% of below "
			    "%g %%: a lower availability must not earn a smaller "
			    "credit",
			    c.v[k].below, c.v[k].percent, c.v[k - 1].percent,
			    c.v[k - 1].below);
			goto fail;
		}
	if (c.n == 0) {
		free(c.v);
		c.v = NULL;
	}
	conf_credits_free(out);
	*out = c;
	return 0;
fail:
	free(c.v);
	return -1;
}
