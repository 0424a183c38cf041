/* execute.c: see execute.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/rand.h>
#include "common/buf.h"
#include "common/error.h"
#include "common/json.h"
#include "common/util.h"
#include "registry/execute.h"
#include "registry/unpack.h"
#include "sandbox/sandbox.h"

/* The secrets an install-time stealer goes for. Each run gets fresh values,
 * so a value seen anywhere can only have come from this run's environment. */
static const char *const canary_names[] = {
	"NPM_TOKEN", "NODE_AUTH_TOKEN", "GITHUB_TOKEN", "GH_TOKEN", "AWS_ACCESS_KEY_ID",
	"AWS_SECRET_ACCESS_KEY", "PYPI_TOKEN", "TWINE_PASSWORD", "SSH_AUTH_SOCK_KEY",
};
#define NCANARIES (sizeof canary_names / sizeof *canary_names)

void execute_opts_init(execute_opts *o)
{
	o->timeout_ms = SANDBOX_DEFAULT_TIMEOUT_MS;
	const char *t = getenv("SIGMA_INSTALL_TIMEOUT");
	if (t && atoi(t) > 0)
		o->timeout_ms = (int64_t)atoi(t) * 1000;
}

/* ---------------------------------------------------------------- shell */

/* Append `s` single-quoted for sh. */
static void sh_quote(sigma_buf *b, const char *s)
{
	sigma_buf_putc(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			sigma_buf_puts(b, "'\\''");
		else
			sigma_buf_putc(b, *s);
	}
	sigma_buf_putc(b, '\'');
}

/* The runner script: cd /pkg, each step in order (stop at the first that
 * fails, as npm does), then list what was written under /tmp after a
 * marker line on stderr, and exit with the steps' status. */
static char *runner_script(const review_package *pkg, char *what, size_t what_n)
{
	sigma_buf b = SIGMA_BUF_INIT;
	sigma_buf_puts(&b, "cd /pkg || exit 97\nstatus=0\n");
	int steps = 0;
	what[0] = '\0';
	if (!strcmp(pkg->ecosystem, "npm")) {
		const unpack_file *pj = unpack_find_file(pkg->files, "package.json");
		cJSON *manifest = pj ? cJSON_ParseWithLength(pj->data, pj->len) : NULL;
		const cJSON *scripts = cJSON_GetObjectItemCaseSensitive(manifest, "scripts");
		static const char *const lifecycle[] = { "preinstall", "install", "postinstall" };
		for (size_t i = 0; i < 3; i++) {
			const char *cmd = json_str(scripts, lifecycle[i]);
			if (!cmd)
				continue;
			sigma_buf_printf(&b, "if [ $status -eq 0 ]; then export npm_lifecycle_event=%s; sh -c ", lifecycle[i]);
			sh_quote(&b, cmd);
			sigma_buf_puts(&b, "; status=$?; fi\n");
			size_t used = strlen(what);
			snprintf(what + used, what_n - used, "%s%s", used ? ", " : "", lifecycle[i]);
			steps++;
		}
		cJSON_Delete(manifest);
	} else if (unpack_find_file(pkg->files, "setup.py") && !sigma_endswith(pkg->filename ? pkg->filename : "", ".whl")) {
		sigma_buf_puts(&b, "python3 setup.py -q egg_info --egg-base /tmp; status=$?\n");
		snprintf(what, what_n, "setup.py");
		steps++;
	}
	if (!steps) {
		sigma_buf_dispose(&b);
		return NULL;
	}
	sigma_buf_puts(&b, "echo '@@sigma-files-written@@' >&2\n"
	                   "find /tmp -xdev -type f 1>&2 2>/dev/null\n"
	                   "exit $status\n");
	return sigma_buf_steal(&b);
}

/* ---------------------------------------------------------------- files */

/* Write the unpacked package under dir/pkg (dirs 0755, files 0644: the
 * sandbox's uid must read them; the parent stays 0711, not listable). */
