/* lockfile.h: the table of lockfile formats and the resolver contract.
 *
 * Each format is one module in hook/ (lockfile_npm.c, ...) that exports a
 * `lockfile_format`. A resolver gets the lockfile's bytes, its companion
 * manifest if the tree has one next to it, and a callback to read any other
 * file of the same tree (workspace manifests, `-r` includes), and fills a
 * sigma_graph. It never touches the filesystem or git directly, which is
 * what lets `sigma scan PATH`, the hook and the fuzzers share it.
 *
 * Errors: return SIGMA_EINVALID with "path:line: what is wrong" in the error
 * slot. Never crash, never abort on input. */
#ifndef SIGMA_LOCKFILE_H
#define SIGMA_LOCKFILE_H
#include <stddef.h>
#include "common/buf.h"
#include "hook/graph.h"

typedef struct lockfile_input {
	const char *path;          /* lockfile path relative to the tree root */
	const char *data;          /* its contents (NUL-terminated) */
	size_t len;
	const char *manifest_path; /* e.g. "app/package.json", or NULL */
	const char *manifest;      /* its contents, or NULL when absent */
	size_t manifest_len;
	/* Read another file of the same tree, by path relative to the tree root.
	 * 0, SIGMA_ENOTFOUND, or another negative code. May be NULL. */
	int (*read_file)(void *ctx, const char *path, sigma_buf *out);
	/* List the subdirectories of a directory of the same tree ("" is the
	 * root): one name and a newline each. 0, SIGMA_ENOTFOUND, or another
	 * negative code. May be NULL. */
	int (*list_dirs)(void *ctx, const char *path, sigma_buf *out);
	/* The value of an environment variable of the process that judges
	 * (for the hook, the git server's environment), or NULL when it is
	 * unset. May be NULL: then every variable is unset. Resolvers ask
	 * through this, never getenv(), so the caller can key its cache on
	 * what was read. */
	const char *(*getenv)(void *ctx, const char *name);
	void *ctx;                 /* shared by the three callbacks */
} lockfile_input;

typedef struct lockfile_format {
	const char *name;       /* stable id used in certificates: "npm", "yarn", ... */
	const char *ecosystem;  /* "npm" or "pypi" */
	/* Non-zero when `basename` is a lockfile of this format. */
	int (*match)(const char *basename);
	/* The companion manifest's basename, looked up in the same directory, or NULL. */
	const char *manifest;
	/* Fill `g` (already created with the lockfile path and ecosystem; the
	 * resolver sets g->format). 0 or a negative code with the error slot set.
	 * graph_finish() is called by the caller. */
	int (*parse)(sigma_graph *g, const lockfile_input *in);
	/* Non-zero when an empty or whitespace-only file is a valid, empty
	 * input (requirements files). For every other format such a file is
	 * no lockfile at all, and lockfile_resolve refuses it before `parse`. */
	int empty_valid;
} lockfile_format;

/* Lockfiles of formats sigma does not read (deno.lock, pdm.lock, ...):
 * found, and "resolved" into an error that the hook treats by
 * sigma.unjudged, not sigma.onError (hook/lockfile_unread.c). */
extern const lockfile_format lockfile_unread;

/* The format that owns `basename`, or NULL. */
const lockfile_format *lockfile_detect(const char *basename);

/* The same for a path inside a tree, which also finds the requirements
 * files that live in a requirements/ directory (requirements/dev.txt,
 * requirements/extras/auth.txt), as pip-tools and many projects lay them out. */
const lockfile_format *lockfile_detect_path(const char *path);

/* Resolve one lockfile into a finished graph. *out is the caller's.
 * A 0-byte or whitespace-only lockfile is SIGMA_EINVALID naming the file
 * (unless fmt->empty_valid), so every format treats it as unreadable; a
 * syntactically valid lockfile that lists no packages is an empty graph. */
int lockfile_resolve(sigma_graph **out, const lockfile_format *fmt, const lockfile_input *in);

/* 1-based line number of byte offset `off` in `data`, for error messages. */
int lockfile_line_at(const char *data, size_t len, size_t off);

#endif
