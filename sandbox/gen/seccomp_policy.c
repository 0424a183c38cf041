/* seccomp_policy.c: the sandbox's system-call policy, and the build-time
 * program that compiles it.
 *
 * The policy is written here with libseccomp, which turns syscall names and
 * argument rules into classic BPF. Doing that at every sandbox start cost
 * about 2.5 ms (most of libseccomp's time goes into building and optimising
 * its decision tree), for a result that only depends on this file and the
 * architecture. So the Makefile builds this file into a small program and
 * runs it once; it prints a program as a C header that sandbox/seccomp.c
 * includes, and the sandbox loads it as it is. That program is a compact
 * compilation of the same lists (compact_program, below), checked against
 * libseccomp's at every build. The source of truth stays this policy: the
 * header is never edited by hand, and make rebuilds it whenever this file
 * changes.
 *
 *   seccomp_policy            the header (stdout)
 *   seccomp_policy --pfc      both filters in libseccomp's readable form,
 *                             for review
 *
 * Two programs, written for libseccomp (the reference; see
 * compact_program for what is loaded):
 *   - the tty filter: default allow, TIOCSTI and TIOCLINUX denied comparing
 *     only the low 32 bits of the ioctl request (CVE-2019-10063);
 *   - the main filter: a default-deny allowlist, x32/i386 rejected, the
 *     dangerous calls denied by name, clone3 and io_uring answered ENOSYS,
 *     and connect/sendto/sendmsg/sendmmsg/execve/execveat sent to the
 *     supervisor through a notification listener.
 *
 * Policy in one paragraph: everything not listed is answered ENOSYS (so
 * that libc falls back to older calls instead of failing hard); the calls
 * that could reach outside the jail or attack the kernel are denied by name
 * with EPERM, which also documents them; clone3 and io_uring get ENOSYS
 * because libc and runtimes treat that as "use something else" and because
 * io_uring would run operations seccomp never sees; any other architecture
 * (i386 via int 0x80, x32 via the 0x40000000 bit) kills the process. The
 * network calls are not denied but held: the supervisor reads the
 * destination, logs it, and answers with an error. The empty network
 * namespace is the real block; the notification is the log.
 *
 * The programs are for the architecture this runs on, which is the one the
 * header records and sandbox/seccomp.c checks against its own at compile
 * time (a cross build would need this program built for the build host
 * with the target's libseccomp architecture; sigma is not cross-built). */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <seccomp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/stat.h>

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("seccomp_policy: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return -1;
}

/* ------------------------------------------------------------ the lists */

/* Allowed unconditionally. What a shell, coreutils, python, node, npm and
 * a C compiler need; nothing that changes mounts, namespaces, other
 * processes' memory, the kernel or the clock. */