static int write_tree(const char *dir, const unpack_result *files)
{
	for (size_t i = 0; i < files->nfiles; i++) {
		const unpack_file *f = &files->files[i];
		char *path = sigma_xasprintf("%s/pkg/%s", dir, f->path);
		char *slash = strrchr(path, '/');
		*slash = '\0';
		int rc = sigma_mkdir_p(path, 0755);
		*slash = '/';
		if (!rc) {
			/* A later window of a big file (unpack.h) goes into the file
			 * its first window created, at its offset. */
			int flags = f->offset ? O_WRONLY | O_NOFOLLOW | O_CLOEXEC
			                      : O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
			int fd = open(path, flags, 0644);
			if (fd < 0 || pwrite(fd, f->data, f->len, (off_t)f->offset) != (ssize_t)f->len)
				rc = sigma_error_set(SIGMA_EIO, "%s: %s", path, strerror(errno));
			if (fd >= 0)
				close(fd);
		}
		free(path);
		if (rc)
			return rc;
	}
	return 0;
}

static void remove_tree(const char *dir)
{
	/* Everything under it was written by write_tree, as plain files and dirs. */
	char *cmd = sigma_xasprintf("rm -rf -- '%s'", dir);
	(void)!system(cmd);
	free(cmd);
}

/* ---------------------------------------------------------------- canaries */

typedef struct canaries {
	char *env[NCANARIES + 8];
	char values[NCANARIES][48];
} canaries;

static void canaries_make(canaries *c, const review_package *pkg, size_t *n)
{
	size_t k = 0;
	for (size_t i = 0; i < NCANARIES; i++) {
		unsigned char r[12];
		if (RAND_bytes(r, sizeof r) != 1)
			memset(r, (int)i, sizeof r);
		char hex[25];
		for (size_t j = 0; j < sizeof r; j++)
			snprintf(hex + 2 * j, 3, "%02x", r[j]);
		snprintf(c->values[i], sizeof c->values[i], "sigmacanary%s", hex);
		c->env[k++] = sigma_xasprintf("%s=%s", canary_names[i], c->values[i]);
	}
	c->env[k++] = sigma_xasprintf("npm_package_name=%s", pkg->name);
	c->env[k++] = sigma_xasprintf("npm_package_version=%s", pkg->version);
	c->env[k++] = sigma_xstrdup("INIT_CWD=/pkg");
	c->env[k] = NULL;
	*n = k;
}

/* The name of the canary whose value occurs in `text`, or NULL. */
static const char *canary_in(const canaries *c, const char *text)
{
	for (size_t i = 0; text && i < NCANARIES; i++)
		if (strstr(text, c->values[i]))
			return canary_names[i];
	return NULL;
}

/* A copy of `text` with every canary value replaced by "<NAME canary>":
 * the certificate says which secret went where without carrying it. */
static char *redact(const canaries *c, const char *text)
{
	sigma_buf b = SIGMA_BUF_INIT;
	sigma_buf_puts(&b, "");
	for (const char *p = text; *p;) {
		size_t hit = 0;
		for (size_t i = 0; i < NCANARIES && !hit; i++) {
			size_t n = strlen(c->values[i]);
			if (!strncmp(p, c->values[i], n)) {
				sigma_buf_printf(&b, "<%s canary>", canary_names[i]);
				hit = n;
			}
		}
		if (hit) {
			p += hit;
		} else {
			sigma_buf_putc(&b, *p);
			p++;
		}
	}
	return sigma_buf_steal(&b);
}

/* ---------------------------------------------------------------- running */

/* Host directories that hold node / python3 when they are not under the
 * sandbox's default binds (/usr, /bin, /lib...): e.g. /usr/local or /opt. */
static size_t interpreter_binds(sandbox_bind *binds, char dirs[][512], size_t max)
{
	static const char *const tools[] = { "node", "python3" };
	const char *path = getenv("PATH");
	size_t n = 0;
	for (size_t t = 0; t < 2 && path; t++) {
		for (const char *p = path; *p && n < max;) {
			size_t len = strcspn(p, ":");
			char cand[600];
			snprintf(cand, sizeof cand, "%.*s/%s", (int)len, p, tools[t]);
			if (len && access(cand, X_OK) == 0) {
				char real[512];
				if (realpath(cand, real)) {
					char *slash = strrchr(real, '/');
					*slash = '\0';
					int inside = sigma_startswith(real, "/usr/") || !strcmp(real, "/usr") ||
					             sigma_startswith(real, "/bin") || sigma_startswith(real, "/lib") ||
					             sigma_startswith(real, "/sbin");
					/* /usr/local/bin/node -> bind /usr/local: its lib/ comes along. */
					if (!inside || sigma_startswith(real, "/usr/local")) {
						char *parent = strrchr(real, '/');
						if (parent && parent != real && !strcmp(parent, "/bin"))
							*parent = '\0';
						snprintf(dirs[n], sizeof dirs[n], "%s", real);
						int dup = 0;
						for (size_t k = 0; k < n; k++)
							dup |= !strcmp(dirs[k], dirs[n]);
						if (!dup && !sigma_startswith(real, "/usr/lib")) {
							binds[n].src = dirs[n];
							binds[n].dst = NULL;
							n++;
						}
					}
				}
				break;
			}
			p += len + (p[len] == ':');
		}
	}
	return n;
}

