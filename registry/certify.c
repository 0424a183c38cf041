/* certify.c: see certify.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "common/buf.h"
#include "common/error.h"
#include "common/json.h"
#include "common/util.h"
#include "common/seal.h"
#include "common/sign.h"
#include "registry/certify.h"
#include "registry/execute.h"
#include "registry/consensus.h"
#include "registry/integrity.h"
#include "registry/osv.h"
#include "registry/review.h"
#include "registry/source.h"
#include "registry/version.h"

#define METADATA_MAX ((size_t)32 << 20)

struct certifier {
	registry *reg;
	const sigma_config *cfg;
	char *project_dir;
	fetch_client *http;
	unpack_limits limits;
	char *base[2];          /* resolved npm (unscoped) and PyPI bases, lazily */
	char **extra_hosts;     /* sigma.allowedHosts, split */
	size_t nextra_hosts;
	sigma_key *key;         /* signs package certificates, or NULL */
	int key_loaded, key_rc;
};

int certifier_new(certifier **out, registry *reg, const sigma_config *cfg, const char *project_dir)
{
	fetch_options o;
	int rc = fetch_options_init(&o);
	if (rc)
		return rc;
	certifier *c = sigma_xcalloc(1, sizeof *c);
	if ((rc = fetch_client_new(&c->http, &o))) {
		free(c);
		return rc;
	}
	c->reg = reg;
	c->cfg = cfg;
	c->project_dir = project_dir ? sigma_xstrdup(project_dir) : NULL;
	c->limits = (unpack_limits)UNPACK_LIMITS_DEFAULT;
	for (const char *p = cfg && cfg->allowed_hosts ? cfg->allowed_hosts : ""; *p;) {
		size_t n = strcspn(p, ", \t");
		if (n) {
			c->extra_hosts = sigma_xrealloc(c->extra_hosts, (c->nextra_hosts + 1) * sizeof *c->extra_hosts);
			c->extra_hosts[c->nextra_hosts++] = sigma_xstrndup(p, n);
		}
		p += n + (p[n] != '\0');
	}
	*out = c;
	return 0;
}

void certifier_free(certifier *c)
{
	if (!c)
		return;
	fetch_client_free(c->http);
	sign_key_free(c->key);
	free(c->project_dir);
	free(c->base[0]);
	free(c->base[1]);
	for (size_t i = 0; i < c->nextra_hosts; i++)
		free(c->extra_hosts[i]);
	free(c->extra_hosts);
	free(c);
}

void certifier_set_limits(certifier *c, const unpack_limits *lim) { c->limits = *lim; }
unsigned certifier_requests(const certifier *c) { return fetch_requests(c->http); }

void certify_outcome_dispose(certify_outcome *o)
{
	free(o->name);
	free(o->reason);
	free(o->certificate_id);
	free(o->distribution_sha256);
	memset(o, 0, sizeof *o);
}

/* ---------------------------------------------------------------- registry documents */

/* The registry base for a package: 0 (borrowed from the certifier), 1
 * (allocated for a scoped npm name: the caller frees it) or negative. */
static int base_url(const char **out, certifier *c, const char *eco, const char *name)
{
	int pypi = !strcmp(eco, "pypi");
	int scoped = !pypi && name[0] == '@';
	if (scoped) {
		/* A scope may have its own registry: resolve per call, keep none. */
		char *u = NULL;
		int rc = source_registry_url(&u, NULL, eco, name, c->cfg, c->project_dir);
		if (rc)
			return rc;
		*out = u; /* the caller frees it: 1 says so */
		return 1;
	}
	if (!c->base[pypi]) {
		int rc = source_registry_url(&c->base[pypi], NULL, eco, NULL, c->cfg, c->project_dir);
		if (rc)
			return rc;
	}
	*out = c->base[pypi];
	return 0;
}

/* Percent-encode what may not appear raw in one URL path segment. */
static void put_segment(sigma_buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_' || *p == '.' || *p == '~' || *p == '@')
			sigma_buf_putc(b, (char)*p);
		else
			sigma_buf_printf(b, "%%%02x", *p);
	}
}

/* What the registry says about the artefact to certify. */
typedef struct artefact {
	char *url;
	char *filename;
	char *integrity;       /* stored on the certificate (see below) */
	char *sri;             /* npm dist.integrity, to verify */
	char *sha1_hex;        /* npm dist.shasum */
	char *sha256_hex;      /* PyPI digests.sha256 of the chosen file */
	char *registry_host;   /* "host:port" of the registry the document came from */
	int wheel;
	cJSON *doc;            /* the whole document */
	const cJSON *metadata; /* npm: doc; PyPI: doc.info */
} artefact;

static void artefact_dispose(artefact *a)
{
	free(a->url);
	free(a->filename);
	free(a->integrity);
	free(a->sri);
	free(a->sha1_hex);
	free(a->sha256_hex);
	free(a->registry_host);
	cJSON_Delete(a->doc);
	memset(a, 0, sizeof *a);
}

