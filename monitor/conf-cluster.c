/*
 * conf-cluster.c - the cluster{} group of design.md section 9: which
 * locations vote, how many make an outage, and this node's part.
 *
 * Without the group nothing changes: one node, no NATS. The NATS servers
 * are needed only by `run`; `replay` applies the same quorum to a CSV's
 * location column with none.
 */
#include <stdlib.h>
#include <string.h>

#include "conf-priv.h"
#include "conf.h"
#include "log.h"

static bool
valid_location(const char *s)
{
	if (*s == '\0' || strlen(s) > 32)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
			*s == '-'))
			return false;
	return true;
}

/* nats://[USER[:PASS]@]HOST:PORT or tls://...; HOST may be [V6]. */
static bool
valid_server(const char *s)
{
	const char *hp, *colon;
	char *end;
	long port;

	if (strncmp(s, "nats://", 7) == 0)
		hp = s + 7;
	else if (strncmp(s, "tls://", 6) == 0)
		hp = s + 6;
	else
		return false;
	if (strchr(hp, '@'))
		hp = strrchr(hp, '@') + 1;
	if (*hp == '[') {
		if ((colon = strstr(hp, "]:")) == NULL)
			return false;
		colon++;
	} else if ((colon = strrchr(hp, ':')) == NULL || colon == hp)
		return false;
	for (const char *p = hp; p < colon; p++)
		if (*p == '/' || *p == ' ')
			return false;
	port = strtol(colon + 1, &end, 10);
	return colon[1] != '\0' && *end == '\0' && port >= 1 && port <= 65535;
}

