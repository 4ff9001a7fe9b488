/*
 * notify-smtp.c - the smtp channel: a plain-text RFC 5322 mail through
 * libcurl's SMTP client. The message, with its Message-ID, is composed once
 * per delivery, so a retry re-sends the same mail and a mail system that
 * de-duplicates on Message-ID shows it once.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "curlm.h"
#include "log.h"
#include "notify-priv.h"
#include "tz.h"

/* Keeps a value on one line and below the 998-octet limit of RFC 5322. */
static void
clean(char *dst, size_t len, const char *src)
{
	size_t i = 0;

	if (src == NULL)
		src = "";
	for (; *src && i + 1 < len && i < 900; src++)
		dst[i++] = ((unsigned char)*src < 0x20 || *src == 0x7f) ? ' ' : *src;
	dst[i] = '\0';
}

char *
notify_mail_subject(const struct notify_msg *m, char *buf, size_t len)
{
	char target[256], d1[32], d2[32];
	const char *test = m->test ? "TEST " : "";

	clean(target, sizeof(target), m->target);
	switch (m->kind) {
	case NOTIFY_RECOVERY:
		snprintf(buf, len, "[slamon] %sRECOVERED %s after %s (%s unplanned)",
		    test, target, notify_fmt_duration(m->down_s, d1, sizeof(d1)),
		    notify_fmt_duration(m->unplanned_s, d2, sizeof(d2)));
		break;
	case NOTIFY_REPEAT:
		snprintf(buf, len, "[slamon] %sREPEAT %s still down %s (unplanned)",
		    test, target, notify_fmt_duration(m->unplanned_s, d1, sizeof(d1)));
		break;
	case NOTIFY_ALERT:
	default:
		snprintf(buf, len, "[slamon] %sALERT %s down %s (unplanned)", test,
		    target, notify_fmt_duration(m->unplanned_s, d1, sizeof(d1)));
		break;
	}
	return buf;
}

/* RFC 5322 date in UTC, independent of the locale. */
static void
mail_date(time_t t, char *buf, size_t len)
{
	static const char *const wd[] = {
	    "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const mo[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d +0000", wd[tm.tm_wday],
	    tm.tm_mday, mo[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	    tm.tm_sec);
}

struct buf {
	char *p;
	size_t len, cap;
};

static void put(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			fatalx("vsnprintf");
		if ((size_t)n < b->cap - b->len)
			break;
		b->cap = (b->cap + (size_t)n) * 2;
		b->p = xreallocarray(b->p, b->cap, 1);
	}
	b->len += (size_t)n;
}

static const char *
rfc3339_or(time_t t, char *buf, size_t len, const char *none)
{
	return t ? tz_rfc3339(t, buf, len) : none;
}

