/* sandbox.c: the supervisor. See sandbox.h for the contract.
 *
 * sandbox_run does everything that needs memory, messages or privilege in
 * the host before the jail exists: it checks the options, computes the
 * plan (every mount, file and limit, see child.h), takes the seccomp
 * programs (compiled at build time) and creates the cgroup, then clones
 * the child into new namespaces. It
 * writes the child's uid/gid maps, moves it into the cgroup, lets it go,
 * and from then on only watches: it copies stdout/stderr (capped), feeds
 * stdin through a pipe, answers seccomp notifications, and enforces the
 * timeout by killing the pid-namespace init, which takes every process of
 * the namespace with it. The child is tied to this thread by
 * PR_SET_PDEATHSIG, so the tree also dies with the supervisor. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "common/error.h"
#include "common/util.h"
#include "sandbox/cgroup.h"
#include "sandbox/child.h"
#include "sandbox/etc.h"
#include "sandbox/sandbox.h"
#include "sandbox/seccomp.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

static const char default_path[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

void sandbox_opts_init(sandbox_opts *opts)
{
	memset(opts, 0, sizeof *opts);
	opts->timeout_ms = SANDBOX_DEFAULT_TIMEOUT_MS;
	opts->memory_bytes = SANDBOX_DEFAULT_MEMORY;
	opts->pids = SANDBOX_DEFAULT_PIDS;
	opts->tmp_size_bytes = SANDBOX_DEFAULT_TMP_SIZE;
	opts->open_files = SANDBOX_DEFAULT_OPEN_FILES;
	opts->cwd = "/tmp";
	opts->output_cap = SANDBOX_DEFAULT_OUTPUT_CAP;
	opts->stdin_fd = -1;
	opts->echo_stdout_fd = -1;
	opts->echo_stderr_fd = -1;
}

/* ---------------------------------------------------------------- plan */

/* The plan and everything it points to; freed in one place. */
typedef struct plan_store {
	sandbox_plan plan;
	size_t       cap;      /* steps allocated */
	char       **desc;     /* per step: what it does, for error messages */
	char       **owned;    /* strings to free */
	size_t       nowned, owned_cap;
	char       **env;
} plan_store;

static char *own(plan_store *ps, char *s)
{
	if (ps->nowned == ps->owned_cap) {
		ps->owned_cap = ps->owned_cap ? ps->owned_cap * 2 : 64;
		ps->owned = sigma_xrealloc(ps->owned, ps->owned_cap * sizeof *ps->owned);
	}
	ps->owned[ps->nowned++] = s;
	return s;
}

static sandbox_step *add_step(plan_store *ps, int kind, const char *dst, char *desc)
{
	sandbox_plan *p = &ps->plan;
	if (p->nsteps == ps->cap) {
		ps->cap = ps->cap ? ps->cap * 2 : 64;
		p->steps = sigma_xrealloc(p->steps, ps->cap * sizeof *p->steps);
		ps->desc = sigma_xrealloc(ps->desc, ps->cap * sizeof *ps->desc);
	}
	sandbox_step *s = &p->steps[p->nsteps];
	memset(s, 0, sizeof *s);
	s->kind = kind;
	s->dst = dst;
	s->src_fd = -1;
	ps->desc[p->nsteps++] = desc;
	return s;
}

static void add_mkdir(plan_store *ps, const char *dst, unsigned mode)
{
	sandbox_step *s = add_step(ps, STEP_MKDIR, dst, sigma_xasprintf("creating %s", dst));
	s->mode = mode;
}

static void add_symlink(plan_store *ps, const char *dst, const char *target)
{
	sandbox_step *s = add_step(ps, STEP_SYMLINK, dst, sigma_xasprintf("linking %s -> %s", dst, target));
	s->text = target;
}

static void add_file(plan_store *ps, const char *dst, const char *text, size_t len)
{
	sandbox_step *s = add_step(ps, STEP_FILE, dst, sigma_xasprintf("writing %s", dst));
	s->text = text;
	s->len = len;
	s->mode = 0444;
}

/* Copied by the child from the host file (see STEP_COPY), so that the
 * supervisor does not read it first and the contents never pass through
 * user space. */
static void add_copy(plan_store *ps, const char *path, size_t cap)
{
	sandbox_step *s = add_step(ps, STEP_COPY, path, sigma_xasprintf("copying %s", path));
	s->src = path;
	s->len = cap;
	s->mode = 0444;
}

static void add_bind(plan_store *ps, int kind, const char *src, const char *dst, int optional, int user)
{
	sandbox_step *s = add_step(ps, kind, dst, sigma_xasprintf("binding %s on %s", src, dst));
	s->src = src;
	s->optional = optional;
	s->user = user;
}

/* Mirror a host path: symlinks as symlinks (merged-/usr systems make /bin
 * a link to usr/bin), directories as read-only binds, absent ones not at
 * all. */
static void add_host_path(plan_store *ps, const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return;
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(path, target, sizeof target - 1);
		if (n <= 0)
			return;
		target[n] = '\0';
		add_symlink(ps, path, own(ps, sigma_xstrdup(target)));
	} else if (S_ISDIR(st.st_mode)) {
		add_bind(ps, STEP_BIND_RO, path, path, 1, 0);
	}
}