static int npm_artefact(artefact *a, const char *what)
{
	const cJSON *dist = cJSON_GetObjectItemCaseSensitive(a->doc, "dist");
	const char *tarball = json_str(dist, "tarball"), *sri = json_str(dist, "integrity");
	const char *shasum = json_str(dist, "shasum");
	if (!tarball)
		return sigma_error_set(SIGMA_EINVALID, "%s: the registry document has no dist.tarball", what);
	if (!sri && !shasum)
		return sigma_error_set(SIGMA_EINVALID,
		                       "%s: the registry publishes no integrity for it (no dist.integrity, no dist.shasum); "
		                       "refusing to certify what cannot be verified", what);
	a->url = sigma_xstrdup(tarball);
	const char *slash = strrchr(tarball, '/');
	a->filename = sigma_xstrdup(slash ? slash + 1 : tarball);
	a->sri = sri ? sigma_xstrdup(sri) : NULL;
	a->sha1_hex = shasum ? sigma_xstrdup(shasum) : NULL;
	/* The certificate keeps the registry's SRI string; shasum is added as
	 * an SRI sha1 token when absent, so that lockfiles that only carry sha1
	 * (package-lock v1) can still be compared with it. */
	sigma_buf b = SIGMA_BUF_INIT;
	sigma_buf_puts(&b, sri ? sri : "");
	if (shasum && (!sri || !strstr(sri, "sha1-"))) {
		char *tok = integrity_sri_token(NULL, "sha1", shasum);
		if (tok)
			sigma_buf_printf(&b, "%s%s", b.len ? " " : "", tok);
		free(tok);
	}
	a->integrity = sigma_buf_steal(&b);
	a->metadata = a->doc;
	return 0;
}

static int pypi_artefact(artefact *a, const char *what, const char *lock_integrity)
{
	const cJSON *urls = cJSON_GetObjectItemCaseSensitive(a->doc, "urls"), *u, *chosen = NULL;
	int best = -1;
	sigma_buf all = SIGMA_BUF_INIT;
	sigma_buf_puts(&all, "");
	cJSON_ArrayForEach(u, urls) {
		const char *sha = json_str(cJSON_GetObjectItemCaseSensitive(u, "digests"), "sha256");
		const char *fn = json_str(u, "filename"), *type = json_str(u, "packagetype");
		if (!sha || !fn || !json_str(u, "url"))
			continue;
		sigma_buf_printf(&all, "%ssha256:%s", all.len ? " " : "", sha);
		/* Which file: the one the lockfile pinned; else the sdist (source
		 * to review); else a pure-Python wheel; else any wheel. */
		char *tok = sigma_xasprintf("sha256:%s", sha);
		int score = lock_integrity && integrity_compare(lock_integrity, tok) == 1 ? 4
		          : sigma_streq(type, "sdist") ? 3
		          : sigma_endswith(fn, "-none-any.whl") ? 2 : 1;
		free(tok);
		if (score > best) {
			best = score;
			chosen = u;
		}
	}
	if (!chosen) {
		sigma_buf_dispose(&all);
		return sigma_error_set(SIGMA_EINVALID, "%s: the index lists no file with a sha256 digest", what);
	}
	a->url = sigma_xstrdup(json_str(chosen, "url"));
	a->filename = sigma_xstrdup(json_str(chosen, "filename"));
	a->sha256_hex = sigma_xstrdup(json_str(cJSON_GetObjectItemCaseSensitive(chosen, "digests"), "sha256"));
	a->wheel = sigma_endswith(a->filename, ".whl");
	/* Every file of the release, in lockfile form ("sha256:hex"): a
	 * lockfile pinning any file the index publishes for this version
	 * agrees with the certificate; one pinning a file the index does not
	 * publish does not (hook/policy.c treats that as blocked). The file
	 * actually reviewed is `distribution_sha256`. */
	a->integrity = sigma_buf_steal(&all);
	a->metadata = cJSON_GetObjectItemCaseSensitive(a->doc, "info");
	return 0;
}

/* Where this package's requests may go: its registry's host, then
 * sigma.allowedHosts. The registry document names the tarball's URL; one
 * that names another host (or a registry that redirects to one) would
 * have sigma download, and vouch for, bytes from anywhere. The caller
 * frees the array (not the strings). */
static fetch_allow allowed_hosts(const certifier *c, const char *registry_host)
{
	const char **hosts = sigma_xcalloc(c->nextra_hosts + 1, sizeof *hosts);
	hosts[0] = registry_host;
	for (size_t i = 0; i < c->nextra_hosts; i++)
		hosts[i + 1] = c->extra_hosts[i];
	return (fetch_allow){ hosts, c->nextra_hosts + 1, "sigma.allowedHosts" };
}

