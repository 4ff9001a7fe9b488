/*
 * cluster.c - the NATS JetStream side of design.md 9 (cluster.h).
 *
 * Publishing: results queue in memory; the publisher thread sends them in
 * batches with js_PublishAsync and waits for the batch's acks. A batch
 * that is not wholly acknowledged (NATS away, no JetStream leader) goes to
 * the disk buffer in order, and from then on everything does until the
 * buffer is published again, oldest first: order is kept, and a message of
 * a failed batch that did get through is dropped by JetStream's duplicate
 * window, since a resend carries the same message id.
 *
 * Consuming: a durable pull consumer, recreated at each start to deliver
 * from just after the last sequence the aggregator had stored, so that a
 * restart gets what it lost at once instead of after the ack wait.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <nats/nats.h>

#include "cluster-outbox.h"
#include "cluster.h"
#include "journal.h"
#include "log.h"

#define PUB_BATCH 2048
#define PUB_WAIT_MS 5000 /* for a batch's acks */
#define FETCH_BATCH 2048
#define FETCH_WAIT_MS 500
#define OUTBOX_MAX (256L << 20) /* bytes of results kept while NATS is away */
#define DUP_WINDOW_NS (3600LL * 1000000000LL) /* resends dropped within it */
#define ACK_WAIT_NS (600LL * 1000000000LL)

struct out_item {
	char *subject, *id, *body;
};

struct in_item {
	struct cluster_result r;
	natsMsg *msg;
	uint64_t seq;
};

struct cluster {
	struct event_base *base;
	char *stream, *subjects, *durable, *loc;
	enum conf_role role;
	bool publishes, consumes;
	natsOptions *opts;
	natsConnection *nc;
	jsCtx *js;
	natsSubscription *sub;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct out_item *out;
	size_t nout, capout;
	struct in_item *in;
	size_t nin, capin;
	int wake[2];
	struct event *wake_ev;
	pthread_t pub_thr, sub_thr;
	bool pub_started, sub_started;
	atomic_bool stopping;
	atomic_bool fetched; /* a fetch has come back at least once */
	bool closed;	     /* libnats is done with the connection (mu) */
	atomic_int batch_errors;
	struct cluster_outbox ob; /* the publisher thread's alone */
	cluster_result_cb *cb;
	void *arg;
	atomic_ulong published, buffered, consumed, malformed;
	atomic_ullong buffer_bytes, backlog;
	atomic_ulong dropped;
	bool away; /* publisher: in a failure streak (logged once) */
};

static void
out_free(struct out_item *o)
{
	free(o->subject);
	free(o->id);
	free(o->body);
}

static const char *
nats_err(natsStatus s)
{
	const char *t = nats_GetLastError(NULL);

	return t && *t ? t : natsStatus_GetText(s);
}

/* The publisher's ErrHandler: a message of the batch was refused or timed out. */
static void
pub_err_cb(jsCtx *js, jsPubAckErr *pae, void *closure)
{
	struct cluster *cl = closure;

	(void)js;
	(void)pae;
	atomic_fetch_add(&cl->batch_errors, 1);
}

/* Send items, then wait for every ack; 0 when all were acknowledged. */
static int
publish_batch(struct cluster *cl, struct out_item *items, size_t n)
{
	jsPubOptions po;
	natsStatus s = NATS_OK;
	natsMsgList pend = {0};

	atomic_store(&cl->batch_errors, 0);
	for (size_t i = 0; i < n && s == NATS_OK; i++) {
		jsPubOptions_Init(&po);
		po.MsgId = items[i].id;
		s = js_PublishAsync(cl->js, items[i].subject, items[i].body,
		    (int)strlen(items[i].body), &po);
	}
	if (s == NATS_OK) {
		jsPubOptions_Init(&po);
		po.MaxWait = PUB_WAIT_MS;
		s = js_PublishAsyncComplete(cl->js, &po);
	}
	if (s != NATS_OK) {
		/* what is still in flight is taken back; a late ack of it is
		 * harmless, the resend is a duplicate */
		if (js_PublishAsyncGetPendingList(&pend, cl->js) == NATS_OK)
			natsMsgList_Destroy(&pend);
		return -1;
	}
	return atomic_load(&cl->batch_errors) == 0 ? 0 : -1;
}