/* The sandbox's /etc (see etc.h): an image of it bound read-only, with
 * the host directories bound live over it; or, without a usable image
 * cache or when a --ro-bind goes inside /etc (the image is read-only, so
 * no mount point could be made in it), the same tree built in the fresh
 * root: small files copied (a bind mount costs more than a copy),
 * directories bound. */
static void add_etc(plan_store *ps, int user_binds_in_etc)
{
	char *cache = user_binds_in_etc ? NULL : sandbox_etc_cache_root();
	const char *why = NULL;
	unsigned live = 0;
	char *image = cache ? sandbox_etc_image("/etc", cache, &live, &why) : NULL;
	free(cache);
	if (image) {
		add_bind(ps, STEP_BIND_RO, own(ps, image), "/etc", 0, 0);
		/* The image has their mount points (symlinks are in it). */
		for (size_t i = 0; i < sandbox_etc_ndirs; i++)
			if (live & (1u << i)) {
				char *path = own(ps, sigma_xasprintf("/etc/%s", sandbox_etc_dirs[i]));
				add_bind(ps, STEP_BIND_RO, path, path, 1, 0);
			}
		return;
	}
	add_mkdir(ps, "/etc", 0755);
	add_mkdir(ps, "/etc/ssl", 0755);
	for (size_t i = 0; i < sandbox_etc_ntexts; i++) {
		const sandbox_etc_text *t = &sandbox_etc_texts[i];
		add_file(ps, own(ps, sigma_xasprintf("/etc/%s", t->name)), t->text, t->len);
	}
	for (size_t i = 0; i < sandbox_etc_nfiles; i++) {
		char *path = own(ps, sigma_xasprintf("/etc/%s", sandbox_etc_files[i]));
		struct stat st;
		if (lstat(path, &st) < 0)
			continue;
		if (S_ISLNK(st.st_mode)) {
			add_host_path(ps, path);
			continue;
		}
		if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > SANDBOX_ETC_FILE_CAP)
			continue;
		add_copy(ps, path, SANDBOX_ETC_FILE_CAP);
	}
	for (size_t i = 0; i < sandbox_etc_ndirs; i++)
		add_host_path(ps, own(ps, sigma_xasprintf("/etc/%s", sandbox_etc_dirs[i])));
}

static void add_dev(plan_store *ps)
{
	static const char *const nodes[] = { "null", "zero", "full", "random", "urandom" };
	add_mkdir(ps, "/dev", 0755);
	for (size_t i = 0; i < sizeof nodes / sizeof *nodes; i++) {
		char *path = own(ps, sigma_xasprintf("/dev/%s", nodes[i]));
		add_bind(ps, STEP_BIND_DEV, path, path, 0, 0);
	}
	add_symlink(ps, "/dev/fd", "/proc/self/fd");
	add_symlink(ps, "/dev/stdin", "/proc/self/fd/0");
	add_symlink(ps, "/dev/stdout", "/proc/self/fd/1");
	add_symlink(ps, "/dev/stderr", "/proc/self/fd/2");
	add_symlink(ps, "/dev/shm", "/tmp");
}

/* A sandbox path for --ro-bind DST: absolute, no "." or ".." parts, not
 * "/" and not where the jail's own machinery lives. Normalised copy or
 * NULL. */
static char *clean_dst(const char *dst)
{
	if (!dst || dst[0] != '/')
		return NULL;
	sigma_buf b = SIGMA_BUF_INIT;
	sigma_buf_init(&b, PATH_MAX);
	const char *p = dst;
	while (*p) {
		while (*p == '/')
			p++;
		const char *e = strchr(p, '/');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == 0)
			break;
		if ((l == 1 && p[0] == '.') || (l == 2 && p[0] == '.' && p[1] == '.')) {
			sigma_buf_dispose(&b);
			return NULL;
		}
		if (sigma_buf_putc(&b, '/') || sigma_buf_put(&b, p, l)) {
			sigma_buf_dispose(&b);
			return NULL;
		}
		p += l;
	}
	if (!b.ptr)
		return NULL; /* "/" */
	static const char *const reserved[] = { "/proc", "/dev", "/oldroot" };
	for (size_t i = 0; i < sizeof reserved / sizeof *reserved; i++) {
		size_t rl = strlen(reserved[i]);
		if (strncmp(b.ptr, reserved[i], rl) == 0 && (b.ptr[rl] == '\0' || b.ptr[rl] == '/')) {
			sigma_buf_dispose(&b);
			return NULL;
		}
	}
	return sigma_buf_steal(&b);
}

static void set_limit(sandbox_plan *p, int which, rlim_t soft, rlim_t hard)
{
	p->limits[which].rlim_cur = soft;
	p->limits[which].rlim_max = hard;
	p->limit_set[which] = 1;
}

