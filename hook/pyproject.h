/* pyproject.h: the direct dependencies a pyproject.toml declares.
 *
 * poetry and uv lockfiles do not say which packages the project asked
 * for; pyproject.toml does, in several places:
 *   [project].dependencies, [project.optional-dependencies]   production
 *   [tool.poetry.dependencies] (minus python)                  production
 *   [tool.poetry.group.main.dependencies]                      production
 *   [tool.poetry.dev-dependencies], other poetry groups        dev
 *   [dependency-groups], [tool.uv].dev-dependencies             dev */
#ifndef SIGMA_PYPROJECT_H
#define SIGMA_PYPROJECT_H
#include <stddef.h>
#include <stdint.h>
#include "common/strmap.h"
#include "common/toml.h"

typedef struct pyproject_dep {
	char *name;     /* PEP 503-normalised */
	char *spec;     /* as declared ("flask>=2", "^1.2"), never NULL */
	char **extras;  /* normalised */
	size_t nextras;
	int dev;
	int line;
} pyproject_dep;

typedef struct pyproject_deps {
	pyproject_dep *items;
	size_t n;
	char *project;  /* [project].name or [tool.poetry].name, normalised, or NULL */
} pyproject_deps;

/* Collect the declared dependencies of a parsed pyproject.toml. Entries
 * that are not valid requirement strings are skipped (the lockfile is
 * what gets judged; the manifest only says what is direct). */
void pyproject_collect(pyproject_deps *out, const toml_value *doc);
void pyproject_dispose(pyproject_deps *d);

/* Every locked version of a name: a Python lockfile may lock one name at
 * several versions (uv resolution forks), and a dependency given by name
 * alone reaches all of them. */
typedef struct pyproject_index {
	strmap heads;      /* normalised name -> first node + 1 */
	uint32_t *next;    /* node -> next node of the same name + 1 */
	uint32_t cap;
} pyproject_index;

void pyproject_index_init(pyproject_index *ix);
void pyproject_index_dispose(pyproject_index *ix);
void pyproject_index_add(pyproject_index *ix, const char *name, uint32_t node);
/* Iterate: for (uint32_t i = pyproject_index_first(ix, name); i != UINT32_MAX;
 * i = pyproject_index_next(ix, i)). */
uint32_t pyproject_index_first(const pyproject_index *ix, const char *name);
uint32_t pyproject_index_next(const pyproject_index *ix, uint32_t node);

#endif
