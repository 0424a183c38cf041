/* sqlitedb.c: see sqlitedb.h. */
#include <stdlib.h>
#include <string.h>
#include "common/error.h"
#include "common/sqlitedb.h"
#include "common/util.h"

int sigma_db_open(sqlite3 **out, const char *path, int readonly, int busy_ms)
{
	*out = NULL;
	if (!readonly) {
		char *dir = sigma_xstrdup(path), *slash = strrchr(dir, '/');
		int rc = 0;
		if (slash && slash != dir) {
			*slash = '\0';
			rc = sigma_mkdir_p(dir, 0700);
		}
		free(dir);
		if (rc)
			return rc;
	}
	int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, out, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return sigma_db_fail(*out, path, "open");
	sqlite3_busy_timeout(*out, busy_ms);
	return 0;
}

int sigma_db_fail(sqlite3 *db, const char *path, const char *what)
{
	return sigma_error_set(SIGMA_EIO, "%s: %s: %s", path, what, db ? sqlite3_errmsg(db) : "out of memory");
}

int sigma_db_exec(sqlite3 *db, const char *path, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int rc = sigma_error_set(SIGMA_EIO, "%s: %s", path, msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return rc;
	}
	return 0;
}

sqlite3_stmt *sigma_db_stmt(sqlite3 *db, sqlite3_stmt **slot, const char *sql)
{
	if (!*slot) {
		if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL) != SQLITE_OK)
			*slot = NULL;
		return *slot;
	}
	sqlite3_reset(*slot);
	sqlite3_clear_bindings(*slot);
	return *slot;
}

void sigma_db_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}
