/* test_sandbox_etc.c: the sandbox's /etc image (sandbox/etc.c), built from
 * a made-up /etc in a temporary directory: what goes in and what never
 * does, modes whatever the umask, reuse while nothing changed, a new image
 * when a file changes, the sweep of old images, and refusing a cache
 * directory that is not safely ours. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "common/util.h"
#include "sandbox/etc.h"
#include "tap.h"

static char root[] = "/tmp/sigma-etc-test-XXXXXX";

static void put(const char *rel, const char *text)
{
	char *path = sigma_xasprintf("%s/%s", root, rel);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	free(path);
}

static char *slurp(const char *dir, const char *rel)
{
	char *path = sigma_xasprintf("%s/%s", dir, rel);
	FILE *f = fopen(path, "r");
	free(path);
	if (!f)
		return NULL;
	static char buf[4096];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static int mode_of(const char *dir, const char *rel, mode_t *mode)
{
	char *path = sigma_xasprintf("%s/%s", dir, rel);
	struct stat st;
	int rc = lstat(path, &st);
	free(path);
	if (rc == 0)
		*mode = st.st_mode;
	return rc;
}

static int exists(const char *dir, const char *rel)
{
	mode_t m;
	return mode_of(dir, rel, &m) == 0;
}

int main(void)
{
	if (!mkdtemp(root)) {
		printf("1..0 # SKIP cannot make a temporary directory\n0 passed, 0 failed\n");
		return 0;
	}
	char *etc = sigma_xasprintf("%s/etc", root);
	char *cache_parent = sigma_xasprintf("%s/cache", root);
	char *cache = sigma_xasprintf("%s/cache/sigma/sandbox-etc", root);
	mkdir(etc, 0755);
	mkdir(cache_parent, 0700);
	put("etc/ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n");
	put("etc/shadow", "root:$6$secret:19000:0:99999:7:::\n");
	put("etc/npmrc", "//registry.example/:_authToken=secret\n");
	put("etc/passwd", "root:x:0:0:host's own passwd:/root:/bin/bash\n");
	char *p = sigma_xasprintf("%s/etc/ssl", root);
	mkdir(p, 0700); /* root-only on the host: the image's is 0755 */
	free(p);
	put("etc/ssl/openssl.cnf", "[openssl_init]\n");
	p = sigma_xasprintf("%s/etc/ssl/certs", root);
	mkdir(p, 0755);
	free(p);
	p = sigma_xasprintf("%s/etc/localtime", root);
	if (symlink("/usr/share/zoneinfo/Etc/UTC", p) < 0) { /* checked below */ }
	free(p);
	put("etc/python3", "a file where a directory is expected\n");
	/* Larger than the cap: left out, as the copying path leaves it. */
	p = sigma_xasprintf("%s/etc/mime.types", root);
	if (truncate(p, 0) < 0) {
		FILE *f = fopen(p, "w");
		if (f)
			fclose(f);
	}
	if (truncate(p, (off_t)SANDBOX_ETC_FILE_CAP + 1) < 0) { /* checked below */ }
	free(p);

	/* A umask that would leave /etc unreadable to the sandbox user. */
	umask(077);
	const char *why = NULL;
	unsigned live = 0;
	char *image = sandbox_etc_image(etc, cache, &live, &why);
	ok(image != NULL, "an image is built (%s)", why ? why : "no complaint");
	if (!image) {
		tap_done();
		return 1;
	}
	ok(strncmp(image, cache, strlen(cache)) == 0 && strlen(image) == strlen(cache) + 17,
	   "it is named after a fingerprint, inside the cache: %s", image + strlen(cache));
	mode_t m = 0;
	ok(mode_of(image, ".", &m) == 0 && (m & 07777) == 0755, "the image directory is 0755 whatever the umask");
	ok(mode_of(image, "ld.so.conf", &m) == 0 && S_ISREG(m) && (m & 07777) == 0444,
	   "a listed file is copied, 0444");
	const char *got = slurp(image, "ld.so.conf");
	ok(got && strcmp(got, "include /etc/ld.so.conf.d/*.conf\n") == 0, "with the host's contents");
	got = slurp(image, "passwd");
	ok(got && strstr(got, "sandbox:x:1000:1000:") && !strstr(got, "host's own"),
	   "passwd is the sandbox's own, not the host's");
	ok(!exists(image, "shadow"), "shadow is never copied");
	ok(!exists(image, "npmrc"), "nor a file that is not listed (npmrc)");
	ok(!exists(image, "mime.types"), "nor a listed file larger than the cap");
	char link[256] = "";
	char *lp = sigma_xasprintf("%s/localtime", image);
	ssize_t ln = readlink(lp, link, sizeof link - 1);
	free(lp);
	if (ln > 0)
		link[ln] = '\0';
	ok(ln > 0 && strcmp(link, "/usr/share/zoneinfo/Etc/UTC") == 0, "a symlink is reproduced: %s", link);
	ok(mode_of(image, "ssl", &m) == 0 && S_ISDIR(m) && (m & 07777) == 0755, "ssl/ is made 0755");
	ok(mode_of(image, "ssl/openssl.cnf", &m) == 0 && (m & 07777) == 0444, "ssl/openssl.cnf is copied");
	ok(mode_of(image, "ssl/certs", &m) == 0 && S_ISDIR(m), "ssl/certs is a mount point for the live bind");
	ok(mode_of(image, "ssl/certs/.", &m) == 0 && slurp(image, "ssl/certs/anything") == NULL,
	   "and empty");
	ok(!exists(image, "python3"), "a listed directory that is a file on the host is left out");
	unsigned want = 0;
	for (size_t i = 0; i < sandbox_etc_ndirs; i++)
		if (strcmp(sandbox_etc_dirs[i], "ssl/certs") == 0)
			want |= 1u << i;
	ok(live == want, "the directories to bind live: ssl/certs only, not the file python3 (%#x)", live);

	struct stat first;
	int have_first = stat(image, &first) == 0;
	char *again = sandbox_etc_image(etc, cache, NULL, &why);
	struct stat second;
	ok(again && strcmp(again, image) == 0 && have_first && stat(again, &second) == 0 &&
	   second.st_ino == first.st_ino, "nothing changed: the same image, not rebuilt");
	free(again);

	/* A host file rewritten in place, same size: a new image. */
	put("etc/ld.so.conf", "include /etc/ld.so.conf.d/*.cnf\n");
	char *lpath = sigma_xasprintf("%s/etc/ld.so.conf", root);
	struct timespec ts[2] = { { time(NULL) + 5, 0 }, { time(NULL) + 5, 0 } };
	utimensat(AT_FDCWD, lpath, ts, 0);
	char *changed = sandbox_etc_image(etc, cache, NULL, &why);
	ok(changed && strcmp(changed, image) != 0, "a changed host file names another image");
	got = changed ? slurp(changed, "ld.so.conf") : NULL;
	ok(got && strcmp(got, "include /etc/ld.so.conf.d/*.cnf\n") == 0, "which has the new contents");
	ok(exists(image, "passwd"), "the previous image stays while it may be in use");

	/* Images unused for more than a day go when another is built. */
	struct timespec old[2] = { { time(NULL) - 3 * 86400, 0 }, { time(NULL) - 3 * 86400, 0 } };
	utimensat(AT_FDCWD, image, old, AT_SYMLINK_NOFOLLOW);
	put("etc/ld.so.conf", "include /etc/ld.so.conf.d/*.xyz\n");
	struct timespec ts2[2] = { { time(NULL) + 10, 0 }, { time(NULL) + 10, 0 } };
	utimensat(AT_FDCWD, lpath, ts2, 0);
	char *third = sandbox_etc_image(etc, cache, NULL, &why);
	struct stat gone;
	ok(third && stat(image, &gone) < 0 && errno == ENOENT, "an image unused for days is swept");
	ok(changed && exists(changed, "passwd"), "a recent one is kept");
	ok(third && exists(third, "passwd"), "and the new one is whole");
	free(third);
	free(changed);
	free(lpath);

	/* A cache that others could write to, or reached through a symlink:
	 * refused (the caller then builds /etc in the sandbox's own root). */
	char *loose_parent = sigma_xasprintf("%s/loose", root);
	mkdir(loose_parent, 0700);
	char *loose_sigma = sigma_xasprintf("%s/loose/sigma", root);
	mkdir(loose_sigma, 0777);
	chmod(loose_sigma, 0777);
	char *loose = sigma_xasprintf("%s/loose/sigma/sandbox-etc", root);
	why = NULL;
	char *refused = sandbox_etc_image(etc, loose, NULL, &why);
	ok(refused == NULL && why != NULL, "a group/world-writable cache parent is refused: %s", why ? why : "");
	free(refused);
	char *linked_parent = sigma_xasprintf("%s/linked", root);
	mkdir(linked_parent, 0700);
	char *linked_sigma = sigma_xasprintf("%s/linked/sigma", root);
	if (symlink(cache_parent, linked_sigma) < 0) { /* checked by the result */ }
	char *linked = sigma_xasprintf("%s/linked/sigma/sandbox-etc", root);
	why = NULL;
	refused = sandbox_etc_image(etc, linked, NULL, &why);
	ok(refused == NULL && why != NULL, "a cache reached through a symlink is refused");
	free(refused);
	char *open_top = sigma_xasprintf("%s/open", root);
	mkdir(open_top, 0777);
	chmod(open_top, 0777);
	char *open_cache = sigma_xasprintf("%s/open/sigma/sandbox-etc", root);
	why = NULL;
	refused = sandbox_etc_image(etc, open_cache, NULL, &why);
	struct stat made;
	ok(refused == NULL && lstat(open_cache, &made) < 0,
	   "nothing is made in a directory others can write to (a world-writable XDG_RUNTIME_DIR)");
	free(refused);
	free(open_cache);
	free(open_top);
	if (geteuid() == 0) {
		char *foreign_parent = sigma_xasprintf("%s/foreign", root);
		mkdir(foreign_parent, 0700);
		char *foreign_sigma = sigma_xasprintf("%s/foreign/sigma", root);
		mkdir(foreign_sigma, 0755);
		if (chown(foreign_sigma, 65534, 65534) < 0) { /* checked by the result */ }
		char *foreign = sigma_xasprintf("%s/foreign/sigma/sandbox-etc", root);
		refused = sandbox_etc_image(etc, foreign, NULL, &why);
		ok(refused == NULL, "a cache directory owned by another user is refused");
		free(refused);
		free(foreign);
		free(foreign_sigma);
		free(foreign_parent);
	} else {
		skip("not root: cannot make a directory of another user");
	}

	char *cmd = sigma_xasprintf("rm -rf '%s'", root);
	if (system(cmd) != 0) { /* leftovers in /tmp only */ }
	free(cmd);
	free(image);
	free(etc);
	free(cache);
	free(cache_parent);
	free(loose);
	free(loose_sigma);
	free(loose_parent);
	free(linked);
	free(linked_sigma);
	free(linked_parent);
	return tap_done();
}
