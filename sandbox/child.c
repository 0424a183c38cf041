/* child.c: the sandbox's pid-namespace init.
 *
 * This code runs in a process made by a raw clone() of the supervisor,
 * already inside fresh user, mount, pid, net, ipc and uts namespaces. It
 * turns that process into the jail step by step, in an order where every
 * step still has the privilege it needs and no step leaves a window:
 *
 *   1. keep only the fds the plan names (CVE-2024-21626: nothing of the
 *      host may leak in), wire 0/1/2 to the supervisor's pipes;
 *   2. open the bind sources and the /etc files to copy while we still
 *      have the caller's identity (root-owned 0700 directories stay
 *      reachable), meanwhile the supervisor writes the uid/gid maps, and
 *      wait for them;
 *   3. become the unprivileged uid/gid, arm PDEATHSIG (after the uid
 *      change, which would clear it) and check the supervisor is alive;
 *   4. private mounts, tmpfs root, pivot_root, the plan's mounts; our
 *      cgroup, which the supervisor made meanwhile (on v1 we write
 *      ourselves into it; on v2 we were born in it, or it moved us), and
 *      the cgroup namespace; the old root detached, / made read-only;
 *   5. rlimits, securebits, every capability set emptied, no_new_privs,
 *      the seccomp filter, the listener handed to the supervisor;
 *   6. start the command the way posix_spawn does (it borrows our memory
 *      until its exec); it sets every signal disposition to the default
 *      and blocks nothing, calls setsid, marks all fds > 2 close-on-exec
 *      and execs; stay as init, reap, report the command's status, exit.
 *      Our exit tears the pid namespace down, killing anything left.
 *
 * Rules for this file: no malloc, no stdio, no locks (we may be a copy of
 * a multi-threaded process), and every failure is reported as a
 * sandbox_msg and ends the process. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <linux/seccomp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "common/util.h"
#include "sandbox/cgroup.h"
#include "sandbox/child.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* ---------------------------------------------------------------- report */

/* Exactly len bytes from fd; -1 on EOF or error. */
static int read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void send_msg(const sandbox_plan *plan, int kind, int where, int err, int value)
{
	sandbox_msg m = { kind, where, err, value };
	if (sigma_write_all(plan->status_fd, &m, sizeof m) < 0) {
		/* the supervisor is gone; PDEATHSIG or EOF ends us */
	}
}

static void __attribute__((noreturn)) fail(const sandbox_plan *plan, int where)
{
	send_msg(plan, MSG_FAILED, where, errno ? errno : EIO, 0);
	_exit(1);
}

/* ------------------------------------------------------------------- fds */

/* Close every fd except those in keep[] (unsorted, -1 entries ignored). */
static int close_except(const int *keep, size_t nkeep)
{
	unsigned lo = 0;
	for (;;) {
		/* The smallest kept fd >= lo. */
		unsigned next = ~0U;
		for (size_t i = 0; i < nkeep; i++)
			if (keep[i] >= 0 && (unsigned)keep[i] >= lo && (unsigned)keep[i] < next)
				next = (unsigned)keep[i];
		if (next > lo) {
			unsigned hi = next == ~0U ? ~0U : next - 1;
			if (syscall(SYS_close_range, lo, hi, 0) < 0) {
				if (errno != ENOSYS)
					return -1;
				/* Pre-5.9 kernel: close one by one up to the limit. */
				long max = sysconf(_SC_OPEN_MAX);
				if (max < 0 || max > 65536)
					max = 65536;
				for (long fd = lo; fd < max && (unsigned long)fd <= hi; fd++)
					close((int)fd);
			}
		}
		if (next == ~0U)
			return 0;
		lo = next + 1;
	}
}

/* Move fd `from` onto `to` (from is closed), tolerating from == to. */
static int move_fd(int from, int to)
{
	if (from == to)
		return fcntl(to, F_SETFD, 0);
	if (dup2(from, to) < 0)
		return -1;
	return close(from);
}

/* "/proc/self/fd/N" into buf (at least 32 bytes). */
static const char *fd_path(char *buf, int fd)
{
	static const char prefix[] = "/proc/self/fd/";
	char digits[16];
	int n = 0;
	unsigned v = (unsigned)fd;
	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && n < (int)sizeof digits);
	memcpy(buf, prefix, sizeof prefix - 1);
	char *p = buf + sizeof prefix - 1;
	while (n > 0)
		*p++ = digits[--n];
	*p = '\0';
	return buf;
}

