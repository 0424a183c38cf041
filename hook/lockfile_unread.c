/* lockfile_unread.c: lockfiles of formats sigma does not read.
 *
 * A project locked by deno, PDM, conda-lock, pixi or a PEP 751 pylock.toml
 * has its dependencies pinned in a file sigma cannot resolve. Saying
 * nothing would report such a push as clean about input nobody read, so
 * these files are found like any lockfile and "resolved" into an error
 * that names the file and the way to a format sigma reads. The hook treats
 * them by sigma.unjudged (warn, the default, or refuse), not by
 * sigma.onError: the file is fine, sigma is what cannot read it. */
#include <string.h>
#include "common/error.h"
#include "hook/lockfile.h"

typedef struct unread_format {
	const char *basename;
	const char *tool;
	const char *hint;
} unread_format;

static const unread_format unread[] = {
	{ "deno.lock", "Deno", "lock the npm dependencies with npm, pnpm, yarn or bun as well" },
	{ "pdm.lock", "PDM", "`pdm export -o requirements.txt` and commit it" },
	{ "conda-lock.yml", "conda-lock", "lock the PyPI dependencies in a requirements.txt as well" },
	{ "pixi.lock", "pixi", "lock the PyPI dependencies in a requirements.txt as well" },
	{ "pylock.toml", "a PEP 751 lock", "`pip lock` output is not read yet: commit a requirements.txt with hashes" },
};

static const unread_format *find(const char *basename)
{
	for (size_t i = 0; i < sizeof unread / sizeof *unread; i++)
		if (!strcmp(basename, unread[i].basename))
			return &unread[i];
	return NULL;
}

static int is_unread(const char *basename) { return find(basename) != NULL; }

static int parse_unread(sigma_graph *g, const lockfile_input *in)
{
	(void)g;
	const char *base = strrchr(in->path, '/');
	const unread_format *f = find(base ? base + 1 : in->path);
	return sigma_error_set(SIGMA_EINVALID, "%s:1: a %s lockfile, which sigma does not read: its packages are not "
	                       "judged; %s", in->path, f ? f->tool : "", f ? f->hint : "");
}

const lockfile_format lockfile_unread = {
	.name = "unread",
	.ecosystem = "npm",
	.match = is_unread,
	.manifest = NULL,
	.parse = parse_unread,
	.empty_valid = 1, /* said the same way, empty or not */
};
