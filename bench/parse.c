/* parse.c: resolve one lockfile N times, for bench/parsers.sh (hyperfine
 * times the whole run; throughput = N x size / time). Reads the lockfile and
 * its manifest once, outside the loop, so the figure is the resolver's:
 * parse, build the graph, BFS for depth and chains.
 *
 *   parse LOCKFILE [MANIFEST] [N]                                          */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/buf.h"
#include "common/error.h"
#include "hook/lockfile.h"

static int read_sibling(void *ctx, const char *path, sigma_buf *out)
{
	char *full = NULL;
	const char *dir = ctx;
	size_t n = strlen(dir) + strlen(path) + 2;
	full = malloc(n);
	snprintf(full, n, "%s/%s", dir, path);
	int rc = sigma_buf_read_file(out, full);
	free(full);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: parse LOCKFILE [MANIFEST|-] [N]\n");
		return 2;
	}
	sigma_buf lock = SIGMA_BUF_INIT, man = SIGMA_BUF_INIT;
	const char *path = argv[1];
	int have_manifest = argc > 2 && strcmp(argv[2], "-") != 0;
	int n = argc > 3 ? atoi(argv[3]) : 1;
	if (sigma_buf_read_file(&lock, path) || (have_manifest && sigma_buf_read_file(&man, argv[2]))) {
		fprintf(stderr, "parse: %s\n", sigma_error_last());
		return 1;
	}
	char *dir = strdup(path), *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");
	const lockfile_format *fmt = lockfile_detect_path(path);
	if (!fmt) {
		fprintf(stderr, "parse: %s is not a lockfile sigma knows\n", path);
		return 1;
	}
	unsigned long nodes = 0;
	for (int i = 0; i < n; i++) {
		lockfile_input in = {
			.path = path, .data = lock.ptr, .len = lock.len,
			.manifest_path = have_manifest ? argv[2] : NULL,
			.manifest = have_manifest ? man.ptr : NULL, .manifest_len = man.len,
			.read_file = read_sibling, .ctx = dir,
		};
		sigma_graph *g = NULL;
		if (lockfile_resolve(&g, fmt, &in)) {
			fprintf(stderr, "parse: %s\n", sigma_error_last());
			return 1;
		}
		nodes = g->nnodes;
		graph_free(g);
	}
	printf("%s: %zu bytes, %lu packages, %d runs\n", path, lock.len, nodes, n);
	free(dir);
	sigma_buf_dispose(&lock);
	sigma_buf_dispose(&man);
	return 0;
}
