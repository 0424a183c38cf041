/* etc.c: see etc.h.
 *
 * The image is built under a temporary name next to where it goes and
 * renamed into place when complete, so a directory with a fingerprint's
 * name is always whole; two supervisors building the same image at once
 * both succeed, and the one that renames second throws its copy away.
 * Every file is created relative to the directory being built, with
 * O_EXCL and O_NOFOLLOW, and given its mode explicitly (the caller's umask
 * must not make /etc unreadable to the sandbox user). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include "common/util.h"
#include "sandbox/etc.h"

/* ------------------------------------------------------------ contents */

const char *const sandbox_etc_files[] = {
	"ld.so.cache", "ld.so.conf", "localtime", "timezone", "protocols",
	"services", "rpc", "networks", "ethertypes", "mime.types", "os-release",
	"debian_version", "lsb-release", "bash.bashrc", "profile", "inputrc",
	"shells", "locale.alias", "locale.conf", "gai.conf", "host.conf",
	"magic", "magic.mime", "ca-certificates.conf", "ssl/openssl.cnf",
};
const size_t sandbox_etc_nfiles = sizeof sandbox_etc_files / sizeof *sandbox_etc_files;

const char *const sandbox_etc_dirs[] = {
	"ld.so.conf.d", "alternatives", "ssl/certs", "ca-certificates",
	"profile.d", "python3", "python3.11", "perl", "terminfo",
};
const size_t sandbox_etc_ndirs = sizeof sandbox_etc_dirs / sizeof *sandbox_etc_dirs;

#define TEXT(name, text) { name, text, sizeof text - 1 }
const sandbox_etc_text sandbox_etc_texts[] = {
	TEXT("passwd",
	     "root:x:0:0:root:/root:/usr/sbin/nologin\n"
	     "sandbox:x:1000:1000:sandbox:/tmp:/bin/sh\n"
	     "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"),
	TEXT("group", "root:x:0:\nsandbox:x:1000:\nnogroup:x:65534:\n"),
	TEXT("hosts", "127.0.0.1\tlocalhost sandbox\n::1\tlocalhost ip6-localhost ip6-loopback\n"),
	TEXT("hostname", "sandbox\n"),
	/* Lookups fail fast (the connect is refused) and show up in the log. */
	TEXT("resolv.conf", "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n"),
	TEXT("nsswitch.conf",
	     "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n"
	     "networks: files\nprotocols: files\nservices: files\nethers: files\nrpc: files\n"),
};
const size_t sandbox_etc_ntexts = sizeof sandbox_etc_texts / sizeof *sandbox_etc_texts;

/* -------------------------------------------------------- the cache dir */

char *sandbox_etc_cache_root(void)
{
	if (geteuid() == 0)
		return sigma_xstrdup("/run/sigma/sandbox-etc");
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (xdg && xdg[0] == '/')
		return sigma_xasprintf("%s/sigma/sandbox-etc", xdg);
	/* No login session (a service account): the user's cache. */
	const char *cache = getenv("XDG_CACHE_HOME");
	if (cache && cache[0] == '/')
		return sigma_xasprintf("%s/sigma/sandbox-etc", cache);
	const char *home = getenv("HOME");
	if (home && home[0] == '/')
		return sigma_xasprintf("%s/.cache/sigma/sandbox-etc", home);
	return NULL;
}

/* path is a real directory of ours that no one else may write to. */
static int ours(const char *path, const struct stat *st)
{
	(void)path;
	return S_ISDIR(st->st_mode) && st->st_uid == geteuid() && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

/* Make sure path is such a directory, creating it (mode 0755, or 0700
 * outside /run) if it is missing; its parent must exist. */
static int own_dir(const char *path, mode_t mode)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		if (errno != ENOENT || mkdir(path, mode) < 0 || lstat(path, &st) < 0)
			return -1;
		if (chmod(path, mode) < 0)
			return -1;
	}
	return ours(path, &st) ? 0 : -1;
}

