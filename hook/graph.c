/* graph.c: the dependency graph (see graph.h).
 *
 * Nodes live in one growable array; a small open-addressing hash table
 * maps "name\0version\0kind" to the node index, so resolvers can fold
 * install locations into packages in O(1). graph_finish() is a plain BFS
 * from every direct node at once, which yields shortest depths and, by
 * recording the first predecessor, one shortest chain. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "common/buf.h"
#include "common/error.h"
#include "common/json.h"
#include "common/util.h"
#include "hook/graph.h"

static const char *const kind_names[GRAPH_KIND__COUNT] = {
	"registry", "link", "file", "git", "tarball", "workspace", "patch", "portal"
};

const char *graph_kind_name(graph_kind k)
{
	return (unsigned)k < GRAPH_KIND__COUNT ? kind_names[k] : "unknown";
}

static int kind_from_name(const char *s)
{
	for (int i = 0; i < GRAPH_KIND__COUNT; i++)
		if (strcmp(kind_names[i], s) == 0)
			return i;
	return -1;
}

/* ---------------------------------------------------------------- index */

typedef struct node_index {
	uint32_t *slots; /* node index + 1; 0 = empty */
	uint32_t cap;    /* power of two */
	/* Every edge, as edge_key(from, to), so that adding one is O(1) where
	 * scanning the node's deps made a package with 100,000 dependencies
	 * cost 5e9 comparisons. */
	uint64_t *edges; /* 0 = empty */
	size_t ecap;     /* power of two */
	size_t nedges;
} node_index;

static uint64_t edge_key(uint32_t from, uint32_t to)
{
	return ((uint64_t)from + 1) << 32 | to; /* never 0 */
}

static size_t edge_slot(uint64_t key, size_t mask)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL; /* murmur3's finaliser */
	key ^= key >> 33;
	return (size_t)key & mask;
}

static void edge_put(node_index *ix, uint64_t key)
{
	size_t i = edge_slot(key, ix->ecap - 1);
	while (ix->edges[i])
		i = (i + 1) & (ix->ecap - 1);
	ix->edges[i] = key;
}

/* Record from -> to; 0 when it is new, 1 when it was there already. */
static int edge_seen(node_index *ix, uint32_t from, uint32_t to)
{
	uint64_t key = edge_key(from, to);
	for (size_t i = ix->ecap ? edge_slot(key, ix->ecap - 1) : 0; ix->ecap && ix->edges[i];
	     i = (i + 1) & (ix->ecap - 1))
		if (ix->edges[i] == key)
			return 1;
	if ((ix->nedges + 1) * 2 > ix->ecap) {
		uint64_t *old = ix->edges;
		size_t oldcap = ix->ecap;
		ix->ecap = oldcap ? oldcap * 2 : 1024;
		ix->edges = sigma_xcalloc(ix->ecap, sizeof *ix->edges);
		for (size_t i = 0; i < oldcap; i++)
			if (old[i])
				edge_put(ix, old[i]);
		free(old);
	}
	edge_put(ix, key);
	ix->nedges++;
	return 0;
}

