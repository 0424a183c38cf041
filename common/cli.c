/* cli.c: see cli.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "common/cli.h"
#include "common/error.h"

int cli_usage_error(const char *command, const char *fmt, ...)
{
	va_list ap;
	fputs("sigma: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (command)
		fprintf(stderr, " (see 'sigma help %s')\n", command);
	else
		fputs(" (see 'sigma help')\n", stderr);
	return SIGMA_EXIT_USAGE;
}

int cli_fail(int status)
{
	fprintf(stderr, "sigma: %s\n", sigma_error_last());
	return status;
}
