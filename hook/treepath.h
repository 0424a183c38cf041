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

/* Open `path` (relative, as from treepath_join) inside the directory
 * `rootfd`, for `sigma scan DIR`, one component at a time with O_NOFOLLOW:
 * no symbolic link anywhere on the way is followed, whether it points
 * outside the directory or back inside it (the same rule as a git tree,
 * where a symlink is a blob and never a way through). `want_dir`: the last
 * component must be a directory, else a regular file (opened non-blocking,
 * so a FIFO cannot hang the scan). 0 and *out (the caller closes it);
 * SIGMA_ENOTFOUND when there is no such file or it is of the wrong type;
 * SIGMA_EINVALID, naming the link, when a component is a symbolic link or
 * "..". */
int treepath_open(int *out, int rootfd, const char *path, int want_dir);

#endif