/* ---------------------------------------------------------------- mounts */

/* Create the parents of `path` (absolute, in the new root). For user binds,
 * refuse to walk through a symlink: the destination then is exactly the
 * path that was asked for. */
/* The directory make_parents last completed, and whether it was checked
 * as a user path (no symlinks): the plan puts ~20 files in /etc and five
 * nodes in /dev, and checking every prefix again for each was most of the
 * init's system calls. Only this process builds the new root, after
 * pivot_root (run_steps), so what was made or checked stays so. */
static char parents_done[PATH_MAX];
static size_t parents_done_len = (size_t)-1;
static int parents_done_user;

static int make_parents(const char *path, int user)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);
	if (len >= sizeof buf) {
		errno = ENAMETOOLONG;
		return -1;
	}
	const char *last = strrchr(path, '/');
	size_t dir_len = last ? (size_t)(last - path) : 0;
	if (dir_len == parents_done_len && (parents_done_user || !user) && memcmp(path, parents_done, dir_len) == 0)
		return 0;
	memcpy(buf, path, len + 1);
	for (char *s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		struct stat st;
		if (lstat(buf, &st) == 0) {
			if (S_ISLNK(st.st_mode) && user) {
				errno = ELOOP;
				return -1;
			}
		} else if (errno != ENOENT || mkdir(buf, 0755) < 0) {
			return -1;
		}
		*s = '/';
	}
	memcpy(parents_done, path, dir_len);
	parents_done_len = dir_len;
	parents_done_user = user;
	return 0;
}

static int make_mountpoint(const char *dst, int is_dir, int user)
{
	if (make_parents(dst, user) < 0)
		return -1;
	struct stat st;
	if (lstat(dst, &st) == 0) {
		if (S_ISLNK(st.st_mode)) {
			errno = ELOOP;
			return -1;
		}
		if (!!S_ISDIR(st.st_mode) != !!is_dir) {
			errno = is_dir ? ENOTDIR : EISDIR;
			return -1;
		}
		return 0;
	}
	if (is_dir)
		return mkdir(dst, 0755);
	int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
	if (fd < 0)
		return -1;
	return close(fd);
}

/* Flags a bind inherits from its source and that a remount must repeat:
 * the kernel locks them when the source belongs to a more privileged
 * namespace, and refuses a remount that would clear them. */
static unsigned long locked_flags(const char *path)
{
	struct statvfs sv;
	unsigned long f = 0;
	if (statvfs(path, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)     f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)      f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)     f |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)    f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)   f |= MS_RELATIME;
	if (sv.f_flag & ST_RDONLY)     f |= MS_RDONLY;
	return f;
}

static int remount(const char *dst, unsigned long flags)
{
	return mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | flags | locked_flags(dst), NULL);
}

/* Add flags to the mount at dst (and, with AT_RECURSIVE in `how`, to the
 * mounts under it): one mount_setattr (5.12+), which only sets what it is
 * given and so needs no statvfs of the locked flags; a remount on older
 * kernels (only without AT_RECURSIVE, see bind_ro for that case). */
static int add_flags(const char *dst, unsigned how, unsigned long flags)
{
	struct mount_attr attr;
	memset(&attr, 0, sizeof attr);
	if (flags & MS_RDONLY) attr.attr_set |= MOUNT_ATTR_RDONLY;
	if (flags & MS_NOSUID) attr.attr_set |= MOUNT_ATTR_NOSUID;
	if (flags & MS_NODEV)  attr.attr_set |= MOUNT_ATTR_NODEV;
	if (flags & MS_NOEXEC) attr.attr_set |= MOUNT_ATTR_NOEXEC;
	if (syscall(SYS_mount_setattr, AT_FDCWD, dst, how, &attr, sizeof attr) == 0)
		return 0;
	if (errno != ENOSYS || how)
		return -1;
	return remount(dst, flags);
}

/* Bind `src` on `dst` read-only, nosuid and nodev, submounts included.
 * mount_setattr(AT_RECURSIVE) makes the whole tree read-only in one step;
 * on kernels without it (< 5.12) we bind without submounts instead, so
 * nothing writable can come along. */