/* The environment: defaults, then the caller's entries by name. */
static void build_env(plan_store *ps, char *const *extra)
{
	static const char *const defaults[] = {
		"HOME=/tmp", "TMPDIR=/tmp", "LANG=C.UTF-8", "USER=sandbox",
		"LOGNAME=sandbox", "SHELL=/bin/sh",
	};
	size_t nextra = 0;
	while (extra && extra[nextra])
		nextra++;
	size_t n = 0, cap = nextra + sizeof defaults / sizeof *defaults + 2;
	char **env = sigma_xcalloc(cap, sizeof *env);
	env[n++] = own(ps, sigma_xasprintf("PATH=%s", default_path));
	for (size_t i = 0; i < sizeof defaults / sizeof *defaults; i++)
		env[n++] = (char *)defaults[i];
	for (size_t i = 0; i < nextra; i++) {
		const char *eq = strchr(extra[i], '=');
		if (!eq)
			continue;
		size_t kl = (size_t)(eq - extra[i]) + 1;
		size_t k;
		for (k = 0; k < n; k++)
			if (strncmp(env[k], extra[i], kl) == 0)
				break;
		env[k] = extra[i];
		if (k == n)
			n++;
	}
	env[n] = NULL;
	ps->env = env;
	ps->plan.envp = env;

	/* PATH for the exec search, from the final environment. */
	const char *path = default_path;
	for (size_t k = 0; k < n; k++)
		if (strncmp(env[k], "PATH=", 5) == 0)
			path = env[k] + 5;
	char *copy = own(ps, sigma_xstrdup(path));
	size_t ndirs = 1;
	for (const char *c = copy; *c; c++)
		ndirs += *c == ':';
	const char **dirs = sigma_xcalloc(ndirs, sizeof *dirs);
	own(ps, (char *)dirs);
	size_t nd = 0, longest = 0;
	for (char *tok = copy, *next; tok; tok = next) {
		next = strchr(tok, ':');
		if (next)
			*next++ = '\0';
		if (*tok != '/')
			continue; /* relative PATH entries are never searched */
		dirs[nd++] = tok;
		if (strlen(tok) > longest)
			longest = strlen(tok);
	}
	ps->plan.path_dirs = dirs;
	ps->plan.npath_dirs = nd;
}

static int build_plan(plan_store *ps, const sandbox_opts *o, char *const argv[],
                      unsigned cpu, uint64_t fsize)
{
	sandbox_plan *p = &ps->plan;
	int rc = 0;

	/* Where the new root is mounted before pivot_root, in our private
	 * mount namespace only. pivot_root moves it away again, so the host
	 * directory shows through under the old root (bind sources in /tmp
	 * stay reachable). */
	static const char *const bases[] = { "/tmp", "/mnt", "/run", "/var/tmp" };
	for (size_t i = 0; i < sizeof bases / sizeof *bases && !p->base; i++) {
		struct stat st;
		if (lstat(bases[i], &st) == 0 && S_ISDIR(st.st_mode))
			p->base = bases[i];
	}
	if (!p->base)
		return sigma_error_set(SIGMA_EIO, "no directory to build the sandbox root on");
	p->root_opts = "size=16m,nr_inodes=4096,mode=0755";
	p->hostname = "sandbox";
	p->cwd = o->cwd;

	/* /proc first: the binds below go through /proc/self/fd. */
	add_step(ps, STEP_PROC, "/proc", sigma_xstrdup("mounting a fresh /proc"));
	static const char *const sys_dirs[] = { "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32" };
	for (size_t i = 0; i < sizeof sys_dirs / sizeof *sys_dirs; i++)
		add_host_path(ps, sys_dirs[i]);
	/* The caller's binds, checked first: where they go decides how /etc
	 * is made. Their steps come last, over everything else. */
	char **bind_src = sigma_xcalloc(o->nbinds + 1, sizeof *bind_src);
	char **bind_dst = sigma_xcalloc(o->nbinds + 1, sizeof *bind_dst);
	own(ps, (char *)bind_src);
	own(ps, (char *)bind_dst);
	int in_etc = 0;
	for (size_t i = 0; i < o->nbinds; i++) {
		const sandbox_bind *b = &o->binds[i];
		if (!b->src || !*b->src)
			return sigma_error_set(SIGMA_EINVALID, "--ro-bind: empty source");
		char *real = realpath(b->src, NULL);
		if (!real)
			return sigma_error_set(SIGMA_EINVALID, "--ro-bind %s: %s", b->src, strerror(errno));
		own(ps, real);
		char *dst = clean_dst(b->dst ? b->dst : real);
		if (!dst)
			return sigma_error_set(SIGMA_EINVALID,
			                       "--ro-bind %s: bad destination '%s' (absolute, no '..', not /, /proc, /dev)",
			                       b->src, b->dst ? b->dst : real);
		bind_src[i] = real;
		bind_dst[i] = own(ps, dst);
		in_etc |= strncmp(dst, "/etc/", 5) == 0;
	}

	add_etc(ps, in_etc);
	add_dev(ps);
	/* The kernel knobs of /proc read-only, like /sys would be (there is
	 * no /sys at all). */
	static const char *const proc_ro[] = { "/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus" };
	for (size_t i = 0; i < sizeof proc_ro / sizeof *proc_ro; i++) {
		sandbox_step *s = add_step(ps, STEP_REMOUNT_RO, proc_ro[i],
		                           sigma_xasprintf("making %s read-only", proc_ro[i]));
		s->optional = 1;
	}
	char *tmp_opts = own(ps, sigma_xasprintf("size=%llu,mode=1777", (unsigned long long)o->tmp_size_bytes));
	sandbox_step *tmp = add_step(ps, STEP_TMPFS, "/tmp", sigma_xstrdup("mounting /tmp"));
	tmp->text = tmp_opts;
	for (size_t i = 0; i < o->nbinds; i++)
		add_bind(ps, STEP_BIND_RO, bind_src[i], bind_dst[i], 0, 1);

	p->argv = argv;
	build_env(ps, o->envp);
	size_t longest = 0;
	for (size_t i = 0; i < p->npath_dirs; i++)
		if (strlen(p->path_dirs[i]) > longest)
			longest = strlen(p->path_dirs[i]);
	p->max_path = longest + 1 + strlen(argv[0]) + 1;
	p->exec_buf = own(ps, sigma_xmalloc(p->max_path));

	/* Limits. RLIMIT_NPROC counts per user and user namespace, so in our
	 * fresh namespace it is a per-sandbox process limit; RLIMIT_DATA
	 * rather than RLIMIT_AS, because JIT runtimes reserve far more
	 * address space than they use. */
	set_limit(p, RLIMIT_DATA, o->memory_bytes, o->memory_bytes);
	set_limit(p, RLIMIT_NPROC, o->pids, o->pids);
	set_limit(p, RLIMIT_CPU, cpu, cpu + 1);
	set_limit(p, RLIMIT_FSIZE, fsize, fsize);
	set_limit(p, RLIMIT_NOFILE, o->open_files, o->open_files);
	set_limit(p, RLIMIT_CORE, 0, 0);
	set_limit(p, RLIMIT_MEMLOCK, 64 << 10, 64 << 10);
	return rc;
}

