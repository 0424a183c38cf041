/* sqlitedb.c: see sqlitedb.h. */
#include <stdlib.h>
#include <string.h>
#include "common/error.h"
#include "common/sqlitedb.h"
#include "common/util.h"

/* `path` as a file: URI, every byte but the unreserved ones escaped, so
 * that "?" or "#" in a path cannot add URI parameters. */
static char *file_uri(const char *path, const char *params)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(path);
	char *u = sigma_xmalloc(3 * n + strlen(params) + 16), *w = u;
	memcpy(w, "file:", 5);
	w += 5;
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("/-._~", *p)) {
			*w++ = (char)*p;
		} else {
			*w++ = '%';
			*w++ = hex[*p >> 4];
			*w++ = hex[*p & 15];
		}
	}
	strcpy(w, params);
	return u;
}

int sigma_db_open(sqlite3 **out, const char *path, int mode, int busy_ms)
{
	*out = NULL;
	if (mode == SIGMA_DB_IMMUTABLE) {
		char *uri = file_uri(path, "?immutable=1");
		int rc = sqlite3_open_v2(uri, out, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
		free(uri);
		if (rc != SQLITE_OK)
			return sigma_db_fail(*out, path, "open");
		return 0;
	}
	if (mode == SIGMA_DB_CREATE) {
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
	int flags = mode == SIGMA_DB_READONLY ? SQLITE_OPEN_READONLY
	          : mode == SIGMA_DB_CREATE ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READWRITE;
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