static void
spill(struct cluster *cl, struct out_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int r = cluster_outbox_append(
		    &cl->ob, items[i].subject, items[i].id, items[i].body);

		if (r == 0)
			atomic_fetch_add(&cl->buffered, 1);
		else if (r == 1 && cl->ob.dropped == 1)
			log_warnx("cluster: the disk buffer %s is full (%ld MiB): "
				  "results are dropped until NATS is back",
			    cl->ob.path, OUTBOX_MAX >> 20);
		else if (r == -1)
			log_warn("cluster: %s", cl->ob.path);
	}
	atomic_store(&cl->dropped, cl->ob.dropped);
	atomic_store(
	    &cl->buffer_bytes, (unsigned long long)cluster_outbox_bytes(&cl->ob));
}

static void
set_away(struct cluster *cl, bool away)
{
	if (away && !cl->away)
		log_warnx("cluster: cannot publish to NATS (%s); results are kept in "
			  "%s until it is back",
		    natsConnection_Status(cl->nc) == NATS_CONN_STATUS_CONNECTED
			? "no acknowledgement from JetStream"
			: "disconnected",
		    cl->ob.path);
	else if (!away && cl->away)
		log_info("cluster: publishing to NATS again");
	cl->away = away;
}

/* Publish the disk buffer, oldest first; 0 when it is empty. */
static int
drain_outbox(struct cluster *cl)
{
	struct cluster_outbox_item it[PUB_BATCH];
	struct out_item items[PUB_BATCH];
	char *buf = NULL;
	size_t cap = 0, n;
	int rc = 0;

	while (!cluster_outbox_empty(&cl->ob) && !atomic_load(&cl->stopping)) {
		n = cluster_outbox_peek(&cl->ob, it, PUB_BATCH, &buf, &cap);
		if (n == 0)
			break;
		for (size_t i = 0; i < n; i++)
			items[i] = (struct out_item){
			    it[i].subject, it[i].id, it[i].body};
		if (publish_batch(cl, items, n) == -1) {
			rc = -1;
			break;
		}
		atomic_fetch_add(&cl->published, n);
		cluster_outbox_consume(&cl->ob, it[n - 1].next);
		atomic_store(&cl->buffer_bytes,
		    (unsigned long long)cluster_outbox_bytes(&cl->ob));
	}
	free(buf);
	return rc;
}

static void *
pub_main(void *arg)
{
	struct cluster *cl = arg;
	struct out_item *batch = NULL;
	size_t n;

	for (;;) {
		struct timespec ts;

		pthread_mutex_lock(&cl->mu);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		if (cl->nout == 0 && !atomic_load(&cl->stopping))
			pthread_cond_timedwait(&cl->cv, &cl->mu, &ts);
		n = cl->nout > PUB_BATCH ? PUB_BATCH : cl->nout;
		batch = n ? xreallocarray(NULL, n, sizeof(*batch)) : NULL;
		if (n) {
			memcpy(batch, cl->out, n * sizeof(*batch));
			memmove(
			    cl->out, cl->out + n, (cl->nout - n) * sizeof(*cl->out));
			cl->nout -= n;
		}
		pthread_mutex_unlock(&cl->mu);
		if (atomic_load(&cl->stopping)) {
			/* kept for the next start, in order */
			spill(cl, batch, n);
			for (size_t i = 0; i < n; i++)
				out_free(&batch[i]);
			free(batch);
			pthread_mutex_lock(&cl->mu);
			n = cl->nout;
			pthread_mutex_unlock(&cl->mu);
			if (n == 0)
				break;
			continue;
		}
		if (!cluster_outbox_empty(&cl->ob)) {
			/* older results wait on disk: these go behind them */
			spill(cl, batch, n);
			set_away(cl, drain_outbox(cl) == -1);
		} else if (n > 0) {
			if (publish_batch(cl, batch, n) == 0) {
				atomic_fetch_add(&cl->published, n);
				set_away(cl, false);
			} else {
				spill(cl, batch, n);
				set_away(cl, true);
			}
		}
		for (size_t i = 0; i < n; i++)
			out_free(&batch[i]);
		free(batch);
		batch = NULL;
		if (cl->away) {
			struct timespec pause = {0, 200 * 1000 * 1000};

			nanosleep(&pause, NULL);
		}
	}
	return NULL;
}

