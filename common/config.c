/* config.c: see config.h. libgit2's config reader does the parsing, so the
 * syntax (sections, includes, quoting) is exactly git's. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <git2.h>
#include "common/config.h"
#include "common/error.h"
#include "common/util.h"

static int git_fail(const char *what)
{
	const git_error *e = git_error_last();
	return sigma_error_set(SIGMA_EINVALID, "%s: %s", what, e && e->message ? e->message : "error");
}

/* The value of `key`, or NULL; with `level`, which file level set it. */
static char *get_string_at(git_config *cfg, const char *key, int *level)
{
	git_config_entry *e = NULL;
	if (git_config_get_entry(&e, cfg, key) < 0 || !e) {
		git_error_clear();
		return NULL;
	}
	char *v = sigma_xstrdup(e->value ? e->value : "");
	if (level)
		*level = (int)e->level;
	git_config_entry_free(e);
	return v;
}

static char *get_string(git_config *cfg, const char *key) { return get_string_at(cfg, key, NULL); }

/* The file behind a level: the two levels config_load adds. */
static char *level_file(int level, const char *sys, const char *repo_cfg)
{
	if (level == GIT_CONFIG_LEVEL_SYSTEM && sys)
		return sigma_xstrdup(sys);
	if (level == GIT_CONFIG_LEVEL_LOCAL && repo_cfg)
		return sigma_xstrdup(repo_cfg);
	return NULL;
}

/* A two-way choice: 0 for `a`, 1 for `b`, left alone when unset. */
static int get_choice(int *out, git_config *cfg, const char *key, const char *a, const char *b)
{
	char *v = get_string(cfg, key);
	int rc = 0;
	if (!v)
		return 0;
	if (strcasecmp(v, a) == 0)
		*out = 0;
	else if (strcasecmp(v, b) == 0)
		*out = 1;
	else
		rc = sigma_error_set(SIGMA_EINVALID, "%s: expected '%s' or '%s', got '%s'", key, a, b, v);
	free(v);
	return rc;
}

/* A duration such as "3d", "36h", "90m", "2w" or plain seconds. */
static int get_duration(long *out, git_config *cfg, const char *key)
{
	char *v = get_string(cfg, key);
	if (!v)
		return 0;
	char *end = NULL;
	errno = 0;
	long n = strtol(v, &end, 10);
	long unit = !end || !*end ? 1 : !strcmp(end, "s") ? 1 : !strcmp(end, "m") ? 60 : !strcmp(end, "h") ? 3600
	          : !strcmp(end, "d") ? 86400 : !strcmp(end, "w") ? 7 * 86400 : 0;
	int rc = 0;
	if (errno || end == v || n < 0 || !unit || n > 3650L * 86400 / unit)
		rc = sigma_error_set(SIGMA_EINVALID, "%s: expected a duration such as '3d', '36h' or '90m', got '%s'", key, v);
	else
		*out = n * unit;
	free(v);
	return rc;
}

/* sigma.enforce: block | testing | off. */
static int get_enforce(int *out, git_config *cfg, const char *key)
{
	char *v = get_string(cfg, key);
	if (!v)
		return 0;
	int rc = 0;
	if (!strcasecmp(v, "block"))
		*out = CONFIG_ENFORCE_BLOCK;
	else if (!strcasecmp(v, "testing"))
		*out = CONFIG_ENFORCE_TESTING;
	else if (!strcasecmp(v, "off"))
		*out = CONFIG_ENFORCE_OFF;
	else
		rc = sigma_error_set(SIGMA_EINVALID, "%s: expected block, testing or off, got '%s'", key, v);
	free(v);
	return rc;
}

/* sigma.failOnSeverity: none | low | moderate | high | critical -> 0..4. */
static int get_severity(int *out, git_config *cfg, const char *key)
{
	static const char *const words[] = { "none", "low", "moderate", "high", "critical" };
	char *v = get_string(cfg, key);
	if (!v)
		return 0;
	int rc = SIGMA_EINVALID;
	for (int k = 0; k < 5; k++)
		if (!strcasecmp(v, words[k])) {
			*out = k;
			rc = 0;
		}
	if (rc)
		rc = sigma_error_set(SIGMA_EINVALID, "%s: expected none, low, moderate, high or critical, got '%s'", key, v);
	free(v);
	return rc;
}

static int get_int(int *out, git_config *cfg, const char *key, int lo, int hi)
{
	char *v = get_string(cfg, key);
	if (!v)
		return 0;
	char *end = NULL;
	errno = 0;
	long n = strtol(v, &end, 10);
	int rc = 0;
	if (errno || end == v || *end || n < lo || n > hi)
		rc = sigma_error_set(SIGMA_EINVALID, "%s: expected a whole number from %d to %d, got '%s'", key, lo, hi, v);
	else
		*out = (int)n;
	free(v);
	return rc;
}

