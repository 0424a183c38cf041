/* open.c: see open.h. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/buf.h"
#include "common/error.h"
#include "common/util.h"
#include "registry/open.h"

/* The name of the user this process runs as, for advice ("uid N" when
 * the user has no name). The caller owns it. */
static char *user_name(void)
{
	struct passwd *pw = getpwuid(geteuid());
	return pw && pw->pw_name ? sigma_xstrdup(pw->pw_name) : sigma_xasprintf("uid %u", (unsigned)geteuid());
}

/* "--db PATH" unless the path is what a plain command would find anyway
 * (the defaults), so that the advice is a command that works as written. */
static char *db_option(const char *path, const char *origin)
{
	if (origin && (sigma_startswith(origin, "the default") || sigma_startswith(origin, "the server default")))
		return sigma_xstrdup(sigma_startswith(origin, "the default for a user") ? "" : " --system");
	return sigma_xasprintf(" --db %s", path);
}

char *registry_fix_advice(registry_problem problem, const char *path, const char *origin, const sigma_config *cfg)
{
	(void)cfg;
	char *opt = db_option(path, origin), *user = NULL, *advice = NULL;
	int named = origin && !sigma_startswith(origin, "the default") && !sigma_startswith(origin, "the server default");
	switch (problem) {
	case REGISTRY_PROBLEM_MISSING:
		advice = named ? sigma_xasprintf("check %s (a wrong path?); to start a new registry there: "
		                                 "sigma registry init%s", origin, opt)
		               : sigma_xasprintf("the admin creates the registry: sigma registry init%s", opt);
		break;
	case REGISTRY_PROBLEM_NOT_FILE:
		advice = sigma_xasprintf("point %s at the database file itself (for example %s/registry.db)",
		                         named ? origin : "sigma.database", path);
		break;
	case REGISTRY_PROBLEM_EMPTY:
	case REGISTRY_PROBLEM_UNINITIALISED:
		advice = sigma_xasprintf("restore it from a backup, or initialise it: sigma registry init%s", opt);
		break;
	case REGISTRY_PROBLEM_UNREADABLE:
		user = user_name();
		advice = sigma_xasprintf("let %s read it: add %s to the registry's group (usermod -aG sigma %s) "
		                         "and share it: sigma registry init --group sigma%s", user, user, user, opt);
		break;
	case REGISTRY_PROBLEM_NOT_DATABASE:
		advice = sigma_xasprintf("restore %s from a backup, or move it away and run: sigma registry init%s",
		                         path, opt);
		break;
	case REGISTRY_PROBLEM_OLDER:
		advice = sigma_xasprintf("the admin runs: sigma registry migrate%s", opt);
		break;
	case REGISTRY_PROBLEM_NEWER:
		advice = sigma_xstrdup("a newer sigma wrote this registry: install that version here too");
		break;
	default:
		advice = sigma_xasprintf("run sigma doctor%s as this user (%s) for details", opt,
		                         (user = user_name()));
		break;
	}
	free(opt);
	free(user);
	return advice;
}

int registry_open_configured(registry **out, char **path_out, const char *cli_db, const sigma_config *cfg,
                             int flags)
{
	char *path = NULL, *origin = NULL;
	registry_problem problem = REGISTRY_PROBLEM_NONE;
	*out = NULL;
	if (path_out)
		*path_out = NULL;
	int rc = config_db_locate(&path, &origin, cli_db, cfg);
	if (rc)
		return sigma_error_wrap(rc, "the Package Trust Registry cannot be found: ");
	rc = registry_open_ex(out, path, flags, &problem);
	if (rc) {
		/* The message names the path, so "PATH: " is dropped from it. */
		const char *why = sigma_error_last();
		size_t n = strlen(path);
		if (strncmp(why, path, n) == 0 && strncmp(why + n, ": ", 2) == 0)
			why += n + 2;
		char *what = sigma_xstrdup(why);
		char *fix = registry_fix_advice(problem, path, origin, cfg);
		sigma_error_set(rc, "the Package Trust Registry cannot be used\n"
		                    "  registry: %s (%s)\n"
		                    "  problem:  %s\n"
		                    "  fix:      %s", path, origin, what, fix);
		free(what);
		free(fix);
	}
	if (path_out)
		*path_out = path;
	else
		free(path);
	free(origin);
	return rc;
}

int registry_group(gid_t *out, int *found, const char *name)
{
	struct group *g = getgrnam(name ? name : "sigma");
	*found = g != NULL;
	if (g) {
		*out = g->gr_gid;
		return 0;
	}
	if (name)
		return sigma_error_set(SIGMA_EINVALID, "no group '%s' on this host (create it: groupadd %s)", name, name);
	return 0;
}

int registry_prepare_dir(const char *path, gid_t gid, int gid_set, int adopt)
{
	char *dir = sigma_xstrdup(path), *slash = strrchr(dir, '/');
	int rc = 0;
	if (!slash || slash == dir)
		goto out;
	*slash = '\0';
	struct stat st;
	int existed = stat(dir, &st) == 0;
	char *parent = sigma_xstrdup(dir), *ps = strrchr(parent, '/');
	if (ps && ps != parent) {
		*ps = '\0';
		/* Parents are ordinary directories that others may pass through. */
		rc = sigma_mkdir_p(parent, 0755);
	}
	free(parent);
	if (rc)
		goto out;
	if (!existed && mkdir(dir, gid_set ? 02770 : 0700) < 0 && errno != EEXIST) {
		rc = sigma_error_set(SIGMA_EIO, "mkdir %s: %s", dir, strerror(errno));
		goto out;
	}
	if (!gid_set || (existed && !adopt))
		goto out;
	/* mkdir's mode passes through the umask and may drop the setgid bit:
	 * set both explicitly. */
	if (chown(dir, (uid_t)-1, gid) < 0 || chmod(dir, 02770) < 0)
		rc = sigma_error_set(SIGMA_EIO, "%s: cannot give it to the group and mode 2770: %s", dir,
		                     strerror(errno));
out:
	free(dir);
	return rc;
}

int registry_share_files(const char *path, gid_t gid)
{
	static const char *const suffixes[] = { "", "-wal", "-shm" };
	for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
		char *f = sigma_xasprintf("%s%s", path, suffixes[i]);
		int rc = 0;
		if ((chown(f, (uid_t)-1, gid) < 0 || chmod(f, 0660) < 0) && !(i > 0 && errno == ENOENT))
			rc = sigma_error_set(SIGMA_EIO, "%s: cannot give it to the group and mode 0660: %s", f,
			                     strerror(errno));
		free(f);
		if (rc)
			return rc;
	}
	return 0;
}
