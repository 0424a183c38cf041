/* doctor.c: `sigma doctor [--repo GITDIR]`, what the hook will use, checked
 * as the user that runs it.
 *
 * A gate that is set up wrong refuses every push (or, before sigma failed
 * closed, accepted them all); the admin should learn that from one command
 * run as the git user, not from the first developer who pushes. Each check
 * is one line, "ok", "warn" or "FAIL", then what was found. The paths are
 * found exactly as the hook finds them (CONFIG_PATHS_HOOK), so the
 * environment the command runs in matters: run it as the git user, with
 * the git server's environment (contrib/install-hook.sh does).
 *
 * Exit status: 0 when nothing failed, 1 otherwise, 2 for a usage error. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "common/buf.h"
#include "common/cli.h"
#include "common/config.h"
#include "common/error.h"
#include "common/sign.h"
#include "common/util.h"
#include "hook/cmd.h"
#include "registry/db.h"
#include "registry/open.h"
#include "webhook/settings.h"

typedef struct doctor {
	int failed, warned;
} doctor;

enum { DOC_OK, DOC_WARN, DOC_FAIL };

static void say(doctor *d, int level, const char *what, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void say(doctor *d, int level, const char *what, const char *fmt, ...)
{
	static const char *const words[] = { "ok  ", "warn", "FAIL" };
	va_list ap;
	printf("%s  %-12s ", words[level], what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (level == DOC_FAIL)
		d->failed++;
	else if (level == DOC_WARN)
		d->warned++;
}

/* ---------------------------------------------------------------- checks */

static void check_user(doctor *d)
{
	struct passwd *pw = getpwuid(geteuid());
	gid_t groups[65];
	groups[0] = getegid();
	int n = getgroups(64, groups + 1);
	n = n < 0 ? 1 : n + 1;
	sigma_buf b = SIGMA_BUF_INIT;
	for (int i = 0; i < n; i++) {
		if (i > 0 && groups[i] == groups[0])
			continue;
		struct group *g = getgrgid(groups[i]);
		if (g)
			sigma_buf_printf(&b, "%s%s", b.len ? "," : "", g->gr_name);
	}
	say(d, DOC_OK, "user", "%s (uid %u), groups %s", pw ? pw->pw_name : "?", (unsigned)geteuid(),
	    b.len ? b.ptr : "(none)");
	sigma_buf_dispose(&b);
}

static void check_config(doctor *d, const sigma_config *cfg, const char *gitdir)
{
	const char *sys = getenv("SIGMA_CONFIG");
	if (!sys || !*sys)
		sys = SIGMA_SYSCONF_DIR "/config";
	if (cfg->system_path)
		say(d, DOC_OK, "config", "%s", cfg->system_path);
	else if (access(sys, F_OK) == 0)
		say(d, DOC_FAIL, "config", "%s exists but cannot be read: %s", sys, strerror(errno));
	else
		say(d, DOC_OK, "config", "%s is not there: the defaults apply", sys);
	if (gitdir)
		say(d, DOC_OK, "repo config", "%s/config (its sigma.* keys override)", gitdir);
}

static void check_registry(doctor *d, const sigma_config *cfg, const char *cli_db)
{
	char *path = NULL, *origin = NULL;
	if (config_db_locate(&path, &origin, cli_db, cfg)) {
		say(d, DOC_FAIL, "registry", "%s", sigma_error_last());
		return;
	}
	registry *r = NULL;
	registry_problem problem;
	if (registry_open_ex(&r, path, REGISTRY_READONLY_OK, &problem)) {
		char *fix = registry_fix_advice(problem, path, origin, cfg);
		say(d, DOC_FAIL, "registry", "%s (%s): %s; the hook refuses every push. Fix: %s", path, origin,
		    sigma_error_last(), fix);
		free(fix);
		goto out;
	}
	if (registry_is_readonly(r))
		say(d, DOC_WARN, "registry", "%s (%s): schema %d, read-only for this user: the hook judges without "
		    "its cache and stores no certificates", path, origin, registry_schema(r));
	else
		say(d, DOC_OK, "registry", "%s (%s): schema %d, readable and writable", path, origin,
		    registry_schema(r));
	long count = 0;
	char last[32];
	if (registry_advisories_summary(r, &count, last))
		say(d, DOC_FAIL, "osv", "%s", sigma_error_last());
	else if (!count)
		say(d, DOC_WARN, "osv", "no OSV records imported: known malware is blocked only by hand "
		    "(sigma registry import osv-npm-all.zip)");
	else {
		/* Malware records go stale in days: an import that stopped is a
		 * gate that stopped learning. */
		struct tm tm;
		memset(&tm, 0, sizeof tm);
		time_t at = strptime(last, "%Y-%m-%dT%H:%M:%S", &tm) ? timegm(&tm) : 0;
		long days = at ? (long)((time(NULL) - at) / 86400) : -1;
		if (days > 7)
			say(d, DOC_WARN, "osv", "%ld records, last imported %s, %ld days ago: is the import still running? "
			    "(contrib/systemd/sigma-osv-import.timer)", count, last, days);
		else
			say(d, DOC_OK, "osv", "%ld records, last imported %s", count, last);
	}
out:
	registry_close(r);
	free(path);
	free(origin);
}

