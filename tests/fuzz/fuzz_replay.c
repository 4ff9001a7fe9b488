/*
 * fuzz_replay.c - replay_load (the CSV of design.md section 7) on
 * arbitrary bytes against a fixed configuration: the rows, sorted by
 * time, or -1 with "FILE:LINE: ..." in err.
 */
#include "fuzz.h"

#include "conf.h"
#include "fuzz_conf_fixed.h"
#include "replay.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conf *c;
	struct replay r;
	char err[1024] = "";
	const char *path;

	if (c == NULL)
		c = fuzz_conf();
	path = fuzz_write("probes.csv", data, size);
	memset(&r, 0, sizeof(r));
	if (replay_load(path, c, &r, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < r.n; i++) {
			const char *d = replay_detail(&r, &r.rows[i]);

			if (r.rows[i].target >= c->ntargets ||
			    (i > 0 && r.rows[i].t < r.rows[i - 1].t) || (d && strlen(d) > size))
				abort();
		}
	} else if (strncmp(err, path, strlen(path)) != 0) {
		fprintf(stderr, "replay_load failed without a FILE:LINE message: \"%s\"\n", err);
		abort();
	}
	replay_free(&r);
	return 0;
}
