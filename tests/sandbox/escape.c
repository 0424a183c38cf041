/* escape.c: escape attempts, run inside `sigma sandbox` by escape.sh.
 *
 *   escape ATTEMPT [ARG...]
 *
 * Each attempt tries one thing the sandbox must prevent. It prints one
 * line and exits 0 when the attempt was blocked ("blocked: ..."), 1 when it
 * worked ("ESCAPED: ..."), 2 when the attempt itself could not be made.
 * Where the way it fails matters (TIOCSTI: EPERM from seccomp, not ENOTTY
 * from the tty layer; io_uring/clone3: ENOSYS), the errno is checked too,
 * so that the test can fail for the right reason. Some attempts are also
 * run outside the sandbox, as controls ("host-*"), to prove they would
 * work there. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int blocked(const char *what, int err)
{
	printf("blocked: %s (%s)\n", what, strerror(err));
	return 0;
}

static int escaped(const char *what)
{
	printf("ESCAPED: %s\n", what);
	return 1;
}

/* rc < 0 with errno set: blocked; else escaped. */
static int expect_fail(const char *what, long rc)
{
	return rc < 0 ? blocked(what, errno) : escaped(what);
}

/* Like expect_fail, but only errno `want` counts as blocked for the right
 * reason. */
static int expect_errno(const char *what, long rc, int want)
{
	if (rc >= 0)
		return escaped(what);
	if (errno != want) {
		printf("ESCAPED?: %s failed with %s, expected %s\n", what, strerror(errno), strerror(want));
		return 1;
	}
	return blocked(what, errno);
}

static int net(int family, int type, const char *addr, int port, int use_sendto)
{
	int s = socket(family, type, 0);
	if (s < 0)
		return blocked("socket", errno);
	struct sockaddr_storage ss;
	socklen_t len;
	memset(&ss, 0, sizeof ss);
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, addr, &in->sin_addr);
		len = sizeof *in;
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		inet_pton(AF_INET6, addr, &in6->sin6_addr);
		len = sizeof *in6;
	}
	const char msg[] = "sigma-escape-probe\n";
	if (use_sendto) {
		ssize_t n = sendto(s, msg, sizeof msg - 1, 0, (struct sockaddr *)&ss, len);
		if (n < 0 && (errno == ECONNREFUSED || errno == ENETUNREACH))
			return blocked("sendto", errno);
		return n < 0 ? (printf("ESCAPED?: sendto: %s\n", strerror(errno)), 1) : escaped("sendto");
	}
	if (connect(s, (struct sockaddr *)&ss, len) < 0) {
		if (errno == ECONNREFUSED || errno == ENETUNREACH)
			return blocked("connect", errno);
		printf("ESCAPED?: connect failed oddly: %s\n", strerror(errno));
		return 1;
	}
	/* A UDP connect "succeeds" without traffic; the send would not. */
	ssize_t n = send(s, msg, sizeof msg - 1, 0);
	return n < 0 ? blocked("send after connect", errno) : escaped("connect+send");
}

static int sendmsg_attempt(const char *addr, int port)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in in;
	memset(&in, 0, sizeof in);
	in.sin_family = AF_INET;
	in.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, addr, &in.sin_addr);
	char data[] = "sigma-escape-probe\n";
	struct iovec iov = { data, sizeof data - 1 };
	struct msghdr mh;
	memset(&mh, 0, sizeof mh);
	mh.msg_name = &in;
	mh.msg_namelen = sizeof in;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	ssize_t n = sendmsg(s, &mh, 0);
	if (n < 0 && (errno == ECONNREFUSED || errno == ENETUNREACH))
		return blocked("sendmsg", errno);
	return n < 0 ? (printf("ESCAPED?: sendmsg: %s\n", strerror(errno)), 1) : escaped("sendmsg");
}

static int dns_query(void)
{
	/* A query for sigma-escape.test to 127.0.0.1:53 */
	static const unsigned char q[] = {
		0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		12, 's', 'i', 'g', 'm', 'a', '-', 'e', 's', 'c', 'a', 'p', 'e',
		4, 't', 'e', 's', 't', 0, 0x00, 0x01, 0x00, 0x01,
	};
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in in;
	memset(&in, 0, sizeof in);
	in.sin_family = AF_INET;
	in.sin_port = htons(53);
	inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
	ssize_t n = sendto(s, q, sizeof q, 0, (struct sockaddr *)&in, sizeof in);
	return n < 0 ? blocked("dns query", errno) : escaped("dns query sent");
}

static int write_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return blocked(path, errno);
	close(fd);
	return escaped(path);
}