static const char *const allowed[] = {
	"read", "write", "open", "close", "stat", "fstat", "lstat", "poll",
	"lseek", "mmap", "mprotect", "munmap", "brk", "rt_sigaction",
	"rt_sigprocmask", "rt_sigreturn", "ioctl", "pread64", "pwrite64",
	"readv", "writev", "access", "pipe", "select", "sched_yield", "mremap",
	"msync", "mincore", "madvise", "shmget", "shmat", "shmctl", "dup",
	"dup2", "pause", "nanosleep", "getitimer", "alarm", "setitimer",
	"getpid", "sendfile", "accept", "recvfrom", "recvmsg", "shutdown",
	"bind", "listen", "getsockname", "getpeername", "setsockopt",
	"getsockopt", "fork", "vfork", "exit", "wait4", "kill", "uname",
	"semget", "semop", "semctl", "shmdt", "msgget", "msgsnd", "msgrcv",
	"msgctl", "fcntl", "flock", "fsync", "fdatasync", "truncate",
	"ftruncate", "getdents", "getcwd", "chdir", "fchdir", "rename", "mkdir",
	"rmdir", "creat", "link", "unlink", "symlink", "readlink", "chmod",
	"fchmod", "chown", "fchown", "lchown", "umask", "gettimeofday",
	"getrlimit", "getrusage", "sysinfo", "times", "getuid", "getgid",
	"setuid", "setgid", "geteuid", "getegid", "setpgid", "getppid",
	"getpgrp", "setsid", "setreuid", "setregid", "getgroups", "setgroups",
	"setresuid", "getresuid", "setresgid", "getresgid", "getpgid",
	"setfsuid", "setfsgid", "getsid", "capget", "capset", "rt_sigpending",
	"rt_sigtimedwait", "rt_sigqueueinfo", "rt_sigsuspend", "sigaltstack",
	"utime", "mknod", "statfs", "fstatfs", "getpriority", "setpriority",
	"sched_setparam", "sched_getparam", "sched_setscheduler",
	"sched_getscheduler", "sched_get_priority_max", "sched_get_priority_min",
	"sched_rr_get_interval", "mlock", "munlock", "mlockall", "munlockall",
	"prctl", "arch_prctl", "setrlimit", "sync", "gettid", "readahead",
	"setxattr", "lsetxattr", "fsetxattr", "getxattr", "lgetxattr",
	"fgetxattr", "listxattr", "llistxattr", "flistxattr", "removexattr",
	"lremovexattr", "fremovexattr", "tkill", "time", "futex",
	"sched_setaffinity", "sched_getaffinity", "epoll_create", "getdents64",
	"set_tid_address", "restart_syscall", "semtimedop", "fadvise64",
	"timer_create", "timer_settime", "timer_gettime", "timer_getoverrun",
	"timer_delete", "clock_gettime", "clock_getres", "clock_nanosleep",
	"exit_group", "epoll_wait", "epoll_ctl", "tgkill", "utimes", "waitid",
	"inotify_init", "inotify_add_watch", "inotify_rm_watch", "openat",
	"mkdirat", "mknodat", "fchownat", "futimesat", "newfstatat", "unlinkat",
	"renameat", "linkat", "symlinkat", "readlinkat", "fchmodat",
	"faccessat", "pselect6", "ppoll", "set_robust_list", "get_robust_list",
	"splice", "tee", "sync_file_range", "utimensat", "epoll_pwait",
	"signalfd", "timerfd_create", "eventfd", "fallocate", "timerfd_settime",
	"timerfd_gettime", "accept4", "signalfd4", "eventfd2", "epoll_create1",
	"dup3", "pipe2", "inotify_init1", "preadv", "pwritev",
	"rt_tgsigqueueinfo", "recvmmsg", "prlimit64", "syncfs", "getcpu",
	"sched_setattr", "sched_getattr", "renameat2", "getrandom",
	"memfd_create", "membarrier", "copy_file_range", "preadv2", "pwritev2",
	"pkey_mprotect", "pkey_alloc", "pkey_free", "statx", "rseq",
	"pidfd_open", "pidfd_send_signal", "close_range", "openat2",
	"faccessat2", "epoll_pwait2", "futex_waitv", "mq_open", "mq_unlink",
	"mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr",
	"get_mempolicy", "set_mempolicy", "mbind", "ioprio_get", "ioprio_set",
	"fchmodat2",
};

/* Denied by name with EPERM. Most would fail anyway without capabilities;
 * listing them makes the policy independent of that, and covers the new
 * mount API (CVE-2021-41133 was a denylist that forgot it). */
static const char *const denied[] = {
	"mount", "umount2", "pivot_root", "chroot", "open_tree", "move_mount",
	"fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr", "unshare",
	"setns", "ptrace", "bpf", "keyctl", "add_key", "request_key",
	"userfaultfd", "perf_event_open", "process_vm_readv",
	"process_vm_writev", "process_madvise", "pidfd_getfd", "kcmp",
	"kexec_load", "kexec_file_load", "init_module", "finit_module",
	"delete_module", "iopl", "ioperm", "swapon", "swapoff", "reboot",
	"sethostname", "setdomainname", "acct", "quotactl", "quotactl_fd",
	"name_to_handle_at", "open_by_handle_at", "lookup_dcookie",
	"settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "uselib",
	"vhangup", "fanotify_init", "syslog", "vmsplice", "memfd_secret",
	"move_pages", "migrate_pages",
};

/* Answered ENOSYS, explicitly: callers fall back to something seccomp can
 * see (clone, read/write). */
static const char *const enosys[] = {
	"clone3", "io_uring_setup", "io_uring_enter", "io_uring_register",
};

/* Held for the supervisor. */
static const char *const notified[] = {
	"connect", "sendmsg", "sendmmsg", "execve", "execveat",
};

