/* main.c: the one `sigma` binary and its subcommands, as git does it.
 *
 * Invoked as "pre-receive" (a hook symlink), it is the hook. Otherwise the
 * first argument names the command. Unknown commands and options get one
 * line on stderr and exit status 2. */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>
#include "common/cli.h"
#include "core.h"
#include "sandbox/sandbox.h"

#define SIGMA_VERSION "0.1.0"

typedef struct command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);  /* in this executable, or NULL: in sigma-core.so */
	void (*help)(FILE *out);
} command;

static const command commands[] = {
	{ "pre-receive", "the git pre-receive hook: refuse pushes that add blocked dependencies", NULL, NULL },
	{ "scan", "judge a directory or a commit as the hook would", NULL, NULL },
	{ "doctor", "check what the hook will use, as the user that runs it", NULL, NULL },
	{ "registry", "the Package Trust Registry: init, show, list, block, unblock, import, export", NULL, NULL },
	{ "certify", "fetch, verify and review packages; store their certificates", NULL, NULL },
	{ "keygen", "write an Ed25519 key pair for signing certificates", NULL, NULL },
	{ "verify", "check a certificate's id and signature, and say which key signed", NULL, NULL },
	{ "sandbox", "run a command isolated: namespaces, seccomp, limits, timeout, network log",
	  sandbox_cmd_main, sandbox_cmd_help },
	{ "serve", "the webhook service: forge events in, commit statuses and certificate pages out", NULL, NULL },
};

/* The executable's own path into exe (PATH_MAX bytes): /proc/self/exe, or,
 * where no /proc is mounted (a GitHub Enterprise hook environment is a bare
 * chroot), the path the kernel was asked to execute (AT_EXECFN), resolved.
 * Returns 0, or -1 when neither gives a path. */
static int own_path(char *exe)
{
	ssize_t n = readlink("/proc/self/exe", exe, PATH_MAX - 1);
	if (n > 0) {
		exe[n] = '\0';
		return 0;
	}
	const char *execfn = (const char *)getauxval(AT_EXECFN);
	return execfn && realpath(execfn, exe) ? 0 : -1;
}

/* sigma-core.so, next to the executable (a build) or in ../lib/sigma (an
 * installation). NULL with a message on stderr when it cannot be loaded. */
static sigma_core_fn load_core(void)
{
	char exe[PATH_MAX];
	if (own_path(exe) < 0) {
		fprintf(stderr, "sigma: cannot find its own executable (/proc/self/exe, AT_EXECFN)\n");
		return NULL;
	}
	char *slash = strrchr(exe, '/');
	*slash = '\0';
	const char *places[] = { "%s/" SIGMA_CORE_NAME, "%s/../lib/sigma/" SIGMA_CORE_NAME };
	char path[PATH_MAX + 64], first_error[512] = "";
	for (size_t i = 0; i < sizeof places / sizeof *places; i++) {
		snprintf(path, sizeof path, places[i], exe);
		if (access(path, F_OK) != 0)
			continue;
		void *h = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
		sigma_core_fn fn = h ? (sigma_core_fn)dlsym(h, SIGMA_CORE_ENTRY) : NULL;
		if (fn)
			return fn;
		snprintf(first_error, sizeof first_error, "%s", dlerror());
		break;
	}
	fprintf(stderr, "sigma: cannot load %s (looked in %s and %s/../lib/sigma): %s\n", SIGMA_CORE_NAME, exe, exe,
	        first_error[0] ? first_error : "not found; reinstall sigma");
	return NULL;
}

static int run_command(const command *c, int help, int argc, char **argv)
{
	if (c->run) {
		if (help) {
			c->help(stdout);
			return 0;
		}
		int status = c->run(argc, argv);
		fflush(stdout);
		return status;
	}
	sigma_core_fn core = load_core();
	/* The hook fails closed without its core: a non-zero status refuses. */
	return core ? core(c->name, help, argc, argv) : SIGMA_EXIT_USAGE;
}

static void usage(FILE *out)
{
	fputs("usage: sigma COMMAND [ARGS...]\n\ncommands:\n", out);
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fputs("  help [CMD]   this text, or one command's\n"
	      "\n"
	      "sigma --version prints the version.\n", out);
}

static const command *find(const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const char *self = strrchr(argv[0], '/');
	self = self ? self + 1 : argv[0];
	if (strcmp(self, "pre-receive") == 0)
		return run_command(find("pre-receive"), 0, argc, argv);

	if (argc < 2) {
		usage(stderr);
		return SIGMA_EXIT_USAGE;
	}
	const char *name = argv[1];
	if (!strcmp(name, "--version") || !strcmp(name, "version")) {
		printf("sigma %s\n", SIGMA_VERSION);
		return 0;
	}
	if (!strcmp(name, "help") || !strcmp(name, "--help") || !strcmp(name, "-h")) {
		if (argc > 2 && !strcmp(argv[2], "help")) {
			fputs("usage: sigma help [COMMAND]\n\nWithout COMMAND, the list of commands; with one, its usage.\n"
			      "Every command also takes -h and --help.\n", stdout);
		} else if (argc > 2) {
			const command *c = find(argv[2]);
			if (!c)
				return cli_usage_error(NULL, "no such command '%s'", argv[2]);
			return run_command(c, 1, 0, NULL);
		} else {
			usage(stdout);
		}
		return 0;
	}
	if (name[0] == '-')
		return cli_usage_error(NULL, "unknown option '%s'", name);
	const command *c = find(name);
	if (!c)
		return cli_usage_error(NULL, "unknown command '%s'", name);
	return run_command(c, 0, argc - 1, argv + 1);
}
