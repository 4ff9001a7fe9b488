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
 * slamon's handle pool does (bench/README.md: where the time goes).
 *
 * Usage: probe_curl_multi URL CONC SECONDS [WARMUP] [--reuse] [--reset]
 *                         [--expect STR]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <curl/curl.h>

struct slot {
	CURL *e;
	char body[4096];
	size_t len;
};

static const char *expect;
static int reset;

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
	curl_easy_setopt(s->e, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(s->e, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	if (!reuse) {
		curl_easy_setopt(s->e, CURLOPT_FRESH_CONNECT, 1L);
		curl_easy_setopt(s->e, CURLOPT_FORBID_REUSE, 1L);
	}
	curl_multi_add_handle(m, s->e);
}

int
main(int argc, char **argv)
{
	const char *fmt;
	int conc, reuse = 0, running = 0;
	double secs, warm = 1, t0, tw = 0, cw = 0, end;
	unsigned long done = 0, ok = 0, seq = 0;
	unsigned useq = 0;
	struct slot *slots;
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
		else if (strcmp(argv[i], "--expect") == 0 && i + 1 < argc)
			expect = argv[++i];
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
	for (i = 0; i < conc; i++) {
		slots[i].e = curl_easy_init();
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
			done = ok = 0;
		}
		if (now >= end)
			break;
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
			start(m, s, fmt, &useq, reuse);
		}
		curl_multi_poll(m, NULL, 0, 100, NULL);
	}
	seq = done;
	printf("done=%lu ok=%lu seconds=%.3f cpu_us=%.0f\n", seq, ok, mono() - tw,
	    cpu_us() - cw);
	for (i = 0; i < conc; i++) {
		curl_multi_remove_handle(m, slots[i].e);
		curl_easy_cleanup(slots[i].e);
	}
	free(slots);
	curl_multi_cleanup(m);
	curl_global_cleanup();
	return 0;
}