#define NS_FLAGS ((uint64_t)(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | \
	CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP))

/* ---------------------------------------------------------- the builder */

/* One argument comparison (libseccomp's SCMP_A* macros leave fields out,
 * which clang's -Wextra flags). */
static struct scmp_arg_cmp cmp(unsigned arg, enum scmp_compare op, uint64_t a, uint64_t b)
{
	struct scmp_arg_cmp c = { arg, op, a, b };
	return c;
}

static int add(scmp_filter_ctx ctx, uint32_t action, const char *name,
               unsigned argc, const struct scmp_arg_cmp *cmp)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return 0; /* unknown to this libseccomp or arch: stays denied */
	int rc = seccomp_rule_add_array(ctx, action, nr, argc, cmp);
	/* -EACCES: the action is the filter's default already (clone3 and
	 * io_uring get ENOSYS either way; the list keeps the intent written). */
	if (rc < 0 && rc != -EACCES)
		return fail("seccomp rule for %s: %s", name, strerror(-rc));
	return 0;
}

static int add_list(scmp_filter_ctx ctx, uint32_t action, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int rc = add(ctx, action, names[i], 0, NULL);
		if (rc)
			return rc;
	}
	return 0;
}

static int add_main_rules(scmp_filter_ctx ctx)
{
	int rc;
	if ((rc = add_list(ctx, SCMP_ACT_ALLOW, allowed, sizeof allowed / sizeof *allowed)) ||
	    (rc = add_list(ctx, SCMP_ACT_ERRNO(EPERM), denied, sizeof denied / sizeof *denied)) ||
	    (rc = add_list(ctx, SCMP_ACT_ERRNO(ENOSYS), enosys, sizeof enosys / sizeof *enosys)) ||
	    (rc = add_list(ctx, SCMP_ACT_NOTIFY, notified, sizeof notified / sizeof *notified)))
		return rc;

	/* sendto with a destination is held; without one (a connected
	 * socket) it goes through, since connect itself was held. */
	struct scmp_arg_cmp to_null = cmp(4, SCMP_CMP_EQ, 0, 0);
	struct scmp_arg_cmp to_addr = cmp(4, SCMP_CMP_NE, 0, 0);
	if ((rc = add(ctx, SCMP_ACT_ALLOW, "sendto", 1, &to_null)) ||
	    (rc = add(ctx, SCMP_ACT_NOTIFY, "sendto", 1, &to_addr)))
		return rc;

	/* clone (fork, threads) only without namespace flags: that would be
	 * unshare by another name. All 64 bits are compared, as the kernel
	 * reads them all. */
	struct scmp_arg_cmp no_ns = cmp(0, SCMP_CMP_MASKED_EQ, NS_FLAGS, 0);
	if ((rc = add(ctx, SCMP_ACT_ALLOW, "clone", 1, &no_ns)))
		return rc;
	for (int bit = 0; bit < 64; bit++) {
		uint64_t f = (uint64_t)1 << bit;
		if (!(NS_FLAGS & f))
			continue;
		struct scmp_arg_cmp has = cmp(0, SCMP_CMP_MASKED_EQ, f, f);
		if ((rc = add(ctx, SCMP_ACT_ERRNO(EPERM), "clone", 1, &has)))
			return rc;
	}

	/* Sockets: local and inet only (inet so that attempts reach connect
	 * and get logged). Every other family, AF_NETLINK and AF_PACKET
	 * included, is EAFNOSUPPORT: one by one below AF_INET6, as one range
	 * above it. One comparison per family (there are 46) made this the
	 * largest part of the program, and the kernel JIT-compiles the
	 * program at every sandbox start. The range compares all 64 bits, so
	 * a family with high bits set (which the kernel would read as its low
	 * 32) is refused as well. */
	static const int families[] = { AF_UNIX, AF_INET, AF_INET6 };
	for (size_t i = 0; i < sizeof families / sizeof *families; i++) {
		struct scmp_arg_cmp fam = cmp(0, SCMP_CMP_EQ, (uint64_t)families[i], 0);
		if ((rc = add(ctx, SCMP_ACT_ALLOW, "socket", 1, &fam)))
			return rc;
	}
	for (int af = 0; af < AF_INET6; af++) {
		if (af == AF_UNIX || af == AF_INET)
			continue;
		struct scmp_arg_cmp fam = cmp(0, SCMP_CMP_EQ, (uint64_t)af, 0);
		if ((rc = add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), "socket", 1, &fam)))
			return rc;
	}
	struct scmp_arg_cmp above = cmp(0, SCMP_CMP_GT, (uint64_t)AF_INET6, 0);
	if ((rc = add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), "socket", 1, &above)))
		return rc;
	struct scmp_arg_cmp unix_only = cmp(0, SCMP_CMP_EQ, AF_UNIX, 0);
	if ((rc = add(ctx, SCMP_ACT_ALLOW, "socketpair", 1, &unix_only)))
		return rc;

	/* personality: only the query. Changing it (READ_IMPLIES_EXEC,
	 * ADDR_NO_RANDOMIZE) is denied through the list above. */
	struct scmp_arg_cmp query = cmp(0, SCMP_CMP_EQ, 0xffffffffULL, 0);
	struct scmp_arg_cmp linux_pers = cmp(0, SCMP_CMP_EQ, PER_LINUX, 0);
	if ((rc = add(ctx, SCMP_ACT_ALLOW, "personality", 1, &query)) ||
	    (rc = add(ctx, SCMP_ACT_ALLOW, "personality", 1, &linux_pers)))
		return rc;
	return 0;
}