static void plan_dispose(plan_store *ps)
{
	for (size_t i = 0; i < ps->plan.nsteps; i++)
		free(ps->desc[i]);
	free(ps->desc);
	free(ps->plan.steps);
	for (size_t i = 0; i < ps->nowned; i++)
		free(ps->owned[i]);
	free(ps->owned);
	free(ps->env);
}

static const char *phase_name(int where)
{
	switch (where) {
	case PHASE_OPEN_SOURCES: return "opening the bind sources";
	case PHASE_IDENTITY:     return "switching to the sandbox uid/gid";
	case PHASE_CGROUPNS:     return "creating the cgroup namespace";
	case PHASE_PRIVATE:      return "making mounts private";
	case PHASE_ROOT:         return "mounting the root tmpfs";
	case PHASE_PIVOT:        return "pivot_root";
	case PHASE_DETACH:       return "detaching the old root";
	case PHASE_CWD:          return "changing to the working directory";
	case PHASE_RLIMITS:      return "setting rlimits";
	case PHASE_CAPS:         return "dropping capabilities";
	case PHASE_NNP:          return "setting no_new_privs / dumpable";
	case PHASE_SECCOMP:      return "loading the seccomp filters";
	case PHASE_FORK:         return "starting the command";
	case PHASE_HOSTNAME:     return "setting the hostname";
	case PHASE_STDIO:        return "setting up fds";
	}
	return "setup";
}

/* ------------------------------------------------------------ supervise */

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	int e = errno;
	close(fd);
	errno = e;
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static void capture(sigma_buf *b, uint64_t *total, const char *data, size_t len)
{
	*total += len;
	size_t room = b->max > b->len ? b->max - b->len : 0;
	if (len > room)
		len = room;
	if (len)
		sigma_buf_put(b, data, len);
}

