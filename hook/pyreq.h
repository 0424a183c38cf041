/* pyreq.h: Python package names and requirement strings.
 *
 * - PEP 503 name normalisation: lower case, every run of '-', '_' and '.'
 *   becomes one '-'. Every Python resolver stores names this way, so
 *   "Flask_SQLAlchemy" and "flask-sqlalchemy" are one package.
 * - PEP 508 requirement strings ("name[extra]>=1,<2; marker",
 *   "name @ https://...") and the older "name (>=1)" form that
 *   poetry.lock writes, split into their parts. */
#ifndef SIGMA_PYREQ_H
#define SIGMA_PYREQ_H
#include <stddef.h>

typedef struct pyreq {
	char *name;       /* normalised */
	char **extras;    /* normalised extra names */
	size_t nextras;
	char *specifier;  /* ">=1,<2", "" when none */
	char *url;        /* "name @ url" form, or NULL */
	char *marker;     /* after ';', or NULL */
} pyreq;

/* Normalise name[0..len) per PEP 503 into a new string. */
char *pyreq_normalize(const char *name, size_t len);

/* Parse a requirement. 0, or -1 when `s` does not start with a valid
 * name or has trailing garbage. On success the caller disposes `out`. */
int pyreq_parse(pyreq *out, const char *s);
void pyreq_dispose(pyreq *r);

/* The exact version a specifier pins ("==1.2.3" or "===1.2.3", a single
 * clause, no wildcard) as a new string, or NULL. */
char *pyreq_pin(const char *specifier);

#endif
