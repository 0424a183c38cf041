/* db.c: the Package Trust Registry on SQLite (see db.h).
 *
 * Every statement is prepared once per connection and reset after use.
 * Readers never block the writer and vice versa (WAL); a writer that finds
 * another writer waits up to BUSY_MS. Migrations are an ordered list of SQL
 * scripts; user_version records how many have run. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include <sqlite3.h>
#include "common/buf.h"
#include "common/error.h"
#include "common/sqlitedb.h"
#include "common/json.h"
#include "common/util.h"
#include "registry/db.h"

#define BUSY_MS 3000

static const char *const migrations[] = {
	/* 1: the first schema. */
	"CREATE TABLE certificates("
	"  ecosystem TEXT NOT NULL, name TEXT NOT NULL, version TEXT NOT NULL,"
	"  distribution_sha256 TEXT NOT NULL DEFAULT '',"
	"  status TEXT NOT NULL, security_level TEXT NOT NULL DEFAULT '',"
	"  integrity TEXT, certificate_id TEXT, certified_at TEXT,"
	"  body TEXT NOT NULL,"
	"  PRIMARY KEY (ecosystem, name, version, distribution_sha256));"
	"CREATE INDEX certificates_status ON certificates(status);"
	"CREATE TABLE blocks("
	"  ecosystem TEXT NOT NULL, name TEXT NOT NULL, version TEXT NOT NULL,"
	"  source TEXT NOT NULL, reason TEXT NOT NULL, created_at TEXT NOT NULL,"
	"  PRIMARY KEY (ecosystem, name, version, source));"
	"CREATE TABLE cache(key TEXT PRIMARY KEY, deps TEXT, value TEXT NOT NULL, created_at TEXT);"
	"CREATE TABLE submissions("
	"  repository TEXT NOT NULL, ref TEXT NOT NULL, commit_oid TEXT NOT NULL,"
	"  id TEXT NOT NULL, decision TEXT NOT NULL, issued_at TEXT NOT NULL,"
	"  certificate TEXT NOT NULL,"
	"  PRIMARY KEY (repository, ref, commit_oid));"
	"CREATE INDEX submissions_commit ON submissions(commit_oid, issued_at);",
	/* 2: OSV records (registry/osv.c), one row per (record, package). */
	"CREATE TABLE advisories("
	"  id TEXT NOT NULL, ecosystem TEXT NOT NULL, name TEXT NOT NULL,"
	"  malicious INTEGER NOT NULL, severity TEXT NOT NULL DEFAULT '', summary TEXT,"
	"  affected TEXT NOT NULL, modified TEXT, imported_at TEXT NOT NULL,"
	"  PRIMARY KEY (ecosystem, name, id));",
	/* 3: submission certificates share their (large) packages member: one
	 * copy per distinct list, referenced by hash, reassembled by a view. */
	"CREATE TABLE certificate_parts(hash TEXT PRIMARY KEY, body TEXT NOT NULL);"
	"ALTER TABLE submissions ADD COLUMN part_hash TEXT;"
	"ALTER TABLE submissions ADD COLUMN part_at INTEGER;"
	"CREATE VIEW submission_certificates AS"
	"  SELECT s.repository, s.ref, s.commit_oid, s.id, s.decision, s.issued_at,"
	"    CASE WHEN s.part_hash IS NULL THEN s.certificate"
	"    ELSE CAST(substr(CAST(s.certificate AS BLOB), 1, s.part_at) || p.body ||"
	"              substr(CAST(s.certificate AS BLOB), s.part_at + 1) AS TEXT) END AS certificate"
	"  FROM submissions s LEFT JOIN certificate_parts p ON p.hash = s.part_hash;",
	/* 4: a generation number that every change to what lookups can return
	 * bumps, so a judgement cached under one generation is never reused
	 * after a block, an unblock or a new certificate. */
	"CREATE TABLE generation(id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);"
	"INSERT INTO generation VALUES (1, 0);"
	"CREATE TRIGGER blocks_ins AFTER INSERT ON blocks BEGIN UPDATE generation SET n = n + 1; END;"
	"CREATE TRIGGER blocks_upd AFTER UPDATE ON blocks BEGIN UPDATE generation SET n = n + 1; END;"
	"CREATE TRIGGER blocks_del AFTER DELETE ON blocks BEGIN UPDATE generation SET n = n + 1; END;"
	"CREATE TRIGGER certs_ins AFTER INSERT ON certificates BEGIN UPDATE generation SET n = n + 1; END;"
	"CREATE TRIGGER certs_upd AFTER UPDATE ON certificates BEGIN UPDATE generation SET n = n + 1; END;"
	"CREATE TRIGGER certs_del AFTER DELETE ON certificates BEGIN UPDATE generation SET n = n + 1; END;",
	/* 5: advisories carry their aliases and CVSS score, and judge pushes
	 * (so they bump the generation too); waivers: an admin's reviewed
	 * exception for one package version, or one advisory on it. */
	"ALTER TABLE advisories ADD COLUMN aliases TEXT;"
	"ALTER TABLE advisories ADD COLUMN score REAL;"
	"CREATE TABLE waivers("
	"  ecosystem TEXT NOT NULL, name TEXT NOT NULL, version TEXT NOT NULL,"
	"  advisory TEXT NOT NULL DEFAULT '', reason TEXT NOT NULL, created_by TEXT NOT NULL,"
	"  created_at TEXT NOT NULL, expires TEXT, override_block INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (ecosystem, name, version, advisory));"
	"CREATE TRIGGER advisories_ins AFTER INSERT ON advisories BEGIN UPDATE generation SET n = n + 1; END;"
	"CREATE TRIGGER advisories_upd AFTER UPDATE ON advisories BEGIN UPDATE generation SET n = n + 1; END;"
	"CREATE TRIGGER advisories_del AFTER DELETE ON advisories BEGIN UPDATE generation SET n = n + 1; END;"
	"CREATE TRIGGER waivers_ins AFTER INSERT ON waivers BEGIN UPDATE generation SET n = n + 1; END;"
	"CREATE TRIGGER waivers_upd AFTER UPDATE ON waivers BEGIN UPDATE generation SET n = n + 1; END;"
	"CREATE TRIGGER waivers_del AFTER DELETE ON waivers BEGIN UPDATE generation SET n = n + 1; END;",
	/* 6: when each version was published, and by whom, as its registry
	 * says (filled by certification): the release-age gate's data. */
	"CREATE TABLE releases("
	"  ecosystem TEXT NOT NULL, name TEXT NOT NULL, version TEXT NOT NULL,"
	"  published_at TEXT NOT NULL, publisher TEXT,"
	"  PRIMARY KEY (ecosystem, name, version));"
	"CREATE TRIGGER releases_ins AFTER INSERT ON releases BEGIN UPDATE generation SET n = n + 1; END;"
	"CREATE TRIGGER releases_upd AFTER UPDATE ON releases BEGIN UPDATE generation SET n = n + 1; END;"
	"CREATE TRIGGER releases_del AFTER DELETE ON releases BEGIN UPDATE generation SET n = n + 1; END;",
	/* 7: a certificate's packages stored as one part per lockfile (issue
	 * 22): a push that changes one lockfile of a monorepo stores that
	 * lockfile's part, not every package again. parts_index names a part
	 * holding the JSON array of the part hashes, in order; the view joins
	 * them with ',' at part_at, so readers still select one whole text.
	 * The ORDER BY subquery inside an aggregate is never flattened by
	 * SQLite, so group_concat sees the parts in index order. A part that
	 * is missing or altered makes the assembled text fail its id. */
	"ALTER TABLE submissions ADD COLUMN parts_index TEXT;"
	"DROP VIEW submission_certificates;"
	"CREATE VIEW submission_certificates AS"
	"  SELECT s.repository, s.ref, s.commit_oid, s.id, s.decision, s.issued_at,"
	"    CASE WHEN s.parts_index IS NOT NULL THEN"
	"      CAST(substr(CAST(s.certificate AS BLOB), 1, s.part_at) ||"
	"           (SELECT group_concat(body, ',') FROM"
	"             (SELECT c.body AS body FROM certificate_parts i, json_each(i.body) e"
	"                JOIN certificate_parts c ON c.hash = e.value"
	"               WHERE i.hash = s.parts_index ORDER BY e.key)) ||"
	"           substr(CAST(s.certificate AS BLOB), s.part_at + 1) AS TEXT)"
	"    WHEN s.part_hash IS NULL THEN s.certificate"
	"    ELSE CAST(substr(CAST(s.certificate AS BLOB), 1, s.part_at) || p.body ||"
	"              substr(CAST(s.certificate AS BLOB), s.part_at + 1) AS TEXT) END AS certificate"
	"  FROM submissions s LEFT JOIN certificate_parts p ON p.hash = s.part_hash;",
};