/* ---------------------------------------------------------- fingerprint */

typedef struct fnv { uint64_t h; } fnv;

static void fnv_add(fnv *f, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++) {
		f->h ^= p[i];
		f->h *= 0x100000001b3ULL;
	}
}

/* One host entry as the image will reproduce it. */
typedef struct entry {
	const char *name;     /* relative to /etc */
	int         is_dir;   /* from sandbox_etc_dirs */
	int         present;
	struct stat st;
	char        link[PATH_MAX]; /* target, when a symlink */
} entry;

static void look(entry *e, const char *etc_root, fnv *f)
{
	char path[PATH_MAX];
	e->present = 0;
	e->link[0] = '\0';
	fnv_add(f, e->name, strlen(e->name) + 1);
	if ((size_t)snprintf(path, sizeof path, "%s/%s", etc_root, e->name) >= sizeof path ||
	    lstat(path, &e->st) < 0) {
		fnv_add(f, "-", 1);
		return;
	}
	e->present = 1;
	if (S_ISLNK(e->st.st_mode)) {
		ssize_t n = readlink(path, e->link, sizeof e->link - 1);
		if (n <= 0) {
			e->present = 0;
			fnv_add(f, "-", 1);
			return;
		}
		e->link[n] = '\0';
		fnv_add(f, "l", 1);
		fnv_add(f, e->link, (size_t)n + 1);
		return;
	}
	/* Directories are bound live: only what they are counts. Files: all
	 * that changes when they are rewritten, in place or by rename. */
	if (e->is_dir || S_ISDIR(e->st.st_mode)) {
		fnv_add(f, S_ISDIR(e->st.st_mode) ? "d" : "o", 1);
		return;
	}
	uint64_t v[9] = {
		(uint64_t)e->st.st_dev, (uint64_t)e->st.st_ino, (uint64_t)e->st.st_size,
		(uint64_t)e->st.st_mode, (uint64_t)e->st.st_mtim.tv_sec, (uint64_t)e->st.st_mtim.tv_nsec,
		(uint64_t)e->st.st_ctim.tv_sec, (uint64_t)e->st.st_ctim.tv_nsec, SANDBOX_ETC_FILE_CAP,
	};
	fnv_add(f, "f", 1);
	fnv_add(f, v, sizeof v);
}

/* ------------------------------------------------------------- building */

/* Remove name in dirfd, whatever it is, without following symlinks. */
static void remove_tree(int at, const char *name)
{
	if (unlinkat(at, name, 0) == 0 || (errno != EISDIR && errno != EPERM))
		return;
	int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		DIR *d = fdopendir(fd);
		if (!d) {
			close(fd);
		} else {
			struct dirent *de;
			while ((de = readdir(d)))
				if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, ".."))
					remove_tree(dirfd(d), de->d_name);
			closedir(d);
		}
	}
	unlinkat(at, name, AT_REMOVEDIR);
}

/* The parent directories of name inside dirfd ("ssl" for ssl/certs). */
static int parents_at(int dirfd, const char *name)
{
	char buf[PATH_MAX];
	size_t len = strlen(name);
	if (len >= sizeof buf)
		return -1;
	memcpy(buf, name, len + 1);
	for (char *s = buf; (s = strchr(s, '/')); s++) {
		*s = '\0';
		/* Only ever directories we made: the image has no symlink on
		 * the way to anything. */
		if (mkdirat(dirfd, buf, 0755) < 0 && errno != EEXIST)
			return -1;
		if (fchmodat(dirfd, buf, 0755, 0) < 0)
			return -1;
		*s = '/';
	}
	return 0;
}

