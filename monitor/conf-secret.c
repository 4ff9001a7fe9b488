/*
 * conf-secret.c - secrets kept out of the configuration file. Any string
 * setting may hold "${env:NAME}" (an environment variable) or
 * "${file:/absolute/path}" (a file's content, one trailing line break
 * removed), alone or inside a longer string ("Bearer ${env:TOKEN}");
 * "$${" writes a literal "${". They are resolved where the configuration
 * is read (conf_get_str and conf_get_strv), so at every load and reload,
 * and for every key. A missing variable or unreadable file is an error
 * with FILE:LINE; a file that every user may read is a warning. Resolved
 * values are remembered only to be cut out of error messages, then wiped.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf-priv.h"
#include "conf.h"
#include "log.h"

#define SECRET_MAX (64 * 1024)

struct sbuf {
	char *p;
	size_t len, cap;
};

static void
sbuf_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = xmalloc(cap);

		/* copy and wipe: the old buffer may hold a secret */
		if (b->p) {
			memcpy(p, b->p, b->len);
			explicit_bzero(b->p, b->cap);
			free(b->p);
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
sbuf_wipe(struct sbuf *b)
{
	if (b->p) {
		explicit_bzero(b->p, b->cap);
		free(b->p);
	}
	memset(b, 0, sizeof(*b));
}

static void
remember(struct conf_ctx *ctx, const char *v, size_t n)
{
	if (n == 0)
		return;
	ctx->secrets = xreallocarray(ctx->secrets, ctx->nsecrets + 1, sizeof(char *));
	ctx->secrets[ctx->nsecrets] = xmalloc(n + 1);
	memcpy(ctx->secrets[ctx->nsecrets], v, n);
	ctx->secrets[ctx->nsecrets++][n] = '\0';
}

void
conf_ctx_clear(struct conf_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nsecrets; i++) {
		explicit_bzero(ctx->secrets[i], strlen(ctx->secrets[i]));
		free(ctx->secrets[i]);
	}
	free(ctx->secrets);
	ctx->secrets = NULL;
	ctx->nsecrets = 0;
}

static void
redact(char *const *secrets, size_t n, char *text, size_t size)
{
	static const char mark[] = "(secret)";

	for (size_t i = 0; i < n; i++) {
		const char *v = secrets[i];
		size_t vl = strlen(v), ml = sizeof(mark) - 1;
		char *at;

		while ((at = strstr(text, v)) != NULL) {
			size_t tail = strlen(at + vl);

			if ((size_t)(at - text) + ml + tail + 1 > size)
				tail = size - 1 - (size_t)(at - text) - ml;
			memmove(at + ml, at + vl, tail);
			at[ml + tail] = '\0';
			memcpy(at, mark, ml);
		}
	}
}

void
conf_secret_redact(const struct conf_ctx *ctx, char *text, size_t size)
{
	redact(ctx->secrets, ctx->nsecrets, text, size);
}

void
conf_redact(const struct conf *c, char *text, size_t size)
{
	redact(c->secrets, c->nsecrets, text, size);
}

/* A loaded configuration keeps the secrets it resolved, to redact. */
void
conf_secret_keep(struct conf_ctx *ctx, struct conf *c)
{
	c->secrets = ctx->secrets;
	c->nsecrets = ctx->nsecrets;
	ctx->secrets = NULL;
	ctx->nsecrets = 0;
}

void
conf_secret_free(struct conf *c)
{
	struct conf_ctx ctx = {.secrets = c->secrets, .nsecrets = c->nsecrets};

	conf_ctx_clear(&ctx);
	c->secrets = NULL;
	c->nsecrets = 0;
}