enum {
	ST_LOOKUP, ST_LOOKUP_CERT, ST_BLOCK, ST_UNBLOCK, ST_CERT_PUT, ST_CACHE_GET, ST_CACHE_PUT,
	ST_SUB_PUT, ST_SUB_GET, ST_PART_HAS, ST_PART_PUT, ST_PART_GET, ST_GENERATION, ST_KEYS, ST_CERT_BODY, ST_BLOCKS_OF,
	ST_ADVISORIES, ST_RELEASES, ST_RELEASE_ONE, ST__COUNT
};

static const char *const statements[ST__COUNT] = {
	[ST_LOOKUP] =
		/* By (ecosystem, name) only, the version is checked in C: an OR or IN
		 * on the version makes SQLite build an ephemeral table per call. */
		"SELECT 0, source, reason, NULL, NULL, NULL, version FROM blocks"
		" WHERE ecosystem=?1 AND name=?2",
	[ST_LOOKUP_CERT] =
		"SELECT 1, status, body, security_level, integrity, certificate_id FROM certificates"
		" WHERE ecosystem=?1 AND name=?2 AND version=?3",
	[ST_BLOCK] =
		"INSERT INTO blocks(ecosystem, name, version, source, reason, created_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
		" ON CONFLICT(ecosystem, name, version, source) DO UPDATE SET reason=excluded.reason",
	[ST_UNBLOCK] =
		"DELETE FROM blocks WHERE ecosystem=?1 AND name=?2 AND version=?3 AND source=?4",
	[ST_CERT_PUT] =
		"INSERT OR REPLACE INTO certificates(ecosystem, name, version, distribution_sha256,"
		" status, security_level, integrity, certificate_id, certified_at, body)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[ST_CACHE_GET] = "SELECT deps, value FROM cache WHERE key=?1",
	[ST_CACHE_PUT] =
		"INSERT OR REPLACE INTO cache(key, deps, value, created_at) VALUES (?1, ?2, ?3, ?4)",
	[ST_SUB_PUT] =
		"INSERT OR REPLACE INTO submissions(repository, ref, commit_oid, id, decision, issued_at,"
		" certificate, part_hash, part_at, parts_index) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[ST_SUB_GET] =
		"SELECT certificate FROM submission_certificates WHERE commit_oid=?1 ORDER BY issued_at DESC LIMIT 1",
	[ST_PART_HAS] = "SELECT 1 FROM certificate_parts WHERE hash=?1",
	[ST_PART_PUT] = "INSERT OR IGNORE INTO certificate_parts(hash, body) VALUES (?1, ?2)",
	[ST_PART_GET] = "SELECT body FROM certificate_parts WHERE hash=?1",
	[ST_GENERATION] = "SELECT n FROM generation WHERE id = 1",
	[ST_KEYS] =
		"SELECT ecosystem, name, version FROM certificates"
		" WHERE (?1 IS NULL OR ecosystem=?1) AND (?2 IS NULL OR name=?2) AND (?3 IS NULL OR version=?3)"
		" UNION "
		"SELECT ecosystem, name, version FROM blocks"
		" WHERE (?1 IS NULL OR ecosystem=?1) AND (?2 IS NULL OR name=?2) AND (?3 IS NULL OR version=?3)"
		" ORDER BY 1, 2, 3",
	[ST_CERT_BODY] =
		"SELECT body FROM certificates WHERE ecosystem=?1 AND name=?2 AND version=?3"
		" ORDER BY status = 'blocked' DESC, status = 'flagged' DESC, certified_at DESC LIMIT 1",
	[ST_ADVISORIES] =
		"SELECT id, malicious, severity, summary, affected, modified, aliases, score FROM advisories"
		" WHERE ecosystem=?1 AND name=?2 ORDER BY id",
	[ST_RELEASES] = "SELECT version, published_at, publisher FROM releases WHERE ecosystem=?1 AND name=?2",
	[ST_RELEASE_ONE] = "SELECT published_at FROM releases WHERE ecosystem=?1 AND name=?2 AND version=?3",
	[ST_BLOCKS_OF] =
		"SELECT source, reason, version FROM blocks WHERE ecosystem=?1 AND name=?2"
		" AND version IN (?3, '*') ORDER BY version = '*', source",
};

struct registry {
	sqlite3 *db;
	sqlite3_stmt *st[ST__COUNT];
	char *path;
	int readonly;    /* opened read-only: nothing is written */
	int schema;      /* PRAGMA user_version */
	int wal_frames;  /* the WAL's length after this connection's last commit */
};

/* A connection that leaves at least this many frames (4 KiB pages) in the
 * WAL resets it when it closes (see registry_open). */
#define CLOSE_CHECKPOINT_FRAMES 256

/* What SQLite's automatic checkpoint does (PASSIVE once the WAL reaches
 * 1,000 frames), plus remembering the WAL's length for registry_close. */
static int on_wal_commit(void *ctx, sqlite3 *db, const char *name, int frames)
{
	((registry *)ctx)->wal_frames = frames;
	if (frames >= 1000)
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	return SQLITE_OK;
}

/* ---------------------------------------------------------------- basics */

static int db_fail(registry *r, const char *what) { return sigma_db_fail(r->db, r->path, what); }
static int exec(registry *r, const char *sql) { return sigma_db_exec(r->db, r->path, sql); }
static sqlite3_stmt *stmt(registry *r, int which) { return sigma_db_stmt(r->db, &r->st[which], statements[which]); }
static void bind_text(sqlite3_stmt *s, int i, const char *v) { sigma_db_bind_text(s, i, v); }

static const char *col_text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}


