/* treepath.h: paths inside a pushed tree, as resolvers see them.
 *
 * Resolvers follow references from one file of the tree to another: a
 * requirements `-r` include, a workspace's package.json. Those references
 * come from the pushed content, so they are hostile: an absolute path, a
 * URL or `..` climbing above the root must never turn into a read outside
 * the tree. treepath_join is the one place that decides. */
#ifndef SIGMA_TREEPATH_H
#define SIGMA_TREEPATH_H

/* The directory part of `path` with its trailing '/', or "" for a file at
 * the root. The caller frees the result. */
char *treepath_dir(const char *path);

/* Join `rel` onto the directory `dir` (as from treepath_dir) and normalise
 * "." and ".." segments. Returns a new string the caller frees, or NULL
 * when `rel` is absolute, a URL (has "scheme://" or starts with a scheme
 * such as "file:"), empty, or normalises to a path above the tree root. */
char *treepath_join(const char *dir, const char *rel);

#endif
