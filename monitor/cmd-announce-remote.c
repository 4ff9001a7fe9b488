/*
 * cmd-announce-remote.c - `slamon announce --url URL`: the same request
 * through a running daemon's admin API (design.md 10), for a machine that
 * is not the monitor, or while the daemon holds the state directory. The
 * token comes from the environment (SLAMON_ADMIN_TOKEN), never from the
 * command line, where other users could read it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "cmd.h"
#include "log.h"

struct body {
	char *buf;
	size_t len;
};

static size_t
body_cb(char *p, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t add = size * n;

	if (b->len + add > 1 << 20)
		return 0;
	b->buf = xreallocarray(b->buf, b->len + add + 1, 1);
	memcpy(b->buf + b->len, p, add);
	b->len += add;
	b->buf[b->len] = '\0';
	return add;
}

static void
print_announcement(json_t *o, const char *verb)
{
	const char *s;

	printf("%s %s: window %s, %s to %s, %s%s\n", verb,
	    json_string_value(json_object_get(o, "id")) ?: "?",
	    json_string_value(json_object_get(o, "window")) ?: "?",
	    json_string_value(json_object_get(o, "start")) ?: "?",
	    json_string_value(json_object_get(o, "end")) ?: "?",
	    json_string_value(json_object_get(o, "status")) ?: "?",
	    json_is_true(json_object_get(o, "short_notice"))
		? " (short notice: it counts against availability)"
		: "");
	if ((s = json_string_value(json_object_get(o, "warning"))) != NULL)
		fprintf(stderr, "slamon announce: warning: %s\n", s);
}

int
announce_remote(const char *url, const char *window, const char *start, const char *end,
    const char *note, const char *cancel, const char *key)
{
	const char *token = getenv("SLAMON_ADMIN_TOKEN");
	struct curl_slist *h = NULL;
	struct body b = {NULL, 0};
	char *target = NULL, *auth = NULL, *payload = NULL,
	     errbuf[CURL_ERROR_SIZE] = "";
	const char *base = url;
	json_t *o = NULL;
	long code = 0;
	CURL *c;
	CURLcode cc;
	int rc = EXIT_INTERNAL;

	if (token == NULL || *token == '\0') {
		fprintf(stderr,
		    "slamon announce: --url needs the token in "
		    "SLAMON_ADMIN_TOKEN\n");
		return EXIT_USER;
	}
	if ((c = curl_easy_init()) == NULL)
		fatalx("curl_easy_init");
	if (strncmp(url, "unix:", 5) == 0) {
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, url + 5);
		base = "http://localhost";
	}
	{
		/* the admin API's base, without a trailing slash */
		int bl = (int)strlen(base);

		while (bl > 0 && base[bl - 1] == '/')
			bl--;
		if (cancel)
			xasprintf(
			    &target, "%.*s/api/v1/announcements/%s", bl, base, cancel);
		else
			xasprintf(&target, "%.*s/api/v1/announcements", bl, base);
	}
	xasprintf(&auth, "Authorization: Bearer %s", token);
	h = curl_slist_append(h, auth);
	h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, target);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (cancel)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "DELETE");
	else {
		json_t *req = json_pack(
		    "{s:s,s:s,s:s}", "window", window, "start", start, "end", end);

		if (note)
			json_object_set_new(req, "note", json_string(note));
		if (key)
			json_object_set_new(req, "idempotency_key", json_string(key));
		payload = json_dumps(req, JSON_COMPACT);
		json_decref(req);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload);
	}
	if ((cc = curl_easy_perform(c)) != CURLE_OK) {
		fprintf(stderr, "slamon announce: %s: %s\n", target,
		    errbuf[0] ? errbuf : curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	o = b.buf ? json_loads(b.buf, 0, NULL) : NULL;
	if (code == 200 || code == 201) {
		if (o)
			print_announcement(o,
			    cancel	      ? "cancelled"
				: code == 201 ? "announced"
					      : "already announced");
		rc = EXIT_OK;
		goto out;
	}
	fprintf(stderr, "slamon announce: %s: HTTP %ld: %s%s%s\n", target, code,
	    o && json_object_get(o, "field")
		? json_string_value(json_object_get(o, "field"))
		: "",
	    o && json_object_get(o, "field") ? ": " : "",
	    o && json_object_get(o, "error")
		? json_string_value(json_object_get(o, "error"))
		: (b.buf ? b.buf : "(no answer)"));
	rc = code >= 400 && code < 500 ? EXIT_USER : EXIT_INTERNAL;
out:
	json_decref(o);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	free(b.buf);
	free(target);
	if (auth) {
		memset(auth, 0, strlen(auth));
		free(auth);
	}
	free(payload);
	return rc;
}
