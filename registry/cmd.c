/* cmd.c: `sigma registry` — the admin's view of the Package Trust Registry.
 *
 *   init [--group G] [--system]  create the database (idempotent), shared with
 *                                group G (default: "sigma" when it exists)
 *   migrate                      bring an older schema up to date
 *   show ECO NAME VERSION        one package's record
 *   list [--status S]            every record, optionally one status
 *   block ECO NAME VERSION|'*' --reason TEXT
 *   unblock ECO NAME VERSION|'*'
 *   import FILE|DIR              package certificates as JSON lines ('-' = stdin),
 *                                or OSV records: one JSON file, a directory of
 *                                them, or a zip (OSV's per-ecosystem export);
 *                                OSV is told apart by content ("id" + "affected")
 *   export                       the same, to stdout
 *
 * Every subcommand takes --db PATH and, where output is a record, --json. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "common/buf.h"
#include "common/cli.h"
#include "common/config.h"
#include "common/error.h"
#include "common/util.h"
#include "registry/cmd.h"
#include "registry/db.h"
#include "registry/open.h"
#include "registry/osv.h"

typedef struct registry_opts {
	const char *db;
	const char *status;
	const char *reason;
	const char *group;
	const char *expires;
	const char *advisory;
	int json;
	int system;
	int waivers;
	int override_block;
} registry_opts;

/* ---------------------------------------------------------------- output */

static const char *jstr(const cJSON *o, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

typedef struct printer {
	int json;
	int count;
} printer;

/* One record: a JSON line, or a short human line plus its reasons. */
static int print_record(void *ctx, const char *json)
{
	printer *p = ctx;
	p->count++;
	if (p->json) {
		puts(json);
		return 0;
	}
	cJSON *j = cJSON_Parse(json);
	const char *level = jstr(j, "security_level");
	printf("%-5s %-40s %-14s %-11s%s%s\n", jstr(j, "ecosystem"), jstr(j, "name"),
	       jstr(j, "version"), jstr(j, "status"), level && *level ? " " : "", level ? level : "");
	const cJSON *reason;
	cJSON_ArrayForEach(reason, cJSON_GetObjectItemCaseSensitive(j, "reasons")) {
		const char *scope = jstr(reason, "scope");
		printf("      %s: %s%s%s%s\n", jstr(reason, "code") ? jstr(reason, "code") : "?",
		       jstr(reason, "message") ? jstr(reason, "message") : "",
		       scope ? " (" : "", scope ? scope : "", scope ? ")" : "");
	}
	cJSON_Delete(j);
	return 0;
}

/* ---------------------------------------------------------------- affected */

typedef struct affected_ctx {
	registry *r;
	const char *eco, *name, *version; /* version NULL: any */
	int json, quiet, count;
} affected_ctx;

/* One branch head: does its certificate carry the package? A certificate
 * lists every package of every lockfile, with its depth and lockfile. */
static int affected_head(void *ctx, const char *repository, const char *ref, const char *commit)
{
	affected_ctx *a = ctx;
	char *text = NULL;
	if (registry_submission_get(&text, a->r, commit)) {
		sigma_error_clear();
		return 0;
	}
	cJSON *c = cJSON_Parse(text);
	const cJSON *p;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(c, "packages")) {
		const char *eco = jstr(p, "ecosystem"), *name = jstr(p, "name"), *version = jstr(p, "version");
		if (!eco || !name || !version || strcmp(eco, a->eco) || strcmp(name, a->name) ||
		    (a->version && strcmp(a->version, "*") && strcmp(version, a->version)))
			continue;
		const cJSON *depth = cJSON_GetObjectItemCaseSensitive(p, "depth");
		int d = cJSON_IsNumber(depth) ? depth->valueint : -1;
		a->count++;
		if (a->quiet)
			continue;
		if (a->json) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "repository", repository);
			cJSON_AddStringToObject(o, "ref", ref ? ref : "");
			cJSON_AddStringToObject(o, "commit", commit);
			cJSON_AddStringToObject(o, "version", version);
			cJSON_AddNumberToObject(o, "depth", d);
			cJSON_AddStringToObject(o, "lockfile", jstr(p, "lockfile") ? jstr(p, "lockfile") : "");
			char *line = cJSON_PrintUnformatted(o);
			puts(line);
			free(line);
			cJSON_Delete(o);
		} else {
			printf("%s %s %.12s  %s@%s  depth %d  %s\n", repository, ref ? ref : "-", commit, name, version, d,
			       jstr(p, "lockfile") ? jstr(p, "lockfile") : "");
		}
	}
	cJSON_Delete(c);
	free(text);
	return 0;
}