static void *
sub_main(void *arg)
{
	struct cluster *cl = arg;
	bool failing = false;

	while (!atomic_load(&cl->stopping)) {
		natsMsgList list = {0};
		jsErrCode jerr = 0;
		natsStatus s;
		bool was_empty;

		s = natsSubscription_Fetch(
		    &list, cl->sub, FETCH_BATCH, FETCH_WAIT_MS, &jerr);
		if (s == NATS_TIMEOUT) {
			atomic_store(&cl->backlog, 0);
			atomic_store(&cl->fetched, true);
			continue;
		}
		if (s != NATS_OK) {
			struct timespec pause = {0, 200 * 1000 * 1000};

			/* once per streak: a deleted consumer or lost replicas
			 * would otherwise leave the aggregator silently idle */
			if (!failing && !atomic_load(&cl->stopping))
				log_warnx("cluster: cannot fetch from the stream: %s",
				    nats_err(s));
			failing = true;
			nanosleep(&pause, NULL);
			continue;
		}
		if (failing)
			log_info("cluster: fetching from the stream again");
		failing = false;
		pthread_mutex_lock(&cl->mu);
		was_empty = cl->nin == 0;
		for (int i = 0; i < list.Count; i++) {
			natsMsg *m = list.Msgs[i];
			jsMsgMetaData *meta = NULL;
			struct in_item it = {.msg = m};
			char err[128];

			if (natsMsg_GetMetaData(&meta, m) == NATS_OK) {
				it.seq = meta->Sequence.Stream;
				atomic_store(&cl->backlog, meta->NumPending);
				jsMsgMetaData_Destroy(meta);
			}
			/* no stream sequence: not a JetStream delivery, and the
			 * resume point could not account for it */
			if (it.seq == 0 ||
			    cluster_msg_decode(natsMsg_GetData(m),
				(size_t)natsMsg_GetDataLength(m), &it.r, err,
				sizeof(err)) == -1) {
				if (atomic_fetch_add(&cl->malformed, 1) == 0)
					log_warnx(
					    "cluster: %s: not a probe result (%s); "
					    "such messages are acknowledged and "
					    "skipped",
					    natsMsg_GetSubject(m), err);
				natsMsg_Ack(m, NULL);
				natsMsg_Destroy(m);
				list.Msgs[i] = NULL;
				continue;
			}
			if (cl->nin == cl->capin) {
				cl->capin = cl->capin ? cl->capin * 2 : 256;
				cl->in = xreallocarray(
				    cl->in, cl->capin, sizeof(*cl->in));
			}
			cl->in[cl->nin++] = it;
			list.Msgs[i] = NULL; /* the loop owns it now */
		}
		pthread_mutex_unlock(&cl->mu);
		natsMsgList_Destroy(&list);
		atomic_store(&cl->fetched, true);
		if (was_empty && write(cl->wake[1], "x", 1) == -1 && errno != EAGAIN)
			log_warn("cluster: wake");
	}
	return NULL;
}

/* On the loop: the results the fetcher queued. */
static void
wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct cluster *cl = arg;
	char buf[64];
	struct in_item *items;
	size_t n;

	(void)what;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&cl->mu);
	items = cl->in;
	n = cl->nin;
	cl->in = NULL;
	cl->nin = cl->capin = 0;
	pthread_mutex_unlock(&cl->mu);
	for (size_t i = 0; i < n; i++) {
		atomic_fetch_add(&cl->consumed, 1);
		cl->cb(cl->arg, &items[i].r, items[i].msg, items[i].seq);
	}
	free(items);
}