static void echo(int fd, const char *data, size_t len)
{
	if (fd >= 0 && sigma_write_all(fd, data, len) < 0) {
		/* the caller's terminal or pipe is gone: the report keeps it */
	}
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* The child's cgroup message: a length, then sandbox_cgroup_self_paths. */
static int send_cgroup(int fd, const sandbox_cgroup *cg)
{
	/* Not static: sandbox_run may run in several threads at once. */
	char *msg = sigma_xmalloc(sizeof(uint32_t) + SANDBOX_CGROUP_SELF_MAX);
	uint32_t len = (uint32_t)sandbox_cgroup_self_paths(cg, msg + sizeof len, SANDBOX_CGROUP_SELF_MAX);
	memcpy(msg, &len, sizeof len);
	int rc = sigma_write_all(fd, msg, sizeof len + len);
	free(msg);
	return rc;
}

/* State of one run, for the loop below. */
typedef struct run_state {
	const sandbox_opts *opts;
	sandbox_result *r;
	plan_store *ps;
	sandbox_cgroup *cg;
	sandbox_notifier *notifier;
	pid_t pid;
	int pidfd, status_fd, sync_fd, out_fd, err_fd, listener;
	int in_src, in_dst;         /* stdin pump: caller fd -> pipe */
	char in_buf[16384];
	size_t in_len, in_off;
	int reaped, killed, got_exit, exit_status, exec_err;
	int init_status;
	int cg_read, cg_oom;        /* the cgroup's figures, once read */
	int64_t cg_peak;
	struct rusage ru;
	char *setup_error;
	char msg_buf[sizeof(sandbox_msg)];
	size_t msg_len;
} run_state;

static void kill_tree(run_state *st)
{
	if (st->killed || st->reaped)
		return;
	/* SIGKILL to the init of the pid namespace: the kernel then kills
	 * every process in it, stopped, setsid'ed or SIGTERM-ignoring alike. */
	if (syscall(SYS_pidfd_send_signal, st->pidfd, SIGKILL, NULL, 0) < 0)
		kill(st->pid, SIGKILL);
	st->killed = 1;
}

static void on_msg(run_state *st, const sandbox_msg *m)
{
	switch (m->kind) {
	case MSG_FAILED: {
		const char *what = m->where >= 0 && (size_t)m->where < st->ps->plan.nsteps
		                   ? st->ps->desc[m->where] : phase_name(m->where);
		free(st->setup_error);
		st->setup_error = sigma_xasprintf("sandbox setup failed while %s: %s", what, strerror(m->err));
		break;
	}
	case MSG_LISTENER: {
		int fd = (int)syscall(SYS_pidfd_getfd, st->pidfd, m->value, 0);
		if (fd < 0) {
			free(st->setup_error);
			st->setup_error = sigma_xasprintf("sandbox setup failed: cannot take the seccomp "
			                                  "listener (pidfd_getfd: %s)", strerror(errno));
			kill_tree(st);
			break;
		}
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		st->listener = fd;
		sandbox_cgroup_unlend(st->cg); /* the init is in by now */
		st->r->isolation.seccomp = 1;
		sandbox_seccomp_listener_tune(fd);
		if (st->ps->plan.listener_ack && write(st->sync_fd, "a", 1) != 1)
			kill_tree(st);
		break;
	}
	case MSG_EXEC_FAILED:
		st->exec_err = m->err ? m->err : ENOEXEC;
		break;
	case MSG_EXIT:
		st->got_exit = 1;
		st->exit_status = m->value;
		/* Read now, while the init tears its namespaces down. */
		sandbox_cgroup_stats(st->cg, &st->cg_peak, &st->cg_oom);
		st->cg_read = 1;
		break;
	case MSG_CGROUP:
		sandbox_cgroup_self_failed(st->cg, m->where, m->err);
		break;
	}
}

static void read_status(run_state *st)
{
	ssize_t n = read(st->status_fd, st->msg_buf + st->msg_len, sizeof st->msg_buf - st->msg_len);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close_fd(&st->status_fd);
		return;
	}
	st->msg_len += (size_t)n;
	if (st->msg_len == sizeof st->msg_buf) {
		sandbox_msg m;
		memcpy(&m, st->msg_buf, sizeof m);
		st->msg_len = 0;
		on_msg(st, &m);
	}
}

static void read_output(run_state *st, int *fd, sigma_buf *b, uint64_t *total, int echo_fd)
{
	char chunk[65536];
	ssize_t n = read(*fd, chunk, sizeof chunk);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close_fd(fd);
		return;
	}
	capture(b, total, chunk, (size_t)n);
	echo(echo_fd, chunk, (size_t)n);
	(void)st;
}

static void pump_stdin(run_state *st, short src_ev, short dst_ev)
{
	if (st->in_len == st->in_off && (src_ev & (POLLIN | POLLHUP | POLLERR))) {
		ssize_t n = read(st->in_src, st->in_buf, sizeof st->in_buf);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return;
		if (n <= 0) {
			st->in_src = -1; /* the caller's fd: not ours to close */
			close_fd(&st->in_dst);
			return;
		}
		st->in_len = (size_t)n;
		st->in_off = 0;
	}
	if (st->in_off < st->in_len && (dst_ev & (POLLOUT | POLLERR | POLLHUP))) {
		ssize_t n = write(st->in_dst, st->in_buf + st->in_off, st->in_len - st->in_off);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return;
		if (n <= 0) { /* the sandbox closed its stdin */
			st->in_src = -1;
			close_fd(&st->in_dst);
			return;
		}
		st->in_off += (size_t)n;
	}
}

static void reap(run_state *st)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	/* wait4 for the rusage: it includes every descendant init reaped. */
	int status = 0;
	pid_t p;
	do
		p = wait4(st->pid, &status, __WALL, &st->ru);
	while (p < 0 && errno == EINTR);
	st->init_status = status;
	st->reaped = 1;
	close_fd(&st->pidfd);
}

