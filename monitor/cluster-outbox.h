/*
 * cluster-outbox.h - a probing node's results while NATS is away, on disk
 * in state_dir, bounded, published in order once it is back.
 *
 * One line a result: subject, message id and body separated by tabs (none
 * of them holds a tab or a newline: names cannot, JSON escapes them). The
 * published prefix is remembered in a second file so that a restart does not
 * send it again (a resend would be dropped by JetStream's duplicate window
 * anyway; this keeps it short).
 */
#ifndef SLAMON_CLUSTER_OUTBOX_H
#define SLAMON_CLUSTER_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct cluster_outbox {
	char *path, *pos_path;
	int fd;
	off_t size;	       /* bytes in the file */
	off_t read_off;	       /* bytes already published */
	off_t max;	       /* bound on unpublished bytes */
	unsigned long dropped; /* results refused past the bound */
	unsigned long stored;  /* results ever written here */
};

struct cluster_outbox_item {
	char *subject, *id, *body; /* point into the line */
	off_t next;		   /* read_off after this item */
};

/* Open (creating) <state_dir>/<name>; a torn last line is cut. */
int cluster_outbox_open(struct cluster_outbox *, const char *state_dir,
    const char *name, off_t max, char *err, size_t errlen);
void cluster_outbox_close(struct cluster_outbox *);
bool cluster_outbox_empty(const struct cluster_outbox *);
/* Results waiting in it. */
off_t cluster_outbox_bytes(const struct cluster_outbox *);
/* 0 stored, 1 dropped (over the bound, counted), -1 the disk refused it. */
int cluster_outbox_append(
    struct cluster_outbox *, const char *subject, const char *id, const char *body);
/*
 * Up to max items from the published edge on; *buf holds their text until
 * the next call. Returns how many.
 */
size_t cluster_outbox_peek(struct cluster_outbox *, struct cluster_outbox_item *,
    size_t max, char **buf, size_t *cap);
/* The items up to `next` are published: move the edge; empty the file when
 * everything is. */
void cluster_outbox_consume(struct cluster_outbox *, off_t next);

#endif