static int bind_ro(const char *src, const char *dst)
{
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
		return -1;
	if (add_flags(dst, AT_RECURSIVE, MS_RDONLY | MS_NOSUID | MS_NODEV) == 0)
		return 0;
	if (errno != ENOSYS)
		return -1;
	if (umount2(dst, MNT_DETACH) < 0 || mount(src, dst, NULL, MS_BIND, NULL) < 0)
		return -1;
	return remount(dst, MS_RDONLY | MS_NOSUID | MS_NODEV);
}

static int run_step(sandbox_step *s)
{
	char fdbuf[32];
	struct stat st;

	switch (s->kind) {
	case STEP_MKDIR:
		if (make_parents(s->dst, s->user) < 0)
			return -1;
		if (mkdir(s->dst, s->mode) < 0 && errno != EEXIST)
			return -1;
		return 0;
	case STEP_SYMLINK:
		if (make_parents(s->dst, s->user) < 0)
			return -1;
		return symlink(s->text, s->dst);
	case STEP_FILE: {
		if (make_parents(s->dst, s->user) < 0)
			return -1;
		int fd = open(s->dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, s->mode);
		if (fd < 0)
			return -1;
		if (sigma_write_all(fd, s->text, s->len) < 0) {
			close(fd);
			return -1;
		}
		return close(fd);
	}
	case STEP_COPY: {
		if (s->src_fd < 0 || fstat(s->src_fd, &st) < 0 || !S_ISREG(st.st_mode) ||
		    (uint64_t)st.st_size > s->len)
			return 0; /* as if absent: nothing of it goes in */
		if (make_parents(s->dst, s->user) < 0)
			return -1;
		int fd = open(s->dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, s->mode);
		if (fd < 0)
			return -1;
		/* In the kernel, without a buffer; a file that shrank meanwhile
		 * ends early, one that grew is cut at its size above. */
		off_t left = st.st_size;
		while (left > 0) {
			ssize_t n = sendfile(fd, s->src_fd, NULL, (size_t)left);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				close(fd);
				return -1;
			}
			if (n == 0)
				break;
			left -= n;
		}
		return close(fd);
	}
	case STEP_BIND_RO:
	case STEP_BIND_DEV:
		if (s->src_fd < 0)
			return 0; /* optional and absent */
		if (fstat(s->src_fd, &st) < 0)
			return -1;
		if (make_mountpoint(s->dst, S_ISDIR(st.st_mode), s->user) < 0)
			return -1;
		fd_path(fdbuf, s->src_fd);
		if (s->kind == STEP_BIND_RO)
			return bind_ro(fdbuf, s->dst);
		/* Device nodes: no MS_RDONLY, /dev/null must stay writable. */
		if (mount(fdbuf, s->dst, NULL, MS_BIND, NULL) < 0)
			return -1;
		return add_flags(s->dst, 0, MS_NOSUID | MS_NOEXEC);
	case STEP_TMPFS:
		if (make_mountpoint(s->dst, 1, s->user) < 0)
			return -1;
		return mount("tmpfs", s->dst, "tmpfs", MS_NOSUID | MS_NODEV, s->text);
	case STEP_PROC:
		if (make_mountpoint(s->dst, 1, 0) < 0)
			return -1;
		return mount("proc", s->dst, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	case STEP_REMOUNT_RO:
		if (lstat(s->dst, &st) < 0)
			return s->optional && errno == ENOENT ? 0 : -1;
		if (mount(s->dst, s->dst, NULL, MS_BIND | MS_REC, NULL) < 0)
			return -1;
		return add_flags(s->dst, 0, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
	}
	errno = EINVAL;
	return -1;
}

/* ------------------------------------------------------------- privilege */

/* Empty all five capability sets and lock the door behind us. Inside a
 * user namespace these capabilities only count for objects the namespace
 * owns, but an empty set means no surprise anywhere: even a bug that gave
 * the process back uid 0 in the namespace would grant nothing, because
 * SECBIT_NOROOT is set and locked. */
static int drop_capabilities(void)
{
	if (prctl(PR_SET_SECUREBITS,
	          SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
	          SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED |
	          SECBIT_KEEP_CAPS_LOCKED |
	          SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED, 0, 0, 0) < 0)
		return -1;
	for (unsigned long cap = 0; cap < 64; cap++) {
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				break; /* past the kernel's last capability */
			return -1;
		}
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -1;
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof data);
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -1;
	/* Trust, but verify. */
	if (syscall(SYS_capget, &hdr, data) < 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		if (data[i].effective || data[i].permitted || data[i].inheritable) {
			errno = EPERM;
			return -1;
		}
	}
	return 0;
}

