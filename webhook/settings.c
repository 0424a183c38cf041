/* settings.c: see settings.h. libgit2 parses the file, so quoting, includes
 * and subsections behave exactly as in git; this module walks the entries
 * once, groups `forge.NAME.*` and `repository.KEY.*` by subsection, and
 * checks every value. A bad value is an error that names the key: a typo
 * in a secret's key must not leave a forge unauthenticated. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <git2.h>
#include "common/buf.h"
#include "common/error.h"
#include "common/util.h"
#include "webhook/settings.h"

/* The longest secret or token read from a file. */
#define TOKEN_FILE_MAX 8192

static void wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static webhook_forge *forge_slot(webhook_settings *s, const char *name, size_t len)
{
	for (size_t i = 0; i < s->nforges; i++)
		if (strlen(s->forges[i].name) == len && memcmp(s->forges[i].name, name, len) == 0)
			return &s->forges[i];
	s->forges = sigma_xrealloc(s->forges, (s->nforges + 1) * sizeof *s->forges);
	webhook_forge *f = &s->forges[s->nforges++];
	memset(f, 0, sizeof *f);
	f->name = sigma_xstrndup(name, len);
	f->type = (webhook_forge_type)-1;
	return f;
}

static webhook_repository *repo_slot(webhook_settings *s, const char *key, size_t len)
{
	for (size_t i = 0; i < s->nrepos; i++)
		if (strlen(s->repos[i].key) == len && memcmp(s->repos[i].key, key, len) == 0)
			return &s->repos[i];
	s->repos = sigma_xrealloc(s->repos, (s->nrepos + 1) * sizeof *s->repos);
	webhook_repository *r = &s->repos[s->nrepos++];
	memset(r, 0, sizeof *r);
	r->key = sigma_xstrndup(key, len);
	return r;
}

static void set_str(char **slot, const char *value, int secret)
{
	if (secret)
		wipe_free(*slot);
	else
		free(*slot);
	*slot = sigma_xstrdup(value ? value : "");
}

static int set_int(int *out, const char *file, const char *key, const char *v, long lo, long hi)
{
	char *end = NULL;
	errno = 0;
	long n = strtol(v ? v : "", &end, 10);
	if (!v || errno || end == v || *end || n < lo || n > hi)
		return sigma_error_set(SIGMA_EINVALID, "%s: %s: expected a whole number from %ld to %ld, got '%s'",
		                       file, key, lo, hi, v ? v : "");
	*out = (int)n;
	return 0;
}

static void strip_slash(char *s)
{
	size_t n = s ? strlen(s) : 0;
	while (n > 0 && s[n - 1] == '/')
		s[--n] = '\0';
}

typedef struct walk_ctx {
	webhook_settings *s;
	const char *file;
	int rc;
} walk_ctx;