/* ---------------------------------------------------------------- waivers */

/* YYYY-MM-DD with a month and day that exist (leap years included). */
static int valid_day(const char *s)
{
	int y, m, d;
	char rest;
	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &rest) != 3 || s[4] != '-' || s[7] != '-')
		return 0;
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m >= 1 && m <= 12 && d >= 1 && d <= days[m - 1] + (m == 2 && leap);
}

/* Who records a waiver: the login name (sudo's caller when run via sudo). */
static char *who_am_i(void)
{
	const char *sudo = getenv("SUDO_USER");
	if (sudo && *sudo)
		return sigma_xstrdup(sudo);
	struct passwd *pw = getpwuid(getuid());
	return pw && pw->pw_name ? sigma_xstrdup(pw->pw_name) : sigma_xasprintf("uid %u", (unsigned)getuid());
}

static int print_waiver(void *ctx, const registry_waiver *w)
{
	printer *p = ctx;
	p->count++;
	char now[32];
	sigma_utc_now(now);
	int expired = w->expires && strncmp(now, w->expires, 10) > 0;
	if (p->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "ecosystem", w->ecosystem);
		cJSON_AddStringToObject(o, "name", w->name);
		cJSON_AddStringToObject(o, "version", w->version);
		if (w->advisory && *w->advisory)
			cJSON_AddStringToObject(o, "advisory", w->advisory);
		cJSON_AddStringToObject(o, "reason", w->reason);
		cJSON_AddStringToObject(o, "by", w->created_by);
		cJSON_AddStringToObject(o, "at", w->created_at);
		if (w->expires)
			cJSON_AddStringToObject(o, "expires", w->expires);
		cJSON_AddBoolToObject(o, "expired", expired);
		cJSON_AddBoolToObject(o, "override_block", w->override_block);
		char *text = cJSON_PrintUnformatted(o);
		puts(text);
		free(text);
		cJSON_Delete(o);
		return 0;
	}
	printf("%-5s %-40s %-14s %s%s%s\n      %s (by %s on %.10s%s%s)%s\n", w->ecosystem, w->name, w->version,
	       *w->advisory ? "advisory " : "all", w->advisory, w->override_block ? ", blocks too" : "", w->reason,
	       w->created_by, w->created_at, w->expires ? ", until " : "", w->expires ? w->expires : "",
	       expired ? " EXPIRED" : "");
	return 0;
}

static int count_waiver(void *ctx, const registry_waiver *w)
{
	(void)w;
	(*(long *)ctx)++;
	return 0;
}

/* `sigma registry status`: what the registry holds, and how fresh its OSV
 * data is (the same numbers as sigma serve's /metrics). */
static int print_status(registry *r)
{
	long mal = 0, other = 0, osv_blocks = 0, waivers = 0;
	char last[32];
	int rc = registry_advisories_counts(r, &mal, &other, &osv_blocks, last);
	if (!rc)
		rc = registry_waivers(r, count_waiver, &waivers);
	if (rc)
		return rc;
	printf("registry:   %s (schema %d%s)\n", registry_path(r), registry_schema(r),
	       registry_is_readonly(r) ? ", read-only" : "");
	printf("osv:        %ld malicious-package records (%ld blocks), %ld advisories\n", mal, osv_blocks, other);
	printf("imported:   %s\n", last[0] ? last : "never (sigma registry import OSV-EXPORT.zip)");
	printf("waivers:    %ld\n", waivers);
	return 0;
}

/* ---------------------------------------------------------------- import */

typedef struct import_ctx {
	const char *file;
	sigma_buf text;
	int imported, blocks;
} import_ctx;

static int is_admin_reason(const cJSON *reason)
{
	const char *code = jstr(reason, "code");
	return code && strcmp(code, "admin") == 0;
}