static int set_limits(const sandbox_plan *plan)
{
	for (int i = 0; i < RLIM_NLIMITS; i++) {
		if (!plan->limit_set[i])
			continue;
		struct rlimit want = plan->limits[i], cur;
		/* Never above the caller's hard limit: raising it would need a
		 * privilege we do not have in the host, and lower is stricter. */
		if (getrlimit(i, &cur) == 0 && cur.rlim_max != RLIM_INFINITY) {
			if (want.rlim_max == RLIM_INFINITY || want.rlim_max > cur.rlim_max)
				want.rlim_max = cur.rlim_max;
			if (want.rlim_cur == RLIM_INFINITY || want.rlim_cur > want.rlim_max)
				want.rlim_cur = want.rlim_max;
		}
		if (setrlimit(i, &want) < 0)
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ exec */

/* The command's code before its exec runs on command_stack (step 6),
 * which AddressSanitizer does not know as a stack: it would take the
 * first call to _exit for a stack switch it cannot follow and die. So no
 * address instrumentation there (make asan); there is nothing to check
 * in it that the escape suite does not exercise. */
#define NO_ASAN __attribute__((no_sanitize_address))

/* execvpe without malloc: find argv[0] in PATH, then one execve. Looking
 * first (access X_OK) keeps failed attempts out of the spawn count. */
static NO_ASAN int exec_command(sandbox_plan *plan)
{
	const char *name = plan->argv[0];
	if (strchr(name, '/')) {
		execve(name, plan->argv, plan->envp);
		return errno;
	}
	int saved = ENOENT;
	size_t nlen = strlen(name);
	for (size_t i = 0; i < plan->npath_dirs; i++) {
		size_t dlen = strlen(plan->path_dirs[i]);
		if (dlen + 1 + nlen + 1 > plan->max_path)
			continue;
		memcpy(plan->exec_buf, plan->path_dirs[i], dlen);
		plan->exec_buf[dlen] = '/';
		memcpy(plan->exec_buf + dlen + 1, name, nlen + 1);
		struct stat st;
		if (stat(plan->exec_buf, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (access(plan->exec_buf, X_OK) < 0) {
			saved = EACCES;
			continue;
		}
		execve(plan->exec_buf, plan->argv, plan->envp);
		return errno;
	}
	return saved;
}

/* What the init hands to the command before its exec, and what comes back
 * when the exec fails. Shared memory: see step 6. */
typedef struct command_start {
	sandbox_plan *plan;
	int           err;   /* errno of the failed exec, or 0 */
} command_start;

/* The kernel's sigset_t, in bytes (64 signals), for the raw signal calls. */
#define KERNEL_SIGSET_SIZE 8

/* The command's stack until its exec (it shares the init's memory, so it
 * cannot use the init's stack). exec_command and libc's wrappers need a
 * few hundred bytes. */
static char command_stack[64 << 10] __attribute__((aligned(16)));

/* The signals whose disposition is not the default (ignored or caught),
 * from /proc/self/status: one read instead of a query per signal. 0 and
 * *ok = 0 when it cannot be read. */
static NO_ASAN uint64_t non_default_signals(int *ok)
{
	char buf[4096];
	*ok = 0;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	static const char *const fields[] = { "\nSigIgn:\t", "\nSigCgt:\t" };
	uint64_t mask = 0;
	for (int f = 0; f < 2; f++) {
		const char *p = strstr(buf, fields[f]);
		if (!p)
			return 0;
		p += strlen(fields[f]);
		uint64_t v = 0;
		int digits = 0;
		for (; digits < 16; digits++, p++) {
			int d = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : -1;
			if (d < 0)
				break;
			v = v << 4 | (uint64_t)d;
		}
		if (digits != 16)
			return 0;
		mask |= v;
	}
	*ok = 1;
	return mask;
}

static NO_ASAN int command_main(void *arg)
{
	command_start *cs = arg;
	sandbox_plan *plan = cs->plan;
	/* Every signal is blocked (the init did it before the clone): a
	 * handler of the caller's must not run on the memory we share with
	 * the init. The command starts as a fresh process would, whatever the
	 * caller had: every disposition the default (this table is our own,
	 * no CLONE_SIGHAND), then nothing blocked. Inheriting them let the
	 * supervisor's blocked SIGPIPE through, so a writer to a closed pipe
	 * got EPIPE instead of dying (`yes | head -1` left `yes` with status
	 * 1, not 141).
	 * The raw calls, because libc's wrappers refuse glibc's own signals
	 * (32 and 33), which a caller may have ignored all the same: glibc's
	 * posix_spawn leaves them ignored in what it starts (every command
	 * GNU make runs, for one), and they stayed ignored in the command.
	 * The kernel's struct sigaction starts with the handler; all zeros is
	 * SIG_DFL with no flags and an empty mask. Which signals to reset
	 * comes from /proc/self/status (SigIgn and SigCgt: the new /proc, of
	 * this process), else from asking about each one. */
	int known = 0;
	uint64_t reset = non_default_signals(&known);
	for (int sig = 1; sig < NSIG && sig <= 64; sig++) {
		unsigned long old[8] = { 0 }, dfl[8] = { 0 };
		if (known && !(reset & (1ULL << (sig - 1))))
			continue;
		if (!known && (syscall(SYS_rt_sigaction, sig, NULL, old, KERNEL_SIGSET_SIZE) < 0 ||
		               old[0] == (unsigned long)SIG_DFL))
			continue; /* SIGKILL, SIGSTOP, or nothing to reset */
		if (syscall(SYS_rt_sigaction, sig, dfl, NULL, KERNEL_SIGSET_SIZE) < 0)
			goto fail;
	}
	uint64_t none = 0;
	if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, KERNEL_SIGSET_SIZE) < 0)
		goto fail;
	/* Our own copy of the fd table (no CLONE_FILES): these close here
	 * only. */
	close(plan->sync_fd);
	close(plan->status_fd);
	/* A new session: no controlling terminal, so even without seccomp the
	 * kernel would refuse TIOCSTI on a terminal we happen to hold. */
	if (setsid() < 0)
		goto fail;
	/* Every fd above 2 closes at exec. */
	if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		long max = sysconf(_SC_OPEN_MAX);
		for (long fd = 3; fd < max && fd < 65536; fd++)
			fcntl((int)fd, F_SETFD, FD_CLOEXEC);
	}
	/* Under memory pressure, the OOM killer takes the command first,
	 * never our init (raising the score needs no privilege). */
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "1000", 4) < 0) { /* best effort */ }
		close(fd);
	}
	errno = exec_command(plan);
