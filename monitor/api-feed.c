/*
 * api-feed.c - /history.atom (RFC 4287) and /history.rss (RSS 2.0): the
 * incidents and the maintenance of the page, newest first, as Statuspage
 * offers them, for feed readers and chat integrations.
 *
 * The entries come from the same JSON as the API (api_incidents,
 * api_maint), so the feed never says something the page does not. A
 * recurring window is one entry (its next occurrence, else its latest),
 * not one a day. An entry's time is when it last changed (an incident's
 * latest update, a maintenance's announcement), never a time to come.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "httpd-priv.h"
#include "journal.h"
#include "log.h"

#define API_FEED_MAX 60

/* Text for XML 1.0: escaped, and without the control characters it forbids. */
static void
api_feed_esc(struct evbuffer *b, const char *s)
{
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '&')
			evbuffer_add_printf(b, "&amp;");
		else if (ch == '<')
			evbuffer_add_printf(b, "&lt;");
		else if (ch == '>')
			evbuffer_add_printf(b, "&gt;");
		else if (ch == '"')
			evbuffer_add_printf(b, "&quot;");
		else if (ch == '\'')
			evbuffer_add_printf(b, "&#39;");
		else if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r')
			continue;
		else
			evbuffer_add(b, s, 1);
	}
}

static const char *
api_feed_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* RFC 822 date of an RFC 3339 UTC time (RSS pubDate). */
static void
api_feed_rfc822(const char *iso, char *out, size_t len)
{
	static const char *const wd[] = {
	    "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const mo[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	json_t *j = json_pack("{s:s}", "t", iso);
	time_t t = 0;
	struct tm tm;

	journal_get_time(j, "t", &t);
	json_decref(j);
	gmtime_r(&t, &tm);
	snprintf(out, len, "%s, %02d %s %04d %02d:%02d:%02d +0000", wd[tm.tm_wday],
	    tm.tm_mday, mo[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	    tm.tm_sec);
}

/* One entry: the incident or maintenance object, its link and kind. */
struct api_feed_entry {
	json_t *o;
	const char *kind; /* "incident" or "maintenance" */
	const char *updated;
};

static int
api_feed_cmp(const void *a, const void *b)
{
	const struct api_feed_entry *x = a, *y = b;

	return -strcmp(x->updated, y->updated); /* RFC 3339 UTC sorts as text */
}

/* The text of an entry: its updates, newest first, one a paragraph. */
static void
api_feed_body(struct evbuffer *b, json_t *o)
{
	json_t *ups = json_object_get(o, "incident_updates"), *u;
	size_t i;

	if (json_object_get(o, "scheduled_for") != NULL) {
		api_feed_esc(b, "Scheduled from ");
		api_feed_esc(b, api_feed_str(o, "scheduled_for"));
		api_feed_esc(b, " to ");
		api_feed_esc(b, api_feed_str(o, "scheduled_until"));
		api_feed_esc(b, " (UTC).\n");
	}
	json_array_foreach(ups, i, u)
	{
		api_feed_esc(b, api_feed_str(u, "created_at"));
		api_feed_esc(b, " ");
		api_feed_esc(b, api_feed_str(u, "status"));
		api_feed_esc(b, ": ");
		api_feed_esc(b, api_feed_str(u, "body"));
		api_feed_esc(b, "\n");
	}
}

static size_t
api_feed_entries(struct httpd *h, time_t now, json_t **keep, struct api_feed_entry *e)
{
	json_t *inc = api_incidents(h, now, false),
	       *maint = api_maint(h, now, API_MAINT_ALL);
	json_t *seen = json_object(), *o;
	size_t n = 0, i;

	json_array_foreach(inc, i, o) if (n < API_FEED_MAX)
	    e[n++] = (struct api_feed_entry){
		o, "incident", api_feed_str(o, "updated_at")};
	/* maint is newest first: for a recurring window keep its next occurrence */
	json_array_foreach(maint, i, o)
	{
		const char *w = api_feed_str(o, "window");
		json_t *prev = json_object_get(seen, w);

		if (!json_is_true(json_object_get(o, "recurring"))) {
			if (n < API_FEED_MAX)
				e[n++] = (struct api_feed_entry){
				    o, "maintenance", api_feed_str(o, "updated_at")};
			continue;
		}
		/* a later one is replaced by an earlier one still to come */
		if (prev != NULL && strcmp(api_feed_str(o, "status"), "completed") == 0)
			continue;
		json_object_set_new(seen, w, json_integer((json_int_t)i));
	}
	{
		const char *w;
		json_t *v;

		json_object_foreach(seen, w, v) if (n < API_FEED_MAX)
		{
			o = json_array_get(maint, (size_t)json_integer_value(v));
			e[n++] = (struct api_feed_entry){
			    o, "maintenance", api_feed_str(o, "updated_at")};
		}
	}
	json_decref(seen);
	keep[0] = inc;
	keep[1] = maint;
	qsort(e, n, sizeof(*e), api_feed_cmp);
	return n;
}

void
api_feed_req(struct httpd *h, struct evhttp_request *req, bool atom)
{
	time_t now = httpd_now(h);
	json_t *page = api_status_page(h, now), *keep[2];
	struct api_feed_entry *e = xcalloc(API_FEED_MAX * 2, sizeof(*e));
	const char *url = api_feed_str(page, "url"), *title;
	char nowb[32], date[64];
	struct evbuffer *b = evbuffer_new();
	size_t n;

	if (b == NULL)
		fatal("evbuffer_new");
	title = h->src.conf->page.title ? h->src.conf->page.title : "Service status";
	n = api_feed_entries(h, now, keep, e);
	snprintf(nowb, sizeof(nowb), "%s", api_feed_str(page, "updated_at"));
	evbuffer_add_printf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	if (atom) {
		evbuffer_add_printf(b,
		    "<feed xmlns=\"http://www.w3.org/2005/Atom\" "
		    "xml:lang=\"en\">\n<id>");
		api_feed_esc(b, url);
		evbuffer_add_printf(b, "history.atom</id>\n<title>");
		api_feed_esc(b, title);
		evbuffer_add_printf(b,
		    " - incident history</title>\n<updated>%s</updated>\n",
		    n ? e[0].updated : nowb);
		evbuffer_add_printf(b, "<author><name>");
		api_feed_esc(b, title);
		evbuffer_add_printf(b,
		    "</name></author>\n<link rel=\"alternate\" "
		    "type=\"text/html\" href=\"");
		api_feed_esc(b, url);
		evbuffer_add_printf(b,
		    "\"/>\n<link rel=\"self\" "
		    "type=\"application/atom+xml\" href=\"");
		api_feed_esc(b, url);
		evbuffer_add_printf(b, "history.atom\"/>\n");
	} else {
		evbuffer_add_printf(b,
		    "<rss version=\"2.0\" "
		    "xmlns:atom=\"http://www.w3.org/2005/Atom\">\n"
		    "<channel>\n<title>");
		api_feed_esc(b, title);
		evbuffer_add_printf(b, " - incident history</title>\n<link>");
		api_feed_esc(b, url);
		evbuffer_add_printf(b,
		    "</link>\n<atom:link rel=\"self\" "
		    "type=\"application/rss+xml\" href=\"");
		api_feed_esc(b, url);
		evbuffer_add_printf(b, "history.rss\"/>\n<description>");
		api_feed_esc(b, "Incidents and maintenance of ");
		api_feed_esc(b, title);
		api_feed_rfc822(n ? e[0].updated : nowb, date, sizeof(date));
		evbuffer_add_printf(b,
		    "</description>\n<language>en</language>\n<lastBuildDate>%s"
		    "</lastBuildDate>\n",
		    date);
	}
	for (size_t i = 0; i < n; i++) {
		json_t *o = e[i].o;
		bool inc = e[i].kind[0] == 'i';
		char link[1024];

		if (inc)
			snprintf(link, sizeof(link), "%sincidents/%s", url,
			    api_feed_str(o, "id"));
		else
			snprintf(link, sizeof(link), "%s", url);
		if (atom) {
			evbuffer_add_printf(b, "<entry>\n<id>");
			api_feed_esc(b, url);
			evbuffer_add_printf(b, "#%s-%s</id>\n<title>", e[i].kind,
			    api_feed_str(o, "id"));
			if (!inc)
				api_feed_esc(b, "Maintenance: ");
			api_feed_esc(b, api_feed_str(o, "name"));
			evbuffer_add_printf(b,
			    "</title>\n<updated>%s</updated>\n<published>%s"
			    "</published>\n<link rel=\"alternate\" type=\"text/html\" "
			    "href=\"",
			    e[i].updated, api_feed_str(o, "created_at"));
			api_feed_esc(b, link);
			evbuffer_add_printf(b,
			    "\"/>\n<category term=\"%s\"/>\n"
			    "<content type=\"text\">",
			    e[i].kind);
			api_feed_body(b, o);
			evbuffer_add_printf(b, "</content>\n</entry>\n");
		} else {
			evbuffer_add_printf(b, "<item>\n<title>");
			if (!inc)
				api_feed_esc(b, "Maintenance: ");
			api_feed_esc(b, api_feed_str(o, "name"));
			evbuffer_add_printf(b, "</title>\n<link>");
			api_feed_esc(b, link);
			evbuffer_add_printf(b, "</link>\n<guid isPermaLink=\"false\">");
			api_feed_esc(b, url);
			evbuffer_add_printf(
			    b, "#%s-%s</guid>\n", e[i].kind, api_feed_str(o, "id"));
			api_feed_rfc822(e[i].updated, date, sizeof(date));
			evbuffer_add_printf(b,
			    "<pubDate>%s</pubDate>\n<category>%s</category>\n"
			    "<description>",
			    date, e[i].kind);
			api_feed_body(b, o);
			evbuffer_add_printf(b, "</description>\n</item>\n");
		}
	}
	evbuffer_add_printf(b, atom ? "</feed>\n" : "</channel>\n</rss>\n");
	httpd_send(req, 200,
	    atom ? "application/atom+xml; charset=utf-8"
		 : "application/rss+xml; charset=utf-8",
	    b);
	evbuffer_free(b);
	json_decref(keep[0]);
	json_decref(keep[1]);
	json_decref(page);
	free(e);
}