static int read_schema(registry *r, int *out)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(r->db, "PRAGMA user_version", -1, &s, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		*out = sqlite3_column_int(s, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc;
}

static int migrate(registry *r)
{
	sqlite3_stmt *s = NULL;
	int have = r->schema;
	int want = (int)(sizeof migrations / sizeof *migrations);
	for (int v = have; v < want; v++) {
		/* IMMEDIATE: two processes creating the schema at once must not both
		 * run migration v; the second sees the new user_version and skips. */
		int rc = exec(r, "BEGIN IMMEDIATE");
		if (rc)
			return rc;
		int now = 0;
		if (sqlite3_prepare_v2(r->db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK &&
		    sqlite3_step(s) == SQLITE_ROW)
			now = sqlite3_column_int(s, 0);
		sqlite3_finalize(s);
		if (now > v) {
			exec(r, "COMMIT");
			v = now - 1;
			continue;
		}
		char *sql = sigma_xasprintf("%s; PRAGMA user_version = %d;", migrations[v], v + 1);
		rc = exec(r, sql);
		free(sql);
		if (rc) {
			exec(r, "ROLLBACK");
			return sigma_error_wrap(rc, "migration %d: ", v + 1);
		}
		if ((rc = exec(r, "COMMIT")))
			return rc;
	}
	r->schema = want;
	return 0;
}

const char *registry_problem_name(registry_problem p)
{
	static const char *const names[] = {
		[REGISTRY_PROBLEM_NONE] = "ok",
		[REGISTRY_PROBLEM_MISSING] = "missing",
		[REGISTRY_PROBLEM_NOT_FILE] = "not a file",
		[REGISTRY_PROBLEM_EMPTY] = "empty",
		[REGISTRY_PROBLEM_UNREADABLE] = "unreadable",
		[REGISTRY_PROBLEM_NOT_DATABASE] = "not a database",
		[REGISTRY_PROBLEM_UNINITIALISED] = "not initialised",
		[REGISTRY_PROBLEM_OLDER] = "older schema",
		[REGISTRY_PROBLEM_NEWER] = "newer schema",
		[REGISTRY_PROBLEM_IO] = "error",
	};
	return (unsigned)p < sizeof names / sizeof *names ? names[p] : "error";
}

/* What the file system says before SQLite is asked: a missing file, a
 * directory, 0 bytes or no read permission each get their own words (and
 * SQLite is never given the chance to create anything). */
static int check_file(const char *path, int create, registry_problem *problem)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		if (errno == ENOENT && create)
			return 0;
		if (errno == ENOENT || errno == ENOTDIR) {
			*problem = REGISTRY_PROBLEM_MISSING;
			return sigma_error_set(SIGMA_ENOTFOUND, "%s: no registry database here", path);
		}
		*problem = errno == EACCES ? REGISTRY_PROBLEM_UNREADABLE : REGISTRY_PROBLEM_IO;
		return sigma_error_set(SIGMA_EIO, "%s: %s", path, strerror(errno));
	}
	if (!S_ISREG(st.st_mode)) {
		*problem = REGISTRY_PROBLEM_NOT_FILE;
		return sigma_error_set(SIGMA_EINVALID, "%s: %s, not a registry database file", path,
		                       S_ISDIR(st.st_mode) ? "a directory" : "a special file");
	}
	if (access(path, R_OK) < 0) {
		*problem = REGISTRY_PROBLEM_UNREADABLE;
		return sigma_error_set(SIGMA_EIO, "%s: not readable by uid %u: %s", path, (unsigned)geteuid(),
		                       strerror(errno));
	}
	if (st.st_size == 0 && !create) {
		*problem = REGISTRY_PROBLEM_EMPTY;
		return sigma_error_set(SIGMA_EINVALID, "%s: empty (0 bytes): not an initialised registry", path);
	}
	return 0;
}

/* May this user write the registry: the file, and the directory (for the
 * -wal and -shm files) unless both of those exist and are writable? */
static int may_write(const char *path)
{
	if (access(path, W_OK) < 0)
		return 0;
	char *dir = sigma_xstrdup(path), *slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	int ok = access(slash ? dir : ".", W_OK | X_OK) == 0;
	free(dir);
	if (ok)
		return 1;
	char *wal = sigma_xasprintf("%s-wal", path), *shm = sigma_xasprintf("%s-shm", path);
	ok = access(wal, W_OK) == 0 && access(shm, W_OK) == 0;
	free(wal);
	free(shm);
	return ok;
}

/* A read-only user of a WAL database needs its -shm file; when nobody can
 * make one here (a read-only mount, a directory this user may not write),
 * the file can still be read as immutable, but only when no committed
 * change waits in the -wal file: immutable reads ignore it, and a block
 * that sits there would be missed. */
static int wal_is_empty(const char *path)
{
	char *wal = sigma_xasprintf("%s-wal", path);
	struct stat st;
	int empty = stat(wal, &st) < 0 || st.st_size == 0;
	free(wal);
	return empty;
}

/* Open the connection and read the schema version, falling back to an
 * immutable read where a plain read-only one cannot start. */
static int connect_db(registry *r, int mode, registry_problem *problem)
{
	int rc = sigma_db_open(&r->db, r->path, mode, BUSY_MS);
	int src = rc ? SQLITE_CANTOPEN : read_schema(r, &r->schema);
	if (src != SQLITE_OK && mode == SIGMA_DB_READONLY && wal_is_empty(r->path)) {
		sqlite3_close(r->db);
		r->db = NULL;
		rc = sigma_db_open(&r->db, r->path, SIGMA_DB_IMMUTABLE, BUSY_MS);
		src = rc ? SQLITE_CANTOPEN : read_schema(r, &r->schema);
	}
	if (src == SQLITE_OK)
		return 0;
	if (src == SQLITE_NOTADB) {
		*problem = REGISTRY_PROBLEM_NOT_DATABASE;
		return sigma_error_set(SIGMA_EINVALID, "%s: not a SQLite database (%s)", r->path, sqlite3_errstr(src));
	}
	*problem = REGISTRY_PROBLEM_IO;
	return rc ? rc : db_fail(r, "reading the schema version");
}