/* The kernel reads the ioctl request as 32 bits, a filter sees 64: compare
 * the low 32 bits only, or TIOCSTI | (1 << 32) walks past (CVE-2019-10063).
 * This lives in its own default-allow filter because libseccomp lets an
 * unconditional allow for ioctl shadow any conditional deny in the same
 * filter, and its 32-bit comparison still looks at the high half. */
static int add_tty_rules(scmp_filter_ctx ctx)
{
	static const unsigned long requests[] = { TIOCSTI, TIOCLINUX };
	for (size_t i = 0; i < sizeof requests / sizeof *requests; i++) {
		struct scmp_arg_cmp low = cmp(1, SCMP_CMP_MASKED_EQ, 0xffffffffULL, requests[i]);
		int rc = add(ctx, SCMP_ACT_ERRNO(EPERM), "ioctl", 1, &low);
		if (rc)
			return rc;
	}
	return 0;
}

/* Export ctx as classic BPF into prog (malloc'd instructions). */
/* ------------------------------------------------------------ the output */

/* The exported BPF of ctx, malloc'd, into *out / *len (instructions). */
static int export_bpf(scmp_filter_ctx ctx, struct sock_filter **out, size_t *len)
{
	int fd = memfd_create("seccomp-policy", MFD_CLOEXEC);
	int rc = -1;
	if (fd < 0)
		return fail("memfd_create: %s", strerror(errno));
	int e = seccomp_export_bpf(ctx, fd);
	struct stat st;
	if (e < 0) {
		fail("seccomp_export_bpf: %s", strerror(-e));
		goto out;
	}
	if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) ||
	    st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS) {
		fail("the exported filter has a bad size");
		goto out;
	}
	*out = malloc((size_t)st.st_size);
	if (!*out || pread(fd, *out, (size_t)st.st_size, 0) != (ssize_t)st.st_size) {
		free(*out);
		*out = NULL;
		fail("reading the exported filter back failed");
		goto out;
	}
	*len = (size_t)st.st_size / sizeof(struct sock_filter);
	rc = 0;
out:
	close(fd);
	return rc;
}

/* ------------------------------------------------- the compact program */

/* The kernel loads, converts and JIT-compiles a filter at every sandbox
 * start, in time proportional to its length (convert and JIT were 30% and
 * 55% of the load in perf), and a stack of filters costs that per filter
 * plus about 20 us each. libseccomp's two programs are 16 and 484
 * instructions: one leaf per listed syscall, and a filter each. The
 * program sigma loads is generated here from the same lists instead, as
 * one filter: consecutive syscall numbers with the same answer become one
 * range, the ranges a binary search, and the six calls with argument
 * rules get the few instructions their rules need (written below, next to
 * their libseccomp form above). libseccomp's programs stay the reference:
 * verify() runs them stacked (the strictest answer wins, as in the kernel)
 * and the compact one through a BPF interpreter, for every syscall number
 * below 1100 in both x86-64 ABIs and three architectures, with argument
 * values that hit every rule, and the build fails on any difference. */

