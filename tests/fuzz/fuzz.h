/*
 * fuzz.h - what the libFuzzer harnesses share: a private temporary
 * directory (so an @include or a path in the input can reach nothing
 * else) and writing the input into a file there.
 */
#ifndef SLAMON_FUZZ_H
#define SLAMON_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char fuzz_dir[64];

static __attribute__((unused)) const char *
fuzz_tmpdir(void)
{
	if (fuzz_dir[0] == '\0') {
		const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

		snprintf(fuzz_dir, sizeof(fuzz_dir), "%.40s/slamon-fuzz-XXXXXX", base);
		if (mkdtemp(fuzz_dir) == NULL) {
			perror("mkdtemp");
			abort();
		}
	}
	return fuzz_dir;
}

/* Write data to dir/name; the path in a static buffer. */
static __attribute__((unused)) const char *
fuzz_write(const char *name, const uint8_t *data, size_t size)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fuzz_tmpdir(), name);
	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		abort();
	}
	if (size && fwrite(data, 1, size, f) != size) {
		perror(path);
		abort();
	}
	fclose(f);
	return path;
}

/* data as a NUL-terminated string (malloc'ed). */
static __attribute__((unused)) char *
fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
