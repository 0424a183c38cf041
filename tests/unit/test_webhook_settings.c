/* test_webhook_settings.c: the parts of `sigma serve`'s configuration that
 * decide where a payload may send the service (issue 13, finding 7): the
 * web origin each forge gets by default, the new limits and their
 * defaults, and which [repository] section applies to a delivery of which
 * forge. Config files are written to a temporary directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <git2.h>
#include "common/error.h"
#include "tap.h"
#include "webhook/settings.h"

static char dir[] = "/tmp/sigma-settings-XXXXXX";

static int load(webhook_settings *s, const char *text)
{
	char path[128];
	snprintf(path, sizeof path, "%s/config", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return -100;
	fputs(text, f);
	fclose(f);
	return webhook_settings_load(s, path);
}

static const char *web(const webhook_settings *s, const char *forge)
{
	const webhook_forge *f = webhook_settings_forge(s, forge);
	return f && f->origin ? f->origin : "(none)";
}

int main(void)
{
	git_libgit2_init();
	if (!mkdtemp(dir)) {
		skip("cannot make a temporary directory");
		return tap_done();
	}
	webhook_settings s;
	int rc = load(&s, "[forge \"gh\"]\n type = github\n url = https://api.github.com\n secret = x\n"
	                  "[forge \"ghe\"]\n type = github\n url = https://ghe.example/api/v3/\n secret = x\n"
	                  "[forge \"gt\"]\n type = gitea\n url = http://127.0.0.1:3000/api/v1\n secret = x\n"
	                  "[forge \"gl\"]\n type = gitlab\n url = https://gitlab.example:8443/api/v4\n secret = x\n"
	                  "[forge \"own\"]\n type = gitea\n url = https://api.example/v1\n secret = x\n"
	                  " webUrl = https://git.example\n"
	                  "[repository \"octo/app\"]\n forge = gh\n url = /srv/git/app.git\n"
	                  "[repository \"gt-app\"]\n forge = gt\n name = octo/app\n path = /srv/gt/app.git\n"
	                  "[repository \"loose\"]\n name = octo/loose\n path = /srv/loose.git\n");
	ok(rc == 0, "five forges load (%s)", rc ? sigma_error_last() : "ok");
	if (rc)
		return tap_done();
	ok(!strcmp(web(&s, "gh"), "https://github.com:443"), "api.github.com clones from github.com: %s", web(&s, "gh"));
	ok(!strcmp(web(&s, "ghe"), "https://ghe.example:443"), "GHES: /api/v3 dropped: %s", web(&s, "ghe"));
	ok(!strcmp(web(&s, "gt"), "http://127.0.0.1:3000"), "Gitea: /api/v1 dropped, port kept: %s", web(&s, "gt"));
	ok(!strcmp(web(&s, "gl"), "https://gitlab.example:8443"), "GitLab: %s", web(&s, "gl"));
	ok(!strcmp(web(&s, "own"), "https://git.example:443"), "webUrl wins: %s", web(&s, "own"));

	const webhook_repository *r = webhook_settings_repository(&s, "gh", "octo/app");
	ok(r && r->url && !strcmp(r->url, "/srv/git/app.git"), "gh's octo/app: its own section (url)");
	r = webhook_settings_repository(&s, "gt", "octo/app");
	ok(r && r->path && !strcmp(r->path, "/srv/gt/app.git"), "gt's octo/app: gt's section, not gh's");
	ok(webhook_settings_repository(&s, "gl", "octo/app") == NULL, "gl's octo/app: no section (both name a forge)");
	ok(webhook_settings_repository(&s, "gh", "octo/loose") == NULL,
	   "a section without a forge, five forges configured: matches no delivery");
	r = webhook_settings_repository(&s, NULL, "loose");
	ok(r && !strcmp(r->key, "loose"), "an outbox row (no forge) still finds it by key");
	ok(s.receive_timeout_ms == 10000 && s.fetch_timeout_ms == 300000 && s.job_timeout_ms == 0 &&
	       s.max_connections == 4096 && s.max_per_address == 64 && s.unverified_max == 64 << 20,
	   "limits: receiveTimeout 10 s, fetchTimeout 300 s, jobTimeout from sigma.timeout, 4096 connections, "
	   "64 per address, 64 MiB unverified");
	webhook_settings_dispose(&s);

	rc = load(&s, "[forge \"gh\"]\n type = github\n url = https://api.github.com\n secret = x\n"
	              "[repository \"octo/loose\"]\n path = /srv/loose.git\n"
	              "[serve]\n jobTimeout = 2500\n maxConnectionsPerAddress = 0\n");
	ok(rc == 0 && webhook_settings_repository(&s, "gh", "octo/loose") != NULL && s.job_timeout_ms == 2500 &&
	       s.max_per_address == 0,
	   "one forge: a section without a forge is unambiguous and matches; jobTimeout and no per-address limit read");
	if (rc == 0)
		webhook_settings_dispose(&s);
	rc = load(&s, "[forge \"gh\"]\n type = github\n url = ssh://git.example\n secret = x\n");
	ok(rc == SIGMA_EINVALID && strstr(sigma_error_last(), "webUrl"), "a forge without an http(s) origin: %s",
	   sigma_error_last());
	rc = load(&s, "[forge \"gh\"]\n type = github\n url = https://api.github.com\n secret = x\n"
	              "[serve]\n unverifiedBytes = 1000\n");
	ok(rc == SIGMA_EINVALID && strstr(sigma_error_last(), "serve.unverifiedBytes"),
	   "an unverified budget under 1 MiB (smaller than a delivery): %s", sigma_error_last());

	char path[128];
	snprintf(path, sizeof path, "%s/config", dir);
	unlink(path);
	rmdir(dir);
	git_libgit2_shutdown();
	return tap_done();
}
