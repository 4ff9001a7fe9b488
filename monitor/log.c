/*
 * log.c - logging and allocation helpers shared by every module.
 *
 * Three ways out, chosen once at start-up:
 *  - stderr under systemd (JOURNAL_STREAM names our stderr): "<N>message",
 *    the sd-daemon(3) prefixes journald reads as the priority; journald
 *    adds the time and the unit;
 *  - syslog with -s, when /dev/log answers; otherwise a warning and stderr,
 *    for a message that nobody can read is worse than one in the wrong place;
 *  - plain stderr: "2026-03-29T00:00:00.123Z warning slamon: message", an
 *    RFC 3339 time in UTC and the level (debug, info, warning, error).
 * Allocation failure is the one fatal error outside start-up: there is no
 * sensible way to keep probing without memory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

enum log_to { LOG_TO_STDERR, LOG_TO_JOURNAL, LOG_TO_SYSLOG };

static enum log_to log_to;
static int log_verbose;

/* systemd sets JOURNAL_STREAM=DEV:INODE of the stream it connected; it is
 * ours only if stderr still is that stream (not redirected by a shell). */
static int
log_journal_stream(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (e == NULL || sscanf(e, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

/* Whether a syslog daemon listens on /dev/log (glibc's syslog() drops
 * messages silently when none does). */
static int
log_syslog_reachable(char *why, size_t len)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, ok = 0;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", _PATH_LOG);
	for (int type = SOCK_DGRAM; !ok && type >= 0;
	     type = type == SOCK_DGRAM ? SOCK_STREAM : -1) {
		if ((fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0)) == -1)
			break;
		ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
		if (!ok)
			snprintf(why, len, "%s: %s", _PATH_LOG, strerror(errno));
		close(fd);
	}
	return ok;
}

void
log_init(int use_syslog, int verbose)
{
	char why[256] = "";

	log_verbose = verbose;
	log_to = log_journal_stream() ? LOG_TO_JOURNAL : LOG_TO_STDERR;
	if (!use_syslog)
		return;
	if (log_syslog_reachable(why, sizeof(why))) {
		log_to = LOG_TO_SYSLOG;
		openlog("slamon", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	} else
		log_warnx("syslog unreachable (%s): logging to stderr", why);
}

static const char *
log_level(int pri)
{
	switch (pri) {
	case LOG_DEBUG:
		return "debug";
	case LOG_INFO:
	case LOG_NOTICE:
		return "info";
	case LOG_WARNING:
		return "warning";
	default:
		return "error";
	}
}

static void
vlog(int pri, const char *fmt, va_list ap, const char *suffix)
{
	char buf[2048], ts[40];
	struct timespec now;
	struct tm tm;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	switch (log_to) {
	case LOG_TO_SYSLOG:
		if (suffix)
			syslog(pri, "%s: %s", buf, suffix);
		else
			syslog(pri, "%s", buf);
		break;
	case LOG_TO_JOURNAL:
		fprintf(stderr, "<%d>%s%s%s\n", pri, buf, suffix ? ": " : "",
		    suffix ? suffix : "");
		break;
	case LOG_TO_STDERR:
		clock_gettime(CLOCK_REALTIME, &now);
		gmtime_r(&now.tv_sec, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ldZ %s slamon: %s%s%s\n", ts,
		    now.tv_nsec / 1000000, log_level(pri), buf, suffix ? ": " : "",
		    suffix ? suffix : "");
		break;
	}
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap, NULL);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, strerror(saved));
	va_end(ap);
	exit(2);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	exit(2);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		fatal("malloc");
	return p;
}

void *
xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);

	if (p == NULL)
		fatal("calloc");
	return p;
}

void *
xreallocarray(void *old, size_t n, size_t m)
{
	void *p;

	if (m && n > (size_t)-1 / m)
		fatalx("xreallocarray: overflow");
	p = realloc(old, (n && m) ? n * m : 1);
	if (p == NULL)
		fatal("realloc");
	return p;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		fatal("strdup");
	return p;
}

int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(ret, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal("asprintf");
	return n;
}