static int
read_secret_file(struct conf_ctx *ctx, const config_setting_t *at, const char *field,
    const char *path, struct sbuf *out)
{
	char buf[4096];
	struct stat st;
	size_t start = out->len;
	ssize_t n;
	int fd;

	if (path[0] != '/') {
		conf_error(ctx, at, field, "${file:%s}: give an absolute path", path);
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 || fstat(fd, &st) == -1) {
		conf_error(ctx, at, field, "${file:%s}: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		conf_error(ctx, at, field, "${file:%s}: not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_mode & S_IROTH)
		conf_warn(ctx, at, field,
		    "secret file %s is readable by every user (chmod o-r)", path);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (out->len - start + (size_t)n > SECRET_MAX) {
			n = -1;
			errno = EFBIG;
			break;
		}
		sbuf_add(out, buf, (size_t)n);
	}
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	if (n < 0) {
		conf_error(ctx, at, field, "${file:%s}: %s", path, strerror(errno));
		return -1;
	}
	/* one trailing line break, as editors and `echo` leave it */
	if (out->len > start && out->p[out->len - 1] == '\n')
		out->p[--out->len] = '\0';
	if (out->len > start && out->p[out->len - 1] == '\r')
		out->p[--out->len] = '\0';
	if (memchr(out->p + start, '\0', out->len - start) != NULL) {
		conf_error(ctx, at, field, "${file:%s}: contains a NUL byte", path);
		return -1;
	}
	remember(ctx, out->p + start, out->len - start);
	return 0;
}

static bool
env_name_ok(const char *s, size_t n)
{
	if (n == 0 || isdigit((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

/*
 * raw with its references resolved, in a new string (*out); 0, or -1 after
 * conf_error() at `at`/`field`. A string without "${" is copied as it is.
 */
int
conf_secret_resolve(struct conf_ctx *ctx, const config_setting_t *at, const char *field,
    const char *raw, char **out)
{
	struct sbuf b = {0};
	const char *p = raw, *ref;

	*out = NULL;
	if (strstr(raw, "${") == NULL) {
		*out = xstrdup(raw);
		return 0;
	}
	sbuf_add(&b, "", 0);
	while ((ref = strstr(p, "${")) != NULL) {
		const char *end;

		if (ref > raw && ref[-1] == '$') { /* "$${": a literal "${" */
			sbuf_add(&b, p, (size_t)(ref - p - 1));
			sbuf_add(&b, "${", 2);
			p = ref + 2;
			continue;
		}
		sbuf_add(&b, p, (size_t)(ref - p));
		if ((end = strchr(ref, '}')) == NULL) {
			conf_error(ctx, at, field,
			    "\"${\" without \"}\" (write \"$${\" for a literal \"${\")");
			goto fail;
		}
		if (strncmp(ref + 2, "env:", 4) == 0) {
			const char *name = ref + 6, *v;
			size_t n = (size_t)(end - name);
			char *var;

			if (!env_name_ok(name, n)) {
				conf_error(ctx, at, field,
				    "\"%.*s\": not a variable name", (int)n, name);
				goto fail;
			}
			var = xmalloc(n + 1);
			memcpy(var, name, n);
			var[n] = '\0';
			v = getenv(var);
			if (v == NULL) {
				conf_error(ctx, at, field,
				    "environment variable %s is not set", var);
				free(var);
				goto fail;
			}
			free(var);
			sbuf_add(&b, v, strlen(v));
			remember(ctx, v, strlen(v));
		} else if (strncmp(ref + 2, "file:", 5) == 0) {
			size_t n = (size_t)(end - (ref + 7));
			char *path = xmalloc(n + 1);
			int rc;

			memcpy(path, ref + 7, n);
			path[n] = '\0';
			rc = read_secret_file(ctx, at, field, path, &b);
			free(path);
			if (rc < 0)
				goto fail;
		} else {
			conf_error(ctx, at, field,
			    "\"%.*s\": expected ${env:NAME} or ${file:/path}",
			    (int)(end - ref + 1), ref);
			goto fail;
		}
		p = end + 1;
	}
	sbuf_add(&b, p, strlen(p));
	*out = xstrdup(b.p);
	sbuf_wipe(&b);
	return 0;
fail:
	sbuf_wipe(&b);
	return -1;
}
