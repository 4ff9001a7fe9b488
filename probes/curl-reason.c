/* curl-reason.c - libcurl's verdict on a probe's transfer, as a reason of probe.h. */
#include <errno.h>
#include <stdio.h>
#include <strings.h>
#include <string.h>

#include "../monitor/curlm.h"
#include "probe.h"

/* libcurl's verdict, sorted into the reasons of probe.h. */
int
curlm_reason(struct probe_run *run, void *curl, int curlcode, const char *err,
    char *text, size_t len)
{
	CURL *e = curl;
	CURLcode rc = (CURLcode)curlcode;
	curl_off_t connect_us = 0;
	long os_errno = 0;
	const char *msg = err[0] ? err : curl_easy_strerror(rc);

	int sock_errno = curlm_errno(run->env->curlm);
	enum probe_reason local;

	/* this host's trouble (descriptors, buffers, ports, memory) first: it
	 * says nothing of the target, whatever curl made of it */
	if (rc != CURLE_OK) {
		if (sock_errno == 0)
			curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &os_errno);
		else
			os_errno = sock_errno;
		if ((local = probe_errno_reason((int)os_errno, PROBE_OK)) != PROBE_OK) {
			snprintf(text, len, "%s: %s",
			    sock_errno ? "cannot open a socket" : "cannot connect",
			    strerror((int)os_errno));
			return local;
		}
	}
	switch (rc) {
	case CURLE_OK:
		snprintf(text, len, "ok");
		return PROBE_OK;
	case CURLE_OUT_OF_MEMORY:
		snprintf(text, len, "out of memory: %s", msg);
		return PROBE_LOCAL_MEMORY;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		snprintf(text, len, "DNS failure: %s", msg);
		return PROBE_DNS_FAILURE;
	case CURLE_COULDNT_CONNECT:
		if (os_errno == ECONNREFUSED) {
			snprintf(text, len, "connection refused");
			return PROBE_CONNECT_REFUSED;
		}
		snprintf(text, len, "cannot connect: %s", msg);
		return PROBE_NETWORK;
	case CURLE_OPERATION_TIMEDOUT:
		curl_easy_getinfo(e, CURLINFO_CONNECT_TIME_T, &connect_us);
		if (connect_us == 0) {
			curl_off_t dns_us = 0;
			long lport = 0;
			char *scheme = NULL;
			/* libcurl counts the connect as done only after the TLS
			 * handshake; a local port says TCP got through, so a plain
			 * port that waits for the client to speak first (HTTP) is
			 * a failed handshake, not a connect timeout */
			curl_easy_getinfo(e, CURLINFO_LOCAL_PORT, &lport);
			curl_easy_getinfo(e, CURLINFO_SCHEME, &scheme);
			if (lport != 0 && scheme && strcasecmp(scheme, "https") == 0) {
				snprintf(text, len,
				    "TLS failure: no TLS handshake within %d ms "
				    "(TCP connected; not a TLS port?)",
				    run->timeout_ms);
				return PROBE_TLS_FAILURE;
			}
			curl_easy_getinfo(e, CURLINFO_NAMELOOKUP_TIME_T, &dns_us);
			if (dns_us == 0) {
				snprintf(text, len, "DNS failure: timeout after %d ms",
				    run->timeout_ms);
				return PROBE_DNS_FAILURE;
			}
			snprintf(
			    text, len, "connect timeout after %d ms", run->timeout_ms);
			return PROBE_CONNECT_TIMEOUT;
		}
		snprintf(text, len, "timeout after %d ms", run->timeout_ms);
		return PROBE_TIMEOUT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		snprintf(text, len, "TLS failure: %s", msg);
		return PROBE_TLS_FAILURE;
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_GOT_NOTHING:
		snprintf(text, len, "reset mid-response: %s", msg);
		return PROBE_RESET;
	default:
		snprintf(text, len, "%s", msg);
		return PROBE_NETWORK;
	}
}
