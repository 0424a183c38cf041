/* fuzz_lockfile.h: the body every lockfile fuzz target shares.
 *
 * The input is the lockfile. A fixed manifest sits beside it, the tree
 * callback serves one more fixed file for any path, and every directory
 * lists the same few subdirectories (a workspace, node_modules, a dot
 * directory), so the workspace, glob and include paths run too; the
 * variables V, DIR and EMPTY are set (requirements' ${NAME}). The bytes are copied into a
 * NUL-terminated buffer because lockfile_input promises that. */
#ifndef SIGMA_FUZZ_LOCKFILE_H
#define SIGMA_FUZZ_LOCKFILE_H
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "common/buf.h"
#include "common/error.h"
#include "hook/lockfile.h"

static const char *fuzz_tree_file;

static int fuzz_read_file(void *ctx, const char *path, sigma_buf *out)
{
	(void)ctx;
	if (!fuzz_tree_file || strstr(path, "missing"))
		return SIGMA_ENOTFOUND;
	return sigma_buf_puts(out, fuzz_tree_file);
}

static int fuzz_list_dirs(void *ctx, const char *path, sigma_buf *out)
{
	(void)ctx;
	if (strstr(path, "missing"))
		return SIGMA_ENOTFOUND;
	return sigma_buf_puts(out, "a\nnode_modules\n.hidden\n");
}

/* A few variables are set (one to ""), every other one is unset. */
static const char *fuzz_getenv(void *ctx, const char *name)
{
	(void)ctx;
	if (!strcmp(name, "V"))
		return "1.0.0";
	if (!strcmp(name, "DIR"))
		return "../sub dir";
	if (!strcmp(name, "EMPTY"))
		return "";
	return NULL;
}

static int fuzz_lockfile_one(const char *basename, const char *path, const char *manifest_path,
                             const char *manifest, const char *tree_file, const uint8_t *data, size_t size)
{
	const lockfile_format *fmt = lockfile_detect(basename);
	if (!fmt)
		abort();
	char *copy = malloc(size + 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	fuzz_tree_file = tree_file;
	lockfile_input in = {
		.path = path, .data = copy, .len = size,
		.manifest_path = manifest ? manifest_path : NULL, .manifest = manifest,
		.manifest_len = manifest ? strlen(manifest) : 0,
		.read_file = fuzz_read_file, .list_dirs = fuzz_list_dirs, .getenv = fuzz_getenv, .ctx = NULL,
	};
	sigma_graph *g = NULL;
	int rc = lockfile_resolve(&g, fmt, &in);
	if (rc == 0) {
		/* Exercise what consumers do with a graph. */
		uint32_t chain[64], n;
		for (uint32_t i = 0; i < g->nnodes; i++)
			if (g->nodes[i].depth >= 0 && g->nodes[i].depth < 64)
				graph_chain(g, i, chain, &n);
		char *saved = graph_save(g);
		free(saved);
		graph_free(g);
	} else if (rc == SIGMA_EINVALID && !strchr(sigma_error_last(), ':')) {
		abort(); /* an input error must name the file and line */
	}
	free(copy);
	return 0;
}
#endif