#define A_LO(n) ((uint32_t)offsetof(struct seccomp_data, args) + 8 * (n))
#define A_HI(n) (A_LO(n) + 4) /* little-endian */

typedef struct prog {
	struct sock_filter *ins;
	size_t len, cap;
} prog;

static void emit(prog *p, struct sock_filter f)
{
	if (p->len == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 256;
		p->ins = realloc(p->ins, p->cap * sizeof *p->ins);
		if (!p->ins) {
			fail("out of memory");
			exit(1);
		}
	}
	p->ins[p->len++] = f;
}

static void append(prog *p, const prog *q)
{
	for (size_t i = 0; i < q->len; i++)
		emit(p, q->ins[i]);
}

#define RET(k)          emit(p, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, (k)))
#define LD(off)         emit(p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off)))
#define JEQ(k, jt, jf)  emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (jt), (jf)))
#define JSET(k, jt, jf) emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, (k), (jt), (jf)))

#define ALLOW   SECCOMP_RET_ALLOW
#define NOTIFY  SECCOMP_RET_USER_NOTIF
#define ERR(e)  (SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))

/* The argument rules, as instructions. Each ends in returns. */
static void rule_ioctl(prog *p)
{
	/* the tty filter: the low 32 bits of the request only */
	LD(A_LO(1));
	JEQ(TIOCSTI, 2, 0);
	JEQ(TIOCLINUX, 1, 0);
	RET(ALLOW);
	RET(ERR(EPERM));
}

static void rule_sendto(prog *p)
{
	LD(A_HI(4));
	JEQ(0, 0, 3);
	LD(A_LO(4));
	JEQ(0, 0, 1);
	RET(ALLOW);
	RET(NOTIFY);
}

static void rule_clone(prog *p)
{
	LD(A_LO(0)); /* NS_FLAGS are all in the low half */
	JSET((uint32_t)NS_FLAGS, 1, 0);
	RET(ALLOW);
	RET(ERR(EPERM));
}

static void rule_socket(prog *p)
{
	LD(A_HI(0));
	JEQ(0, 0, 5);
	LD(A_LO(0));
	JEQ(AF_UNIX, 2, 0);
	JEQ(AF_INET, 1, 0);
	JEQ(AF_INET6, 0, 1);
	RET(ALLOW);
	RET(ERR(EAFNOSUPPORT));
}

static void rule_socketpair(prog *p)
{
	LD(A_HI(0));
	JEQ(0, 0, 3);
	LD(A_LO(0));
	JEQ(AF_UNIX, 0, 1);
	RET(ALLOW);
	RET(ERR(ENOSYS));
}

static void rule_personality(prog *p)
{
	LD(A_HI(0));
	JEQ(0, 0, 4);
	LD(A_LO(0));
	JEQ(0xffffffffU, 1, 0);
	JEQ(PER_LINUX, 0, 1);
	RET(ALLOW);
	RET(ERR(ENOSYS));
}

typedef struct special {
	const char *name;
	void (*emit)(prog *);
} special;
static const special specials[] = {
	{ "ioctl", rule_ioctl }, { "sendto", rule_sendto }, { "clone", rule_clone },
	{ "socket", rule_socket }, { "socketpair", rule_socketpair },
	{ "personality", rule_personality },
};
#define NSPECIALS (sizeof specials / sizeof *specials)

/* A range of syscall numbers [lo, next range's lo) with one answer: a
 * constant action, or special + 1 (an argument rule). */
typedef struct range {
	uint32_t lo;
	uint32_t action;
	int      special; /* index + 1, or 0 */
} range;

#define MAX_NR 1024

static void tree(prog *p, const range *r, size_t n)
{
	if (n == 1) {
		if (r->special)
			specials[r->special - 1].emit(p);
		else
			RET(r->action);
		return;
	}
	size_t mid = n / 2;
	prog right = { 0 };
	tree(&right, r + mid, n - mid);
	/* nr >= r[mid].lo: the right half, which follows; else jump over it */
	if (right.len <= 255) {
		emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, r[mid].lo, 0, (uint8_t)right.len));
	} else {
		emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, r[mid].lo, 1, 0));
		emit(p, (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, (uint32_t)right.len));
	}
	append(p, &right);
	free(right.ins);
	tree(p, r, mid);
}

