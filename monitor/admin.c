/*
 * admin.c - the admin API (admin.h, design.md 10).
 *
 *   POST   /api/v1/announcements        record one (201; 200 for a retry)
 *   GET    /api/v1/announcements        list them with their status
 *   DELETE /api/v1/announcements/<id>   cancel one (journaled, never deleted)
 *
 * Every request carries "Authorization: Bearer <token>". The rules are
 * those of `slamon announce` (announce.h), with the server's clock as the
 * announcement time; the record is in the journal, fsynced, before the
 * answer, so a client that saw 201 can rely on it across a kill -9. The
 * calendar is read again at once, so the page, the Statuspage API and
 * /calendar.ics show the announcement without a reload.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <jansson.h>

#include "admin-auth.h"
#include "admin-body.h"
#include "admin.h"
#include "announce.h"
#include "calendar.h"
#include "httpd.h"
#include "journal.h"
#include "log.h"
#include "tz.h"

#define ADMIN_PATH "/api/v1/announcements"
#define ADMIN_TIMEOUT 10 /* seconds a connection may stay idle or slow */

/* An idempotency key already used: by whom, for what, with which result. */
struct admin_key {
	char *key, *by;
	unsigned char fingerprint[32];
	char id[ANNOUNCE_ID_LEN];
};

struct admin {
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *sock;
	struct evconnlistener *unix_listener;
	char *unix_path;
	struct admin_source src;
	struct admin_limiter limiter;
	struct admin_key *keys;
	size_t nkeys;
};

static time_t
admin_now(struct admin *a)
{
	return a->src.now ? a->src.now(a->src.arg) : time(NULL);
}

static void
send_json(struct evhttp_request *req, int code, json_t *o)
{
	struct evbuffer *b = evbuffer_new();
	char *s = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	if (b == NULL || s == NULL)
		fatalx("admin: out of memory");
	evbuffer_add(b, s, strlen(s));
	evbuffer_add(b, "\n", 1);
	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_send_reply(req, code, NULL, b);
	evbuffer_free(b);
	free(s);
	json_decref(o);
}

static void
send_error(struct evhttp_request *req, int code, const char *field, const char *msg)
{
	json_t *o = json_pack("{s:s}", "error", msg);

	if (field)
		json_object_set_new(o, "field", json_string(field));
	send_json(req, code, o);
}

static void
hex(const unsigned char *v, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", v[i]);
}

static int
unhex(const char *s, unsigned char *v, size_t n)
{
	if (s == NULL || strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned x;

		if (sscanf(s + 2 * i, "%2x", &x) != 1)
			return -1;
		v[i] = (unsigned char)x;
	}
	return 0;
}

static void
key_add(struct admin *a, const char *key, const char *by, const unsigned char *fp,
    const char *id)
{
	struct admin_key *k;

	a->keys = xreallocarray(a->keys, a->nkeys + 1, sizeof(*a->keys));
	k = &a->keys[a->nkeys++];
	k->key = xstrdup(key);
	k->by = xstrdup(by ? by : "");
	memcpy(k->fingerprint, fp, sizeof(k->fingerprint));
	snprintf(k->id, sizeof(k->id), "%s", id);
}

static const struct admin_key *
key_find(const struct admin *a, const char *key, const char *by)
{
	/* keys are the token's own: two tools may happen to use one key */
	for (size_t i = 0; i < a->nkeys; i++)
		if (strcmp(a->keys[i].key, key) == 0 && strcmp(a->keys[i].by, by) == 0)
			return &a->keys[i];
	return NULL;
}

/* Idempotency keys of earlier announcements, from the journal. */
static void
keys_cb(void *arg, json_t *rec, int line)
{
	struct admin *a = arg;
	const char *ev = json_string_value(json_object_get(rec, "event"));
	const char *key = json_string_value(json_object_get(rec, "idempotency_key"));
	const char *id = json_string_value(json_object_get(rec, "id"));
	unsigned char fp[32];

	(void)line;
	if (ev == NULL || strcmp(ev, "announcement") != 0 || key == NULL ||
	    id == NULL ||
	    unhex(json_string_value(json_object_get(rec, "fingerprint")), fp,
		sizeof(fp)) < 0)
		return;
	key_add(a, key, json_string_value(json_object_get(rec, "by")), fp, id);
}

static void
keys_warn_cb(void *arg, const char *msg)
{
	(void)arg;
	log_debug("admin: journal: %s", msg);
}

static const char *
status_of(const struct cal_announcement *x, time_t now)
{
	if (x->cancelled)
		return "cancelled";
	if (x->end <= now)
		return "completed";
	if (x->start <= now)
		return "in_progress";
	return "scheduled";
}