fail:
	cs->err = errno ? errno : ENOEXEC;
	_exit(127);
}

/* ------------------------------------------------------------------ main */

void sandbox_child_main(sandbox_plan *plan)
{
	/* 1. Only the plan's fds survive, and 0/1/2 become its pipes. */
	int keep[5];
	size_t nkeep = 0;
	keep[nkeep++] = plan->sync_fd;
	keep[nkeep++] = plan->status_fd;
	keep[nkeep++] = plan->stdin_fd;
	keep[nkeep++] = plan->stdout_fd;
	keep[nkeep++] = plan->stderr_fd;
	if (close_except(keep, nkeep) < 0)
		fail(plan, PHASE_STDIO);
	/* Lift the control pipes above 2 first so the dup2s cannot clobber
	 * them. */
	int sync_fd = fcntl(plan->sync_fd, F_DUPFD_CLOEXEC, 10);
	int status_fd = fcntl(plan->status_fd, F_DUPFD_CLOEXEC, 10);
	if (sync_fd < 0 || status_fd < 0)
		_exit(1);
	if (sync_fd != plan->sync_fd)
		close(plan->sync_fd);
	if (status_fd != plan->status_fd)
		close(plan->status_fd);
	plan->sync_fd = sync_fd;
	plan->status_fd = status_fd;
	int in = fcntl(plan->stdin_fd, F_DUPFD_CLOEXEC, 10);
	int outp = fcntl(plan->stdout_fd, F_DUPFD_CLOEXEC, 10);
	int errp = fcntl(plan->stderr_fd, F_DUPFD_CLOEXEC, 10);
	if (in < 0 || outp < 0 || errp < 0)
		fail(plan, PHASE_STDIO);
	if (move_fd(in, 0) < 0 || move_fd(outp, 1) < 0 || move_fd(errp, 2) < 0)
		fail(plan, PHASE_STDIO);
	int keep_all[5] = { 0, 1, 2, sync_fd, status_fd };
	if (close_except(keep_all, 5) < 0)
		fail(plan, PHASE_STDIO);

	/* 2. The bind sources, opened as the caller while the supervisor
	 * writes our uid/gid maps (opening needs no map: permission is the
	 * caller's own kernel identity either way). */
	for (size_t i = 0; i < plan->nsteps; i++) {
		sandbox_step *s = &plan->steps[i];
		s->src_fd = -1;
		if (s->kind == STEP_COPY) {
			/* Best effort, as the file list is: unreadable means left
			 * out (run_step). */
			s->src_fd = open(s->src, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
			continue;
		}
		if (s->kind != STEP_BIND_RO && s->kind != STEP_BIND_DEV)
			continue;
		s->src_fd = open(s->src, O_PATH | O_CLOEXEC);
		if (s->src_fd < 0 && !(s->optional && errno == ENOENT))
			fail(plan, (int)i);
	}
	/* Then wait for the maps. EOF: the supervisor is gone. */
	char go;
	ssize_t n;
	do
		n = read(sync_fd, &go, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(1);

	/* 3. The unprivileged identity, then the lifeline. */
	if (plan->drop_groups && setgroups(0, NULL) < 0)
		fail(plan, PHASE_IDENTITY);
	if (setresgid(plan->gid, plan->gid, plan->gid) < 0 ||
	    setresuid(plan->uid, plan->uid, plan->uid) < 0)
		fail(plan, PHASE_IDENTITY);
	/* Armed only now: a credential change clears it. If the supervisor
	 * died before this line, the pipe has hung up and we stop here. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		fail(plan, PHASE_IDENTITY);
	struct pollfd pfd = { sync_fd, POLLIN, 0 };
	if (poll(&pfd, 1, 0) < 0 || (pfd.revents & (POLLHUP | POLLERR)))
		_exit(1);

	/* 4. The filesystem. */
	/* Nothing we mount may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		fail(plan, PHASE_PRIVATE);
	if (mount("tmpfs", plan->base, "tmpfs", MS_NOSUID | MS_NODEV, plan->root_opts) < 0)
		fail(plan, PHASE_ROOT);
	/* Pivot first and build afterwards, so that every path the plan
	 * creates resolves inside the new root, symlinks included. */
	if (chdir(plan->base) < 0 || mkdir("oldroot", 0700) < 0 ||
	    syscall(SYS_pivot_root, ".", "oldroot") < 0 || chdir("/") < 0)
		fail(plan, PHASE_PIVOT);
	for (size_t i = 0; i < plan->nsteps; i++)
		if (run_step(&plan->steps[i]) < 0)
			fail(plan, (int)i);
	for (size_t i = 0; i < plan->nsteps; i++)
		if (plan->steps[i].src_fd >= 0)
			close(plan->steps[i].src_fd);
	if (sethostname(plan->hostname, strlen(plan->hostname)) < 0)
		fail(plan, PHASE_HOSTNAME);
	/* Our cgroup, which the supervisor made while we built the above: a
	 * length, then the files to write "0" into (none on v2, where we were
	 * born in it or it moved us, nor without a cgroup), lent to our uid
	 * for the moment; host paths, so reached through the old root while
	 * we still have it. Then our cgroup namespace, so that this cgroup is
	 * our "/". */
	static char cg_paths[SANDBOX_CGROUP_SELF_MAX];
	uint32_t cg_len = 0;
	if (read_full(sync_fd, &cg_len, sizeof cg_len) < 0 || cg_len > sizeof cg_paths ||
	    read_full(sync_fd, cg_paths, cg_len) < 0)
		_exit(1);
	for (uint32_t at = 0, which = 0; at < cg_len; which++) {
		const char *path = cg_paths + at;
		size_t len = strnlen(path, cg_len - at);
		if (len == cg_len - at)
			_exit(1); /* not ours: the supervisor terminates each */
		at += (uint32_t)len + 1;
		if (len == 0)
			continue; /* that leaf does not exist */
		static char host_path[sizeof "/oldroot" + SANDBOX_CGROUP_SELF_MAX];
		memcpy(host_path, "/oldroot", sizeof "/oldroot" - 1);
		memcpy(host_path + sizeof "/oldroot" - 1, path, len + 1);
		int fd = open(host_path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || write(fd, "0", 1) != 1)
			send_msg(plan, MSG_CGROUP, (int)which, errno, 0);
		if (fd >= 0)
			close(fd);
	}
	if (unshare(CLONE_NEWCGROUP) < 0)
		fail(plan, PHASE_CGROUPNS);

	/* The old root goes away for good: lazily detached, then its mount
	 * point removed, so no path leads back to the host. */
	if (umount2("/oldroot", MNT_DETACH) < 0 || rmdir("/oldroot") < 0)
		fail(plan, PHASE_DETACH);
	if (add_flags("/", 0, MS_RDONLY | MS_NOSUID | MS_NODEV) < 0)
		fail(plan, PHASE_ROOT);
	if (chdir(plan->cwd) < 0)
		fail(plan, PHASE_CWD);


	/* 5. Limits and privilege. */
	if (set_limits(plan) < 0)
		fail(plan, PHASE_RLIMITS);
	if (drop_capabilities() < 0)
		fail(plan, PHASE_CAPS);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail(plan, PHASE_NNP);
	/* One filter (see seccomp.h), with the notification listener. */
	int listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
	                            SECCOMP_FILTER_FLAG_NEW_LISTENER, &plan->filter);
	if (listener < 0)
		fail(plan, PHASE_SECCOMP);
	/* The supervisor copies the listener out of our fd table with
	 * pidfd_getfd (sendmsg would itself be held by the new filter). An
	 * unprivileged supervisor can only do that while we are dumpable: we
	 * wait for its ack, then close our copy. A root one has
	 * CAP_SYS_PTRACE over our memory's user namespace, the initial one,
	 * so we go on at once and keep our copy open (it is close-on-exec, so
	 * the command never has it; we are not dumpable, so the command
	 * cannot reach it through /proc either); the command's first execve
	 * just waits in the listener's queue until the supervisor reads it. */
	send_msg(plan, MSG_LISTENER, 0, 0, listener);
	if (plan->listener_ack) {
		do
			n = read(sync_fd, &go, 1);
		while (n < 0 && errno == EINTR);
		if (n != 1)
			_exit(1);
		close(listener);
	}
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		fail(plan, PHASE_NNP);

	/* 6. The command, started as posix_spawn does it: clone with
	 * CLONE_VM | CLONE_VFORK on a stack of its own. It borrows our memory
	 * until its execve instead of getting a copy, so the kernel copies no
	 * page tables (we are a copy of the supervisor, which maps every
	 * library the caller links: a fork took 145 us here), and we sleep
	 * until the exec has happened or failed, so nothing ever runs on that
	 * memory twice. Still not fork(): no fork handlers of the caller's
	 * libraries run. All signals stay blocked across the clone, see
	 * command_main. */
	command_start cs;
	memset(&cs, 0, sizeof cs);
	cs.plan = plan;
	sigset_t all, saved;
	sigfillset(&all);
	if (sigprocmask(SIG_SETMASK, &all, &saved) < 0)
		fail(plan, PHASE_FORK);
	pid_t pid = clone(command_main, command_stack + sizeof command_stack,
	                  CLONE_VM | CLONE_VFORK | SIGCHLD, &cs);
	if (pid < 0)
		fail(plan, PHASE_FORK);
	if (sigprocmask(SIG_SETMASK, &saved, NULL) < 0)
		fail(plan, PHASE_FORK);
	close(0);
	close(1);
	close(2);
	if (cs.err)
		send_msg(plan, MSG_EXEC_FAILED, 0, cs.err, 0);

	/* Init: reap everything; when the command ends, report and leave. */
	for (;;) {
		int st = 0;
		pid_t p = waitpid(-1, &st, __WALL);
		if (p == pid) {
			send_msg(plan, MSG_EXIT, 0, 0, st);
			_exit(0);
		}
		if (p < 0 && errno == ECHILD)
			_exit(0);
	}
}
