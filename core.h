/* core.h: the boundary between the `sigma` executable and sigma-core.so.
 *
 * main.c looks the shared object up next to the executable it runs from
 * (/proc/self/exe: <dir>/sigma-core.so, as built), then in
 * <dir>/../lib/sigma/sigma-core.so (as installed by `make install`), and
 * calls SIGMA_CORE_ENTRY. */
#ifndef SIGMA_CORE_H
#define SIGMA_CORE_H

#define SIGMA_CORE_NAME  "sigma-core.so"
#define SIGMA_CORE_ENTRY "sigma_core_main"

/* Run command `name` with argv[0] = the command (or, with `help`, print
 * its help). Returns the exit status. */
int sigma_core_main(const char *name, int help, int argc, char **argv);
typedef int (*sigma_core_fn)(const char *name, int help, int argc, char **argv);

#endif
