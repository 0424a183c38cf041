/* certify_cmd.h: `sigma certify` (see certify_cmd.c). */
#ifndef SIGMA_REGISTRY_CERTIFY_CMD_H
#define SIGMA_REGISTRY_CERTIFY_CMD_H
#include <stdio.h>

/* argv[0] is "certify". Returns the exit status: 0 every package is
 * certified or flagged, 1 something is blocked or could not be certified,
 * 2 usage or configuration error. */
int certify_cmd_main(int argc, char **argv);
void certify_cmd_help(FILE *out);

#endif
