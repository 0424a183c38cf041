/* test_registry.c: the Package Trust Registry on a real SQLite file.
 *
 * Lookups and their precedence (a block beats a certificate, '*' blocks
 * every version), certificates in and out, migrations (a newer schema is
 * refused), and the concurrency promise: several processes reading while one
 * writes, with no reader ever failing or seeing a half-written state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sqlite3.h>
#include "common/error.h"
#include "common/util.h"
#include "registry/db.h"
#include "tap.h"

static char dir[] = "/tmp/sigma-registry-test.XXXXXX";

static int count_line(void *ctx, const char *json)
{
	(void)json;
	(*(int *)ctx)++;
	return 0;
}

static void test_lookup_rules(const char *path)
{
	registry *r = NULL;
	ok(registry_open(&r, path, REGISTRY_CREATE) == 0, "open creates the database (%s)", sigma_error_last());
	registry_status st;
	registry_lookup(&st, r, "npm", "left-pad", "1.3.0");
	ok(!strcmp(st.status, "uncertified"), "an unknown package is uncertified");
	registry_status_dispose(&st);

	ok(registry_certificate_put(r, "{\"ecosystem\":\"npm\",\"name\":\"left-pad\",\"version\":\"1.3.0\","
	                               "\"status\":\"certified\",\"security_level\":\"LOW\",\"integrity\":\"sha512-x\","
	                               "\"verdict\":\"APPROVED\",\"certificate_id\":\"c1\"}") == 0,
	   "a certificate is stored");
	registry_lookup(&st, r, "npm", "left-pad", "1.3.0");
	ok(!strcmp(st.status, "certified") && !strcmp(st.security_level, "LOW") && sigma_streq(st.integrity, "sha512-x"),
	   "the certificate is what lookup returns");
	registry_status_dispose(&st);

	ok(registry_block(r, "npm", "left-pad", "*", "every version is bad", "admin") == 0, "block '*'");
	registry_lookup(&st, r, "npm", "left-pad", "1.3.0");
	ok(!strcmp(st.status, "blocked") && sigma_streq(st.reason, "every version is bad") &&
	   sigma_streq(st.reason_code, "admin"), "a '*' block beats the certificate");
	registry_status_dispose(&st);
	registry_lookup(&st, r, "npm", "left-pad", "9.9.9");
	ok(!strcmp(st.status, "blocked"), "a '*' block covers versions never seen");
	registry_status_dispose(&st);
	registry_lookup(&st, r, "pypi", "left-pad", "1.3.0");
	ok(!strcmp(st.status, "uncertified"), "blocks are per ecosystem");
	registry_status_dispose(&st);

	ok(registry_unblock(r, "npm", "left-pad", "*", "admin") == 0, "unblock '*'");
	ok(registry_unblock(r, "npm", "left-pad", "*", "admin") == SIGMA_ENOTFOUND, "unblocking twice says there was no block");
	registry_lookup(&st, r, "npm", "left-pad", "1.3.0");
	ok(!strcmp(st.status, "certified"), "after unblock the certificate speaks again");
	registry_status_dispose(&st);

	ok(registry_certificate_put(r, "{\"ecosystem\":\"npm\",\"name\":\"x\",\"version\":\"1\",\"status\":\"great\"}") ==
	   SIGMA_EINVALID, "an unknown status is refused (%s)", sigma_error_last());
	ok(registry_certificate_put(r, "{\"ecosystem\":\"cargo\",\"name\":\"x\",\"version\":\"1\",\"status\":\"certified\"}") ==
	   SIGMA_EINVALID, "an unknown ecosystem is refused");
	ok(registry_certificate_put(r, "{\"name\":\"x\"}") == SIGMA_EINVALID, "a certificate without its key is refused");

	/* Two certificates for one version (different artefacts): the worst wins. */
	registry_certificate_put(r, "{\"ecosystem\":\"npm\",\"name\":\"two\",\"version\":\"1.0.0\",\"status\":\"certified\","
	                            "\"distribution_sha256\":\"aa\"}");
	registry_certificate_put(r, "{\"ecosystem\":\"npm\",\"name\":\"two\",\"version\":\"1.0.0\",\"status\":\"blocked\","
	                            "\"distribution_sha256\":\"bb\",\"reasons\":[{\"code\":\"integrity-mismatch\",\"message\":\"sha512 differs\"}]}");
	registry_lookup(&st, r, "npm", "two", "1.0.0");
	ok(!strcmp(st.status, "blocked") && sigma_streq(st.reason_code, "integrity-mismatch"),
	   "of two certificates for one version, the blocked one wins");
	registry_status_dispose(&st);

	int n = 0;
	registry_records(r, "blocked", NULL, NULL, NULL, count_line, &n);
	ok(n == 1, "list --status blocked shows 'two' by its worst certificate (%d)", n);
	n = 0;
	registry_records(r, NULL, NULL, NULL, NULL, count_line, &n);
	ok(n == 2, "list shows one record per (ecosystem, name, version): %d", n);
	registry_close(r);
}

