/* main.c: the one `sigma` binary and its subcommands, as git does it.
 *
 * Invoked as "pre-receive" (a hook symlink), it is the hook. Otherwise the
 * first argument names the command. Unknown commands and options get one
 * line on stderr and exit status 2. */
#include <stdio.h>
#include <string.h>
#include <git2.h>
#include "common/gitinit.h"
#include "common/cli.h"
#include "hook/cmd.h"
#include "registry/certify_cmd.h"
#include "registry/cmd.h"
#include "sandbox/sandbox.h"
#include "webhook/cmd.h"

#define SIGMA_VERSION "0.1.0"

typedef struct command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
	void (*help)(FILE *out);
	int needs_git;  /* 0: no libgit2; 1: libgit2 for local repositories and
	                 * config files; 2: also TLS (see common/gitinit.c) */
} command;

static const command commands[] = {
	{ "pre-receive", "the git pre-receive hook: refuse pushes that add blocked dependencies",
	  hook_prereceive_main, hook_prereceive_help, 1 },
	{ "scan", "judge a directory or a commit as the hook would", hook_scan_main, hook_scan_help, 1 },
	{ "registry", "the Package Trust Registry: init, show, list, block, unblock, import, export",
	  registry_cmd_main, registry_cmd_help, 1 },
	{ "certify", "fetch, verify and review packages; store their certificates", certify_cmd_main,
	  certify_cmd_help, 1 },
	{ "keygen", "write an Ed25519 key pair for signing certificates", keys_keygen_main, keys_keygen_help, 1 },
	{ "verify", "check a certificate's id and signature, and say which key signed",
	  keys_verify_main, keys_verify_help, 1 },
	{ "sandbox", "run a command isolated: namespaces, seccomp, limits, timeout, network log",
	  sandbox_cmd_main, sandbox_cmd_help, 0 },
	{ "serve", "the webhook service: forge events in, commit statuses and certificate pages out",
	  webhook_cmd_main, webhook_cmd_help, 2 },
};

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

static int run(const command *c, int argc, char **argv)
{
	if (c->needs_git)
		sigma_git_init(c->needs_git == 2);
	int status = c->run(argc, argv);
	if (c->needs_git)
		git_libgit2_shutdown();
	fflush(stdout);
	return status;
}

int main(int argc, char **argv)
{
	const char *self = strrchr(argv[0], '/');
	self = self ? self + 1 : argv[0];
	if (strcmp(self, "pre-receive") == 0)
		return run(find("pre-receive"), argc, argv);

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
		if (argc > 2) {
			const command *c = find(argv[2]);
			if (!c)
				return cli_usage_error(NULL, "no such command '%s'", argv[2]);
			c->help(stdout);
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
	return run(c, argc - 1, argv + 1);
}
