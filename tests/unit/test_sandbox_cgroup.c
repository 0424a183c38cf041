/* test_sandbox_cgroup.c: starting a process inside a v2 cgroup with
 * sandbox_cgroup_clone (clone3 CLONE_INTO_CGROUP), which `sigma sandbox`
 * uses on hosts that have only the unified hierarchy. The development and
 * CI machines are hybrid (memory and pids on v1), so the sandbox itself
 * takes the v1 path there; this drives the v2 start directly, in a leaf of
 * whatever cgroup2 mount the machine has (it needs no controller). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "common/util.h"
#include "sandbox/cgroup.h"
#include "tap.h"

/* The mount point of a cgroup2 hierarchy, or NULL. */
static char *cgroup2_mount(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[4096];
	char *found = NULL;
	while (f && !found && fgets(line, sizeof line, f)) {
		char *dash = strstr(line, " - cgroup2 ");
		if (!dash)
			continue;
		char mnt[4096];
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1)
			found = sigma_xstrdup(mnt);
	}
	if (f)
		fclose(f);
	return found;
}

/* Our own path in the v2 hierarchy ("0::/path"), or NULL. */
static char *own_v2_path(void)
{
	FILE *f = fopen("/proc/self/cgroup", "r");
	char line[4096];
	char *found = NULL;
	while (f && !found && fgets(line, sizeof line, f))
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			found = sigma_xstrdup(line + 3);
		}
	if (f)
		fclose(f);
	return found;
}

int main(void)
{
	char *mnt = cgroup2_mount();
	char *own = own_v2_path();
	if (geteuid() != 0 || !mnt || !own) {
		skip("needs root and a cgroup2 mount");
		skip("needs root and a cgroup2 mount");
		skip("needs root and a cgroup2 mount");
		skip("needs root and a cgroup2 mount");
		return tap_done();
	}
	/* A leaf beside us, or at the root of the mount when we sit there. */
	char *name = sigma_xasprintf("sigma-test-clone-%ld", (long)getpid());
	char *leaf = sigma_xasprintf("%s%s/%s", mnt, strcmp(own, "/") ? own : "", name);
	int made = mkdir(leaf, 0755) == 0;
	if (!made) {
		free(leaf);
		leaf = sigma_xasprintf("%s/%s", mnt, name);
		made = mkdir(leaf, 0755) == 0;
	}
	if (!made) {
		skip("cannot create a v2 cgroup here: %s", strerror(errno));
		skip("cannot create a v2 cgroup here");
		skip("cannot create a v2 cgroup here");
		skip("cannot create a v2 cgroup here");
		return tap_done();
	}
	const char *rel = leaf + strlen(mnt); /* the child's path in the hierarchy */

	sandbox_cgroup cg;
	memset(&cg, 0, sizeof cg);
	cg.version = 2;
	cg.mem_dir = leaf;
	int inside = -1;
	pid_t pid = sandbox_cgroup_clone(0, NULL, &cg, &inside);
	if (pid == 0) {
		/* The child: where does it live, from its very first instruction? */
		char *mine = own_v2_path();
		_exit(mine && strcmp(mine, rel) == 0 ? 0 : 3);
	}
	int st = 0;
	pid_t w = pid > 0 ? waitpid(pid, &st, __WALL) : -1;
	ok(pid > 0 && inside == 1, "clone3 CLONE_INTO_CGROUP starts the child in the leaf (pid %ld, born inside %d)",
	   (long)pid, inside);
	ok(w == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	   "the child's /proc/self/cgroup names the leaf (%s) from its start", rel);

	/* v1 (or no cgroup): a plain clone, and the caller moves the child. */
	cg.version = 1;
	inside = -1;
	pid = sandbox_cgroup_clone(0, NULL, &cg, &inside);
	if (pid == 0) {
		char *mine = own_v2_path();
		_exit(mine && strcmp(mine, rel) != 0 ? 0 : 3);
	}
	w = pid > 0 ? waitpid(pid, &st, __WALL) : -1;
	ok(pid > 0 && inside == 0, "not v2: a plain clone, reported as not born inside");
	ok(w == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "and that child is where its parent is");

	rmdir(leaf);
	free(leaf);
	free(name);
	free(mnt);
	free(own);
	return tap_done();
}
