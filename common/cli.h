/* cli.h: what every subcommand shares: the usage error convention (one
 * line, exit status 2) and failing with the last error. (The registry
 * opener for commands run outside a repository is registry_open_for_cli,
 * registry/cmd.h.) */
#ifndef SIGMA_CLI_H
#define SIGMA_CLI_H

#define SIGMA_EXIT_USAGE 2

/* Print "sigma: <message>" plus a pointer to `sigma help <command>` on
 * stderr; returns SIGMA_EXIT_USAGE. */
int cli_usage_error(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print "sigma: <last error>" on stderr; returns `status`. */
int cli_fail(int status);

#endif