static int only_std_fds(void)
{
	for (int fd = 3; fd < 4096; fd++) {
		if (fcntl(fd, F_GETFD) >= 0) {
			printf("ESCAPED: fd %d is open\n", fd);
			char link[64], target[512];
			snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
			ssize_t n = readlink(link, target, sizeof target - 1);
			if (n > 0) {
				target[n] = '\0';
				printf("  -> %s\n", target);
			}
			return 1;
		}
	}
	return blocked("no fd above 2 is open", EBADF);
}

/* Only the sandbox's own few processes are visible, and none of the host's
 * pids given as arguments (checked by their cmdline marker). */
static int host_pids(int argc, char **argv)
{
	DIR *d = opendir("/proc");
	if (!d)
		return 2;
	int count = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		count++;
	}
	closedir(d);
	for (int i = 0; i < argc; i++) {
		char path[64];
		snprintf(path, sizeof path, "/proc/%s/cmdline", argv[i]);
		char buf[256] = { 0 };
		int fd = open(path, O_RDONLY);
		if (fd >= 0) {
			ssize_t n = read(fd, buf, sizeof buf - 1);
			close(fd);
			if (n > 0 && strstr(buf, "sleep")) {
				printf("ESCAPED: host pid %s visible (%s)\n", argv[i], buf);
				return 1;
			}
		}
	}
	if (count > 4) {
		printf("ESCAPED: %d processes visible in /proc\n", count);
		return 1;
	}
	printf("blocked: %d processes visible, host pids hidden\n", count);
	return 0;
}

static int caps_empty(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return 2;
	char line[256];
	int seen = 0, bad = 0;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "Cap", 3) == 0) {
			seen++;
			char *v = strchr(line, ':');
			if (!v || strtoull(v + 1, NULL, 16) != 0) {
				printf("ESCAPED: %s", line);
				bad = 1;
			}
		}
		if (strncmp(line, "NoNewPrivs:", 11) == 0 && strtol(line + 11, NULL, 10) != 1) {
			printf("ESCAPED: %s", line);
			bad = 1;
		}
	}
	fclose(f);
	if (seen != 5) {
		printf("ESCAPED?: saw %d capability sets\n", seen);
		return 1;
	}
	if (getuid() == 0 || geteuid() == 0) {
		printf("ESCAPED: uid 0\n");
		return 1;
	}
	if (bad)
		return 1;
	printf("blocked: all five capability sets empty, no_new_privs, uid %d\n", (int)getuid());
	return 0;
}

/* Run fn in a child; "blocked" when the child is killed by SIGSYS or the
 * call failed. */
static int in_child(const char *what, long (*fn)(void))
{
	pid_t p = fork();
	if (p == 0) {
		long rc = fn();
		_exit(rc < 0 ? 3 : 4);
	}
	int st = 0;
	waitpid(p, &st, 0);
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS)
		return blocked(what, ENOSYS), printf("  (killed by SIGSYS)\n"), 0;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 3)
		return blocked(what, ENOSYS);
	return escaped(what);
}

static long x32_getpid(void)
{
	/* 0x40000000 | 39: getpid in the x32 ABI */
	return syscall(0x40000000L | 39);
}

static long i386_getpid(void)
{
#if defined(__x86_64__)
	long ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
	return ret < 0 ? -1 : ret;
#else
	return -1;
#endif
}

static int fork_bomb(void)
{
	int made = 0;
	for (int i = 0; i < 100000; i++) {
		pid_t p = fork();
		if (p == 0) {
			pause();
			_exit(0);
		}
		if (p < 0)
			break;
		made++;
	}
	printf("%s: fork bomb stopped after %d processes\n", made < 100000 ? "blocked" : "ESCAPED", made);
	fflush(stdout);
	return made < 100000 ? 0 : 1;
}

static int memory_hog(void)
{
	size_t total = 0;
	for (int i = 0; i < 256; i++) { /* up to 4 GiB */
		char *p = malloc(16 << 20);
		if (!p) {
			printf("blocked: malloc failed after %zu MiB\n", total >> 20);
			return 0;
		}
		memset(p, 1, 16 << 20);
		total += 16 << 20;
	}
	printf("ESCAPED: allocated %zu MiB\n", total >> 20);
	return 1;
}

/* Several processes, each under RLIMIT_DATA, together over the cgroup's
 * memory limit: only a cgroup can stop this, by killing. */
static int memory_hogs(int n)
{
	for (int i = 0; i < n; i++) {
		if (fork() == 0) {
			size_t total = 0;
			for (;;) {
				char *p = malloc(4 << 20);
				if (!p)
					break;
				memset(p, 1, 4 << 20);
				total += 4 << 20;
			}
			pause(); /* hold it */
			_exit(0);
		}
	}
	int killed = 0;
	for (int i = 0; i < n; i++) {
		int st = 0;
		if (wait(&st) > 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) {
			killed = 1;
			break;
		}
	}
	printf("%s\n", killed ? "blocked: a hog was killed" : "ESCAPED: no hog was killed");
	return killed ? 0 : 1;
}

