/*
 * dnsd.c - a DNS responder for the end-to-end tests, on 127.0.0.1, built on
 * libevent's evdns server API. Nothing to install.
 *
 *   dnsd PORT NAME=ANSWER...
 *
 * ANSWER is A:ADDR, AAAA:ADDR, CNAME:NAME, SERVFAIL, NXDOMAIN, EMPTY (no
 * answer), DROP (never answer), or SLOW:MS:ANSWER (answer after MS). A name
 * may be given several times for several records. Unknown names: NXDOMAIN.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <event2/dns.h>
#include <event2/dns_struct.h>
#include <event2/event.h>

struct entry {
	char name[256];
	char answer[256];
};

static struct event_base *base;
static struct entry *table;
static int ntable;

struct pending {
	struct evdns_server_request *req;
	struct event *ev;
};

/* Add the records of one answer; returns the error code to respond with,
 * or -1 for "drop". */
static int
add_answer(struct evdns_server_request *req, const char *name, const char *a)
{
	if (strncmp(a, "A:", 2) == 0) {
		struct in_addr in;
		inet_pton(AF_INET, a + 2, &in);
		evdns_server_request_add_a_reply(req, name, 1, &in, 60);
	} else if (strncmp(a, "AAAA:", 5) == 0) {
		struct in6_addr in6;
		inet_pton(AF_INET6, a + 5, &in6);
		evdns_server_request_add_aaaa_reply(req, name, 1, &in6, 60);
	} else if (strncmp(a, "CNAME:", 6) == 0)
		evdns_server_request_add_cname_reply(req, name, a + 6, 60);
	else if (strcmp(a, "SERVFAIL") == 0)
		return DNS_ERR_SERVERFAILED;
	else if (strcmp(a, "NXDOMAIN") == 0)
		return DNS_ERR_NOTEXIST;
	else if (strcmp(a, "DROP") == 0)
		return -1;
	return 0;
}

static const char *
effective(const char *a)
{
	if (strncmp(a, "SLOW:", 5) == 0 && strchr(a + 5, ':'))
		return strchr(a + 5, ':') + 1;
	return a;
}

static void
answer(struct evdns_server_request *req)
{
	int err = DNS_ERR_NOTEXIST, found = 0;

	for (int q = 0; q < req->nquestions; q++) {
		const struct evdns_server_question *qu = req->questions[q];
		for (int i = 0; i < ntable; i++) {
			const char *a = effective(table[i].answer);
			int rc, type;
			if (strcasecmp(table[i].name, qu->name) != 0)
				continue;
			found = 1;
			type = strncmp(a, "AAAA:", 5) == 0 ? EVDNS_TYPE_AAAA
			    : strncmp(a, "A:", 2) == 0	   ? EVDNS_TYPE_A
			    : strncmp(a, "CNAME:", 6) == 0 ? EVDNS_TYPE_CNAME
							   : -1;
			/* a CNAME answers any type, as a real server would */
			if (type != -1 && type != EVDNS_TYPE_CNAME && type != qu->type)
				continue;
			if ((rc = add_answer(req, qu->name, a)) == -1) {
				evdns_server_request_drop(req);
				return;
			}
			if (rc)
				err = rc;
		}
	}
	if (found && err == DNS_ERR_NOTEXIST)
		err = 0;
	evdns_server_request_respond(req, err);
}

static void
slow_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pending *p = arg;

	(void)fd;
	(void)what;
	answer(p->req);
	event_free(p->ev);
	free(p);
}

static void
server_cb(struct evdns_server_request *req, void *arg)
{
	(void)arg;
	for (int q = 0; q < req->nquestions; q++)
		for (int i = 0; i < ntable; i++)
			if (strcasecmp(table[i].name, req->questions[q]->name) == 0 &&
			    strncmp(table[i].answer, "SLOW:", 5) == 0) {
				struct pending *p = calloc(1, sizeof(*p));
				int ms = atoi(table[i].answer + 5);
				struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
				p->req = req;
				p->ev = evtimer_new(base, slow_cb, p);
				evtimer_add(p->ev, &tv);
				return;
			}
	answer(req);
}

static void
stop_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	event_base_loopbreak(base);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	struct evdns_server_port *port;
	struct event *sig;
	evutil_socket_t fd;

	if (argc < 2) {
		fprintf(stderr, "usage: dnsd PORT NAME=ANSWER...\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	table = calloc((size_t)argc, sizeof(*table));
	for (int i = 2; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		if (eq == NULL)
			return 1;
		snprintf(table[ntable].name, sizeof(table[ntable].name), "%.*s",
		    (int)(eq - argv[i]), argv[i]);
		snprintf(
		    table[ntable].answer, sizeof(table[ntable].answer), "%s", eq + 1);
		ntable++;
	}
	base = event_base_new();
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((unsigned short)atoi(argv[1]));
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		perror("dnsd: bind");
		return 1;
	}
	evutil_make_socket_nonblocking(fd);
	port = evdns_add_server_port_with_base(base, fd, 0, server_cb, NULL);
	sig = evsignal_new(base, SIGTERM, stop_cb, NULL);
	evsignal_add(sig, NULL);
	printf("ready\n");
	fflush(stdout);
	event_base_dispatch(base);
	evdns_close_server_port(port);
	return 0;
}