static uint64_t hash_key(const char *name, const char *version, graph_kind kind)
{
	uint64_t h = 1469598103934665603ULL;
	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;
	for (const char *p = version; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	h = (h ^ (unsigned)kind) * 1099511628211ULL;
	return h;
}

static int node_matches(const graph_node *n, const char *name, const char *version, graph_kind kind)
{
	return n->kind == kind && strcmp(n->name, name) == 0 && strcmp(n->version, version) == 0;
}

static void index_insert(node_index *ix, const sigma_graph *g, uint32_t node)
{
	const graph_node *n = &g->nodes[node];
	uint32_t mask = ix->cap - 1;
	uint32_t i = (uint32_t)hash_key(n->name, n->version, n->kind) & mask;
	while (ix->slots[i])
		i = (i + 1) & mask;
	ix->slots[i] = node + 1;
}

static void index_grow(sigma_graph *g)
{
	node_index *ix = g->index;
	uint32_t cap = ix->cap ? ix->cap * 2 : 256;
	free(ix->slots);
	ix->slots = sigma_xcalloc(cap, sizeof *ix->slots);
	ix->cap = cap;
	for (uint32_t i = 0; i < g->nnodes; i++)
		index_insert(ix, g, i);
}

static int index_lookup(uint32_t *out, const sigma_graph *g, const char *name,
                        const char *version, graph_kind kind)
{
	const node_index *ix = g->index;
	if (!ix->cap)
		return SIGMA_ENOTFOUND;
	uint32_t mask = ix->cap - 1;
	uint32_t i = (uint32_t)hash_key(name, version, kind) & mask;
	while (ix->slots[i]) {
		uint32_t node = ix->slots[i] - 1;
		if (node_matches(&g->nodes[node], name, version, kind)) {
			*out = node;
			return 0;
		}
		i = (i + 1) & mask;
	}
	return SIGMA_ENOTFOUND;
}

/* ---------------------------------------------------------------- nodes */

void graph_new(sigma_graph **out, const char *lockfile, const char *ecosystem, const char *format)
{
	sigma_graph *g = sigma_xcalloc(1, sizeof *g);
	g->lockfile = sigma_xstrdup(lockfile ? lockfile : "");
	g->ecosystem = sigma_xstrdup(ecosystem ? ecosystem : "");
	g->format = sigma_xstrdup(format ? format : "");
	g->index = sigma_xcalloc(1, sizeof(node_index));
	*out = g;
}

void graph_free(sigma_graph *g)
{
	if (!g)
		return;
	for (uint32_t i = 0; i < g->nnodes; i++) {
		graph_node *n = &g->nodes[i];
		free(n->name); free(n->version); free(n->alias); free(n->spec);
		free(n->integrity); free(n->resolved); free(n->deps); free(n->parents);
		for (uint32_t f = 0; f < n->nfindings; f++) {
			free(n->findings[f].code);
			free(n->findings[f].message);
		}
		free(n->findings);
	}
	free(g->nodes);
	if (g->index) {
		free(((node_index *)g->index)->slots);
		free(((node_index *)g->index)->edges);
	}
	free(g->index);
	free(g->lockfile); free(g->ecosystem); free(g->format);
	free(g);
}

int graph_node_find(uint32_t *out, const sigma_graph *g, const char *name, const char *version)
{
	for (int k = 0; k < GRAPH_KIND__COUNT; k++)
		if (index_lookup(out, g, name, version, (graph_kind)k) == 0)
			return 0;
	return SIGMA_ENOTFOUND;
}

uint32_t graph_node_get(sigma_graph *g, const char *name, const char *version, graph_kind kind)
{
	uint32_t found;
	if (!version)
		version = "";
	if (index_lookup(&found, g, name, version, kind) == 0)
		return found;
	if (g->nnodes == g->capnodes) {
		g->capnodes = g->capnodes ? g->capnodes * 2 : 64;
		g->nodes = sigma_xrealloc(g->nodes, g->capnodes * sizeof *g->nodes);
	}
	uint32_t i = g->nnodes++;
	graph_node *n = &g->nodes[i];
	memset(n, 0, sizeof *n);
	n->name = sigma_xstrdup(name);
	n->version = sigma_xstrdup(version);
	n->kind = kind;
	n->depth = -1;
	n->via = -1;
	node_index *ix = g->index;
	if ((uint64_t)g->nnodes * 2 > ix->cap)
		index_grow(g);
	else
		index_insert(ix, g, i);
	g->finished = 0;
	return i;
}

void graph_set(char **field, const char *value)
{
	free(*field);
	*field = value ? sigma_xstrdup(value) : NULL;
}

void graph_edge_add(sigma_graph *g, uint32_t from, uint32_t to)
{
	graph_node *n = &g->nodes[from];
	if (from == to || edge_seen(g->index, from, to))
		return;
	if (n->ndeps == n->capdeps) {
		n->capdeps = n->capdeps ? n->capdeps * 2 : 4;
		n->deps = sigma_xrealloc(n->deps, n->capdeps * sizeof *n->deps);
	}
	n->deps[n->ndeps++] = to;
	g->finished = 0;
}

void graph_direct_add(sigma_graph *g, uint32_t node, const char *spec, int dev)
{
	graph_node *n = &g->nodes[node];
	if (!n->direct) {
		n->direct = 1;
		n->dev = dev ? 1 : 0;
	} else if (!dev) {
		n->dev = 0; /* declared as a production dependency somewhere */
	}
	if (spec && !n->spec)
		n->spec = sigma_xstrdup(spec);
	g->finished = 0;
}

void graph_orphans_direct(sigma_graph *g)
{
	uint8_t *required = sigma_xcalloc(g->nnodes + 1, 1);
	for (uint32_t i = 0; i < g->nnodes; i++)
		for (uint32_t e = 0; e < g->nodes[i].ndeps; e++)
			required[g->nodes[i].deps[e]] = 1;
	for (uint32_t i = 0; i < g->nnodes; i++)
		if (!required[i] && !g->nodes[i].direct)
			graph_direct_add(g, i, NULL, 0);
	free(required);
}

void graph_finding_add(sigma_graph *g, uint32_t node, const char *code, const char *fmt, ...)
{
	graph_node *n = &g->nodes[node];
	for (uint32_t i = 0; i < n->nfindings; i++)
		if (strcmp(n->findings[i].code, code) == 0)
			return; /* one finding per code per package is enough to act on */
	va_list ap;
	va_start(ap, fmt);
	char msg[512];
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	n->findings = sigma_xrealloc(n->findings, (n->nfindings + 1) * sizeof *n->findings);
	n->findings[n->nfindings].code = sigma_xstrdup(code);
	n->findings[n->nfindings].message = sigma_xstrdup(msg);
	n->nfindings++;
}

/* ---------------------------------------------------------------- BFS */

void graph_finish(sigma_graph *g)
{
	if (g->finished)
		return;
	uint32_t *queue = sigma_xmalloc((g->nnodes + 1) * sizeof *queue);
	uint32_t head = 0, tail = 0;
	for (uint32_t i = 0; i < g->nnodes; i++) {
		graph_node *n = &g->nodes[i];
		free(n->parents);
		n->parents = NULL;
		n->nparents = 0;
		n->via = -1;
		n->seen_prod = 0;
		n->depth = n->direct ? 0 : -1;
		if (n->direct)
			queue[tail++] = i;
	}
	/* Depth and chain: BFS from all direct nodes at once. */
	while (head < tail) {
		uint32_t u = queue[head++];
		graph_node *un = &g->nodes[u];
		for (uint32_t e = 0; e < un->ndeps; e++) {
			graph_node *vn = &g->nodes[un->deps[e]];
			if (vn->depth < 0) {
				vn->depth = un->depth + 1;
				vn->via = (int32_t)u;
				queue[tail++] = un->deps[e];
			}
		}
	}
	/* Parents: every node with an edge to it (reachable ones only). Counted
	 * first and allocated once: growing by one per edge made a package
	 * required by 100,000 others cost 100,000 reallocations. */
	uint32_t *count = sigma_xcalloc(g->nnodes + 1, sizeof *count);
	for (uint32_t u = 0; u < g->nnodes; u++)
		for (uint32_t e = 0; g->nodes[u].depth >= 0 && e < g->nodes[u].ndeps; e++)
			count[g->nodes[u].deps[e]]++;
	for (uint32_t v = 0; v < g->nnodes; v++)
		if (count[v])
			g->nodes[v].parents = sigma_xmalloc(count[v] * sizeof *g->nodes[v].parents);
	free(count);
	for (uint32_t u = 0; u < g->nnodes; u++) {
		graph_node *un = &g->nodes[u];
		if (un->depth < 0)
			continue;
		for (uint32_t e = 0; e < un->ndeps; e++) {
			graph_node *vn = &g->nodes[un->deps[e]];
			vn->parents[vn->nparents++] = u;
		}
	}
	/* dev: a package is dev when no production root reaches it. Propagate
	 * "production" from every non-dev direct node. */
	head = tail = 0;
	for (uint32_t i = 0; i < g->nnodes; i++)
		if (g->nodes[i].direct && !g->nodes[i].dev) {
			g->nodes[i].seen_prod = 1;
			queue[tail++] = i;
		}
	while (head < tail) {
		graph_node *un = &g->nodes[queue[head++]];
		for (uint32_t e = 0; e < un->ndeps; e++) {
			graph_node *vn = &g->nodes[un->deps[e]];
			if (!vn->seen_prod) {
				vn->seen_prod = 1;
				queue[tail++] = un->deps[e];
			}
		}
	}
	for (uint32_t i = 0; i < g->nnodes; i++)
		if (g->nodes[i].depth >= 0)
			g->nodes[i].dev = !g->nodes[i].seen_prod;
	free(queue);
	g->finished = 1;
}

void graph_chain(const sigma_graph *g, uint32_t i, uint32_t *out, uint32_t *n)
{
	uint32_t len = 0;
	for (int32_t at = (int32_t)i; at >= 0 && len <= (uint32_t)(g->nodes[i].depth < 0 ? 0 : g->nodes[i].depth);
	     at = g->nodes[at].via)
		out[len++] = (uint32_t)at;
	for (uint32_t a = 0, b = len ? len - 1 : 0; a < b; a++, b--) {
		uint32_t t = out[a];
		out[a] = out[b];
		out[b] = t;
	}
	*n = len;
}

/* ---------------------------------------------------------------- cache form */

/* The cache form is JSON (graph_load reads it with cJSON), written here
 * directly into a buffer: on a cold push it is written for every lockfile,
 * and building a cJSON tree of a 1,250-package graph first cost as much as
 * parsing the lockfile. */
static void put_member(sigma_buf *b, const char *key, const char *v)
{
	if (!v)
		return;
	sigma_buf_puts(b, ",\"");
	sigma_buf_puts(b, key);
	sigma_buf_puts(b, "\":");
	json_put_string_bytes(b, v);
}

char *graph_save(const sigma_graph *g)
{
	sigma_buf b = SIGMA_BUF_INIT;
	sigma_buf_puts(&b, "{\"lockfile\":");
	json_put_string_bytes(&b, g->lockfile ? g->lockfile : "");
	put_member(&b, "ecosystem", g->ecosystem);
	put_member(&b, "format", g->format);
	sigma_buf_puts(&b, ",\"n\":[");
	for (uint32_t i = 0; i < g->nnodes; i++) {
		const graph_node *n = &g->nodes[i];
		sigma_buf_puts(&b, i ? ",{\"n\":" : "{\"n\":");
		json_put_string_bytes(&b, n->name);
		put_member(&b, "v", n->version);
		put_member(&b, "a", n->alias);
		put_member(&b, "s", n->spec);
		put_member(&b, "i", n->integrity);
		put_member(&b, "r", n->resolved);
		if (n->kind)
			put_member(&b, "k", graph_kind_name(n->kind));
		int flags = n->dev | n->optional << 1 | n->peer << 2 | n->direct << 3;
		if (flags) {
			sigma_buf_puts(&b, ",\"f\":");
			sigma_buf_put_uint(&b, (unsigned)flags);
		}
		if (n->ndeps) {
			sigma_buf_puts(&b, ",\"d\":[");
			for (uint32_t e = 0; e < n->ndeps; e++) {
				if (e)
					sigma_buf_putc(&b, ',');
				sigma_buf_put_uint(&b, n->deps[e]);
			}
			sigma_buf_putc(&b, ']');
		}
		if (n->nfindings) {
			sigma_buf_puts(&b, ",\"x\":[");
			for (uint32_t f = 0; f < n->nfindings; f++) {
				sigma_buf_puts(&b, f ? ",[" : "[");
				json_put_string_bytes(&b, n->findings[f].code);
				sigma_buf_putc(&b, ',');
				json_put_string_bytes(&b, n->findings[f].message);
				sigma_buf_putc(&b, ']');
			}
			sigma_buf_putc(&b, ']');
		}
		sigma_buf_putc(&b, '}');
	}
	sigma_buf_puts(&b, "]}");
	return sigma_buf_steal(&b);
}

static const char *str_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int graph_load(sigma_graph **out, const char *json, size_t len)
{
	int rc = SIGMA_EINVALID;
	sigma_graph *g = NULL;
	cJSON *root = cJSON_ParseWithLength(json, len);
	const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(root, "n");
	if (!cJSON_IsArray(nodes))
		goto out;
	graph_new(&g, str_of(root, "lockfile"), str_of(root, "ecosystem"), str_of(root, "format"));
	uint32_t count = (uint32_t)cJSON_GetArraySize(nodes);
	const cJSON *o;
	cJSON_ArrayForEach(o, nodes) {
		const char *name = str_of(o, "n"), *kind = str_of(o, "k");
		int k = kind ? kind_from_name(kind) : 0;
		if (!name || k < 0)
			goto out;
		uint32_t i = graph_node_get(g, name, str_of(o, "v"), (graph_kind)k);
		graph_node *n = &g->nodes[i];
		graph_set(&n->alias, str_of(o, "a"));
		graph_set(&n->spec, str_of(o, "s"));
		graph_set(&n->integrity, str_of(o, "i"));
		graph_set(&n->resolved, str_of(o, "r"));
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, "f");
		int flags = cJSON_IsNumber(f) ? f->valueint : 0;
		n->dev = flags & 1; n->optional = (flags >> 1) & 1;
		n->peer = (flags >> 2) & 1; n->direct = (flags >> 3) & 1;
		const cJSON *fa = cJSON_GetObjectItemCaseSensitive(o, "x"), *fo;
		cJSON_ArrayForEach(fo, fa) {
			const cJSON *c = cJSON_GetArrayItem(fo, 0), *m = cJSON_GetArrayItem(fo, 1);
			if (cJSON_IsString(c) && cJSON_IsString(m))
				graph_finding_add(g, i, c->valuestring, "%s", m->valuestring);
		}
	}
	if (g->nnodes != count)
		goto out;
	uint32_t i = 0;
	cJSON_ArrayForEach(o, nodes) {
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "d"), *e;
		cJSON_ArrayForEach(e, d) {
			if (!cJSON_IsNumber(e) || e->valuedouble < 0 || e->valuedouble >= count)
				goto out;
			graph_edge_add(g, i, (uint32_t)e->valuedouble);
		}
		i++;
	}
	graph_finish(g);
	*out = g;
	g = NULL;
	rc = 0;
out:
	cJSON_Delete(root);
	graph_free(g);
	if (rc)
		sigma_error_set(rc, "corrupt cached graph");
	return rc;
}
