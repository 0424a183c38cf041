/* error.h: sigma's one error slot and its return codes.
 *
 * Every fallible function returns int: 0 on success, a negative SIGMA_E*
 * code on failure, and leaves a human-readable message in the error slot.
 * Messages about input carry "file:line: " so the user can find the spot.
 * The slot is per thread, so the webhook workers never see each other's
 * messages. */
#ifndef SIGMA_ERROR_H
#define SIGMA_ERROR_H

enum {
	SIGMA_OK        =  0,
	SIGMA_ERROR     = -1, /* generic failure */
	SIGMA_ENOTFOUND = -2, /* the thing looked up does not exist */
	SIGMA_EINVALID  = -3, /* malformed input */
	SIGMA_ETOOBIG   = -4, /* a hard cap was reached */
	SIGMA_ETIMEOUT  = -5, /* a deadline passed */
	SIGMA_EIO       = -6, /* the system or a library failed */
	SIGMA_EUSAGE    = -7  /* bad command line */
};

/* Set the slot (printf-style) and return `code`, so callers can write
 * `return sigma_error_set(SIGMA_EINVALID, "%s:%d: ...", ...)`. */
int sigma_error_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prefix the current message with more context ("while reading X: ") and
 * return `code`. */
int sigma_error_wrap(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The last message, never NULL ("" when none). Owned by the slot. */
const char *sigma_error_last(void);
void sigma_error_clear(void);

#endif
