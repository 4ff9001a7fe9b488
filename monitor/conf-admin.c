/*
 * conf-admin.c - slamon.admin_listen and slamon.admin_tokens (design.md
 * 10): where the admin API listens, apart from the public page, and who
 * may use it. The tokens are read here, at load and at every reload, so
 * that `slamon check` reports a bad or world-readable token file and a
 * SIGHUP rotates tokens.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin-auth.h"
#include "conf-priv.h"
#include "conf.h"
#include "log.h"

static int
check_listen(struct conf_ctx *ctx, const config_setting_t *g, const char *v)
{
	const char *port;
	char *end;
	long p;

	if (strncmp(v, "unix:", 5) == 0) {
		if (v[5] != '/' || strlen(v) > 5 + 100) {
			conf_error(ctx, g, "admin_listen",
			    "\"%s\": a unix socket path must be absolute and at most "
			    "100 bytes",
			    v);
			return -1;
		}
		return 0;
	}
	port = v[0] == '[' ? strstr(v, "]:") : strrchr(v, ':');
	if (port == NULL || port == v) {
		conf_error(ctx, g, "admin_listen",
		    "\"%s\": expected HOST:PORT, [V6]:PORT or unix:/PATH", v);
		return -1;
	}
	port += *port == ']' ? 2 : 1;
	p = strtol(port, &end, 10);
	if (*port == '\0' || *end || p < 0 || p > 65535) {
		conf_error(ctx, g, "admin_listen", "\"%s\": port must be 0..65535", v);
		return -1;
	}
	return 0;
}

int
conf_parse_admin(struct conf_ctx *ctx, const config_setting_t *g, struct conf *c)
{
	char *tokens = NULL, msg[600];
	int rc = -1;

	if (conf_get_str(ctx, g, "admin_listen", &c->admin_listen) < 0 ||
	    conf_get_str(ctx, g, "admin_tokens", &tokens) < 0)
		goto out;
	if (c->admin_listen[0] && check_listen(ctx, g, c->admin_listen) < 0)
		goto out;
	if (c->admin_listen[0] && c->listen[0] &&
	    strcmp(c->admin_listen, c->listen) == 0) {
		conf_error(ctx, g, "admin_listen",
		    "must differ from listen: the public page stays read-only");
		goto out;
	}
	if (tokens == NULL || tokens[0] == '\0') {
		if (c->admin_listen[0]) {
			conf_error(ctx, g, "admin_tokens",
			    "admin_listen needs tokens: a file of NAME:SHA256-HEX "
			    "lines, or ${env:NAME} holding them");
			goto out;
		}
		rc = 0;
		goto out;
	}
	/* a path names a file; anything else is the entries themselves, as
	 * an ${env:...} or ${file:...} value brings them: never written into
	 * the configuration, which is readable by more than the monitor */
	{
		config_setting_t *s = config_setting_get_member(g, "admin_tokens");
		const char *raw = s ? config_setting_get_string(s) : NULL;

		if (raw && strstr(raw, "${") == NULL && strchr(raw, ':') != NULL) {
			conf_error(ctx, g, "admin_tokens",
			    "tokens are not written into the configuration: name a "
			    "file, or ${env:NAME} holding the lines");
			goto out;
		}
	}
	if (tokens[0] == '/' || strncmp(tokens, "./", 2) == 0 ||
	    strchr(tokens, ':') == NULL) {
		if (admin_tokens_load(tokens, &c->admin_tokens, msg, sizeof(msg)) < 0) {
			conf_error(ctx, g, "admin_tokens", "%s", msg);
			goto out;
		}
		c->admin_tokens_from = xstrdup(tokens);
	} else {
		if (admin_tokens_parse(tokens, &c->admin_tokens, msg, sizeof(msg)) <
		    0) {
			conf_error(ctx, g, "admin_tokens", "(inline) %s", msg);
			goto out;
		}
		c->admin_tokens_from = xstrdup("(inline)");
	}
	rc = 0;
out:
	free(tokens);
	return rc;
}
