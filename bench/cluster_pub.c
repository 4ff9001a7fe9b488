/*
 * cluster_pub.c - the publishing side of the several-locations benchmark
 * (bench/cluster_bench.py): results of NTARGETS targets from every location
 * of CONF's cluster group, SECONDS results each, published through slamon's
 * own publisher (monitor/cluster.c) as fast as it takes them. Prints one
 * JSON line: results, seconds until JetStream acknowledged the last.
 *
 *   cluster_pub CONF NTARGETS SECONDS
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "../monitor/cluster.h"
#include "../monitor/conf.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct event_base *base = event_base_new();
	struct cluster_stats st;
	struct cluster *cl;
	struct conf *c;
	char err[1024];
	long ntargets, secs, total;
	time_t t0 = time(NULL) - 60;
	double start;

	if (argc != 4) {
		fprintf(stderr, "usage: cluster_pub CONF NTARGETS SECONDS\n");
		return 2;
	}
	ntargets = atol(argv[2]);
	secs = atol(argv[3]);
	if ((c = conf_load(argv[1], err, sizeof(err))) == NULL ||
	    (cl = cluster_new(base, c, NULL, NULL, 0, err, sizeof(err))) == NULL) {
		fprintf(stderr, "cluster_pub: %s\n", err);
		return 1;
	}
	total = ntargets * secs * (long)c->cluster.locations.n;
	start = now_s();
	for (long k = 0; k < secs; k++)
		for (long i = 0; i < ntargets; i++)
			for (size_t l = 0; l < c->cluster.locations.n; l++) {
				struct cluster_result r;

				memset(&r, 0, sizeof(r));
				snprintf(r.loc, sizeof(r.loc), "%s",
				    c->cluster.locations.v[l]);
				snprintf(r.target, sizeof(r.target), "t%05ld", i);
				r.t = t0 + k;
				r.ok = true;
				r.latency_ms = 1.5;
				snprintf(r.detail, sizeof(r.detail), "HTTP status 200");
				cluster_publish(cl, &r);
			}
	do {
		struct timespec pause = {0, 10 * 1000 * 1000};

		nanosleep(&pause, NULL);
		cluster_stats(cl, &st);
	} while ((long)(st.published + st.dropped) < total && now_s() - start < 600);
	printf(
	    "{\"results\": %ld, \"published\": %lu, \"buffered\": %lu, \"seconds\": %.3f}\n",
	    total, st.published, st.buffered, now_s() - start);
	cluster_free(cl);
	conf_free(c);
	event_base_free(base);
	return 0;
}
