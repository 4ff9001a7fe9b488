/*
 * admin-body.c - reading a POST /api/v1/announcements body.
 *
 * Strict on purpose: an unknown field is an error naming it, because a
 * change-management tool that sends "stat" for "start" should hear so,
 * not see an announcement it did not mean. The one exception is
 * announced_at: clients may send it, and it is ignored, since an
 * announcement's time is the server's clock (no backdating).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/sha.h>

#include "admin-body.h"
#include "log.h"
#include "tz.h"

static int
fail(char *field, size_t fl, const char *f, char *err, size_t el, const char *msg)
{
	snprintf(field, fl, "%s", f);
	snprintf(err, el, "%s", msg);
	return -1;
}

static bool
printable(const char *s, bool newlines)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 &&
		    !(newlines && (*s == '\n' || *s == '\t')))
			return false;
	return true;
}

static int
get_time(json_t *o, const char *key, time_t *out, char *field, size_t fl, char *err,
    size_t el)
{
	json_t *v = json_object_get(o, key);
	enum tz_parse_result r;
	char msg[256];

	if (v == NULL)
		return fail(field, fl, key, err, el, "required");
	if (!json_is_string(v))
		return fail(field, fl, key, err, el,
		    "expected a time as a string: YYYY-MM-DD, \"YYYY-MM-DD HH:MM[:SS]\" "
		    "(local) or RFC 3339");
	if ((r = tz_parse(json_string_value(v), 0, out, NULL)) != TZ_PARSE_OK) {
		snprintf(msg, sizeof(msg), "\"%.40s\": %s", json_string_value(v),
		    tz_parse_strerror(r));
		return fail(field, fl, key, err, el, msg);
	}
	return 0;
}

int
admin_body_parse(const char *data, size_t len, struct admin_post *p, char *field,
    size_t fl, char *err, size_t el)
{
	static const char *const known[] = {"window", "start", "end", "note",
	    "applies_to", "idempotency_key", "announced_at", NULL};
	json_error_t je;
	json_t *o, *v;
	const char *key;
	char msg[300];
	int rc = -1;

	memset(p, 0, sizeof(*p));
	if (len > ADMIN_BODY_MAX)
		return fail(field, fl, "body", err, el, "larger than 16 KiB");
	o = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
	if (o == NULL) {
		snprintf(msg, sizeof(msg), "not JSON: %s (at byte %d)", je.text,
		    je.position);
		return fail(field, fl, "body", err, el, msg);
	}
	if (!json_is_object(o)) {
		fail(field, fl, "body", err, el, "expected a JSON object");
		goto out;
	}
	json_object_foreach(o, key, v)
	{
		bool ok = false;

		for (size_t i = 0; known[i] && !ok; i++)
			ok = strcmp(known[i], key) == 0;
		if (!ok) {
			snprintf(msg, sizeof(msg),
			    "unknown field (expected window, start, end, note, "
			    "applies_to, idempotency_key)");
			fail(field, fl, key[0] ? key : "\"\"", err, el, msg);
			goto out;
		}
	}
	v = json_object_get(o, "window");
	if (v == NULL) {
		fail(field, fl, "window", err, el, "required");
		goto out;
	}
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) >= sizeof(p->window) ||
	    !printable(json_string_value(v), false)) {
		fail(field, fl, "window", err, el, "expected the name of a window");
		goto out;
	}
	snprintf(p->window, sizeof(p->window), "%s", json_string_value(v));
	if (get_time(o, "start", &p->start, field, fl, err, el) < 0 ||
	    get_time(o, "end", &p->end, field, fl, err, el) < 0)
		goto out;
	if (p->end <= p->start) {
		fail(field, fl, "end", err, el, "must be after start");
		goto out;
	}
	if ((v = json_object_get(o, "note")) != NULL && !json_is_null(v)) {
		if (!json_is_string(v) || json_string_length(v) > ADMIN_NOTE_MAX ||
		    !printable(json_string_value(v), true)) {
			fail(field, fl, "note", err, el,
			    "expected text of at most 1000 bytes, without control "
			    "characters");
			goto out;
		}
		snprintf(p->note, sizeof(p->note), "%s", json_string_value(v));
		p->has_note = true;
	}
	if ((v = json_object_get(o, "applies_to")) != NULL && !json_is_null(v)) {
		size_t i;
		json_t *x;

		if (!json_is_array(v) || json_array_size(v) == 0 ||
		    json_array_size(v) > ADMIN_APPLIES_MAX) {
			fail(field, fl, "applies_to", err, el,
			    "expected a list of 1 to 64 target names, group:NAME, "
			    "component:NAME or all");
			goto out;
		}
		json_array_foreach(v, i, x)
		{
			if (!json_is_string(x) || json_string_length(x) == 0 ||
			    json_string_length(x) > 200 ||
			    !printable(json_string_value(x), false)) {
				fail(field, fl, "applies_to", err, el,
				    "expected names as strings");
				goto out;
			}
			p->applies_to[p->napplies++] = xstrdup(json_string_value(x));
		}
	}
	if ((v = json_object_get(o, "idempotency_key")) != NULL && !json_is_null(v)) {
		if (!json_is_string(v) || json_string_length(v) == 0 ||
		    json_string_length(v) > ADMIN_KEY_MAX ||
		    !printable(json_string_value(v), false)) {
			fail(field, fl, "idempotency_key", err, el,
			    "expected a string of 1 to 128 printable characters");
			goto out;
		}
		snprintf(p->idem_key, sizeof(p->idem_key), "%s", json_string_value(v));
		p->has_key = true;
	}
	p->ignored_announced_at = json_object_get(o, "announced_at") != NULL;
	/* what the request asks for, to tell a retry from another request */
	{
		json_t *c = json_pack("{s:s,s:I,s:I,s:s}", "window", p->window, "start",
		    (json_int_t)p->start, "end", (json_int_t)p->end, "note", p->note);
		json_t *a = json_array();
		char *s;

		for (size_t i = 0; i < p->napplies; i++)
			json_array_append_new(a, json_string(p->applies_to[i]));
		json_object_set_new(c, "applies_to", a);
		s = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(c);
		if (s == NULL)
			fatalx("admin: out of memory");
		SHA256((const unsigned char *)s, strlen(s), p->fingerprint);
		free(s);
	}
	rc = 0;
out:
	json_decref(o);
	if (rc < 0)
		admin_post_free(p);
	return rc;
}

void
admin_post_free(struct admin_post *p)
{
	for (size_t i = 0; i < p->napplies; i++)
		free(p->applies_to[i]);
	p->napplies = 0;
}
