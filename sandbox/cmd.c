/* cmd.c: `sigma sandbox`, the command-line face of sandbox_run.
 *
 *   sigma sandbox [--timeout S] [--memory SIZE] [--pids N] [--tmp-size SIZE]
 *                 [--ro-bind SRC[:DST]]... [--cwd DIR] [--env NAME=VALUE]...
 *                 [--report FILE] -- COMMAND [ARG...]
 *
 * The command's stdout and stderr pass through (and are captured, capped,
 * for the report); our stdin is copied in through a pipe. Exit status as
 * timeout(1): the command's, 128 + signal, 124 on timeout; 2 for a usage
 * error, 125 when the sandbox itself could not be set up. What could not be
 * put in force (cgroups) is said once on stderr and in the report. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/error.h"
#include "common/util.h"
#include "sandbox/sandbox.h"

static const char usage[] =
	"usage: sigma sandbox [--timeout S] [--memory SIZE] [--pids N] [--tmp-size SIZE]\n"
	"                     [--ro-bind SRC[:DST]]... [--cwd DIR] [--env NAME=VALUE]...\n"
	"                     [--report FILE] -- COMMAND [ARG...]\n"
	"Runs COMMAND isolated: no network, read-only system, private /tmp, no\n"
	"privileges, limited resources. Defaults: --timeout 30 --memory 512M\n"
	"--pids 64 --tmp-size 64M --cwd /tmp. Exit status: the command's, 128+signal,\n"
	"124 on timeout, 125 if the sandbox cannot be set up, 2 on usage errors.\n";

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "sigma sandbox: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see sigma sandbox --help)\n");
	return 2;
}

/* Seconds, fractions allowed ("0.5"), into milliseconds. */
static int parse_timeout(const char *s, int64_t *ms)
{
	char *end = NULL;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > 86400.0 * 365)
		return -1;
	*ms = (int64_t)(v * 1000.0 + 0.5);
	return *ms > 0 ? 0 : -1;
}

static int parse_count(const char *s, unsigned *out)
{
	char *end = NULL;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v == 0 || v > 1000000)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int write_report(const char *path, const sandbox_result *r)
{
	char *json = NULL;
	int rc = sandbox_result_to_json(&json, r);
	if (rc)
		return rc;
	FILE *f = fopen(path, "we");
	if (!f) {
		rc = sigma_error_set(SIGMA_EIO, "%s: %s", path, strerror(errno));
		free(json);
		return rc;
	}
	int bad = fputs(json, f) == EOF || fputc('\n', f) == EOF;
	bad |= fclose(f) != 0;
	free(json);
	if (bad)
		return sigma_error_set(SIGMA_EIO, "%s: write failed", path);
	return 0;
}

int sandbox_cmd_main(int argc, char **argv)
{
	sandbox_opts opts;
	sandbox_opts_init(&opts);
	const char *report = NULL;
	sandbox_bind *binds = sigma_xcalloc((size_t)argc, sizeof *binds);
	char **env = sigma_xcalloc((size_t)argc + 1, sizeof *env);
	size_t nenv = 0;
	int status = 2;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(usage, stdout);
			status = 0;
			goto out;
		}
		if (a[0] != '-')
			break; /* the command, without "--" */
		const char *val = NULL;
		const char *eq = strchr(a, '=');
		char name[32];
		size_t nl = eq ? (size_t)(eq - a) : strlen(a);
		if (nl >= sizeof name) {
			status = usage_error("unknown option %s", a);
			goto out;
		}
		memcpy(name, a, nl);
		name[nl] = '\0';
		if (eq) {
			val = eq + 1;
		} else if (i + 1 < argc) {
			val = argv[++i];
		} else {
			status = usage_error("%s needs a value", a);
			goto out;
		}
		uint64_t size;
		if (strcmp(name, "--timeout") == 0) {
			if (parse_timeout(val, &opts.timeout_ms) < 0) {
				status = usage_error("bad --timeout '%s' (seconds)", val);
				goto out;
			}
		} else if (strcmp(name, "--memory") == 0) {
			if (sigma_parse_size(val, &size) || size < (1u << 20)) {
				status = usage_error("bad --memory '%s' (for example 512M, at least 1M)", val);
				goto out;
			}
			opts.memory_bytes = size;
		} else if (strcmp(name, "--tmp-size") == 0) {
			if (sigma_parse_size(val, &size) || size < 4096) {
				status = usage_error("bad --tmp-size '%s' (for example 64M)", val);
				goto out;
			}
			opts.tmp_size_bytes = size;
		} else if (strcmp(name, "--pids") == 0) {
			if (parse_count(val, &opts.pids) < 0 || opts.pids < 2) {
				status = usage_error("bad --pids '%s' (at least 2)", val);
				goto out;
			}
		} else if (strcmp(name, "--ro-bind") == 0) {
			/* SRC[:DST]; the last ':' splits, so SRC may hold one. */
			const char *colon = strrchr(val, ':');
			sandbox_bind *b = &binds[opts.nbinds++];
			if (colon && colon[1] == '/') {
				b->src = sigma_xstrndup(val, (size_t)(colon - val));
				b->dst = colon + 1;
			} else {
				b->src = sigma_xstrdup(val);
			}
		} else if (strcmp(name, "--cwd") == 0) {
			opts.cwd = val;
		} else if (strcmp(name, "--env") == 0) {
			if (!strchr(val, '=') || val[0] == '=') {
				status = usage_error("bad --env '%s' (NAME=VALUE)", val);
				goto out;
			}
			env[nenv++] = (char *)val;
		} else if (strcmp(name, "--report") == 0) {
			report = val;
		} else {
			status = usage_error("unknown option %s", a);
			goto out;
		}
	}
	if (i >= argc) {
		status = usage_error("no command given%s", "");
		goto out;
	}
	opts.binds = binds;
	opts.envp = nenv ? env : NULL;
	opts.stdin_fd = fcntl(0, F_GETFD) >= 0 ? 0 : -1;
	opts.echo_stdout_fd = 1;
	opts.echo_stderr_fd = 2;

	sandbox_result *r = NULL;
	int rc = sandbox_run(&r, &opts, argv + i);
	if (rc) {
		fprintf(stderr, "sigma sandbox: %s\n", sigma_error_last());
		status = rc == SIGMA_EINVALID ? 2 : 125;
		goto out;
	}
	if (r->isolation.cgroup_note)
		fprintf(stderr, "sigma sandbox: note: cgroup limits not fully in force (%s); rlimits apply\n",
		        r->isolation.cgroup_note);
	if (r->timed_out)
		fprintf(stderr, "sigma sandbox: timed out after %lld ms, the sandbox was killed\n",
		        (long long)opts.timeout_ms);
	status = sandbox_result_status(r);
	if (report && (rc = write_report(report, r))) {
		fprintf(stderr, "sigma sandbox: report: %s\n", sigma_error_last());
		status = 125;
	}
	sandbox_result_free(r);
out:
	for (size_t k = 0; k < opts.nbinds; k++)
		free((char *)binds[k].src);
	free(binds);
	free(env);
	return status;
}

void sandbox_cmd_help(FILE *out)
{
	fputs(usage, out);
}