void
cluster_ack(struct cluster *cl, void *ack)
{
	(void)cl;
	if (ack == NULL)
		return;
	/* a failed ack (NATS away) means a redelivery, which the aggregator
	 * recognises as already counted */
	natsMsg_Ack(ack, NULL);
	natsMsg_Destroy(ack);
}

void
cluster_forget(void *ack)
{
	natsMsg_Destroy(ack);
}

void
cluster_publish(struct cluster *cl, const struct cluster_result *r)
{
	struct out_item it;
	char subj[256], id[256];

	if (cl == NULL || !cl->publishes)
		return;
	if (cluster_msg_subject(cl->stream, r->loc, r->target, subj, sizeof(subj)) ==
		-1 ||
	    cluster_msg_id(r, id, sizeof(id)) == -1)
		return;
	log_debug("cluster: %s/%s at %lld %s: queued", r->loc, r->target,
	    (long long)r->t, r->ok ? "ok" : "failed");
	it.subject = xstrdup(subj);
	it.id = xstrdup(id);
	it.body = cluster_msg_encode(r);
	pthread_mutex_lock(&cl->mu);
	if (cl->nout == cl->capout) {
		cl->capout = cl->capout ? cl->capout * 2 : 256;
		cl->out = xreallocarray(cl->out, cl->capout, sizeof(*cl->out));
	}
	cl->out[cl->nout++] = it;
	pthread_cond_signal(&cl->cv);
	pthread_mutex_unlock(&cl->mu);
}

void
cluster_stats(struct cluster *cl, struct cluster_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (cl == NULL)
		return;
	st->published = atomic_load(&cl->published);
	st->buffered = atomic_load(&cl->buffered);
	st->dropped = atomic_load(&cl->dropped);
	st->buffer_bytes = atomic_load(&cl->buffer_bytes);
	st->consumed = atomic_load(&cl->consumed);
	st->malformed = atomic_load(&cl->malformed);
	st->backlog = atomic_load(&cl->backlog);
	pthread_mutex_lock(&cl->mu);
	st->caught_up = cl->consumes && atomic_load(&cl->fetched) && st->backlog == 0 &&
	    cl->nin == 0;
	pthread_mutex_unlock(&cl->mu);
	st->connected = natsConnection_Status(cl->nc) == NATS_CONN_STATUS_CONNECTED;
}

static void
disconnected_cb(natsConnection *nc, void *closure)
{
	struct cluster *cl = closure;

	(void)nc;
	if (!atomic_load(&cl->stopping))
		log_warnx("cluster: disconnected from NATS; reconnecting");
}

/* The last callback libnats makes on the connection: after it, cl may go. */
static void
closed_cb(natsConnection *nc, void *closure)
{
	struct cluster *cl = closure;

	(void)nc;
	pthread_mutex_lock(&cl->mu);
	cl->closed = true;
	pthread_cond_broadcast(&cl->cv);
	pthread_mutex_unlock(&cl->mu);
}

static void
reconnected_cb(natsConnection *nc, void *closure)
{
	char url[256] = "";

	(void)closure;
	natsConnection_GetConnectedUrl(nc, url, sizeof(url));
	log_info("cluster: reconnected to NATS at %s", url);
}

