/* cgroup.c: see cgroup.h.
 *
 * Where the hierarchies are comes from /proc/self/mountinfo (cgroup2, or
 * cgroup with "memory"/"pids" among its options); where we are in them
 * from /proc/self/cgroup. v2 is preferred when it has the memory and pids
 * controllers; on hybrid hosts those are bound to v1 and we use v1.
 *
 * Leaves are named sigma-sandbox-PID-N after the supervisor's pid. A
 * supervisor killed with SIGKILL cannot remove its leaf (its processes are
 * gone, the empty directory stays), so every creation first sweeps the
 * empty leaves of supervisors that no longer exist. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "common/buf.h"
#include "common/error.h"
#include "common/util.h"
#include "sandbox/cgroup.h"

#define LEAF_PREFIX "sigma-sandbox-"

/* -------------------------------------------------------------- helpers */

static int write_str(const char *dir, const char *file, const char *value)
{
	char *path = sigma_xasprintf("%s/%s", dir, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int rc = 0;
	free(path);
	if (fd < 0)
		return -errno;
	size_t len = strlen(value);
	if (write(fd, value, len) != (ssize_t)len)
		rc = -errno;
	close(fd);
	return rc;
}

/* Small text file into a fresh string, or NULL. */
static char *read_str(const char *dir, const char *file)
{
	char *path = dir ? sigma_xasprintf("%s/%s", dir, file) : sigma_xstrdup(file);
	sigma_buf b;
	sigma_buf_init(&b, 1 << 20);
	int rc = sigma_buf_read_file(&b, path);
	free(path);
	if (rc) {
		sigma_buf_dispose(&b);
		return NULL;
	}
	if (!b.ptr)
		return sigma_xstrdup("");
	return sigma_buf_steal(&b);
}

/* Whether the space-separated `list` contains `word`. */
static int has_word(const char *list, const char *word, char sep)
{
	size_t wl = strlen(word);
	for (const char *p = list; p && *p; ) {
		const char *e = strchr(p, sep);
		size_t l = e ? (size_t)(e - p) : strlen(p);
		while (l && (p[l - 1] == '\n' || p[l - 1] == ' '))
			l--;
		if (l == wl && memcmp(p, word, wl) == 0)
			return 1;
		p = e ? e + 1 : NULL;
	}
	return 0;
}

static void add_note(sandbox_cgroup *cg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_note(sandbox_cgroup *cg, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	char *joined = cg->note ? sigma_xasprintf("%s; %s", cg->note, line) : sigma_xstrdup(line);
	free(cg->note);
	cg->note = joined;
}

/* Remove empty leaves left by supervisors that died (see the top). */
static void sweep(const char *parent)
{
	DIR *d = opendir(parent);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, LEAF_PREFIX, sizeof LEAF_PREFIX - 1) != 0)
			continue;
		long pid = strtol(e->d_name + sizeof LEAF_PREFIX - 1, NULL, 10);
		if (pid <= 0 || (kill((pid_t)pid, 0) < 0 && errno == ESRCH)) {
			char *path = sigma_xasprintf("%s/%s", parent, e->d_name);
			rmdir(path); /* fails harmlessly while something still runs in it */
			free(path);
		}
	}
	closedir(d);
}

/* ---------------------------------------------------------- discovery */

/* What the discovery reads, read once per sandbox: the kernel generates
 * mountinfo line by line for every mount, and the three lookups below
 * (v2, v1 memory, v1 pids) used to read both files each. */
typedef struct proc_view {
	char *mountinfo; /* /proc/self/mountinfo */
	char *self;      /* /proc/self/cgroup */
} proc_view;

/* The mount point of the hierarchy (v2 when ctrl is NULL, else the v1
 * hierarchy with that controller) and our directory in it, or NULL. */
