/* lockfile_yaml.c: see lockfile_yaml.h.
 *
 * The tree is built from libyaml events with an explicit stack, so a
 * hostile file can neither recurse us out of stack nor alias one big
 * subtree into every entry (the "billion laughs"): aliases are an error. */
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "common/error.h"
#include "common/strmap.h"
#include "common/util.h"
#include "hook/lockfile_yaml.h"

/* Maps with more keys than this get a hash index when they are closed: a
 * pnpm or berry lockfile looks each of its ~1,000 packages up by key, and
 * a linear search made that quadratic (30% of a pnpm resolution). */
#define INDEX_MIN_KEYS 16

static void index_map(lockfile_ynode *m)
{
	if (m->type != LOCKFILE_Y_MAP || m->n / 2 <= INDEX_MIN_KEYS)
		return;
	m->index = sigma_xcalloc(1, sizeof *m->index);
	strmap_init(m->index);
	for (uint32_t i = 0; i + 1 < m->n; i += 2)
		if (m->kids[i]->type == LOCKFILE_Y_SCALAR && !strmap_get(m->index, m->kids[i]->str))
			strmap_put(m->index, m->kids[i]->str, m->kids[i + 1]);
}

static lockfile_ynode *node_new(lockfile_ytype type, int line)
{
	lockfile_ynode *n = sigma_xcalloc(1, sizeof *n);
	n->type = type;
	n->line = line;
	return n;
}

static void node_push(lockfile_ynode *parent, lockfile_ynode *kid)
{
	if (parent->n == parent->cap) {
		parent->cap = parent->cap ? parent->cap * 2 : 4;
		parent->kids = sigma_xrealloc(parent->kids, parent->cap * sizeof *parent->kids);
	}
	parent->kids[parent->n++] = kid;
}

void lockfile_yaml_free(lockfile_ynode *n)
{
	if (!n)
		return;
	/* Depth is capped at load time, so recursion here is bounded. */
	for (uint32_t i = 0; i < n->n; i++)
		lockfile_yaml_free(n->kids[i]);
	if (n->index) {
		strmap_dispose(n->index);
		free(n->index);
	}
	free(n->kids);
	free(n->str);
	free(n);
}

int lockfile_yaml_load(lockfile_ynode **out, const char *path, const char *data, size_t len)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	lockfile_ynode *stack[LOCKFILE_YAML_MAX_DEPTH + 1];
	int depth = 0, rc = 0, done = 0;
	lockfile_ynode *root = NULL;

	*out = NULL;
	if (!yaml_parser_initialize(&parser))
		return sigma_error_set(SIGMA_EIO, "%s: cannot initialise the YAML parser", path);
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			rc = sigma_error_set(SIGMA_EINVALID, "%s:%d: invalid YAML: %s%s%s", path,
			                     (int)parser.problem_mark.line + 1,
			                     parser.problem ? parser.problem : "syntax error",
			                     parser.context ? " " : "", parser.context ? parser.context : "");
			goto out;
		}
		int line = (int)ev.start_mark.line + 1;
		lockfile_ynode *n = NULL;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
		case YAML_DOCUMENT_END_EVENT:
			done = 1;
			break;
		case YAML_ALIAS_EVENT:
			rc = sigma_error_set(SIGMA_EINVALID, "%s:%d: YAML aliases are not allowed in a lockfile",
			                     path, line);
			break;
		case YAML_SCALAR_EVENT:
			n = node_new(LOCKFILE_Y_SCALAR, line);
			n->str = sigma_xstrndup((const char *)ev.data.scalar.value, ev.data.scalar.length);
			break;
		case YAML_MAPPING_START_EVENT:
			n = node_new(LOCKFILE_Y_MAP, line);
			break;
		case YAML_SEQUENCE_START_EVENT:
			n = node_new(LOCKFILE_Y_SEQ, line);
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			if (depth > 0)
				index_map(stack[--depth]);
			break;
		default:
			break;
		}
		if (n) {
			if (depth > 0) {
				node_push(stack[depth - 1], n);
			} else if (!root) {
				root = n;
			} else {
				lockfile_yaml_free(n); /* cannot happen with one document */
				n = NULL;
			}
			if (n && n->type != LOCKFILE_Y_SCALAR) {
				if (depth >= LOCKFILE_YAML_MAX_DEPTH) {
					rc = sigma_error_set(SIGMA_EINVALID, "%s:%d: YAML nested too deeply", path, line);
				} else {
					stack[depth++] = n;
				}
			}
		}
		yaml_event_delete(&ev);
		if (rc)
			goto out;
	}
	if (!root)
		root = node_new(LOCKFILE_Y_MAP, 1);
	*out = root;
	root = NULL;
out:
	lockfile_yaml_free(root);
	yaml_parser_delete(&parser);
	return rc;
}

const lockfile_ynode *lockfile_yaml_get(const lockfile_ynode *map, const char *key)
{
	if (!map || map->type != LOCKFILE_Y_MAP)
		return NULL;
	if (map->index)
		return strmap_get(map->index, key);
	for (uint32_t i = 0; i + 1 < map->n; i += 2)
		if (map->kids[i]->type == LOCKFILE_Y_SCALAR && strcmp(map->kids[i]->str, key) == 0)
			return map->kids[i + 1];
	return NULL;
}

const char *lockfile_yaml_str(const lockfile_ynode *n)
{
	return n && n->type == LOCKFILE_Y_SCALAR ? n->str : NULL;
}

const char *lockfile_yaml_getstr(const lockfile_ynode *map, const char *key)
{
	return lockfile_yaml_str(lockfile_yaml_get(map, key));
}