int registry_open_ex(registry **out, const char *path, int flags, registry_problem *problem_out)
{
	registry *r = sigma_xcalloc(1, sizeof *r);
	r->path = sigma_xstrdup(path);
	registry_problem problem = REGISTRY_PROBLEM_NONE;
	int rc = 0;
	int create = flags & REGISTRY_CREATE, may_migrate = create || (flags & REGISTRY_MIGRATE);
	int memory = strcmp(path, ":memory:") == 0;
	r->readonly = flags & REGISTRY_READONLY;
	if (!memory && (rc = check_file(path, create, &problem)))
		goto fail;
	if (!r->readonly && !create && !memory && (flags & REGISTRY_READONLY_OK) && !may_write(path))
		r->readonly = 1;
	if ((rc = connect_db(r, r->readonly ? SIGMA_DB_READONLY : create ? SIGMA_DB_CREATE : SIGMA_DB_READWRITE,
	                  &problem)))
		goto fail;
	int want = (int)(sizeof migrations / sizeof *migrations);
	if (r->schema > want) {
		problem = REGISTRY_PROBLEM_NEWER;
		rc = sigma_error_set(SIGMA_EINVALID, "%s: registry schema %d is newer than this sigma knows (%d)",
		                     path, r->schema, want);
		goto fail;
	}
	if (r->schema == 0 && !create) {
		problem = REGISTRY_PROBLEM_UNINITIALISED;
		rc = sigma_error_set(SIGMA_EINVALID, "%s: a SQLite file, but not an initialised registry", path);
		goto fail;
	}
	if (r->schema < want && !may_migrate) {
		problem = REGISTRY_PROBLEM_OLDER;
		rc = sigma_error_set(SIGMA_EINVALID, "%s: registry schema %d is older than this sigma (%d)",
		                     path, r->schema, want);
		goto fail;
	}
	/* Every hook run is a short-lived process and usually the database's
	 * only connection; by default SQLite would checkpoint the WAL into the
	 * main file and delete it on every close (two fsyncs and an unlink, ~1
	 * ms per push). But passive checkpoints alone never restart the WAL
	 * here (measured: 3 frames more per push, 14 MB after 1,200 pushes),
	 * and pages still in the WAL are read with one pread each rather than
	 * through the memory map. So a connection that leaves a long WAL (a
	 * cold push, or every ~80 cache hits) checkpoints and truncates it
	 * when it closes, without waiting for readers (registry_close). */
	if (!r->readonly) {
		sqlite3_db_config(r->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
		sqlite3_wal_hook(r->db, on_wal_commit, r);
	}
	if (!r->readonly && (rc = exec(r, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA mmap_size=268435456;")))
		goto io;
	if ((rc = exec(r, "PRAGMA foreign_keys=ON")))
		goto io;
	if (!r->readonly && r->schema < want && (rc = migrate(r)))
		goto io;
	if (problem_out)
		*problem_out = REGISTRY_PROBLEM_NONE;
	*out = r;
	return 0;
io:
	problem = REGISTRY_PROBLEM_IO;
fail:
	if (problem_out)
		*problem_out = problem;
	registry_close(r);
	return rc;
}

int registry_open(registry **out, const char *path, int flags)
{
	return registry_open_ex(out, path, flags, NULL);
}

int registry_is_readonly(const registry *r) { return r->readonly; }
int registry_schema(const registry *r) { return r->schema; }

void registry_close(registry *r)
{
	if (!r)
		return;
	for (int i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(r->st[i]);
	if (r->wal_frames >= CLOSE_CHECKPOINT_FRAMES) {
		/* Best effort: busy (a reader or a writer is in) means the next
		 * closing connection tries again. */
		sqlite3_busy_timeout(r->db, 0);
		sqlite3_wal_checkpoint_v2(r->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	}
	sqlite3_close(r->db);
	free(r->path);
	free(r);
}

const char *registry_path(const registry *r) { return r->path; }

int registry_transaction(registry *r, int (*fn)(registry *r, void *ctx), void *ctx)
{
	int rc = exec(r, "BEGIN IMMEDIATE");
	if (rc)
		return rc;
	rc = fn(r, ctx);
	if (rc) {
		exec(r, "ROLLBACK");
		return rc;
	}
	return exec(r, "COMMIT");
}

int registry_snapshot_begin(registry *r) { return exec(r, "BEGIN"); }
void registry_snapshot_end(registry *r) { exec(r, "COMMIT"); }

/* ---------------------------------------------------------------- lookups */

static void copy_field(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

/* The first reason of a certificate body: its code and message. */
static void first_reason(registry_status *out, const char *body)
{
	cJSON *j = cJSON_Parse(body);
	const cJSON *reason = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "reasons"), 0);
	const char *code = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(reason, "code"));
	const char *msg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(reason, "message"));
	if (code)
		out->reason_code = sigma_xstrdup(code);
	if (msg)
		out->reason = sigma_xstrdup(msg);
	cJSON_Delete(j);
}

int registry_lookup(registry_status *out, registry *r, const char *ecosystem,
                    const char *name, const char *version)
{
	memset(out, 0, sizeof *out);
	copy_field(out->status, sizeof out->status, "uncertified");
	int blocked = 0, have_cert = 0;
	for (int which = ST_LOOKUP; which <= ST_LOOKUP_CERT; which++) {
		sqlite3_stmt *s = stmt(r, which);
		if (!s)
			return db_fail(r, "lookup");
		/* SQLITE_STATIC: the strings outlive the statement's use here. */
		sqlite3_bind_text(s, 1, ecosystem, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, version, -1, SQLITE_STATIC);
		int step;
		while ((step = sqlite3_step(s)) == SQLITE_ROW) {
			if (sqlite3_column_int(s, 0) == 0) {
				const char *bv = col_text(s, 6);
				if (!bv || (strcmp(bv, "*") != 0 && strcmp(bv, version) != 0))
					continue;
				if (!blocked) {
					/* A block overrides whatever a certificate said. */
					blocked = 1;
					copy_field(out->status, sizeof out->status, "blocked");
					out->reason_code = sigma_xstrdup(col_text(s, 1));
					out->reason = sigma_xstrdup(col_text(s, 2));
				}
				continue;
			}
			const char *status = col_text(s, 1);
			/* Several certificates (different artefact hashes): the worst wins. */
			if (have_cert && !sigma_streq(status, "blocked"))
				continue;
			have_cert = 1;
			if (!out->integrity && col_text(s, 4))
				out->integrity = sigma_xstrdup(col_text(s, 4));
			if (!out->certificate_id && col_text(s, 5))
				out->certificate_id = sigma_xstrdup(col_text(s, 5));
			copy_field(out->security_level, sizeof out->security_level, col_text(s, 3));
			if (!blocked) {
				copy_field(out->status, sizeof out->status, status);
				free(out->reason_code);
				free(out->reason);
				out->reason_code = out->reason = NULL;
				first_reason(out, col_text(s, 2));
			}
		}
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
		if (step != SQLITE_DONE) {
			registry_status_dispose(out);
			return db_fail(r, "lookup");
		}
	}
	return 0;
}

void registry_status_dispose(registry_status *s)
{
	free(s->reason_code);
	free(s->reason);
	free(s->integrity);
	free(s->certificate_id);
	s->reason_code = s->reason = s->integrity = s->certificate_id = NULL;
}

/* ---------------------------------------------------------------- writes */

static int step_done(registry *r, sqlite3_stmt *s, const char *what)
{
	int step = sqlite3_step(s);
	sqlite3_reset(s);
	return step == SQLITE_DONE ? 0 : db_fail(r, what);
}

int registry_block(registry *r, const char *ecosystem, const char *name, const char *version,
                   const char *reason, const char *source)
{
	char now[32];
	sigma_utc_now(now);
	sqlite3_stmt *s = stmt(r, ST_BLOCK);
	if (!s)
		return db_fail(r, "block");
	bind_text(s, 1, ecosystem);
	bind_text(s, 2, name);
	bind_text(s, 3, version);
	bind_text(s, 4, source ? source : "admin");
	bind_text(s, 5, reason ? reason : "");
	bind_text(s, 6, now);
	return step_done(r, s, "block");
}

int registry_unblock(registry *r, const char *ecosystem, const char *name, const char *version,
                     const char *source)
{
	sqlite3_stmt *s = stmt(r, ST_UNBLOCK);
	if (!s)
		return db_fail(r, "unblock");
	bind_text(s, 1, ecosystem);
	bind_text(s, 2, name);
	bind_text(s, 3, version);
	bind_text(s, 4, source ? source : "admin");
	int rc = step_done(r, s, "unblock");
	if (!rc && sqlite3_changes(r->db) == 0)
		rc = sigma_error_set(SIGMA_ENOTFOUND, "%s %s %s is not blocked by %s", ecosystem, name,
		                     version, source ? source : "admin");
	return rc;
}

static const char *jstr(const cJSON *o, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

int registry_certificate_put(registry *r, const char *json)
{
	cJSON *j = cJSON_Parse(json);
	int rc = 0;
	if (!cJSON_IsObject(j)) {
		rc = sigma_error_set(SIGMA_EINVALID, "a package certificate must be a JSON object");
		goto out;
	}
	static const char *const required[] = { "ecosystem", "name", "version", "status" };
	for (size_t i = 0; i < 4; i++)
		if (!jstr(j, required[i]) || !*jstr(j, required[i])) {
			rc = sigma_error_set(SIGMA_EINVALID, "package certificate without \"%s\"", required[i]);
			goto out;
		}
	static const char *const statuses[] = { "certified", "flagged", "blocked", "uncertified" };
	int known = 0;
	for (size_t i = 0; i < 4; i++)
		known |= strcmp(jstr(j, "status"), statuses[i]) == 0;
	if (!known) {
		rc = sigma_error_set(SIGMA_EINVALID, "unknown status \"%s\" (certified, flagged, blocked, uncertified)",
		                     jstr(j, "status"));
		goto out;
	}
	if (strcmp(jstr(j, "ecosystem"), "npm") && strcmp(jstr(j, "ecosystem"), "pypi")) {
		rc = sigma_error_set(SIGMA_EINVALID, "unknown ecosystem \"%s\" (npm, pypi)", jstr(j, "ecosystem"));
		goto out;
	}
	sqlite3_stmt *s = stmt(r, ST_CERT_PUT);
	if (!s) {
		rc = db_fail(r, "store certificate");
		goto out;
	}
	char *body = cJSON_PrintUnformatted(j);
	bind_text(s, 1, jstr(j, "ecosystem"));
	bind_text(s, 2, jstr(j, "name"));
	bind_text(s, 3, jstr(j, "version"));
	bind_text(s, 4, jstr(j, "distribution_sha256") ? jstr(j, "distribution_sha256") : "");
	bind_text(s, 5, jstr(j, "status"));
	bind_text(s, 6, jstr(j, "security_level") ? jstr(j, "security_level") : "");
	bind_text(s, 7, jstr(j, "integrity"));
	bind_text(s, 8, jstr(j, "certificate_id"));
	bind_text(s, 9, jstr(j, "certified_at"));
	bind_text(s, 10, body);
	rc = step_done(r, s, "store certificate");
	free(body);
out:
	cJSON_Delete(j);
	return rc;
}

/* ---------------------------------------------------------------- records */

static cJSON *record_of(registry *r, const char *eco, const char *name, const char *version)
{
	cJSON *rec = NULL;
	sqlite3_stmt *s = stmt(r, ST_CERT_BODY);
	if (!s)
		return NULL;
	bind_text(s, 1, eco);
	bind_text(s, 2, name);
	bind_text(s, 3, version);
	if (sqlite3_step(s) == SQLITE_ROW)
		rec = cJSON_Parse(col_text(s, 0));
	sqlite3_reset(s);
	if (!rec) {
		rec = cJSON_CreateObject();
		cJSON_AddStringToObject(rec, "ecosystem", eco);
		cJSON_AddStringToObject(rec, "name", name);
		cJSON_AddStringToObject(rec, "version", version);
		cJSON_AddStringToObject(rec, "status", "uncertified");
	}
	s = stmt(r, ST_BLOCKS_OF);
	if (!s)
		return rec;
	bind_text(s, 1, eco);
	bind_text(s, 2, name);
	bind_text(s, 3, version);
	cJSON *reasons = cJSON_GetObjectItemCaseSensitive(rec, "reasons");
	if (!cJSON_IsArray(reasons)) {
		cJSON_DeleteItemFromObjectCaseSensitive(rec, "reasons");
		reasons = cJSON_AddArrayToObject(rec, "reasons");
	}
	int n = 0;
	while (sqlite3_step(s) == SQLITE_ROW) {
		cJSON *reason = cJSON_CreateObject();
		cJSON_AddStringToObject(reason, "code", col_text(s, 0));
		cJSON_AddStringToObject(reason, "message", col_text(s, 1));
		if (strcmp(col_text(s, 2), "*") == 0 && strcmp(version, "*") != 0)
			cJSON_AddStringToObject(reason, "scope", "every version");
		cJSON_InsertItemInArray(reasons, n++, reason);
	}
	sqlite3_reset(s);
	if (n)
		cJSON_ReplaceItemInObjectCaseSensitive(rec, "status", cJSON_CreateString("blocked"));
	return rec;
}

int registry_records(registry *r, const char *status, const char *ecosystem, const char *name,
                     const char *version, registry_visit_fn fn, void *ctx)
{
	/* Collect the keys first: record_of() reuses other statements, and a
	 * visitor may write. */
	sqlite3_stmt *s = stmt(r, ST_KEYS);
	if (!s)
		return db_fail(r, "list");
	bind_text(s, 1, ecosystem);
	bind_text(s, 2, name);
	bind_text(s, 3, version);
	char **keys = NULL;
	size_t n = 0;
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		keys = sigma_xrealloc(keys, (n + 3) * sizeof *keys);
		for (int i = 0; i < 3; i++)
			keys[n++] = sigma_xstrdup(col_text(s, i));
	}
	sqlite3_reset(s);
	int rc = step == SQLITE_DONE ? 0 : db_fail(r, "list");
	for (size_t i = 0; i < n && !rc; i += 3) {
		cJSON *rec = record_of(r, keys[i], keys[i + 1], keys[i + 2]);
		if (!rec)
			continue;
		if (!status || sigma_streq(jstr(rec, "status"), status)) {
			char *text = cJSON_PrintUnformatted(rec);
			rc = fn(ctx, text);
			free(text);
		}
		cJSON_Delete(rec);
	}
	for (size_t i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
	return rc;
}

int registry_record(char **out, registry *r, const char *ecosystem, const char *name,
                    const char *version)
{
	cJSON *rec = record_of(r, ecosystem, name, version);
	if (!rec)
		return db_fail(r, "show");
	*out = cJSON_PrintUnformatted(rec);
	cJSON_Delete(rec);
	return 0;
}

/* ---------------------------------------------------------------- caches */

int registry_cache_get(registry *r, const char *key, char **deps, char **value)
{
	sqlite3_stmt *s = stmt(r, ST_CACHE_GET);
	if (!s)
		return db_fail(r, "cache");
	bind_text(s, 1, key);
	int rc = SIGMA_ENOTFOUND;
	if (sqlite3_step(s) == SQLITE_ROW) {
		*deps = col_text(s, 0) ? sigma_xstrdup(col_text(s, 0)) : NULL;
		*value = sigma_xstrdup(col_text(s, 1));
		rc = 0;
	}
	sqlite3_reset(s);
	return rc;
}

void registry_cache_put(registry *r, const char *key, const char *deps, const char *value)
{
	if (r->readonly)
		return; /* the hook on a read-only registry judges without its cache */
	char now[32];
	sigma_utc_now(now);
	sqlite3_stmt *s = stmt(r, ST_CACHE_PUT);
	if (!s)
		return;
	bind_text(s, 1, key);
	bind_text(s, 2, deps);
	bind_text(s, 3, value);
	bind_text(s, 4, now);
	sqlite3_step(s);
	sqlite3_reset(s);
}

/* ---------------------------------------------------------------- submissions */

/* The byte range [*start, *end) of the value of top-level member `key` in
 * the JSON object `text`, found by one scan that tracks strings and depth.
 * 0, or SIGMA_ENOTFOUND. */
static int top_member(const char *text, size_t len, const char *key, size_t *start, size_t *end)
{
	size_t klen = strlen(key);
	int depth = 0, in_string = 0;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = 0;
			continue;
		}
		if (c == '"') {
			/* A key of the top-level object: "key": */
			if (depth == 1 && i + klen + 2 < len && !memcmp(text + i + 1, key, klen) &&
			    text[i + klen + 1] == '"' && text[i + klen + 2] == ':') {
				size_t v = i + klen + 3, j = v;
				int d = 0, str = 0;
				for (; j < len; j++) {
					char ch = text[j];
					if (str) {
						if (ch == '\\')
							j++;
						else if (ch == '"')
							str = 0;
						continue;
					}
					if (ch == '"')
						str = 1;
					else if (ch == '[' || ch == '{')
						d++;
					else if (ch == ']' || ch == '}') {
						if (d == 0)
							break;
						if (--d == 0) {
							j++;
							break;
						}
					} else if (ch == ',' && d == 0)
						break;
				}
				*start = v;
				*end = j;
				return 0;
			}
			in_string = 1;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	return SIGMA_ENOTFOUND;
}

/* Certificates above this size keep their packages apart, in
 * certificate_parts, shared between every submission with the same
 * lockfile (or, when the caller names no parts, the same list). */
#define PART_MIN ((size_t)4096)

/* The parts as the caller described them hold together: in order, each
 * inside the text, consecutive ones separated by exactly one ',', and the
 * run of them is the whole content of an array ('[' before, ']' after),
 * which is what the view joins back. Anything else is stored unsplit. */
static int parts_hold(const char *json, size_t len, const registry_part_at *parts, size_t n)
{
	if (!n || parts[0].start == 0 || json[parts[0].start - 1] != '[')
		return 0;
	for (size_t k = 0; k < n; k++) {
		if (parts[k].start >= parts[k].end || parts[k].end > len)
			return 0;
		if (k + 1 < n && (parts[k + 1].start != parts[k].end + 1 || json[parts[k].end] != ','))
			return 0;
	}
	return parts[n - 1].end < len && json[parts[n - 1].end] == ']';
}

static int part_store(registry *r, char hash[65], const char *text, size_t len)
{
	if (!hash[0])
		sigma_sha256_hex(text, len, hash);
	sqlite3_stmt *h = stmt(r, ST_PART_HAS);
	if (!h)
		return db_fail(r, "store submission certificate");
	bind_text(h, 1, hash);
	int have = sqlite3_step(h) == SQLITE_ROW;
	sqlite3_reset(h);
	if (have)
		return 0;
	sqlite3_stmt *p = stmt(r, ST_PART_PUT);
	if (!p)
		return db_fail(r, "store submission certificate");
	bind_text(p, 1, hash);
	sqlite3_bind_text(p, 2, text, (int)len, SQLITE_STATIC);
	return step_done(r, p, "store submission certificate");
}

typedef struct submission_row {
	const char *repository, *ref, *commit, *id, *decision, *json;
	registry_part_at *parts;
	size_t nparts;
} submission_row;

static int submission_put_tx(registry *r, void *ctx)
{
	const submission_row *a = ctx;
	char now[32], hash[65] = "", index_hash[65] = "";
	sigma_utc_now(now);
	const char *json = a->json;
	size_t len = strlen(json), ps = 0, pe = 0;
	registry_part_at whole;
	registry_part_at *parts = a->parts;
	size_t n = a->nparts;
	if (!parts_hold(json, len, parts, n)) {
		/* No per-lockfile parts: the packages array whole, as one part. */
		if (top_member(json, len, "packages", &whole.start, &whole.end) != 0)
			whole.start = whole.end = 0;
		whole.hash[0] = '\0';
		parts = &whole;
		n = 1;
	}
	ps = parts[0].start;
	pe = parts[n - 1].end;
	int split = len > PART_MIN && pe - ps > PART_MIN;
	int rc = 0;
	sigma_buf index = SIGMA_BUF_INIT;
	char *elided = NULL;
	if (split) {
		if (n > 1)
			sigma_buf_putc(&index, '[');
		for (size_t k = 0; k < n && !rc; k++) {
			memcpy(hash, parts[k].hash, sizeof hash);
			hash[64] = '\0';
			rc = part_store(r, hash, json + parts[k].start, parts[k].end - parts[k].start);
			memcpy(parts[k].hash, hash, sizeof hash);
			if (n > 1)
				sigma_buf_printf(&index, "%s\"%s\"", k ? "," : "", hash);
		}
		if (!rc && n > 1) {
			sigma_buf_putc(&index, ']');
			if ((rc = sigma_buf_error(&index)) == 0)
				rc = part_store(r, index_hash, index.ptr, index.len);
		}
		if (rc)
			goto out;
	}
	sqlite3_stmt *s = stmt(r, ST_SUB_PUT);
	if (!s) {
		rc = db_fail(r, "store submission certificate");
		goto out;
	}
	bind_text(s, 1, a->repository);
	bind_text(s, 2, a->ref);
	bind_text(s, 3, a->commit);
	bind_text(s, 4, a->id);
	bind_text(s, 5, a->decision);
	bind_text(s, 6, now);
	if (split) {
		elided = sigma_xmalloc(len - (pe - ps) + 1);
		memcpy(elided, json, ps);
		memcpy(elided + ps, json + pe, len - pe + 1);
		sqlite3_bind_text(s, 7, elided, -1, SQLITE_STATIC);
		if (n > 1)
			sqlite3_bind_null(s, 8);
		else
			bind_text(s, 8, hash);
		sqlite3_bind_int64(s, 9, (sqlite3_int64)ps);
		if (n > 1)
			bind_text(s, 10, index_hash);
		else
			sqlite3_bind_null(s, 10);
	} else {
		sqlite3_bind_text(s, 7, json, -1, SQLITE_STATIC);
		sqlite3_bind_null(s, 8);
		sqlite3_bind_null(s, 9);
		sqlite3_bind_null(s, 10);
	}
	rc = step_done(r, s, "store submission certificate");
out:
	free(elided);
	sigma_buf_dispose(&index);
	return rc;
}

int registry_submission_put(registry *r, const char *repository, const char *ref,
                            const char *commit, const char *id, const char *decision,
                            const char *certificate_json, registry_part_at *parts, size_t nparts)
{
	submission_row a = { repository, ref, commit, id, decision, certificate_json, parts, nparts };
	/* One transaction: the parts, the index and the row that names them
	 * land together (and 500 parts cost one commit, not 500). */
	return registry_transaction(r, submission_put_tx, &a);
}

int registry_submission_get(char **out, registry *r, const char *commit)
{
	sqlite3_stmt *s = stmt(r, ST_SUB_GET);
	if (!s)
		return db_fail(r, "read submission certificate");
	bind_text(s, 1, commit);
	int rc = sigma_error_set(SIGMA_ENOTFOUND, "no certificate for commit %s", commit);
	if (sqlite3_step(s) == SQLITE_ROW) {
		*out = sigma_xstrdup(col_text(s, 0));
		rc = 0;
	}
	sqlite3_reset(s);
	return rc;
}

int registry_heads(registry *r, registry_head_fn fn, void *ctx)
{
	sqlite3_stmt *s = NULL;
	/* The latest judged commit of every (repository, ref): what each
	 * branch carries now, as far as sigma saw it. By insertion order, not
	 * issued_at: two pushes within one second share a timestamp. */
	if (sqlite3_prepare_v2(r->db,
	                       "SELECT repository, ref, commit_oid FROM submissions"
	                       " WHERE rowid IN (SELECT max(rowid) FROM submissions GROUP BY repository, ref)"
	                       " ORDER BY repository, ref", -1, &s, NULL) != SQLITE_OK)
		return db_fail(r, "read submissions");
	int rc = 0, step;
	while (!rc && (step = sqlite3_step(s)) == SQLITE_ROW)
		rc = fn(ctx, col_text(s, 0), col_text(s, 1), col_text(s, 2));
	if (!rc && step != SQLITE_DONE && step != SQLITE_ROW)
		rc = db_fail(r, "read submissions");
	sqlite3_finalize(s);
	return rc;
}

/* ---------------------------------------------------------------- advisories */

int registry_advisories_summary(registry *r, long *count, char last[32])
{
	sqlite3_stmt *s = NULL;
	*count = 0;
	last[0] = '\0';
	if (sqlite3_prepare_v2(r->db, "SELECT count(*), max(imported_at) FROM advisories", -1, &s, NULL) != SQLITE_OK)
		return db_fail(r, "advisories");
	int rc = 0;
	if (sqlite3_step(s) == SQLITE_ROW) {
		*count = (long)sqlite3_column_int64(s, 0);
		copy_field(last, 32, col_text(s, 1));
	} else {
		rc = db_fail(r, "advisories");
	}
	sqlite3_finalize(s);
	return rc;
}

int registry_advisory_put(registry *r, const registry_advisory *a, int *changed)
{
	char now[32];
	sigma_utc_now(now);
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(r->db,
	                       "INSERT OR REPLACE INTO advisories(id, ecosystem, name, malicious, severity, summary,"
	                       " affected, modified, imported_at, aliases, score)"
	                       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	                       -1, &s, NULL) != SQLITE_OK)
		return db_fail(r, "store advisory");
	bind_text(s, 1, a->id);
	bind_text(s, 2, a->ecosystem);
	bind_text(s, 3, a->name);
	sqlite3_bind_int(s, 4, a->malicious ? 1 : 0);
	bind_text(s, 5, a->severity ? a->severity : "");
	bind_text(s, 6, a->summary);
	bind_text(s, 7, a->affected_json);
	bind_text(s, 8, a->modified);
	bind_text(s, 9, now);
	bind_text(s, 10, a->aliases_json);
	if (a->score >= 0)
		sqlite3_bind_double(s, 11, a->score);
	else
		sqlite3_bind_null(s, 11);
	int rc = sqlite3_step(s) == SQLITE_DONE ? 0 : db_fail(r, "store advisory");
	if (changed)
		*changed = !rc && sqlite3_changes(r->db) > 0;
	sqlite3_finalize(s);
	return rc;
}

int registry_advisory_modified(registry *r, const char *id, char out[64])
{
	sqlite3_stmt *s = NULL;
	out[0] = '\0';
	if (sqlite3_prepare_v2(r->db, "SELECT max(modified) FROM advisories WHERE id=?1", -1, &s, NULL) != SQLITE_OK)
		return db_fail(r, "read advisory");
	bind_text(s, 1, id);
	int rc = 0;
	if (sqlite3_step(s) == SQLITE_ROW)
		copy_field(out, 64, col_text(s, 0));
	else
		rc = db_fail(r, "read advisory");
	sqlite3_finalize(s);
	return rc;
}

int registry_advisory_rows(registry *r, const char *ecosystem, const char *name, registry_advisory_row_fn fn,
                           void *ctx)
{
	sqlite3_stmt *s = stmt(r, ST_ADVISORIES);
	if (!s)
		return db_fail(r, "read advisories");
	bind_text(s, 1, ecosystem);
	bind_text(s, 2, name);
	int rc = 0, step;
	while (!rc && (step = sqlite3_step(s)) == SQLITE_ROW) {
		registry_advisory a = {
			.id = col_text(s, 0), .ecosystem = ecosystem, .name = name, .malicious = sqlite3_column_int(s, 1),
			.severity = col_text(s, 2), .summary = col_text(s, 3), .affected_json = col_text(s, 4),
			.modified = col_text(s, 5), .aliases_json = col_text(s, 6),
			.score = sqlite3_column_type(s, 7) == SQLITE_NULL ? -1 : sqlite3_column_double(s, 7),
		};
		rc = fn(ctx, &a);
	}
	if (!rc && step != SQLITE_DONE && step != SQLITE_ROW)
		rc = db_fail(r, "read advisories");
	sqlite3_reset(s);
	return rc;
}

int registry_advisories_counts(registry *r, long *malicious, long *other, long *blocks, char last[32])
{
	sqlite3_stmt *s = NULL;
	*malicious = *other = *blocks = 0;
	last[0] = '\0';
	if (sqlite3_prepare_v2(r->db,
	                       "SELECT (SELECT count(DISTINCT id) FROM advisories WHERE malicious=1),"
	                       " (SELECT count(DISTINCT id) FROM advisories WHERE malicious=0),"
	                       " (SELECT count(*) FROM blocks WHERE source LIKE 'osv:%'),"
	                       " (SELECT max(imported_at) FROM advisories)", -1, &s, NULL) != SQLITE_OK)
		return db_fail(r, "advisories");
	int rc = 0;
	if (sqlite3_step(s) == SQLITE_ROW) {
		*malicious = (long)sqlite3_column_int64(s, 0);
		*other = (long)sqlite3_column_int64(s, 1);
		*blocks = (long)sqlite3_column_int64(s, 2);
		copy_field(last, 32, col_text(s, 3));
	} else {
		rc = db_fail(r, "advisories");
	}
	sqlite3_finalize(s);
	return rc;
}

/* ---------------------------------------------------------------- releases */

int registry_release_put(registry *r, const char *ecosystem, const char *name, const char *version,
                         const char *published_at, const char *publisher)
{
	sqlite3_stmt *s = NULL;
	/* A publisher once known is kept when a later write (from a document
	 * that does not name it) has none. */
	if (sqlite3_prepare_v2(r->db,
	                       "INSERT INTO releases(ecosystem, name, version, published_at, publisher)"
	                       " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(ecosystem, name, version) DO UPDATE SET"
	                       " published_at=excluded.published_at,"
	                       " publisher=coalesce(excluded.publisher, releases.publisher)"
	                       " WHERE releases.published_at IS NOT excluded.published_at"
	                       "    OR (excluded.publisher IS NOT NULL AND releases.publisher IS NOT excluded.publisher)",
	                       -1, &s, NULL) != SQLITE_OK)
		return db_fail(r, "store release");
	bind_text(s, 1, ecosystem);
	bind_text(s, 2, name);
	bind_text(s, 3, version);
	bind_text(s, 4, published_at);
	bind_text(s, 5, publisher);
	int rc = sqlite3_step(s) == SQLITE_DONE ? 0 : db_fail(r, "store release");
	sqlite3_finalize(s);
	return rc;
}

int registry_release_get(registry *r, const char *ecosystem, const char *name, const char *version, char out[40])
{
	sqlite3_stmt *s = stmt(r, ST_RELEASE_ONE);
	if (!s)
		return db_fail(r, "read release");
	bind_text(s, 1, ecosystem);
	bind_text(s, 2, name);
	bind_text(s, 3, version);
	int rc = SIGMA_ENOTFOUND, step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		copy_field(out, 40, col_text(s, 0));
		rc = 0;
	} else if (step != SQLITE_DONE) {
		rc = db_fail(r, "read release");
	}
	sqlite3_reset(s);
	return rc;
}

int registry_releases_of(registry *r, const char *ecosystem, const char *name, registry_release_fn fn, void *ctx)
{
	sqlite3_stmt *s = stmt(r, ST_RELEASES);
	if (!s)
		return db_fail(r, "read releases");
	bind_text(s, 1, ecosystem);
	bind_text(s, 2, name);
	int rc = 0, step;
	while (!rc && (step = sqlite3_step(s)) == SQLITE_ROW)
		rc = fn(ctx, col_text(s, 0), col_text(s, 1), col_text(s, 2));
	if (!rc && step != SQLITE_DONE && step != SQLITE_ROW)
		rc = db_fail(r, "read releases");
	sqlite3_reset(s);
	return rc;
}

/* ---------------------------------------------------------------- waivers */

int registry_waiver_put(registry *r, const registry_waiver *w)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(r->db,
	                       "INSERT OR REPLACE INTO waivers(ecosystem, name, version, advisory, reason, created_by,"
	                       " created_at, expires, override_block) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	                       -1, &s, NULL) != SQLITE_OK)
		return db_fail(r, "store waiver");
	bind_text(s, 1, w->ecosystem);
	bind_text(s, 2, w->name);
	bind_text(s, 3, w->version);
	bind_text(s, 4, w->advisory ? w->advisory : "");
	bind_text(s, 5, w->reason);
	bind_text(s, 6, w->created_by);
	bind_text(s, 7, w->created_at);
	bind_text(s, 8, w->expires && *w->expires ? w->expires : NULL);
	sqlite3_bind_int(s, 9, w->override_block ? 1 : 0);
	int rc = sqlite3_step(s) == SQLITE_DONE ? 0 : db_fail(r, "store waiver");
	sqlite3_finalize(s);
	return rc;
}

int registry_waiver_remove(registry *r, const char *ecosystem, const char *name, const char *version,
                           const char *advisory)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(r->db,
	                       "DELETE FROM waivers WHERE ecosystem=?1 AND name=?2 AND version=?3 AND advisory=?4",
	                       -1, &s, NULL) != SQLITE_OK)
		return db_fail(r, "remove waiver");
	bind_text(s, 1, ecosystem);
	bind_text(s, 2, name);
	bind_text(s, 3, version);
	bind_text(s, 4, advisory ? advisory : "");
	int rc = sqlite3_step(s) == SQLITE_DONE ? 0 : db_fail(r, "remove waiver");
	if (!rc && sqlite3_changes(r->db) == 0)
		rc = sigma_error_set(SIGMA_ENOTFOUND, "no waiver for %s %s %s%s%s", ecosystem, name, version,
		                     advisory && *advisory ? " and advisory " : "", advisory ? advisory : "");
	sqlite3_finalize(s);
	return rc;
}

