/* test_source.c: where registry URLs come from, in order (sigma's env,
 * sigma's config, then npm's and pip's own configuration), scoped npm
 * registries, ${VAR} in .npmrc, the /simple suffix, and the error that
 * says how to configure one when nothing is set. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/error.h"
#include "common/util.h"
#include "registry/source.h"
#include "tap.h"

static char dir[] = "/tmp/sigma-source-test.XXXXXX";

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static char *url(const char *eco, const char *name, const sigma_config *cfg, const char **origin)
{
	char *u = NULL;
	if (source_registry_url(&u, origin, eco, name, cfg, dir) != 0)
		return NULL;
	return u;
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	const char *vars[] = { "SIGMA_NPM_REGISTRY", "SIGMA_PYPI_INDEX", "NPM_CONFIG_REGISTRY", "npm_config_registry",
	                       "NPM_CONFIG_USERCONFIG", "npm_config_userconfig", "NPM_CONFIG_GLOBALCONFIG",
	                       "npm_config_globalconfig", "NPM_CONFIG_PREFIX", "npm_config_prefix", "PREFIX",
	                       "PIP_INDEX_URL", "PIP_CONFIG_FILE", "VIRTUAL_ENV", "XDG_CONFIG_HOME", NULL };
	for (int i = 0; vars[i]; i++)
		unsetenv(vars[i]);
	setenv("HOME", dir, 1);
	sigma_config cfg = { 0 };
	const char *origin = NULL;

	/* Only meaningful when the machine has no global npmrc naming a registry. */
	char *u = url("npm", "left-pad", &cfg, &origin);
	if (u) {
		skip("this machine's global npmrc names a registry (%s)", u);
		free(u);
	} else {
		ok(strstr(sigma_error_last(), "sigma.npmRegistry") && strstr(sigma_error_last(), "SIGMA_NPM_REGISTRY") &&
		   strstr(sigma_error_last(), ".npmrc"), "nothing configured: the message says how (%s)", sigma_error_last());
	}

	char *rc = sigma_xasprintf("%s/.npmrc", dir);
	write_file(rc, "; user\nregistry = https://user.invalid/npm/\n@corp:registry=${CORP_URL}/npm\n//user.invalid/:_authToken=secret\n");
	setenv("CORP_URL", "https://corp.invalid", 1);
	u = url("npm", "left-pad", &cfg, &origin);
	ok(u && !strcmp(u, "https://user.invalid/npm"), "~/.npmrc registry= (trailing slash dropped): %s", u ? u : sigma_error_last());
	free(u);
	u = url("npm", "@corp/tool", &cfg, &origin);
	ok(u && !strcmp(u, "https://corp.invalid/npm"), "@scope:registry with ${VAR}: %s", u ? u : "-");
	free(u);
	setenv("NPM_CONFIG_REGISTRY", "https://env.invalid/", 1);
	u = url("npm", "left-pad", &cfg, &origin);
	ok(u && !strcmp(u, "https://env.invalid"), "NPM_CONFIG_REGISTRY beats .npmrc");
	free(u);
	cfg.npm_registry = "http://127.0.0.1:9/cfg";
	u = url("npm", "left-pad", &cfg, &origin);
	ok(u && !strcmp(u, "http://127.0.0.1:9/cfg") && !strcmp(origin, "sigma.npmRegistry"), "sigma.npmRegistry beats npm's settings");
	free(u);
	setenv("SIGMA_NPM_REGISTRY", "http://127.0.0.1:9/env", 1);
	u = url("npm", "@corp/tool", &cfg, &origin);
	ok(u && !strcmp(u, "http://127.0.0.1:9/env"), "SIGMA_NPM_REGISTRY beats everything, scopes included");
	free(u);
	setenv("SIGMA_NPM_REGISTRY", "ftp://x", 1);
	ok(url("npm", "x", &cfg, &origin) == NULL && strstr(sigma_error_last(), "not an http(s) URL"), "only http(s)");

	/* pip */
	char *xdg = sigma_xasprintf("%s/xdg", dir), *pipdir = sigma_xasprintf("%s/xdg/pip", dir);
	mkdir(xdg, 0700);
	mkdir(pipdir, 0700);
	char *conf = sigma_xasprintf("%s/pip.conf", pipdir);
	write_file(conf, "[global]\ntimeout = 60\nindex-url = https://mirror.invalid/pypi/simple/\n");
	setenv("XDG_CONFIG_HOME", xdg, 1);
	u = url("pypi", "requests", &cfg, &origin);
	ok(u && !strcmp(u, "https://mirror.invalid/pypi"), "pip.conf index-url, /simple/ dropped: %s", u ? u : sigma_error_last());
	free(u);
	setenv("PIP_INDEX_URL", "https://pipenv.invalid/simple", 1);
	u = url("pypi", "requests", &cfg, &origin);
	ok(u && !strcmp(u, "https://pipenv.invalid"), "PIP_INDEX_URL beats pip.conf");
	free(u);
	cfg.pypi_index = "http://127.0.0.1:9/cfg";
	setenv("SIGMA_PYPI_INDEX", "http://127.0.0.1:9/env/", 1);
	u = url("pypi", "requests", &cfg, &origin);
	ok(u && !strcmp(u, "http://127.0.0.1:9/env"), "SIGMA_PYPI_INDEX beats sigma.pypiIndex");
	free(u);
	ok(source_registry_url(&u, NULL, "cargo", "x", &cfg, dir) == SIGMA_EINVALID, "an unknown ecosystem");

	char *cmd = sigma_xasprintf("rm -rf %s", dir);
	if (system(cmd) != 0)
		diag("cleanup failed");
	free(cmd); free(rc); free(xdg); free(pipdir); free(conf);
	return tap_done();
}