static int create_at(int dirfd, const char *name)
{
	if (parents_at(dirfd, name) < 0)
		return -1;
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
	if (fd >= 0 && fchmod(fd, 0444) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Copy the host file etc_root/name if it is still a regular file within
 * the cap; anything else is left out, as it would have been. */
static int copy_at(int dirfd, const char *etc_root, const char *name)
{
	char path[PATH_MAX];
	if ((size_t)snprintf(path, sizeof path, "%s/%s", etc_root, name) >= sizeof path)
		return 0;
	int src = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (src < 0)
		return 0;
	if (fstat(src, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > SANDBOX_ETC_FILE_CAP) {
		close(src);
		return 0;
	}
	int dst = create_at(dirfd, name);
	int rc = dst < 0 ? -1 : 0;
	off_t left = st.st_size;
	while (rc == 0 && left > 0) {
		ssize_t n = sendfile(dst, src, NULL, (size_t)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = -1;
		if (n <= 0)
			break;
		left -= n;
	}
	if (dst >= 0 && close(dst) < 0)
		rc = -1;
	close(src);
	return rc;
}

static int fill(int dirfd, const char *etc_root, entry *files, entry *dirs)
{
	for (size_t i = 0; i < sandbox_etc_ntexts; i++) {
		const sandbox_etc_text *t = &sandbox_etc_texts[i];
		int fd = create_at(dirfd, t->name);
		if (fd < 0 || sigma_write_all(fd, t->text, t->len) < 0) {
			if (fd >= 0)
				close(fd);
			return -1;
		}
		if (close(fd) < 0)
			return -1;
	}
	for (size_t i = 0; i < sandbox_etc_nfiles + sandbox_etc_ndirs; i++) {
		entry *e = i < sandbox_etc_nfiles ? &files[i] : &dirs[i - sandbox_etc_nfiles];
		if (!e->present)
			continue;
		if (e->link[0]) {
			if (parents_at(dirfd, e->name) < 0 || symlinkat(e->link, dirfd, e->name) < 0)
				return -1;
		} else if (e->is_dir) {
			/* The mount point of the live bind. */
			if (!S_ISDIR(e->st.st_mode))
				continue;
			if (parents_at(dirfd, e->name) < 0 || mkdirat(dirfd, e->name, 0755) < 0 ||
			    fchmodat(dirfd, e->name, 0755, 0) < 0)
				return -1;
		} else if (copy_at(dirfd, etc_root, e->name) < 0) {
			return -1;
		}
	}
	return 0;
}

/* Remove images (and abandoned builds) not used for a day. */
static void sweep(const char *cache_root, const char *keep)
{
	DIR *d = opendir(cache_root);
	if (!d)
		return;
	time_t now = time(NULL);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		struct stat st;
		if (strcmp(de->d_name, keep) == 0 || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (now - st.st_mtime > 24 * 60 * 60)
			remove_tree(dirfd(d), de->d_name);
	}
	closedir(d);
}

char *sandbox_etc_image(const char *etc_root, const char *cache_root, unsigned *live_dirs,
                        const char **why)
{
	*why = NULL;
	_Static_assert(sizeof sandbox_etc_dirs / sizeof *sandbox_etc_dirs <= 8 * sizeof(unsigned),
	               "live_dirs has a bit per directory");
	/* Not zeroed: look() sets every field it reads (34 PATH_MAX link
	 * buffers were 140 KB of memset at every start). */
	entry *files = sigma_xmalloc(sandbox_etc_nfiles * sizeof *files);
	entry *dirs = sigma_xmalloc(sandbox_etc_ndirs * sizeof *dirs);
	char *image = NULL, *tmp = NULL;
	fnv f = { 0xcbf29ce484222325ULL };
	/* Change this when what fill() makes of the same sources changes. */
	static const char version[] = "sigma sandbox /etc image 1";
	fnv_add(&f, version, sizeof version);
	for (size_t i = 0; i < sandbox_etc_ntexts; i++) {
		fnv_add(&f, sandbox_etc_texts[i].name, strlen(sandbox_etc_texts[i].name) + 1);
		fnv_add(&f, sandbox_etc_texts[i].text, sandbox_etc_texts[i].len);
	}
	for (size_t i = 0; i < sandbox_etc_nfiles; i++) {
		files[i].name = sandbox_etc_files[i];
		files[i].is_dir = 0;
		look(&files[i], etc_root, &f);
	}
	for (size_t i = 0; i < sandbox_etc_ndirs; i++) {
		dirs[i].name = sandbox_etc_dirs[i];
		dirs[i].is_dir = 1;
		look(&dirs[i], etc_root, &f);
	}
	if (live_dirs) {
		*live_dirs = 0;
		for (size_t i = 0; i < sandbox_etc_ndirs; i++)
			if (dirs[i].present && !dirs[i].link[0] && S_ISDIR(dirs[i].st.st_mode))
				*live_dirs |= 1u << i;
	}

	/* The cache directory and its parent: ours, nobody else's to write;
	 * the directory they are made in (/run, $XDG_RUNTIME_DIR) ours or
	 * root's, and nobody else's to write either, or someone could swap
	 * ours for theirs. */
	char *parent = sigma_xstrdup(cache_root);
	char *slash = strrchr(parent, '/');
	mode_t mode = strncmp(cache_root, "/run/sigma/", 11) == 0 ? 0755 : 0700;
	int ok = 0;
	if (slash && slash != parent) {
		*slash = '\0';
		char *top = sigma_xstrdup(parent);
		char *s2 = strrchr(top, '/');
		struct stat tst;
		if (s2) {
			*s2 = '\0';
			ok = lstat(*top ? top : "/", &tst) == 0 && S_ISDIR(tst.st_mode) &&
			     (tst.st_uid == geteuid() || tst.st_uid == 0) && !(tst.st_mode & (S_IWGRP | S_IWOTH));
		}
		free(top);
		ok = ok && own_dir(parent, mode) == 0 && own_dir(cache_root, 0755) == 0;
	}
	free(parent);
	if (!ok) {
		*why = "the cache directory is missing, not ours, or writable by others";
		goto out;
	}

	char name[17];
	snprintf(name, sizeof name, "%016llx", (unsigned long long)f.h);
	image = sigma_xasprintf("%s/%s", cache_root, name);
	struct stat st;
	if (lstat(image, &st) == 0) {
		if (!ours(image, &st)) {
			*why = "the image is not ours, or writable by others";
			free(image);
			image = NULL;
			goto out;
		}
		/* In use: keep it from the sweep (an hour's precision will do). */
		if (time(NULL) - st.st_mtime > 60 * 60)
			utimensat(AT_FDCWD, image, NULL, AT_SYMLINK_NOFOLLOW);
		goto out;
	}

	tmp = sigma_xasprintf("%s/.build-XXXXXX", cache_root);
	if (!mkdtemp(tmp)) {
		*why = "cannot create a directory in the cache";
		free(tmp);
		tmp = NULL;
		free(image);
		image = NULL;
		goto out;
	}
	int tfd = open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int built = tfd >= 0 && fill(tfd, etc_root, files, dirs) == 0 && fchmod(tfd, 0755) == 0;
	if (tfd >= 0)
		close(tfd);
	if (built && rename(tmp, image) == 0) {
		sweep(cache_root, name);
		goto out;
	}
	/* A concurrent supervisor may have put the same image in place. */
	int raced = built && (errno == EEXIST || errno == ENOTEMPTY) && lstat(image, &st) == 0 && ours(image, &st);
	char *base = strrchr(tmp, '/');
	int cfd = open(cache_root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cfd >= 0) {
		remove_tree(cfd, base + 1);
		close(cfd);
	}
	if (!raced) {
		*why = "building the image failed";
		free(image);
		image = NULL;
	}
out:
	free(tmp);
	free(files);
	free(dirs);
	return image;
}
