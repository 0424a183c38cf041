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
 *       comment = true | false  keep one comment per pull request up
 *                             to date (default true)
 *       webUrl = where its repositories are cloned from (default: url
 *                without /api/vN; api.github.com -> github.com). The
 *                token is offered to this origin only.
 *   [repository "KEY"]        optional, per repository; KEY is the forge's
 *       forge = NAME          full name ("owner/repo") or the name the hook
 *       name = owner/repo     records, which for plain git is the git dir
 *       path = /srv/git/r.git a repository on this machine: scanned in
 *                             place, nothing fetched
 *       url = URL or path     fetch from here instead of the payload's
 *                             clone URL (the only way to a file:// URL, a
 *                             local path or another host)
 *   [serve]
 *       listen = 127.0.0.1:8383
 *       publicUrl = base URL of the certificate links in statuses
 *       mirrors = directory of the local bare mirrors
 *       workers, tlsCert, tlsKey, sync (full | normal), retryBase,
 *       retryMax, maxAttempts, outboxDelay (milliseconds),
 *       receiveTimeout, jobTimeout, fetchTimeout (milliseconds), maxConnections,
 *       maxConnectionsPerAddress, unverifiedBytes,
 *       linkLifetime (seconds a signed link to a private repository's
 *       certificate page stays valid; default 90 days)
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
	char *web_url;    /* where clone URLs point, without a trailing slash */
	char *origin;     /* web_url's "scheme://host:port", lowercase: the one
	                   * place the token may go when fetching */
	int no_comment;   /* `comment = false`: no pull request comment */
} webhook_forge;

typedef struct webhook_repository {
	char *key;        /* subsection name */
	char *forge;      /* forge NAME, or NULL */
	char *name;       /* the forge's name for it, or NULL (= key) */
	char *path;       /* local repository path, or NULL */
	char *url;        /* fetch URL replacing the payload's, or NULL */
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
	int receive_timeout_ms;   /* a request's headers and body, absolute (default 10000) */
	int job_timeout_ms;       /* judging deadline; 0: sigma.timeout (default 4000) */
	int fetch_timeout_ms;     /* fetch deadline (default 300000) */
	int max_connections;      /* default 4096, capped by RLIMIT_NOFILE */
	int max_per_address;      /* connections from one address (default 64; 0 = no limit) */
	int unverified_max;       /* bytes held in bodies not yet verified (default 64 MiB) */
	int link_lifetime_s;      /* how long a signed link to a private page opens it (default 90 days) */
} webhook_settings;

/* Load settings from `file` (NULL: $SIGMA_CONFIG, else /etc/sigma/config;
 * a missing default file gives the defaults, a missing named file is an
 * error). 0, or SIGMA_EINVALID naming the file and key. */
int webhook_settings_load(webhook_settings *out, const char *file);
void webhook_settings_dispose(webhook_settings *s);

/* The forge named `name`, or NULL. */
const webhook_forge *webhook_settings_forge(const webhook_settings *s, const char *name);
/* The [repository] section for `repository` as delivered by forge
 * `forge`; or NULL. A section matches when its key or its `name` is
 * `repository`, and:
 *   - it names `forge` (`forge = NAME`), or
 *   - it names no forge and only one forge is configured: with two, a
 *     section without a forge would let one forge's payload pick up what
 *     was meant for another forge's repository of the same name.
 * Sections naming the forge are preferred. With forge NULL (an outbox row
 * from the hook, where the section is how the forge is found) the key
 * decides, then the name, whatever forge the section names. */
const webhook_repository *webhook_settings_repository(const webhook_settings *s, const char *forge,
                                                     const char *repository);
const char *webhook_forge_type_name(webhook_forge_type t);

/* "scheme://host:port" of an http(s) URL into out (lowercase scheme and
 * host, the default port spelt out, user info dropped), so two spellings
 * of one server compare equal. SIGMA_EINVALID for anything else (file://,
 * ssh, a local path) or when it does not fit. */
int webhook_url_origin(char *out, size_t size, const char *url);

#endif
