/*
 * alloc.c - the memory allocator slamon runs with.
 *
 * The daemon is linked with jemalloc (Makefile MALLOC, as Redis is):
 * libcurl makes some 200 allocations and frees a probe, and next to tens
 * of thousands of targets' state a probe costs 10 to 18 % more CPU with
 * glibc's malloc than with jemalloc's thread cache (bench/README.md,
 * "Round six"). MALLOC=libc and every SAN=1 build (the sanitizers bring
 * their own) link glibc's malloc.
 *
 * Which one serves the process is found at run time, by whether jemalloc's
 * control interface is there, so this file compiles the same for either
 * and tells the truth under LD_PRELOAD too; nothing else in slamon depends
 * on which.
 */
#include <gnu/libc-version.h>
#include <malloc.h>
#include <stdio.h>

#include "alloc.h"
#include "log.h"

/* MALLCTL_ARENAS_ALL of <jemalloc/jemalloc.h> (jemalloc 5) */
#define ALLOC_ARENAS_ALL 4096u

int
alloc_is_jemalloc(void)
{
	return mallctl != NULL;
}

const char *
alloc_name(void)
{
	static char name[96];
	const char *v = NULL;
	size_t sz = sizeof(v);

	if (!alloc_is_jemalloc())
		snprintf(name, sizeof(name), "glibc %s", gnu_get_libc_version());
	else {
		if (mallctl("version", &v, &sz, NULL, 0) != 0 || v == NULL)
			v = "?";
		snprintf(name, sizeof(name), "jemalloc %s", v);
	}
	return name;
}

void
alloc_trim(void)
{
	static int warned;
	char cmd[64];

	if (alloc_is_jemalloc()) {
		/* every arena's dirty and muzzy pages, now rather than after
		 * the decay time */
		snprintf(cmd, sizeof(cmd), "arena.%u.purge", ALLOC_ARENAS_ALL);
		if (mallctl(cmd, NULL, NULL, NULL, 0) != 0 && !warned) {
			warned = 1;
			log_debug("memory allocator: %s failed, freed pages "
				  "are given back after jemalloc's decay time",
			    cmd);
		}
	}
	/* glibc's own heap: what was allocated before jemalloc took over
	 * (nothing, when it is linked), or everything */
	malloc_trim(0);
}