static char *own_dir(const proc_view *view, const char *ctrl, char **mnt_out)
{
	char *mountinfo = view->mountinfo ? sigma_xstrdup(view->mountinfo) : NULL;
	char *self = view->self ? sigma_xstrdup(view->self) : NULL;
	char *mnt = NULL, *mroot = NULL, *path = NULL, *dir = NULL;
	if (!mountinfo || !self)
		goto out;
	for (char *line = mountinfo; line && *line; ) {
		char *next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		/* id parent dev root mountpoint opts [optional...] - fstype source superopts */
		char *f[5] = { 0 };
		char *sp = line;
		for (int i = 0; i < 5 && sp; i++) {
			f[i] = sp;
			sp = strchr(sp, ' ');
			if (sp)
				*sp++ = '\0';
		}
		char *dash = sp ? strstr(sp, " - ") : NULL;
		if (!f[4] || !dash) {
			line = next;
			continue;
		}
		char *fstype = dash + 3;
		char *src = strchr(fstype, ' ');
		if (!src) {
			line = next;
			continue;
		}
		*src++ = '\0';
		char *super = strchr(src, ' ');
		super = super ? super + 1 : (char *)"";
		int match = ctrl ? (strcmp(fstype, "cgroup") == 0 && has_word(super, ctrl, ','))
		                 : strcmp(fstype, "cgroup2") == 0;
		if (match && !mnt && strchr(f[4], '\\') == NULL) {
			mnt = sigma_xstrdup(f[4]);
			mroot = sigma_xstrdup(f[3]);
		}
		line = next;
	}
	if (!mnt)
		goto out;
	/* /proc/self/cgroup: "hier-id:controllers:path" */
	for (char *line = self; line && *line; ) {
		char *next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (c2) {
			*c2 = '\0';
			int match = ctrl ? has_word(c1 + 1, ctrl, ',') : (c1 == line + 1 && line[0] == '0' && c1[1] == '\0');
			if (match && !path)
				path = sigma_xstrdup(c2 + 1);
		}
		line = next;
	}
	if (!path)
		goto out;
	/* Our path is relative to the hierarchy's root; the mount shows the
	 * subtree at mroot. */
	const char *rel = path;
	if (strcmp(mroot, "/") != 0) {
		if (!sigma_startswith(path, mroot))
			goto out;
		rel = path + strlen(mroot);
	}
	while (*rel == '/')
		rel++;
	dir = *rel ? sigma_xasprintf("%s/%s", mnt, rel) : sigma_xstrdup(mnt);
	if (mnt_out) {
		*mnt_out = mnt;
		mnt = NULL;
	}
out:
	free(mountinfo);
	free(self);
	free(mnt);
	free(mroot);
	free(path);
	return dir;
}

static char *make_leaf(const char *parent, sandbox_cgroup *cg, const char *what)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	sweep(parent);
	char *leaf = sigma_xasprintf("%s/" LEAF_PREFIX "%ld-%lld%09ld", parent, (long)getpid(),
	                             (long long)ts.tv_sec, ts.tv_nsec);
	if (mkdir(leaf, 0755) < 0) {
		add_note(cg, "%s: cannot create a cgroup under %s: %s", what, parent, strerror(errno));
		free(leaf);
		return NULL;
	}
	return leaf;
}

/* ------------------------------------------------------------------ v2 */

static int try_v2(sandbox_cgroup *cg, const char *parent, uint64_t memory_bytes, unsigned pids)
{
	char *avail = read_str(parent, "cgroup.controllers");
	int ok = avail && has_word(avail, "memory", ' ') && has_word(avail, "pids", ' ');
	free(avail);
	if (!ok)
		return -1;
	char *leaf = make_leaf(parent, cg, "v2");
	if (!leaf)
		return -1;
	char *enabled = read_str(leaf, "cgroup.controllers");
	if (!enabled || !has_word(enabled, "memory", ' ') || !has_word(enabled, "pids", ' ')) {
		/* Fails with EBUSY when the parent holds processes itself. */
		write_str(parent, "cgroup.subtree_control", "+memory +pids");
		free(enabled);
		enabled = read_str(leaf, "cgroup.controllers");
	}
	ok = enabled && has_word(enabled, "memory", ' ') && has_word(enabled, "pids", ' ');
	free(enabled);
	char num[32];
	snprintf(num, sizeof num, "%llu", (unsigned long long)memory_bytes);
	if (ok && write_str(leaf, "memory.max", num) == 0) {
		cg->memory = 1;
		write_str(leaf, "memory.swap.max", "0"); /* absent without swap */
	}
	snprintf(num, sizeof num, "%u", pids);
	if (ok && write_str(leaf, "pids.max", num) == 0)
		cg->pids = 1;
	if (!cg->memory || !cg->pids) {
		cg->memory = cg->pids = 0;
		rmdir(leaf);
		free(leaf);
		return -1;
	}
	cg->version = 2;
	cg->mem_dir = leaf;
	cg->pids_dir = sigma_xstrdup(leaf);
	return 0;
}

