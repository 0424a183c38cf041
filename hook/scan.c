/* scan.c: see scan.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/error.h"
#include "common/json.h"
#include "common/util.h"
#include "hook/repo.h"
#include "hook/scan.h"
#include "hook/treepath.h"

#define CACHE_VERSION "3"  /* bump when the graph or list form changes */
#define LOCKFILE_MAX ((size_t)64 << 20)

/* ---------------------------------------------------------------- errors */

static void add_error(scan_set *s, const char *path, const char *message)
{
	s->errors = sigma_xrealloc(s->errors, (s->nerrors + 1) * sizeof *s->errors);
	s->errors[s->nerrors].path = sigma_xstrdup(path);
	s->errors[s->nerrors].message = sigma_xstrdup(message);
	s->errors[s->nerrors].unjudged = lockfile_detect_path(path) == &lockfile_unread;
	s->nerrors++;
}

void scan_set_dispose(scan_set *s)
{
	for (size_t i = 0; i < s->nrefs; i++) {
		graph_free(s->graphs ? s->graphs[i] : NULL);
		free(s->deps ? s->deps[i] : NULL);
	}
	free(s->graphs);
	free(s->deps);
	lockfile_refs_free(s->refs, s->nrefs);
	for (size_t i = 0; i < s->nerrors; i++) {
		free(s->errors[i].path);
		free(s->errors[i].message);
	}
	free(s->errors);
	for (size_t i = 0; i < s->nignored; i++) {
		free(s->ignored[i].path);
		free(s->ignored[i].message);
	}
	free(s->ignored);
	memset(s, 0, sizeof *s);
}

static int ref_cmp(const void *a, const void *b)
{
	return strcmp(((const lockfile_ref *)a)->path, ((const lockfile_ref *)b)->path);
}

/* Lockfiles a package manager does not read when another sits beside
 * them: npm installs from npm-shrinkwrap.json when a directory has one and
 * ignores package-lock.json there (npm docs, "npm-shrinkwrap.json"); Bun
 * reads bun.lock before bun.lockb. Judging the ignored file would refuse
 * or pass a push over bytes nobody installs from. */
static const struct { const char *ignored, *read, *tool; } shadows[] = {
	{ "package-lock.json", "npm-shrinkwrap.json", "npm" },
	{ "bun.lockb", "bun.lock", "bun" },
};

/* Move the shadowed lockfiles out of `refs` (sorted by path) into
 * `ignored`, each with one line saying why. */
static void drop_shadowed(scan_set *s)
{
	/* Searched in a copy: compacting `refs` in place while searching it
	 * would leave it unsorted after two drops, and a sibling could be
	 * missed (the shadowed file then judged after all). */
	size_t n = s->nrefs, kept = 0;
	lockfile_ref *sorted = sigma_xmalloc((n ? n : 1) * sizeof *sorted);
	if (n)
		memcpy(sorted, s->refs, n * sizeof *sorted);
	for (size_t i = 0; i < s->nrefs; i++) {
		lockfile_ref *ref = &s->refs[i];
		const char *slash = strrchr(ref->path, '/');
		const char *base = slash ? slash + 1 : ref->path;
		int dropped = 0;
		for (size_t k = 0; k < sizeof shadows / sizeof *shadows && !dropped; k++) {
			if (strcmp(base, shadows[k].ignored) != 0)
				continue;
			lockfile_ref want = { .path = sigma_xasprintf("%.*s%s", (int)(base - ref->path), ref->path,
			                                              shadows[k].read) };
			if (bsearch(&want, sorted, n, sizeof *sorted, ref_cmp)) {
				s->ignored = sigma_xrealloc(s->ignored, (s->nignored + 1) * sizeof *s->ignored);
				s->ignored[s->nignored].path = ref->path;
				s->ignored[s->nignored].message = sigma_xasprintf(
					"ignored by %s, which installs from %s beside it; not judged", shadows[k].tool, want.path);
				s->nignored++;
				dropped = 1;
			}
			free(want.path);
		}
		if (!dropped)
			s->refs[kept++] = *ref;
	}
	s->nrefs = kept;
	free(sorted);
}

/* ---------------------------------------------------------------- lockfile lists */

static char *list_save(const lockfile_ref *refs, size_t n)
{
	sigma_buf b = SIGMA_BUF_INIT;
	sigma_buf_puts(&b, "");
	for (size_t i = 0; i < n; i++)
		sigma_buf_printf(&b, "%s\t%s\t%s\t%s\n", refs[i].format->name, refs[i].oid,
		                 refs[i].manifest_oid[0] ? refs[i].manifest_oid : "-", refs[i].path);
	return sigma_buf_steal(&b);
}