static json_t *
ann_json(const struct calendar *cal, const struct cal_announcement *x, time_t now)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", x->id ? json_string(x->id) : json_null());
	json_object_set_new(o, "window", json_string(x->window));
	json_object_set_new(o, "start", journal_time(x->start));
	json_object_set_new(o, "end", journal_time(x->end));
	json_object_set_new(o, "announced_at", journal_time(x->announced_at));
	json_object_set_new(o, "note", x->note ? json_string(x->note) : json_null());
	json_object_set_new(o, "status", json_string(status_of(x, now)));
	/* with too little notice it is listed, but its time counts */
	json_object_set_new(o, "short_notice",
	    json_boolean(!calendar_enough_notice(cal, x->announced_at, x->start)));
	json_object_set_new(
	    o, "notice_s", json_integer((json_int_t)(x->start - x->announced_at)));
	json_object_set_new(
	    o, "cancelled_at", x->cancelled ? journal_time(x->cancelled) : json_null());
	json_object_set_new(
	    o, "origin", json_string(x->origin ? x->origin : "journal"));
	return o;
}

static const struct cal_announcement *
ann_find(const struct calendar *cal, const char *id)
{
	for (size_t i = 0; i < calendar_nannouncements(cal); i++) {
		const struct cal_announcement *x = calendar_announcement(cal, i);

		if (x->id && strcmp(x->id, id) == 0)
			return x;
	}
	return NULL;
}

static void
client_of(struct evhttp_request *req, char *buf, size_t len)
{
	struct evhttp_connection *c = evhttp_request_get_connection(req);
	const char *addr = NULL;
	ev_uint16_t port;

	if (c)
		evhttp_connection_get_peer(c, (char **)&addr, &port);
	if (addr && *addr) {
		snprintf(buf, len, "%s", addr);
		return;
	}
	/* on the unix socket, the user: one local user's bad tokens do not
	 * lock out another's tool */
	snprintf(buf, len, "unix");
	if (c) {
		struct bufferevent *bev = evhttp_connection_get_bufferevent(c);
		struct ucred cr;
		socklen_t crl = sizeof(cr);

		if (bev &&
		    getsockopt(bufferevent_getfd(bev), SOL_SOCKET, SO_PEERCRED, &cr,
			&crl) == 0)
			snprintf(buf, len, "unix uid %u", (unsigned)cr.uid);
	}
}

/* The token of the request, or NULL after answering 401 or 429. */
static const struct admin_token *
authenticate(struct admin *a, struct evhttp_request *req, time_t now)
{
	const char *h = evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Authorization");
	const struct admin_token *t = NULL;
	char client[64], retry[32];
	long wait;

	client_of(req, client, sizeof(client));
	if ((wait = admin_limiter_wait(&a->limiter, client, now)) > 0) {
		snprintf(retry, sizeof(retry), "%ld", wait);
		evhttp_add_header(
		    evhttp_request_get_output_headers(req), "Retry-After", retry);
		send_error(req, 429, NULL, "too many failed attempts; try again later");
		return NULL;
	}
	if (h != NULL && strncasecmp(h, "Bearer ", 7) == 0 && h[7] != '\0')
		t = admin_tokens_find(&a->src.conf->admin_tokens, h + 7);
	if (t != NULL)
		return t;
	if (admin_limiter_fail(&a->limiter, client, now))
		log_warnx("admin: %s: %d failed attempts in %d s; refused for the rest "
			  "of the minute",
		    client, ADMIN_FAIL_MAX, ADMIN_FAIL_WINDOW);
	else
		log_warnx("admin: %s %s from %s refused: %s",
		    evhttp_request_get_command(req) == EVHTTP_REQ_POST ? "POST"
								       : "request",
		    evhttp_request_get_uri(req), client,
		    h == NULL ? "no Authorization header" : "not a valid token");
	evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
	    "Bearer realm=\"slamon admin\"");
	send_error(req, 401, NULL,
	    h == NULL ? "an Authorization: Bearer token is required"
		      : "not a valid token");
	return NULL;
}

