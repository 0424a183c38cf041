/* config.h: sigma's settings, read in git-config syntax with libgit2.
 *
 * Sources, later ones overriding earlier ones (BRIEF §6):
 *   1. the system file: $SIGMA_CONFIG, else /etc/sigma/config;
 *   2. the pushed repository's own config file (its `sigma.*` keys).
 * A value that makes no sense is an error naming the key, never a silent
 * default: a typo in `sigma.onError` must not turn a gate into a sieve. */
#ifndef SIGMA_CONFIG_H
#define SIGMA_CONFIG_H

typedef struct sigma_config {
	char *database;        /* sigma.database, or NULL */
	int policy_all;        /* sigma.policy: "introduced" (0, default) or "all" (1) */
	int timeout_ms;        /* sigma.timeout: the hook's deadline, default 4000 */
	int on_error_accept;   /* sigma.onError: "reject" (0, default) or "accept" (1) */
	int rules_reject;      /* sigma.rules: "warn" (0, default) or "reject" (1) */
	int reject_depth;      /* sigma.rejectDepth: blocked at depth <= this rejects (default 1) */
	int audit_cap;         /* sigma.auditCap: transitive certifications per submission (200) */
	char *npm_registry;    /* sigma.npmRegistry, or NULL */
	char *pypi_index;      /* sigma.pypiIndex, or NULL */
	char *allowed_hosts;   /* sigma.allowedHosts: hosts certification may download from besides
	                          the registry's own ("host" or "host:port", comma or space separated), or NULL */
	char *signing_key;     /* sigma.signingKey: the Ed25519 private key, or NULL */
	char *system_path;     /* the system file actually read, or NULL */
	int has_forges;        /* some [forge "NAME"] section exists: sigma serve is set up */
} sigma_config;

/* Fill *out with defaults, then read the system file and, when `gitdir` is
 * not NULL, <gitdir>/config. 0, or SIGMA_EINVALID with "file: key: why". */
int config_load(sigma_config *out, const char *gitdir);
void config_dispose(sigma_config *c);

/* The registry database path by BRIEF §6: `cli_db` (--db), then $SIGMA_DB,
 * then sigma.database, then $XDG_DATA_HOME/sigma/registry.db (or
 * ~/.local/share/...). *out is the caller's. */
int config_db_path(char **out, const char *cli_db, const sigma_config *c);

/* The signing key's path: sigma.signingKey, else
 * $XDG_DATA_HOME/sigma/signing.key (or ~/.local/share/...). *explicit is set
 * when the setting named it (a missing file is then an error, not "unsigned"). */
int config_signing_key_path(char **out, int *explicit, const sigma_config *c);

#endif
