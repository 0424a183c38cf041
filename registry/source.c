/* source.c: see source.h. Reads npm's ini-style .npmrc and pip's
 * configparser-style pip.conf just far enough to find one key; every
 * other key (credentials included) is skipped without being kept. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/buf.h"
#include "common/error.h"
#include "common/util.h"
#include "registry/source.h"

#define RC_MAX ((size_t)1 << 20)

static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

/* Expand ${VAR} the way npm does in .npmrc values. */
static char *expand_env(const char *s)
{
	sigma_buf b = SIGMA_BUF_INIT;
	sigma_buf_puts(&b, "");
	for (const char *p = s; *p;) {
		const char *close;
		if (p[0] == '$' && p[1] == '{' && (close = strchr(p + 2, '}'))) {
			char *name = sigma_xstrndup(p + 2, (size_t)(close - p - 2));
			const char *v = getenv(name);
			sigma_buf_puts(&b, v ? v : "");
			free(name);
			p = close + 1;
		} else {
			sigma_buf_putc(&b, *p++);
		}
	}
	return sigma_buf_steal(&b);
}

/* Find `key` in an ini file. `sections` (NULL-terminated, may be NULL)
 * limits the search to those sections; NULL means keys outside any
 * section (npmrc). Returns a malloc'd value or NULL. */
