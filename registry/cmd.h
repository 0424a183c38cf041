/* cmd.h: `sigma registry` (see cmd.c). */
#ifndef SIGMA_REGISTRY_CMD_H
#define SIGMA_REGISTRY_CMD_H
#include <stdio.h>

/* argv[0] is "registry". Returns the exit status. */
int registry_cmd_main(int argc, char **argv);
void registry_cmd_help(FILE *out);

#endif
