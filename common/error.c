/* error.c: the thread-local error slot declared in error.h. Messages are
 * truncated at 1 KiB: an error message is for a person to read, and a
 * hostile lockfile must not make it grow without bound. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "common/error.h"

static _Thread_local char slot[1024];

int sigma_error_set(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(slot, sizeof slot, fmt, ap);
	va_end(ap);
	return code;
}

int sigma_error_wrap(int code, const char *fmt, ...)
{
	char prefix[512], old[sizeof slot];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, slot, sizeof old);
	snprintf(slot, sizeof slot, "%s%s", prefix, old);
	return code;
}

const char *sigma_error_last(void) { return slot; }
void sigma_error_clear(void) { slot[0] = '\0'; }
