/*
 * dnsd.c - a DNS responder for the end-to-end tests, on 127.0.0.1, over UDP
 * and TCP on the same port. Nothing to install.
 *
 *   dnsd [--edns] PORT NAME=ANSWER...
 *
 * ANSWER is A:ADDR, AAAA:ADDR, CNAME:NAME, NS:NAME, MX:PREF:HOST, TXT:TEXT,
 * SOA:MNAME:RNAME:SERIAL, SERVFAIL, NXDOMAIN, EMPTY (no data), DROP (never
 * answer) or SLOW:MS:ANSWER (answer after MS, over UDP). A name given
 * several times has several records; NAME "*" stands for any name not
 * listed. Unknown names: NXDOMAIN. A CNAME answers every type and is
 * followed inside the table, as an authoritative server does.
 *
 * Over UDP an answer larger than 512 bytes is cut to its question with the
 * TC bit set, as by a server without EDNS0; with --edns the client's EDNS0
 * payload size is honoured instead. Over TCP every answer is whole. Each
 * query is logged on stdout: "udp|tcp NAME TYPE edns=SIZE answers=N tc=0|1",
 * or "... dropped".
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

struct entry {
	char name[256];
	char answer[256];
};

static struct event_base *base;
static struct entry *table;
static int ntable;
static int edns;
static evutil_socket_t udp_fd;

struct msg {
	unsigned char b[65535];
	size_t len;
};

static const char *
effective(const char *a)
{
	if (strncmp(a, "SLOW:", 5) == 0 && strchr(a + 5, ':'))
		return strchr(a + 5, ':') + 1;
	return a;
}

static int
answer_type(const char *a)
{
	static const struct {
		const char *prefix;
		int type;
	} t[] = {{"A:", 1}, {"NS:", 2}, {"CNAME:", 5}, {"SOA:", 6}, {"MX:", 15},
	    {"TXT:", 16}, {"AAAA:", 28}};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strncmp(a, t[i].prefix, strlen(t[i].prefix)) == 0)
			return t[i].type;
	return -1;
}

static void
put8(struct msg *m, unsigned v)
{
	if (m->len < sizeof(m->b))
		m->b[m->len++] = (unsigned char)v;
}

static void
put16(struct msg *m, unsigned v)
{
	put8(m, v >> 8);
	put8(m, v & 0xff);
}

static void
put32(struct msg *m, unsigned long v)
{
	put16(m, (unsigned)(v >> 16));
	put16(m, (unsigned)(v & 0xffff));
}

static void
putname(struct msg *m, const char *name)
{
	while (*name) {
		size_t n = strcspn(name, ".");
		put8(m, (unsigned)n);
		for (size_t i = 0; i < n; i++)
			put8(m, (unsigned char)name[i]);
		name += n;
		if (*name == '.')
			name++;
	}
	put8(m, 0);
}

/* Read the question's name at off into out; -1 when malformed (no
 * compression in questions: clients do not use it there). */
static int
getname(const unsigned char *q, size_t len, size_t *off, char *out, size_t outlen)
{
	size_t o = 0;

	while (*off < len) {
		unsigned c = q[(*off)++];
		if (c == 0) {
			out[o ? o - 1 : 0] = '\0';
			return 0;
		}
		if (c > 63 || *off + c > len || o + c + 1 >= outlen)
			return -1;
		memcpy(out + o, q + *off, c);
		o += c;
		out[o++] = '.';
		*off += c;
	}
	return -1;
}

/* One record of entry text a for owner name (written out in full). */
static void
put_rr(struct msg *m, const char *owner, const char *a)
{
	int type = answer_type(a);
	const char *v = strchr(a, ':') + 1;
	size_t lenpos;

	putname(m, owner);
	put16(m, (unsigned)type);
	put16(m, 1);
	put32(m, 60);
	lenpos = m->len;
	put16(m, 0);
	if (type == 1 || type == 28) {
		unsigned char bin[16];
		inet_pton(type == 1 ? AF_INET : AF_INET6, v, bin);
		for (int i = 0; i < (type == 1 ? 4 : 16); i++)
			put8(m, bin[i]);
	} else if (type == 5 || type == 2)
		putname(m, v);
	else if (type == 15) {
		put16(m, (unsigned)atoi(v));
		putname(m, strchr(v, ':') ? strchr(v, ':') + 1 : v);
	} else if (type == 16) {
		size_t n = strlen(v);
		for (size_t i = 0; i < n || i == 0; i += 255) {
			size_t k = n - i < 255 ? n - i : 255;
			put8(m, (unsigned)k);
			for (size_t j = 0; j < k; j++)
				put8(m, (unsigned char)v[i + j]);
		}
	} else if (type == 6) {
		char mname[256], rname[256];
		unsigned long serial = 1;
		if (sscanf(v, "%255[^:]:%255[^:]:%lu", mname, rname, &serial) < 2)
			return;
		putname(m, mname);
		putname(m, rname);
		put32(m, serial);
		put32(m, 7200);
		put32(m, 3600);
		put32(m, 1209600);
		put32(m, 300);
	}
	m->b[lenpos] = (unsigned char)((m->len - lenpos - 2) >> 8);
	m->b[lenpos + 1] = (unsigned char)((m->len - lenpos - 2) & 0xff);
}