/* Each comma-separated server is nats://HOST:PORT (or tls://). */
static int
check_servers(struct conf_ctx *ctx, const config_setting_t *g, const char *v)
{
	char *dup = xstrdup(v), *save = NULL, *s;
	int n = 0, rc = 0;

	for (s = strtok_r(dup, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
		while (*s == ' ')
			s++;
		if (!valid_server(s)) {
			conf_error(ctx, g, "nats",
			    "\"%s\": expected nats://HOST:PORT or tls://HOST:PORT", s);
			rc = -1;
			break;
		}
		n++;
	}
	if (rc == 0 && n == 0) {
		conf_error(ctx, g, "nats", "expected nats://HOST:PORT[,nats://...]");
		rc = -1;
	}
	free(dup);
	return rc;
}

int
conf_parse_cluster(struct conf_ctx *ctx, const config_setting_t *root, struct conf *c)
{
	static const char *const keys[] = {"nats", "location", "role", "locations",
	    "quorum", "stream", "retention", NULL};
	config_setting_t *g = conf_get_group(ctx, root, "cluster", false);
	struct conf_cluster *cl = &c->cluster;
	char *role = NULL;
	long v;

	if (ctx->failed)
		return -1;
	if (g == NULL)
		return 0;
	cl->enabled = true;
	cl->line = config_setting_source_line(g);
	cl->retention = 7 * DAY;
	cl->stream = xstrdup("SLAMON");
	if (conf_check_keys(ctx, g, keys, NULL) < 0 ||
	    conf_require(ctx, g, "locations") ||
	    conf_get_strv(ctx, g, "locations", &cl->locations) < 0 ||
	    conf_get_str(ctx, g, "nats", &cl->nats) < 0 ||
	    conf_get_str(ctx, g, "location", &cl->location) < 0 ||
	    conf_get_str(ctx, g, "role", &role) < 0 ||
	    conf_get_str(ctx, g, "stream", &cl->stream) < 0)
		goto fail;
	if (cl->locations.n == 0 || cl->locations.n > 64) {
		conf_error(ctx, g, "locations", "1 to 64 locations");
		goto fail;
	}
	for (size_t i = 0; i < cl->locations.n; i++) {
		if (!valid_location(cl->locations.v[i])) {
			conf_error(ctx, g, "locations",
			    "\"%s\": a location is [a-z0-9-]+, at most 32 characters",
			    cl->locations.v[i]);
			goto fail;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(cl->locations.v[i], cl->locations.v[j]) == 0) {
				conf_error(ctx, g, "locations",
				    "\"%s\" is listed twice", cl->locations.v[i]);
				goto fail;
			}
	}
	cl->quorum = (int)cl->locations.n / 2 + 1;
	switch (conf_get_int(ctx, g, "quorum", 1, (long)cl->locations.n, &v)) {
	case -1:
		goto fail;
	case 1:
		cl->quorum = (int)v;
		break;
	}
	switch (conf_get_int(ctx, g, "retention", 3600, 3650 * DAY, &v)) {
	case -1:
		goto fail;
	case 1:
		cl->retention = v;
		break;
	}
	/* a node that names no location only aggregates (or replays) */
	cl->role = cl->location ? CONF_ROLE_BOTH : CONF_ROLE_AGGREGATE;
	if (role) {
		cl->role = CONF_ROLE_BOTH;
		if (strcmp(role, "probe") == 0)
			cl->role = CONF_ROLE_PROBE;
		else if (strcmp(role, "aggregate") == 0)
			cl->role = CONF_ROLE_AGGREGATE;
		else if (strcmp(role, "both") != 0) {
			conf_error(ctx, g, "role",
			    "\"%s\": expected probe, aggregate or both", role);
			goto fail;
		}
	}
	if (cl->role != CONF_ROLE_AGGREGATE) {
		size_t i;

		if (cl->location == NULL) {
			conf_error(ctx, g, "location",
			    "a probing node (role \"%s\") names its location",
			    role ? role : "both");
			goto fail;
		}
		for (i = 0; i < cl->locations.n; i++)
			if (strcmp(cl->locations.v[i], cl->location) == 0)
				break;
		if (i == cl->locations.n) {
			conf_error(ctx, g, "location",
			    "\"%s\" is not one of the locations", cl->location);
			goto fail;
		}
	} else if (cl->location && !valid_location(cl->location)) {
		conf_error(ctx, g, "location", "\"%s\": a location is [a-z0-9-]+",
		    cl->location);
		goto fail;
	}
	if (!conf_valid_name(cl->stream)) {
		conf_error(
		    ctx, g, "stream", "\"%s\": not a valid stream name", cl->stream);
		goto fail;
	}
	if (cl->nats && check_servers(ctx, g, cl->nats) < 0)
		goto fail;
	free(role);
	return 0;
fail:
	free(role);
	return -1;
}

int
conf_location_find(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->cluster.locations.n; i++)
		if (strcmp(c->cluster.locations.v[i], name) == 0)
			return (int)i;
	return -1;
}

static bool
str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

bool
conf_cluster_equal(const struct conf_cluster *a, const struct conf_cluster *b)
{
	if (a->enabled != b->enabled)
		return false;
	if (!a->enabled)
		return true;
	if (a->role != b->role || a->quorum != b->quorum ||
	    a->retention != b->retention || !str_eq(a->nats, b->nats) ||
	    !str_eq(a->location, b->location) || !str_eq(a->stream, b->stream) ||
	    a->locations.n != b->locations.n)
		return false;
	for (size_t i = 0; i < a->locations.n; i++)
		if (strcmp(a->locations.v[i], b->locations.v[i]) != 0)
			return false;
	return true;
}

void
conf_cluster_copy(struct conf_cluster *dst, const struct conf_cluster *src)
{
	conf_cluster_free(dst);
	*dst = *src;
	dst->nats = src->nats ? xstrdup(src->nats) : NULL;
	dst->location = src->location ? xstrdup(src->location) : NULL;
	dst->stream = src->stream ? xstrdup(src->stream) : NULL;
	dst->locations.v = xcalloc(src->locations.n + 1, sizeof(char *));
	for (size_t i = 0; i < src->locations.n; i++)
		dst->locations.v[i] = xstrdup(src->locations.v[i]);
}

void
conf_cluster_free(struct conf_cluster *cl)
{
	free(cl->nats);
	free(cl->location);
	free(cl->stream);
	conf_strv_free(&cl->locations);
	memset(cl, 0, sizeof(*cl));
}
