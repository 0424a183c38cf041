/* cmd.h: `sigma registry` (see cmd.c). */
#ifndef SIGMA_REGISTRY_CMD_H
#define SIGMA_REGISTRY_CMD_H
#include <stdio.h>

/* argv[0] is "registry". Returns the exit status. */
int registry_cmd_main(int argc, char **argv);
void registry_cmd_help(FILE *out);

/* Open the registry named by --db / SIGMA_DB / sigma.database / XDG for a
 * command run outside a repository. `readonly` opens without creating. */
struct registry;
int registry_open_for_cli(struct registry **out, const char *cli_db, int readonly);

#endif