static void supervise(run_state *st, int64_t deadline)
{
	for (;;) {
		if (st->reaped && st->out_fd < 0 && st->err_fd < 0 && st->status_fd < 0)
			break;
		struct pollfd pf[7];
		int idx[7];
		int n = 0;
		enum { I_STATUS, I_OUT, I_ERR, I_LISTEN, I_PIDFD, I_INSRC, I_INDST };
#define WATCH(f, ev, id) do { if ((f) >= 0) { pf[n].fd = (f); pf[n].events = (ev); pf[n].revents = 0; idx[n++] = (id); } } while (0)
		WATCH(st->status_fd, POLLIN, I_STATUS);
		WATCH(st->out_fd, POLLIN, I_OUT);
		WATCH(st->err_fd, POLLIN, I_ERR);
		WATCH(st->listener, POLLIN, I_LISTEN);
		WATCH(st->pidfd, POLLIN, I_PIDFD);
		if (st->in_dst >= 0 && st->in_off == st->in_len)
			WATCH(st->in_src, POLLIN, I_INSRC);
		if (st->in_off < st->in_len)
			WATCH(st->in_dst, POLLOUT, I_INDST);
#undef WATCH
		int64_t now = sigma_now_ms();
		int wait_ms;
		if (!st->killed && now >= deadline) {
			st->r->timed_out = !st->reaped;
			kill_tree(st);
		}
		if (st->reaped)
			wait_ms = 1000; /* only draining pipes whose writers are dead */
		else if (st->killed)
			wait_ms = 100;
		else
			wait_ms = (int)(deadline - now > 60000 ? 60000 : deadline - now);
		int rc = poll(pf, (nfds_t)n, wait_ms);
		if (rc < 0 && errno != EINTR)
			break;
		if (rc == 0 && st->reaped)
			break; /* nothing more comes: a writer we do not know of */
		for (int i = 0; i < n && rc > 0; i++) {
			short ev = pf[i].revents;
			if (!ev)
				continue;
			switch (idx[i]) {
			case I_STATUS: read_status(st); break;
			case I_OUT: read_output(st, &st->out_fd, &st->r->out, &st->r->out_total, st->opts->echo_stdout_fd); break;
			case I_ERR: read_output(st, &st->err_fd, &st->r->err, &st->r->err_total, st->opts->echo_stderr_fd); break;
			case I_LISTEN:
				if (ev & POLLIN) {
					if (sandbox_seccomp_handle(st->notifier, st->listener, st->r) < 0)
						close_fd(&st->listener);
				} else {
					close_fd(&st->listener); /* every filtered task is gone */
				}
				break;
			case I_PIDFD: reap(st); break;
			case I_INSRC: pump_stdin(st, ev, 0); break;
			case I_INDST: pump_stdin(st, 0, ev); break;
			}
		}
	}
}

static void fill_isolation(sandbox_isolation *iso, const sandbox_opts *o, unsigned cpu,
                           uint64_t fsize, unsigned host_uid)
{
	iso->ns_user = iso->ns_mount = iso->ns_pid = iso->ns_net = 1;
	iso->ns_ipc = iso->ns_uts = iso->ns_cgroup = 1;
	iso->no_new_privs = iso->caps_dropped = 1;
	iso->uid = SANDBOX_UID;
	iso->gid = SANDBOX_GID;
	iso->host_uid = host_uid;
	iso->timeout_ms = o->timeout_ms;
	iso->memory_bytes = o->memory_bytes;
	iso->tmp_size_bytes = o->tmp_size_bytes;
	iso->file_size_bytes = fsize;
	iso->pids = o->pids;
	iso->cpu_seconds = cpu;
	iso->open_files = o->open_files;
}

static int check_opts(const sandbox_opts *o, char *const argv[])
{
	if (!argv || !argv[0] || !argv[0][0])
		return sigma_error_set(SIGMA_EINVALID, "no command to run");
	if (o->timeout_ms <= 0)
		return sigma_error_set(SIGMA_EINVALID, "the timeout must be positive");
	if (o->memory_bytes < ((uint64_t)1 << 20))
		return sigma_error_set(SIGMA_EINVALID, "the memory limit must be at least 1M");
	if (o->pids < 2)
		return sigma_error_set(SIGMA_EINVALID, "the pids limit must be at least 2 (init and the command)");
	if (o->tmp_size_bytes < 4096)
		return sigma_error_set(SIGMA_EINVALID, "the tmp size must be at least 4k");
	if (o->open_files < 16)
		return sigma_error_set(SIGMA_EINVALID, "the open-files limit must be at least 16");
	if (!o->cwd || o->cwd[0] != '/')
		return sigma_error_set(SIGMA_EINVALID, "the working directory must be an absolute path");
	if (o->output_cap == 0)
		return sigma_error_set(SIGMA_EINVALID, "the output cap must be positive");
	return 0;
}

