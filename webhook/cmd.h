/* cmd.h: `sigma serve`, the webhook service (BRIEF §1 item 3). */
#ifndef SIGMA_WEBHOOK_CMD_H
#define SIGMA_WEBHOOK_CMD_H
#include <stdio.h>

int webhook_cmd_main(int argc, char **argv);
void webhook_cmd_help(FILE *out);

#endif
