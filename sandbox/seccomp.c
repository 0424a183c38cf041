/* seccomp.c: the filters and the notification handler. See seccomp.h.
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
 * namespace is the real block; the notification is the log. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include "common/error.h"
#include "common/util.h"
#include "sandbox/seccomp.h"

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
		return sigma_error_set(SIGMA_EIO, "seccomp rule for %s: %s", name, strerror(-rc));
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
	 * and get logged). Everything else, AF_NETLINK and AF_PACKET
	 * included, is EAFNOSUPPORT; values with high bits set match no rule
	 * and get the default ENOSYS. */
	static const int families[] = { AF_UNIX, AF_INET, AF_INET6 };
	for (size_t i = 0; i < sizeof families / sizeof *families; i++) {
		struct scmp_arg_cmp fam = cmp(0, SCMP_CMP_EQ, (uint64_t)families[i], 0);
		if ((rc = add(ctx, SCMP_ACT_ALLOW, "socket", 1, &fam)))
			return rc;
	}
	for (int af = 0; af < 64; af++) {
		if (af == AF_UNIX || af == AF_INET || af == AF_INET6)
			continue;
		struct scmp_arg_cmp fam = cmp(0, SCMP_CMP_EQ, (uint64_t)af, 0);
		if ((rc = add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), "socket", 1, &fam)))
			return rc;
	}
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
static int export(scmp_filter_ctx ctx, struct sock_fprog *prog)
{
	int fd = memfd_create("sigma-seccomp", MFD_CLOEXEC);
	int rc = 0;
	if (fd < 0)
		return sigma_error_set(SIGMA_EIO, "memfd_create: %s", strerror(errno));
	int e = seccomp_export_bpf(ctx, fd);
	if (e < 0) {
		rc = sigma_error_set(SIGMA_EIO, "seccomp_export_bpf: %s", strerror(-e));
		goto out;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) ||
	    st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS) {
		rc = sigma_error_set(SIGMA_EIO, "seccomp filter has a bad size");
		goto out;
	}
	size_t len = (size_t)st.st_size;
	struct sock_filter *insns = sigma_xmalloc(len);
	if (pread(fd, insns, len, 0) != (ssize_t)len) {
		free(insns);
		rc = sigma_error_set(SIGMA_EIO, "reading the seccomp filter back failed");
		goto out;
	}
	prog->filter = insns;
	prog->len = (unsigned short)(len / sizeof(struct sock_filter));
out:
	close(fd);
	return rc;
}

