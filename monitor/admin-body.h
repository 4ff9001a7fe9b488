/*
 * admin-body.h - the JSON body of POST /api/v1/announcements (design.md
 * 10), parsed and checked apart from any server: pure but for the time
 * zone that local times are read in.
 */
#ifndef SLAMON_ADMIN_BODY_H
#define SLAMON_ADMIN_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define ADMIN_BODY_MAX 16384 /* bytes; more is 413 */
#define ADMIN_NOTE_MAX 1000
#define ADMIN_KEY_MAX 128
#define ADMIN_APPLIES_MAX 64

struct admin_post {
	char window[65];
	time_t start, end;
	char note[ADMIN_NOTE_MAX + 1];
	bool has_note;
	char *applies_to[ADMIN_APPLIES_MAX];
	size_t napplies;
	char idem_key[ADMIN_KEY_MAX + 1];
	bool has_key;
	bool ignored_announced_at; /* a client's announced_at: the server's clock wins */
	unsigned char fingerprint[32]; /* SHA-256 of what the request asks for */
};

/*
 * 0 with *p filled; -1 with the offending field (or "body") in field and
 * a one-line message in err.
 */
int admin_body_parse(const char *data, size_t len, struct admin_post *p, char *field,
    size_t fieldlen, char *err, size_t errlen);
void admin_post_free(struct admin_post *);

#endif