static void test_migrations(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_open(path, &db);
	sqlite3_stmt *s = NULL;
	int v = -1;
	sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	ok(v == REGISTRY_SCHEMA_VERSION, "the schema version is recorded in user_version (%d)", v);
	char *mode = NULL;
	sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL);
	if (sqlite3_step(s) == SQLITE_ROW)
		mode = sigma_xstrdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	ok(mode && !strcmp(mode, "wal"), "the database is in WAL mode (%s)", mode ? mode : "?");
	free(mode);
	sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
	sqlite3_close(db);
	registry *r = NULL;
	int rc = registry_open(&r, path, REGISTRY_READWRITE);
	ok(rc == SIGMA_EINVALID && strstr(sigma_error_last(), "schema 99 is newer"),
	   "a database from a newer sigma is refused, not damaged (%s)", sigma_error_last());
	registry_close(r);
	char *missing = sigma_xasprintf("%s/none.db", dir);
	ok(registry_open(&r, missing, REGISTRY_READONLY) == SIGMA_ENOTFOUND, "read-only open of a missing file says so");
	free(missing);
}

/* Readers and one writer at once. The writer flips a block on and off inside
 * transactions that also write a certificate; a reader must always see
 * either both or neither. */
static void test_concurrency(const char *path)
{
	enum { READERS = 4, ROUNDS = 150 };
	registry *r = NULL;
	registry_open(&r, path, REGISTRY_CREATE);
	registry_close(r);
	pid_t pids[READERS + 1];
	for (int i = 0; i <= READERS; i++) {
		pids[i] = fork();
		if (pids[i] != 0)
			continue;
		registry *c = NULL;
		if (registry_open(&c, path, REGISTRY_READWRITE))
			_exit(10);
		int bad = 0;
		for (int k = 0; k < ROUNDS && !bad; k++) {
			if (i == READERS) {
				/* the writer */
				if (k % 2 == 0)
					bad |= registry_block(c, "npm", "flip", "1.0.0", "on", "admin") != 0;
				else
					bad |= registry_unblock(c, "npm", "flip", "1.0.0", "admin") != 0;
			} else {
				registry_status st;
				bad |= registry_lookup(&st, c, "npm", "flip", "1.0.0") != 0;
				bad |= strcmp(st.status, "blocked") && strcmp(st.status, "uncertified");
				registry_status_dispose(&st);
			}
		}
		registry_close(c);
		_exit(bad ? 11 : 0);
	}
	int failures = 0;
	for (int i = 0; i <= READERS; i++) {
		int status = 0;
		waitpid(pids[i], &status, 0);
		failures += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	ok(failures == 0, "%d readers and a writer ran %d rounds each without an error (%d failed)", READERS, ROUNDS, failures);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return tap_done();
	}
	char *path = sigma_xasprintf("%s/sub/dir/registry.db", dir);
	test_lookup_rules(path);
	char *conc = sigma_xasprintf("%s/conc.db", dir);
	test_concurrency(conc);
	test_migrations(path);
	char *cmd = sigma_xasprintf("rm -rf %s", dir);
	(void)!system(cmd);
	free(cmd);
	free(path);
	free(conc);
	return tap_done();
}