static int set_list(uint32_t *act, const char *const *names, size_t n, uint32_t action)
{
	for (size_t i = 0; i < n; i++) {
		int nr = seccomp_syscall_resolve_name(names[i]);
		if (nr == __NR_SCMP_ERROR)
			continue; /* as add() */
		if (nr < 0 || nr >= MAX_NR)
			return fail("syscall %s has number %d, outside 0..%d", names[i], nr, MAX_NR - 1);
		act[nr] = action;
	}
	return 0;
}

static int compact_program(struct sock_filter **out, size_t *len)
{
	/* What each number gets: the lists, in the order add_main_rules
	 * applies them (a name is in one list only), then the rules. */
	static uint32_t act[MAX_NR];
	static int spec[MAX_NR];
	for (size_t i = 0; i < MAX_NR; i++)
		act[i] = ERR(ENOSYS);
	if (set_list(act, allowed, sizeof allowed / sizeof *allowed, ALLOW) < 0 ||
	    set_list(act, denied, sizeof denied / sizeof *denied, ERR(EPERM)) < 0 ||
	    set_list(act, enosys, sizeof enosys / sizeof *enosys, ERR(ENOSYS)) < 0 ||
	    set_list(act, notified, sizeof notified / sizeof *notified, NOTIFY) < 0)
		return -1;
	for (size_t i = 0; i < NSPECIALS; i++) {
		int nr = seccomp_syscall_resolve_name(specials[i].name);
		if (nr < 0 || nr >= MAX_NR)
			return fail("syscall %s has no number here", specials[i].name);
		spec[nr] = (int)i + 1;
	}
	static range r[MAX_NR + 1];
	size_t n = 0;
	for (uint32_t nr = 0; nr < MAX_NR; nr++) {
		if (n && !spec[nr] && !r[n - 1].special && r[n - 1].action == act[nr])
			continue;
		r[n++] = (range){ nr, act[nr], spec[nr] };
	}
	if (r[n - 1].special || r[n - 1].action != ERR(ENOSYS))
		r[n++] = (range){ MAX_NR, ERR(ENOSYS), 0 }; /* up to 0xffffffff */

	prog p0 = { 0 }, *p = &p0;
	/* As libseccomp's: another architecture (i386 by int 0x80) is killed;
	 * so is the x32 ABI (bit 30 in the number), except -1, which the
	 * search then answers like any unknown number. */
	LD((uint32_t)offsetof(struct seccomp_data, arch));
	JEQ(seccomp_arch_native(), 1, 0);
	RET(SECCOMP_RET_KILL_PROCESS);
	LD((uint32_t)offsetof(struct seccomp_data, nr));
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 2));
	JEQ(0xffffffffU, 1, 0);
	RET(SECCOMP_RET_KILL_PROCESS);
	tree(p, r, n);
	if (p->len > BPF_MAXINSNS)
		return fail("the program is too long (%zu instructions)", p->len);
	*out = p->ins;
	*len = p->len;
	return 0;
}

/* A classic BPF interpreter for what libseccomp and compact_program emit;
 * -1 on anything else, which fails the build rather than guess. */