static int forge_entry(walk_ctx *w, const char *name, size_t len, const char *var, const char *value)
{
	webhook_forge *f = forge_slot(w->s, name, len);
	if (!strcmp(var, "type")) {
		if (value && !strcasecmp(value, "github"))
			f->type = FORGE_GITHUB;
		else if (value && !strcasecmp(value, "gitea"))
			f->type = FORGE_GITEA;
		else if (value && !strcasecmp(value, "gitlab"))
			f->type = FORGE_GITLAB;
		else
			return sigma_error_set(SIGMA_EINVALID, "%s: forge.%s.type: expected github, gitea or gitlab, got '%s'",
			                       w->file, f->name, value ? value : "");
	} else if (!strcmp(var, "url")) {
		set_str(&f->url, value, 0);
		strip_slash(f->url);
	} else if (!strcmp(var, "secret")) {
		set_str(&f->secret, value, 1);
	} else if (!strcmp(var, "token")) {
		set_str(&f->token, value, 1);
	} else if (!strcmp(var, "tokenfile")) {
		sigma_buf b;
		sigma_buf_init(&b, TOKEN_FILE_MAX);
		int rc = sigma_buf_read_file(&b, value ? value : "");
		if (rc) {
			if (b.ptr)
				explicit_bzero(b.ptr, b.cap);
			sigma_buf_dispose(&b);
			return sigma_error_wrap(rc, "%s: forge.%s.tokenFile: ", w->file, f->name);
		}
		while (b.len > 0 && (b.ptr[b.len - 1] == '\n' || b.ptr[b.len - 1] == '\r' || b.ptr[b.len - 1] == ' '))
			b.ptr[--b.len] = '\0';
		wipe_free(f->token);
		f->token = sigma_xstrdup(b.ptr ? b.ptr : "");
		if (b.ptr)
			explicit_bzero(b.ptr, b.cap);
		sigma_buf_dispose(&b);
	} else if (!strcmp(var, "context")) {
		set_str(&f->context, value, 0);
	} else if (!strcmp(var, "comment")) {
		/* git's spellings of a boolean; anything else is a mistake worth
		 * stopping for, not a silent "on". */
		static const char *const yes[] = { "true", "yes", "on", "1", NULL }, *const no[] = { "false", "no", "off", "0", NULL };
		int known = 0;
		for (size_t i = 0; value && yes[i]; i++)
			if (!strcasecmp(value, yes[i]))
				f->no_comment = 0, known = 1;
		for (size_t i = 0; value && no[i]; i++)
			if (!strcasecmp(value, no[i]))
				f->no_comment = 1, known = 1;
		if (!value)
			f->no_comment = 0, known = 1; /* a bare "comment" is true, as in git */
		if (!known)
			return sigma_error_set(SIGMA_EINVALID, "%s: forge.%s.comment: expected true or false, got '%s'",
			                       w->file, f->name, value);
	} else if (!strcmp(var, "weburl")) {
		set_str(&f->web_url, value, 0);
		strip_slash(f->web_url);
	}
	/* Unknown keys are left alone, as git does: newer sigma versions may add some. */
	return 0;
}

static int serve_entry(walk_ctx *w, const char *var, const char *value)
{
	webhook_settings *s = w->s;
	if (!strcmp(var, "listen"))
		set_str(&s->listen, value, 0);
	else if (!strcmp(var, "publicurl")) {
		set_str(&s->public_url, value, 0);
		strip_slash(s->public_url);
	} else if (!strcmp(var, "mirrors"))
		set_str(&s->mirrors, value, 0);
	else if (!strcmp(var, "tlscert"))
		set_str(&s->tls_cert, value, 0);
	else if (!strcmp(var, "tlskey"))
		set_str(&s->tls_key, value, 0);
	else if (!strcmp(var, "workers"))
		return set_int(&s->workers, w->file, "serve.workers", value, 0, 256);
	else if (!strcmp(var, "retrybase"))
		return set_int(&s->retry_base_ms, w->file, "serve.retryBase", value, 1, 3600000);
	else if (!strcmp(var, "retrymax"))
		return set_int(&s->retry_max_ms, w->file, "serve.retryMax", value, 1, 86400000);
	else if (!strcmp(var, "maxattempts"))
		return set_int(&s->max_attempts, w->file, "serve.maxAttempts", value, 1, 1000);
	else if (!strcmp(var, "outboxdelay"))
		return set_int(&s->outbox_delay_ms, w->file, "serve.outboxDelay", value, 0, 3600000);
	else if (!strcmp(var, "receivetimeout"))
		return set_int(&s->receive_timeout_ms, w->file, "serve.receiveTimeout", value, 100, 3600000);
	else if (!strcmp(var, "jobtimeout"))
		return set_int(&s->job_timeout_ms, w->file, "serve.jobTimeout", value, 1, 86400000);
	else if (!strcmp(var, "fetchtimeout"))
		return set_int(&s->fetch_timeout_ms, w->file, "serve.fetchTimeout", value, 1, 86400000);
	else if (!strcmp(var, "maxconnections"))
		return set_int(&s->max_connections, w->file, "serve.maxConnections", value, 16, 1000000);
	else if (!strcmp(var, "maxconnectionsperaddress"))
		return set_int(&s->max_per_address, w->file, "serve.maxConnectionsPerAddress", value, 0, 1000000);
	else if (!strcmp(var, "linklifetime"))
		return set_int(&s->link_lifetime_s, w->file, "serve.linkLifetime", value, 60, 10 * 366 * 86400);
	else if (!strcmp(var, "unverifiedbytes"))
		return set_int(&s->unverified_max, w->file, "serve.unverifiedBytes", value, 1 << 20, 1 << 30);
	else if (!strcmp(var, "sync")) {
		if (value && !strcasecmp(value, "full"))
			s->sync_full = 1;
		else if (value && !strcasecmp(value, "normal"))
			s->sync_full = 0;
		else
			return sigma_error_set(SIGMA_EINVALID, "%s: serve.sync: expected 'full' or 'normal', got '%s'",
			                       w->file, value ? value : "");
	}
	return 0;
}