static int
known(const char *name)
{
	for (int i = 0; i < ntable; i++)
		if (strcasecmp(table[i].name, name) == 0)
			return 1;
	return 0;
}

/* The entries that answer for name: its own, else those of "*". */
static const char *
lookup_name(const char *name)
{
	return known(name) ? name : "*";
}

/*
 * Build the answer to query q into r. Returns the answer count, -1 for a
 * malformed query, -2 to drop, and sets *slow_ms for a SLOW entry.
 */
static int
build(const unsigned char *q, size_t qlen, struct msg *r, char *qname, size_t qnlen,
    int *qtype, int *client_edns, int *slow_ms)
{
	size_t off = 12;
	int rcode = 0, an = 0, found = 0;
	char cur[256];
	unsigned arcount;

	*client_edns = 0;
	*slow_ms = 0;
	if (qlen < 12 || (q[4] << 8 | q[5]) != 1 ||
	    getname(q, qlen, &off, qname, qnlen) == -1 || off + 4 > qlen)
		return -1;
	*qtype = q[off] << 8 | q[off + 1];
	off += 4;
	/* an OPT record in the additional section: EDNS0 and its size */
	arcount = (unsigned)(q[10] << 8 | q[11]);
	if (arcount && off + 11 <= qlen && q[off] == 0 &&
	    (q[off + 1] << 8 | q[off + 2]) == 41)
		*client_edns = q[off + 3] << 8 | q[off + 4];
	r->len = 0;
	put16(r, (unsigned)(q[0] << 8 | q[1]));
	put16(r, 0x8000 | 0x0400 | (q[2] & 0x01) << 8 | 0x80); /* QR AA RD? RA */
	put16(r, 1);
	put16(r, 0);
	put16(r, 0);
	put16(r, 0);
	putname(r, qname);
	put16(r, (unsigned)*qtype);
	put16(r, 1);
	snprintf(cur, sizeof(cur), "%s", qname);
	for (int hop = 0; hop < 8; hop++) {
		const char *key = lookup_name(cur), *cname = NULL;
		for (int i = 0; i < ntable; i++) {
			const char *a = table[i].answer;
			int t;
			if (strcasecmp(table[i].name, key) != 0)
				continue;
			found = 1;
			if (strncmp(a, "SLOW:", 5) == 0)
				*slow_ms = atoi(a + 5);
			a = effective(a);
			if (strcmp(a, "DROP") == 0)
				return -2;
			if (strcmp(a, "SERVFAIL") == 0)
				rcode = 2;
			else if (strcmp(a, "NXDOMAIN") == 0)
				rcode = 3;
			if ((t = answer_type(a)) == -1)
				continue;
			if (t == 5 && *qtype != 5) {
				put_rr(r, cur, a);
				an++;
				cname = a + 6;
			} else if (t == *qtype) {
				put_rr(r, cur, a);
				an++;
			}
		}
		if (cname == NULL || !known(cname))
			break;
		snprintf(cur, sizeof(cur), "%s", cname);
	}
	if (!found)
		rcode = 3;
	r->b[3] |= (unsigned char)rcode;
	r->b[6] = (unsigned char)(an >> 8);
	r->b[7] = (unsigned char)(an & 0xff);
	return an;
}

static void
put_opt(struct msg *r)
{
	put8(r, 0);
	put16(r, 41);
	put16(r, 1232);
	put32(r, 0);
	put16(r, 0);
	r->b[11] = 1;
}

struct pending {
	struct msg r;
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct event *ev;
};

static void
slow_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pending *p = arg;

	(void)fd;
	(void)what;
	sendto(udp_fd, p->r.b, p->r.len, 0, (struct sockaddr *)&p->ss, p->sslen);
	event_free(p->ev);
	free(p);
}

