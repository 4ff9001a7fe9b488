/* test_probe_reason.c - which probe failures are the monitor's own (probes/probe.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "probe.h"

static void
test_errno_classes(void **unused)
{
	(void)unused;
	assert_int_equal(probe_errno_reason(EMFILE, PROBE_NETWORK), PROBE_LOCAL_FDS);
	assert_int_equal(probe_errno_reason(ENFILE, PROBE_NETWORK), PROBE_LOCAL_FDS);
	assert_int_equal(probe_errno_reason(ENOMEM, PROBE_NETWORK), PROBE_LOCAL_MEMORY);
	assert_int_equal(
	    probe_errno_reason(ENOBUFS, PROBE_NETWORK), PROBE_LOCAL_BUFFERS);
	assert_int_equal(
	    probe_errno_reason(EADDRNOTAVAIL, PROBE_NETWORK), PROBE_LOCAL_PORTS);
	/* the target's (or the network's) errors stay what they were */
	assert_int_equal(
	    probe_errno_reason(ECONNREFUSED, PROBE_NETWORK), PROBE_NETWORK);
	assert_int_equal(
	    probe_errno_reason(EHOSTUNREACH, PROBE_NETWORK), PROBE_NETWORK);
	assert_int_equal(probe_errno_reason(ECONNRESET, PROBE_RESET), PROBE_RESET);
	assert_int_equal(probe_errno_reason(0, PROBE_INTERNAL), PROBE_INTERNAL);
}

static void
test_local_set(void **unused)
{
	int n = 0;

	(void)unused;
	for (int r = 0; r < PROBE_NREASONS; r++) {
		const char *name = probe_reason_name((enum probe_reason)r);

		assert_string_not_equal(name, "unknown");
		if (probe_local((enum probe_reason)r)) {
			n++;
			assert_true(strncmp(name, "local_", 6) == 0 ||
			    strcmp(name, "internal") == 0 ||
			    strcmp(name, "resolver_unavailable") == 0);
		}
	}
	assert_int_equal(n, 6);
	assert_false(probe_local(PROBE_OK));
	assert_false(probe_local(PROBE_CONNECT_TIMEOUT));
	assert_false(probe_local(PROBE_DNS_FAILURE)); /* the target's DNS */
	assert_true(probe_local(PROBE_RESOLVER));     /* this host's resolver */
	assert_false(probe_local(PROBE_CANCELLED));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_errno_classes),
	    cmocka_unit_test(test_local_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
