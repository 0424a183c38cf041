/* etc.h: what the sandbox's /etc holds, and the image of it kept between
 * runs.
 *
 * The sandbox gets an /etc without secrets: a fixed list of host files
 * (never shadow, gshadow, sudoers, ssh keys or credential-bearing config),
 * a few files of its own (passwd with the sandbox user, hosts, a
 * resolv.conf that points at nothing), and a few host directories bound
 * read-only over it.
 *
 * Building that in every sandbox's fresh root took about a third of the
 * init's work (an open, a create and a copy per file, pages to allocate,
 * and as many dentries to tear down at the end). The same tree is now
 * built once into an image in a cache directory of the caller's own and
 * bound read-only on /etc; the directories are still bound over it live.
 * The image is named after a fingerprint of what it was made from: the
 * lstat of every listed host entry (inode, size, mode, mtime and ctime in
 * nanoseconds, link target) and the generated files. The supervisor
 * lstats those entries at every start anyway, so a changed host file
 * simply names another image, built on first use. Without a usable cache
 * directory the caller falls back to copying into the fresh root, as
 * before. */
#ifndef SIGMA_SANDBOX_ETC_H
#define SIGMA_SANDBOX_ETC_H
#include <stddef.h>

/* Host files copied in (relative to /etc), when regular and at most
 * SANDBOX_ETC_FILE_CAP bytes; symlinks among them are reproduced. */
extern const char *const sandbox_etc_files[];
extern const size_t sandbox_etc_nfiles;
#define SANDBOX_ETC_FILE_CAP ((size_t)1 << 20)

/* Host directories bound read-only over /etc/NAME (or reproduced, when
 * they are symlinks). */
extern const char *const sandbox_etc_dirs[];
extern const size_t sandbox_etc_ndirs;

/* Files of the sandbox's own, mode 0444. */
typedef struct sandbox_etc_text {
	const char *name;
	const char *text;
	size_t      len;
} sandbox_etc_text;
extern const sandbox_etc_text sandbox_etc_texts[];
extern const size_t sandbox_etc_ntexts;

/* Where this caller's images live, malloc'd: /run/sigma/sandbox-etc for
 * root; otherwise $XDG_RUNTIME_DIR/sigma/sandbox-etc, or without a login
 * session the user's cache ($XDG_CACHE_HOME or ~/.cache, then
 * sigma/sandbox-etc); NULL when none is set. sandbox_etc_image still
 * refuses any of them that is not safely the caller's. */
char *sandbox_etc_cache_root(void);

/* The image of /etc for the entries under etc_root (normally "/etc") as
 * they are now, in cache_root, built there if it is not yet: a malloc'd
 * path. NULL when the cache cannot be used safely (it, or a directory on
 * the way that we create, is a symlink, not ours, or writable by others)
 * or building failed; *why then says why (a static string). Using an
 * image refreshes its time stamp (at most hourly); building one removes
 * images unused for a day. When live_dirs is not NULL, bit i of it says
 * that sandbox_etc_dirs[i] was a directory (a mount point in the image,
 * to bind the host's over) when the fingerprint was taken. */
char *sandbox_etc_image(const char *etc_root, const char *cache_root, unsigned *live_dirs,
                        const char **why);

#endif
