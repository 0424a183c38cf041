/* toml.h: a small, strict TOML reader.
 *
 * Python lockfiles and manifests (poetry.lock, uv.lock, pyproject.toml,
 * Pipfile) are TOML, and Debian ships no C TOML library. This reads the
 * TOML 1.0 that those files use into a tree of values: tables, arrays
 * of tables, inline tables, arrays (multi-line too), basic and literal
 * strings (multi-line too), integers, floats, booleans and date-times
 * (kept as their text), dotted keys and comments.
 *
 * Strict: a duplicate key, a table defined twice, extending an inline
 * table, a bad escape or an unterminated string is an error with the file
 * and line. Nesting of arrays and inline tables is capped at
 * TOML_MAX_DEPTH so a hostile file cannot exhaust the stack. */
#ifndef SIGMA_TOML_H
#define SIGMA_TOML_H
#include <stddef.h>
#include <stdint.h>

#define TOML_MAX_DEPTH 64

typedef enum toml_type {
	TOML_TABLE,
	TOML_ARRAY,
	TOML_STRING,
	TOML_INTEGER,
	TOML_FLOAT,
	TOML_BOOL,
	TOML_DATETIME
} toml_type;

typedef struct toml_value {
	toml_type type;
	int line;                   /* 1-based line where it is defined */
	char *str;                  /* STRING and DATETIME text (NUL-terminated) */
	int64_t integer;            /* INTEGER; BOOL as 0/1 */
	double number;              /* FLOAT */
	char **keys;                /* TABLE: keys[i] names items[i] */
	struct toml_value **items;  /* TABLE values, ARRAY elements */
	uint32_t n, cap;
	unsigned explicit_ : 1;     /* internal: table defined by a [header] */
	unsigned inline_ : 1;       /* internal: inline table or static array */
	unsigned aot : 1;           /* internal: array made by [[header]] */
	unsigned dotted : 1;        /* internal: table made by a dotted key */
} toml_value;

/* Parse `data` (len bytes) into *out, a TABLE; toml_free it. 0, or
 * SIGMA_EINVALID with "path:line: ..." in the error slot. */
int toml_parse(toml_value **out, const char *path, const char *data, size_t len);
void toml_free(toml_value *v);

/* The value under `key` in a table, or NULL (also when `t` is NULL or not
 * a table). */
const toml_value *toml_get(const toml_value *t, const char *key);
/* The string of a STRING value, or NULL. */
const char *toml_str(const toml_value *v);
/* toml_str(toml_get(t, key)). */
const char *toml_getstr(const toml_value *t, const char *key);

#endif