static int fetch_artefact(artefact *a, certifier *c, const certify_request *req, const char *name)
{
	const char *base = NULL;
	int owned = base_url(&base, c, req->ecosystem, name);
	if (owned < 0)
		return owned;
	int hrc = fetch_url_host(&a->registry_host, base);
	if (hrc) {
		if (owned)
			free((char *)base);
		return sigma_error_wrap(hrc, "the %s registry URL: ", req->ecosystem);
	}
	sigma_buf url = SIGMA_BUF_INIT;
	sigma_buf_puts(&url, base);
	sigma_buf_putc(&url, '/');
	int pypi = !strcmp(req->ecosystem, "pypi");
	if (pypi)
		sigma_buf_puts(&url, "pypi/");
	put_segment(&url, name);
	sigma_buf_putc(&url, '/');
	put_segment(&url, req->version);
	if (pypi)
		sigma_buf_puts(&url, "/json");
	if (owned)
		free((char *)base);
	sigma_buf body;
	sigma_buf_init(&body, METADATA_MAX);
	char *what = sigma_xasprintf("%s %s %s", req->ecosystem, name, req->version);
	fetch_allow allow = allowed_hosts(c, a->registry_host);
	int rc = fetch_get_allowed(c->http, url.ptr, METADATA_MAX, &body, &allow);
	free((void *)allow.hosts);
	if (rc == SIGMA_ENOTFOUND)
		rc = sigma_error_wrap(rc, "%s is not in the registry: ", what);
	else if (rc)
		rc = sigma_error_wrap(rc, "%s: cannot fetch its registry document: ", what);
	if (!rc) {
		a->doc = cJSON_ParseWithLength(body.ptr, body.len);
		if (!cJSON_IsObject(a->doc))
			rc = sigma_error_set(SIGMA_EINVALID, "%s: %s did not return a JSON object", what, url.ptr);
	}
	if (!rc)
		rc = pypi ? pypi_artefact(a, what, req->lock_integrity) : npm_artefact(a, what);
	free(what);
	sigma_buf_dispose(&url);
	sigma_buf_dispose(&body);
	return rc;
}

/* ---------------------------------------------------------------- releases */

typedef struct release_batch {
	const char *name, *version, *publisher;
	const cJSON *times;
} release_batch;

static int put_release_times(registry *r, void *ctx)
{
	const release_batch *b = ctx;
	const cJSON *t;
	cJSON_ArrayForEach(t, b->times) {
		/* "created" and "modified" are the package's, not a version's. */
		if (!cJSON_IsString(t) || !t->string || !strcmp(t->string, "created") || !strcmp(t->string, "modified"))
			continue;
		int self = !strcmp(t->string, b->version);
		int rc = registry_release_put(r, "npm", b->name, t->string, t->valuestring, self ? b->publisher : NULL);
		if (rc)
			return rc;
	}
	return 0;
}

/* When each version was published, as the registry says, for the hook's
 * release-age gate (sigma.minimumReleaseAge). npm: the packument's `time`
 * map (every version at once; the version document has none) and the
 * version document's `_npmUser`; PyPI: the earliest upload_time of the
 * release's files. Best effort: a registry that does not say leaves the
 * age unknown, which the hook judges by sigma.unknownReleaseAge. */
static cJSON *record_releases(certifier *c, const certify_request *req, const char *name, const artefact *a)
{
	if (!strcmp(req->ecosystem, "pypi")) {
		const cJSON *u;
		const char *first = NULL;
		cJSON_ArrayForEach(u, cJSON_GetObjectItemCaseSensitive(a->doc, "urls")) {
			const char *t = json_str(u, "upload_time_iso_8601");
			if (t && (!first || strcmp(t, first) < 0))
				first = t;
		}
		if (first && registry_release_put(c->reg, "pypi", name, req->version, first, NULL))
			sigma_error_clear();
		return NULL;
	}
	const char *publisher = json_str(cJSON_GetObjectItemCaseSensitive(a->doc, "_npmUser"), "name");
	const char *base = NULL;
	int owned = base_url(&base, c, req->ecosystem, name);
	if (owned < 0) {
		sigma_error_clear();
		return NULL;
	}
	sigma_buf url = SIGMA_BUF_INIT, body;
	sigma_buf_puts(&url, base);
	sigma_buf_putc(&url, '/');
	put_segment(&url, name);
	if (owned)
		free((char *)base);
	sigma_buf_init(&body, METADATA_MAX);
	fetch_allow allow = allowed_hosts(c, a->registry_host);
	cJSON *doc = NULL;
	if (fetch_get_allowed(c->http, url.ptr, METADATA_MAX, &body, &allow) == 0)
		doc = cJSON_ParseWithLength(body.ptr, body.len);
	else
		sigma_error_clear();
	free((void *)allow.hosts);
	/* One transaction: a packument can list thousands of versions. */
	release_batch batch = { name, req->version, publisher, cJSON_GetObjectItemCaseSensitive(doc, "time") };
	if (batch.times && registry_transaction(c->reg, put_release_times, &batch))
		sigma_error_clear();
	sigma_buf_dispose(&url);
	sigma_buf_dispose(&body);
	return doc;
}