static void setup_v2(sandbox_cgroup *cg, const char *own, const char *mnt,
                     uint64_t memory_bytes, unsigned pids)
{
	/* Our own cgroup first; then its parent; then, as root, the hierarchy
	 * root, which has no "no internal processes" rule. */
	char *cand[3] = { sigma_xstrdup(own), NULL, NULL };
	char *slash = strrchr(cand[0], '/');
	if (slash && slash > cand[0] && strcmp(own, mnt) != 0)
		cand[1] = sigma_xstrndup(cand[0], (size_t)(slash - cand[0]));
	if (geteuid() == 0 && strcmp(own, mnt) != 0)
		cand[2] = sigma_xstrdup(mnt);
	for (int i = 0; i < 3 && cg->version == 0; i++)
		if (cand[i])
			try_v2(cg, cand[i], memory_bytes, pids);
	for (int i = 0; i < 3; i++)
		free(cand[i]);
	if (cg->version == 0)
		add_note(cg, "v2: no writable cgroup with the memory and pids controllers near %s", own);
}

/* ------------------------------------------------------------------ v1 */

static void setup_v1(sandbox_cgroup *cg, const proc_view *view, uint64_t memory_bytes, unsigned pids)
{
	char num[32];
	char *mem_own = own_dir(view, "memory", NULL);
	char *pids_own = own_dir(view, "pids", NULL);
	if (!mem_own)
		add_note(cg, "v1: no memory controller mounted");
	if (!pids_own)
		add_note(cg, "v1: no pids controller mounted");
	if (mem_own && (cg->mem_dir = make_leaf(mem_own, cg, "v1 memory"))) {
		snprintf(num, sizeof num, "%llu", (unsigned long long)memory_bytes);
		if (write_str(cg->mem_dir, "memory.limit_in_bytes", num) == 0) {
			cg->memory = 1;
			/* memory+swap, so swap is no way around the limit (absent
			 * without swap accounting). */
			write_str(cg->mem_dir, "memory.memsw.limit_in_bytes", num);
		} else {
			add_note(cg, "v1: cannot set memory.limit_in_bytes in %s", cg->mem_dir);
		}
	}
	if (pids_own && (cg->pids_dir = make_leaf(pids_own, cg, "v1 pids"))) {
		snprintf(num, sizeof num, "%u", pids);
		if (write_str(cg->pids_dir, "pids.max", num) == 0)
			cg->pids = 1;
		else
			add_note(cg, "v1: cannot set pids.max in %s", cg->pids_dir);
	}
	if (cg->memory || cg->pids)
		cg->version = 1;
	free(mem_own);
	free(pids_own);
}

/* --------------------------------------------------------------- public */