static int walk_entry(const git_config_entry *e, void *payload)
{
	walk_ctx *w = payload;
	const char *name = e->name, *last = strrchr(name, '.');
	int rc = 0;
	if (!last)
		return 0;
	const char *var = last + 1;
	if (sigma_startswith(name, "forge.") && last > name + 6)
		rc = forge_entry(w, name + 6, (size_t)(last - (name + 6)), var, e->value);
	else if (sigma_startswith(name, "repository.") && last > name + 11) {
		webhook_repository *r = repo_slot(w->s, name + 11, (size_t)(last - (name + 11)));
		if (!strcmp(var, "forge"))
			set_str(&r->forge, e->value, 0);
		else if (!strcmp(var, "name"))
			set_str(&r->name, e->value, 0);
		else if (!strcmp(var, "path"))
			set_str(&r->path, e->value, 0);
		else if (!strcmp(var, "url"))
			set_str(&r->url, e->value, 0);
	} else if (sigma_startswith(name, "serve.") && last == name + 5)
		rc = serve_entry(w, var, e->value);
	else if (!strcmp(name, "sigma.database"))
		set_str(&w->s->database, e->value, 0);
	if (rc) {
		w->rc = rc;
		return -1;
	}
	return 0;
}

/* Where a forge's repositories live, from its API base: GitHub.com's API
 * has a host of its own; GitHub Enterprise, Gitea and GitLab hang it under
 * /api/vN of the web host. */
static char *default_web_url(const char *api)
{
	const char *scheme_end = strstr(api, "://");
	if (scheme_end && !strncasecmp(scheme_end + 3, "api.github.com", 14) &&
	    (scheme_end[17] == '\0' || scheme_end[17] == '/' || scheme_end[17] == ':'))
		return sigma_xasprintf("%.*s://github.com%s", (int)(scheme_end - api), api, scheme_end + 17);
	char *web = sigma_xstrdup(api);
	char *api_at = strstr(web, "/api/v");
	if (api_at && api_at[6] >= '0' && api_at[6] <= '9' && strspn(api_at + 6, "0123456789") == strlen(api_at + 6))
		*api_at = '\0';
	return web;
}

