/*
 * probe_curl_multi.c - the ceiling: a bare libcurl-multi loop that keeps
 * CONC GETs in flight for SECONDS and counts what completes.
 *
 * By default every GET opens a fresh connection with the options of
 * probes/http.c (FRESH_CONNECT, FORBID_REUSE, NOSIGNAL, a timeout, the body
 * read and dropped), so it does the same work per probe as slamon minus the
 * scheduler, the engine and libevent. With --reuse the connections are kept
 * alive instead: that is the driver of blackbox_exporter's /probe endpoint,
 * where only the exporter's CPU is counted.
 *
 * URL may contain one "%u": replaced by a counter, so that every request
 * differs (distinct paths or targets). With --expect STR a reply counts as a
 * success only if its body contains STR (blackbox: "probe_success 1").
 *
 * Prints one line: done=N ok=N seconds=S cpu_us=U (the CPU of this process,
 * getrusage user+system over the measured window; the first WARMUP seconds
 * are run but not counted).
 *
 * With --reset every handle is curl_easy_reset() before its next GET, as
 * slamon's handle pool does (bench/README.md: where the time goes). With
 * --http-opts every GET also gets the rest of the options probes/http.c
 * sets (user agent, Accept-Encoding, error buffer, redirects, TLS checks):
 * the same work per probe as slamon's http probe, in libcurl too.
 *
 * With --rate R it is the bare loop under a given demand (bench/README.md,
 * "Overload"): GETs are planned R a second, evenly, as R targets at a 1 s
 * interval would be, and started oldest first while fewer than CONC are in
 * flight; a GET still waiting when the next one of its "target" is planned
 * (1 s later) is skipped. It then also prints the start lag (actual minus
 * planned start) p50/p99 of the window and the skipped count. --timeout MS
 * sets the transfer timeout (default 10000).
 *
 * Usage: probe_curl_multi URL CONC SECONDS [WARMUP] [--reuse] [--reset]
 *                         [--expect STR] [--rate R] [--timeout MS]
 *                         [--http-opts]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <curl/curl.h>

struct slot {
	CURL *e;
	char err[CURL_ERROR_SIZE];
	char body[4096];
	size_t len;
};

static const char *expect;
static int reset, http_opts;
static long timeout_ms = 10000;

/* start lag histogram of the window, 0.1 ms wide, up to 30 s */
#define LAG_SLOTS 300000
static unsigned lag_hist[LAG_SLOTS];
static unsigned long lag_n;

static void
lag_add(double lag_s)
{
	long k = (long)(lag_s * 1e4);

	if (k < 0)
		k = 0;
	if (k >= LAG_SLOTS)
		k = LAG_SLOTS - 1;
	lag_hist[k]++;
	lag_n++;
}

static double
lag_pct(double p)
{
	unsigned long want = (unsigned long)(p / 100 * (double)lag_n), seen = 0;

	for (long k = 0; k < LAG_SLOTS; k++) {
		seen += lag_hist[k];
		if (seen > want)
			return (double)k / 10;
	}
	return (double)(LAG_SLOTS - 1) / 10;
}

static size_t
write_cb(char *p, size_t sz, size_t n, void *arg)
{
	struct slot *s = arg;
	size_t k = sz * n, room = sizeof(s->body) - 1 - s->len;

	if (expect) {
		/* keep the tail so a match across chunks is still seen */
		if (k > room) {
			size_t drop = k - room > s->len ? s->len : k - room;
			memmove(s->body, s->body + drop, s->len - drop);
			s->len -= drop;
			room += drop;
		}
		if (k > room) {
			p += k - room;
			memcpy(s->body + s->len, p, room);
			s->len += room;
		} else {
			memcpy(s->body + s->len, p, k);
			s->len += k;
		}
		s->body[s->len] = '\0';
	}
	return sz * n;
}

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
	    ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static void