static int
split_servers(const char *list, char ***out)
{
	char *dup = xstrdup(list), *save = NULL, *s;
	int n = 0;

	*out = NULL;
	for (s = strtok_r(dup, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
		while (*s == ' ')
			s++;
		*out = xreallocarray(*out, (size_t)n + 1, sizeof(char *));
		(*out)[n++] = xstrdup(s);
	}
	free(dup);
	return n;
}

/* Create the stream, or check that the one there is ours. */
static int
ensure_stream(
    struct cluster *cl, const struct conf *c, int nservers, char *err, size_t errlen)
{
	jsStreamConfig sc;
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	natsStatus s;
	const char *subjects[1] = {cl->subjects};

	/* a cluster just started elects its JetStream leader first: wait a
	 * little for it (a server without JetStream has no responders at all,
	 * and is told apart by trying for a few seconds only) */
	for (int tries = 0;; tries++) {
		struct timespec pause = {0, 250 * 1000 * 1000};

		jerr = 0;
		s = js_GetStreamInfo(&si, cl->js, cl->stream, NULL, &jerr);
		if (!((s == NATS_TIMEOUT && tries < 60) ||
			(s == NATS_NO_RESPONDERS && tries < 12) ||
			((jerr == JSClusterNotAvailErr || jerr == JSClusterNoPeersErr) &&
			    tries < 60)))
			break;
		nanosleep(&pause, NULL);
	}
	if (s == NATS_OK) {
		bool ours = si->Config->SubjectsLen == 1 &&
		    strcmp(si->Config->Subjects[0], cl->subjects) == 0;

		jsStreamInfo_Destroy(si);
		if (!ours) {
			snprintf(err, errlen,
			    "cluster: the JetStream stream %s exists with other "
			    "subjects than %s; choose another cluster.stream",
			    cl->stream, cl->subjects);
			return -1;
		}
		return 0;
	}
	if (s == NATS_NO_RESPONDERS || jerr == JSNotEnabledErr ||
	    jerr == JSNotEnabledForAccountErr) {
		snprintf(err, errlen,
		    "cluster: the NATS server at %s has no JetStream (start "
		    "nats-server with -js, or jetstream {} in its configuration)",
		    c->cluster.nats);
		return -1;
	}
	if (s != NATS_NOT_FOUND && jerr != JSStreamNotFoundErr) {
		snprintf(
		    err, errlen, "cluster: stream %s: %s", cl->stream, nats_err(s));
		return -1;
	}
	jsStreamConfig_Init(&sc);
	sc.Name = cl->stream;
	sc.Subjects = subjects;
	sc.SubjectsLen = 1;
	sc.Storage = js_FileStorage;
	sc.Replicas = nservers < 3 ? nservers : 3;
	sc.MaxAge = (int64_t)c->cluster.retention * 1000000000LL;
	sc.Duplicates = sc.MaxAge < DUP_WINDOW_NS ? sc.MaxAge : DUP_WINDOW_NS;
	for (int tries = 0;; tries++) {
		struct timespec pause = {0, 250 * 1000 * 1000};

		jerr = 0;
		s = js_AddStream(&si, cl->js, &sc, NULL, &jerr);
		if (!((s == NATS_TIMEOUT || jerr == JSClusterNotAvailErr ||
			  jerr == JSClusterNoPeersErr) &&
			tries < 60))
			break;
		nanosleep(&pause, NULL);
	}
	if (s != NATS_OK && sc.Replicas > 1 && jerr == JSInsufficientResourcesErr) {
		/* fewer servers in the cluster than were named */
		sc.Replicas = 1;
		s = js_AddStream(&si, cl->js, &sc, NULL, &jerr);
	}
	if (s != NATS_OK) {
		snprintf(err, errlen, "cluster: cannot create the stream %s: %s",
		    cl->stream, nats_err(s));
		return -1;
	}
	log_info("cluster: created the JetStream stream %s (%s, %lld replicas, "
		 "kept %ld days)",
	    cl->stream, cl->subjects, (long long)sc.Replicas,
	    c->cluster.retention / 86400);
	jsStreamInfo_Destroy(si);
	return 0;
}

/* The aggregator's durable consumer, delivering from after start_after. */
static int
ensure_consumer(struct cluster *cl, uint64_t start_after, char *err, size_t errlen)
{
	jsSubOptions so;
	jsConsumerConfig cc;
	jsErrCode jerr = 0;
	natsStatus s;

	/* recreated: its own redelivery would wait for the ack wait */
	(void)js_DeleteConsumer(cl->js, cl->stream, cl->durable, NULL, &jerr);
	jsSubOptions_Init(&so);
	jsConsumerConfig_Init(&cc);
	cc.Durable = cl->durable;
	cc.AckPolicy = js_AckExplicit;
	cc.AckWait = ACK_WAIT_NS;
	cc.MaxAckPending = 1000000;
	cc.FilterSubject = cl->subjects;
	if (start_after > 0) {
		cc.DeliverPolicy = js_DeliverByStartSequence;
		cc.OptStartSeq = start_after + 1;
	} else {
		/* a new aggregator counts from its start (its RRD files begin
		 * there); a little before it, for runs of failures under way */
		cc.DeliverPolicy = js_DeliverByStartTime;
		cc.OptStartTime = ((int64_t)time(NULL) - 120) * 1000000000LL;
	}
	so.Stream = cl->stream;
	so.Config = cc;
	s = js_PullSubscribe(
	    &cl->sub, cl->js, cl->subjects, cl->durable, NULL, &so, &jerr);
	if (s != NATS_OK) {
		snprintf(err, errlen, "cluster: cannot create the consumer %s: %s",
		    cl->durable, nats_err(s));
		return -1;
	}
	return 0;
}

struct cluster *
cluster_new(struct event_base *base, const struct conf *c, cluster_result_cb *cb,
    void *arg, uint64_t start_after, char *err, size_t errlen)
{
	struct cluster *cl = xcalloc(1, sizeof(*cl));
	jsOptions jo;
	char **servers = NULL;
	int nservers = 0;
	natsStatus s;

	cl->base = base;
	cl->cb = cb;
	cl->arg = arg;
	cl->wake[0] = cl->wake[1] = -1;
	cl->role = c->cluster.role;
	cl->publishes = cl->role != CONF_ROLE_AGGREGATE;
	cl->consumes = cl->role != CONF_ROLE_PROBE;
	cl->stream = xstrdup(c->cluster.stream);
	xasprintf(&cl->subjects, "%s.results.>", c->cluster.stream);
	xasprintf(&cl->durable, "%s-aggregator", c->cluster.stream);
	pthread_mutex_init(&cl->mu, NULL);
	pthread_cond_init(&cl->cv, NULL);
	if (c->cluster.nats == NULL) {
		snprintf(err, errlen,
		    "%s:%d: cluster.nats: `run` needs the NATS servers", c->path,
		    c->cluster.line);
		goto fail;
	}
	nservers = split_servers(c->cluster.nats, &servers);
	if (natsOptions_Create(&cl->opts) != NATS_OK ||
	    natsOptions_SetServers(cl->opts, (const char **)servers, nservers) !=
		NATS_OK ||
	    natsOptions_SetName(cl->opts, "slamon") != NATS_OK ||
	    natsOptions_SetTimeout(cl->opts, 2000) != NATS_OK ||
	    natsOptions_SetMaxReconnect(cl->opts, -1) != NATS_OK ||
	    natsOptions_SetReconnectWait(cl->opts, 250) != NATS_OK ||
	    natsOptions_SetDisconnectedCB(cl->opts, disconnected_cb, cl) != NATS_OK ||
	    natsOptions_SetReconnectedCB(cl->opts, reconnected_cb, cl) != NATS_OK ||
	    natsOptions_SetClosedCB(cl->opts, closed_cb, cl) != NATS_OK) {
		snprintf(err, errlen, "cluster: NATS options: %s", nats_err(NATS_ERR));
		goto fail;
	}
	if ((s = natsConnection_Connect(&cl->nc, cl->opts)) != NATS_OK) {
		snprintf(err, errlen, "cluster: cannot connect to NATS at %s: %s",
		    c->cluster.nats, nats_err(s));
		goto fail;
	}
	jsOptions_Init(&jo);
	jo.Wait = 5000;
	jo.PublishAsync.MaxPending = 4 * PUB_BATCH;
	jo.PublishAsync.ErrHandler = pub_err_cb;
	jo.PublishAsync.ErrHandlerClosure = cl;
	if ((s = natsConnection_JetStream(&cl->js, cl->nc, &jo)) != NATS_OK) {
		snprintf(err, errlen, "cluster: JetStream: %s", nats_err(s));
		goto fail;
	}
	if (ensure_stream(cl, c, nservers, err, errlen) == -1)
		goto fail;
	if (cl->publishes) {
		char name[128];

		snprintf(name, sizeof(name), "outbox-%s", c->cluster.stream);
		if (mkdir_p(c->state_dir, 0755) == -1) {
			snprintf(err, errlen, "cluster: %s: %s", c->state_dir,
			    strerror(errno));
			goto fail;
		}
		if (cluster_outbox_open(
			&cl->ob, c->state_dir, name, OUTBOX_MAX, err, errlen) == -1)
			goto fail;
		if (!cluster_outbox_empty(&cl->ob))
			log_info("cluster: %lld bytes of results from before the "
				 "start wait in %s; publishing them first",
			    (long long)cluster_outbox_bytes(&cl->ob), cl->ob.path);
		atomic_store(&cl->buffer_bytes,
		    (unsigned long long)cluster_outbox_bytes(&cl->ob));
		if (pthread_create(&cl->pub_thr, NULL, pub_main, cl) != 0) {
			snprintf(err, errlen, "cluster: cannot start the publisher");
			goto fail;
		}
		cl->pub_started = true;
	}
	if (cl->consumes) {
		if (ensure_consumer(cl, start_after, err, errlen) == -1)
			goto fail;
		if (pipe2(cl->wake, O_NONBLOCK | O_CLOEXEC) == -1 ||
		    (cl->wake_ev = event_new(base, cl->wake[0], EV_READ | EV_PERSIST,
			 wake_cb, cl)) == NULL ||
		    event_add(cl->wake_ev, NULL) == -1) {
			snprintf(
			    err, errlen, "cluster: cannot set up the loop's wake-up");
			goto fail;
		}
		if (pthread_create(&cl->sub_thr, NULL, sub_main, cl) != 0) {
			snprintf(err, errlen, "cluster: cannot start the consumer");
			goto fail;
		}
		cl->sub_started = true;
	}
	for (int i = 0; i < nservers; i++)
		free(servers[i]);
	free(servers);
	return cl;
fail:
	for (int i = 0; i < nservers; i++)
		free(servers[i]);
	free(servers);
	cluster_free(cl);
	return NULL;
}

void
cluster_free(struct cluster *cl)
{
	if (cl == NULL)
		return;
	atomic_store(&cl->stopping, true);
	pthread_mutex_lock(&cl->mu);
	pthread_cond_broadcast(&cl->cv);
	pthread_mutex_unlock(&cl->mu);
	if (cl->pub_started)
		pthread_join(cl->pub_thr, NULL);
	if (cl->sub_started)
		pthread_join(cl->sub_thr, NULL);
	/* delivered, not yet stored: not acknowledged, so delivered again */
	for (size_t i = 0; i < cl->nin; i++)
		natsMsg_Destroy(cl->in[i].msg);
	free(cl->in);
	for (size_t i = 0; i < cl->nout; i++)
		out_free(&cl->out[i]);
	free(cl->out);
	if (cl->wake_ev)
		event_free(cl->wake_ev);
	if (cl->wake[0] >= 0)
		close(cl->wake[0]);
	if (cl->wake[1] >= 0)
		close(cl->wake[1]);
	natsSubscription_Destroy(cl->sub);
	jsCtx_Destroy(cl->js);
	if (cl->nc) {
		struct timespec until;

		/* acks sent, then closed; libnats still calls back (disconnected,
		 * closed) from its own thread, so cl lives until closed_cb */
		natsConnection_FlushTimeout(cl->nc, 1000);
		natsConnection_Close(cl->nc);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 5;
		pthread_mutex_lock(&cl->mu);
		while (!cl->closed &&
		    pthread_cond_timedwait(&cl->cv, &cl->mu, &until) != ETIMEDOUT)
			;
		pthread_mutex_unlock(&cl->mu);
		natsConnection_Destroy(cl->nc);
	}
	natsOptions_Destroy(cl->opts);
	if (cl->ob.path)
		cluster_outbox_close(&cl->ob);
	pthread_cond_destroy(&cl->cv);
	pthread_mutex_destroy(&cl->mu);
	/* libnats' own threads (timers, async callbacks) end with the
	 * library; one cluster a process, so it is closed with it */
	nats_CloseAndWait(2000);
	free(cl->stream);
	free(cl->subjects);
	free(cl->durable);
	free(cl->loc);
	free(cl);
}
