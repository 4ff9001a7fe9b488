/*
 * cluster-outbox.c - the disk buffer of a probing node (cluster-outbox.h).
 *
 * Appends are plain write(2)s without fsync: the buffer protects against a
 * NATS outage, not against this machine losing power, and an fsync per
 * probe result would cost more than the probe. A crash may leave a torn
 * last line, which the next open cuts.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cluster-outbox.h"
#include "log.h"

static void
save_pos(struct cluster_outbox *o)
{
	char tmp[4096], buf[32];
	int fd, n;

	snprintf(tmp, sizeof(tmp), "%s.tmp", o->pos_path);
	n = snprintf(buf, sizeof(buf), "%lld\n", (long long)o->read_off);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640)) == -1)
		return;
	if (write(fd, buf, (size_t)n) == n && close(fd) == 0)
		rename(tmp, o->pos_path);
	else {
		close(fd);
		unlink(tmp);
	}
}

static off_t
load_pos(const char *path, off_t size)
{
	FILE *f = fopen(path, "r");
	long long v = 0;

	if (f == NULL)
		return 0;
	if (fscanf(f, "%lld", &v) != 1 || v < 0 || v > (long long)size)
		v = 0; /* resent from the start: JetStream drops what it has */
	fclose(f);
	return (off_t)v;
}

int
cluster_outbox_open(struct cluster_outbox *o, const char *state_dir, const char *name,
    off_t max, char *err, size_t errlen)
{
	struct stat sb;
	off_t end;
	char c;

	memset(o, 0, sizeof(*o));
	o->fd = -1;
	o->max = max;
	xasprintf(&o->path, "%s/%s", state_dir, name);
	xasprintf(&o->pos_path, "%s/%s.pos", state_dir, name);
	if ((o->fd = open(o->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640)) ==
	    -1)
		goto fail;
	if (fstat(o->fd, &sb) == -1)
		goto fail;
	/* a torn last line (a crash mid-write) is cut back to the last newline */
	for (end = sb.st_size; end > 0; end--)
		if (pread(o->fd, &c, 1, end - 1) != 1 || c == '\n')
			break;
	if (end != sb.st_size) {
		log_warnx("%s: cut a torn last line (%lld bytes)", o->path,
		    (long long)(sb.st_size - end));
		if (ftruncate(o->fd, end) == -1)
			goto fail;
	}
	o->size = end;
	o->read_off = load_pos(o->pos_path, o->size);
	/* the edge is always just after a newline; one that is not (a stale
	 * position of an earlier, longer file) starts over: a resend is
	 * dropped by JetStream, a line read from its middle would not be */
	if (o->read_off > 0 && (pread(o->fd, &c, 1, o->read_off - 1) != 1 || c != '\n'))
		o->read_off = 0;
	if (o->read_off == o->size && o->size > 0)
		cluster_outbox_consume(o, o->size);
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", o->path, strerror(errno));
	cluster_outbox_close(o);
	return -1;
}

void
cluster_outbox_close(struct cluster_outbox *o)
{
	if (o->fd >= 0)
		close(o->fd);
	free(o->path);
	free(o->pos_path);
	memset(o, 0, sizeof(*o));
	o->fd = -1;
}

bool
cluster_outbox_empty(const struct cluster_outbox *o)
{
	return o->read_off >= o->size;
}

off_t
cluster_outbox_bytes(const struct cluster_outbox *o)
{
	return o->size - o->read_off;
}

int
cluster_outbox_append(
    struct cluster_outbox *o, const char *subject, const char *id, const char *body)
{
	char *line;
	int n;
	ssize_t w;

	n = xasprintf(&line, "%s\t%s\t%s\n", subject, id, body);
	if (o->size - o->read_off + n > o->max) {
		free(line);
		o->dropped++;
		return 1;
	}
	w = write(o->fd, line, (size_t)n);
	free(line);
	if (w != n) {
		int e = errno;

		/* whole lines or nothing: a short write is taken back */
		if (w > 0 && ftruncate(o->fd, o->size) == -1)
			log_warn("%s: cannot cut a short write", o->path);
		errno = w < 0 ? e : ENOSPC;
		return -1;
	}
	o->size += n;
	o->stored++;
	return 0;
}

size_t
cluster_outbox_peek(struct cluster_outbox *o, struct cluster_outbox_item *items,
    size_t max, char **buf, size_t *cap)
{
	size_t want = 256 * 1024, got, n = 0;
	off_t base = o->read_off, skip_to = 0;
	ssize_t r;
	char *p, *end;

	if (cluster_outbox_empty(o) || max == 0)
		return 0;
	if ((off_t)want > o->size - o->read_off)
		want = (size_t)(o->size - o->read_off);
	for (;;) {
		if (*cap < want + 1) {
			*cap = want + 1;
			*buf = xreallocarray(*buf, *cap, 1);
		}
		r = pread(o->fd, *buf, want, o->read_off);
		if (r <= 0)
			return 0;
		got = (size_t)r;
		(*buf)[got] = '\0';
		if (memchr(*buf, '\n', got) != NULL ||
		    (off_t)got >= o->size - o->read_off)
			break;
		want *= 2; /* one line longer than the window */
	}
	p = *buf;
	end = *buf + got;
	while (n < max && p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *t1, *t2;

		if (nl == NULL)
			break;
		*nl = '\0';
		if ((t1 = strchr(p, '\t')) != NULL &&
		    (t2 = strchr(t1 + 1, '\t')) != NULL) {
			*t1 = *t2 = '\0';
			items[n].subject = p;
			items[n].id = t1 + 1;
			items[n].body = t2 + 1;
			items[n].next = base + (nl + 1 - *buf);
			n++;
		} else {
			/* not one of our lines: skipped, never resent */
			log_warnx("%s: skipped a malformed line at byte %lld", o->path,
			    (long long)(base + (p - *buf)));
			if (n == 0)
				skip_to = base + (nl + 1 - *buf);
		}
		p = nl + 1;
	}
	if (n == 0 && skip_to > 0)
		cluster_outbox_consume(o, skip_to);
	return n;
}

void
cluster_outbox_consume(struct cluster_outbox *o, off_t next)
{
	if (next > o->size)
		next = o->size;
	o->read_off = next;
	if (o->read_off == o->size) {
		/* all published: start the file again */
		if (ftruncate(o->fd, 0) == 0) {
			o->size = o->read_off = 0;
		}
	}
	save_pos(o);
}
