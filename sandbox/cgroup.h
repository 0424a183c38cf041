/* cgroup.h: a cgroup of the sandbox's own, when the host lets us have one.
 *
 * rlimits are per process (RLIMIT_NPROC per user), so a tree of processes
 * is only really bounded by a cgroup: memory.max and pids.max on v2,
 * memory.limit_in_bytes and pids.max on v1. We create a leaf next to (under)
 * the supervisor's own cgroup, move the sandbox's init into it before it
 * runs anything, and remove it when the tree is gone. When that is not
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
	char *mem_home;  /* v1: the supervisor's own memory / pids cgroups, to */
	char *pids_home; /*     step back into after sandbox_cgroup_enter */
} sandbox_cgroup;

/* Create and configure the leaf (or leaves, on v1). Always returns 0:
 * failure is not an error here, it is recorded in cg->note. */
int sandbox_cgroup_create(sandbox_cgroup *cg, uint64_t memory_bytes, unsigned pids);

/* Move `pid` into the leaf. 0, or SIGMA_EIO (cg->note says why, and the
 * limits count as not in force). */
int sandbox_cgroup_attach(sandbox_cgroup *cg, pid_t pid);

/* v1 only: move the calling thread into the leaves (cheap, unlike moving
 * another process) so that a child cloned now starts inside them; then
 * sandbox_cgroup_leave moves the thread back. 0, SIGMA_ENOTFOUND (not v1:
 * use sandbox_cgroup_attach after the clone) or SIGMA_EIO. */
int sandbox_cgroup_enter(sandbox_cgroup *cg);
void sandbox_cgroup_leave(sandbox_cgroup *cg);

/* Peak memory in KiB (-1 when unknown) and whether the OOM killer fired. */
void sandbox_cgroup_stats(const sandbox_cgroup *cg, int64_t *peak_kb, int *oom_killed);

/* Remove the leaves (call once every process in them is gone) and free
 * the strings, the note included: take it first (set it to NULL) to keep
 * it. */
void sandbox_cgroup_dispose(sandbox_cgroup *cg);

#endif