/* One JSON line: admin reasons become blocks; the rest, when it carries a
 * review (verdict or certificate id) or a non-admin status, a certificate. */
static int import_one(registry *r, import_ctx *c, cJSON *j, int line)
{
	const char *eco = jstr(j, "ecosystem"), *name = jstr(j, "name"), *version = jstr(j, "version");
	if (!eco || !name || !version)
		return sigma_error_set(SIGMA_EINVALID, "%s:%d: needs \"ecosystem\", \"name\" and \"version\"",
		                       c->file, line);
	cJSON *reasons = cJSON_GetObjectItemCaseSensitive(j, "reasons");
	int other_reasons = 0;
	for (int i = cJSON_GetArraySize(reasons) - 1; i >= 0; i--) {
		cJSON *reason = cJSON_GetArrayItem(reasons, i);
		if (!is_admin_reason(reason)) {
			other_reasons++;
			continue;
		}
		int rc = registry_block(r, eco, name, version,
		                        jstr(reason, "message") ? jstr(reason, "message") : "", "admin");
		if (rc)
			return sigma_error_wrap(rc, "%s:%d: ", c->file, line);
		c->blocks++;
		cJSON_DeleteItemFromArray(reasons, i);
	}
	const char *status = jstr(j, "status");
	int reviewed = jstr(j, "verdict") || jstr(j, "certificate_id");
	if (!reviewed && !other_reasons && (!status || !strcmp(status, "blocked") || !strcmp(status, "uncertified")))
		return 0; /* nothing but the admin block(s) */
	if (status && !strcmp(status, "blocked") && !other_reasons) {
		/* Blocked only by the admin reasons just moved to `blocks`: keep the
		 * council's own word as the certificate's status. */
		const char *verdict = jstr(j, "verdict");
		const char *own = verdict && !strcmp(verdict, "REJECTED") ? "blocked"
		                : verdict && !strcmp(verdict, "FLAGGED") ? "flagged"
		                : verdict ? "certified" : "uncertified";
		cJSON_ReplaceItemInObjectCaseSensitive(j, "status", cJSON_CreateString(own));
	}
	char *text = cJSON_PrintUnformatted(j);
	int rc = registry_certificate_put(r, text);
	free(text);
	if (rc)
		return sigma_error_wrap(rc, "%s:%d: ", c->file, line);
	c->imported++;
	return 0;
}

static int import_all(registry *r, void *ctx)
{
	import_ctx *c = ctx;
	char *p = c->text.ptr, *end = c->text.ptr + c->text.len;
	for (int line = 1; p < end; line++) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		size_t skip = 0;
		while (skip < len && (p[skip] == ' ' || p[skip] == '\t' || p[skip] == '\r'))
			skip++;
		if (skip < len) {
			cJSON *j = cJSON_ParseWithLength(p, len);
			if (!cJSON_IsObject(j)) {
				cJSON_Delete(j);
				return sigma_error_set(SIGMA_EINVALID, "%s:%d: not a JSON object", c->file, line);
			}
			int rc = import_one(r, c, j, line);
			cJSON_Delete(j);
			if (rc)
				return rc;
		}
		p += len + 1;
	}
	return 0;
}

typedef struct osv_text {
	sigma_buf *text;
	osv_stats *stats;
} osv_text;

static int import_osv_text(registry *r, void *ctx)
{
	osv_text *t = ctx;
	return osv_import_json(r, t->text->ptr, t->text->len, "-", t->stats);
}

/* ---------------------------------------------------------------- command */

static int parse_opts(registry_opts *o, int argc, char **argv, const char *sub)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "status", required_argument, NULL, 's' },
		{ "reason", required_argument, NULL, 'r' },
		{ "group", required_argument, NULL, 'g' },
		{ "system", no_argument, NULL, 'S' },
		{ "expires", required_argument, NULL, 'e' },
		{ "advisory", required_argument, NULL, 'a' },
		{ "waivers", no_argument, NULL, 'w' },
		{ "override-block", no_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': o->db = optarg; break;
		case 'j': o->json = 1; break;
		case 's': o->status = optarg; break;
		case 'r': o->reason = optarg; break;
		case 'g': o->group = optarg; break;
		case 'S': o->system = 1; break;
		case 'e': o->expires = optarg; break;
		case 'a': o->advisory = optarg; break;
		case 'w': o->waivers = 1; break;
		case 'O': o->override_block = 1; break;
		case 'h': return -1;
		default:
			return cli_usage_error("registry", "registry %s: unknown option '%s'", sub, argv[optind - 1]);
		}
	}
	return 0;
}

