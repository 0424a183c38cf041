/* sqlitedb.h: what the modules that keep tables in the registry's SQLite
 * file share (registry/db.c, webhook/queue.c): opening it, creating its
 * directory, running SQL with the file's name in every error, and a
 * per-connection cache of prepared statements. */
#ifndef SIGMA_SQLITEDB_H
#define SIGMA_SQLITEDB_H
#include <sqlite3.h>

/* How sigma_db_open opens. Only SIGMA_DB_CREATE makes a file: everything
 * but `sigma registry init` opens one that must already be there, so a
 * wrong path is an error instead of a new, empty (and permissive) registry. */
enum {
	SIGMA_DB_READWRITE = 0, /* an existing file, read-write */
	SIGMA_DB_READONLY = 1,  /* an existing file, read-only */
	SIGMA_DB_CREATE = 2,    /* read-write, creating the file and its directory (0700) */
	SIGMA_DB_IMMUTABLE = 3, /* read-only, and nobody writes it meanwhile (a read-only mount) */
};
/* Open `path` in `mode` with a busy timeout. *out is set even on failure and
 * must then still be closed by the caller (sqlite3_close accepts it). */
int sigma_db_open(sqlite3 **out, const char *path, int mode, int busy_ms);
/* SIGMA_EIO with "PATH: WHAT: sqlite's message" in the error slot. */
int sigma_db_fail(sqlite3 *db, const char *path, const char *what);
/* Run statements without results; 0, or SIGMA_EIO naming the file. */
int sigma_db_exec(sqlite3 *db, const char *path, const char *sql);
/* The prepared (persistent) statement for `sql` in *slot, reset and with
 * its bindings cleared when it was used before; NULL if it cannot be
 * prepared (sigma_db_fail then says why). */
sqlite3_stmt *sigma_db_stmt(sqlite3 *db, sqlite3_stmt **slot, const char *sql);
/* Bind a string, or NULL as SQL NULL. */
void sigma_db_bind_text(sqlite3_stmt *s, int i, const char *v);

#endif
