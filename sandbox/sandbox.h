/* sandbox.h: run an untrusted command in a throw-away jail and report what
 * it did.
 *
 * sigma runs package install scripts and similar untrusted code. This module
 * is the only place where that happens, so everything the seed promises about
 * isolation (BRIEF §5) lives behind this one call:
 *
 *   sandbox_opts opts;
 *   sandbox_opts_init(&opts);
 *   opts.timeout_ms = 10000;
 *   sandbox_result *r = NULL;
 *   if (sandbox_run(&r, &opts, argv) == 0) { ... r->exit_code ... }
 *   sandbox_result_free(r);
 *
 * The command runs in fresh user, mount, pid, net, ipc, uts and cgroup
 * namespaces, on a tmpfs root with read-only binds, as an unprivileged uid
 * with no capabilities, under a default-deny seccomp allowlist, with rlimits
 * and (when the host lets us) a cgroup of its own. Network attempts and
 * process spawns are observed through seccomp user notification. Whatever
 * cannot be put in force makes sandbox_run fail, except cgroups, whose
 * absence is recorded in result->isolation (the rlimits still apply).
 *
 * docs/SANDBOX.md explains every decision. */
#ifndef SIGMA_SANDBOX_H
#define SIGMA_SANDBOX_H
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include "common/buf.h"

/* One extra read-only bind: host path `src` appears at `dst` (absolute,
 * inside the sandbox). `dst` NULL means the same path as `src`. */
typedef struct sandbox_bind {
	const char *src;
	const char *dst;
} sandbox_bind;

typedef struct sandbox_opts {
	int64_t  timeout_ms;      /* wall clock; the whole tree dies at it (30 s) */
	uint64_t memory_bytes;    /* cgroup memory.max and RLIMIT_DATA (512 MiB) */
	unsigned pids;            /* cgroup pids.max and RLIMIT_NPROC (64) */
	uint64_t tmp_size_bytes;  /* size of the /tmp tmpfs (64 MiB) */
	unsigned cpu_seconds;     /* RLIMIT_CPU; 0 = the timeout, rounded up */
	uint64_t file_size_bytes; /* RLIMIT_FSIZE; 0 = the tmp size */
	unsigned open_files;      /* RLIMIT_NOFILE (256) */
	const sandbox_bind *binds;/* extra read-only binds */
	size_t   nbinds;
	const char *cwd;          /* working directory inside ("/tmp") */
	char *const *envp;        /* NULL-terminated NAME=VALUE entries added to
	                             (and overriding) the minimal default
	                             environment: PATH, HOME=/tmp, TMPDIR, LANG,
	                             USER. Nothing of the caller's leaks in. */
	size_t   output_cap;      /* bytes of stdout and of stderr kept (64 KiB) */
	int      stdin_fd;        /* copied into the sandbox through a pipe; -1 =
	                             empty stdin. The fd itself never goes in. */
	int      echo_stdout_fd;  /* also copy the command's stdout here (-1) */
	int      echo_stderr_fd;  /* also copy the command's stderr here (-1) */
} sandbox_opts;

#define SANDBOX_DEFAULT_TIMEOUT_MS  30000
#define SANDBOX_DEFAULT_MEMORY      ((uint64_t)512 << 20)
#define SANDBOX_DEFAULT_PIDS        64
#define SANDBOX_DEFAULT_TMP_SIZE    ((uint64_t)64 << 20)
#define SANDBOX_DEFAULT_OPEN_FILES  256
#define SANDBOX_DEFAULT_OUTPUT_CAP  ((size_t)64 << 10)
#define SANDBOX_MAX_NET_ATTEMPTS    1024
#define SANDBOX_MAX_SPAWN_PATHS     64

/* The in-sandbox identity (mapped to the caller's uid, or to nobody when
 * the caller is root). */
#define SANDBOX_UID 1000
#define SANDBOX_GID 1000

