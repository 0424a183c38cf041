/* review_install.c: the install-scripts reviewer.
 *
 * Code that runs when a package is installed runs with the installing
 * user's rights before anyone has looked at it: npm lifecycle scripts
 * (preinstall, install, postinstall, and their uninstall mirrors), the
 * implicit `node-gyp rebuild` of a package with binding.gyp, setup.py
 * (always executed for an sdist, more so with custom cmdclass commands),
 * an in-tree PEP 517 build backend, and .pth files, which Python executes
 * at every interpreter start. Having one is not malicious (core-js and
 * es5-ext ship harmless postinstall scripts); what the script does raises
 * the severity: fetching from the network, piping a download into a
 * shell, decoding and evaluating. */
#include <stdlib.h>
#include <string.h>
#include "common/util.h"
#include "registry/review.h"

#define NAME "install-scripts"

static const char *const lifecycle[] = {
	"preinstall", "install", "postinstall", "preuninstall", "uninstall", "postuninstall",
};

/* The copy npm or pip installs (the last entry of that name). */
static const unpack_file *file_named(const review_package *pkg, const char *path)
{
	return unpack_find_file(pkg->files, path);
}

static int line_of(const unpack_file *f, const char *needle)
{
	if (!f)
		return 0;
	const char *hit = memmem(f->data, f->len, needle, strlen(needle));
	if (!hit)
		return 0;
	int line = f->first_line > 1 ? f->first_line : 1;
	for (const char *p = f->data; p < hit; p++)
		line += *p == '\n';
	return line;
}

static int has_any(const char *s, const char *const *words)
{
	for (size_t i = 0; words[i]; i++)
		if (strstr(s, words[i]))
			return 1;
	return 0;
}

/* How bad one script command line is. */
static review_severity judge_command(const char *cmd, const char **code)
{
	static const char *const fetchers[] = { "curl ", "wget ", "Invoke-WebRequest", "iwr ", "http://", "https://",
	                                        "/dev/tcp/", "nc ", "ncat ", NULL };
	static const char *const shells[] = { "| sh", "|sh", "| bash", "|bash", "| node", "|node", "| python",
	                                      "iex ", "Invoke-Expression", NULL };
	static const char *const dynamic[] = { "base64", "eval(", "Buffer.from(", "atob(", "\\x", "fromCharCode", NULL };
	int fetch = has_any(cmd, fetchers), pipe = has_any(cmd, shells);
	if (fetch && pipe) {
		*code = "install-script-download-exec";
		return SEV_CRITICAL;
	}
	if (fetch) {
		*code = "install-script-network";
		return SEV_HIGH;
	}
	if (has_any(cmd, dynamic)) {
		*code = "install-script-dynamic";
		return SEV_HIGH;
	}
	*code = "install-script";
	return SEV_MEDIUM;
}

static void review_npm(review_findings *out, const review_package *pkg)
{
	const unpack_file *manifest = file_named(pkg, "package.json");
	cJSON *own = manifest ? cJSON_ParseWithLength(manifest->data, manifest->len) : NULL;
	/* A manifest bigger than one window cannot be parsed here, and npm
	 * would still run the scripts it declares: nothing can be said about
	 * what runs at install, which is not a clean bill. */
	if (manifest && !unpack_file_whole(manifest))
		review_findings_add(out, NAME, "manifest-unreadable", SEV_HIGH, "package.json", 0,
		                    "package.json is %zu bytes, over the %zu-byte window: its install scripts could not "
		                    "be read", manifest->size, manifest->len);
	/* The tarball's package.json is what npm runs; the registry document
	 * is used when the tarball has none. */
	const cJSON *doc = own ? own : pkg->metadata;
	const cJSON *scripts = cJSON_GetObjectItemCaseSensitive(doc, "scripts");
	int any = 0;
	for (size_t i = 0; i < sizeof lifecycle / sizeof *lifecycle; i++) {
		const char *cmd = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(scripts, lifecycle[i]));
		if (!cmd)
			continue;
		any = 1;
		const char *code;
		review_severity sev = judge_command(cmd, &code);
		char *key = sigma_xasprintf("\"%s\"", lifecycle[i]);
		review_findings_add(out, NAME, code, sev, "package.json", line_of(manifest, key),
		                    "%s script runs at install: %.200s", lifecycle[i], cmd);
		free(key);
	}
	if (!any && file_named(pkg, "binding.gyp"))
		review_findings_add(out, NAME, "native-build", SEV_LOW, "binding.gyp", 0,
		                    "binding.gyp without an install script: npm runs node-gyp rebuild at install");
	/* A registry document that disagrees with the tarball about install
	 * scripts hides what will run. */
	const cJSON *meta_scripts = cJSON_GetObjectItemCaseSensitive(pkg->metadata, "scripts");
	for (size_t i = 0; own && pkg->metadata && i < sizeof lifecycle / sizeof *lifecycle; i++) {
		const char *a = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(scripts, lifecycle[i]));
		const char *b = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(meta_scripts, lifecycle[i]));
		if (a && !b && cJSON_IsObject(meta_scripts))
			review_findings_add(out, NAME, "hidden-install-script", SEV_HIGH, "package.json",
			                    line_of(manifest, lifecycle[i]),
			                    "the tarball declares a %s script the registry document does not show", lifecycle[i]);
	}
	cJSON_Delete(own);
}

