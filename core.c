/* core.c: the entry point of sigma-core.so, every command but `sandbox`.
 *
 * The `sigma` executable itself links only what `sigma sandbox` needs
 * (libc, libseccomp, libcjson): starting a process with libgit2, SQLite,
 * OpenSSL and libyaml loaded costs ~2.5 ms, more than the whole sandbox
 * set-up. The other commands live in this shared object, which main.c
 * loads with dlopen (see core.h for where it is looked for); the common
 * modules both sides use (error, buffers, allocation, CLI helpers) are in
 * the executable and exported to it. */
#include <stdio.h>
#include <string.h>
#include <git2.h>
#include "common/gitinit.h"
#include "core.h"
#include "hook/cmd.h"
#include "registry/certify_cmd.h"
#include "registry/cmd.h"
#include "webhook/cmd.h"

typedef struct core_command {
	const char *name;
	int (*run)(int argc, char **argv);
	void (*help)(FILE *out);
	int needs_git;  /* 1: libgit2 for local repositories and config files;
	                 * 2: also TLS (see common/gitinit.c) */
} core_command;

static const core_command commands[] = {
	{ "pre-receive", hook_prereceive_main, hook_prereceive_help, 1 },
	{ "scan", hook_scan_main, hook_scan_help, 1 },
	{ "doctor", hook_doctor_main, hook_doctor_help, 1 },
	{ "registry", registry_cmd_main, registry_cmd_help, 1 },
	{ "certify", certify_cmd_main, certify_cmd_help, 1 },
	{ "keygen", keys_keygen_main, keys_keygen_help, 1 },
	{ "verify", keys_verify_main, keys_verify_help, 1 },
	{ "serve", webhook_cmd_main, webhook_cmd_help, 2 },
};

int sigma_core_main(const char *name, int help, int argc, char **argv)
{
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
		const core_command *c = &commands[i];
		if (strcmp(c->name, name) != 0)
			continue;
		if (help) {
			c->help(stdout);
			return 0;
		}
		sigma_git_init(c->needs_git == 2);
		int status = c->run(argc, argv);
		git_libgit2_shutdown();
		fflush(stdout);
		return status;
	}
	fprintf(stderr, "sigma: %s is not a command of sigma-core\n", name);
	return 2;
}