static int check_eco(const char *eco)
{
	if (strcmp(eco, "npm") && strcmp(eco, "pypi"))
		return cli_usage_error("registry", "unknown ecosystem '%s' (npm or pypi)", eco);
	return 0;
}

static int registry_open_cli(registry **out, const char *cli_db, int paths, int flags, char **path_out);

/* `sigma registry init`: the one command that creates a registry. With a
 * group (--group, or "sigma" when that group exists) the directory is
 * setgid 2770 and the files 0660, so the git user that runs the hook and
 * the admin who blocks packages can both write it. */
static int init_main(const registry_opts *o)
{
	sigma_config cfg;
	registry *r = NULL;
	char *path = NULL, *origin = NULL;
	gid_t gid = 0;
	int have_group = 0, status = 1;
	int rc = config_load(&cfg, NULL);
	if (rc)
		return cli_fail(2);
	cfg.paths = o->system ? CONFIG_PATHS_SYSTEM : CONFIG_PATHS_AUTO;
	if ((rc = registry_group(&gid, &have_group, o->group)) ||
	    (rc = config_db_locate(&path, &origin, o->db, &cfg))) {
		status = cli_fail(2);
		goto out;
	}
	/* The registry's own directory is adopted (given to the group) when it
	 * is the server's state directory or the admin named the group. */
	char *state = sigma_xstrdup(SIGMA_STATE_DIR "/registry.db");
	int adopt = o->group || strcmp(path, state) == 0;
	free(state);
	mode_t old_mask = umask(have_group ? 007 : 077);
	rc = registry_prepare_dir(path, gid, have_group, adopt);
	if (!rc)
		rc = registry_open_ex(&r, path, REGISTRY_CREATE, NULL);
	umask(old_mask);
	if (!rc && have_group)
		rc = registry_share_files(path, gid);
	if (rc) {
		status = cli_fail(1);
		goto out;
	}
	struct group *g = have_group ? getgrgid(gid) : NULL;
	printf("registry ready: %s (schema %d, %s)\n", path, registry_schema(r), origin);
	if (g)
		printf("shared with group %s: directory 2770, files 0660; add the git user to it (usermod -aG %s git)\n",
		       g->gr_name, g->gr_name);
	else if (config_server_paths(&cfg))
		printf("owner only (uid %u): there is no group 'sigma', so a hook running as another user cannot\n"
		       "open it. For a server: groupadd sigma; usermod -aG sigma git; sigma registry init --system\n",
		       (unsigned)geteuid());
	status = 0;
out:
	registry_close(r);
	free(path);
	free(origin);
	config_dispose(&cfg);
	return status;
}