int registry_waivers(registry *r, registry_waiver_fn fn, void *ctx)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(r->db,
	                       "SELECT ecosystem, name, version, advisory, reason, created_by, created_at, expires,"
	                       " override_block FROM waivers ORDER BY ecosystem, name, version, advisory",
	                       -1, &s, NULL) != SQLITE_OK)
		return db_fail(r, "read waivers");
	int rc = 0, step;
	while (!rc && (step = sqlite3_step(s)) == SQLITE_ROW) {
		registry_waiver w = {
			.ecosystem = col_text(s, 0), .name = col_text(s, 1), .version = col_text(s, 2),
			.advisory = col_text(s, 3), .reason = col_text(s, 4), .created_by = col_text(s, 5),
			.created_at = col_text(s, 6), .expires = col_text(s, 7), .override_block = sqlite3_column_int(s, 8),
		};
		rc = fn(ctx, &w);
	}
	if (!rc && step != SQLITE_DONE && step != SQLITE_ROW)
		rc = db_fail(r, "read waivers");
	sqlite3_finalize(s);
	return rc;
}

/* One DELETE with one text parameter; *changed gets the rows removed. */
static int delete_where(registry *r, const char *sql, const char *value, int *changed, const char *what)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(r->db, sql, -1, &s, NULL) != SQLITE_OK)
		return db_fail(r, what);
	bind_text(s, 1, value);
	int rc = sqlite3_step(s) == SQLITE_DONE ? 0 : db_fail(r, what);
	if (!rc && changed)
		*changed = sqlite3_changes(r->db);
	sqlite3_finalize(s);
	return rc;
}