int sandbox_cgroup_create(sandbox_cgroup *cg, uint64_t memory_bytes, unsigned pids)
{
	memset(cg, 0, sizeof *cg);
	proc_view view = { read_str(NULL, "/proc/self/mountinfo"), read_str(NULL, "/proc/self/cgroup") };
	char *v2_mnt = NULL;
	char *v2 = own_dir(&view, NULL, &v2_mnt);
	if (v2)
		setup_v2(cg, v2, v2_mnt, memory_bytes, pids);
	free(v2);
	free(v2_mnt);
	if (cg->version == 0) {
		/* Forget v2's complaints if v1 works out. */
		char *v2_note = cg->note;
		cg->note = NULL;
		setup_v1(cg, &view, memory_bytes, pids);
		if (cg->version == 0 && v2_note) {
			char *both = cg->note ? sigma_xasprintf("%s; %s", v2_note, cg->note) : sigma_xstrdup(v2_note);
			free(cg->note);
			cg->note = both;
		}
		free(v2_note);
	}
	free(view.mountinfo);
	free(view.self);
	if (cg->version == 0) {
		char *why = cg->note;
		cg->note = NULL;
		sandbox_cgroup_dispose(cg);
		cg->note = why ? why : sigma_xstrdup("no cgroup hierarchy found");
		return 0;
	}
	if (!cg->memory)
		add_note(cg, "memory is limited by RLIMIT_DATA only");
	if (!cg->pids)
		add_note(cg, "processes are limited by RLIMIT_NPROC only");
	if (cg->memory && cg->pids) {
		free(cg->note); /* earlier attempts that did not matter */
		cg->note = NULL;
	}
	return 0;
}

/* Moving the sandbox into the leaf at `dir` failed with errno err. */
static void not_moved(sandbox_cgroup *cg, const char *dir, int err)
{
	add_note(cg, "cannot move the sandbox into %s: %s", dir, strerror(err));
	if (cg->version == 2 || dir == cg->mem_dir)
		cg->memory = 0;
	if (cg->version == 2 || dir == cg->pids_dir)
		cg->pids = 0;
	if (!cg->memory && !cg->pids)
		cg->version = 0;
}

int sandbox_cgroup_attach(sandbox_cgroup *cg, pid_t pid)
{
	char num[32];
	snprintf(num, sizeof num, "%ld", (long)pid);
	int rc = 0;
	const char *dirs[2] = { cg->mem_dir, cg->version == 1 ? cg->pids_dir : NULL };
	for (int i = 0; i < 2; i++) {
		if (!dirs[i])
			continue;
		int e = write_str(dirs[i], "cgroup.procs", num);
		if (e) {
			not_moved(cg, dirs[i], -e);
			rc = SIGMA_EIO;
		}
	}
	return rc;
}

int sandbox_cgroup_v2_only(void)
{
	char *self = read_str(NULL, "/proc/self/cgroup");
	const char *nl = self ? strchr(self, '\n') : NULL;
	int only = self && strncmp(self, "0::", 3) == 0 && (!nl || !nl[1]);
	free(self);
	return only;
}

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif

/* clone3's argument, as far as CLONE_INTO_CGROUP (CLONE_ARGS_SIZE_VER2);
 * spelled out so that older headers build too. */
struct clone_args_v2 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};