/* The request's applies_to must select exactly the window's targets. */
static int
check_applies(const struct conf *c, const struct cal_window *w,
    const struct admin_post *p, char *err, size_t errlen)
{
	struct conf_applies *ap;
	int rc = 0;

	if (p->napplies == 0)
		return 0;
	ap = xcalloc(p->napplies, sizeof(*ap));
	for (size_t i = 0; i < p->napplies; i++) {
		const char *s = p->applies_to[i];

		if (strcmp(s, "all") == 0)
			ap[i].kind = CONF_APPLIES_ALL;
		else if (strncmp(s, "group:", 6) == 0) {
			ap[i].kind = CONF_APPLIES_GROUP;
			ap[i].name = (char *)s + 6;
		} else if (strncmp(s, "component:", 10) == 0) {
			ap[i].kind = CONF_APPLIES_COMPONENT;
			ap[i].name = (char *)s + 10;
		} else if (conf_target_find(c, s) != NULL) {
			ap[i].kind = CONF_APPLIES_TARGET;
			ap[i].name = (char *)s;
		} else {
			snprintf(err, errlen,
			    "\"%s\" is not a target, group:NAME, component:NAME or all",
			    s);
			rc = -1;
			goto out;
		}
	}
	for (size_t i = 0; i < c->ntargets; i++) {
		bool want = conf_applies_to(ap, p->napplies, &c->targets[i]);
		bool has = w->napplies == 0 ||
		    conf_applies_to(w->applies, w->napplies, &c->targets[i]);

		if (want && !has) {
			snprintf(err, errlen,
			    "target \"%s\" is not covered by window \"%s\"",
			    c->targets[i].name, w->name);
			rc = -1;
			goto out;
		}
		if (has && !want) {
			snprintf(err, errlen,
			    "an announcement covers all of its window's targets (\"%s\" "
			    "too); for fewer, configure a window with that applies_to",
			    c->targets[i].name);
			rc = -1;
			goto out;
		}
	}
out:
	free(ap);
	return rc;
}

static void
post(struct admin *a, struct evhttp_request *req, const struct admin_token *t,
    time_t now)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	const struct calendar *cal = a->src.calendar(a->src.arg);
	const struct cal_window *w;
	const struct cal_announcement *x;
	struct announce_verdict v;
	struct admin_post p;
	char field[64], err[512], id[ANNOUNCE_ID_LEN], fp[65], loc[128];
	json_t *extra, *o;
	int rc;

	if (len > ADMIN_BODY_MAX) {
		send_error(req, 413, "body", "larger than 16 KiB");
		return;
	}
	if (admin_body_parse((const char *)evbuffer_pullup(in, -1), len, &p, field,
		sizeof(field), err, sizeof(err)) < 0) {
		send_error(req, 400, field, err);
		return;
	}
	if ((w = calendar_window_find(cal, p.window)) == NULL) {
		snprintf(
		    err, sizeof(err), "\"%s\" is not a configured window", p.window);
		send_error(req, 400, "window", err);
		goto out;
	}
	if (!admin_token_allows(t, p.window)) {
		log_warnx("admin: token \"%s\" may not announce window \"%s\"", t->name,
		    p.window);
		snprintf(err, sizeof(err),
		    "token \"%s\" may not announce window \"%s\"", t->name, p.window);
		send_error(req, 403, "window", err);
		goto out;
	}
	if (check_applies(a->src.conf, w, &p, err, sizeof(err)) < 0) {
		send_error(req, 400, "applies_to", err);
		goto out;
	}
	if (p.has_key) {
		const struct admin_key *k = key_find(a, p.idem_key, t->name);

		if (k != NULL) {
			if (memcmp(k->fingerprint, p.fingerprint,
				sizeof(p.fingerprint)) != 0) {
				send_error(req, 409, "idempotency_key",
				    "already used for another announcement");
				goto out;
			}
			/* a retry: the announcement it made */
			if ((x = ann_find(cal, k->id)) == NULL) {
				send_error(req, 500, NULL,
				    "the announcement of this key is gone");
				goto out;
			}
			o = ann_json(cal, x, now);
			json_object_set_new(o, "by", json_string(t->name));
			json_object_set_new(
			    o, "idempotency_key", json_string(p.idem_key));
			send_json(req, 200, o);
			goto out;
		}
	}
	if (a->src.journal == NULL) {
		send_error(req, 503, NULL, "a dry run records nothing");
		goto out;
	}
	extra = json_object();
	if (p.has_key) {
		hex(p.fingerprint, sizeof(p.fingerprint), fp);
		json_object_set_new(extra, "idempotency_key", json_string(p.idem_key));
		json_object_set_new(extra, "fingerprint", json_string(fp));
	}
	if (p.napplies) {
		json_t *ap = json_array();

		for (size_t i = 0; i < p.napplies; i++)
			json_array_append_new(ap, json_string(p.applies_to[i]));
		json_object_set_new(extra, "applies_to", ap);
	}
	rc = announce_record_extra(a->src.journal, cal, p.window, p.start, p.end,
	    p.has_note ? p.note : NULL, t->name, now, id, extra, &v, err, sizeof(err));
	json_decref(extra);
	if (rc == -2) {
		log_warnx("admin: %s", err);
		send_error(req, 500, NULL, err);
		goto out;
	}
	if (rc < 0) {
		send_error(req, 400, p.end <= now ? "end" : "start", err);
		goto out;
	}
	log_info("admin: token \"%s\" announced %s for window \"%s\"%s", t->name, id,
	    p.window,
	    v.short_notice ? " (short notice: its time counts against availability)"
			   : "");
	if (p.has_key)
		key_add(a, p.idem_key, t->name, p.fingerprint, id);
	a->src.changed(a->src.arg, now);
	cal = a->src.calendar(a->src.arg);
	o = (x = ann_find(cal, id)) != NULL ? ann_json(cal, x, now)
					    : json_pack("{s:s}", "id", id);
	json_object_set_new(o, "by", json_string(t->name));
	if (p.has_key)
		json_object_set_new(o, "idempotency_key", json_string(p.idem_key));
	if (p.ignored_announced_at)
		json_object_set_new(o, "ignored", json_pack("[s]", "announced_at"));
	if (v.short_notice)
		json_object_set_new(o, "warning",
		    json_string(
			"short notice: this maintenance counts against availability"));
	snprintf(loc, sizeof(loc), "%s/%s", ADMIN_PATH, id);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Location", loc);
	send_json(req, 201, o);