/* One intercepted connect/sendto/sendmsg/sendmmsg to an inet address. */
typedef struct sandbox_net_attempt {
	char     syscall[12];  /* "connect", "sendto", "sendmsg", "sendmmsg" */
	char     family[8];    /* "inet", "inet6", or "unknown" when unreadable */
	char     address[48];  /* numeric; "" when unreadable */
	unsigned port;
	int      dns;          /* destination port 53 */
	char    *dns_name;     /* the queried name when the payload was readable */
	char    *payload;      /* sendto/sendmsg: the first bytes of the data,
	                          non-printable bytes as '.', or NULL */
} sandbox_net_attempt;

/* What was in force. Namespaces, seccomp, capabilities and no_new_privs are
 * never optional: if one cannot be set up, sandbox_run fails instead. They
 * are still listed so that a report is self-describing. */
typedef struct sandbox_isolation {
	int      ns_user, ns_mount, ns_pid, ns_net, ns_ipc, ns_uts, ns_cgroup;
	int      seccomp;        /* the filter (allowlist, TIOCSTI) and its listener */
	int      no_new_privs;
	int      caps_dropped;   /* all five sets empty */
	unsigned uid, gid;       /* inside */
	unsigned host_uid;       /* what they map to outside */
	const char *cgroup;      /* "v2", "v1" or NULL: rlimits only */
	int      cgroup_memory;  /* memory limit enforced by the cgroup */
	int      cgroup_pids;    /* pids limit enforced by the cgroup */
	char    *cgroup_note;    /* why cgroups are (partly) missing, or NULL */
	int64_t  timeout_ms;
	uint64_t memory_bytes, tmp_size_bytes, file_size_bytes;
	unsigned pids, cpu_seconds, open_files;
} sandbox_isolation;

typedef struct sandbox_result {
	int      exited;         /* the command exited normally ... */
	int      exit_code;      /* ... with this status */
	int      signal;         /* else the signal that killed it (0 = none) */
	int      timed_out;      /* the timeout killed the tree */
	int      oom_killed;     /* the cgroup's OOM killer fired */
	int64_t  wall_ms, cpu_ms, peak_rss_kb;
	sandbox_net_attempt *net;/* at most SANDBOX_MAX_NET_ATTEMPTS */
	size_t   nnet;
	size_t   net_dropped;    /* attempts past the cap, counted only */
	unsigned long spawns;    /* execve/execveat calls, the first included */
	char   **spawned;        /* their command lines, path then arguments
	                            (first SANDBOX_MAX_SPAWN_PATHS, each capped) */
	size_t   nspawned;
	sigma_buf out, err;      /* captured, each capped at opts.output_cap */
	uint64_t out_total, err_total; /* bytes written, kept or not */
	sandbox_isolation isolation;
} sandbox_result;

/* Fill `opts` with the defaults above (stdin empty, no echo). */
void sandbox_opts_init(sandbox_opts *opts);

/* Run argv[0] (searched in the sandbox's PATH when it has no '/') inside
 * the sandbox and wait for it, or for the timeout.
 *
 * Returns 0 when the command ran, whatever its outcome (a command that
 * cannot be executed exits 127, as in a shell); *out is then a result the
 * caller frees with sandbox_result_free. Returns SIGMA_EINVALID for bad
 * options and SIGMA_EIO when the sandbox could not be set up; *out is NULL
 * and the error slot says what failed. Blocks the calling thread, which
 * must stay alive until the call returns (the sandbox is tied to it).
 * The caller's signal dispositions and fds are not touched. */
int sandbox_run(sandbox_result **out, const sandbox_opts *opts, char *const argv[]);

/* NULL-safe. */
void sandbox_result_free(sandbox_result *r);

/* The JSON report (docs/SANDBOX.md lists the fields). 0, with *out a
 * NUL-terminated string the caller frees; SIGMA_EIO on failure. */
int sandbox_result_to_json(char **out, const sandbox_result *r);

/* The exit status `sigma sandbox` uses: 124 on timeout, the command's
 * status, or 128 + signal. */
int sandbox_result_status(const sandbox_result *r);

/* `sigma sandbox [options] -- COMMAND [ARG...]`; argv[0] is "sandbox".
 * Returns the process exit status (see sandbox_result_status; 2 on usage
 * errors, 125 when the sandbox could not be set up). */
int sandbox_cmd_main(int argc, char **argv);
/* The usage text of `sigma sandbox`. */
void sandbox_cmd_help(FILE *out);

#endif