/* ---------------------------------------------------------------- changes */

static const char *const install_hooks[] = { "preinstall", "install", "postinstall" };

/* The install scripts of a version document as "hook: command" lines, or
 * "" when it has none. The caller owns it. */
static char *install_scripts_of(const cJSON *doc)
{
	sigma_buf b = SIGMA_BUF_INIT;
	sigma_buf_puts(&b, "");
	const cJSON *scripts = cJSON_GetObjectItemCaseSensitive(doc, "scripts");
	for (size_t i = 0; i < sizeof install_hooks / sizeof *install_hooks; i++) {
		const char *cmd = json_str(scripts, install_hooks[i]);
		if (cmd)
			sigma_buf_printf(&b, "%s%s: %s", b.len ? "; " : "", install_hooks[i], cmd);
	}
	return sigma_buf_steal(&b);
}

static long major_of(const char *version)
{
	return strtol(version, NULL, 10);
}

/* What changed since the nearest lower version the packument lists (npm):
 * install scripts added (HIGH) or changed (MEDIUM), a publisher not seen
 * on the last five versions (MEDIUM), provenance (dist.attestations) that
 * earlier versions of the same major line had and this one lacks (HIGH);
 * a new publisher who also adds install scripts is how account takeovers
 * have shipped malware (ua-parser-js, coa, rc, eslint-scope): CRITICAL.
 * The version compared with goes to *compared (the caller's), or NULL. */
static void version_changes(review_findings *f, const cJSON *packument, const char *version, const cJSON *doc,
                            char **compared)
{
	*compared = NULL;
	const cJSON *versions = cJSON_GetObjectItemCaseSensitive(packument, "versions"), *v;
	const cJSON *prev = NULL;
	const char *prev_version = NULL;
	/* The five nearest lower versions: their publishers, and provenance. */
	const cJSON *lower[5] = { 0 };
	size_t nlower = 0;
	cJSON_ArrayForEach(v, versions) {
		if (!v->string || version_cmp("npm", v->string, version) >= 0 || strchr(v->string, '-'))
			continue;
		if (!prev || version_cmp("npm", v->string, prev_version) > 0) {
			prev = v;
			prev_version = v->string;
		}
		/* Keep the five highest lower versions. */
		size_t slot = nlower < 5 ? nlower++ : 5;
		if (slot == 5) {
			size_t lowest = 0;
			for (size_t k = 1; k < 5; k++)
				if (version_cmp("npm", lower[k]->string, lower[lowest]->string) < 0)
					lowest = k;
			if (version_cmp("npm", v->string, lower[lowest]->string) <= 0)
				continue;
			slot = lowest;
		}
		lower[slot] = v;
	}
	if (!prev)
		return;
	*compared = sigma_xstrdup(prev_version);
	char *now = install_scripts_of(doc), *before = install_scripts_of(prev);
	int added = *now && !*before, changed = *now && *before && strcmp(now, before);
	if (added)
		review_findings_add(f, "changes", "install-scripts-added", SEV_HIGH, "package.json", 0,
		                    "install scripts added since %s: %s", prev_version, now);
	else if (changed)
		review_findings_add(f, "changes", "install-scripts-changed", SEV_MEDIUM, "package.json", 0,
		                    "install scripts changed since %s: was \"%s\", now \"%s\"", prev_version, before, now);
	const char *publisher = json_str(cJSON_GetObjectItemCaseSensitive(doc, "_npmUser"), "name");
	int seen = 0, known = 0;
	for (size_t k = 0; k < nlower; k++) {
		const char *p = json_str(cJSON_GetObjectItemCaseSensitive(lower[k], "_npmUser"), "name");
		known |= p != NULL;
		seen |= p && publisher && !strcmp(p, publisher);
	}
	int new_publisher = publisher && known && !seen;
	if (new_publisher)
		review_findings_add(f, "changes", "new-publisher", SEV_MEDIUM, "package.json", 0,
		                    "published by %s, who published none of the %zu versions before it", publisher, nlower);
	if (new_publisher && added)
		review_findings_add(f, "changes", "publisher-and-scripts", SEV_CRITICAL, "package.json", 0,
		                    "a new publisher (%s) added install scripts: how account takeovers ship malware",
		                    publisher);
	int had = 0;
	for (size_t k = 0; k < nlower; k++)
		if (major_of(lower[k]->string) == major_of(version) &&
		    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(lower[k], "dist"), "attestations"))
			had = 1;
	if (had && !cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "dist"), "attestations"))
		review_findings_add(f, "changes", "provenance-dropped", SEV_HIGH, "package.json", 0,
		                    "earlier %ld.x versions carry provenance attestations; this one has none",
		                    major_of(version));
	free(now);
	free(before);
}