/* sigma.timeout: seconds, fractional allowed ("4", "2.5", "4s", "500ms"). */
static int get_timeout(int *out, git_config *cfg, const char *key)
{
	char *v = get_string(cfg, key);
	if (!v)
		return 0;
	char *end = NULL;
	errno = 0;
	double s = strtod(v, &end);
	int rc = 0;
	if (end && strcmp(end, "ms") == 0)
		s /= 1000.0;
	else if (end && (strcmp(end, "s") == 0 || *end == '\0'))
		;
	else
		end = NULL;
	if (errno || !end || end == v || s <= 0 || s > 3600)
		rc = sigma_error_set(SIGMA_EINVALID, "%s: expected seconds such as '4' or '2.5s', got '%s'", key, v);
	else
		*out = (int)(s * 1000.0 + 0.5);
	free(v);
	return rc;
}

/* Is there a [forge "NAME"] section with a type? Matched by hand: libgit2's
 * own regex matching (git_config_foreach_match) leaks pcre2 match data in
 * 1.5, which LeakSanitizer reports from every hook run. */
static int note_forge(const git_config_entry *e, void *payload)
{
	if (e->name && sigma_startswith(e->name, "forge.") && sigma_endswith(e->name, ".type"))
		*(int *)payload = 1;
	return 0;
}

int config_load(sigma_config *out, const char *gitdir)
{
	git_config *cfg = NULL;
	char *repo_cfg = NULL;
	int rc = 0;
	memset(out, 0, sizeof *out);
	out->timeout_ms = 4000;
	out->reject_depth = 1;
	out->audit_cap = 200;

	if (git_config_new(&cfg) < 0)
		return git_fail("config");
	const char *sys = getenv("SIGMA_CONFIG");
	if (!sys || !*sys)
		sys = SIGMA_SYSCONF_DIR "/config";
	struct stat st;
	if (stat(sys, &st) == 0) {
		if (git_config_add_file_ondisk(cfg, sys, GIT_CONFIG_LEVEL_SYSTEM, NULL, 0) < 0) {
			rc = git_fail(sys);
			goto out;
		}
		out->system_path = sigma_xstrdup(sys);
	}
	if (gitdir) {
		repo_cfg = sigma_xasprintf("%s/config", gitdir);
		if (stat(repo_cfg, &st) == 0 &&
		    git_config_add_file_ondisk(cfg, repo_cfg, GIT_CONFIG_LEVEL_LOCAL, NULL, 0) < 0) {
			rc = git_fail(repo_cfg);
			goto out;
		}
	}
	if (git_config_foreach(cfg, note_forge, &out->has_forges) < 0)
		git_error_clear();
	int level = 0;
	if ((out->database = get_string_at(cfg, "sigma.database", &level)))
		out->database_file = level_file(level, out->system_path, repo_cfg);
	out->npm_registry = get_string(cfg, "sigma.npmRegistry");
	out->contact = get_string(cfg, "sigma.contact");
	out->release_age_exclude = get_string(cfg, "sigma.minimumReleaseAgeExclude");
	if ((out->public_url = get_string(cfg, "serve.publicUrl"))) {
		size_t n = strlen(out->public_url);
		while (n > 0 && out->public_url[n - 1] == '/')
			out->public_url[--n] = '\0';
	}
	out->pypi_index = get_string(cfg, "sigma.pypiIndex");
	if ((out->signing_key = get_string_at(cfg, "sigma.signingKey", &level)))
		out->signing_key_file = level_file(level, out->system_path, repo_cfg);
	out->allowed_hosts = get_string(cfg, "sigma.allowedHosts");
	if ((rc = get_choice(&out->policy_all, cfg, "sigma.policy", "introduced", "all")) ||
	    (rc = get_choice(&out->on_error_accept, cfg, "sigma.onError", "reject", "accept")) ||
	    (rc = get_choice(&out->rules_reject, cfg, "sigma.rules", "warn", "reject")) ||
	    (rc = get_timeout(&out->timeout_ms, cfg, "sigma.timeout")) ||
	    (rc = get_int(&out->reject_depth, cfg, "sigma.rejectDepth", -1, 100)) ||
	    (rc = get_int(&out->audit_cap, cfg, "sigma.auditCap", 0, 1000000)) ||
	    (rc = get_severity(&out->fail_on_severity, cfg, "sigma.failOnSeverity")) ||
	    (rc = get_enforce(&out->enforce, cfg, "sigma.enforce")) ||
	    (rc = get_duration(&out->min_release_age, cfg, "sigma.minimumReleaseAge")) ||
	    (rc = get_choice(&out->unknown_release_age_refuse, cfg, "sigma.unknownReleaseAge", "warn", "refuse")) ||
	    (rc = get_choice(&out->unjudged_refuse, cfg, "sigma.unjudged", "warn", "refuse")))
		goto out;
out:
	git_config_free(cfg);
	free(repo_cfg);
	return rc;
}