static void review_python(review_findings *out, const review_package *pkg)
{
	for (size_t i = 0; pkg->files && i < pkg->files->nfiles; i++) {
		const unpack_file *f = &pkg->files->files[i];
		const char *base = strrchr(f->path, '/');
		base = base ? base + 1 : f->path;
		if (sigma_endswith(base, ".pth")) {
			/* site.py executes lines starting with "import" in a .pth file. */
			int exec_line = 0, line = 1;
			for (const char *p = f->data; p < f->data + f->len; p++) {
				if ((p == f->data || p[-1] == '\n') && !strncmp(p, "import", 6)) {
					exec_line = line;
					break;
				}
				line += *p == '\n';
			}
			/* An import line that only imports a module (setuptools'
			 * distutils-precedence.pth loads its shim) is MEDIUM; one that
			 * runs commands, evaluates, opens files or the network is how
			 * .pth malware persists: HIGH. */
			static const char *const acts[] = { "exec(", "eval(", "system(", "popen(", "subprocess", "urlopen",
			                                    "b64decode", "compile(", "open(", "socket", "request", NULL };
			int acting = 0;
			for (int k = 0; exec_line && acts[k]; k++)
				acting |= review_span_has(f->data, f->data + f->len, acts[k]);
			if (exec_line && acting)
				review_findings_add(out, NAME, "pth-autorun", SEV_HIGH, f->path, exec_line,
				                    "a .pth file runs commands or code at every Python start");
			else if (exec_line)
				review_findings_add(out, NAME, "pth-import", SEV_MEDIUM, f->path, exec_line,
				                    "a .pth file imports a module at every Python start");
			continue;
		}
		if (strcmp(f->path, "setup.py") == 0) {
			int cmdclass = line_of(f, "cmdclass");
			if (cmdclass)
				review_findings_add(out, NAME, "setup-cmdclass", SEV_MEDIUM, f->path, cmdclass,
				                    "setup.py replaces setuptools commands (cmdclass): custom code at build/install");
			else
				review_findings_add(out, NAME, "setup-py", SEV_LOW, f->path, 0,
				                    "setup.py is executed when the sdist is built");
			static const char *const risky[] = { "urlopen(", "urllib.request", "requests.get(", "requests.post(",
			                                     "socket.socket(", "subprocess.", "os.system(", "os.popen(", NULL };
			for (size_t k = 0; risky[k]; k++) {
				int line = line_of(f, risky[k]);
				if (line)
					review_findings_add(out, NAME, "setup-runtime-action", SEV_HIGH, f->path, line,
					                    "setup.py calls %s while the package is built or installed", risky[k]);
			}
		}
		if (strcmp(f->path, "pyproject.toml") == 0) {
			int line = line_of(f, "backend-path");
			if (line)
				review_findings_add(out, NAME, "in-tree-build-backend", SEV_MEDIUM, f->path, line,
				                    "the build backend is code shipped in the package itself (backend-path)");
		}
	}
}

static int review(review_findings *out, const review_package *pkg)
{
	if (sigma_streq(pkg->ecosystem, "npm"))
		review_npm(out, pkg);
	else
		review_python(out, pkg);
	return 0;
}

const reviewer review_install = { NAME, review };
