/* cli.h: what every subcommand shares: the usage error convention (one
 * line, exit status 2), option parsing helpers and the database opener. */
#ifndef SIGMA_CLI_H
#define SIGMA_CLI_H
#include "common/config.h"

#define SIGMA_EXIT_USAGE 2

/* Print "sigma: <message>" plus a pointer to `sigma help <command>` on
 * stderr; returns SIGMA_EXIT_USAGE. */
int cli_usage_error(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print "sigma: <last error>" on stderr; returns `status`. */
int cli_fail(int status);

/* Open the registry named by --db / SIGMA_DB / sigma.database / XDG for a
 * command run outside a repository. `readonly` opens without creating. */
struct registry;
int cli_open_registry(struct registry **out, const char *cli_db, int readonly);

#endif
