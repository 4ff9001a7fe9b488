/*
 * fuzz_conf.c - conf_load on arbitrary text: either a configuration or
 * NULL with "FILE:LINE: ..." in err, never a crash, a leak or a hang.
 */
#include "fuzz.h"

#include "conf.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_write("slamon.conf", data, size);
	struct conf *c;
	char err[1024] = "";

	if ((c = conf_load(path, err, sizeof(err))) != NULL) {
		conf_free(c);
		return 0;
	}
	if (err[0] == '\0' || strchr(err, ':') == NULL) {
		fprintf(stderr, "conf_load failed without a FILE:LINE message: \"%s\"\n", err);
		abort();
	}
	return 0;
}
