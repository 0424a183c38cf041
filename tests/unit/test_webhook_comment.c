/* test_webhook_comment.c: what sigma serve writes on a pull request and
 * where: the comment's Markdown (marker first, the diff rows, every value
 * from a lockfile kept inert: no mention, no markup, no table break), the
 * fallback when the diff does not fit, and the event fields that decide
 * where the comment goes and whether the page is private, for each
 * forge's real payload. Run from the repository root. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <git2.h>
#include "common/buf.h"
#include "common/error.h"
#include "tap.h"
#include "webhook/forge.h"
#include "webhook/pages.h"
#include "webhook/settings.h"

#define FIX "tests/fixtures/webhooks/"

static const char cert[] =
	"{\"id\":\"e0ea189990871e239c0936a89bfe217a6cb89c9cb4e1d5b7ef6de738ac08bcb0\",\"decision\":\"rejected\","
	"\"subject\":{\"repository\":\"octo/app\",\"commit\":\"33beafcec684aaaaaaaaaaaaaaaaaaaaaaaaaaaa\"},"
	"\"summary\":{\"rejecting\":1,\"warnings\":0},\"packages\":[{},{}],\"reasons\":[]}";

static char *slurp(const char *path, size_t *len)
{
	sigma_buf b = SIGMA_BUF_INIT;
	if (sigma_buf_read_file(&b, path) != 0) {
		sigma_buf_dispose(&b);
		return NULL;
	}
	*len = b.len;
	return sigma_buf_steal(&b);
}

static int parse(webhook_event *ev, webhook_forge_type t, const char *event, const char *file)
{
	size_t len = 0;
	char *body = slurp(file, &len);
	int rc = body ? webhook_forge_parse_event(ev, t, event, body, len) : -100;
	free(body);
	return rc;
}

int main(void)
{
	/* --- the comment */
	const char *findings =
		"{\"base\":\"2f5331630973bbbbbbbbbbbbbbbbbbbbbbbbbbbb\",\"lockfiles\":[{\"path\":\"a|b/package-lock.json\","
		"\"ecosystem\":\"npm\",\"added\":[{\"name\":\"@evil/x`y\",\"version\":\"1.0.0\\n| injected |\",\"depth\":0,"
		"\"status\":\"blocked\",\"effect\":\"reject\"}],\"removed\":[{\"name\":\"debug\",\"version\":\"4.3.4\","
		"\"depth\":2}],\"changed\":[{\"name\":\"express\",\"from\":\"4.19.2\",\"to\":\"4.21.0\",\"depth\":0,"
		"\"status\":\"certified\",\"effect\":\"none\"}]}],"
		"\"unreviewed\":[{\"ecosystem\":\"npm\",\"name\":\"a\",\"version\":\"1\",\"depth\":1,\"reason\":\"ask @admins <b>now</b>\"},"
		"{\"ecosystem\":\"npm\",\"name\":\"b\",\"version\":\"2\",\"depth\":3,\"reason\":\"ask @admins <b>now</b>\"}],"
		"\"report\":\"x evil ```\\n    fix:     remove it\\n\"}";
	sigma_buf md;
	sigma_buf_init(&md, WEBHOOK_COMMENT_MAX);
	int rc = webhook_pages_comment(&md, cert, findings, "https://sigma.example/certificates/e0ea");
	const char *t = md.ptr ? md.ptr : "";
	ok(rc == 0, "a comment renders (%d)", rc);
	ok(!strncmp(t, WEBHOOK_COMMENT_MARKER "\n", strlen(WEBHOOK_COMMENT_MARKER) + 1), "the marker is its first line");
	ok(strstr(t, "against `2f5331630973`") != NULL, "the base commit, shortened");
	ok(strstr(t, "| ~ | `express` | `4.19.2` → `4.21.0` | direct | certified |") != NULL, "a change row");
	ok(strstr(t, "| &minus; | `debug` | `4.3.4` | L2 |  |") != NULL, "a removal row, with its depth");
	ok(strstr(t, "| + | `@evil/x'y` | `1.0.0 \\| injected \\|` | direct | blocked: rejects |") != NULL,
	   "a hostile name stays in its code span: backtick, line break and pipe neutralised");
	ok(strstr(t, "`a\\|b/package-lock.json`") != NULL, "a lockfile path's pipe is escaped too");
	ok(strstr(t, "ask @\u200badmins \\<b\\>now\\</b\\>: `a@1`, `b@2`") != NULL,
	   "a reason outside code: no mention, no markup, said once for its packages");
	ok(strstr(t, "evil ```") == NULL && strstr(t, "x evil '''") != NULL,
	   "the report cannot close its fence early");
	ok(strstr(t, "[Certificate e0ea18999087](https://sigma.example/certificates/e0ea)") != NULL, "the link");

	/* Too long: the head stays, the diff goes, the link stays. */
	sigma_buf_dispose(&md);
	sigma_buf big;
	sigma_buf_init(&big, 0);
	sigma_buf_puts(&big, "{\"base\":\"2f5331630973bbbbbbbbbbbbbbbbbbbbbbbbbbbb\",\"lockfiles\":[");
	for (int i = 0; i < 400; i++)
		sigma_buf_printf(&big, "%s{\"path\":\"p%d/package-lock.json\",\"added\":[{\"name\":\"pkg-%0200d\",\"version\":\"1\","
		                       "\"depth\":0}],\"removed\":[],\"changed\":[]}", i ? "," : "", i, i);
	sigma_buf_puts(&big, "],\"unreviewed\":[]}");
	sigma_buf_init(&md, WEBHOOK_COMMENT_MAX);
	rc = webhook_pages_comment(&md, cert, big.ptr, "https://sigma.example/c");
	t = md.ptr ? md.ptr : "";
	ok(rc == 0 && md.len <= WEBHOOK_COMMENT_MAX, "an oversized diff still gives a comment within the cap (%zu bytes)",
	   md.len);
	ok(strstr(t, "too long for a comment") && strstr(t, "(https://sigma.example/c)") && !strstr(t, "pkg-"),
	   "it says so and links the page, without half a table");
	sigma_buf_dispose(&big);
	sigma_buf_dispose(&md);

	sigma_buf_init(&md, WEBHOOK_COMMENT_MAX);
	ok(webhook_pages_comment(&md, "{}", NULL, NULL) == SIGMA_EINVALID, "not a certificate: EINVALID");
	sigma_buf_dispose(&md);

	/* --- where the comment goes, and privacy */
	webhook_event ev;
	ok(parse(&ev, FORGE_GITHUB, "pull_request", FIX "github/pull_request.opened.json") == 0 &&
	       ev.comment_repo && !strcmp(ev.comment_repo, ev.repository) && ev.number > 0 && !ev.private_repo,
	   "GitHub PR: comments on the base repository's issue, public as the payload says");
	webhook_event_dispose(&ev);
	ok(parse(&ev, FORGE_GITEA, "pull_request", FIX "gitea/pull_request.opened.json") == 0 && ev.comment_repo &&
	       !ev.private_repo,
	   "Gitea PR: comment repository set, public");
	webhook_event_dispose(&ev);
	ok(parse(&ev, FORGE_GITLAB, "Merge Request Hook", FIX "gitlab/merge_request.json") == 0 && ev.comment_repo &&
	       !strcmp(ev.comment_repo, "14") && !ev.private_repo,
	   "GitLab MR: notes go to the target project (14), visibility 20 is public");
	ok(ev.base_ref && !strcmp(ev.base_ref, "master") && !ev.base_sha,
	   "GitLab MR: no base commit, the target branch instead (for the merge base)");
	webhook_event_dispose(&ev);
	ok(parse(&ev, FORGE_GITHUB, "push", FIX "github/push.normal.json") == 0 && !ev.comment_repo,
	   "a push has no comment");
	webhook_event_dispose(&ev);

	const char *priv = "{\"action\":\"opened\",\"number\":3,\"repository\":{\"full_name\":\"o/r\",\"private\":true},"
	                   "\"pull_request\":{\"head\":{\"sha\":\"0123456789abcdef0123456789abcdef01234567\"}}}";
	const char *unsaid = "{\"action\":\"opened\",\"number\":3,\"repository\":{\"full_name\":\"o/r\"},"
	                     "\"pull_request\":{\"head\":{\"sha\":\"0123456789abcdef0123456789abcdef01234567\"}}}";
	const char *internal = "{\"object_kind\":\"merge_request\",\"project\":{\"path_with_namespace\":\"g/p\",\"id\":5,"
	                       "\"visibility_level\":10},\"object_attributes\":{\"action\":\"open\",\"iid\":2,"
	                       "\"last_commit\":{\"id\":\"0123456789abcdef0123456789abcdef01234567\"}}}";
	ok(webhook_forge_parse_event(&ev, FORGE_GITHUB, "pull_request", priv, strlen(priv)) == 0 && ev.private_repo,
	   "repository.private = true: private");
	webhook_event_dispose(&ev);
	ok(webhook_forge_parse_event(&ev, FORGE_GITHUB, "pull_request", unsaid, strlen(unsaid)) == 0 && ev.private_repo,
	   "a payload that does not say: private (the page stays closed)");
	webhook_event_dispose(&ev);
	ok(webhook_forge_parse_event(&ev, FORGE_GITLAB, "Merge Request Hook", internal, strlen(internal)) == 0 &&
	       ev.private_repo && ev.comment_repo && !strcmp(ev.comment_repo, "5"),
	   "GitLab internal (10): private; no target_project_id: the project's id");
	/* The job spec keeps both through the queue. */
	char *spec = webhook_event_to_json(&ev);
	webhook_event back;
	ok(webhook_event_from_json(&back, spec) == 0 && back.private_repo && back.comment_repo &&
	       !strcmp(back.comment_repo, "5") && back.number == 2 && !back.base_ref,
	   "the job spec round-trips comment_repo, private and the number");
	webhook_event_dispose(&back);
	free(spec);
	webhook_event_dispose(&ev);

	/* --- [forge] comment (the settings are read with libgit2) */
	git_libgit2_init();
	char path[] = "/tmp/sigma-comment-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (f) {
		fputs("[forge \"a\"]\n\ttype = github\n\turl = http://127.0.0.1:1\n\tsecret = s\n"
		      "[forge \"b\"]\n\ttype = gitlab\n\turl = http://127.0.0.1:1\n\tsecret = s\n\tcomment = false\n"
		      "[serve]\n\tlinkLifetime = 3600\n", f);
		fclose(f);
	}
	webhook_settings s;
	ok(webhook_settings_load(&s, path) == 0 && !webhook_settings_forge(&s, "a")->no_comment &&
	       webhook_settings_forge(&s, "b")->no_comment && s.link_lifetime_s == 3600,
	   "comment defaults to true; comment = false turns it off; serve.linkLifetime is read");
	webhook_settings_dispose(&s);
	f = fopen(path, "w");
	if (f) {
		fputs("[forge \"a\"]\n\ttype = github\n\turl = http://127.0.0.1:1\n\tsecret = s\n\tcomment = sometimes\n", f);
		fclose(f);
	}
	ok(webhook_settings_load(&s, path) == SIGMA_EINVALID && strstr(sigma_error_last(), "forge.a.comment"),
	   "comment = sometimes is refused, naming the key");
	unlink(path);
	return tap_done();
}