int
notify_format_mail(const struct notify_msg *m, const struct conf_alert *a,
    const char *message_id, char **text)
{
	struct buf b = {xmalloc(1024), 0, 1024};
	char subject[512], date[64], v[1024], t1[TZ_RFC3339_LEN], d1[32], d2[32];

	mail_date(m->time, date, sizeof(date));
	put(&b, "Date: %s\r\n", date);
	put(&b, "From: %s\r\n", a->from);
	put(&b, "To: ");
	for (size_t i = 0; i < a->to.n; i++)
		put(&b, "%s%s", i ? ",\r\n " : "", a->to.v[i]);
	put(&b, "\r\n");
	put(&b, "Subject: %s\r\n", notify_mail_subject(m, subject, sizeof(subject)));
	put(&b, "Message-ID: %s\r\n", message_id);
	put(&b, "MIME-Version: 1.0\r\n");
	put(&b, "Content-Type: text/plain; charset=utf-8\r\n");
	put(&b, "Content-Transfer-Encoding: 8bit\r\n");
	put(&b, "Auto-Submitted: auto-generated\r\n");
	put(&b, "X-Slamon-Event: %s\r\n", notify_kind_name(m->kind));
	put(&b, "\r\n");

	if (m->test)
		put(&b,
		    "THIS IS A TEST sent by `slamon test-alert`; nothing is down.\r\n\r\n");
	clean(v, sizeof(v), m->target);
	switch (m->kind) {
	case NOTIFY_RECOVERY:
		put(&b, "%s has recovered after %s down, %s of it unplanned.\r\n", v,
		    notify_fmt_duration(m->down_s, d1, sizeof(d1)),
		    notify_fmt_duration(m->unplanned_s, d2, sizeof(d2)));
		break;
	case NOTIFY_REPEAT:
		put(&b, "%s is still down: %s unplanned so far (%s in all).\r\n", v,
		    notify_fmt_duration(m->unplanned_s, d1, sizeof(d1)),
		    notify_fmt_duration(m->down_s, d2, sizeof(d2)));
		break;
	case NOTIFY_ALERT:
	default:
		put(&b,
		    "%s has been down for %s outside announced maintenance "
		    "(%s in all).\r\n",
		    v, notify_fmt_duration(m->unplanned_s, d1, sizeof(d1)),
		    notify_fmt_duration(m->down_s, d2, sizeof(d2)));
		break;
	}
	put(&b, "\r\n");
	put(&b, "Event:         %s\r\n", notify_kind_name(m->kind));
	put(&b, "Target:        %s\r\n", v);
	clean(v, sizeof(v), m->component ? m->component : "-");
	put(&b, "Component:     %s\r\n", v);
	put(&b, "Outage start:  %s\r\n",
	    rfc3339_or(m->outage_start, t1, sizeof(t1), "-"));
	put(&b, "End:           %s\r\n", rfc3339_or(m->end, t1, sizeof(t1), "ongoing"));
	put(&b, "Unplanned:     %ld s\r\n", m->unplanned_s);
	put(&b, "Down:          %ld s\r\n", m->down_s);
	put(&b, "Windows:       ");
	for (size_t i = 0; i < m->nwindows; i++) {
		clean(v, sizeof(v), m->windows[i]);
		put(&b, "%s%s", i ? ", " : "", v);
	}
	put(&b, "%s\r\n", m->nwindows ? "" : "-");
	clean(v, sizeof(v), m->reason ? m->reason : "-");
	put(&b, "Last failure:  %s\r\n", v);
	clean(v, sizeof(v), m->status_url ? m->status_url : "-");
	put(&b, "Status page:   %s\r\n", v);
	put(&b, "Time:          %s\r\n", rfc3339_or(m->time, t1, sizeof(t1), "-"));
	*text = b.p;
	return 0;
}

int
notify_smtp_prepare(struct notify_delivery *d)
{
	const char *at = strrchr(d->ch->a.from, '@');
	char *mid;
	int rc;

	xasprintf(&mid, "<%s@%s>", d->id, at ? at + 1 : "slamon");
	rc = notify_format_mail(&d->msg, &d->ch->a, mid, &d->body);
	free(mid);
	if (rc == 0)
		d->body_len = strlen(d->body);
	return rc;
}

static size_t
smtp_read_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct notify_delivery *d = arg;
	size_t n = size * nmemb, left = d->body_len - d->upload_off;

	if (n > left)
		n = left;
	memcpy(p, d->body + d->upload_off, n);
	d->upload_off += n;
	return n;
}

int
notify_smtp_start(struct notify_delivery *d, char *err, size_t errlen)
{
	const struct conf_alert *a = &d->ch->a;
	char *addr;
	CURL *e;

	if ((e = curlm_get(d->n->curlm)) == NULL) {
		snprintf(err, errlen, "curl_easy_init failed");
		return -1;
	}
	d->easy = e;
	for (size_t i = 0; i < a->to.n; i++) {
		struct curl_slist *l;

		xasprintf(&addr, "<%s>", a->to.v[i]);
		l = curl_slist_append(d->slist, addr);
		free(addr);
		if (l == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		d->slist = l;
	}
	xasprintf(&addr, "<%s>", a->from);
	curl_easy_setopt(e, CURLOPT_MAIL_FROM, addr);
	free(addr);
	curl_easy_setopt(e, CURLOPT_URL, a->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(e, CURLOPT_MAIL_RCPT, d->slist);
	curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(e, CURLOPT_READFUNCTION, smtp_read_cb);
	curl_easy_setopt(e, CURLOPT_READDATA, d);
	curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)d->body_len);
	if (a->username) {
		curl_easy_setopt(e, CURLOPT_USERNAME, a->username);
		curl_easy_setopt(e, CURLOPT_PASSWORD, a->password ? a->password : "");
		/* never send a password in clear: smtp:// then requires STARTTLS */
		curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	} else
		curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)a->timeout * 1000);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, d->errbuf);
	return notify_curl_start(d, err, errlen);
}
