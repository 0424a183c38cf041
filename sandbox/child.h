/* child.h: the sandbox's pid-namespace init, and the plan it executes.
 *
 * The supervisor (sandbox.c) computes everything up front, with malloc and
 * error messages, into a `sandbox_plan`. The child, started by a raw clone()
 * of a possibly multi-threaded caller, then only executes that plan with
 * system calls: no allocation, no stdio, no locks, so it cannot deadlock on
 * a lock some other thread held at clone time. It reports progress and
 * failures to the supervisor as fixed-size messages on a pipe. */
#ifndef SIGMA_SANDBOX_CHILD_H
#define SIGMA_SANDBOX_CHILD_H
#include <stddef.h>
#include <stdint.h>
#include <linux/filter.h>
#include <sys/resource.h>

enum sandbox_step_kind {
	STEP_MKDIR,      /* dst, mode */
	STEP_SYMLINK,    /* dst -> text */
	STEP_FILE,       /* dst with contents text[0..len), mode */
	STEP_COPY,       /* host file src (opened before pivot) copied to dst,
	                    mode; skipped when src is unreadable, not a
	                    regular file or larger than len bytes */
	STEP_BIND_RO,    /* host src (opened before pivot) -> dst, read-only */
	STEP_BIND_DEV,   /* host device node src -> dst, nosuid noexec */
	STEP_TMPFS,      /* tmpfs on dst with options text */
	STEP_PROC,       /* a fresh proc on dst */
	STEP_REMOUNT_RO  /* bind dst onto itself read-only; optional if absent */
};

typedef struct sandbox_step {
	int         kind;
	const char *src;       /* host path, absolute (STEP_BIND_*) */
	const char *dst;       /* absolute path in the new root */
	const char *text;      /* link target, file contents or mount options */
	size_t      len;       /* contents length for STEP_FILE; size cap for
	                          STEP_COPY */
	unsigned    mode;
	int         optional;  /* a missing source is skipped, not an error */
	int         user;      /* from --ro-bind: refuse symlinks on the way */
	int         src_fd;    /* set by the child: fd of src (O_PATH for binds,
	                          O_RDONLY for copies), or -1 */
} sandbox_step;

/* Messages on the status pipe, child -> supervisor. */
enum sandbox_msg_kind {
	MSG_FAILED = 1,  /* setup failed at `where` with errno `err` */
	MSG_LISTENER,    /* the seccomp listener is fd `value` in the child */
	MSG_EXEC_FAILED, /* execve failed with `err` */
	MSG_EXIT,        /* the command ended with wait status `value` */
	MSG_CGROUP       /* could not move into cgroup self path `where`
	                  * (see sandbox_cgroup_self_paths) with errno `err` */
};

/* Setup phases that are not plan steps (`where` < 0). */
enum sandbox_phase {
	PHASE_OPEN_SOURCES = -1,
	PHASE_IDENTITY     = -2,
	PHASE_CGROUPNS     = -3,
	PHASE_PRIVATE      = -4,
	PHASE_ROOT         = -5,
	PHASE_PIVOT        = -6,
	PHASE_DETACH       = -7,
	PHASE_CWD          = -8,
	PHASE_RLIMITS      = -9,
	PHASE_CAPS         = -10,
	PHASE_NNP          = -11,
	PHASE_SECCOMP      = -12,
	PHASE_FORK         = -13,
	PHASE_HOSTNAME     = -14,
	PHASE_STDIO        = -15,
	PHASE_LAST         = -16
};

typedef struct sandbox_msg {
	int32_t kind;
	int32_t where;
	int32_t err;
	int32_t value;
} sandbox_msg;

typedef struct sandbox_plan {
	sandbox_step *steps;
	size_t        nsteps;
	const char   *base;          /* host dir the new root tmpfs goes on */
	const char   *root_opts;     /* tmpfs options of the new root */
	const char   *hostname;
	const char   *cwd;
	char *const  *argv;
	char *const  *envp;
	const char  **path_dirs;     /* PATH split, for the exec search */
	size_t        npath_dirs;
	size_t        max_path;      /* longest dir + "/" + argv[0] + NUL */
	char         *exec_buf;      /* max_path bytes, for that search */
	unsigned      uid, gid;
	int           drop_groups;   /* setgroups(0) (only possible as root) */
	int           listener_ack;  /* wait, dumpable, until the supervisor has
	                              * copied the listener (it is not root) */
	struct rlimit limits[RLIM_NLIMITS];
	int           limit_set[RLIM_NLIMITS];
	struct sock_fprog filter;    /* allowlist, TIOCSTI, notifications */
	int           sync_fd;       /* supervisor -> child: go / ack; EOF = gone */
	int           status_fd;     /* child -> supervisor: sandbox_msg */
	int           stdin_fd, stdout_fd, stderr_fd; /* pipe ends for 0, 1, 2 */
} sandbox_plan;

/* Run the plan as the pid-namespace init. Never returns. */
void sandbox_child_main(sandbox_plan *plan) __attribute__((noreturn));

#endif
