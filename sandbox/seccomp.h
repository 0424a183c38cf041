/* seccomp.h: the sandbox's system-call filters and the supervisor's side of
 * seccomp user notification.
 *
 * The policy of sandbox/gen/seccomp_policy.c, written there as two
 * libseccomp filters (the reference) and compiled when sigma is built into
 * one compact classic-BPF program that is checked to decide exactly as
 * the two stacked; handed to the child as a plain `struct sock_fprog` (the
 * child never calls into libseccomp, it must not allocate, see child.h):
 *
 *   - the tty filter: default allow, TIOCSTI and TIOCLINUX denied comparing
 *     only the low 32 bits of the ioctl request (CVE-2019-10063);
 *   - the main filter: a default-deny allowlist, x32/i386 rejected, the
 *     dangerous calls denied by name, clone3 and io_uring answered ENOSYS,
 *     and connect/sendto/sendmsg/sendmmsg/execve/execveat sent to the
 *     supervisor through a notification listener.
 *
 * Nothing here uses libseccomp at run time. */
#ifndef SIGMA_SANDBOX_SECCOMP_H
#define SIGMA_SANDBOX_SECCOMP_H
#include <linux/filter.h>
#include "sandbox/sandbox.h"

/* Point *out at the program. It is static and read-only: nothing to
 * free, nothing that can fail. */
void sandbox_seccomp_program(struct sock_fprog *out);

typedef struct sandbox_notifier sandbox_notifier;

/* Ask the kernel (6.6+) to switch straight to the supervisor on the
 * notifying CPU and back, instead of a wake-up through the scheduler on
 * each side: the held execve and connect calls wait less. Older kernels
 * refuse the flag and nothing changes. */
void sandbox_seccomp_listener_tune(int listener);

/* 0 or SIGMA_EIO. */
int sandbox_seccomp_notifier_new(sandbox_notifier **out);
void sandbox_seccomp_notifier_free(sandbox_notifier *n);

/* Receive one notification from `listener`, decide, answer, and record
 * what it was in `r` (network attempts, spawns). Inet destinations are
 * always answered with an error, never allowed to continue. Returns 0,
 * or SIGMA_EIO when the listener is unusable (every process in the
 * sandbox is gone). */
int sandbox_seccomp_handle(sandbox_notifier *n, int listener, sandbox_result *r);

#endif
