/* lockfile.c: the format table and the shared resolve step.
 *
 * Adding a format means writing hook/lockfile_<name>.c exporting a
 * `lockfile_format` and listing it in `formats` below. Order matters only
 * when two formats could claim one basename (none do today). */
#include <string.h>
#include <strings.h>
#include "common/util.h"
#include "common/error.h"
#include "hook/lockfile.h"

extern const lockfile_format lockfile_npm;
extern const lockfile_format lockfile_yarn;
extern const lockfile_format lockfile_pnpm;
extern const lockfile_format lockfile_requirements;
extern const lockfile_format lockfile_poetry;
extern const lockfile_format lockfile_uv;
extern const lockfile_format lockfile_pipenv;
extern const lockfile_format lockfile_bun;
extern const lockfile_format lockfile_bun_binary;
/* lockfile_unread is declared in lockfile.h: scan.c tells its errors apart. */

static const lockfile_format *const formats[] = {
	&lockfile_npm,
	&lockfile_yarn,
	&lockfile_pnpm,
	&lockfile_requirements,
	&lockfile_poetry,
	&lockfile_uv,
	&lockfile_pipenv,
	&lockfile_bun,
	&lockfile_bun_binary,
	&lockfile_unread,
};

const lockfile_format *lockfile_detect(const char *basename)
{
	for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
		if (formats[i]->match(basename))
			return formats[i];
	return NULL;
}

const lockfile_format *lockfile_detect_path(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	const lockfile_format *f = lockfile_detect(base);
	if (f || !sigma_endswith(base, ".txt") || !strncasecmp(base, "readme", 6) || !strncasecmp(base, "license", 7))
		return f;
	/* A .txt anywhere below a directory named "requirements". */
	for (const char *p = path; p < base; ) {
		const char *slash = strchr(p, '/');
		if (!slash || slash >= base)
			break;
		if ((size_t)(slash - p) == strlen("requirements") && !strncmp(p, "requirements", (size_t)(slash - p)))
			return &lockfile_requirements;
		p = slash + 1;
	}
	return NULL;
}

/* Non-zero when `data` holds nothing but whitespace. */
static int is_blank(const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!strchr(" \t\r\n\f\v", data[i]) || !data[i])
			return 0;
	return 1;
}

int lockfile_resolve(sigma_graph **out, const lockfile_format *fmt, const lockfile_input *in)
{
	sigma_graph *g = NULL;
	/* One rule for every format: an empty file is what a failed or
	 * interrupted write leaves behind, not a project with no
	 * dependencies, so it is judged like any unreadable lockfile
	 * (sigma.onError) instead of as a clean, empty graph. */
	if (!fmt->empty_valid && is_blank(in->data, in->len))
		return sigma_error_set(SIGMA_EINVALID, "%s:1: the file is %s: not a lockfile; regenerate it with "
		                       "the package manager", in->path, in->len ? "only whitespace" : "empty");
	graph_new(&g, in->path, fmt->ecosystem, fmt->name);
	int rc = fmt->parse(g, in);
	if (rc) {
		graph_free(g);
		return rc;
	}
	graph_finish(g);
	*out = g;
	return 0;
}

int lockfile_line_at(const char *data, size_t len, size_t off)
{
	int line = 1;
	if (off > len)
		off = len;
	for (size_t i = 0; i < off; i++)
		if (data[i] == '\n')
			line++;
	return line;
}
