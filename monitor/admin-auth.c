/*
 * admin-auth.c - bearer tokens and failed-attempt limits of the admin API.
 *
 * Only the SHA-256 of a token is configured, so the token file gives away
 * nothing that lets anyone announce; the presented secret is hashed and
 * compared with CRYPTO_memcmp against every entry, so the time taken says
 * neither which entry nor how much of it matched.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "admin-auth.h"
#include "log.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool
valid_name(const char *s)
{
	if (*s == '\0' || strlen(s) > ADMIN_TOKEN_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && strchr("._-@", *s) == NULL)
			return false;
	return true;
}

/* One entry "name:hex[:w1,w2]"; 0 or -1 with err. */
static int
parse_entry(char *e, struct admin_token *t, char *err, size_t errlen)
{
	char *hex = strchr(e, ':'), *wins;

	memset(t, 0, sizeof(*t));
	if (hex == NULL) {
		snprintf(err, errlen, "expected NAME:SHA256-HEX[:WINDOW,...]");
		return -1;
	}
	*hex++ = '\0';
	if ((wins = strchr(hex, ':')) != NULL)
		*wins++ = '\0';
	if (!valid_name(e)) {
		snprintf(err, errlen,
		    "\"%.70s\": a token name is 1-64 of [A-Za-z0-9._@-]", e);
		return -1;
	}
	snprintf(t->name, sizeof(t->name), "%s", e);
	if (strlen(hex) != 64) {
		snprintf(err, errlen,
		    "token \"%s\": expected 64 hex digits of SHA-256 (sha256sum of the "
		    "token), not the token itself",
		    t->name);
		return -1;
	}
	for (int i = 0; i < 32; i++) {
		int a = hexval(hex[2 * i]), b = hexval(hex[2 * i + 1]);

		if (a < 0 || b < 0) {
			snprintf(
			    err, errlen, "token \"%s\": not a hex digest", t->name);
			return -1;
		}
		t->hash[i] = (unsigned char)(a << 4 | b);
	}
	if (wins != NULL) {
		char *save = NULL, *w;

		for (w = strtok_r(wins, ",", &save); w;
		     w = strtok_r(NULL, ",", &save)) {
			if (*w == '\0')
				continue;
			t->windows = xreallocarray(
			    t->windows, t->nwindows + 1, sizeof(char *));
			t->windows[t->nwindows++] = xstrdup(w);
		}
		if (t->nwindows == 0) {
			snprintf(err, errlen, "token \"%s\": an empty list of windows",
			    t->name);
			return -1;
		}
	}
	return 0;
}

static void
token_free(struct admin_token *t)
{
	for (size_t i = 0; i < t->nwindows; i++)
		free(t->windows[i]);
	free(t->windows);
}

int
admin_tokens_parse(const char *text, struct admin_tokens *out, char *err, size_t errlen)
{
	char *dup = xstrdup(text), *line, *save = NULL;
	int line_no = 0;

	memset(out, 0, sizeof(*out));
	/* lines keep their numbers for messages; blanks and ';' separate
	 * entries within a line (an inline value from the environment) */
	for (char *p = dup;; p = NULL) {
		char *save2 = NULL, *e, msg[256];

		if ((line = strtok_r(p, "\n", &save)) == NULL)
			break;
		line_no++;
		if (strchr(line, '#'))
			*strchr(line, '#') = '\0';
		for (e = strtok_r(line, " \t\r;", &save2); e;
		     e = strtok_r(NULL, " \t\r;", &save2)) {
			struct admin_token t;

			if (parse_entry(e, &t, msg, sizeof(msg)) == -1) {
				snprintf(err, errlen, "line %d: %s", line_no, msg);
				goto fail;
			}
			for (size_t i = 0; i < out->n; i++)
				if (strcmp(out->v[i].name, t.name) == 0) {
					snprintf(err, errlen,
					    "line %d: token \"%s\" is named twice",
					    line_no, t.name);
					token_free(&t);
					goto fail;
				}
			out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
			out->v[out->n++] = t;
		}
	}
	free(dup);
	if (out->n == 0) {
		snprintf(err, errlen, "no tokens");
		admin_tokens_free(out);
		return -1;
	}
	return 0;
fail:
	free(dup);
	admin_tokens_free(out);
	return -1;
}