int registry_advisory_drop(registry *r, const char *id)
{
	return delete_where(r, "DELETE FROM advisories WHERE id=?1", id, NULL, "drop advisory");
}

int registry_unblock_source(registry *r, const char *source, int *lifted)
{
	if (lifted)
		*lifted = 0;
	return delete_where(r, "DELETE FROM blocks WHERE source=?1", source, lifted, "unblock");
}

int registry_advisories_of(registry *r, const char *ecosystem, const char *name, registry_advisory_fn fn,
                           void *ctx)
{
	sqlite3_stmt *s = NULL;
	int prc = sqlite3_prepare_v2(r->db,
	                             "SELECT id, malicious, severity, summary, affected FROM advisories"
	                             " WHERE ecosystem=?1 AND name=?2 ORDER BY id", -1, &s, NULL);
	if (prc != SQLITE_OK) {
		/* A database from before migration 2, opened read-only: no records. */
		if (strstr(sqlite3_errmsg(r->db), "no such table"))
			return 0;
		return db_fail(r, "read advisories");
	}
	bind_text(s, 1, ecosystem);
	bind_text(s, 2, name);
	int rc = 0, step;
	while (!rc && (step = sqlite3_step(s)) == SQLITE_ROW)
		rc = fn(ctx, col_text(s, 0), sqlite3_column_int(s, 1), col_text(s, 2), col_text(s, 3), col_text(s, 4));
	if (!rc && step != SQLITE_DONE && step != SQLITE_ROW)
		rc = db_fail(r, "read advisories");
	sqlite3_finalize(s);
	return rc;
}