void config_dispose(sigma_config *c)
{
	free(c->database);
	free(c->npm_registry);
	free(c->pypi_index);
	free(c->allowed_hosts);
	free(c->signing_key);
	free(c->system_path);
	free(c->database_file);
	free(c->contact);
	free(c->release_age_exclude);
	free(c->public_url);
	free(c->signing_key_file);
	memset(c, 0, sizeof *c);
}

/* $XDG_DATA_HOME/sigma/NAME, or ~/.local/share/sigma/NAME. */
static int data_path(char **out, const char *name)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	if (xdg && *xdg == '/')
		*out = sigma_xasprintf("%s/sigma/%s", xdg, name);
	else if (home && *home)
		*out = sigma_xasprintf("%s/.local/share/sigma/%s", home, name);
	else
		return sigma_error_set(SIGMA_EINVALID, "no place for %s: set HOME or XDG_DATA_HOME", name);
	return 0;
}

int config_server_paths(const sigma_config *c)
{
	if (c && c->paths != CONFIG_PATHS_AUTO)
		return 1;
	struct stat st;
	return stat(SIGMA_STATE_DIR, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Why the server default applies, for an origin text. */
static const char *server_reason(const sigma_config *c)
{
	if (c && c->paths == CONFIG_PATHS_HOOK)
		return "the default for a git hook";
	if (c && c->paths == CONFIG_PATHS_SYSTEM)
		return "the server default (--system)";
	return "the server default (" SIGMA_STATE_DIR " exists)";
}

static void set_origin(char **origin, char *text)
{
	if (origin)
		*origin = text;
	else
		free(text);
}

/* A setting's origin: "KEY in FILE", or "KEY" when the file is unknown. */
static char *setting_origin(const char *key, const char *file)
{
	return file ? sigma_xasprintf("%s in %s", key, file) : sigma_xstrdup(key);
}

int config_db_locate(char **path, char **origin, const char *cli_db, const sigma_config *c)
{
	const char *env = getenv("SIGMA_DB");
	if (origin)
		*origin = NULL;
	if (cli_db && *cli_db) {
		*path = sigma_xstrdup(cli_db);
		set_origin(origin, sigma_xstrdup("--db"));
	} else if (env && *env) {
		*path = sigma_xstrdup(env);
		set_origin(origin, sigma_xstrdup("$SIGMA_DB"));
	} else if (c && c->database && *c->database) {
		*path = sigma_xstrdup(c->database);
		set_origin(origin, setting_origin("sigma.database", c->database_file));
	} else if (config_server_paths(c)) {
		*path = sigma_xstrdup(SIGMA_STATE_DIR "/registry.db");
		set_origin(origin, sigma_xstrdup(server_reason(c)));
	} else {
		int rc = data_path(path, "registry.db");
		if (rc)
			return rc;
		set_origin(origin, sigma_xstrdup("the default for a user ($XDG_DATA_HOME)"));
	}
	return 0;
}

int config_db_path(char **out, const char *cli_db, const sigma_config *c)
{
	return config_db_locate(out, NULL, cli_db, c);
}

int config_signing_key_locate(char **out, char **origin, int *explicit, const sigma_config *c)
{
	*explicit = c && c->signing_key && *c->signing_key;
	if (origin)
		*origin = NULL;
	if (*explicit) {
		*out = sigma_xstrdup(c->signing_key);
		set_origin(origin, setting_origin("sigma.signingKey", c->signing_key_file));
		return 0;
	}
	if (config_server_paths(c)) {
		*out = sigma_xstrdup(SIGMA_SYSCONF_DIR "/signing.key");
		set_origin(origin, sigma_xstrdup(server_reason(c)));
		return 0;
	}
	int rc = data_path(out, "signing.key");
	if (!rc)
		set_origin(origin, sigma_xstrdup("the default for a user ($XDG_DATA_HOME)"));
	return rc;
}

int config_signing_key_path(char **out, int *explicit, const sigma_config *c)
{
	return config_signing_key_locate(out, NULL, explicit, c);
}