int
admin_tokens_load(const char *path, struct admin_tokens *out, char *err, size_t errlen)
{
	struct stat sb;
	char *buf = NULL, msg[512];
	int fd;
	ssize_t n;

	memset(out, 0, sizeof(*out));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 || fstat(fd, &sb) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size > 1 << 20) {
		snprintf(err, errlen, "%s: not a regular file of at most 1 MiB", path);
		close(fd);
		return -1;
	}
	if (sb.st_mode & (S_IROTH | S_IWOTH)) {
		snprintf(err, errlen,
		    "%s: readable or writable by anyone (mode %03o); a token file "
		    "must not be (chmod o-rwx)",
		    path, (unsigned)(sb.st_mode & 0777));
		close(fd);
		return -1;
	}
	buf = xcalloc(1, (size_t)sb.st_size + 1);
	n = read(fd, buf, (size_t)sb.st_size);
	close(fd);
	if (n != sb.st_size) {
		snprintf(err, errlen, "%s: short read", path);
		free(buf);
		return -1;
	}
	if (admin_tokens_parse(buf, out, msg, sizeof(msg)) == -1) {
		snprintf(err, errlen, "%s: %s", path, msg);
		free(buf);
		return -1;
	}
	free(buf);
	return 0;
}

void
admin_tokens_free(struct admin_tokens *ts)
{
	for (size_t i = 0; i < ts->n; i++)
		token_free(&ts->v[i]);
	free(ts->v);
	memset(ts, 0, sizeof(*ts));
}

const struct admin_token *
admin_tokens_find(const struct admin_tokens *ts, const char *secret)
{
	unsigned char h[32];
	const struct admin_token *found = NULL;

	SHA256((const unsigned char *)secret, strlen(secret), h);
	/* every entry is compared, whatever matched before */
	for (size_t i = 0; i < ts->n; i++)
		if (CRYPTO_memcmp(h, ts->v[i].hash, sizeof(h)) == 0)
			found = &ts->v[i];
	OPENSSL_cleanse(h, sizeof(h));
	return found;
}

bool
admin_token_allows(const struct admin_token *t, const char *window)
{
	if (t->windows == NULL)
		return true;
	for (size_t i = 0; i < t->nwindows; i++)
		if (strcmp(t->windows[i], window) == 0)
			return true;
	return false;
}

static struct admin_fail *
fail_find(const struct admin_limiter *l, const char *client)
{
	for (size_t i = 0; i < ADMIN_FAIL_SLOTS; i++)
		if (l->slot[i].count > 0 && strcmp(l->slot[i].client, client) == 0)
			return (struct admin_fail *)&l->slot[i];
	return NULL;
}

long
admin_limiter_wait(const struct admin_limiter *l, const char *client, time_t now)
{
	const struct admin_fail *f = fail_find(l, client);

	if (f == NULL || now - f->first >= ADMIN_FAIL_WINDOW ||
	    f->count < ADMIN_FAIL_MAX)
		return 0;
	return (long)(f->first + ADMIN_FAIL_WINDOW - now);
}

bool
admin_limiter_fail(struct admin_limiter *l, const char *client, time_t now)
{
	struct admin_fail *f = fail_find(l, client);

	if (f != NULL && now - f->first >= ADMIN_FAIL_WINDOW) {
		f->first = now; /* a new window */
		f->count = 0;
	}
	if (f == NULL) {
		/* a free slot, or the one whose window began longest ago */
		f = &l->slot[0];
		for (size_t i = 0; i < ADMIN_FAIL_SLOTS; i++) {
			if (l->slot[i].count == 0) {
				f = &l->slot[i];
				break;
			}
			if (l->slot[i].first < f->first)
				f = &l->slot[i];
		}
		memset(f, 0, sizeof(*f));
		snprintf(f->client, sizeof(f->client), "%s", client);
		f->first = now;
	}
	f->count++;
	return f->count == ADMIN_FAIL_MAX;
}