start(CURLM *m, struct slot *s, const char *fmt, unsigned *seq, int reuse)
{
	char url[2048];

	snprintf(url, sizeof(url), fmt, (*seq)++);
	s->len = 0;
	if (reset)
		curl_easy_reset(s->e);
	curl_easy_setopt(s->e, CURLOPT_URL, url);
	curl_easy_setopt(s->e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(s->e, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(s->e, CURLOPT_PRIVATE, s);
	curl_easy_setopt(s->e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->e, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(s->e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	if (!reuse) {
		curl_easy_setopt(s->e, CURLOPT_FRESH_CONNECT, 1L);
		curl_easy_setopt(s->e, CURLOPT_FORBID_REUSE, 1L);
	}
	if (http_opts) {
		/* the rest of what probes/http.c sets on every GET */
		curl_easy_setopt(s->e, CURLOPT_ERRORBUFFER, s->err);
		curl_easy_setopt(s->e, CURLOPT_FOLLOWLOCATION, 0L);
		curl_easy_setopt(s->e, CURLOPT_MAXREDIRS, 10L);
		curl_easy_setopt(s->e, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(s->e, CURLOPT_SSL_VERIFYHOST, 2L);
		curl_easy_setopt(s->e, CURLOPT_USERAGENT, "slamon");
		curl_easy_setopt(s->e, CURLOPT_ACCEPT_ENCODING, "");
		curl_easy_setopt(s->e, CURLOPT_SSL_SESSIONID_CACHE, 0L);
	}
	curl_multi_add_handle(m, s->e);
}

int
main(int argc, char **argv)
{
	const char *fmt;
	int conc, reuse = 0, running = 0;
	double secs, warm = 1, t0, tw = 0, cw = 0, end, rate = 0;
	unsigned long done = 0, ok = 0, seq = 0, planned = 0, skipped = 0;
	unsigned useq = 0;
	struct slot *slots, **idle;
	int nidle = 0;
	CURLM *m;
	int i;

	if (argc < 4) {
		fprintf(stderr, "usage: %s URL CONC SECONDS [WARMUP] [--reuse] "
		    "[--reset] [--expect STR]\n", argv[0]);
		return 2;
	}
	fmt = argv[1];
	conc = atoi(argv[2]);
	secs = atof(argv[3]);
	for (i = 4; i < argc; i++) {
		if (strcmp(argv[i], "--reuse") == 0)
			reuse = 1;
		else if (strcmp(argv[i], "--reset") == 0)
			reset = 1;
		else if (strcmp(argv[i], "--http-opts") == 0)
			http_opts = 1;
		else if (strcmp(argv[i], "--expect") == 0 && i + 1 < argc)
			expect = argv[++i];
		else if (strcmp(argv[i], "--rate") == 0 && i + 1 < argc)
			rate = atof(argv[++i]);
		else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
			timeout_ms = atol(argv[++i]);
		else
			warm = atof(argv[i]);
	}
	if (conc < 1 || secs <= 0 || secs > 600 || warm < 0 || warm > 60)
		return 2;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	m = curl_multi_init();
	if (reuse)
		curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)conc);
	slots = calloc((size_t)conc, sizeof(*slots));
	idle = calloc((size_t)conc, sizeof(*idle));
	for (i = 0; i < conc; i++) {
		slots[i].e = curl_easy_init();
		if (rate > 0)
			idle[nidle++] = &slots[i];
		else
			start(m, &slots[i], fmt, &useq, reuse);
	}
	t0 = mono();
	end = t0 + warm + secs;
	for (;;) {
		CURLMsg *msg;
		int left;
		double now = mono();

		if (tw == 0 && now >= t0 + warm) {
			tw = now;
			cw = cpu_us();
			done = ok = skipped = 0;
			memset(lag_hist, 0, sizeof(lag_hist));
			lag_n = 0;
		}
		if (now >= end)
			break;
		/* the demand: planned starts, oldest first, while a slot is free */
		while (rate > 0 && nidle > 0 && t0 + planned / rate <= now) {
			double lag = now - (t0 + planned / rate);

			planned++;
			if (lag >= 1.0) { /* its next is planned already: skip */
				skipped++;
				continue;
			}
			lag_add(lag);
			start(m, idle[--nidle], fmt, &useq, reuse);
		}
		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			struct slot *s;
			long code = 0;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
			curl_easy_getinfo(s->e, CURLINFO_RESPONSE_CODE, &code);
			done++;
			if (msg->data.result == CURLE_OK && code == 200 &&
			    (expect == NULL || strstr(s->body, expect) != NULL))
				ok++;
			curl_multi_remove_handle(m, s->e);
			if (rate > 0)
				idle[nidle++] = s;
			else
				start(m, s, fmt, &useq, reuse);
		}
		if (rate > 0) {
			double wait = (t0 + planned / rate - mono()) * 1000;
			int ms = nidle == 0 || wait > 100 ? 100 : wait < 0 ? 0 : (int)wait;

			curl_multi_poll(m, NULL, 0, ms, NULL);
		} else
			curl_multi_poll(m, NULL, 0, 100, NULL);
	}
	seq = done;
	printf("done=%lu ok=%lu seconds=%.3f cpu_us=%.0f", seq, ok, mono() - tw,
	    cpu_us() - cw);
	if (rate > 0)
		printf(" lag_p50_ms=%.1f lag_p99_ms=%.1f started=%lu skipped=%lu",
		    lag_pct(50), lag_pct(99), lag_n, skipped);
	printf("\n");
	for (i = 0; i < conc; i++) {
		curl_multi_remove_handle(m, slots[i].e);
		curl_easy_cleanup(slots[i].e);
	}
	free(slots);
	free(idle);
	curl_multi_cleanup(m);
	curl_global_cleanup();
	return 0;
}
