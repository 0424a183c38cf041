/* config.h: sigma's settings, read in git-config syntax with libgit2.
 *
 * Sources, later ones overriding earlier ones (BRIEF §6):
 *   1. the system file: $SIGMA_CONFIG, else /etc/sigma/config;
 *   2. the pushed repository's own config file (its `sigma.*` keys).
 * A value that makes no sense is an error naming the key, never a silent
 * default: a typo in `sigma.onError` must not turn a gate into a sieve. */
#ifndef SIGMA_CONFIG_H
#define SIGMA_CONFIG_H

/* Where a git server keeps sigma's state and settings (the build can move
 * them: make CFLAGS+=-DSIGMA_STATE_DIR=...). */
#ifndef SIGMA_STATE_DIR
#define SIGMA_STATE_DIR "/var/lib/sigma"
#endif
#ifndef SIGMA_SYSCONF_DIR
#define SIGMA_SYSCONF_DIR "/etc/sigma"
#endif

enum { CONFIG_ENFORCE_BLOCK = 0, CONFIG_ENFORCE_TESTING = 1, CONFIG_ENFORCE_OFF = 2 };

/* Which defaults the database and key paths take when no setting names them
 * (see config_db_locate). */
enum {
	CONFIG_PATHS_AUTO = 0,   /* the server's when SIGMA_STATE_DIR exists, else the user's (XDG) */
	CONFIG_PATHS_HOOK = 1,   /* running as a git hook: always the server's */
	CONFIG_PATHS_SYSTEM = 2, /* --system on the command line: always the server's */
};

typedef struct sigma_config {
	char *database;        /* sigma.database, or NULL */
	int policy_all;        /* sigma.policy: "introduced" (0, default) or "all" (1) */
	int timeout_ms;        /* sigma.timeout: the hook's deadline, default 4000 */
	int on_error_accept;   /* sigma.onError: "reject" (0, default) or "accept" (1) */
	int rules_reject;      /* sigma.rules: "warn" (0, default) or "reject" (1) */
	int reject_depth;      /* sigma.rejectDepth: blocked at depth <= this rejects (default 1) */
	int audit_cap;         /* sigma.auditCap: transitive certifications per submission (200) */
	int fail_on_severity;  /* sigma.failOnSeverity: 0 none (default), 1 low .. 4 critical */
	int enforce;           /* sigma.enforce: CONFIG_ENFORCE_BLOCK (default), _TESTING or _OFF */
	long min_release_age;  /* sigma.minimumReleaseAge in seconds, 0 (default): off */
	char *release_age_exclude; /* sigma.minimumReleaseAgeExclude: name patterns, or NULL */
	int unknown_release_age_refuse; /* sigma.unknownReleaseAge: warn (0, default) | refuse (1) */
	int unjudged_refuse;   /* sigma.unjudged: warn (0, default) | refuse (1): lockfiles sigma does not read */
	char *npm_registry;    /* sigma.npmRegistry, or NULL */
	char *pypi_index;      /* sigma.pypiIndex, or NULL */
	char *allowed_hosts;   /* sigma.allowedHosts: hosts certification may download from besides
	                          the registry's own ("host" or "host:port", comma or space separated), or NULL */
	char *signing_key;     /* sigma.signingKey: the Ed25519 private key, or NULL */
	char *system_path;     /* the system file actually read, or NULL */
	int has_forges;        /* some [forge "NAME"] section exists: sigma serve is set up */
	char *database_file;   /* the config file that set sigma.database, or NULL */
	char *signing_key_file;/* the config file that set sigma.signingKey, or NULL */
	int paths;             /* CONFIG_PATHS_*: set by the caller after config_load */
	char *contact;         /* sigma.contact: whom a refused pusher asks for an exception, or NULL */
	char *public_url;      /* serve.publicUrl without a trailing '/': certificate links, or NULL */
} sigma_config;

/* Fill *out with defaults, then read the system file and, when `gitdir` is
 * not NULL, <gitdir>/config. 0, or SIGMA_EINVALID with "file: key: why". */
int config_load(sigma_config *out, const char *gitdir);
void config_dispose(sigma_config *c);

/* The registry database path, first that applies:
 *   1. `cli_db` (--db);
 *   2. $SIGMA_DB;
 *   3. sigma.database (the repository's config over the system file);
 *   4. SIGMA_STATE_DIR/registry.db when c->paths is HOOK or SYSTEM, or
 *      when SIGMA_STATE_DIR exists (a server set up with `--system`);
 *   5. $XDG_DATA_HOME/sigma/registry.db (or ~/.local/share/...): a person's.
 * *path is the caller's; so is *origin when `origin` is not NULL: a short
 * text saying which rule gave the path ("sigma.database in /etc/sigma/config",
 * "the default for a git hook", ...), for messages that must say where a
 * wrong path came from. */
int config_db_locate(char **path, char **origin, const char *cli_db, const sigma_config *c);
/* config_db_locate without the origin. */
int config_db_path(char **out, const char *cli_db, const sigma_config *c);
/* Does the server rule (4) apply to `c`? */
int config_server_paths(const sigma_config *c);

/* The signing key's path: sigma.signingKey, else SIGMA_SYSCONF_DIR/signing.key
 * under the server rule above, else $XDG_DATA_HOME/sigma/signing.key (or
 * ~/.local/share/...). *explicit is set when the setting named it (a missing
 * file is then an error, not "unsigned"). *origin as for config_db_locate. */
int config_signing_key_locate(char **out, char **origin, int *explicit, const sigma_config *c);
int config_signing_key_path(char **out, int *explicit, const sigma_config *c);

#endif