static int list_load(lockfile_ref **out, size_t *n, const char *text)
{
	lockfile_ref *refs = NULL;
	size_t count = 0;
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		if (!nl)
			break;
		char fmt[32], oid[64], moid[64];
		int used = 0;
		if (sscanf(p, "%31[^\t]\t%63[^\t]\t%63[^\t]\t%n", fmt, oid, moid, &used) != 3 || !used)
			goto bad;
		const char *path = p + used;
		char *whole = sigma_xstrndup(path, (size_t)(nl - path));
		const lockfile_format *f = lockfile_detect_path(whole);
		free(whole);
		if (!f || strcmp(f->name, fmt) != 0 || strlen(oid) != 40)
			goto bad;
		refs = sigma_xrealloc(refs, (count + 1) * sizeof *refs);
		lockfile_ref *r = &refs[count++];
		memset(r, 0, sizeof *r);
		r->path = sigma_xstrndup(path, (size_t)(nl - path));
		snprintf(r->oid, sizeof r->oid, "%s", oid);
		snprintf(r->manifest_oid, sizeof r->manifest_oid, "%s", strcmp(moid, "-") ? moid : "");
		r->format = f;
		p = nl + 1;
	}
	*out = refs;
	*n = count;
	return 0;
bad:
	lockfile_refs_free(refs, count);
	return SIGMA_EINVALID;
}

/* The lockfile list of `tree`: from the cache, else by diffing against
 * `base_tree`'s list, else by walking the whole tree. */
static int lockfile_list(lockfile_ref **out, size_t *n, sigma_repo *r, registry *reg,
                         const char *tree, const char *base_tree)
{
	char *key = sigma_xasprintf("tree:" CACHE_VERSION ":%s", tree);
	char *deps = NULL, *value = NULL;
	int rc;
	if (reg && registry_cache_get(reg, key, &deps, &value) == 0 && list_load(out, n, value) == 0) {
		rc = 0;
		goto out;
	}
	lockfile_ref *base = NULL;
	size_t nbase = 0;
	int have_base = base_tree && strcmp(base_tree, tree) != 0 &&
	                lockfile_list(&base, &nbase, r, reg, base_tree, NULL) == 0;
	rc = repo_lockfiles(out, n, r, tree, have_base ? base_tree : NULL, base, nbase);
	lockfile_refs_free(base, nbase);
	if (!rc && reg) {
		char *text = list_save(*out, *n);
		registry_cache_put(reg, key, NULL, text);
		free(text);
	}
out:
	free(key);
	free(deps);
	free(value);
	return rc;
}

/* ---------------------------------------------------------------- reading files */

/* What a resolver's read_file callback sees: the tree (or directory) and a
 * record of every file it asked for, which becomes the cache entry's deps. */
typedef struct reader {
	sigma_repo *repo;      /* tree mode */
	const char *tree;
	int rootfd;            /* directory mode: the directory, opened once */
	sigma_buf deps;        /* "path\toid\n" per extra file read */
} reader;

static int path_is_inside(const char *path)
{
	if (!*path || path[0] == '/')
		return 0;
	for (const char *p = path; *p;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return 0;
		p += len + (slash ? 1 : 0);
	}
	return 1;
}

/* Directory mode: the file at `path` inside the directory, through
 * treepath_open (no symbolic link followed on the way). */
static int read_beneath(sigma_buf *out, int rootfd, const char *path)
{
	int fd;
	int rc = treepath_open(&fd, rootfd, path, 0);
	if (rc)
		return rc;
	rc = sigma_buf_read_fd(out, fd);
	close(fd);
	return rc ? sigma_error_wrap(rc, "%s: ", path) : 0;
}