int webhook_url_origin(char *out, size_t size, const char *url)
{
	const char *p;
	int port;
	if (url && !strncasecmp(url, "https://", 8)) {
		p = url + 8;
		port = 443;
	} else if (url && !strncasecmp(url, "http://", 7)) {
		p = url + 7;
		port = 80;
	} else {
		return sigma_error_set(SIGMA_EINVALID, "not an http(s) URL");
	}
	size_t alen = strcspn(p, "/?#");
	/* user:password@ is not part of where the request goes. */
	const char *at = memchr(p, '@', alen);
	while (at) {
		alen -= (size_t)(at + 1 - p);
		p = at + 1;
		at = memchr(p, '@', alen);
	}
	size_t hlen = alen;
	if (p[0] == '[') {
		const char *close = memchr(p, ']', alen);
		if (!close)
			return sigma_error_set(SIGMA_EINVALID, "bad IPv6 literal in URL");
		hlen = (size_t)(close + 1 - p);
	} else {
		const char *colon = memchr(p, ':', alen);
		if (colon)
			hlen = (size_t)(colon - p);
	}
	if (hlen == 0)
		return sigma_error_set(SIGMA_EINVALID, "URL without a host");
	if (hlen < alen) {
		if (p[hlen] != ':' || hlen + 1 == alen || strspn(p + hlen + 1, "0123456789") != alen - hlen - 1 ||
		    alen - hlen - 1 > 5)
			return sigma_error_set(SIGMA_EINVALID, "bad port in URL");
		port = atoi(p + hlen + 1);
	}
	int n = snprintf(out, size, "%s://%.*s:%d", !strncasecmp(url, "https://", 8) ? "https" : "http", (int)hlen, p,
	                 port);
	if (n < 0 || (size_t)n >= size)
		return sigma_error_set(SIGMA_ETOOBIG, "URL host too long");
	for (char *c = out; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	return 0;
}

static int check(webhook_settings *s, const char *file)
{
	for (size_t i = 0; i < s->nforges; i++) {
		webhook_forge *f = &s->forges[i];
		if ((int)f->type < 0)
			return sigma_error_set(SIGMA_EINVALID, "%s: forge.%s.type: missing (github, gitea or gitlab)",
			                       file, f->name);
		if (!f->secret || !*f->secret)
			return sigma_error_set(SIGMA_EINVALID,
			                       "%s: forge.%s.secret: missing; an unsigned delivery could queue anything",
			                       file, f->name);
		if (!f->url || !*f->url)
			return sigma_error_set(SIGMA_EINVALID, "%s: forge.%s.url: missing (the forge's API base URL)",
			                       file, f->name);
		if (!f->context || !*f->context)
			set_str(&f->context, WEBHOOK_DEFAULT_CONTEXT, 0);
		if (strchr(f->name, '/'))
			return sigma_error_set(SIGMA_EINVALID, "%s: forge \"%s\": a forge name cannot contain '/'",
			                       file, f->name);
		int derived = !f->web_url;
		if (derived)
			f->web_url = default_web_url(f->url);
		char origin[512];
		if (webhook_url_origin(origin, sizeof origin, f->web_url) != 0)
			return sigma_error_set(SIGMA_EINVALID, "%s: forge.%s.webUrl: '%s'%s is not an http(s) URL", file,
			                       f->name, f->web_url, derived ? " (from url)" : "");
		f->origin = sigma_xstrdup(origin);
	}
	for (size_t i = 0; i < s->nrepos; i++)
		if (s->repos[i].forge && !webhook_settings_forge(s, s->repos[i].forge))
			return sigma_error_set(SIGMA_EINVALID, "%s: repository.%s.forge: no forge named '%s'", file,
			                       s->repos[i].key, s->repos[i].forge);
	if ((s->tls_cert != NULL) != (s->tls_key != NULL))
		return sigma_error_set(SIGMA_EINVALID, "%s: serve.tlsCert and serve.tlsKey go together", file);
	return 0;
}

int webhook_settings_load(webhook_settings *out, const char *file)
{
	git_config *cfg = NULL;
	int rc = 0;
	memset(out, 0, sizeof *out);
	out->workers = 2;
	out->sync_full = 1;
	out->retry_base_ms = 1000;
	out->retry_max_ms = 600000;
	out->max_attempts = 25;
	out->outbox_delay_ms = 3000;
	out->receive_timeout_ms = 10000;
	out->fetch_timeout_ms = 300000;
	out->max_connections = 4096;
	out->max_per_address = 64;
	out->unverified_max = 64 << 20;
	out->link_lifetime_s = 90 * 86400;

	int named = file != NULL;
	if (!file) {
		file = getenv("SIGMA_CONFIG");
		if (!file || !*file)
			file = "/etc/sigma/config";
	}
	struct stat st;
	if (stat(file, &st) < 0) {
		if (named)
			return sigma_error_set(SIGMA_EINVALID, "%s: %s", file, strerror(errno));
		goto defaults;
	}
	out->path = sigma_xstrdup(file);
	if (git_config_new(&cfg) < 0 || git_config_add_file_ondisk(cfg, file, GIT_CONFIG_LEVEL_SYSTEM, NULL, 0) < 0) {
		const git_error *e = git_error_last();
		rc = sigma_error_set(SIGMA_EINVALID, "%s: %s", file, e && e->message ? e->message : "unreadable");
		goto out;
	}
	walk_ctx w = { out, file, 0 };
	if (git_config_foreach(cfg, walk_entry, &w) < 0) {
		rc = w.rc ? w.rc : sigma_error_set(SIGMA_EINVALID, "%s: unreadable", file);
		goto out;
	}
	if ((rc = check(out, file)))
		goto out;
defaults:
	if (!out->listen)
		out->listen = sigma_xstrdup("127.0.0.1:8383");
	if (!out->mirrors) {
		const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
		if (xdg && *xdg == '/')
			out->mirrors = sigma_xasprintf("%s/sigma/mirrors", xdg);
		else if (home && *home)
			out->mirrors = sigma_xasprintf("%s/.local/share/sigma/mirrors", home);
		else
			out->mirrors = sigma_xstrdup("/var/lib/sigma/mirrors");
	}
out:
	git_config_free(cfg);
	if (rc)
		webhook_settings_dispose(out);
	return rc;
}

void webhook_settings_dispose(webhook_settings *s)
{
	for (size_t i = 0; i < s->nforges; i++) {
		webhook_forge *f = &s->forges[i];
		free(f->name);
		free(f->url);
		wipe_free(f->secret);
		wipe_free(f->token);
		free(f->context);
		free(f->web_url);
		free(f->origin);
	}
	for (size_t i = 0; i < s->nrepos; i++) {
		free(s->repos[i].key);
		free(s->repos[i].forge);
		free(s->repos[i].name);
		free(s->repos[i].path);
		free(s->repos[i].url);
	}
	free(s->forges);
	free(s->repos);
	free(s->listen);
	free(s->public_url);
	free(s->mirrors);
	free(s->tls_cert);
	free(s->tls_key);
	free(s->database);
	free(s->path);
	memset(s, 0, sizeof *s);
}

const webhook_forge *webhook_settings_forge(const webhook_settings *s, const char *name)
{
	for (size_t i = 0; name && i < s->nforges; i++)
		if (!strcmp(s->forges[i].name, name))
			return &s->forges[i];
	return NULL;
}

static int names(const webhook_repository *r, const char *repository)
{
	return !strcmp(r->key, repository) || (r->name && !strcmp(r->name, repository));
}

const webhook_repository *webhook_settings_repository(const webhook_settings *s, const char *forge,
                                                     const char *repository)
{
	if (!repository)
		return NULL;
	if (!forge) {
		for (size_t i = 0; i < s->nrepos; i++)
			if (!strcmp(s->repos[i].key, repository))
				return &s->repos[i];
		for (size_t i = 0; i < s->nrepos; i++)
			if (s->repos[i].name && !strcmp(s->repos[i].name, repository))
				return &s->repos[i];
		return NULL;
	}
	const webhook_repository *loose = NULL;
	for (size_t i = 0; i < s->nrepos; i++) {
		const webhook_repository *r = &s->repos[i];
		if (!names(r, repository))
			continue;
		if (r->forge && !strcmp(r->forge, forge))
			return r;
		if (!r->forge && !loose)
			loose = r;
	}
	return s->nforges == 1 ? loose : NULL;
}

const char *webhook_forge_type_name(webhook_forge_type t)
{
	switch (t) {
	case FORGE_GITHUB: return "github";
	case FORGE_GITEA: return "gitea";
	case FORGE_GITLAB: return "gitlab";
	}
	return "?";
}