static void check_key(doctor *d, const sigma_config *cfg)
{
	char *path = NULL, *origin = NULL;
	int explicit = 0;
	if (config_signing_key_locate(&path, &origin, &explicit, cfg)) {
		say(d, DOC_FAIL, "signing key", "%s", sigma_error_last());
		return;
	}
	struct stat st;
	sigma_key *k = NULL;
	if (stat(path, &st) < 0 && errno == ENOENT) {
		say(d, explicit ? DOC_FAIL : DOC_WARN, "signing key",
		    "%s (%s) is not there: %s", path, origin,
		    explicit ? "the hook refuses every push until it is (sigma keygen)"
		             : "certificates are sealed by id only, unsigned (sigma keygen --system)");
	} else if (sign_key_load_private(&k, path)) {
		say(d, DOC_FAIL, "signing key", "%s (%s): %s", path, origin, sigma_error_last());
	} else {
		say(d, DOC_OK, "signing key", "%s (%s): mode %04o, key id %.16s", path, origin,
		    (unsigned)(st.st_mode & 07777), sign_key_id(k));
	}
	sign_key_free(k);
	free(path);
	free(origin);
}

static void check_forges(doctor *d)
{
	webhook_settings s;
	if (webhook_settings_load(&s, NULL)) {
		say(d, DOC_FAIL, "forges", "%s", sigma_error_last());
		return;
	}
	if (!s.nforges)
		say(d, DOC_OK, "forges", "none configured: pushes get no commit status (sigma serve is optional)");
	for (size_t i = 0; i < s.nforges; i++) {
		const webhook_forge *f = &s.forges[i];
		char what[64];
		snprintf(what, sizeof what, "forge %s", f->name);
		/* Secrets are named as present or absent, never printed. */
		say(d, f->token && *f->token ? DOC_OK : DOC_WARN, what, "%s, token %s, secret %s",
		    f->url ? f->url : "(no url)", f->token && *f->token ? "present" : "MISSING: no statuses posted",
		    f->secret && *f->secret ? "present" : "missing");
	}
	webhook_settings_dispose(&s);
}

/* Does this hook file run sigma? A symlink to a file named sigma (or
 * pre-receive → sigma), or a script that runs sigma pre-receive. */
static int runs_sigma(const char *file, char *target, size_t n)
{
	ssize_t len = readlink(file, target, n - 1);
	if (len > 0) {
		target[len] = '\0';
		const char *base = strrchr(target, '/');
		return strcmp(base ? base + 1 : target, "sigma") == 0;
	}
	snprintf(target, n, "a script");
	sigma_buf b;
	sigma_buf_init(&b, 1 << 16);
	int yes = sigma_buf_read_file(&b, file) == 0 && b.len && strstr(b.ptr, "sigma") &&
	          strstr(b.ptr, "pre-receive");
	sigma_buf_dispose(&b);
	return yes;
}

/* Where the servers sigma knows put a pre-receive hook, relative to the
 * repository: plain git, Gitea (pre-receive.d), GitLab (custom_hooks), and
 * gitolite's repo-specific hooks (hooks/pre-receive.hNN-NAME, run by its
 * own pre-receive). */