static int tmp_fill(void)
{
	char buf[65536];
	memset(buf, 'x', sizeof buf);
	for (int f = 0; f < 10000; f++) {
		char path[64];
		snprintf(path, sizeof path, "/tmp/fill.%d", f);
		int fd = open(path, O_WRONLY | O_CREAT, 0644);
		if (fd < 0)
			return errno == ENOSPC ? blocked("tmp full", errno) : (printf("ESCAPED?: %s\n", strerror(errno)), 1);
		for (int k = 0; k < 4; k++) {
			if (write(fd, buf, sizeof buf) < 0) {
				int e = errno;
				close(fd);
				return e == ENOSPC ? blocked("tmp full", e) : (printf("ESCAPED?: %s\n", strerror(e)), 1);
			}
		}
		close(fd);
	}
	return escaped("wrote 2.5 GiB to /tmp");
}

/* Daemons that must all die at the timeout: a double-forked setsid one, a
 * SIGTERM-ignoring one, a stopped one. argv keeps the caller's marker. */
static int daemons(void)
{
	pid_t p = fork();
	if (p == 0) {
		if (fork() == 0) {
			setsid();
			for (;;)
				pause();
		}
		_exit(0);
	}
	waitpid(p, NULL, 0);
	if (fork() == 0) {
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		for (;;)
			pause();
	}
	if (fork() == 0) {
		raise(SIGSTOP);
		for (;;)
			pause();
	}
	printf("daemons started\n");
	fflush(stdout);
	signal(SIGTERM, SIG_IGN);
	for (;;)
		pause();
}

static int ptrace_sibling(void)
{
	pid_t p = fork();
	if (p == 0) {
		for (;;)
			pause();
	}
	long rc = ptrace(PTRACE_ATTACH, p, 0, 0);
	int e = errno;
	kill(p, SIGKILL);
	waitpid(p, NULL, 0);
	errno = e;
	return expect_fail("ptrace(PTRACE_ATTACH, sibling)", rc);
}

