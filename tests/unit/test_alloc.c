/*
 * test_alloc.c - the allocator slamon runs with (monitor/alloc.c): jemalloc
 * serves the whole process, libcurl's allocations included, when the build
 * says so (Makefile MALLOC, passed in as SLAMON_MALLOC), glibc's otherwise,
 * and alloc_trim() hands freed pages back at once, with either allocator.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "alloc.h"

#ifndef SLAMON_MALLOC
#error "SLAMON_MALLOC: the Makefile's MALLOC, jemalloc or libc"
#endif

static int
built_with_jemalloc(void)
{
	return strcmp(SLAMON_MALLOC, "jemalloc") == 0;
}

/* Resident pages of this process, in KiB. */
static long
resident_kib(void)
{
	long size, res;
	FILE *f = fopen("/proc/self/statm", "r");

	assert_non_null(f);
	assert_int_equal(fscanf(f, "%ld %ld", &size, &res), 2);
	fclose(f);
	return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static uint64_t
thread_allocated(void)
{
	uint64_t v = 0;
	size_t sz = sizeof(v);

	assert_non_null(mallctl);
	assert_int_equal(mallctl("thread.allocated", &v, &sz, NULL, 0), 0);
	return v;
}

static void
test_name_says_which(void **state)
{
	const char *n = alloc_name();

	(void)state;
	assert_int_equal(alloc_is_jemalloc(), built_with_jemalloc());
	if (built_with_jemalloc()) {
		assert_true(strncmp(n, "jemalloc ", 9) == 0);
		assert_true(n[9] >= '0' && n[9] <= '9');
	} else
		assert_true(strncmp(n, "glibc ", 6) == 0);
}

/* Linked with jemalloc, malloc is jemalloc's everywhere: in slamon and in
 * the libraries it calls (libcurl makes most of a probe's allocations). */
static void
test_libraries_allocate_from_jemalloc(void **state)
{
	uint64_t before;
	void *p;
	CURL *e;

	(void)state;
	if (!built_with_jemalloc())
		skip();
	before = thread_allocated();
	p = malloc(1 << 20);
	assert_non_null(p);
	assert_true(thread_allocated() - before >= 1 << 20);
	free(p);
	before = thread_allocated();
	e = curl_easy_init();
	assert_non_null(e);
	/* a Curl_easy is several KiB, and all of it came from jemalloc */
	assert_true(thread_allocated() - before >= 1024);
	curl_easy_cleanup(e);
}

/* 64 MiB in 4 KiB blocks, freed but the highest (so glibc cannot give
 * them back by lowering the top of its heap): after
 * alloc_trim() they are no longer resident. Without it jemalloc keeps them
 * for its decay time (10 s) and glibc until a trim. */
static void
test_trim_gives_freed_pages_back(void **state)
{
	enum { N = 16384, SZ = 4096 };
	void **blocks;
	long before, full, after;
	int top = 0;

	(void)state;
#if defined(__SANITIZE_ADDRESS__)
	skip(); /* ASan's quarantine keeps freed memory on purpose */
	return;
#endif
	if (alloc_is_jemalloc()) {
		ssize_t decay = -1;
		size_t sz = sizeof(decay);

		assert_int_equal(
		    mallctl("arenas.dirty_decay_ms", &decay, &sz, NULL, 0), 0);
		if (decay == 0) {
			/* MALLOC_CONF=dirty_decay_ms:0 purges at every free:
			 * the trim would have nothing left to show */
			skip();
			return;
		}
	}
	blocks = calloc(N, sizeof(*blocks));
	assert_non_null(blocks);
	alloc_trim();
	before = resident_kib();
	for (int i = 0; i < N; i++) {
		assert_non_null(blocks[i] = malloc(SZ));
		memset(blocks[i], 0xa5, SZ);
		if ((uintptr_t)blocks[i] > (uintptr_t)blocks[top])
			top = i;
	}
	full = resident_kib();
	assert_true(full - before >= 60 * 1024);
	for (int i = 0; i < N; i++)
		if (i != top)
			free(blocks[i]);
	alloc_trim();
	after = resident_kib();
	print_message(
	    "resident: %ld KiB, %ld with 64 MiB in use, %ld freed and trimmed\n",
	    before, full, after);
	assert_true(after - before < 16 * 1024);
	free(blocks[top]);
	free(blocks);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_name_says_which),
	    cmocka_unit_test(test_libraries_allocate_from_jemalloc),
	    cmocka_unit_test(test_trim_gives_freed_pages_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