pid_t sandbox_cgroup_clone(unsigned long flags, int *pidfd, const sandbox_cgroup *cg, int *born_inside)
{
	*born_inside = 0;
	int dir = cg->version == 2 && cg->mem_dir
	          ? open(cg->mem_dir, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
	if (dir >= 0) {
		struct clone_args_v2 args;
		memset(&args, 0, sizeof args);
		args.flags = (uint64_t)flags | CLONE_INTO_CGROUP;
		args.pidfd = (uint64_t)(uintptr_t)pidfd;
		args.cgroup = (uint64_t)dir;
		pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
		int err = errno;
		if (pid != 0) /* the child keeps the fd, close-on-exec */
			close(dir);
		if (pid >= 0) {
			*born_inside = 1;
			return pid;
		}
		if (err != ENOSYS && err != E2BIG && err != EINVAL && err != EOPNOTSUPP && err != EACCES && err != EPERM) {
			errno = err;
			return -1;
		}
		/* an older kernel, or a leaf we may not start in: the old way */
	}
	return (pid_t)syscall(SYS_clone, flags, NULL, pidfd, NULL, 0);
}

size_t sandbox_cgroup_self_paths(const sandbox_cgroup *cg, char *buf, size_t cap)
{
	size_t used = 0;
	if (cg->version != 1)
		return 0;
	const char *dirs[2] = { cg->mem_dir, cg->pids_dir };
	for (int i = 0; i < 2; i++) {
		/* An absent leaf still takes a slot (an empty path), so that
		 * the init's failure reports name the right one. */
		const char *dir = dirs[i] ? dirs[i] : "";
		int n = snprintf(buf + used, cap - used, "%s%s", dir, *dir ? "/tasks" : "");
		if (n < 0 || (size_t)n >= cap - used)
			return 0; /* cannot happen with SANDBOX_CGROUP_SELF_MAX */
		used += (size_t)n + 1;
	}
	return used;
}

static void chown_tasks(const sandbox_cgroup *cg, unsigned uid, unsigned gid)
{
	const char *dirs[2] = { cg->mem_dir, cg->pids_dir };
	for (int i = 0; i < 2; i++) {
		if (!dirs[i])
			continue;
		char *path = sigma_xasprintf("%s/tasks", dirs[i]);
		if (chown(path, uid, gid) < 0) { /* the init's write then fails and says so */ }
		free(path);
	}
}

void sandbox_cgroup_lend(sandbox_cgroup *cg, unsigned uid, unsigned gid)
{
	if (cg->version != 1 || (uid == (unsigned)geteuid() && gid == (unsigned)getegid()))
		return;
	chown_tasks(cg, uid, gid);
	cg->lent = 1;
}

void sandbox_cgroup_unlend(sandbox_cgroup *cg)
{
	if (!cg->lent)
		return;
	chown_tasks(cg, (unsigned)geteuid(), (unsigned)getegid());
	cg->lent = 0;
}

void sandbox_cgroup_self_failed(sandbox_cgroup *cg, int which, int err)
{
	const char *dir = which == 0 ? cg->mem_dir : which == 1 ? cg->pids_dir : NULL;
	if (cg->version == 1 && dir)
		not_moved(cg, dir, err);
}

static long long keyed(const char *dir, const char *file, const char *key)
{
	char *text = dir ? read_str(dir, file) : NULL;
	long long v = -1;
	size_t kl = strlen(key);
	for (char *p = text; p && *p; ) {
		if (strncmp(p, key, kl) == 0 && p[kl] == ' ') {
			v = strtoll(p + kl + 1, NULL, 10);
			break;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	free(text);
	return v;
}

void sandbox_cgroup_stats(const sandbox_cgroup *cg, int64_t *peak_kb, int *oom_killed)
{
	*peak_kb = -1;
	*oom_killed = 0;
	if (!cg->mem_dir || !cg->memory)
		return;
	const char *peak_file = cg->version == 2 ? "memory.peak" : "memory.max_usage_in_bytes";
	char *text = read_str(cg->mem_dir, peak_file);
	if (text && *text)
		*peak_kb = strtoll(text, NULL, 10) / 1024;
	free(text);
	long long kills = cg->version == 2 ? keyed(cg->mem_dir, "memory.events", "oom_kill")
	                                   : keyed(cg->mem_dir, "memory.oom_control", "oom_kill");
	*oom_killed = kills > 0;
}

static void remove_leaf(const char *dir, int version)
{
	if (!dir)
		return;
	if (version == 2)
		write_str(dir, "cgroup.kill", "1"); /* 5.14+; the pid namespace is already gone */
	/* The kernel lets go of exiting tasks asynchronously: retry briefly. */
	for (int i = 0; i < 200; i++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return;
		if (errno != EBUSY)
			return;
		struct timespec ts = { 0, 5 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

void sandbox_cgroup_dispose(sandbox_cgroup *cg)
{
	remove_leaf(cg->mem_dir, cg->version);
	if (cg->pids_dir && (!cg->mem_dir || strcmp(cg->pids_dir, cg->mem_dir) != 0))
		remove_leaf(cg->pids_dir, cg->version);
	free(cg->mem_dir);
	free(cg->pids_dir);
	free(cg->note);
	cg->mem_dir = cg->pids_dir = cg->note = NULL;
	cg->version = 0;
	cg->memory = cg->pids = 0;
}
