/* review_exec.c: the process-execution and dynamic-code reviewer.
 *
 * Starting processes (child_process, subprocess, os.system) is MEDIUM: a
 * library rarely needs it, and it is how payloads run. Evaluating strings
 * as code (eval, Function, vm, exec) is LOW on its own, because template
 * engines and polyfills do it, except for the well-known
 * Function('return this') global lookup, which is skipped. A command line
 * that downloads or opens a shell raises either to HIGH. */
#include <string.h>
#include "registry/review.h"

#define NAME "exec"

static const review_pattern patterns[] = {
	{ "child_process", REVIEW_JS, 0, SEV_MEDIUM, "process-exec", "uses child_process" },
	{ "execSync(", REVIEW_JS, REVIEW_WORD, SEV_MEDIUM, "process-exec", "runs a command (execSync)" },
	{ "spawnSync(", REVIEW_JS, REVIEW_WORD, SEV_MEDIUM, "process-exec", "runs a command (spawnSync)" },
	{ "process.binding(", REVIEW_JS, 0, SEV_MEDIUM, "process-exec", "reaches Node internals (process.binding)" },
	{ "eval(", REVIEW_JS, REVIEW_NODOT, SEV_LOW, "dynamic-code", "evaluates a string as code (eval)" },
	{ "new Function(", REVIEW_JS, 0, SEV_LOW, "dynamic-code", "builds a function from a string" },
	{ "Function(", REVIEW_JS, REVIEW_NODOT, SEV_LOW, "dynamic-code", "builds a function from a string" },
	{ "vm.runIn", REVIEW_JS, REVIEW_WORD, SEV_LOW, "dynamic-code", "runs code in a vm context" },
	{ "new vm.Script(", REVIEW_JS, 0, SEV_LOW, "dynamic-code", "compiles code with vm.Script" },
	{ "subprocess.", REVIEW_PY, REVIEW_WORD, SEV_MEDIUM, "process-exec", "uses subprocess" },
	{ "os.system(", REVIEW_PY, REVIEW_WORD, SEV_MEDIUM, "process-exec", "runs a shell command (os.system)" },
	{ "os.popen(", REVIEW_PY, REVIEW_WORD, SEV_MEDIUM, "process-exec", "runs a shell command (os.popen)" },
	{ "os.exec", REVIEW_PY, REVIEW_WORD, SEV_MEDIUM, "process-exec", "replaces the process (os.exec*)" },
	{ "pty.spawn(", REVIEW_PY, REVIEW_WORD, SEV_MEDIUM, "process-exec", "spawns a terminal (pty.spawn)" },
	{ "exec(", REVIEW_PY, REVIEW_NODOT, SEV_LOW, "dynamic-code", "executes a string as code (exec)" },
	{ "eval(", REVIEW_PY, REVIEW_NODOT, SEV_LOW, "dynamic-code", "evaluates a string (eval)" },
	{ "__import__(", REVIEW_PY, REVIEW_NODOT, SEV_LOW, "dynamic-code", "imports a module by computed name" },
};

static int shell_download(const char *ls, const char *le)
{
	/* Downloads, not shells: starting powershell or cmd.exe to ask the
	 * system something (vite finds the editor that way) is ordinary
	 * process execution. */
	static const char *const words[] = { "curl ", "wget ", "Invoke-WebRequest", "DownloadString", "DownloadFile",
	                                     "chmod +x", NULL };
	for (int i = 0; words[i]; i++)
		if (review_span_has(ls, le, words[i]))
			return 1;
	return 0;
}

static void on_hit(void *ctx, const unpack_file *f, const review_pattern *p, int line, const char *ls,
                   const char *le)
{
	review_findings *out = ctx;
	/* Function('return this')(): the classic global-object lookup, not
	 * code from data. */
	if (!strcmp(p->needle, "Function(") &&
	    (review_span_has(ls, le, "Function('return this')") || review_span_has(ls, le, "Function(\"return this\")")))
		return;
	if (!strcmp(p->needle, "Function(") && review_span_has(ls, le, "new Function("))
		return; /* counted once, by the "new Function(" pattern */
	/* The shell word must be in the statement that starts the process,
	 * not elsewhere on a minified line (dotenv's "cmd.exe"). */
	const char *hit = memmem(ls, (size_t)(le - ls), p->needle, strlen(p->needle));
	const char *ss = hit ? hit : ls, *se = hit ? hit : le;
	while (ss > ls && ss[-1] != ';')
		ss--;
	while (se < le && *se != ';')
		se++;
	if (shell_download(ss, se)) {
		review_findings_add(out, NAME, "exec-shell-download", SEV_HIGH, f->path, line,
		                    "%s with a shell or download command on the same line", p->message);
		return;
	}
	review_findings_add(out, NAME, p->code, p->severity, f->path, line, "%s", p->message);
}

static int review(review_findings *out, const review_package *pkg)
{
	for (size_t i = 0; pkg->files && i < pkg->files->nfiles; i++)
		review_scan(&pkg->files->files[i], patterns, sizeof patterns / sizeof *patterns, 2, on_hit, out);
	return 0;
}

const reviewer review_exec = { NAME, review };
