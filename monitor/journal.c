/*
 * journal.c - the append-only record of incidents.
 *
 * Each record is one write(2) of one line followed by fsync(2): the
 * journal is small (a few lines a day per target) so the cost of syncing
 * every record is negligible, and it is what lets a restart neither lose an
 * outage nor repeat an alert. A crash mid-write leaves a torn last line;
 * readers skip a last line without its newline (it may also be a record
 * being written while they read), and the next writer terminates it so
 * that the next record starts on a line of its own, after which readers
 * report it as not a record.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal.h"
#include "log.h"
#include "tz.h"

struct journal {
	int fd;
	char *path;
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
	/* terminate a torn last line so the next record is readable */
	size = lseek(j->fd, 0, SEEK_END);
	if (size > 0 && pread(j->fd, &last, 1, size - 1) == 1 && last != '\n') {
		log_warnx("%s: last line is incomplete (a crash while writing?); it "
			  "is kept but skipped by readers",
		    j->path);
		if (write(j->fd, "\n", 1) != 1 || fsync(j->fd) == -1)
			log_warn("%s", j->path);
	}
	return j;
}

void
journal_close(struct journal *j)
{
	if (j == NULL)
		return;
	close(j->fd);
	free(j->path);
	free(j);
}

json_t *
journal_time(time_t t)
{
	char buf[TZ_RFC3339_LEN];

	return json_string(tz_rfc3339(t, buf, sizeof(buf)));
}

int
journal_append(struct journal *j, time_t t, const char *event, json_t *fields)
{
	json_t *rec = json_object();
	char *line;
	size_t len, off = 0;
	int rc = -1;

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
	while (off < len) {
		ssize_t n = write(j->fd, line + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_warn("%s: write", j->path);
			goto out;
		}
		off += (size_t)n;
	}
	if (fsync(j->fd) == -1) {
		log_warn("%s: fsync", j->path);
		goto out;
	}
	rc = 0;
out:
	free(line);
	return rc;
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