/* ---------------------------------------------------------------- reuse */

typedef struct prior {
	cJSON *match;          /* a certificate of the same artefact */
	cJSON *other;          /* a certificate of a different artefact (red flag) */
	const artefact *a;     /* NULL: match on lock integrity */
	const char *lock_integrity;
	int pypi;
} prior;

static int is_evidence(const cJSON *cert)
{
	const cJSON *r0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cert, "reasons"), 0);
	return sigma_streq(json_str(r0, "code"), "integrity-mismatch");
}

static int visit_prior(void *ctx, const char *json)
{
	prior *p = ctx;
	cJSON *cert = cJSON_Parse(json);
	if (!cert || is_evidence(cert) || !json_str(cert, "distribution_sha256")) {
		cJSON_Delete(cert);
		return 0;
	}
	int same = 0, differs = 0;
	if (!p->a) {
		same = integrity_compare(p->lock_integrity, json_str(cert, "integrity")) == 1 ||
		       integrity_compare(p->lock_integrity, json_str(cert, "distribution_sha256")) == 1;
	} else if (p->pypi) {
		const char *fn = json_str(cJSON_GetObjectItemCaseSensitive(cert, "source"), "filename");
		same = sigma_streq(json_str(cert, "distribution_sha256"), p->a->sha256_hex);
		differs = !same && sigma_streq(fn, p->a->filename);
	} else {
		int cmp = integrity_compare(p->a->integrity, json_str(cert, "integrity"));
		same = cmp == 1;
		differs = cmp == -1;
	}
	if (same && !p->match) {
		p->match = cert;
	} else if (differs && !p->other) {
		p->other = cert;
	} else {
		cJSON_Delete(cert);
	}
	return 0;
}

/* May a prior certificate be reused? Not one that the malware reviewer
 * decided by an OSV record the registry no longer holds (withdrawn, see
 * osv.h): reusing it would keep blocking on a record that blocks nothing,
 * so the package is reviewed again instead. 1 (reuse), 0, or negative. */
static int still_valid(certifier *c, const cJSON *cert, const char *eco, const char *name, const char *version)
{
	const cJSON *r;
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(cert, "reasons")) {
		const char *code = json_str(r, "code");
		if (!code || strncmp(code, "malware:", 8))
			continue;
		osv_match m;
		int rc = osv_match_version(&m, c->reg, eco, name, version);
		int valid = !rc && sigma_streq(m.malware_id, code + 8);
		osv_match_dispose(&m);
		return rc ? rc : valid;
	}
	return 1;
}

/* Drop pr->match when it may not be reused. 0 or negative. */
static int check_match(prior *pr, certifier *c, const char *eco, const char *name, const char *version)
{
	int valid = pr->match ? still_valid(c, pr->match, eco, name, version) : 1;
	if (valid < 0)
		return valid;
	if (!valid) {
		cJSON_Delete(pr->match);
		pr->match = NULL;
	}
	return 0;
}

static void outcome_from(certify_outcome *o, const cJSON *cert)
{
	snprintf(o->status, sizeof o->status, "%s", json_str(cert, "status") ? json_str(cert, "status") : "");
	snprintf(o->verdict, sizeof o->verdict, "%s", json_str(cert, "verdict") ? json_str(cert, "verdict") : "");
	snprintf(o->security_level, sizeof o->security_level, "%s",
	         json_str(cert, "security_level") ? json_str(cert, "security_level") : "");
	snprintf(o->analysis_type, sizeof o->analysis_type, "%s",
	         json_str(cert, "analysis_type") ? json_str(cert, "analysis_type") : "");
	const char *id = json_str(cert, "certificate_id"), *sha = json_str(cert, "distribution_sha256");
	free(o->certificate_id);
	free(o->distribution_sha256);
	free(o->reason);
	o->certificate_id = id ? sigma_xstrdup(id) : NULL;
	o->distribution_sha256 = sha ? sigma_xstrdup(sha) : NULL;
	o->reason = NULL;
	const cJSON *r0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cert, "reasons"), 0);
	if (json_str(r0, "message"))
		o->reason = sigma_xasprintf("%s: %s", json_str(r0, "code") ? json_str(r0, "code") : "?",
		                            json_str(r0, "message"));
}

/* ---------------------------------------------------------------- the certificate */

static void add_reason(cJSON *reasons, const char *code, const char *message)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "code", code);
	cJSON_AddStringToObject(r, "message", message);
	cJSON_AddItemToArray(reasons, r);
}