int registry_certificates_of(registry *r, const char *ecosystem, const char *name, const char *version,
                             registry_visit_fn fn, void *ctx)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(r->db,
	                       "SELECT body FROM certificates WHERE ecosystem=?1 AND name=?2 AND version=?3"
	                       " ORDER BY certified_at", -1, &s, NULL) != SQLITE_OK)
		return db_fail(r, "read certificates");
	bind_text(s, 1, ecosystem);
	bind_text(s, 2, name);
	bind_text(s, 3, version);
	int rc = 0, step;
	while (!rc && (step = sqlite3_step(s)) == SQLITE_ROW)
		rc = fn(ctx, col_text(s, 0));
	if (!rc && step != SQLITE_DONE && step != SQLITE_ROW)
		rc = db_fail(r, "read certificates");
	sqlite3_finalize(s);
	return rc;
}

/* ---------------------------------------------------------------- generation and parts */

int registry_generation(registry *r, int64_t *out)
{
	sqlite3_stmt *s = stmt(r, ST_GENERATION);
	if (!s)
		return db_fail(r, "read the registry generation");
	int rc = sqlite3_step(s) == SQLITE_ROW ? 0 : db_fail(r, "read the registry generation");
	if (!rc)
		*out = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc;
}

int registry_part_put(registry *r, char hash[65], const char *text, size_t len)
{
	sigma_sha256_hex(text, len, hash);
	sqlite3_stmt *s = stmt(r, ST_PART_PUT);
	if (!s)
		return db_fail(r, "store a certificate part");
	bind_text(s, 1, hash);
	sqlite3_bind_text(s, 2, text, (int)len, SQLITE_STATIC);
	return step_done(r, s, "store a certificate part");
}

int registry_part_has(registry *r, const char *hash)
{
	sqlite3_stmt *s = stmt(r, ST_PART_HAS);
	if (!s)
		return 0;
	bind_text(s, 1, hash);
	int have = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_reset(s);
	return have;
}

int registry_part_get(char **out, registry *r, const char *hash)
{
	sqlite3_stmt *s = stmt(r, ST_PART_GET);
	if (!s)
		return db_fail(r, "read a certificate part");
	bind_text(s, 1, hash);
	int rc = SIGMA_ENOTFOUND;
	if (sqlite3_step(s) == SQLITE_ROW) {
		*out = sigma_xstrdup(col_text(s, 0));
		rc = 0;
	}
	sqlite3_reset(s);
	return rc;
}
