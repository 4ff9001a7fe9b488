/*
 * cluster-msg.h - one probe result as it travels through NATS JetStream
 * (design.md 9), pure: the subject, the message id that lets JetStream drop
 * a resend, and the JSON body, and back.
 */
#ifndef SLAMON_CLUSTER_MSG_H
#define SLAMON_CLUSTER_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define CLUSTER_NAME_MAX 65 /* a target name (64) or a location (32), and NUL */

struct cluster_result {
	char loc[CLUSTER_NAME_MAX];
	char target[CLUSTER_NAME_MAX];
	time_t t; /* when the probe started, wall clock */
	bool ok;
	double latency_ms; /* NAN: not measured */
	char detail[256];
};

/*
 * <stream>.results.<location>.<target>, a '.' in a target name written as
 * %2E (names never hold '%'), so that a subscriber can filter by location
 * or target. -1 when it does not fit.
 */
int cluster_msg_subject(
    const char *stream, const char *loc, const char *target, char *buf, size_t len);
/* The message id: location, target and probe start; a resend carries it again. */
int cluster_msg_id(const struct cluster_result *, char *buf, size_t len);
/* The JSON body, allocated. */
char *cluster_msg_encode(const struct cluster_result *);
/* Parse a body; -1 with a one-line reason when it is not one of ours. */
int cluster_msg_decode(
    const char *data, size_t len, struct cluster_result *, char *err, size_t errlen);

#endif