static cJSON *base_certificate(const certify_request *req, const char *name, const artefact *a,
                               const char *sha256, size_t bytes)
{
	char now[32];
	sigma_utc_now(now);
	cJSON *cert = cJSON_CreateObject();
	cJSON_AddStringToObject(cert, "ecosystem", req->ecosystem);
	cJSON_AddStringToObject(cert, "name", name);
	cJSON_AddStringToObject(cert, "version", req->version);
	cJSON_AddStringToObject(cert, "distribution_sha256", sha256);
	cJSON_AddStringToObject(cert, "integrity", a->integrity);
	cJSON_AddStringToObject(cert, "certified_at", now);
	cJSON *src = cJSON_AddObjectToObject(cert, "source");
	cJSON_AddStringToObject(src, "url", a->url);
	cJSON_AddStringToObject(src, "filename", a->filename);
	cJSON_AddNumberToObject(src, "bytes", (double)bytes);
	return cert;
}

/* The signing key (common/seal.h), loaded once. A key the settings name
 * but that cannot be loaded is an error; no key at the default path means
 * certificates sealed by id only. */
static int signing_key(const sigma_key **out, certifier *c)
{
	if (!c->key_loaded) {
		c->key_loaded = 1;
		c->key_rc = sign_key_load_configured(&c->key, c->cfg);
	}
	*out = c->key;
	return c->key_rc;
}

/* Seal (certificate_id = SHA-256 of the canonical form without the id and
 * signature; signed when there is a key) and store. */
static int seal_and_store(certify_outcome *o, certifier *c, cJSON *cert)
{
	const sigma_key *key = NULL;
	char id[65], *text = NULL;
	int rc = signing_key(&key, c);
	if (!rc)
		rc = seal_object(&text, id, cert, "certificate_id", key);
	if (!rc)
		rc = registry_certificate_put(c->reg, text);
	free(text);
	if (!rc) {
		cJSON_AddStringToObject(cert, "certificate_id", id);
		outcome_from(o, cert);
	}
	return rc;
}

static void add_execution(cJSON *cert, const char *why)
{
	cJSON *ex = cJSON_AddObjectToObject(cert, "execution");
	cJSON_AddStringToObject(ex, "outcome", "skipped");
	cJSON_AddStringToObject(ex, "reason", why);
}

static int certify_mismatch(certify_outcome *o, certifier *c, const certify_request *req, const char *name,
                            const artefact *a, const char *sha256, size_t bytes, const char *which)
{
	cJSON *cert = base_certificate(req, name, a, sha256, bytes);
	cJSON_AddStringToObject(cert, "status", "blocked");
	cJSON *reasons = cJSON_AddArrayToObject(cert, "reasons");
	char *msg = sigma_xasprintf("%s differs: %s", which, sigma_error_last());
	add_reason(reasons, "integrity-mismatch", msg);
	free(msg);
	add_execution(cert, "not run: the download failed its integrity check");
	int rc = seal_and_store(o, c, cert);
	cJSON_Delete(cert);
	o->integrity_mismatch = 1;
	return rc;
}

static void add_findings(cJSON *cert, const consensus *cs, const review_findings *f)
{
	cJSON *warnings = cJSON_AddArrayToObject(cert, "retained_warnings");
	for (size_t i = 0; i < cs->nretained; i++) {
		const review_finding *x = cs->retained[i];
		cJSON *w = cJSON_CreateObject();
		cJSON_AddStringToObject(w, "code", x->code);
		cJSON_AddStringToObject(w, "severity", review_severity_name(cs->retained_sev[i]));
		cJSON_AddStringToObject(w, "message", x->message);
		cJSON_AddStringToObject(w, "reviewer", x->reviewer);
		if (x->file) {
			char *loc = x->line ? sigma_xasprintf("%s:%d", x->file, x->line) : sigma_xstrdup(x->file);
			cJSON_AddStringToObject(w, "file", loc);
			free(loc);
		}
		cJSON_AddItemToArray(warnings, w);
	}
	if (cs->suppressed)
		cJSON_AddNumberToObject(cert, "warnings_not_shown", (double)cs->suppressed);
	/* Who looked, and what each found: the council's attendance. */
	cJSON *council = cJSON_AddArrayToObject(cert, "council");
	size_t n;
	const reviewer *const *all = review_council(&n);
	for (size_t i = 0; i < n; i++) {
		size_t count = 0;
		review_severity worst = SEV_CLEAR;
		for (size_t k = 0; k < f->n; k++)
			if (!strcmp(f->items[k].reviewer, all[i]->name)) {
				count++;
				if (f->items[k].severity > worst)
					worst = f->items[k].severity;
			}
		cJSON *m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "reviewer", all[i]->name);
		cJSON_AddNumberToObject(m, "findings", (double)count);
		cJSON_AddStringToObject(m, "highest", review_severity_name(worst));
		cJSON_AddItemToArray(council, m);
	}
}

