/* cmd.h: the git-side commands, `sigma pre-receive` and `sigma scan`. */
#ifndef SIGMA_HOOK_CMD_H
#define SIGMA_HOOK_CMD_H
#include <stdio.h>

/* argv[0] is "pre-receive". Reads ref updates on stdin; exit status 0
 * lets the push through, anything else refuses it. */
int hook_prereceive_main(int argc, char **argv);
void hook_prereceive_help(FILE *out);

/* argv[0] is "scan". Exit 0 accepted, 1 rejected, 2 error. */
int hook_scan_main(int argc, char **argv);
void hook_scan_help(FILE *out);
/* `sigma doctor` (hook/doctor.c). */
int hook_doctor_main(int argc, char **argv);
void hook_doctor_help(FILE *out);

/* `sigma keygen` and `sigma verify` (cmd_keys.c). */
int keys_keygen_main(int argc, char **argv);
void keys_keygen_help(FILE *out);
int keys_verify_main(int argc, char **argv);
void keys_verify_help(FILE *out);

#endif