static size_t hook_places(char ***out, const char *gitdir)
{
	static const char *const fixed[] = { "hooks/pre-receive", "hooks/pre-receive.d/sigma",
	                                     "custom_hooks/pre-receive.d/sigma" };
	size_t n = 0;
	char **v = sigma_xcalloc(sizeof fixed / sizeof *fixed, sizeof *v);
	for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
		v[n++] = sigma_xasprintf("%s/%s", gitdir, fixed[i]);
	char *hooks = sigma_xasprintf("%s/hooks", gitdir);
	DIR *dir = opendir(hooks);
	struct dirent *e;
	while (dir && (e = readdir(dir))) {
		const char *name = e->d_name;
		if (strncmp(name, "pre-receive.h", 13) != 0 || !isdigit((unsigned char)name[13]) ||
		    !isdigit((unsigned char)name[14]) || name[15] != '-')
			continue;
		v = sigma_xrealloc(v, (n + 1) * sizeof *v);
		v[n++] = sigma_xasprintf("%s/%s", hooks, name);
	}
	if (dir)
		closedir(dir);
	free(hooks);
	*out = v;
	return n;
}

static void check_hook(doctor *d, const char *gitdir)
{
	char **places = NULL;
	size_t nplaces = hook_places(&places, gitdir);
	int found = 0;
	for (size_t i = 0; i < nplaces; i++) {
		char *file = places[i], target[PATH_MAX];
		if (access(file, F_OK) == 0) {
			int sigma = runs_sigma(file, target, sizeof target);
			if (sigma && access(file, X_OK) != 0) {
				say(d, DOC_FAIL, "hook", "%s runs sigma but is not executable: git skips it "
				    "(chmod +x %s)", file, file);
				found = 1;
			} else if (sigma) {
				char *before = sigma_xasprintf("%s.before-sigma", file);
				say(d, DOC_OK, "hook", "%s (%s)%s%s", file, target,
				    access(before, F_OK) == 0 ? ", then chains to " : "",
				    access(before, F_OK) == 0 ? before : "");
				free(before);
				found = 1;
			}
		}
		free(file);
	}
	free(places);
	if (!found)
		say(d, DOC_FAIL, "hook", "sigma is not the pre-receive hook of %s: pushes there are not judged "
		    "(contrib/install-hook.sh %s)", gitdir, gitdir);
	struct stat st;
	if (stat(gitdir, &st) == 0 && st.st_uid != geteuid()) {
		struct passwd *pw = getpwuid(st.st_uid);
		say(d, DOC_WARN, "repo owner", "%s belongs to %s, not to this user: run sigma doctor as the user "
		    "git runs as to see what its hook sees", gitdir, pw ? pw->pw_name : "another user");
	}
}

/* ---------------------------------------------------------------- command */

int hook_doctor_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "repo", required_argument, NULL, 'r' },
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *gitdir = NULL, *db = NULL;
	int ch;
	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r': gitdir = optarg; break;
		case 'd': db = optarg; break;
		case 'h': hook_doctor_help(stdout); return 0;
		default: return cli_usage_error("doctor", "doctor: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage_error("doctor", "doctor takes no arguments");
	if (gitdir && access(gitdir, F_OK) != 0) {
		fprintf(stderr, "sigma: %s: %s\n", gitdir, strerror(errno));
		return 1;
	}
	doctor d = { 0 };
	sigma_config cfg;
	check_user(&d);
	if (config_load(&cfg, gitdir)) {
		say(&d, DOC_FAIL, "config", "%s: the hook refuses every push", sigma_error_last());
		config_dispose(&cfg);
	} else {
		check_config(&d, &cfg, gitdir);
	}
	cfg.paths = CONFIG_PATHS_HOOK;
	check_registry(&d, &cfg, db);
	check_key(&d, &cfg);
	check_forges(&d);
	if (gitdir)
		check_hook(&d, gitdir);
	printf("%s: %d failed, %d warnings\n", d.failed ? "not ready" : "ready", d.failed, d.warned);
	config_dispose(&cfg);
	return d.failed ? 1 : 0;
}

void hook_doctor_help(FILE *out)
{
	fputs("usage: sigma doctor [--repo GITDIR] [--db PATH]\n"
	      "\n"
	      "Check what the pre-receive hook will use, as the user running this: the\n"
	      "config files, the registry (path, where the path came from, schema,\n"
	      "read/write), the signing key (present, readable, mode), forge sections\n"
	      "(tokens present, never printed), when OSV data was last imported, and with\n"
	      "--repo whether sigma is that repository's hook. Run it as the git user.\n"
	      "One line per check: ok, warn or FAIL. Exit 0 when nothing failed, else 1.\n", out);
}