int registry_cmd_main(int argc, char **argv)
{
	registry_opts o = { 0 };
	registry *r = NULL;
	int status = 0;
	if (argc < 2)
		return cli_usage_error("registry", "registry: which subcommand? init, migrate, show, list, block, unblock, import, export");
	const char *sub = argv[1];
	if (!strcmp(sub, "-h") || !strcmp(sub, "--help") || !strcmp(sub, "help")) {
		registry_cmd_help(stdout);
		return 0;
	}
	int rc = parse_opts(&o, argc - 1, argv + 1, sub);
	if (rc < 0) {
		registry_cmd_help(stdout);
		return 0;
	}
	if (rc)
		return rc;
	char **args = argv + 1 + optind;
	int nargs = argc - 1 - optind;
	int readonly = !strcmp(sub, "show") || !strcmp(sub, "list") || !strcmp(sub, "export") || !strcmp(sub, "status") ||
	               !strcmp(sub, "affected");

#define NEED(n, usage) \
	do { if (nargs != (n)) return cli_usage_error("registry", "usage: sigma registry %s", usage); } while (0)

	if (!strcmp(sub, "init")) NEED(0, "init [--db PATH | --system] [--group GROUP]");
	else if (!strcmp(sub, "migrate")) NEED(0, "migrate [--db PATH | --system]");
	else if (!strcmp(sub, "show")) NEED(3, "show ECOSYSTEM NAME VERSION [--json]");
	else if (!strcmp(sub, "list")) NEED(0, "list [--status S | --waivers] [--json]");
	else if (!strcmp(sub, "status")) NEED(0, "status");
	else if (!strcmp(sub, "affected")) {
		if (nargs != 2 && nargs != 3)
			return cli_usage_error("registry", "usage: sigma registry affected ECOSYSTEM NAME [VERSION]");
	}
	else if (!strcmp(sub, "allow"))
		NEED(3, "allow ECOSYSTEM NAME VERSION --reason TEXT [--expires YYYY-MM-DD] [--advisory ID] [--override-block]");
	else if (!strcmp(sub, "disallow")) NEED(3, "disallow ECOSYSTEM NAME VERSION [--advisory ID]");
	else if (!strcmp(sub, "block")) NEED(3, "block ECOSYSTEM NAME VERSION|'*' --reason TEXT");
	else if (!strcmp(sub, "unblock")) NEED(3, "unblock ECOSYSTEM NAME VERSION|'*'");
	else if (!strcmp(sub, "import")) NEED(1, "import FILE|DIR");
	else if (!strcmp(sub, "export")) NEED(0, "export");
	else
		return cli_usage_error("registry", "unknown registry subcommand '%s'", sub);
#undef NEED
	if ((nargs == 3 || !strcmp(sub, "affected")) && (rc = check_eco(args[0])))
		return rc;
	if ((!strcmp(sub, "block") || !strcmp(sub, "allow")) && (!o.reason || !*o.reason))
		return cli_usage_error("registry", "%s needs --reason TEXT: the pusher and the certificate will show it", sub);
	if ((o.expires || o.override_block) && strcmp(sub, "allow"))
		return cli_usage_error("registry", "--expires and --override-block go with allow");
	if (o.advisory && strcmp(sub, "allow") && strcmp(sub, "disallow"))
		return cli_usage_error("registry", "--advisory goes with allow or disallow");
	/* A waiver is for a version someone reviewed; '*' would waive versions
	 * nobody has seen yet. */
	if (!strcmp(sub, "allow") && nargs == 3 && !strcmp(args[2], "*"))
		return cli_usage_error("registry", "allow takes one version, not '*': a waiver is for what was reviewed");
	if (o.expires && !valid_day(o.expires))
		return cli_usage_error("registry", "--expires: expected a day as YYYY-MM-DD, got '%s'", o.expires);
	if (o.status && strcmp(o.status, "certified") && strcmp(o.status, "flagged") &&
	    strcmp(o.status, "blocked") && strcmp(o.status, "uncertified"))
		return cli_usage_error("registry", "unknown status '%s' (certified, flagged, blocked, uncertified)", o.status);

	if ((o.group || o.system) && strcmp(sub, "init") && strcmp(sub, "migrate"))
		return cli_usage_error("registry", "--group and --system go with init or migrate");
	if (!strcmp(sub, "init"))
		return init_main(&o);
	if ((rc = registry_open_cli(&r, o.db, o.system ? CONFIG_PATHS_SYSTEM : CONFIG_PATHS_AUTO,
	                            !strcmp(sub, "migrate") ? REGISTRY_MIGRATE
	                            : readonly ? REGISTRY_READONLY : REGISTRY_READWRITE, NULL)))
		return cli_fail(rc == SIGMA_ENOTFOUND || rc == SIGMA_EINVALID ? 2 : 1);

	printer pr = { .json = o.json };
	if (!strcmp(sub, "migrate")) {
		printf("registry ready: %s (schema %d)\n", registry_path(r), registry_schema(r));
	} else if (!strcmp(sub, "show")) {
		char *rec = NULL;
		rc = registry_record(&rec, r, args[0], args[1], args[2]);
		if (!rc)
			print_record(&pr, rec);
		free(rec);
	} else if (!strcmp(sub, "list") && o.waivers) {
		rc = registry_waivers(r, print_waiver, &pr);
		if (!rc && !o.json && !pr.count)
			printf("no waivers\n");
	} else if (!strcmp(sub, "status")) {
		rc = print_status(r);
	} else if (!strcmp(sub, "affected")) {
		affected_ctx a = { r, args[0], args[1], nargs == 3 ? args[2] : NULL, o.json, 0, 0 };
		rc = registry_heads(r, affected_head, &a);
		if (!rc && !o.json)
			printf("%d branch head%s carr%s %s%s%s\n", a.count, a.count == 1 ? "" : "s",
			       a.count == 1 ? "ies" : "y", args[1], nargs == 3 ? "@" : " (any version)",
			       nargs == 3 ? args[2] : "");
	} else if (!strcmp(sub, "allow")) {
		char now[32];
		sigma_utc_now(now);
		char *who = who_am_i();
		registry_waiver w = { .ecosystem = args[0], .name = args[1], .version = args[2],
		                      .advisory = o.advisory ? o.advisory : "", .reason = o.reason, .created_by = who,
		                      .created_at = now, .expires = o.expires, .override_block = o.override_block };
		rc = registry_waiver_put(r, &w);
		if (!rc)
			printf("allowed %s %s %s%s%s%s%s: %s\n", args[0], args[1], args[2],
			       o.advisory ? " for advisory " : "", o.advisory ? o.advisory : "",
			       o.expires ? " until " : "", o.expires ? o.expires : "", o.reason);
		free(who);
	} else if (!strcmp(sub, "disallow")) {
		rc = registry_waiver_remove(r, args[0], args[1], args[2], o.advisory);
		if (!rc)
			printf("disallowed %s %s %s%s%s\n", args[0], args[1], args[2], o.advisory ? " for advisory " : "",
			       o.advisory ? o.advisory : "");
		else if (rc == SIGMA_ENOTFOUND)
			status = 1;
	} else if (!strcmp(sub, "list")) {
		rc = registry_records(r, o.status, NULL, NULL, NULL, print_record, &pr);
		if (!rc && !o.json && !pr.count)
			printf("no records%s%s\n", o.status ? " with status " : "", o.status ? o.status : "");
	} else if (!strcmp(sub, "block")) {
		rc = registry_block(r, args[0], args[1], args[2], o.reason, "admin");
		if (!rc) {
			printf("blocked %s %s %s: %s\n", args[0], args[1], strcmp(args[2], "*") ? args[2] : "(every version)", o.reason);
			/* Already merged somewhere? Say so now: the next push of those
			 * branches only warns about it (it is not introduced). */
			affected_ctx a = { r, args[0], args[1], args[2], 0, 1, 0 };
			if (!registry_heads(r, affected_head, &a) && a.count)
				printf("%d branch head%s already carr%s it: sigma registry affected %s %s %s\n", a.count,
				       a.count == 1 ? "" : "s", a.count == 1 ? "ies" : "y", args[0], args[1], args[2]);
		}
	} else if (!strcmp(sub, "unblock")) {
		rc = registry_unblock(r, args[0], args[1], args[2], "admin");
		if (!rc)
			printf("unblocked %s %s %s\n", args[0], args[1], strcmp(args[2], "*") ? args[2] : "(every version)");
		else if (rc == SIGMA_ENOTFOUND)
			status = 1;
	} else if (!strcmp(sub, "import")) {
		import_ctx c = { .file = args[0] };
		sigma_buf_init(&c.text, (size_t)1 << 30);
		struct stat st;
		int dir = strcmp(args[0], "-") && stat(args[0], &st) == 0 && S_ISDIR(st.st_mode);
		if (!dir)
			rc = !strcmp(args[0], "-") ? sigma_buf_read_fd(&c.text, 0) : sigma_buf_read_file(&c.text, args[0]);
		int zip = !rc && c.text.len >= 4 && !memcmp(c.text.ptr, "PK\003\004", 4);
		if (!rc && (dir || zip || osv_looks_like(c.text.ptr, c.text.len))) {
			osv_stats os = { 0 };
			if (!strcmp(args[0], "-")) {
				osv_text ot = { &c.text, &os };
				rc = registry_transaction(r, import_osv_text, &ot);
			} else {
				rc = osv_import_path(r, args[0], &os);
			}
			if (!rc)
				printf("imported %d OSV records from %s: %d malicious (%d blocks), %d advisories, "
				       "%d without npm or PyPI packages",
				       os.records, args[0], os.malicious, os.blocks, os.advisories, os.skipped);
			if (!rc && os.withdrawn)
				printf(", %d withdrawn (%d blocks lifted)", os.withdrawn, os.lifted);
			if (!rc && os.unchanged)
				printf(", %d unchanged (already stored at that version)", os.unchanged);
			if (!rc)
				putchar('\n');
		} else if (!rc) {
			rc = registry_transaction(r, import_all, &c);
			if (!rc)
				printf("imported %d certificates and %d blocks from %s\n", c.imported, c.blocks, args[0]);
		}
		sigma_buf_dispose(&c.text);
	} else if (!strcmp(sub, "export")) {
		pr.json = 1;
		rc = registry_records(r, NULL, NULL, NULL, NULL, print_record, &pr);
	}
	if (rc && !status)
		status = rc == SIGMA_EINVALID ? 2 : 1;
	if (rc)
		cli_fail(status);
	registry_close(r);
	return status;
}