int certify_package(certify_outcome *o, certifier *c, const certify_request *req)
{
	memset(o, 0, sizeof *o);
	artefact a = { 0 };
	prior pr = { 0 };
	sigma_buf dist = SIGMA_BUF_INIT;
	unpack_result unpacked = { 0 };
	review_findings findings = { 0 };
	consensus cs = { 0 };
	osv_match adv = { 0 };
	cJSON *cert = NULL, *packument = NULL;
	char *compared = NULL;
	cJSON *execution = NULL;
	int64_t exec_ms = 0;
	int rc;
	if (strcmp(req->ecosystem, "npm") && strcmp(req->ecosystem, "pypi"))
		return sigma_error_set(SIGMA_EINVALID, "unknown ecosystem \"%s\" (npm, pypi)", req->ecosystem);
	char *name = version_name_normalize(req->ecosystem, req->name);
	o->name = sigma_xstrdup(name);
	int pypi = !strcmp(req->ecosystem, "pypi");

	/* 1. The lockfile already names a certified artefact: no network. */
	if (req->lock_integrity && *req->lock_integrity) {
		pr.lock_integrity = req->lock_integrity;
		if ((rc = registry_certificates_of(c->reg, req->ecosystem, name, req->version, visit_prior, &pr)) ||
		    (rc = check_match(&pr, c, req->ecosystem, name, req->version)))
			goto out;
		if (pr.match) {
			outcome_from(o, pr.match);
			o->reused = 1;
			goto out;
		}
	}

	/* 2. What the registry publishes, then the same question by its hashes. */
	int64_t t0 = sigma_now_ms();
	if ((rc = fetch_artefact(&a, c, req, name)))
		goto out;
	packument = record_releases(c, req, name, &a);
	cJSON_Delete(pr.match);
	cJSON_Delete(pr.other);
	pr = (prior){ .a = &a, .pypi = pypi };
	if ((rc = registry_certificates_of(c->reg, req->ecosystem, name, req->version, visit_prior, &pr)) ||
	    (rc = check_match(&pr, c, req->ecosystem, name, req->version)))
		goto out;
	if (pr.match) {
		outcome_from(o, pr.match);
		o->reused = 1;
		o->fetch_ms = (double)(sigma_now_ms() - t0);
		goto out;
	}

	/* 3. Download and verify. */
	fetch_options fo;
	fetch_options_init(&fo);
	sigma_buf_init(&dist, fo.max_bytes);
	fetch_allow allow = allowed_hosts(c, a.registry_host);
	rc = fetch_get_allowed(c->http, a.url, 0, &dist, &allow);
	free((void *)allow.hosts);
	if (rc) {
		rc = sigma_error_wrap(rc, "%s %s %s: cannot download the distribution: ", req->ecosystem, name,
		                      req->version);
		goto out;
	}
	o->download_bytes = dist.len;
	o->fetch_ms = (double)(sigma_now_ms() - t0);
	integrity_digests d;
	if ((rc = integrity_compute(&d, dist.ptr, dist.len)))
		goto out;
	o->distribution_sha256 = sigma_xstrdup(d.sha256_hex);
	if (a.sri && (rc = integrity_check_sri(&d, a.sri)) == SIGMA_EINVALID) {
		rc = certify_mismatch(o, c, req, name, &a, d.sha256_hex, dist.len, "dist.integrity");
		goto out;
	}
	if (a.sha1_hex && integrity_check_hex(&d, "sha1", a.sha1_hex) == SIGMA_EINVALID) {
		rc = certify_mismatch(o, c, req, name, &a, d.sha256_hex, dist.len, "dist.shasum (sha1)");
		goto out;
	}
	if (a.sha256_hex && integrity_check_hex(&d, "sha256", a.sha256_hex) == SIGMA_EINVALID) {
		rc = certify_mismatch(o, c, req, name, &a, d.sha256_hex, dist.len, "digests.sha256");
		goto out;
	}
	if (!a.sha1_hex && !a.sha256_hex && rc) /* an SRI string with no algorithm sigma knows */
		goto out;
	rc = 0;

	/* 4. Unpack and review. */
	int64_t t1 = sigma_now_ms();
	int strip = a.wheel ? 0 : 1;
	int urc = unpack_archive(&unpacked, dist.ptr, dist.len, strip, &c->limits);
	review_package pkg = {
		.ecosystem = req->ecosystem, .name = name, .version = req->version, .filename = a.filename,
		.files = &unpacked, .metadata = a.metadata, .reg = c->reg,
	};
	review_run_council(&findings, &pkg);
	/* The install step runs in the sandbox; what it did joins the findings
	 * before the council decides. Skipped for an archive that did not
	 * unpack cleanly, or that names one file twice (which copy an
	 * installer ends up with depends on it and on the file system): there
	 * is nothing trustworthy to run. */
	int twins = unpack_find_issue(&unpacked, "duplicate") || unpack_find_issue(&unpacked, "duplicate-case");
	if (!urc && !twins) {
		execute_opts xo;
		execute_opts_init(&xo);
		int64_t tx = sigma_now_ms();
		execute_install(&execution, &findings, &pkg, &xo);
		exec_ms = sigma_now_ms() - tx;
	} else {
		execution = cJSON_CreateObject();
		cJSON_AddStringToObject(execution, "outcome", "skipped");
		cJSON_AddStringToObject(execution, "reason", urc ? "the distribution could not be fully unpacked"
		                                                 : "the archive names one file twice");
	}
	if (urc) {
		review_findings_add(&findings, "archive", "unreadable-archive", SEV_HIGH, a.filename, 0,
		                    "the distribution could not be fully unpacked: %s", sigma_error_last());
		unpacked.partial = 1;
	}
	if (packument)
		version_changes(&findings, packument, req->version, a.doc, &compared);
	consensus_decide(&cs, &findings);
	if ((rc = osv_match_version(&adv, c->reg, req->ecosystem, name, req->version)))
		goto out;
	for (size_t i = 0; i < unpacked.nfiles; i++)
		if (!unpacked.files[i].offset) /* once per file, however many windows */
			o->reviewed_bytes += unpacked.files[i].size;
	o->review_ms = (double)(sigma_now_ms() - t1 - exec_ms); /* the council's time, not the sandbox's */

	/* 5. The certificate. */
	cert = base_certificate(req, name, &a, d.sha256_hex, dist.len);
	int rejected = !strcmp(cs.verdict, "REJECTED"), flagged = !strcmp(cs.verdict, "FLAGGED");
	cJSON_AddStringToObject(cert, "status", rejected || pr.other ? "blocked" : flagged ? "flagged" : "certified");
	cJSON *reasons = cJSON_AddArrayToObject(cert, "reasons");
	if (pr.other) {
		/* The registry serves a different artefact under a version that was
		 * certified before: versions are immutable on npm and PyPI, so this
		 * is a compromised registry or mirror until proven otherwise. */
		o->red_flag = 1;
		char *msg = sigma_xasprintf("%s %s was certified as sha256 %s (certificate %s); the registry now serves "
		                            "sha256 %s",
		                            name, req->version, json_str(pr.other, "distribution_sha256"),
		                            json_str(pr.other, "certificate_id") ? json_str(pr.other, "certificate_id") : "?",
		                            d.sha256_hex);
		add_reason(reasons, "hash-changed", msg);
		free(msg);
	}
	if (rejected || flagged) {
		const review_finding *x = cs.decisive;
		int malware = x && !strcmp(x->code, "malware");
		char *code = malware ? sigma_xasprintf("malware:%.*s", (int)strcspn(x->message, ":"), x->message)
		                     : sigma_xstrdup("council");
		add_reason(reasons, code, cs.why);
		free(code);
	}
	cJSON_AddStringToObject(cert, "verdict", cs.verdict);
	cJSON_AddStringToObject(cert, "security_level", review_severity_name(cs.level));
	const char *analysis = unpacked.partial ? "PARTIAL" : "FULL";
	for (size_t i = 0; i < findings.n; i++)
		if (!strcmp(findings.items[i].code, "binary-only"))
			analysis = "BINARY_ONLY";
	cJSON_AddStringToObject(cert, "analysis_type", analysis);
	if (compared)
		cJSON_AddStringToObject(cert, "changed_since", compared);
	add_findings(cert, &cs, &findings);
	cJSON *ad = cJSON_AddObjectToObject(cert, "advisories");
	cJSON_AddNumberToObject(ad, "count", adv.advisories);
	cJSON_AddStringToObject(ad, "highest_severity", adv.highest[0] ? adv.highest : "NONE");
	cJSON *ids = cJSON_AddArrayToObject(ad, "ids");
	for (const char *p = adv.ids; p && *p;) {
		size_t n = strcspn(p, ",");
		char *one = sigma_xstrndup(p, n);
		cJSON_AddItemToArray(ids, cJSON_CreateString(one));
		free(one);
		p += n + (p[n] == ',');
	}
	cJSON *files = cJSON_AddObjectToObject(cert, "files");
	cJSON_AddNumberToObject(files, "count", (double)unpacked.distinct);
	cJSON_AddNumberToObject(files, "bytes", (double)o->reviewed_bytes);
	cJSON_AddItemToObject(cert, "execution", execution);
	execution = NULL;
	rc = seal_and_store(o, c, cert);
out:
	cJSON_Delete(cert);
	cJSON_Delete(packument);
	free(compared);
	cJSON_Delete(execution);
	cJSON_Delete(pr.match);
	cJSON_Delete(pr.other);
	artefact_dispose(&a);
	sigma_buf_dispose(&dist);
	unpack_result_dispose(&unpacked);
	review_findings_dispose(&findings);
	consensus_dispose(&cs);
	osv_match_dispose(&adv);
	free(name);
	return rc;
}
