/*
 * journal.c - the append-only record of incidents.
 *
 * Each record is one write(2) of one line followed by fsync(2): the
 * journal is small (a few lines a day per target) so the cost of syncing
 * every record is negligible, and it is what lets a restart neither lose an
 * outage nor repeat an alert.
 *
 * The file holds whole records or nothing. A write that fails or comes back
 * short (a full disk) is rolled back: the file is cut to the size it had
 * before, so no half record is left for the next one to be glued onto. The
 * record is kept in memory, in order, and every later record queues behind
 * it until journal_retry (a timer) finds room; what was decided (an alert)
 * is still acted on. A crash mid-write leaves a torn last line: the writer
 * cuts it at open, with a warning. Readers skip a last line without its
 * newline (it may also be a record being written while they read: they
 * read without the lock), never reading half a record. Writers of other
 * processes (`slamon announce`) take the same flock(2), so a rollback never
 * cuts someone else's record.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal.h"
#include "log.h"
#include "tz.h"

struct journal {
	int fd;
	char *path;
	char **pend; /* lines not on disk yet, oldest first */
	size_t npend, cappend;
	bool failing; /* a failure spell was logged */
	bool quiet;   /* start-up: the caller reports a failure itself */
	int err;      /* errno of the last failed write */
};

int
mkdir_p(const char *path, int mode)
{
	char *p = xstrdup(path), *s;
	int rc = 0;

	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, (mode_t)mode) == -1 && errno != EEXIST) {
			rc = -1;
			break;
		}
		*s = '/';
	}
	if (rc == 0 && mkdir(p, (mode_t)mode) == -1 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

/* The size of the file up to and with its last newline (0: none). */
static off_t
last_newline(int fd, off_t size)
{
	char buf[4096];
	off_t end = size;

	while (end > 0) {
		off_t from = end > (off_t)sizeof(buf) ? end - (off_t)sizeof(buf) : 0;
		ssize_t n = pread(fd, buf, (size_t)(end - from), from);

		if (n <= 0)
			return 0;
		for (ssize_t k = n; k-- > 0;)
			if (buf[k] == '\n')
				return from + k + 1;
		end = from;
	}
	return 0;
}

struct journal *
journal_open(const char *state_dir, char *err, size_t errlen)
{
	struct journal *j;
	char last;
	off_t size;

	if (mkdir_p(state_dir, 0755) == -1) {
		snprintf(err, errlen, "%s: %s", state_dir, strerror(errno));
		return NULL;
	}
	j = xcalloc(1, sizeof(*j));
	xasprintf(&j->path, "%s/journal.jsonl", state_dir);
	if ((j->fd = open(j->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) ==
	    -1) {
		snprintf(err, errlen, "%s: %s", j->path, strerror(errno));
		free(j->path);
		free(j);
		return NULL;
	}
	/* cut a torn last line, so the next record starts a line of its own */
	flock(j->fd, LOCK_EX);
	size = lseek(j->fd, 0, SEEK_END);
	if (size > 0 && pread(j->fd, &last, 1, size - 1) == 1 && last != '\n') {
		off_t keep = last_newline(j->fd, size);

		log_warnx("%s: the last line is incomplete (%lld bytes, a crash or a "
			  "full disk while writing); cut",
		    j->path, (long long)(size - keep));
		if (ftruncate(j->fd, keep) == -1)
			log_warn("%s: cutting the incomplete line", j->path);
		else
			(void)fsync(j->fd);
	}
	flock(j->fd, LOCK_UN);
	return j;
}

void
journal_discard(struct journal *j)
{
	for (size_t i = 0; i < j->npend; i++)
		free(j->pend[i]);
	j->npend = 0;
}

void
journal_set_quiet(struct journal *j, bool quiet)
{
	j->quiet = quiet;
}

int
journal_errno(const struct journal *j)
{
	return j->err;
}

size_t
journal_pending(const struct journal *j)
{
	return j->npend;
}

void
journal_close(struct journal *j)
{
	if (j == NULL)
		return;
	if (journal_retry(j) > 0) {
		/* the last chance: say what is lost, whole, so it can be
		 * appended by hand once there is room */
		log_warnx("%s: %zu records could not be written (%s) and are LOST; "
			  "they follow",
		    j->path, j->npend, strerror(j->err));
		for (size_t i = 0; i < j->npend; i++)
			log_warnx("lost journal record: %.*s",
			    (int)strcspn(j->pend[i], "\n"), j->pend[i]);
		journal_discard(j);
	}
	free(j->pend);
	close(j->fd);
	free(j->path);
	free(j);
}

void
journal_names(json_t *rec, const char *key, const char *sep, char *buf, size_t len)
{
	json_t *a = json_object_get(rec, key), *v;
	size_t i, n = 0;

	if (!json_is_array(a) || len == 0)
		return;
	buf[0] = '\0';
	json_array_foreach(a, i, v)
	{
		int w;

		if (!json_is_string(v))
			continue;
		w = snprintf(
		    buf + n, len - n, "%s%s", n ? sep : "", json_string_value(v));
		if (w < 0 || (size_t)w >= len - n) {
			buf[n] = '\0';
			break;
		}
		n += (size_t)w;
	}
}

json_t *
journal_time(time_t t)
{
	char buf[TZ_RFC3339_LEN];

	return json_string(tz_rfc3339(t, buf, sizeof(buf)));
}

/*
 * One line onto the end of the file, whole or not at all: on any failure
 * the file is cut back to its size before, and errno kept in j->err.
 */
static int
write_line(struct journal *j, const char *line)
{
	size_t len = strlen(line), off = 0;
	off_t size;
	int rc = -1;

	flock(j->fd, LOCK_EX);
	if ((size = lseek(j->fd, 0, SEEK_END)) == -1) {
		j->err = errno;
		goto out;
	}
	while (off < len) {
		ssize_t n = write(j->fd, line + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			j->err = n == 0 ? ENOSPC : errno;
			goto rollback;
		}
		off += (size_t)n;
	}
	if (fsync(j->fd) == -1) {
		j->err = errno;
		goto rollback;
	}
	rc = 0;
	goto out;
rollback:
	/* a cut never needs room; if even it fails, open cuts the torn line.
	 * Its fsync may fail on the same full disk: the cut size is what the
	 * kernel serves either way, and the next record's fsync settles it */
	if (ftruncate(j->fd, size) == -1)
		log_warn("%s: cutting a partly written record", j->path);
	else
		(void)fsync(j->fd);
out:
	flock(j->fd, LOCK_UN);
	return rc;
}

size_t
journal_retry(struct journal *j)
{
	size_t done = 0;

	while (done < j->npend && write_line(j, j->pend[done]) == 0)
		free(j->pend[done++]);
	if (done > 0) {
		memmove(j->pend, j->pend + done, (j->npend - done) * sizeof(*j->pend));
		j->npend -= done;
	}
	if (j->npend == 0 && j->failing) {
		log_info("%s: writable again; the %zu records kept meanwhile are "
			 "written",
		    j->path, done);
		j->failing = false;
	}
	return j->npend;
}

int
journal_append(struct journal *j, time_t t, const char *event, json_t *fields)
{
	json_t *rec = json_object();
	char *line;
	size_t len;

	json_object_set_new(rec, "time", journal_time(t));
	json_object_set_new(rec, "event", json_string(event));
	if (fields) {
		json_object_update(rec, fields);
		json_decref(fields);
	}
	line = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(rec);
	if (line == NULL)
		fatalx("json_dumps: out of memory");
	len = strlen(line);
	line = realloc(line, len + 2);
	if (line == NULL)
		fatal("realloc");
	line[len++] = '\n';
	line[len] = '\0';
	/* records stay in order: an earlier one still waiting goes first */
	if ((j->npend == 0 || journal_retry(j) == 0) && write_line(j, line) == 0) {
		free(line);
		return 0;
	}
	if (j->npend == j->cappend) {
		j->cappend = j->cappend ? j->cappend * 2 : 16;
		j->pend = xreallocarray(j->pend, j->cappend, sizeof(*j->pend));
	}
	j->pend[j->npend++] = line;
	if (!j->failing && !j->quiet)
		log_warnx("%s: cannot be written: %s; records are kept in memory, in "
			  "order, and written as soon as there is room",
		    j->path, strerror(j->err));
	j->failing = !j->quiet;
	return -1;
}

int
journal_get_time(json_t *rec, const char *key, time_t *out)
{
	const char *s = json_string_value(json_object_get(rec, key));

	if (s == NULL)
		return -1;
	return tz_parse(s, 0, out, NULL) == TZ_PARSE_OK ? 0 : -1;
}

int
journal_read(
    const char *state_dir, journal_record_cb *cb, journal_warn_cb *warn, void *arg)
{
	char *path, *line = NULL, msg[512];
	size_t cap = 0;
	ssize_t n;
	FILE *f;
	int lineno = 0, count = 0;

	xasprintf(&path, "%s/journal.jsonl", state_dir);
	if ((f = fopen(path, "r")) == NULL) {
		int e = errno;
		free(path);
		return e == ENOENT ? 0 : -1;
	}
	while ((n = getline(&line, &cap, f)) != -1) {
		json_t *rec;
		json_error_t jerr;
		bool complete = n > 0 && line[n - 1] == '\n';

		lineno++;
		if (n == 0 || (n == 1 && complete))
			continue;
		/* A line without its newline is the last one, and it is either
		 * being written by the writer right now (report and calendar
		 * read without the lock) or torn by a crash, which the next
		 * writer terminates and then reports: never read half a record. */
		if (!complete)
			break;
		rec = json_loadb(line, (size_t)n, 0, &jerr);
		if (rec == NULL || !json_is_object(rec) ||
		    !json_is_string(json_object_get(rec, "event"))) {
			if (warn) {
				snprintf(msg, sizeof(msg),
				    "%s:%d: not a journal record; line skipped", path,
				    lineno);
				warn(arg, msg);
			}
			json_decref(rec);
			continue;
		}
		cb(arg, rec, lineno);
		json_decref(rec);
		count++;
	}
	free(line);
	fclose(f);
	free(path);
	return count;
}
