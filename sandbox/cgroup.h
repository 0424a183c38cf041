/* cgroup.h: a cgroup of the sandbox's own, when the host lets us have one.
 *
 * rlimits are per process (RLIMIT_NPROC per user), so a tree of processes
 * is only really bounded by a cgroup: memory.max and pids.max on v2,
 * memory.limit_in_bytes and pids.max on v1. We create a leaf next to (under)
 * the supervisor's own cgroup, move the sandbox's init into it before it
 * starts the command, and remove it when the tree is gone. The supervisor
 * creates the leaf while the freshly cloned init opens its bind sources
 * (the two overlap); on v1 the init then writes itself into the leaf
 * (sandbox_cgroup_self_paths), on v2 the supervisor moves it. When that is not
 * possible (an unprivileged user without delegation, a read-only cgroupfs)
 * nothing fails: `note` says what is missing and the caller reports it. */
#ifndef SIGMA_SANDBOX_CGROUP_H
#define SIGMA_SANDBOX_CGROUP_H
#include <stdint.h>
#include <sys/types.h>

typedef struct sandbox_cgroup {
	int   version;   /* 2, 1, or 0 when there is none */
	char *mem_dir;   /* the leaf holding the memory limit, or NULL */
	char *pids_dir;  /* the leaf holding the pids limit (v2: == mem_dir) */
	int   memory;    /* the memory limit is set */
	int   pids;      /* the pids limit is set */
	char *note;      /* what could not be set up, or NULL */
	int   lent;      /* v1: the tasks files belong to the sandbox's uid */
} sandbox_cgroup;

/* Create and configure the leaf (or leaves, on v1). Always returns 0:
 * failure is not an error here, it is recorded in cg->note. */
int sandbox_cgroup_create(sandbox_cgroup *cg, uint64_t memory_bytes, unsigned pids);

/* Move `pid` into the leaf. 0, or SIGMA_EIO (cg->note says why, and the
 * limits count as not in force). Moving a process by pid takes the write
 * side of the kernel's threadgroup lock, which after an idle spell waits
 * a full RCU grace period (7.4 ms median here with 100 ms between moves,
 * on v1 and v2 alike): prefer sandbox_cgroup_clone on v2 and the init's
 * self-move on v1 (sandbox_cgroup_self_paths). */
int sandbox_cgroup_attach(sandbox_cgroup *cg, pid_t pid);

/* True when the host has only the unified (v2) hierarchy: /proc/self/cgroup
 * is a single "0::" line. Then the leaf is made before the clone and the
 * child is born in it. */
int sandbox_cgroup_v2_only(void);

/* clone(2) with `flags` (the CLONE_NEW* set, CLONE_PIDFD storing into
 * *pidfd), the child born in cg's v2 leaf (clone3 CLONE_INTO_CGROUP,
 * Linux 5.7+) when cg is v2; *born_inside says whether that happened. In
 * the child, returns 0, as clone does. When clone3 or CLONE_INTO_CGROUP is
 * refused, falls back to a plain clone (and *born_inside = 0), so the
 * caller moves the child with sandbox_cgroup_attach instead. */
pid_t sandbox_cgroup_clone(unsigned long flags, int *pidfd, const sandbox_cgroup *cg, int *born_inside);

/* v1: the files a process writes "0" into to move itself into the leaves,
 * as NUL-terminated paths one after the other into buf (at most cap
 * bytes); returns the bytes used, 0 when it is not v1. Moving oneself by
 * "0" into a v1 "tasks" file moves one thread without the write side of
 * the kernel's threadgroup lock, whose RCU grace period made moving
 * another process by pid cost about as much as the rest of the sandbox
 * set-up. SANDBOX_CGROUP_SELF_MAX bytes always suffice. */
#define SANDBOX_CGROUP_SELF_MAX 8192
size_t sandbox_cgroup_self_paths(const sandbox_cgroup *cg, char *buf, size_t cap);

/* v1: lend the tasks files to the sandbox's host uid/gid, so that its
 * init can move itself in after giving up the caller's identity, which
 * lets the supervisor build the cgroup while the init builds its mounts;
 * sandbox_cgroup_unlend gives them back once it is in. Without v1, or when
 * they are the caller's own files (an unprivileged caller), no-ops. */
void sandbox_cgroup_lend(sandbox_cgroup *cg, unsigned uid, unsigned gid);
void sandbox_cgroup_unlend(sandbox_cgroup *cg);

/* The init could not write itself into self path number `which` (errno
 * err): recorded in the note, that limit counts as not in force. */
void sandbox_cgroup_self_failed(sandbox_cgroup *cg, int which, int err);

/* Peak memory in KiB (-1 when unknown) and whether the OOM killer fired. */
void sandbox_cgroup_stats(const sandbox_cgroup *cg, int64_t *peak_kb, int *oom_killed);

/* Remove the leaves (call once every process in them is gone) and free
 * the strings, the note included: take it first (set it to NULL) to keep
 * it. */
void sandbox_cgroup_dispose(sandbox_cgroup *cg);

#endif