static char *ini_get(const char *path, const char *const *sections, const char *key)
{
	sigma_buf text;
	sigma_buf_init(&text, RC_MAX);
	char *found = NULL;
	if (!path || sigma_buf_read_file(&text, path) != 0) {
		sigma_error_clear();
		goto out;
	}
	int in_section = sections == NULL;
	for (char *line = text.ptr; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		char *p = line;
		while (isspace((unsigned char)*p))
			p++;
		char *end = p + strlen(p);
		while (end > p && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (*p == '[') {
			char *close = strchr(p, ']');
			in_section = 0;
			for (int i = 0; sections && sections[i] && close; i++)
				if ((size_t)(close - p - 1) == strlen(sections[i]) &&
				    !strncmp(p + 1, sections[i], (size_t)(close - p - 1)))
					in_section = 1;
		} else if (in_section && *p && *p != '#' && *p != ';') {
			size_t klen = strcspn(p, "=:" );
			/* npm keys such as "@scope:registry" contain ':' themselves. */
			if (!sections)
				klen = strcspn(p, "=");
			char *k = p, *v = p + klen;
			if (*v) {
				*v++ = '\0';
				char *kend = k + strlen(k);
				while (kend > k && isspace((unsigned char)kend[-1]))
					*--kend = '\0';
				while (isspace((unsigned char)*v))
					v++;
				if (!strcmp(k, key) && *v) {
					free(found); /* the last one in a file wins */
					found = sections ? sigma_xstrdup(v) : expand_env(v);
				}
			}
		}
		line = nl ? nl + 1 : NULL;
	}
out:
	sigma_buf_dispose(&text);
	return found;
}

static char *trim_url(const char *url, int pypi)
{
	char *u = sigma_xstrdup(url);
	size_t n = strlen(u);
	while (n && u[n - 1] == '/')
		u[--n] = '\0';
	if (pypi && sigma_endswith(u, "/simple"))
		u[n - strlen("/simple")] = '\0';
	return u;
}

static int not_configured(const char *ecosystem)
{
	if (!strcmp(ecosystem, "npm"))
		return sigma_error_set(SIGMA_ENOTFOUND,
		                       "no npm registry configured: set sigma.npmRegistry in /etc/sigma/config "
		                       "(git config --file /etc/sigma/config sigma.npmRegistry URL), or "
		                       "SIGMA_NPM_REGISTRY, or npm's own 'registry' setting (.npmrc or NPM_CONFIG_REGISTRY)");
	return sigma_error_set(SIGMA_ENOTFOUND,
	                       "no PyPI index configured: set sigma.pypiIndex in /etc/sigma/config "
	                       "(git config --file /etc/sigma/config sigma.pypiIndex URL), or SIGMA_PYPI_INDEX, "
	                       "or pip's own 'index-url' (pip.conf or PIP_INDEX_URL)");
}

static int npm_url(char **out, const char **origin, const char *name, const sigma_config *cfg, const char *dir)
{
	const char *v;
	if ((v = env("SIGMA_NPM_REGISTRY"))) {
		*origin = "SIGMA_NPM_REGISTRY";
		*out = trim_url(v, 0);
		return 0;
	}
	if (cfg && cfg->npm_registry && *cfg->npm_registry) {
		*origin = "sigma.npmRegistry";
		*out = trim_url(cfg->npm_registry, 0);
		return 0;
	}
	char *files[9] = { 0 };
	int nf = 0;
	files[nf++] = sigma_xasprintf("%s/.npmrc", dir ? dir : ".");
	if ((v = env("NPM_CONFIG_USERCONFIG")) || (v = env("npm_config_userconfig")))
		files[nf++] = sigma_xstrdup(v);
	else if ((v = env("HOME")))
		files[nf++] = sigma_xasprintf("%s/.npmrc", v);
	if ((v = env("NPM_CONFIG_GLOBALCONFIG")) || (v = env("npm_config_globalconfig")))
		files[nf++] = sigma_xstrdup(v);
	if ((v = env("NPM_CONFIG_PREFIX")) || (v = env("npm_config_prefix")))
		files[nf++] = sigma_xasprintf("%s/etc/npmrc", v);
	if ((v = env("PREFIX")))
		files[nf++] = sigma_xasprintf("%s/etc/npmrc", v);
	files[nf++] = sigma_xstrdup("/usr/local/etc/npmrc");
	files[nf++] = sigma_xstrdup("/usr/etc/npmrc");
	files[nf++] = sigma_xstrdup("/etc/npmrc");

	/* npm resolves each key on its own: "@scope:registry" from any level
	 * beats "registry" from any level. */
	char *found = NULL;
	const char *slash = name && name[0] == '@' ? strchr(name, '/') : NULL;
	char *scoped_key = slash ? sigma_xasprintf("%.*s:registry", (int)(slash - name), name) : NULL;
	if (scoped_key) {
		for (int i = 0; i < nf && !found; i++)
			found = ini_get(files[i], NULL, scoped_key);
		if (found)
			*origin = "npm config (scoped registry)";
	}
	if (!found && ((v = env("NPM_CONFIG_REGISTRY")) || (v = env("npm_config_registry")))) {
		found = sigma_xstrdup(v);
		*origin = "NPM_CONFIG_REGISTRY";
	}
	for (int i = 0; i < nf && !found; i++)
		if ((found = ini_get(files[i], NULL, "registry")))
			*origin = "npm config (.npmrc)";
	for (int i = 0; i < nf; i++)
		free(files[i]);
	free(scoped_key);
	if (!found)
		return not_configured("npm");
	*out = trim_url(found, 0);
	free(found);
	return 0;
}

static int pypi_url(char **out, const char **origin, const sigma_config *cfg)
{
	const char *v;
	if ((v = env("SIGMA_PYPI_INDEX"))) {
		*origin = "SIGMA_PYPI_INDEX";
		*out = trim_url(v, 1);
		return 0;
	}
	if (cfg && cfg->pypi_index && *cfg->pypi_index) {
		*origin = "sigma.pypiIndex";
		*out = trim_url(cfg->pypi_index, 1);
		return 0;
	}
	if ((v = env("PIP_INDEX_URL"))) {
		*origin = "PIP_INDEX_URL";
		*out = trim_url(v, 1);
		return 0;
	}
	char *files[8] = { 0 };
	int nf = 0;
	if ((v = env("PIP_CONFIG_FILE")))
		files[nf++] = sigma_xstrdup(v);
	if ((v = env("VIRTUAL_ENV")))
		files[nf++] = sigma_xasprintf("%s/pip.conf", v);
	if ((v = env("XDG_CONFIG_HOME")))
		files[nf++] = sigma_xasprintf("%s/pip/pip.conf", v);
	if ((v = env("HOME"))) {
		files[nf++] = sigma_xasprintf("%s/.config/pip/pip.conf", v);
		files[nf++] = sigma_xasprintf("%s/.pip/pip.conf", v);
	}
	files[nf++] = sigma_xstrdup("/etc/xdg/pip/pip.conf");
	files[nf++] = sigma_xstrdup("/etc/pip.conf");
	static const char *const sections[] = { "install", "global", NULL };
	char *found = NULL;
	for (int i = 0; i < nf && !found; i++) {
		found = ini_get(files[i], sections, "index-url");
		if (!found)
			found = ini_get(files[i], sections, "index_url");
		if (found)
			*origin = "pip config (pip.conf)";
	}
	for (int i = 0; i < nf; i++)
		free(files[i]);
	if (!found)
		return not_configured("pypi");
	*out = trim_url(found, 1);
	free(found);
	return 0;
}

int source_registry_url(char **out, const char **origin_out, const char *ecosystem, const char *name,
                        const sigma_config *cfg, const char *project_dir)
{
	const char *origin = NULL;
	int rc;
	*out = NULL;
	if (sigma_streq(ecosystem, "npm"))
		rc = npm_url(out, &origin, name, cfg, project_dir);
	else if (sigma_streq(ecosystem, "pypi"))
		rc = pypi_url(out, &origin, cfg);
	else
		return sigma_error_set(SIGMA_EINVALID, "unknown ecosystem \"%s\" (npm, pypi)", ecosystem);
	if (!rc && strncmp(*out, "http://", 7) && strncmp(*out, "https://", 8)) {
		rc = sigma_error_set(SIGMA_EINVALID, "%s registry \"%s\" (from %s) is not an http(s) URL",
		                     ecosystem, *out, origin);
		free(*out);
		*out = NULL;
	}
	if (!rc && origin_out)
		*origin_out = origin;
	return rc;
}
