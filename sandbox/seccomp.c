/* seccomp.c: the filter and the notification handler. See seccomp.h.
 *
 * What the filter allows, denies and holds is decided in
 * sandbox/gen/seccomp_policy.c, which also explains why; this file hands
 * out the program compiled from it at build time, and answers the held
 * calls. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include "common/error.h"
#include "common/util.h"
#include "sandbox/seccomp.h"

/* ------------------------------------------------------------ programs */

/* The policy and its compilation live in sandbox/gen/seccomp_policy.c; the
 * Makefile runs it at build time and this header is its output. */
#include "gen/seccomp_bpf.h"

#if defined(__x86_64__) && !defined(__ILP32__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__) && defined(__AARCH64EL__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif
#ifdef NATIVE_AUDIT_ARCH
_Static_assert(SANDBOX_SECCOMP_AUDIT_ARCH == NATIVE_AUDIT_ARCH,
               "the seccomp programs were generated for another architecture");
#endif

void sandbox_seccomp_program(struct sock_fprog *out)
{
	/* The kernel only reads the instructions (it copies them). */
	out->filter = (struct sock_filter *)sandbox_bpf;
	out->len = (unsigned short)(sizeof sandbox_bpf / sizeof *sandbox_bpf);
}

/* --------------------------------------------------------- notifications */

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

void sandbox_seccomp_listener_tune(int listener)
{
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) < 0) {
		/* before 6.6: the ordinary wake-up */
	}
}

/* The notification buffers, sized as the running kernel says: its
 * structures may have grown past our headers', and it wants the whole
 * request buffer zeroed. (The kernel interface itself: three ioctls on the
 * listener. libseccomp's wrappers were the only reason the executable
 * loaded libseccomp at run time, about 70 us of every start; the policy is
 * still compiled with libseccomp, at build time.) */
struct sandbox_notifier {
	struct seccomp_notif      *req;
	struct seccomp_notif_resp *resp;
	size_t                     req_size, resp_size;
};

int sandbox_seccomp_notifier_new(sandbox_notifier **out)
{
	struct seccomp_notif_sizes sizes;
	*out = NULL;
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
		return sigma_error_set(SIGMA_EIO, "seccomp user notification is not available: %s",
		                       strerror(errno));
	sandbox_notifier *n = sigma_xcalloc(1, sizeof *n);
	n->req_size = sizes.seccomp_notif > sizeof *n->req ? sizes.seccomp_notif : sizeof *n->req;
	n->resp_size = sizes.seccomp_notif_resp > sizeof *n->resp ? sizes.seccomp_notif_resp : sizeof *n->resp;
	n->req = sigma_xcalloc(1, n->req_size);
	n->resp = sigma_xcalloc(1, n->resp_size);
	*out = n;
	return 0;
}

void sandbox_seccomp_notifier_free(sandbox_notifier *n)
{
	if (!n)
		return;
	free(n->req);
	free(n->resp);
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
	memset(req, 0, n->req_size);
	/* ENOENT: the caller vanished before we looked. */
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req) < 0)
		return errno == ENOENT || errno == EINTR ? 0
		       : sigma_error_set(SIGMA_EIO, "seccomp notification receive: %s", strerror(errno));

	memset(resp, 0, n->resp_size);
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
	__u64 id = req->id;
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) != 0)
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
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT)
		return sigma_error_set(SIGMA_EIO, "seccomp notification answer: %s", strerror(errno));
	return 0;
}