int sandbox_run(sandbox_result **out, const sandbox_opts *opts, char *const argv[])
{
	int rc;
	*out = NULL;
	if ((rc = check_opts(opts, argv)))
		return rc;

	int64_t start = sigma_now_ms();
	unsigned cpu = opts->cpu_seconds ? opts->cpu_seconds : (unsigned)((opts->timeout_ms + 999) / 1000);
	uint64_t fsize = opts->file_size_bytes ? opts->file_size_bytes : opts->tmp_size_bytes;
	int privileged = geteuid() == 0;
	unsigned host_uid = privileged ? 65534 : (unsigned)geteuid();
	unsigned host_gid = privileged ? 65534 : (unsigned)getegid();

	sandbox_result *r = sigma_xcalloc(1, sizeof *r);
	sigma_buf_init(&r->out, opts->output_cap);
	sigma_buf_init(&r->err, opts->output_cap);
	fill_isolation(&r->isolation, opts, cpu, fsize, host_uid);

	plan_store ps;
	memset(&ps, 0, sizeof ps);
	sandbox_cgroup cg;
	memset(&cg, 0, sizeof cg);
	run_state st;
	memset(&st, 0, sizeof st);
	st.opts = opts;
	st.r = r;
	st.ps = &ps;
	st.cg = &cg;
	st.pid = -1;
	st.pidfd = st.status_fd = st.sync_fd = st.out_fd = st.err_fd = st.listener = -1;
	st.in_src = st.in_dst = -1;
	int child_fds[5] = { -1, -1, -1, -1, -1 };

	/* Writes into pipes whose reader died must not kill the caller. */
	sigset_t pipe_set, old_mask, pending;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigpending(&pending);
	int pipe_was_pending = sigismember(&pending, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);

	if ((rc = build_plan(&ps, opts, argv, cpu, fsize)))
		goto out;
	ps.plan.uid = SANDBOX_UID;
	ps.plan.gid = SANDBOX_GID;
	ps.plan.drop_groups = privileged;
	ps.plan.listener_ack = !privileged;
	sandbox_seccomp_program(&ps.plan.filter);
	if ((rc = sandbox_seccomp_notifier_new(&st.notifier)))
		goto out;

	int p_sync[2], p_status[2], p_in[2], p_out[2], p_err[2];
	if (pipe2(p_sync, O_CLOEXEC) < 0)
		goto pipe_fail;
	st.sync_fd = p_sync[1];
	child_fds[0] = p_sync[0];
	if (pipe2(p_status, O_CLOEXEC) < 0)
		goto pipe_fail;
	st.status_fd = p_status[0];
	child_fds[1] = p_status[1];
	if (pipe2(p_in, O_CLOEXEC) < 0)
		goto pipe_fail;
	st.in_dst = p_in[1];
	child_fds[2] = p_in[0];
	if (pipe2(p_out, O_CLOEXEC) < 0)
		goto pipe_fail;
	st.out_fd = p_out[0];
	child_fds[3] = p_out[1];
	if (pipe2(p_err, O_CLOEXEC) < 0)
		goto pipe_fail;
	st.err_fd = p_err[0];
	child_fds[4] = p_err[1];
	ps.plan.sync_fd = child_fds[0];
	ps.plan.status_fd = child_fds[1];
	ps.plan.stdin_fd = child_fds[2];
	ps.plan.stdout_fd = child_fds[3];
	ps.plan.stderr_fd = child_fds[4];
	fcntl(st.in_dst, F_SETFL, O_NONBLOCK);

	/* The cgroup. On a v2-only host it is made now and the init is born
	 * in it (moving it by pid later could wait a whole RCU grace period,
	 * see cgroup.h); elsewhere it is made while the init builds its
	 * mounts, below. */
	int cg_early = sandbox_cgroup_v2_only();
	if (cg_early)
		sandbox_cgroup_create(&cg, opts->memory_bytes, opts->pids);

	/* Exit signal 0: the caller's SIGCHLD handling (SIG_IGN would reap
	 * it behind our back) does not matter, we wait with __WALL. */
	int pidfd = -1, born_inside = 0;
	pid_t pid = sandbox_cgroup_clone(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET |
	                                 CLONE_NEWIPC | CLONE_NEWUTS | CLONE_PIDFD,
	                                 &pidfd, &cg, &born_inside);
	if (pid == 0)
		sandbox_child_main(&ps.plan);
	if (pid < 0) {
		rc = sigma_error_set(SIGMA_EIO, "cannot create the sandbox namespaces: %s%s", strerror(errno),
		                     errno == EPERM || errno == ENOSPC
		                     ? " (are unprivileged user namespaces disabled?)" : "");
		goto out;
	}
	st.pid = pid;
	st.pidfd = pidfd;
	for (int i = 0; i < 5; i++)
		close_fd(&child_fds[i]);
	if (opts->stdin_fd >= 0)
		st.in_src = opts->stdin_fd;
	else
		close_fd(&st.in_dst); /* empty stdin: EOF at once */

	char path[64], map[64];
	snprintf(map, sizeof map, "%u %u 1\n", SANDBOX_UID, host_uid);
	snprintf(path, sizeof path, "/proc/%ld/uid_map", (long)pid);
	int map_ok = write_file(path, map) == 0;
	if (map_ok && !privileged) {
		/* Required before an unprivileged gid_map; also means the
		 * sandbox can never drop a group to get past a deny ACL. */
		snprintf(path, sizeof path, "/proc/%ld/setgroups", (long)pid);
		map_ok = write_file(path, "deny") == 0;
	}
	if (map_ok) {
		snprintf(map, sizeof map, "%u %u 1\n", SANDBOX_GID, host_gid);
		snprintf(path, sizeof path, "/proc/%ld/gid_map", (long)pid);
		map_ok = write_file(path, map) == 0;
	}
	if (!map_ok) {
		rc = sigma_error_set(SIGMA_EIO, "cannot write the sandbox's uid/gid map: %s", strerror(errno));
		kill_tree(&st);
		reap(&st);
		goto out;
	}
	/* The child now builds its mounts; meanwhile, its cgroup. On v1 it
	 * moves itself in when done, through the tasks files lent to it (see
	 * cgroup.h); then comes its cgroup namespace, whose "/" this is. */
	int sent = write(st.sync_fd, "g", 1) == 1;
	if (sent) {
		if (!cg_early)
			sandbox_cgroup_create(&cg, opts->memory_bytes, opts->pids);
		if (cg.version == 2 && !born_inside)
			sandbox_cgroup_attach(&cg, pid);
		sandbox_cgroup_lend(&cg, host_uid, host_gid);
		sent = send_cgroup(st.sync_fd, &cg) == 0;
	}
	if (!sent) {
		rc = sigma_error_set(SIGMA_EIO, "the sandbox died during setup");
		kill_tree(&st);
		reap(&st);
		goto out;
	}

	supervise(&st, start + opts->timeout_ms);
	if (!st.reaped) {
		kill_tree(&st);
		reap(&st);
	}
	r->wall_ms = sigma_now_ms() - start;
	/* After the run: the init reports a failed move into the cgroup. */
	r->isolation.cgroup = cg.version == 2 ? "v2" : cg.version == 1 ? "v1" : NULL;
	r->isolation.cgroup_memory = cg.memory;
	r->isolation.cgroup_pids = cg.pids;
	r->isolation.cgroup_note = cg.note;
	cg.note = NULL;

	if (st.setup_error && !st.got_exit) {
		rc = sigma_error_set(SIGMA_EIO, "%s", st.setup_error);
		goto out;
	}
	if (!r->isolation.seccomp && !st.r->timed_out) {
		rc = sigma_error_set(SIGMA_EIO, "the sandbox ended before its setup was complete");
		goto out;
	}
	r->cpu_ms = (int64_t)st.ru.ru_utime.tv_sec * 1000 + st.ru.ru_utime.tv_usec / 1000 +
	            (int64_t)st.ru.ru_stime.tv_sec * 1000 + st.ru.ru_stime.tv_usec / 1000;
	r->peak_rss_kb = st.ru.ru_maxrss;
	if (!st.cg_read)
		sandbox_cgroup_stats(&cg, &st.cg_peak, &st.cg_oom);
	r->oom_killed = st.cg_oom;
	if (r->peak_rss_kb <= 0 && st.cg_peak > 0)
		r->peak_rss_kb = st.cg_peak; /* init killed: its rusage is lost */
	if (st.exec_err) {
		char line[PATH_MAX + 128];
		int n = snprintf(line, sizeof line, "sigma sandbox: cannot execute '%s': %s\n", argv[0], strerror(st.exec_err));
		if (n > 0 && (size_t)n < sizeof line) {
			capture(&r->err, &r->err_total, line, (size_t)n);
			echo(opts->echo_stderr_fd, line, (size_t)n);
		}
	}
	int status = st.got_exit ? st.exit_status : st.init_status;
	if (st.got_exit && WIFEXITED(status)) {
		r->exited = 1;
		r->exit_code = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		r->signal = WTERMSIG(status);
	} else if (!st.got_exit) {
		r->signal = SIGKILL; /* init vanished without a word */
	}
	*out = r;
	r = NULL;
	rc = 0;
	goto out;

pipe_fail:
	rc = sigma_error_set(SIGMA_EIO, "pipe: %s", strerror(errno));
out:
	if (st.pid > 0 && !st.reaped) {
		kill_tree(&st);
		reap(&st);
	}
	for (int i = 0; i < 5; i++)
		close_fd(&child_fds[i]);
	close_fd(&st.pidfd);
	close_fd(&st.status_fd);
	close_fd(&st.sync_fd);
	close_fd(&st.out_fd);
	close_fd(&st.err_fd);
	close_fd(&st.listener);
	close_fd(&st.in_dst);
	sandbox_cgroup_dispose(&cg);
	sandbox_seccomp_notifier_free(st.notifier);
	free(st.setup_error);
	plan_dispose(&ps);
	sandbox_result_free(r);
	if (!pipe_was_pending) {
		struct timespec zero = { 0, 0 };
		while (sigtimedwait(&pipe_set, NULL, &zero) > 0)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	return rc;
}

void sandbox_result_free(sandbox_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nnet; i++) {
		free(r->net[i].dns_name);
		free(r->net[i].payload);
	}
	free(r->net);
	for (size_t i = 0; i < r->nspawned; i++)
		free(r->spawned[i]);
	free(r->spawned);
	sigma_buf_dispose(&r->out);
	sigma_buf_dispose(&r->err);
	free(r->isolation.cgroup_note);
	free(r);
}

int sandbox_result_status(const sandbox_result *r)
{
	if (r->timed_out)
		return 124;
	if (r->exited)
		return r->exit_code;
	if (r->signal)
		return 128 + r->signal;
	return 125;
}
