/* source.h: where each ecosystem's registry is.
 *
 * No public registry host is written into sigma: the base URL is always
 * configuration, found in this order (the first that is set wins):
 *
 *   npm:  $SIGMA_NPM_REGISTRY, sigma.npmRegistry, then npm's own settings:
 *         $NPM_CONFIG_REGISTRY / $npm_config_registry, `registry=` (or
 *         `@scope:registry=` for a scoped name) in the project's .npmrc,
 *         the user's ($NPM_CONFIG_USERCONFIG or ~/.npmrc), the global one
 *         ($NPM_CONFIG_GLOBALCONFIG, $NPM_CONFIG_PREFIX/etc/npmrc,
 *         $PREFIX/etc/npmrc, /usr/local/etc/npmrc, /usr/etc/npmrc, /etc/npmrc);
 *   pypi: $SIGMA_PYPI_INDEX, sigma.pypiIndex, then pip's own: $PIP_INDEX_URL,
 *         `index-url` in [global]/[install] of $PIP_CONFIG_FILE,
 *         $VIRTUAL_ENV/pip.conf, $XDG_CONFIG_HOME/pip/pip.conf
 *         (~/.config/pip/pip.conf), ~/.pip/pip.conf, /etc/xdg/pip/pip.conf,
 *         /etc/pip.conf.
 *
 * That is also what users behind a mirror need. A PyPI index given as the
 * "simple" URL (…/simple) is turned into its JSON API root by dropping
 * the trailing /simple. */
#ifndef SIGMA_REGISTRY_SOURCE_H
#define SIGMA_REGISTRY_SOURCE_H
#include "common/config.h"

/* The base URL (no trailing slash) for `ecosystem`, for package `name`
 * (scoped npm names may have their own registry; NULL = unscoped).
 * `project_dir` is where a project .npmrc may live (NULL: the current
 * directory). `origin_out` (may be NULL) receives a static description of
 * where the URL came from. *out is the caller's. 0, or SIGMA_ENOTFOUND
 * with a message that says how to configure one. */
int source_registry_url(char **out, const char **origin_out, const char *ecosystem, const char *name,
                        const sigma_config *cfg, const char *project_dir);

#endif