static int64_t run_bpf(const struct sock_filter *p, size_t n, const struct seccomp_data *d)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 };
	for (size_t pc = 0; pc < n; pc++) {
		const struct sock_filter *f = &p[pc];
		uint32_t jk = f->k;
		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (f->k > sizeof *d - 4 || f->k % 4)
				return -1;
			memcpy(&a, (const char *)d + f->k, 4);
			break;
		case BPF_LD | BPF_MEM: if (f->k >= BPF_MEMWORDS) return -1; a = mem[f->k]; break;
		case BPF_LDX | BPF_MEM: if (f->k >= BPF_MEMWORDS) return -1; x = mem[f->k]; break;
		case BPF_ST: if (f->k >= BPF_MEMWORDS) return -1; mem[f->k] = a; break;
		case BPF_STX: if (f->k >= BPF_MEMWORDS) return -1; mem[f->k] = x; break;
		case BPF_LD | BPF_IMM: a = f->k; break;
		case BPF_MISC | BPF_TAX: x = a; break;
		case BPF_MISC | BPF_TXA: a = x; break;
		case BPF_ALU | BPF_AND | BPF_K: a &= f->k; break;
		case BPF_ALU | BPF_OR | BPF_K: a |= f->k; break;
		case BPF_JMP | BPF_JA: pc += f->k; break;
		case BPF_JMP | BPF_JEQ | BPF_K: pc += a == jk ? f->jt : f->jf; break;
		case BPF_JMP | BPF_JGT | BPF_K: pc += a > jk ? f->jt : f->jf; break;
		case BPF_JMP | BPF_JGE | BPF_K: pc += a >= jk ? f->jt : f->jf; break;
		case BPF_JMP | BPF_JSET | BPF_K: pc += (a & jk) ? f->jt : f->jf; break;
		case BPF_RET | BPF_K: return f->k;
		case BPF_RET | BPF_A: return a;
		default: return -1;
		}
	}
	return -1; /* fell off the end */
}

/* The kernel's choice between stacked filters' answers: the lowest
 * action as a signed number wins (kill first, allow last). */
static uint32_t stricter(uint32_t a, uint32_t b)
{
	return (int32_t)(a & SECCOMP_RET_ACTION_FULL) < (int32_t)(b & SECCOMP_RET_ACTION_FULL) ? a : b;
}

static int verify(const struct sock_filter *tty, size_t ntty,
                  const struct sock_filter *main_prog, size_t nmain,
                  const struct sock_filter *compact, size_t ncompact)
{
	static const uint32_t arches[] = { 0 /* native */, 0x40000003 /* i386 */, 0 };
	static const uint64_t values[] = {
		0, 1, 2, 3, 9, 10, 11, 16, 17, 63, 64, 0xffffffffULL, 0x100000000ULL,
		0x100000002ULL, 0xffffffffffffffffULL, TIOCSTI, TIOCLINUX,
		(uint64_t)TIOCSTI | ((uint64_t)1 << 32), (uint64_t)TIOCLINUX | ((uint64_t)1 << 32),
		0x5401, CLONE_NEWUSER, CLONE_NEWNS | CLONE_VM, CLONE_NEWCGROUP, CLONE_VM | CLONE_FS,
		CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWPID, CLONE_NEWNET, CLONE_VM | CLONE_THREAD | CLONE_SETTLS,
		(uint64_t)1 << 32 | AF_INET6, (uint64_t)1 << 32 | AF_UNIX, ADDR_NO_RANDOMIZE, 0x80000000ULL,
	};
	size_t nvalues = sizeof values / sizeof *values;
	unsigned long checked = 0;
	uint32_t native = seccomp_arch_native();
	for (size_t ai = 0; ai < sizeof arches / sizeof *arches; ai++) {
		uint32_t arch = ai == 0 ? native : arches[ai];
		/* every number below 1100, then a few far ones (bit 30 is
		 * added below) */
		static const uint32_t far[] = { 4096, 65535, 0x10000, 0x3ffffffe, 0x3fffffff, 0xbfffffff, 0xffffffff };
		for (uint32_t k = 0; k < 1100 + sizeof far / sizeof *far; k++) {
			uint32_t nr = k < 1100 ? k : far[k - 1100];
			for (size_t v = 0; v < 2 * nvalues; v++) {
				struct seccomp_data d;
				memset(&d, 0, sizeof d);
				d.arch = arch;
				/* both ABIs' numbers (x32 sets bit 30) */
				d.nr = (int)(v & 1 ? nr | 0x40000000 : nr);
				/* each value in every argument that has rules (0: clone,
				 * socket, socketpair, personality; 1: ioctl; 4: sendto),
				 * then in the first alone */
				uint64_t val = values[v / 2];
				d.args[0] = val;
				d.args[1] = v % 4 < 2 ? val : 0;
				d.args[4] = v % 4 < 2 ? val : 0;
				int64_t t = run_bpf(tty, ntty, &d), m = run_bpf(main_prog, nmain, &d);
				int64_t j = run_bpf(compact, ncompact, &d);
				if (t < 0 || m < 0 || j < 0)
					return fail("the filter has an instruction the check cannot run");
				uint32_t want = stricter((uint32_t)m, (uint32_t)t);
				if ((uint32_t)j != want)
					return fail("the compact filter differs from libseccomp's: arch %#x nr %d "
					            "args %#llx %#llx: %#x instead of %#x", (unsigned)arch, d.nr,
					            (unsigned long long)d.args[0], (unsigned long long)d.args[1],
					            (unsigned)j, (unsigned)want);
				checked++;
			}
		}
	}
	return checked ? 0 : fail("nothing was checked");
}

