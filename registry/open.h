/* open.h: finding and opening the configured Package Trust Registry, and
 * saying how to fix it when it cannot be used.
 *
 * Every command that judges or changes the registry goes through here, so a
 * missing, empty, unreadable or wrongly versioned database gets the same
 * words everywhere: the path tried, which setting (or default) named it,
 * what is wrong, and the one command that fixes it. The hook refuses the
 * push with that text; `sigma scan` exits 2 with it; `sigma doctor` prints
 * it as a FAIL line.
 *
 * It also sets up a registry that several users share (`sigma registry init
 * --group`): the git user runs the hook, the admin runs `sigma registry`,
 * and both write the same SQLite file and its -wal and -shm files. */
#ifndef SIGMA_REGISTRY_OPEN_H
#define SIGMA_REGISTRY_OPEN_H
#include <sys/types.h>
#include "common/config.h"
#include "registry/db.h"

/* Locate the registry (config_db_locate) and open it with `flags`
 * (REGISTRY_*). On failure the error slot holds a multi-line text:
 *   "the Package Trust Registry cannot be used\n"
 *   "  registry: PATH (ORIGIN)\n  problem:  ...\n  fix:      ..."
 * *out is the caller's; *path_out too when not NULL (set on failure as
 * well, NULL when no path could be found). */
int registry_open_configured(registry **out, char **path_out, const char *cli_db, const sigma_config *cfg,
                             int flags);

/* The fix for `problem` at `path` (named by `origin`), as one line for a
 * person: a command to run, or what to change. The caller owns it. */
char *registry_fix_advice(registry_problem problem, const char *path, const char *origin, const sigma_config *cfg);

/* The group a shared registry belongs to: `name` (an error when it does not
 * exist), else the group "sigma" when there is one. *found is 0 when there
 * is neither (the registry is then its owner's alone). */
int registry_group(gid_t *out, int *found, const char *name);

/* Make the directory that holds `path`, with its parents. With a group
 * (`gid_set`) the directory itself is setgid, mode 2770 and of that group,
 * so files made in it later (the -wal and -shm files of whoever writes
 * next) belong to the group too; without one it is 0700. An existing
 * directory is changed only when `adopt` says it is the registry's own. */
int registry_prepare_dir(const char *path, gid_t gid, int gid_set, int adopt);

/* The database and its -wal/-shm files: mode 0660 and the group, when
 * `gid_set`. SQLite gives -wal and -shm files it creates later the mode of
 * the database file, so this holds for them too. */
int registry_share_files(const char *path, gid_t gid);

#endif
