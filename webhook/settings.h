/* settings.h: the configuration of `sigma serve`.
 *
 * Read in git-config syntax with libgit2, from the file named by
 * `--config FILE`, else $SIGMA_CONFIG, else /etc/sigma/config (the same
 * file the hook reads, so one file configures both):
 *
 *   [forge "NAME"]            one per forge instance; deliveries arrive at
 *       type = github | gitea | gitlab                  POST /webhook/NAME
 *       url = API base URL    https://api.github.com, https://HOST/api/v1
 *                             (Gitea), https://HOST/api/v4 (GitLab)
 *       secret = webhook secret (required: an unsigned delivery is refused)
 *       token = API token, or tokenFile = PATH
 *       context = status context (default sigma/supply-chain)
 *   [repository "KEY"]        optional, per repository; KEY is the forge's
 *       forge = NAME          full name ("owner/repo") or the name the hook
 *       name = owner/repo     records, which for plain git is the git dir
 *       path = /srv/git/r.git a repository on this machine: scanned in
 *                             place, nothing fetched
 *   [serve]
 *       listen = 127.0.0.1:8383
 *       publicUrl = base URL of the certificate links in statuses
 *       mirrors = directory of the local bare mirrors
 *       workers, tlsCert, tlsKey, sync (full | normal), retryBase,
 *       retryMax, maxAttempts, outboxDelay (milliseconds)
 *
 * Secrets (secret, token) are wiped when the settings are disposed. */
#ifndef SIGMA_WEBHOOK_SETTINGS_H
#define SIGMA_WEBHOOK_SETTINGS_H
#include <stddef.h>

typedef enum webhook_forge_type {
	FORGE_GITHUB = 0,
	FORGE_GITEA,
	FORGE_GITLAB,
} webhook_forge_type;

#define WEBHOOK_DEFAULT_CONTEXT "sigma/supply-chain"

typedef struct webhook_forge {
	char *name;
	webhook_forge_type type;
	char *url;        /* API base, without a trailing slash */
	char *secret;     /* webhook secret (or GitLab token) */
	char *token;      /* API token for statuses and fetches, or NULL */
	char *context;
} webhook_forge;

typedef struct webhook_repository {
	char *key;        /* subsection name */
	char *forge;      /* forge NAME, or NULL */
	char *name;       /* the forge's name for it, or NULL (= key) */
	char *path;       /* local repository path, or NULL */
} webhook_repository;

typedef struct webhook_settings {
	webhook_forge *forges;
	size_t nforges;
	webhook_repository *repos;
	size_t nrepos;
	char *listen;          /* "ADDR:PORT" */
	char *public_url;      /* without a trailing slash */
	char *mirrors;
	char *tls_cert, *tls_key;
	char *database;        /* sigma.database, or NULL */
	char *path;            /* the file read, or NULL when none exists */
	int workers;
	int sync_full;         /* SQLite synchronous=FULL (default) or NORMAL */
	int retry_base_ms;     /* first status retry delay (default 1000) */
	int retry_max_ms;      /* backoff cap (default 600000) */
	int max_attempts;      /* status posts before giving up (default 25) */
	int outbox_delay_ms;   /* wait before posting a hook push's status (default 3000) */
} webhook_settings;

/* Load settings from `file` (NULL: $SIGMA_CONFIG, else /etc/sigma/config;
 * a missing default file gives the defaults, a missing named file is an
 * error). 0, or SIGMA_EINVALID naming the file and key. */
int webhook_settings_load(webhook_settings *out, const char *file);
void webhook_settings_dispose(webhook_settings *s);

/* The forge named `name`, or NULL. */
const webhook_forge *webhook_settings_forge(const webhook_settings *s, const char *name);
/* The repository entry whose key, or whose name within `forge` (may be
 * NULL), is `repository`; or NULL. */
const webhook_repository *webhook_settings_repository(const webhook_settings *s, const char *forge,
                                                     const char *repository);
const char *webhook_forge_type_name(webhook_forge_type t);

#endif