static int read_other(void *ctx, const char *path, sigma_buf *out)
{
	reader *rd = ctx;
	if (!path_is_inside(path))
		return sigma_error_set(SIGMA_ENOTFOUND, "%s: outside the pushed tree", path);
	if (rd->repo) {
		char oid[SIGMA_OID_HEX] = "-";
		int rc = repo_read_path(out, oid, rd->repo, rd->tree, path);
		sigma_buf_printf(&rd->deps, "%s\t%s\n", path, rc == 0 ? oid : "-");
		return rc;
	}
	return read_beneath(out, rd->rootfd, path);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The subdirectories of root/path (not symlinks), sorted: what
 * repo_list_dirs gives for a tree. Reached through treepath_open, so no
 * link on the way to path is followed either. */
static int list_dir_fs(int rootfd, const char *path, sigma_buf *out)
{
	int fd = -1, rc = 0;
	if (*path)
		rc = treepath_open(&fd, rootfd, path, 1);
	else if ((fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		rc = sigma_error_set(SIGMA_ENOTFOUND, ".: %s", strerror(errno));
	DIR *d = rc ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return rc ? rc : sigma_error_set(SIGMA_ENOTFOUND, "%s: not a directory", path);
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		struct stat st;
		int is_dir = fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
		if (!is_dir)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			names = sigma_xrealloc(names, cap * sizeof *names);
		}
		names[n++] = sigma_xstrdup(de->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, name_cmp);
	for (size_t i = 0; i < n; i++) {
		sigma_buf_puts(out, names[i]);
		sigma_buf_putc(out, '\n');
		free(names[i]);
	}
	free(names);
	return 0;
}

/* A directory listing as a dependency: "@ls:PATH\tHASH" where HASH is the
 * SHA-256 of the listing ("-" when there is no such directory), so adding
 * or removing a workspace directory invalidates the cached graph while
 * edits inside the workspaces do not. */
static void listing_hash(char out[65], int rc, const sigma_buf *listing)
{
	if (rc)
		snprintf(out, 65, "-");
	else
		sigma_sha256_hex(listing->ptr ? listing->ptr : "", listing->len, out);
}

static int list_other(void *ctx, const char *path, sigma_buf *out)
{
	reader *rd = ctx;
	if (*path && !path_is_inside(path))
		return sigma_error_set(SIGMA_ENOTFOUND, "%s: outside the pushed tree", path);
	if (!rd->repo)
		return list_dir_fs(rd->rootfd, path, out);
	size_t before = out->len;
	int rc = repo_list_dirs(out, rd->repo, rd->tree, path);
	sigma_buf mine = { .ptr = out->ptr ? out->ptr + before : NULL, .len = out->len - before };
	char h[65];
	listing_hash(h, rc, &mine);
	sigma_buf_printf(&rd->deps, "@ls:%s\t%s\n", path, h);
	return rc;
}

/* An environment variable as a dependency: "@env:NAME\tHASH", HASH the
 * SHA-256 of its value or "-" when unset, so a cached graph (and a reused
 * judgement) that expanded ${NAME} is redone when the server's value
 * changes, without the value itself being stored. */
static void env_hash(char out[65], const char *value)
{
	if (!value)
		snprintf(out, 65, "-");
	else
		sigma_sha256_hex(value, strlen(value), out);
}

static const char *env_other(void *ctx, const char *name)
{
	reader *rd = ctx;
	const char *value = getenv(name);
	if (rd->repo) {
		char h[65];
		env_hash(h, value);
		sigma_buf_printf(&rd->deps, "@env:%s\t%s\n", name, h);
	}
	return value;
}

/* The recorded deps still hold for this tree? */
static int deps_hold(sigma_repo *r, const char *tree, const char *deps, const char *dir)
{
	for (const char *p = deps; p && *p;) {
		const char *nl = strchr(p, '\n');
		if (!nl)
			return 0;
		const char *tab = memchr(p, '\t', (size_t)(nl - p));
		if (!tab)
			return 0;
		char *path = sigma_xstrndup(p, (size_t)(tab - p));
		char *want = sigma_xstrndup(tab + 1, (size_t)(nl - tab - 1));
		int same;
		if (strcmp(path, "@dir") == 0) {
			same = !dir || strcmp(want, dir) == 0;
		} else if (strncmp(path, "@env:", 5) == 0) {
			char have[65];
			env_hash(have, getenv(path + 5));
			same = strcmp(have, want) == 0;
		} else if (strncmp(path, "@ls:", 4) == 0) {
			sigma_buf listing = SIGMA_BUF_INIT;
			char have[65];
			listing_hash(have, repo_list_dirs(&listing, r, tree, path + 4), &listing);
			sigma_buf_dispose(&listing);
			sigma_error_clear();
			same = strcmp(have, want) == 0;
		} else {
			char have[SIGMA_OID_HEX] = "-";
			if (repo_read_path(NULL, have, r, tree, path) != 0)
				snprintf(have, sizeof have, "-");
			same = strcmp(have, want) == 0;
		}
		free(path);
		free(want);
		if (!same)
			return 0;
		p = nl + 1;
	}
	return 1;
}

int scan_deps_hold(sigma_repo *r, const char *tree, const char *deps)
{
	return deps_hold(r, tree, deps, NULL);
}

/* ---------------------------------------------------------------- resolving */

static int resolve_one(sigma_graph **out, const lockfile_ref *ref, const char *data, size_t len,
                       const char *manifest, size_t mlen, reader *rd)
{
	char *mpath = lockfile_manifest_path(ref);
	lockfile_input in = {
		.path = ref->path, .data = data, .len = len,
		.manifest_path = mpath, .manifest = manifest, .manifest_len = mlen,
		.read_file = read_other, .list_dirs = list_other, .getenv = env_other, .ctx = rd,
	};
	int rc = lockfile_resolve(out, ref->format, &in);
	free(mpath);
	return rc;
}

static void dir_of(char *out, size_t n, const char *path)
{
	const char *slash = strrchr(path, '/');
	snprintf(out, n, "%.*s", slash ? (int)(slash - path) : 0, path);
}

static void graph_for_tree_ref(scan_set *s, size_t i, sigma_repo *r, registry *reg, const char *tree)
{
	const lockfile_ref *ref = &s->refs[i];
	char dir[4096];
	dir_of(dir, sizeof dir, ref->path);
	char *key = sigma_xasprintf("lock:" CACHE_VERSION ":%s:%s:%s", ref->format->name, ref->oid,
	                            ref->manifest_oid[0] ? ref->manifest_oid : "-");
	char *deps = NULL, *value = NULL;
	if (reg && registry_cache_get(reg, key, &deps, &value) == 0 && deps_hold(r, tree, deps, dir) &&
	    graph_load(&s->graphs[i], value, strlen(value)) == 0) {
		graph_set(&s->graphs[i]->lockfile, ref->path);
		s->cache_hits++;
		s->deps[i] = deps;
		deps = NULL;
		goto out;
	}
	sigma_buf lock, man;
	sigma_buf_init(&lock, LOCKFILE_MAX);
	sigma_buf_init(&man, LOCKFILE_MAX);
	reader rd = { .repo = r, .tree = tree, .rootfd = -1 };
	int rc = repo_read_blob(&lock, r, ref->oid);
	if (!rc && ref->manifest_oid[0])
		rc = repo_read_blob(&man, r, ref->manifest_oid);
	if (!rc)
		rc = resolve_one(&s->graphs[i], ref, lock.ptr, lock.len,
		                 ref->manifest_oid[0] ? man.ptr : NULL, man.len, &rd);
	if (rc) {
		add_error(s, ref->path, sigma_error_last());
	} else if (reg) {
		/* A resolver that read other files depends on where the lockfile
		 * sits (relative includes): record the directory as well. */
		if (rd.deps.len) {
			sigma_buf_printf(&rd.deps, "@dir\t%s\n", dir);
		}
		char *text = graph_save(s->graphs[i]);
		registry_cache_put(reg, key, rd.deps.len ? rd.deps.ptr : NULL, text);
		free(text);
	}
	if (!rc && rd.deps.len)
		s->deps[i] = sigma_xstrdup(rd.deps.ptr);
	sigma_buf_dispose(&lock);
	sigma_buf_dispose(&man);
	sigma_buf_dispose(&rd.deps);
out:
	free(key);
	free(deps);
	free(value);
}

int scan_tree_list(scan_set *out, sigma_repo *r, registry *reg, const char *tree, const char *base_tree)
{
	memset(out, 0, sizeof *out);
	int rc = lockfile_list(&out->refs, &out->nrefs, r, reg, tree, base_tree);
	if (rc)
		return rc;
	drop_shadowed(out);
	out->graphs = sigma_xcalloc(out->nrefs, sizeof *out->graphs);
	out->deps = sigma_xcalloc(out->nrefs, sizeof *out->deps);
	return 0;
}

void scan_tree_resolve(scan_set *s, sigma_repo *r, registry *reg, const char *tree, const unsigned char *skip)
{
	for (size_t i = 0; i < s->nrefs; i++)
		if (!s->graphs[i] && !(skip && skip[i]))
			graph_for_tree_ref(s, i, r, reg, tree);
}

int scan_tree(scan_set *out, sigma_repo *r, registry *reg, const char *tree, const char *base_tree)
{
	int rc = scan_tree_list(out, r, reg, tree, base_tree);
	if (!rc)
		scan_tree_resolve(out, r, reg, tree, NULL);
	return rc;
}

const scan_set *scan_lazy_get(void *ctx)
{
	scan_lazy *b = ctx;
	if (!b->tree)
		return NULL;
	if (!b->loaded) {
		b->loaded = 1;
		if (scan_tree(&b->set, b->repo, b->reg, b->tree, NULL) != 0) {
			scan_set_dispose(&b->set);
			b->tree = NULL;
			return NULL;
		}
	}
	return &b->set;
}

/* ---------------------------------------------------------------- directories */

/* Find the lockfiles below the directory `fd` (at `rel` inside the scan;
 * the walk owns and closes fd). Subdirectories are entered with
 * openat(O_NOFOLLOW) from their parent's descriptor, so a directory
 * replaced by a link between listing and entering is not followed. */
static int walk_dir(scan_set *s, int fd, const char *rel, int depth)
{
	DIR *d = fdopendir(fd);
	if (!d) {
		int rc = sigma_error_set(SIGMA_EIO, "%s: %s", *rel ? rel : ".", strerror(errno));
		close(fd);
		return rc;
	}
	struct dirent *e;
	int rc = 0;
	while (!rc && (e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !strcmp(e->d_name, ".git") ||
		    !strcmp(e->d_name, "node_modules"))
			continue;
		char *child = *rel ? sigma_xasprintf("%s/%s", rel, e->d_name) : sigma_xstrdup(e->d_name);
		struct stat st;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			if (S_ISDIR(st.st_mode) && depth < 64) {
				int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (sub >= 0)
					rc = walk_dir(s, sub, child, depth + 1);
			} else if (S_ISREG(st.st_mode)) {
				const lockfile_format *fmt = lockfile_detect_path(child);
				if (fmt) {
					s->refs = sigma_xrealloc(s->refs, (s->nrefs + 1) * sizeof *s->refs);
					lockfile_ref *ref = &s->refs[s->nrefs++];
					memset(ref, 0, sizeof *ref);
					ref->path = sigma_xstrdup(child);
					ref->format = fmt;
				}
			}
		}
		free(child);
	}
	closedir(d);
	return rc;
}

int scan_dir(scan_set *out, const char *root)
{
	memset(out, 0, sizeof *out);
	/* The directory itself is the user's choice (a link to it is fine);
	 * everything below it is reached through descriptors, never by path. */
	int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), walkfd = -1;
	if (rootfd < 0 || (walkfd = dup(rootfd)) < 0) {
		int rc = sigma_error_set(SIGMA_EIO, "%s: %s", root, strerror(errno));
		if (rootfd >= 0)
			close(rootfd);
		return rc;
	}
	int rc = walk_dir(out, walkfd, "", 0);
	if (rc) {
		close(rootfd);
		return rc;
	}
	if (out->nrefs)
		qsort(out->refs, out->nrefs, sizeof *out->refs, ref_cmp);
	drop_shadowed(out);
	out->graphs = sigma_xcalloc(out->nrefs, sizeof *out->graphs);
	out->deps = sigma_xcalloc(out->nrefs, sizeof *out->deps);
	for (size_t i = 0; i < out->nrefs; i++) {
		lockfile_ref *ref = &out->refs[i];
		sigma_buf lock, man;
		sigma_buf_init(&lock, LOCKFILE_MAX);
		sigma_buf_init(&man, LOCKFILE_MAX);
		reader rd = { .rootfd = rootfd };
		char *mrel = lockfile_manifest_path(ref);
		/* No manifest is fine; a manifest behind a link is not read, and
		 * says so, rather than quietly judging without it. */
		int mrc = mrel ? read_beneath(&man, rootfd, mrel) : SIGMA_ENOTFOUND;
		int rc1 = mrc == SIGMA_EINVALID ? mrc : read_beneath(&lock, rootfd, ref->path);
		if (!rc1)
			rc1 = resolve_one(&out->graphs[i], ref, lock.ptr, lock.len,
			                  mrc == 0 ? man.ptr : NULL, man.len, &rd);
		if (rc1)
			add_error(out, ref->path, sigma_error_last());
		sigma_error_clear();
		free(mrel);
		sigma_buf_dispose(&lock);
		sigma_buf_dispose(&man);
		sigma_buf_dispose(&rd.deps);
	}
	close(rootfd);
	return 0;
}
