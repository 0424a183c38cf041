/* execute.h: a package's install step, run in the sandbox during
 * certification (issue 7, BRIEF §1 item 2).
 *
 * npm: the lifecycle scripts preinstall, install and postinstall, in that
 * order, with `sh -c`, as npm runs them. PyPI: an sdist's setup.py
 * (`python3 setup.py egg_info`: executing setup.py is what building does
 * first, and it is where install-time payloads live). Wheels and packages
 * without scripts are "skipped", with the reason.
 *
 * The unpacked package is read-only at /pkg; node and python come from the
 * host, read-only; the environment holds canary tokens (fake NPM_TOKEN,
 * GITHUB_TOKEN, AWS keys, ...) unique to the run. What the sandbox saw
 * becomes the certificate's `execution` summary and review findings:
 *   - a network attempt: HIGH (install-network);
 *   - a canary in a spawned command line, a sent payload or a DNS name:
 *     CRITICAL (canary-exfiltration); in the script's own output: HIGH
 *     (canary-read).
 * A timeout or an error never blocks by itself: the outcome is recorded and
 * the council decides on the rest. */
#ifndef SIGMA_REGISTRY_EXECUTE_H
#define SIGMA_REGISTRY_EXECUTE_H
#include <stdint.h>
#include <cjson/cJSON.h>
#include "registry/review.h"

typedef struct execute_opts {
	int64_t timeout_ms;   /* 30 s unless SIGMA_INSTALL_TIMEOUT (seconds) says otherwise */
} execute_opts;

void execute_opts_init(execute_opts *o);

/* Run `pkg`'s install step. *execution is the summary object for the
 * certificate (always set, even on failure: outcome "error" with why);
 * findings are appended to `findings`. Returns 0, or negative only for an
 * internal failure that is also described in *execution. */
int execute_install(cJSON **execution, review_findings *findings, const review_package *pkg,
                    const execute_opts *opts);

#endif