void registry_cmd_help(FILE *out)
{
	fputs("usage: sigma registry SUBCOMMAND [--db PATH] [--json]\n"
	      "\n"
	      "  init [--system] [--group GROUP]       create the registry database (the only command\n"
	      "                                        that does); shared with GROUP (default: the\n"
	      "                                        group 'sigma' when it exists)\n"
	      "  migrate [--system]                    bring an older schema up to date\n"
	      "  show ECOSYSTEM NAME VERSION           one package's record\n"
	      "  list [--status STATUS]                all records (certified|flagged|blocked|uncertified)\n"
	      "  block ECOSYSTEM NAME VERSION|'*' --reason TEXT\n"
	      "                                        refuse a version, or every version\n"
	      "  unblock ECOSYSTEM NAME VERSION|'*'    lift an admin block\n"
	      "  import FILE|DIR                       package certificates as JSON lines ('-' = stdin),\n"
	      "                                        or OSV records (a .json file, a directory, a zip):\n"
	      "                                        MAL- records block, others are kept as advisories\n"
	      "  export                                every record as JSON lines\n"
	      "  status                                what the registry holds, when OSV data was imported\n"
	      "  allow ECOSYSTEM NAME VERSION --reason TEXT [--expires YYYY-MM-DD] [--advisory ID]\n"
	      "        [--override-block]              a reviewed exception: the hook accepts this version\n"
	      "                                        (or only this advisory on it); blocks stay unless\n"
	      "                                        --override-block; expired waivers are ignored\n"
	      "  disallow ECOSYSTEM NAME VERSION [--advisory ID]   end a waiver\n"
	      "  list --waivers                        every waiver, expired ones marked\n"
	      "  affected ECOSYSTEM NAME [VERSION]     the repositories and branches whose latest judged\n"
	      "                                        commit carries it (after a block: who to tell)\n"
	      "\n"
	      "ECOSYSTEM is npm or pypi. The database is --db, else $SIGMA_DB, else the\n"
	      "sigma.database setting, else " SIGMA_STATE_DIR "/registry.db with --system or when\n"
	      SIGMA_STATE_DIR " exists, else $XDG_DATA_HOME/sigma/registry.db.\n", out);
}

static int registry_open_cli(registry **out, const char *cli_db, int paths, int flags, char **path_out)
{
	sigma_config cfg;
	int rc = config_load(&cfg, NULL);
	if (!rc) {
		cfg.paths = paths;
		rc = registry_open_configured(out, path_out, cli_db, &cfg, flags);
	}
	config_dispose(&cfg);
	return rc;
}

int registry_open_for_cli(registry **out, const char *cli_db, int readonly)
{
	return registry_open_cli(out, cli_db, CONFIG_PATHS_AUTO, readonly ? REGISTRY_READONLY : REGISTRY_READWRITE,
	                         NULL);
}