out:
	admin_post_free(&p);
}

static void
list(struct admin *a, struct evhttp_request *req, time_t now)
{
	const struct calendar *cal = a->src.calendar(a->src.arg);
	json_t *arr = json_array();

	for (size_t i = 0; i < calendar_nannouncements(cal); i++)
		json_array_append_new(
		    arr, ann_json(cal, calendar_announcement(cal, i), now));
	send_json(req, 200, json_pack("{s:o}", "announcements", arr));
}

static void
cancel(struct admin *a, struct evhttp_request *req, const struct admin_token *t,
    const char *id, time_t now)
{
	const struct calendar *cal = a->src.calendar(a->src.arg);
	const struct cal_announcement *x = ann_find(cal, id), *found;
	char err[512];
	json_t *o;
	int rc;

	if (x == NULL) {
		send_error(req, 404, NULL, "no announcement with this id");
		return;
	}
	if (!admin_token_allows(t, x->window)) {
		snprintf(err, sizeof(err), "token \"%s\" may not cancel window \"%s\"",
		    t->name, x->window);
		send_error(req, 403, NULL, err);
		return;
	}
	if (a->src.journal == NULL) {
		send_error(req, 503, NULL, "a dry run records nothing");
		return;
	}
	rc = announce_cancel(
	    a->src.journal, cal, id, t->name, now, &found, err, sizeof(err));
	if (rc == -2) {
		send_error(req, 500, NULL, err);
		return;
	}
	if (rc < 0) {
		send_error(req, 409, NULL, err);
		return;
	}
	log_info(
	    "admin: token \"%s\" cancelled %s (window \"%s\")", t->name, id, x->window);
	a->src.changed(a->src.arg, now);
	cal = a->src.calendar(a->src.arg);
	o = (x = ann_find(cal, id)) != NULL ? ann_json(cal, x, now)
					    : json_pack("{s:s}", "id", id);
	json_object_set_new(o, "cancelled_by", json_string(t->name));
	send_json(req, 200, o);
}

static void
admin_cb(struct evhttp_request *req, void *arg)
{
	struct admin *a = arg;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	const struct admin_token *t;
	time_t now = admin_now(a);
	size_t plen = strlen(ADMIN_PATH);

	if (path == NULL || strncmp(path, ADMIN_PATH, plen) != 0 ||
	    (path[plen] != '\0' && path[plen] != '/')) {
		send_error(req, 404, NULL, "not found: the admin API is " ADMIN_PATH);
		return;
	}
	if ((t = authenticate(a, req, now)) == NULL)
		return;
	if (path[plen] == '\0' || strcmp(path + plen, "/") == 0) {
		if (cmd == EVHTTP_REQ_POST)
			post(a, req, t, now);
		else if (cmd == EVHTTP_REQ_GET)
			list(a, req, now);
		else {
			evhttp_add_header(evhttp_request_get_output_headers(req),
			    "Allow", "GET, POST");
			send_error(req, 405, NULL, "GET or POST");
		}
		return;
	}
	if (cmd != EVHTTP_REQ_DELETE) {
		evhttp_add_header(
		    evhttp_request_get_output_headers(req), "Allow", "DELETE");
		send_error(req, 405, NULL, "DELETE cancels an announcement");
		return;
	}
	cancel(a, req, t, path + plen + 1, now);
}

