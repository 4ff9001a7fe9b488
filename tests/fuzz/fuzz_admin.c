/*
 * fuzz_admin.c - the admin API's request body (admin_body_parse) and token
 * list (admin_tokens_parse) on arbitrary bytes: a parsed body is whole and
 * consistent, a refusal names a field; nothing crashes or leaks.
 */
#include "fuzz.h"

#include "admin-auth.h"
#include "admin-body.h"
#include "tz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int once;
	struct admin_post p;
	struct admin_tokens ts;
	char field[64], err[512], *text;

	if (!once) {
		tz_set("Europe/Oslo");
		once = 1;
	}
	if (admin_body_parse((const char *)data, size, &p, field, sizeof(field), err,
		sizeof(err)) == 0) {
		if (p.window[0] == '\0' || p.end <= p.start ||
		    p.napplies > ADMIN_APPLIES_MAX || strlen(p.note) > ADMIN_NOTE_MAX)
			abort();
		admin_post_free(&p);
	} else if (field[0] == '\0' || err[0] == '\0')
		abort();
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	if (admin_tokens_parse(text, &ts, err, sizeof(err)) == 0) {
		if (ts.n == 0)
			abort();
		for (size_t i = 0; i < ts.n; i++)
			if (ts.v[i].name[0] == '\0' ||
			    (ts.v[i].windows && ts.v[i].nwindows == 0))
				abort();
		admin_tokens_free(&ts);
	}
	free(text);
	return 0;
}