static int setuid_probe(void)
{
	printf("euid %d uid %d\n", (int)geteuid(), (int)getuid());
	return geteuid() == 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		fprintf(stderr, "usage: escape ATTEMPT [ARG...]\n");
		return 2;
	}
	const char *a = argv[1];
	int port = argc > 2 ? atoi(argv[2]) : 9;
	char one = 'x';

	if (!strcmp(a, "tcp4")) return net(AF_INET, SOCK_STREAM, "127.0.0.1", port, 0);
	if (!strcmp(a, "tcp6")) return net(AF_INET6, SOCK_STREAM, "::1", port, 0);
	if (!strcmp(a, "udp4")) return net(AF_INET, SOCK_DGRAM, "127.0.0.1", port, 0);
	if (!strcmp(a, "udp6")) return net(AF_INET6, SOCK_DGRAM, "::1", port, 0);
	if (!strcmp(a, "sendto4")) return net(AF_INET, SOCK_DGRAM, "127.0.0.1", port, 1);
	if (!strcmp(a, "sendto6")) return net(AF_INET6, SOCK_DGRAM, "::1", port, 1);
	if (!strcmp(a, "sendmsg4")) return sendmsg_attempt("127.0.0.1", port);
	if (!strcmp(a, "dns")) return dns_query();
	if (!strcmp(a, "packet")) return expect_fail("socket(AF_PACKET)", socket(AF_PACKET, SOCK_RAW, htons(3)));
	if (!strcmp(a, "netlink")) return expect_fail("socket(AF_NETLINK)", socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE));
	if (!strcmp(a, "write-root")) return write_file("/escape-probe");
	if (!strcmp(a, "write-usr")) return write_file("/usr/escape-probe");
	if (!strcmp(a, "write-etc")) return write_file("/etc/escape-probe");
	if (!strcmp(a, "remount-rw")) {
		long rc = mount(NULL, "/usr", NULL, MS_REMOUNT | MS_BIND, NULL);
		if (rc == 0 && access("/usr", W_OK) == 0)
			return escaped("remount /usr read-write");
		return rc < 0 ? blocked("remount /usr read-write", errno) : escaped("remount /usr returned 0");
	}
	if (!strcmp(a, "mount")) return expect_fail("mount tmpfs", mount("tmpfs", "/tmp", "tmpfs", 0, NULL));
	if (!strcmp(a, "umount")) return expect_fail("umount /usr", umount2("/usr", MNT_DETACH));
	if (!strcmp(a, "pivot_root")) return expect_fail("pivot_root", syscall(SYS_pivot_root, "/tmp", "/tmp"));
	if (!strcmp(a, "chroot")) return expect_fail("chroot", chroot("/tmp"));
	if (!strcmp(a, "open_tree")) return expect_fail("open_tree", syscall(428 /* open_tree */, AT_FDCWD, "/usr", 1 /* OPEN_TREE_CLONE */));
	if (!strcmp(a, "move_mount")) return expect_fail("move_mount", syscall(429 /* move_mount */, AT_FDCWD, "/usr", AT_FDCWD, "/tmp", 0));
	if (!strcmp(a, "fsopen")) return expect_fail("fsopen", syscall(430 /* fsopen */, "tmpfs", 0));
	if (!strcmp(a, "shadow")) {
		int fd = open("/etc/shadow", O_RDONLY);
		if (fd >= 0)
			return escaped("read /etc/shadow");
		if (access("/etc/gshadow", F_OK) == 0 || access("/root", F_OK) == 0 || access("/home", F_OK) == 0)
			return escaped("gshadow, /root or /home present");
		return blocked("/etc/shadow, /etc/gshadow, /root, /home absent", errno);
	}
	if (!strcmp(a, "host-proc")) return host_pids(argc - 2, argv + 2);
	if (!strcmp(a, "init-environ")) return expect_fail("open /proc/1/environ", open("/proc/1/environ", O_RDONLY));
	if (!strcmp(a, "caps")) return caps_empty();
	if (!strcmp(a, "setuid")) return setuid_probe();
	if (!strcmp(a, "unshare-user")) return expect_fail("unshare(CLONE_NEWUSER)", unshare(CLONE_NEWUSER));
	if (!strcmp(a, "clone-newuser")) return expect_fail("clone(CLONE_NEWUSER)", syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0));
	if (!strcmp(a, "setns")) return expect_fail("setns", setns(0, 0));
	if (!strcmp(a, "ptrace")) return ptrace_sibling();
	if (!strcmp(a, "bpf")) return expect_errno("bpf", syscall(SYS_bpf, 0, NULL, 0), EPERM);
	if (!strcmp(a, "keyctl")) return expect_errno("keyctl", syscall(SYS_keyctl, 0 /* GET_KEYRING_ID */, -3, 0), EPERM);
	if (!strcmp(a, "userfaultfd")) return expect_errno("userfaultfd", syscall(SYS_userfaultfd, 0), EPERM);
	if (!strcmp(a, "perf_event_open")) return expect_errno("perf_event_open", syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0), EPERM);
	if (!strcmp(a, "io_uring")) return expect_errno("io_uring_setup", syscall(425 /* io_uring_setup */, 8, NULL), ENOSYS);
	if (!strcmp(a, "clone3")) return expect_errno("clone3", syscall(435 /* clone3 */, NULL, 0), ENOSYS);
	if (!strcmp(a, "x32")) return in_child("x32 getpid", x32_getpid);
	if (!strcmp(a, "i386")) return in_child("int 0x80 getpid", i386_getpid);
	if (!strcmp(a, "host-x32")) return x32_getpid() > 0 ? 0 : 1;
	if (!strcmp(a, "host-i386")) return i386_getpid() > 0 ? 0 : 1;
	if (!strcmp(a, "tiocsti")) return expect_errno("ioctl(TIOCSTI)", ioctl(0, TIOCSTI, &one), EPERM);
	if (!strcmp(a, "tiocsti-high")) return expect_errno("ioctl(TIOCSTI | 1<<32)", syscall(SYS_ioctl, 0, (unsigned long)TIOCSTI | (1UL << 32), &one), EPERM);
	if (!strcmp(a, "tioclinux")) return expect_errno("ioctl(TIOCLINUX)", syscall(SYS_ioctl, 0, (unsigned long)TIOCLINUX | (0xffUL << 40), &one), EPERM);
	if (!strcmp(a, "fds")) return only_std_fds();
	if (!strcmp(a, "self-exe")) {
		if (open("/proc/self/exe", O_WRONLY) >= 0)
			return escaped("opened /proc/self/exe for writing");
		int e = errno;
		if (open("/proc/1/exe", O_RDONLY) >= 0)
			return escaped("opened the init's /proc/1/exe");
		return blocked("/proc/self/exe not writable, /proc/1/exe closed", e);
	}
	if (!strcmp(a, "fork-bomb")) return fork_bomb();
	if (!strcmp(a, "memory-hog")) return memory_hog();
	if (!strcmp(a, "memory-hogs")) return memory_hogs(port);
	if (!strcmp(a, "spin")) for (;;) ;
	if (!strcmp(a, "tmp-fill")) return tmp_fill();
	if (!strcmp(a, "daemons")) return daemons();
	if (!strcmp(a, "sleep")) { sleep((unsigned)port); return 0; }
	fprintf(stderr, "escape: unknown attempt %s\n", a);
	return 2;
}
