/*
 * admin-auth.h - who may announce over HTTP (design.md 10): named bearer
 * tokens, stored as SHA-256 hashes, each optionally limited to some
 * windows; and a per-client limit on failed attempts. Pure apart from
 * reading the token file: times come in as arguments.
 */
#ifndef SLAMON_ADMIN_AUTH_H
#define SLAMON_ADMIN_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define ADMIN_TOKEN_NAME_MAX 64

struct admin_token {
	char name[ADMIN_TOKEN_NAME_MAX + 1];
	unsigned char hash[32]; /* SHA-256 of the token */
	char **windows;		/* NULL: any window */
	size_t nwindows;
};

struct admin_tokens {
	struct admin_token *v;
	size_t n;
};

/*
 * Parse "name:sha256-hex[:window,window]" entries, one a line (also
 * separated by blanks or ';' when given inline, as from ${env:...});
 * '#' starts a comment. -1 with "line N: message" in err.
 */
int admin_tokens_parse(
    const char *text, struct admin_tokens *, char *err, size_t errlen);
/* Read a token file, which must not be readable by others. */
int admin_tokens_load(
    const char *path, struct admin_tokens *, char *err, size_t errlen);
void admin_tokens_free(struct admin_tokens *);
/* The token whose hash matches the presented secret, compared in constant
 * time against every entry; NULL when none does. */
const struct admin_token *admin_tokens_find(
    const struct admin_tokens *, const char *secret);
/* Whether the token may announce or cancel for window. */
bool admin_token_allows(const struct admin_token *, const char *window);

/*
 * Failed attempts per client: after ADMIN_FAIL_MAX failures within
 * ADMIN_FAIL_WINDOW seconds a client is refused (429) until that window
 * has passed. A fixed table: the oldest entry gives way to a new client.
 */
#define ADMIN_FAIL_MAX 10
#define ADMIN_FAIL_WINDOW 60
#define ADMIN_FAIL_SLOTS 256

struct admin_fail {
	char client[64];
	time_t first;
	int count;
};

struct admin_limiter {
	struct admin_fail slot[ADMIN_FAIL_SLOTS];
};

/* Seconds the client must still wait (0: it may try). */
long admin_limiter_wait(const struct admin_limiter *, const char *client, time_t now);
/* A failed attempt; returns whether this one is the first to be refused. */
bool admin_limiter_fail(struct admin_limiter *, const char *client, time_t now);

#endif
