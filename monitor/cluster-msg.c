/*
 * cluster-msg.c - the wire form of a probe result between a probing node
 * and the aggregator: a small JSON object, so that `nats stream view` and
 * anyone debugging a stream can read it.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cluster-msg.h"
#include "log.h"

int
cluster_msg_subject(
    const char *stream, const char *loc, const char *target, char *buf, size_t len)
{
	size_t n;
	int w = snprintf(buf, len, "%s.results.%s.", stream, loc);

	if (w < 0 || (size_t)w >= len)
		return -1;
	n = (size_t)w;
	for (const char *p = target; *p; p++) {
		if (*p == '.') {
			if (n + 3 >= len)
				return -1;
			memcpy(buf + n, "%2E", 3);
			n += 3;
		} else {
			if (n + 1 >= len)
				return -1;
			buf[n++] = *p;
		}
	}
	buf[n] = '\0';
	return 0;
}

int
cluster_msg_id(const struct cluster_result *r, char *buf, size_t len)
{
	int w = snprintf(buf, len, "%s:%s:%lld", r->loc, r->target, (long long)r->t);

	return w < 0 || (size_t)w >= len ? -1 : 0;
}

char *
cluster_msg_encode(const struct cluster_result *r)
{
	json_t *o = json_object();
	char *s;

	json_object_set_new(o, "loc", json_string(r->loc));
	json_object_set_new(o, "target", json_string(r->target));
	json_object_set_new(o, "t", json_integer((json_int_t)r->t));
	json_object_set_new(o, "ok", json_boolean(r->ok));
	if (!isnan(r->latency_ms))
		json_object_set_new(o, "latency_ms", json_real(r->latency_ms));
	if (r->detail[0])
		json_object_set_new(o, "detail", json_string(r->detail));
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (s == NULL)
		fatalx("cluster: out of memory");
	return s;
}

static int
get_name(json_t *o, const char *key, char *out, size_t len, char *err, size_t errlen)
{
	const char *s = json_string_value(json_object_get(o, key));

	if (s == NULL || *s == '\0' || strlen(s) >= len) {
		snprintf(err, errlen, "%s: missing, not a string, or too long", key);
		return -1;
	}
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

int
cluster_msg_decode(
    const char *data, size_t len, struct cluster_result *r, char *err, size_t errlen)
{
	json_error_t je;
	json_t *o = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je), *v;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	r->latency_ms = NAN;
	if (o == NULL || !json_is_object(o)) {
		snprintf(err, errlen, "not a JSON object: %s", o ? "" : je.text);
		goto out;
	}
	if (get_name(o, "loc", r->loc, sizeof(r->loc), err, errlen) == -1 ||
	    get_name(o, "target", r->target, sizeof(r->target), err, errlen) == -1)
		goto out;
	v = json_object_get(o, "t");
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > 253402300799LL) {
		snprintf(err, errlen, "t: expected Unix seconds");
		goto out;
	}
	r->t = (time_t)json_integer_value(v);
	v = json_object_get(o, "ok");
	if (!json_is_boolean(v)) {
		snprintf(err, errlen, "ok: expected true or false");
		goto out;
	}
	r->ok = json_is_true(v);
	if ((v = json_object_get(o, "latency_ms")) != NULL) {
		if (!json_is_number(v) || !(json_number_value(v) >= 0) ||
		    json_number_value(v) > 1e9) {
			snprintf(err, errlen, "latency_ms: expected milliseconds");
			goto out;
		}
		r->latency_ms = json_number_value(v);
	}
	if ((v = json_object_get(o, "detail")) != NULL) {
		if (!json_is_string(v)) {
			snprintf(err, errlen, "detail: expected a string");
			goto out;
		}
		snprintf(r->detail, sizeof(r->detail), "%s", json_string_value(v));
	}
	rc = 0;
out:
	json_decref(o);
	return rc;
}