static int build_one(struct sock_fprog *out, uint32_t def, int (*rules)(scmp_filter_ctx))
{
	int rc = 0;
	scmp_filter_ctx ctx = seccomp_init(def);
	if (!ctx)
		return sigma_error_set(SIGMA_EIO, "seccomp_init failed");
	/* Only the native ABI. A 64-bit process can still enter the kernel as
	 * i386 (int 0x80) or x32 (bit 30 in the number); both are another
	 * architecture to the filter, and that kills the process. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) < 0) {
		rc = sigma_error_set(SIGMA_EIO, "seccomp: cannot set the bad-arch action");
		goto out;
	}
	if ((rc = rules(ctx)))
		goto out;
	rc = export(ctx, out);
out:
	seccomp_release(ctx);
	return rc;
}

int sandbox_seccomp_build(struct sock_fprog *tty_out, struct sock_fprog *main_out)
{
	int rc;
	tty_out->filter = main_out->filter = NULL;
	tty_out->len = main_out->len = 0;
	if ((rc = build_one(tty_out, SCMP_ACT_ALLOW, add_tty_rules)))
		return sigma_error_wrap(rc, "tty filter: ");
	if ((rc = build_one(main_out, SCMP_ACT_ERRNO(ENOSYS), add_main_rules)))
		return sigma_error_wrap(rc, "main filter: ");
	return 0;
}

void sandbox_seccomp_dispose(struct sock_fprog *prog)
{
	if (!prog)
		return;
	free(prog->filter);
	prog->filter = NULL;
	prog->len = 0;
}

/* --------------------------------------------------------- notifications */

struct sandbox_notifier {
	struct seccomp_notif      *req;
	struct seccomp_notif_resp *resp;
};

int sandbox_seccomp_notifier_new(sandbox_notifier **out)
{
	sandbox_notifier *n = sigma_xcalloc(1, sizeof *n);
	int rc = seccomp_notify_alloc(&n->req, &n->resp);
	if (rc < 0) {
		free(n);
		*out = NULL;
		return sigma_error_set(SIGMA_EIO, "seccomp_notify_alloc: %s", strerror(-rc));
	}
	*out = n;
	return 0;
}

void sandbox_seccomp_notifier_free(sandbox_notifier *n)
{
	if (!n)
		return;
	seccomp_notify_free(n->req, n->resp);
	free(n);
}

/* Copy len bytes of the target's memory. The number of bytes read (may be
 * short), or -1. */
static ssize_t peek(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	if (!addr || !len)
		return -1;
	struct iovec local = { buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	return process_vm_readv(pid, &local, 1, &remote, 1, 0);
}

/* How much of each sent datagram is kept, so that certification can look
 * for its canary tokens in what a script tried to send. */
#define PAYLOAD_PREVIEW 256

/* One destination read from the target. */
typedef struct dest {
	int      readable;  /* the sockaddr could be copied */
	int      family;    /* AF_* */
	char     address[48];
	unsigned port;
	int      loopback;
	char     dns_name[256];
	char     payload[PAYLOAD_PREVIEW + 1]; /* printable preview, "" when none */
} dest;

static void read_dest(pid_t pid, uint64_t addr, uint64_t len, dest *d)
{
	struct sockaddr_storage ss;
	memset(d, 0, sizeof *d);
	memset(&ss, 0, sizeof ss);
	if (len > sizeof ss)
		len = sizeof ss;
	ssize_t n = peek(pid, addr, &ss, (size_t)len);
	if (n < (ssize_t)sizeof(sa_family_t))
		return;
	d->readable = 1;
	d->family = ss.ss_family;
	if (d->family == AF_INET && n >= (ssize_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &in->sin_addr, d->address, sizeof d->address);
		d->port = ntohs(in->sin_port);
		d->loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	} else if (d->family == AF_INET6 && n >= (ssize_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &in6->sin6_addr, d->address, sizeof d->address);
		d->port = ntohs(in6->sin6_port);
		d->loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) ||
		              (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127);
	}
}

/* The question name of a DNS query in payload[0..len), dotted, or "". */
static void dns_question(const unsigned char *p, size_t len, char *out, size_t outsz)
{
	size_t i = 12, o = 0; /* after the header */
	out[0] = '\0';
	while (i < len) {
		size_t label = p[i++];
		if (label == 0)
			break;
		if (label > 63 || i + label > len)
			return; /* compression or garbage: not a plain query */
		if (o && o + 1 < outsz)
			out[o++] = '.';
		for (size_t k = 0; k < label && o + 1 < outsz; k++) {
			unsigned char c = p[i + k];
			out[o++] = (c > 32 && c < 127) ? (char)c : '?';
		}
		i += label;
	}
	out[o < outsz ? o : outsz - 1] = '\0';
}

static void read_dns(pid_t pid, uint64_t buf, uint64_t len, dest *d)
{
	unsigned char payload[512];
	if (len > sizeof payload)
		len = sizeof payload;
	ssize_t n = peek(pid, buf, payload, (size_t)len);
	if (n > 12)
		dns_question(payload, (size_t)n, d->dns_name, sizeof d->dns_name);
}

/* The first bytes of a send buffer, with anything unprintable as '.'. */
static void read_payload(pid_t pid, uint64_t buf, uint64_t len, dest *d)
{
	unsigned char bytes[PAYLOAD_PREVIEW];
	if (len > sizeof bytes)
		len = sizeof bytes;
	ssize_t n = peek(pid, buf, bytes, (size_t)len);
	if (n <= 0)
		return;
	for (ssize_t i = 0; i < n; i++)
		d->payload[i] = bytes[i] >= 32 && bytes[i] < 127 ? (char)bytes[i] : '.';
	d->payload[n] = '\0';
}

static int is_inet(const dest *d)
{
	return d->family == AF_INET || d->family == AF_INET6;
}

static void record(sandbox_result *r, const char *syscall_name, const dest *d)
{
	if (r->nnet >= SANDBOX_MAX_NET_ATTEMPTS) {
		r->net_dropped++;
		return;
	}
	if ((r->nnet & (r->nnet - 1)) == 0) /* 0, 1, 2, 4, ...: grow */
		r->net = sigma_xrealloc(r->net, (r->nnet ? r->nnet * 2 : 1) * sizeof *r->net);
	sandbox_net_attempt *a = &r->net[r->nnet++];
	memset(a, 0, sizeof *a);
	snprintf(a->syscall, sizeof a->syscall, "%s", syscall_name);
	if (!d->readable || !is_inet(d)) {
		snprintf(a->family, sizeof a->family, "unknown");
	} else {
		snprintf(a->family, sizeof a->family, "%s", d->family == AF_INET ? "inet" : "inet6");
		snprintf(a->address, sizeof a->address, "%s", d->address);
		a->port = d->port;
	}
	a->dns = d->readable && is_inet(d) && d->port == 53;
	if (a->dns && d->dns_name[0])
		a->dns_name = sigma_xstrdup(d->dns_name);
	if (d->payload[0])
		a->payload = sigma_xstrdup(d->payload);
}

/* The command line of an execve: the path, then up to SPAWN_ARGS arguments,
 * the whole capped at SPAWN_LINE bytes. Arguments are what certification
 * searches for canary tokens (curl https://x/?t=$NPM_TOKEN). */
#define SPAWN_ARGS 32
#define SPAWN_LINE 2048

static void record_spawn(sandbox_result *r, pid_t pid, uint64_t path_addr, uint64_t argv_addr)
{
	r->spawns++;
	if (r->nspawned >= SANDBOX_MAX_SPAWN_PATHS)
		return;
	char path[PATH_MAX];
	ssize_t n = peek(pid, path_addr, path, sizeof path - 1);
	if (n <= 0)
		return;
	path[n] = '\0'; /* the string may end earlier; strlen finds it */
	if (strlen(path) == (size_t)n && n == (ssize_t)sizeof path - 1)
		return; /* unterminated: not worth logging */
	sigma_buf line;
	sigma_buf_init(&line, SPAWN_LINE);
	sigma_buf_puts(&line, path);
	uint64_t ptrs[SPAWN_ARGS + 1];
	ssize_t got = argv_addr ? peek(pid, argv_addr, ptrs, sizeof ptrs) : -1;
	for (size_t i = 1; got > 0 && i < (size_t)got / sizeof *ptrs && ptrs[i]; i++) {
		char arg[512];
		ssize_t m = peek(pid, ptrs[i], arg, sizeof arg - 1);
		if (m <= 0)
			break;
		arg[m] = '\0';
		for (char *p = arg; *p; p++)
			if ((unsigned char)*p < 32)
				*p = ' ';
		if (sigma_buf_putc(&line, ' ') || sigma_buf_puts(&line, arg))
			break; /* the cap: keep what fits */
	}
	r->spawned = sigma_xrealloc(r->spawned, (r->nspawned + 1) * sizeof *r->spawned);
	r->spawned[r->nspawned++] = sigma_buf_steal(&line);
}

/* A held network call. Up to 8 destinations (sendmmsg) are examined. */
#define MAX_DESTS 8

int sandbox_seccomp_handle(sandbox_notifier *n, int listener, sandbox_result *r)
{
	struct seccomp_notif *req = n->req;
	struct seccomp_notif_resp *resp = n->resp;
	/* The kernel refuses a request buffer that is not zeroed. */
	memset(req, 0, sizeof *req);
	errno = 0;
	int rc = seccomp_notify_receive(listener, req);
	/* libseccomp turns every ioctl failure into -ECANCELED; errno keeps
	 * the kernel's answer. ENOENT: the caller vanished before we looked. */
	if (rc < 0 && (errno == ENOENT || errno == EINTR || rc == -ENOENT || rc == -EINTR))
		return 0;
	if (rc < 0)
		return sigma_error_set(SIGMA_EIO, "seccomp_notify_receive: %s", strerror(-rc));

	memset(resp, 0, sizeof *resp);
	resp->id = req->id;
	pid_t pid = (pid_t)req->pid;
	const __u64 *a = req->data.args;
	const char *name = NULL;
	dest d[MAX_DESTS];
	size_t nd = 0;
	int spawn = 0;

	switch (req->data.nr) {
	case SYS_execve:
	case SYS_execveat:
		spawn = 1;
		break;
	case SYS_connect:
		name = "connect";
		read_dest(pid, a[1], a[2], &d[nd++]);
		break;
	case SYS_sendto:
		name = "sendto";
		read_dest(pid, a[4], a[5], &d[nd]);
		if (d[nd].port == 53)
			read_dns(pid, a[1], a[2], &d[nd]);
		read_payload(pid, a[1], a[2], &d[nd]);
		nd++;
		break;
	case SYS_sendmsg: {
		name = "sendmsg";
		struct msghdr mh;
		if (peek(pid, a[1], &mh, sizeof mh) != (ssize_t)sizeof mh) {
			memset(&d[nd++], 0, sizeof d[0]); /* unreadable */
			break;
		}
		if (!mh.msg_name || !mh.msg_namelen)
			break; /* no destination: a connected socket */
		read_dest(pid, (uintptr_t)mh.msg_name, mh.msg_namelen, &d[nd]);
		struct iovec iov;
		if (mh.msg_iovlen > 0 && peek(pid, (uintptr_t)mh.msg_iov, &iov, sizeof iov) == (ssize_t)sizeof iov) {
			if (d[nd].port == 53)
				read_dns(pid, (uintptr_t)iov.iov_base, iov.iov_len, &d[nd]);
			read_payload(pid, (uintptr_t)iov.iov_base, iov.iov_len, &d[nd]);
		}
		nd++;
		break;
	}
	case SYS_sendmmsg: {
		name = "sendmmsg";
		struct mmsghdr mm[MAX_DESTS];
		uint64_t vlen = a[2] < MAX_DESTS ? a[2] : MAX_DESTS;
		ssize_t got = vlen ? peek(pid, a[1], mm, (size_t)vlen * sizeof *mm) : 0;
		if (vlen && got != (ssize_t)(vlen * sizeof *mm)) {
			memset(&d[nd++], 0, sizeof d[0]);
			break;
		}
		for (uint64_t i = 0; i < vlen; i++) {
			const struct msghdr *mh = &mm[i].msg_hdr;
			if (!mh->msg_name || !mh->msg_namelen)
				continue;
			read_dest(pid, (uintptr_t)mh->msg_name, mh->msg_namelen, &d[nd]);
			struct iovec iov;
			if (d[nd].port == 53 && mh->msg_iovlen > 0 &&
			    peek(pid, (uintptr_t)mh->msg_iov, &iov, sizeof iov) == (ssize_t)sizeof iov)
				read_dns(pid, (uintptr_t)iov.iov_base, iov.iov_len, &d[nd]);
			nd++;
		}
		break;
	}
	default:
		/* Not ours to hold: refuse rather than guess. */
		resp->error = -ENOSYS;
		goto respond;
	}

	/* What we copied may belong to a recycled pid if the caller died in
	 * the meantime: only trust it while the notification is still live. */
	if (seccomp_notify_id_valid(listener, req->id) != 0)
		return 0;

	if (spawn) {
		record_spawn(r, pid, req->data.nr == SYS_execve ? a[0] : a[1],
		             req->data.nr == SYS_execve ? a[1] : a[2]);
		/* Counting only; the exec itself is subject to everything else
		 * (mounts, nosuid, no_new_privs, the filter it inherits). */
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		goto respond;
	}

	/* Any inet or unreadable destination: log and refuse. Only calls whose
	 * every destination is readable and not inet (AF_UNIX, none) may go
	 * on; a racing thread that swaps the address after our copy meets the
	 * empty network namespace. */
	int refuse = 0, loop_only = 1;
	for (size_t i = 0; i < nd; i++) {
		if (!d[i].readable || is_inet(&d[i])) {
			refuse = 1;
			record(r, name, &d[i]);
			if (!d[i].loopback)
				loop_only = 0;
		}
	}
	if (refuse)
		resp->error = loop_only ? -ECONNREFUSED : -ENETUNREACH;
	else
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;

respond:
	errno = 0;
	rc = seccomp_notify_respond(listener, resp);
	if (rc < 0 && rc != -ENOENT && errno != ENOENT)
		return sigma_error_set(SIGMA_EIO, "seccomp_notify_respond: %s", strerror(-rc));
	return 0;
}