static int print_program(const char *name, const struct sock_filter *insns, size_t len)
{
	printf("static const struct sock_filter %s[%zu] = {\n", name, len);
	for (size_t i = 0; i < len; i++)
		printf("\t{ 0x%04x, %3u, %3u, 0x%08x },\n", (unsigned)insns[i].code,
		       (unsigned)insns[i].jt, (unsigned)insns[i].jf, (unsigned)insns[i].k);
	printf("};\n");
	return 0;
}

static scmp_filter_ctx build_one(uint32_t def, int (*rules)(scmp_filter_ctx))
{
	scmp_filter_ctx ctx = seccomp_init(def);
	if (!ctx) {
		fail("seccomp_init failed");
		return NULL;
	}
	/* Only the native ABI. A 64-bit process can still enter the kernel as
	 * i386 (int 0x80) or x32 (bit 30 in the number); both are another
	 * architecture to the filter, and that kills the process. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) < 0) {
		fail("cannot set the bad-arch action");
		seccomp_release(ctx);
		return NULL;
	}
	/* A binary search on the syscall number instead of a linear list:
	 * libseccomp changes the layout, not the decisions, and a call takes
	 * about 6 BPF steps instead of 34. That matters twice: every call the
	 * sandboxed program makes runs the filter, and loading it costs the
	 * kernel one run per syscall number (the allow-cache it builds), 420 us
	 * for the linear program and 135 us for this one. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) < 0) {
		fail("cannot ask for the binary-tree layout");
		seccomp_release(ctx);
		return NULL;
	}
	if (rules(ctx) < 0) {
		seccomp_release(ctx);
		return NULL;
	}
	return ctx;
}

int main(int argc, char **argv)
{
	int pfc = argc > 1 && strcmp(argv[1], "--pfc") == 0;
	if (argc > 1 && !pfc) {
		fprintf(stderr, "usage: seccomp_policy [--pfc]\n");
		return 2;
	}
	int rc = 1;
	scmp_filter_ctx tty = build_one(SCMP_ACT_ALLOW, add_tty_rules);
	scmp_filter_ctx main_ctx = build_one(SCMP_ACT_ERRNO(ENOSYS), add_main_rules);
	if (!tty || !main_ctx)
		goto out;
	if (pfc) {
		fflush(stdout);
		if (seccomp_export_pfc(tty, STDOUT_FILENO) < 0 || seccomp_export_pfc(main_ctx, STDOUT_FILENO) < 0)
			goto out;
		rc = 0;
		goto out;
	}
	struct sock_filter *tty_bpf = NULL, *main_bpf = NULL, *compact = NULL;
	size_t ntty = 0, nmain = 0, ncompact = 0;
	if (export_bpf(tty, &tty_bpf, &ntty) < 0 || export_bpf(main_ctx, &main_bpf, &nmain) < 0 ||
	    compact_program(&compact, &ncompact) < 0 ||
	    verify(tty_bpf, ntty, main_bpf, nmain, compact, ncompact) < 0)
		goto out_free;
	const struct scmp_version *v = seccomp_version();
	printf("/* Generated by sandbox/gen/seccomp_policy.c, checked against the\n"
	       " * programs libseccomp %u.%u.%u makes of the same policy (%zu and %zu\n"
	       " * instructions, stacked). Do not edit; change the policy there. */\n",
	       v->major, v->minor, v->micro, ntty, nmain);
	printf("#define SANDBOX_SECCOMP_AUDIT_ARCH 0x%08xU\n", seccomp_arch_native());
	print_program("sandbox_bpf", compact, ncompact);
	rc = fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
out_free:
	free(tty_bpf);
	free(main_bpf);
	free(compact);
out:
	if (tty)
		seccomp_release(tty);
	if (main_ctx)
		seccomp_release(main_ctx);
	return rc;
}