static cJSON *skipped(const char *why)
{
	cJSON *ex = cJSON_CreateObject();
	cJSON_AddStringToObject(ex, "outcome", "skipped");
	cJSON_AddStringToObject(ex, "reason", why);
	return ex;
}

int execute_install(cJSON **execution, review_findings *findings, const review_package *pkg,
                    const execute_opts *opts)
{
	char what[128];
	char *script = runner_script(pkg, what, sizeof what);
	if (!script) {
		*execution = skipped(!strcmp(pkg->ecosystem, "npm") ? "no install scripts"
		                     : "no setup.py to run (a wheel, or a PEP 517 backend)");
		return 0;
	}
	char tmpl[] = "/tmp/sigma-install.XXXXXX";
	const char *tmpdir = getenv("TMPDIR");
	char *dir_tmpl = tmpdir && *tmpdir == '/' ? sigma_xasprintf("%s/sigma-install.XXXXXX", tmpdir)
	                                          : sigma_xstrdup(tmpl);
	char *dir = mkdtemp(dir_tmpl);
	canaries can;
	size_t nenv = 0;
	sandbox_result *r = NULL;
	int rc = 0;
	if (!dir) {
		rc = sigma_error_set(SIGMA_EIO, "mkdtemp: %s", strerror(errno));
		goto fail;
	}
	chmod(dir, 0711);
	char *pkgdir = sigma_xasprintf("%s/pkg", dir), *runner = sigma_xasprintf("%s/run", dir);
	sigma_mkdir_p(pkgdir, 0755);
	sigma_mkdir_p(runner, 0755);
	char *runfile = sigma_xasprintf("%s/run.sh", runner);
	FILE *f = fopen(runfile, "w");
	if (f) {
		fputs(script, f);
		fclose(f);
		chmod(runfile, 0644);
	}
	rc = !f ? sigma_error_set(SIGMA_EIO, "%s: %s", runfile, strerror(errno)) : write_tree(dir, pkg->files);
	free(runfile);
	if (rc) {
		free(pkgdir);
		free(runner);
		goto fail;
	}

	canaries_make(&can, pkg, &nenv);
	sandbox_bind binds[8];
	char bind_dirs[6][512];
	size_t nb = interpreter_binds(binds, bind_dirs, 6);
	binds[nb].src = pkgdir;
	binds[nb++].dst = "/pkg";
	binds[nb].src = runner;
	binds[nb++].dst = "/sigma";
	sandbox_opts so;
	sandbox_opts_init(&so);
	so.timeout_ms = opts->timeout_ms;
	so.binds = binds;
	so.nbinds = nb;
	so.cwd = "/pkg";
	so.envp = can.env;
	char *argv[] = { "/bin/sh", "/sigma/run.sh", NULL };
	rc = sandbox_run(&r, &so, argv);
	free(pkgdir);
	free(runner);
	if (rc)
		goto fail;

	/* The summary. */
	cJSON *ex = cJSON_CreateObject();
	const char *outcome = r->timed_out ? "timed_out" : r->exited && r->exit_code == 0 ? "completed" : "error";
	cJSON_AddStringToObject(ex, "outcome", outcome);
	cJSON_AddStringToObject(ex, "ran", what);
	if (r->exited)
		cJSON_AddNumberToObject(ex, "exit_code", r->exit_code);
	else
		cJSON_AddNullToObject(ex, "exit_code");
	if (r->signal)
		cJSON_AddNumberToObject(ex, "signal", r->signal);
	cJSON_AddNumberToObject(ex, "wall_ms", (double)r->wall_ms);
	cJSON *net = cJSON_AddArrayToObject(ex, "network_attempts");
	const char *leaked = NULL, *leak_where = NULL;
	for (size_t i = 0; i < r->nnet; i++) {
		const sandbox_net_attempt *a = &r->net[i];
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "syscall", a->syscall);
		cJSON_AddStringToObject(e, "family", a->family);
		cJSON_AddStringToObject(e, "address", a->address);
		cJSON_AddNumberToObject(e, "port", a->port);
		if (a->dns_name) {
			char *clean = redact(&can, a->dns_name);
			cJSON_AddStringToObject(e, "dns_name", clean);
			free(clean);
		}
		if (a->payload) {
			char *clean = redact(&can, a->payload);
			cJSON_AddStringToObject(e, "payload", clean);
			free(clean);
		}
		cJSON_AddItemToArray(net, e);
		const char *hit = canary_in(&can, a->payload) ? canary_in(&can, a->payload) : canary_in(&can, a->dns_name);
		if (hit && !leaked) {
			leaked = hit;
			leak_where = a->dns_name && canary_in(&can, a->dns_name) ? "a DNS query" : "data sent over the network";
		}
	}
	/* The runner's own `find` is the last spawn: not the package's. */
	size_t own = r->nspawned && strstr(r->spawned[r->nspawned - 1], "find /tmp -xdev") ? 1 : 0;
	cJSON_AddNumberToObject(ex, "process_spawns", (double)(r->spawns > own + 1 ? r->spawns - own - 1 : 0));
	cJSON *sp = cJSON_AddArrayToObject(ex, "spawned");
	for (size_t i = 1; i + own < r->nspawned; i++) {
		char *clean = redact(&can, r->spawned[i]);
		cJSON_AddItemToArray(sp, cJSON_CreateString(clean));
		free(clean);
		const char *hit = canary_in(&can, r->spawned[i]);
		if (hit && !leaked) {
			leaked = hit;
			leak_where = "a command line";
		}
	}
	cJSON *written = cJSON_AddArrayToObject(ex, "files_written");
	const char *marker = r->err.ptr ? strstr(r->err.ptr, "@@sigma-files-written@@\n") : NULL;
	if (marker) {
		for (const char *p = marker + strlen("@@sigma-files-written@@\n"); *p;) {
			size_t len = strcspn(p, "\n");
			char *one = sigma_xstrndup(p, len);
			if (*one)
				cJSON_AddItemToArray(written, cJSON_CreateString(one));
			free(one);
			p += len + (p[len] == '\n');
		}
		((char *)marker)[0] = '\0'; /* the rest of stderr is the script's */
	}
	cJSON_AddNumberToObject(ex, "stdout_bytes", (double)r->out_total);
	cJSON_AddNumberToObject(ex, "stderr_bytes", (double)r->err_total);

	if (r->nnet) {
		const sandbox_net_attempt *a = &r->net[0];
		review_findings_add(findings, "sandbox", "install-network", SEV_HIGH, what, 0,
		                    "the install step tried to reach the network %zu time%s (first: %s to %s port %u%s%s)",
		                    r->nnet, r->nnet == 1 ? "" : "s", a->syscall, a->address, a->port,
		                    a->dns_name ? ", DNS query for " : "", a->dns_name ? a->dns_name : "");
	}
	if (leaked) {
		review_findings_add(findings, "sandbox", "canary-exfiltration", SEV_CRITICAL, what, 0,
		                    "the install step put the canary value of %s into %s", leaked, leak_where);
	} else {
		const char *seen = canary_in(&can, r->out.ptr) ? canary_in(&can, r->out.ptr) : canary_in(&can, r->err.ptr);
		if (seen)
			review_findings_add(findings, "sandbox", "canary-read", SEV_HIGH, what, 0,
			                    "the install step read %s and printed it", seen);
	}
	if (leaked)
		cJSON_AddStringToObject(ex, "canary_leaked", leaked);
	*execution = ex;
	goto out;
fail:
	*execution = cJSON_CreateObject();
	cJSON_AddStringToObject(*execution, "outcome", "error");
	cJSON_AddStringToObject(*execution, "reason", sigma_error_last());
	rc = 0; /* recorded; certification goes on with the static review */
out:
	for (size_t i = 0; i < nenv; i++) {
		explicit_bzero(can.env[i], strlen(can.env[i]));
		free(can.env[i]);
	}
	sandbox_result_free(r);
	if (dir)
		remove_tree(dir);
	free(dir_tmpl);
	free(script);
	return rc;
}