static int
bind_unix(struct admin *a, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct stat sb;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "admin_listen: unix:%s: path too long", path);
		return -1;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	/* a socket left by an earlier run is replaced; one that answers is
	 * another daemon's, and anything else is not ours to remove */
	if (lstat(path, &sb) == 0) {
		int probe;

		if (!S_ISSOCK(sb.st_mode)) {
			snprintf(err, errlen,
			    "admin_listen: %s exists and is not a socket", path);
			return -1;
		}
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 &&
		    connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			close(probe);
			snprintf(err, errlen,
			    "admin_listen: %s is in use by another process", path);
			return -1;
		}
		if (probe >= 0)
			close(probe);
		unlink(path);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) !=
	    -1) {
		/* never more open than 0660, not even between bind and chmod */
		mode_t old = umask(0117);
		int r = bind(fd, (struct sockaddr *)&sun, sizeof(sun));

		umask(old);
		if (r == -1) {
			close(fd);
			fd = -1;
		}
	}
	if (fd == -1 || chmod(path, 0660) == -1 || listen(fd, 64) == -1) {
		snprintf(
		    err, errlen, "admin_listen: unix:%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if ((a->unix_listener = evconnlistener_new(a->base, NULL, NULL,
		 LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd)) == NULL) {
		snprintf(err, errlen, "admin_listen: unix:%s: cannot listen", path);
		close(fd);
		return -1;
	}
	if (evhttp_bind_listener(a->http, a->unix_listener) == NULL) {
		snprintf(err, errlen, "admin_listen: unix:%s: cannot serve", path);
		return -1;
	}
	a->unix_listener = NULL; /* the bound socket owns it now */
	a->unix_path = xstrdup(path);
	return 0;
}

struct admin *
admin_new(struct event_base *base, const char *listen, const struct admin_source *src,
    char *err, size_t errlen)
{
	struct admin *a = xcalloc(1, sizeof(*a));
	char host[256];
	const char *port;
	size_t hl;

	a->base = base;
	a->src = *src;
	if ((a->http = evhttp_new(base)) == NULL) {
		snprintf(err, errlen, "admin: cannot create the HTTP server");
		goto fail;
	}
	evhttp_set_allowed_methods(a->http,
	    EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_DELETE | EVHTTP_REQ_HEAD);
	evhttp_set_max_headers_size(a->http, 8192);
	/* larger bodies are refused by libevent itself, with 413 */
	evhttp_set_max_body_size(a->http, 4 * ADMIN_BODY_MAX);
	evhttp_set_timeout(a->http, ADMIN_TIMEOUT);
	evhttp_set_gencb(a->http, admin_cb, a);
	if (src->journal != NULL)
		journal_read(src->conf->state_dir, keys_cb, keys_warn_cb, a);
	if (strncmp(listen, "unix:", 5) == 0) {
		if (bind_unix(a, listen + 5, err, errlen) < 0)
			goto fail;
		return a;
	}
	if (listen[0] == '[') {
		const char *e = strstr(listen, "]:");

		hl = e ? (size_t)(e - listen - 1) : 0;
		port = e ? e + 2 : "";
		snprintf(host, sizeof(host), "%.*s", (int)hl, listen + 1);
	} else {
		port = strrchr(listen, ':');
		hl = port ? (size_t)(port - listen) : 0;
		snprintf(host, sizeof(host), "%.*s", (int)hl, listen);
		port = port ? port + 1 : "";
	}
	if ((a->sock = evhttp_bind_socket_with_handle(
		 a->http, host, (ev_uint16_t)atoi(port))) == NULL) {
		snprintf(err, errlen, "admin_listen: cannot listen on %s: %s", listen,
		    strerror(errno));
		goto fail;
	}
	log_info("admin API on %s (%zu tokens)", listen, src->conf->admin_tokens.n);
	return a;
fail:
	admin_free(a);
	return NULL;
}

void
admin_set_source(struct admin *a, const struct admin_source *src)
{
	if (a)
		a->src = *src;
}

int
admin_port(const struct admin *a)
{
	return a ? httpd_bound_port(a->sock) : -1;
}

void
admin_free(struct admin *a)
{
	if (a == NULL)
		return;
	if (a->http)
		evhttp_free(a->http);
	if (a->unix_listener)
		evconnlistener_free(a->unix_listener);
	if (a->unix_path) {
		unlink(a->unix_path);
		free(a->unix_path);
	}
	for (size_t i = 0; i < a->nkeys; i++) {
		free(a->keys[i].key);
		free(a->keys[i].by);
	}
	free(a->keys);
	free(a);
}
