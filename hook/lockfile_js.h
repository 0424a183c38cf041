/* lockfile_js.h: what the Node.js resolvers (yarn, pnpm) share.
 *
 * - Reading a package.json with a "file:line" error.
 * - Telling a dependency spec's source from its protocol ("file:", "git+",
 *   "patch:", ...), and reporting non-registry sources as dependency-rule
 *   findings with one set of codes:
 *     vcs              a git/GitHub reference
 *     local-path       file:, link:, portal:, patch: (the artefact is local)
 *     url              a remote tarball URL
 *     outside-registry a registry package whose resolved URL does not have
 *                      the registry tarball layout
 *     unpinned         a declared spec of "*", "latest", "x" or "", or one
 *                      the lockfile does not lock
 *     inconsistent     a package the lockfile references (from a root or
 *                      another package) but does not define; policy.c
 *                      judges it as having no integrity */
#ifndef SIGMA_LOCKFILE_JS_H
#define SIGMA_LOCKFILE_JS_H
#include <stddef.h>
#include <cjson/cJSON.h>
#include "hook/graph.h"
#include "hook/lockfile.h"

/* Parse a package.json. 0 and *out (cJSON_Delete it), or SIGMA_EINVALID
 * with "path:line: ..." when it is not a JSON object. */
int lockfile_js_manifest_parse(cJSON **out, const char *path, const char *data, size_t len);

/* Read and parse `path` (relative to the tree root) through in->read_file.
 * 0, SIGMA_ENOTFOUND (no callback or no file), or SIGMA_EINVALID. */
int lockfile_js_manifest_read(cJSON **out, const lockfile_input *in, const char *path);

/* The "workspaces" patterns of a manifest (array form or {packages:[...]}),
 * or NULL. */
const cJSON *lockfile_js_workspaces(const cJSON *manifest);

/* The source kind a dependency spec names. "npm:" aliases and plain
 * ranges are GRAPH_KIND_REGISTRY. */
graph_kind lockfile_js_spec_kind(const char *spec);

/* Non-zero for the specs that lock nothing: "", "*", "latest", "x". */
int lockfile_js_spec_unpinned(const char *spec);

/* Attach the finding for node `i`'s kind (none for registry/workspace).
 * `where` is the spec or resolution shown in the message. */
void lockfile_js_kind_finding(sigma_graph *g, uint32_t i, const char *where);

/* Non-zero when `url` has the npm registry tarball layout for `name`:
 * ".../<name>/-/<basename>-<version>.tgz" (optionally "#hash" or "?..."). */
int lockfile_js_registry_url(const char *url, const char *name, const char *version);

/* Mark node `i` direct (graph_direct_add) and, when its declared `spec`
 * locks nothing ("*", "latest", ...), attach the "unpinned" finding. */
void lockfile_js_direct_add(sigma_graph *g, uint32_t i, const char *spec, int dev);

/* The 1-based line on which `"key"` first appears in a JSON lockfile, for
 * errors about a map entry (cJSON keeps no positions); 1 when absent. */
int lockfile_js_line_of_key(const char *data, size_t len, const char *key);

/* Attach the "inconsistent" finding to node `i`: `lockfile` references
 * `key` from `from` ("importer \".\"", "a@1.0.0") with no entry for it;
 * `regenerate` is the command that rewrites the lockfile. */
void lockfile_js_inconsistent(sigma_graph *g, uint32_t i, const char *lockfile, const char *key,
                              const char *from, const char *regenerate);

#endif