static void
udp_cb(evutil_socket_t fd, short what, void *arg)
{
	unsigned char q[4096];
	struct pending *p = calloc(1, sizeof(*p));
	char qname[256];
	int qtype = 0, cedns = 0, slow, an = 0, tc = 0;
	size_t limit = 512;
	ssize_t n;

	(void)what;
	(void)arg;
	p->sslen = sizeof(p->ss);
	n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&p->ss, &p->sslen);
	if (n <= 0 ||
	    (an = build(q, (size_t)n, &p->r, qname, sizeof(qname), &qtype, &cedns,
		 &slow)) < 0) {
		if (n > 0 && an == -2) {
			printf("udp %s %d edns=%d dropped\n", qname, qtype, cedns);
			fflush(stdout);
		}
		free(p);
		return;
	}
	if (edns && cedns > 512)
		limit = (size_t)cedns;
	if (edns && cedns)
		put_opt(&p->r);
	if (p->r.len > limit) {
		/* cut to the header and the question, TC set */
		size_t off = 12;
		char tmp[256];
		getname(p->r.b, p->r.len, &off, tmp, sizeof(tmp));
		p->r.len = off + 4;
		p->r.b[2] |= 0x02;
		memset(p->r.b + 6, 0, 6);
		tc = 1;
	}
	printf("udp %s %d edns=%d answers=%d tc=%d\n", qname, qtype, cedns, an, tc);
	fflush(stdout);
	if (slow > 0) {
		struct timeval tv = {slow / 1000, (slow % 1000) * 1000};
		p->ev = evtimer_new(base, slow_cb, p);
		evtimer_add(p->ev, &tv);
		return;
	}
	sendto(fd, p->r.b, p->r.len, 0, (struct sockaddr *)&p->ss, p->sslen);
	free(p);
}

static void
tcp_read_cb(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	unsigned char hdr[2], q[65535];
	static struct msg r;
	char qname[256];
	int qtype = 0, cedns, slow, an;

	(void)arg;
	while (evbuffer_copyout(in, hdr, 2) == 2) {
		size_t len = (size_t)(hdr[0] << 8 | hdr[1]);
		if (evbuffer_get_length(in) < len + 2)
			return;
		evbuffer_drain(in, 2);
		evbuffer_remove(in, q, len);
		an = build(q, len, &r, qname, sizeof(qname), &qtype, &cedns, &slow);
		if (an == -2) {
			printf("tcp %s %d edns=%d dropped\n", qname, qtype, cedns);
			fflush(stdout);
		}
		if (an < 0)
			continue;
		printf("tcp %s %d edns=%d answers=%d tc=0\n", qname, qtype, cedns, an);
		fflush(stdout);
		hdr[0] = (unsigned char)(r.len >> 8);
		hdr[1] = (unsigned char)(r.len & 0xff);
		bufferevent_write(bev, hdr, 2);
		bufferevent_write(bev, r.b, r.len);
	}
}

static void
tcp_event_cb(struct bufferevent *bev, short what, void *arg)
{
	(void)what;
	(void)arg;
	bufferevent_free(bev);
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len,
    void *arg)
{
	struct bufferevent *bev = bufferevent_socket_new(
	    base, fd, BEV_OPT_CLOSE_ON_FREE);

	(void)l;
	(void)sa;
	(void)len;
	(void)arg;
	bufferevent_setcb(bev, tcp_read_cb, NULL, tcp_event_cb, NULL);
	bufferevent_enable(bev, EV_READ);
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
	struct evconnlistener *lis;
	struct event *sig, *uev;
	int a = 1;

	if (argc > 1 && strcmp(argv[1], "--edns") == 0) {
		edns = 1;
		a++;
	}
	if (argc - a < 1) {
		fprintf(stderr, "usage: dnsd [--edns] PORT NAME=ANSWER...\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	table = calloc((size_t)argc, sizeof(*table));
	for (int i = a + 1; i < argc; i++) {
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
	sin.sin_port = htons((unsigned short)atoi(argv[a]));
	udp_fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (udp_fd == -1 || bind(udp_fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		perror("dnsd: bind udp");
		return 1;
	}
	evutil_make_socket_nonblocking(udp_fd);
	uev = event_new(base, udp_fd, EV_READ | EV_PERSIST, udp_cb, NULL);
	event_add(uev, NULL);
	lis = evconnlistener_new_bind(base, accept_cb, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16, (struct sockaddr *)&sin,
	    sizeof(sin));
	if (lis == NULL) {
		perror("dnsd: bind tcp");
		return 1;
	}
	sig = evsignal_new(base, SIGTERM, stop_cb, NULL);
	evsignal_add(sig, NULL);
	printf("ready\n");
	fflush(stdout);
	event_base_dispatch(base);
	evconnlistener_free(lis);
	return 0;
}
