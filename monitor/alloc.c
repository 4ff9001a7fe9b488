/*
 * alloc.c - the memory allocator slamon is linked with.
 *
 * The daemon links jemalloc where it is installed (Makefile MALLOC, as
 * Redis does): libcurl makes some 200 allocations and frees a probe, and
 * next to tens of thousands of targets' state a probe costs 10 to 18 % more
 * CPU with glibc's malloc than with jemalloc's thread cache (bench/README.md,
 * "Round six").
 * MALLOC=libc (and every SAN=1 build: the sanitizers bring their own)
 * builds with glibc's malloc; nothing else in slamon depends on which.
 */
#include <malloc.h>
#include <stdio.h>

#ifdef SLAMON_JEMALLOC
#include <jemalloc/jemalloc.h>
#else
#include <gnu/libc-version.h>
#endif

#include "alloc.h"

const char *
alloc_name(void)
{
	static char name[96];

#ifdef SLAMON_JEMALLOC
	const char *v = NULL;
	size_t sz = sizeof(v);

	if (mallctl("version", &v, &sz, NULL, 0) != 0 || v == NULL)
		v = "?";
	snprintf(name, sizeof(name), "jemalloc %s", v);
#else
	snprintf(name, sizeof(name), "glibc %s", gnu_get_libc_version());
#endif
	return name;
}

void
alloc_trim(void)
{
#ifdef SLAMON_JEMALLOC
	char cmd[64];

	/* every arena's dirty and muzzy pages, now rather than after the
	 * decay time */
	snprintf(cmd, sizeof(cmd), "arena.%u.purge", (unsigned)MALLCTL_ARENAS_ALL);
	(void)mallctl(cmd, NULL, NULL, NULL, 0);
#endif
	/* glibc's own heap: what was allocated before jemalloc took over
	 * (nothing, when it is linked), or everything */
	malloc_trim(0);
}
