/* pyproject.c: see pyproject.h. */
#include <stdlib.h>
#include <string.h>
#include "common/util.h"
#include "hook/pyproject.h"
#include "hook/pyreq.h"

static void add(pyproject_deps *d, const char *name, size_t nlen, const char *spec, int dev, int line,
                char **extras, size_t nextras)
{
	d->items = sigma_xrealloc(d->items, (d->n + 1) * sizeof *d->items);
	pyproject_dep *e = &d->items[d->n++];
	e->name = pyreq_normalize(name, nlen);
	e->spec = sigma_xstrdup(spec ? spec : "");
	e->dev = dev;
	e->line = line;
	e->extras = extras;
	e->nextras = nextras;
}

/* An array of PEP 508 strings. */
static void pep508_list(pyproject_deps *d, const toml_value *arr, int dev)
{
	if (!arr || arr->type != TOML_ARRAY)
		return;
	for (uint32_t i = 0; i < arr->n; i++) {
		const char *s = toml_str(arr->items[i]);
		pyreq r;
		if (!s || pyreq_parse(&r, s) != 0)
			continue; /* {include-group = ...} and the like */
		add(d, r.name, strlen(r.name), s, dev, arr->items[i]->line, r.extras, r.nextras);
		r.extras = NULL;
		r.nextras = 0;
		pyreq_dispose(&r);
	}
}

/* A table of arrays of PEP 508 strings. */
static void pep508_tables(pyproject_deps *d, const toml_value *t, int dev)
{
	if (!t || t->type != TOML_TABLE)
		return;
	for (uint32_t i = 0; i < t->n; i++)
		pep508_list(d, t->items[i], dev);
}

/* poetry's "name = spec" tables: spec a string, a table, or an array of
 * tables (per-marker alternatives). */
static void poetry_table(pyproject_deps *d, const toml_value *t, int dev)
{
	if (!t || t->type != TOML_TABLE)
		return;
	for (uint32_t i = 0; i < t->n; i++) {
		if (strcmp(t->keys[i], "python") == 0)
			continue;
		const toml_value *v = t->items[i];
		const toml_value *first = v->type == TOML_ARRAY && v->n ? v->items[0] : v;
		const char *spec = toml_str(first);
		if (!spec)
			spec = toml_getstr(first, "version");
		if (!spec)
			spec = toml_getstr(first, "git") ? toml_getstr(first, "git") :
			       toml_getstr(first, "path") ? toml_getstr(first, "path") : toml_getstr(first, "url");
		char **extras = NULL;
		size_t nextras = 0;
		const toml_value *ex = toml_get(first, "extras");
		if (ex && ex->type == TOML_ARRAY)
			for (uint32_t k = 0; k < ex->n; k++) {
				const char *e = toml_str(ex->items[k]);
				if (!e)
					continue;
				extras = sigma_xrealloc(extras, (nextras + 1) * sizeof *extras);
				extras[nextras++] = pyreq_normalize(e, strlen(e));
			}
		add(d, t->keys[i], strlen(t->keys[i]), spec, dev, v->line, extras, nextras);
	}
}

void pyproject_collect(pyproject_deps *out, const toml_value *doc)
{
	memset(out, 0, sizeof *out);
	const toml_value *project = toml_get(doc, "project");
	const toml_value *tool = toml_get(doc, "tool");
	const toml_value *poetry = toml_get(tool, "poetry");
	const char *name = toml_getstr(project, "name");
	if (!name)
		name = toml_getstr(poetry, "name");
	if (name)
		out->project = pyreq_normalize(name, strlen(name));
	pep508_list(out, toml_get(project, "dependencies"), 0);
	pep508_tables(out, toml_get(project, "optional-dependencies"), 0);
	pep508_tables(out, toml_get(doc, "dependency-groups"), 1);
	pep508_list(out, toml_get(toml_get(tool, "uv"), "dev-dependencies"), 1);
	poetry_table(out, toml_get(poetry, "dependencies"), 0);
	poetry_table(out, toml_get(poetry, "dev-dependencies"), 1);
	const toml_value *groups = toml_get(poetry, "group");
	for (uint32_t i = 0; groups && groups->type == TOML_TABLE && i < groups->n; i++)
		poetry_table(out, toml_get(groups->items[i], "dependencies"), strcmp(groups->keys[i], "main") != 0);
}

void pyproject_dispose(pyproject_deps *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->items[i].name);
		free(d->items[i].spec);
		for (size_t k = 0; k < d->items[i].nextras; k++)
			free(d->items[i].extras[k]);
		free(d->items[i].extras);
	}
	free(d->items);
	free(d->project);
	memset(d, 0, sizeof *d);
}

/* ---------------------------------------------------------------- name index */

void pyproject_index_init(pyproject_index *ix)
{
	memset(ix, 0, sizeof *ix);
	strmap_init(&ix->heads);
}

void pyproject_index_dispose(pyproject_index *ix)
{
	strmap_dispose(&ix->heads);
	free(ix->next);
	memset(ix, 0, sizeof *ix);
}

void pyproject_index_add(pyproject_index *ix, const char *name, uint32_t node)
{
	for (uint32_t i = pyproject_index_first(ix, name); i != UINT32_MAX; i = pyproject_index_next(ix, i))
		if (i == node)
			return;
	if (node >= ix->cap) {
		uint32_t cap = node + 64;
		ix->next = sigma_xrealloc(ix->next, cap * sizeof *ix->next);
		memset(ix->next + ix->cap, 0, (cap - ix->cap) * sizeof *ix->next);
		ix->cap = cap;
	}
	ix->next[node] = (uint32_t)(uintptr_t)strmap_get(&ix->heads, name);
	strmap_put(&ix->heads, name, (void *)(uintptr_t)(node + 1));
}

uint32_t pyproject_index_first(const pyproject_index *ix, const char *name)
{
	uintptr_t v = (uintptr_t)strmap_get(&ix->heads, name);
	return v ? (uint32_t)(v - 1) : UINT32_MAX;
}

uint32_t pyproject_index_next(const pyproject_index *ix, uint32_t node)
{
	return node < ix->cap && ix->next[node] ? ix->next[node] - 1 : UINT32_MAX;
}
