/* alloc.h - the memory allocator slamon runs with (Makefile MALLOC). */
#ifndef SLAMON_ALLOC_H
#define SLAMON_ALLOC_H

#include <stddef.h>

/* jemalloc's mallctl(3): a weak reference, NULL when jemalloc does not
 * serve this process (glibc's malloc) */
extern int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp,
    size_t newlen) __attribute__((weak));

/* 1 when jemalloc serves this process's malloc (linked or preloaded) */
int alloc_is_jemalloc(void);

/* "jemalloc 5.3.0-0-g54eaed1d8b56b1aa528be3bdd1877e59c56fa90c" or "glibc 2.36" */
const char *alloc_name(void);

/* Hand the free pages back to the system now, rather than keep them
 * resident until the allocator's own time: after a large configuration is
 * loaded (its parse tree freed) and after a round of steps is written. */
void alloc_trim(void);

#endif
