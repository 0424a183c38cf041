/* test_webhook_forge.c: the forge adapters without a network: signature
 * checks (BRIEF §4's HMAC vector and the fixtures' published vectors),
 * event parsing of every real payload in tests/fixtures/webhooks, the
 * status request of each forge (path, field names, states, limits), the
 * backoff, and the status description. Run from the repository root. */
#include <stdlib.h>
#include <string.h>
#include "common/buf.h"
#include "common/error.h"
#include "common/util.h"
#include "tap.h"
#include "webhook/forge.h"
#include "webhook/mirror.h"
#include "webhook/pages.h"
#include "webhook/service.h"
#include "webhook/worker.h"

#define FIX "tests/fixtures/webhooks/"

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

static void parse(webhook_event *ev, webhook_forge_type t, const char *event, const char *file, int *rc)
{
	size_t len = 0;
	char *body = slurp(file, &len);
	*rc = body ? webhook_forge_parse_event(ev, t, event, body, len) : -100;
	free(body);
}

int main(void)
{
	/* --- signatures */
	char hex[65];
	webhook_hmac_sha256_hex("It's a Secret to Everybody", "Hello, World!", 13, hex);
	ok(!strcmp(hex, "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"),
	   "BRIEF §4 HMAC-SHA256 test vector");
	ok(webhook_forge_verify(FORGE_GITHUB, "It's a Secret to Everybody",
	                        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", "Hello, World!", 13) == 0,
	   "GitHub signature accepted");
	ok(webhook_forge_verify(FORGE_GITHUB, "It's a Secret to Everybody",
	                        "sha256=757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17", "Hello, World!", 13) == 0,
	   "upper-case hex accepted");
	ok(webhook_forge_verify(FORGE_GITHUB, "It's a Secret to Everybody",
	                        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e18", "Hello, World!", 13) ==
	       SIGMA_EINVALID, "one digit off: refused");
	ok(webhook_forge_verify(FORGE_GITHUB, "It's a Secret to Everybody",
	                        "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", "Hello, World!", 13) ==
	       SIGMA_EINVALID, "GitHub without the sha256= prefix: refused");
	ok(webhook_forge_verify(FORGE_GITHUB, "It's a Secret to Everybody", "sha256=7571", "Hello, World!", 13) ==
	       SIGMA_EINVALID, "a short signature: refused");
	ok(webhook_forge_verify(FORGE_GITHUB, "It's a Secret to Everybody", NULL, "Hello, World!", 13) == SIGMA_EINVALID,
	   "no signature: refused");
	ok(webhook_forge_verify(FORGE_GITHUB, "", "sha256=", "", 0) == SIGMA_EINVALID, "an empty secret never verifies");
	size_t len = 0;
	char *body = slurp(FIX "gitea/pull_request.opened.json", &len);
	ok(body && webhook_forge_verify(FORGE_GITEA, "IsWishesWereHorsesWedAllBeEatingSteak!",
	                                "65c18a212efc7bde0f336acaec87f596fe20e80b2a0e7e51a790dd38393ff771", body, len) == 0,
	   "Gitea's published vector for pull_request.opened.json");
	free(body);
	body = slurp(FIX "github/push.normal.json", &len);
	ok(body && webhook_forge_verify(FORGE_GITHUB, "sLBCQgxE29C1mgA0EVt4n2RMBPdH6iq1",
	                                "sha256=0387235249a69255fdc2eb64205892f619ecf4cffdf87895366f808ab7516a41", body, len) == 0,
	   "the captured GitHub delivery's signature");
	free(body);
	ok(webhook_forge_verify(FORGE_GITLAB, "tok en", "tok en", "x", 1) == 0, "GitLab token accepted");
	ok(webhook_forge_verify(FORGE_GITLAB, "tok en", "tok e", "x", 1) == SIGMA_EINVALID, "GitLab prefix of the token: refused");
	ok(webhook_forge_verify(FORGE_GITLAB, "tok en", "tok enn", "x", 1) == SIGMA_EINVALID, "GitLab longer token: refused");

	/* --- events */
	webhook_event ev;
	int rc;
	parse(&ev, FORGE_GITHUB, "pull_request", FIX "github/pull_request.opened.json", &rc);
	ok(rc == 0 && ev.kind == EVENT_PULL_REQUEST && !strcmp(ev.sha, "ec26c3e57ca3a959ca5aad62de7213c562f8c821") &&
	       !strcmp(ev.base_sha, "f95f852bd8fca8fcc58a9a2d6c842781e32a215e") &&
	       !strcmp(ev.repository, "Codertocat/Hello-World") && !strcmp(ev.status_repo, "Codertocat/Hello-World") &&
	       !strcmp(ev.clone_url, "https://github.com/Codertocat/Hello-World.git") && ev.number == 2,
	   "GitHub PR opened: head, base, repository, clone URL, number");
	webhook_event_dispose(&ev);
	parse(&ev, FORGE_GITHUB, "pull_request", FIX "github/pull_request.synchronize.json", &rc);
	ok(rc == 0 && ev.kind == EVENT_PULL_REQUEST, "GitHub synchronize is judged");
	webhook_event_dispose(&ev);
	parse(&ev, FORGE_GITHUB, "pull_request", FIX "github/pull_request.reopened.json", &rc);
	ok(rc == 0 && ev.kind == EVENT_PULL_REQUEST, "GitHub reopened is judged");
	webhook_event_dispose(&ev);
	parse(&ev, FORGE_GITHUB, "pull_request", FIX "github/pull_request.closed.json", &rc);
	ok(rc == 0 && ev.kind == EVENT_IGNORED, "GitHub closed is ignored");
	webhook_event_dispose(&ev);
	parse(&ev, FORGE_GITHUB, "push", FIX "github/push.created.json", &rc);
	ok(rc == 0 && ev.kind == EVENT_PUSH && !strcmp(ev.sha, "6113728f27ae82c7b1a177c8d03f9e96e0adf246") && !ev.base_sha &&
	       !strcmp(ev.ref, "refs/heads/master"), "GitHub push creating a branch: no base");
	webhook_event_dispose(&ev);
	parse(&ev, FORGE_GITHUB, "push", FIX "github/push.branch-deleted.json", &rc);
	ok(rc == 0 && ev.kind == EVENT_IGNORED, "GitHub branch deletion is ignored");
	webhook_event_dispose(&ev);
	parse(&ev, FORGE_GITHUB, "ping", FIX "github/ping.json", &rc);
	ok(rc == 0 && ev.kind == EVENT_IGNORED, "GitHub ping is ignored");
	webhook_event_dispose(&ev);
	parse(&ev, FORGE_GITEA, "pull_request", FIX "gitea/pull_request.synchronized.json", &rc);
	ok(rc == 0 && ev.kind == EVENT_PULL_REQUEST && !strcmp(ev.sha, "788ed8d02d3b7fcfcf6386dbcbca696aa1d4dc25") &&
	       !strcmp(ev.clone_url, "http://127.0.0.1:3000/Test-CI/multi-line-secrets.git"),
	   "Gitea 'synchronized' is judged; a missing head repo falls back to the repository's clone URL");
	webhook_event_dispose(&ev);
	parse(&ev, FORGE_GITEA, "pull_request", FIX "gitea/pull_request.closed-merged.json", &rc);
	ok(rc == 0 && ev.kind == EVENT_IGNORED, "Gitea merged (closed) is ignored");
	webhook_event_dispose(&ev);
	parse(&ev, FORGE_GITEA, "push", FIX "gitea/push.normal.json", &rc);
	ok(rc == 0 && ev.kind == EVENT_PUSH && !strcmp(ev.base_sha, "6efcf5b7c98f3e7a491675164b7a2e7acac27941"),
	   "Gitea push");
	webhook_event_dispose(&ev);
	parse(&ev, FORGE_GITLAB, "Merge Request Hook", FIX "gitlab/merge_request.json", &rc);
	ok(rc == 0 && ev.kind == EVENT_PULL_REQUEST && !strcmp(ev.sha, "da1560886d4f094c3e6c9ef40349f7d38b5d27d7") &&
	       !strcmp(ev.status_repo, "14") && !strcmp(ev.repository, "gitlabhq/gitlab-test") && ev.number == 1 &&
	       !strcmp(ev.clone_url, "http://example.com/awesome_space/awesome_project.git"),
	   "GitLab MR open: last commit, source project for the status, source clone URL");
	webhook_event_dispose(&ev);
	parse(&ev, FORGE_GITLAB, "Push Hook", FIX "gitlab/push.json", &rc);
	ok(rc == 0 && ev.kind == EVENT_PUSH && !strcmp(ev.status_repo, "15") && !strcmp(ev.repository, "mike/diaspora"),
	   "GitLab push: project id");
	webhook_event_dispose(&ev);
	const char *mr_update = "{\"object_kind\":\"merge_request\",\"project\":{\"path_with_namespace\":\"a/b\"},"
	                        "\"object_attributes\":{\"action\":\"update\",\"last_commit\":{\"id\":"
	                        "\"da1560886d4f094c3e6c9ef40349f7d38b5d27d7\"}}}";
	ok(webhook_forge_parse_event(&ev, FORGE_GITLAB, "Merge Request Hook", mr_update, strlen(mr_update)) == 0 &&
	       ev.kind == EVENT_IGNORED, "GitLab MR update without oldrev (no new commits) is ignored");
	webhook_event_dispose(&ev);
	const char *evil = "{\"action\":\"opened\",\"repository\":{\"full_name\":\"../../etc\"},\"pull_request\":{\"head\":"
	                   "{\"sha\":\"ec26c3e57ca3a959ca5aad62de7213c562f8c821\"}}}";
	ok(webhook_forge_parse_event(&ev, FORGE_GITHUB, "pull_request", evil, strlen(evil)) == SIGMA_EINVALID,
	   "a repository name that could escape a path is refused");
	const char *nosha = "{\"action\":\"opened\",\"repository\":{\"full_name\":\"a/b\"},\"pull_request\":{}}";
	ok(webhook_forge_parse_event(&ev, FORGE_GITHUB, "pull_request", nosha, strlen(nosha)) == SIGMA_EINVALID,
	   "a PR without a head sha is an error");
	ok(webhook_forge_parse_event(&ev, FORGE_GITHUB, "push", "[1,", 3) == SIGMA_EINVALID, "broken JSON is an error");

	/* --- status requests */
	webhook_forge gh = { "gh", FORGE_GITHUB, "http://127.0.0.1:1", "s", "t", "sigma/supply-chain", NULL, NULL, 0 };
	webhook_forge gl = { "gl", FORGE_GITLAB, "http://127.0.0.1:1/api/v4", "s", "t", "sigma/supply-chain", NULL, NULL, 0 };
	char longdesc[400];
	memset(longdesc, 'x', sizeof longdesc - 1);
	longdesc[sizeof longdesc - 1] = '\0';
	memcpy(longdesc + 135, "\xc3\xa9\xc3\xa9\xc3\xa9", 6); /* é é é around the cut */
	webhook_status st = { STATE_FAILURE, longdesc, "http://127.0.0.1:8383/certificates/abc", "sigma/supply-chain" };
	char *url = NULL, *req = NULL;
	ok(webhook_forge_status_request(&url, &req, &gh, "octo/app", "ec26c3e57ca3a959ca5aad62de7213c562f8c821", &st) == 0 &&
	       !strcmp(url, "http://127.0.0.1:1/repos/octo/app/statuses/ec26c3e57ca3a959ca5aad62de7213c562f8c821"),
	   "GitHub status path");
	ok(req && strstr(req, "\"state\":\"failure\"") && strstr(req, "\"context\":\"sigma/supply-chain\"") &&
	       strstr(req, "\"target_url\":\"http://127.0.0.1:8383/certificates/abc\""), "GitHub status fields");
	const char *d = req ? strstr(req, "\"description\":\"") : NULL;
	size_t dl = d ? strcspn(d + 15, "\"") : 0;
	ok(d && dl <= WEBHOOK_DESCRIPTION_MAX && !memcmp(d + 15 + dl - 3, "...", 3),
	   "description cut to at most 140 bytes (%zu), marked", dl);
	ok(d && ((unsigned char)d[15 + dl - 4] & 0xC0) != 0xC0, "the cut does not split a UTF-8 character");
	free(url);
	free(req);
	char longurl[300];
	memset(longurl, 'u', sizeof longurl - 1);
	longurl[sizeof longurl - 1] = '\0';
	st.target_url = longurl;
	st.description = "short";
	ok(webhook_forge_status_request(&url, &req, &gl, "group/sub/proj", "ec26c3e57ca3a959ca5aad62de7213c562f8c821", &st) == 0 &&
	       !strcmp(url, "http://127.0.0.1:1/api/v4/projects/group%2Fsub%2Fproj/statuses/ec26c3e57ca3a959ca5aad62de7213c562f8c821"),
	   "GitLab status path with a URL-encoded project path");
	ok(req && strstr(req, "\"state\":\"failed\"") && strstr(req, "\"name\":\"sigma/supply-chain\"") &&
	       !strstr(req, "target_url"), "GitLab: 'failed', 'name', and a target_url over 255 left out");
	free(url);
	free(req);
	st.state = STATE_PENDING;
	ok(webhook_forge_status_request(&url, &req, &gl, "14", "ec26c3e57ca3a959ca5aad62de7213c562f8c821", &st) == 0 &&
	       strstr(req, "\"state\":\"running\""), "GitLab pending is 'running'");
	free(url);
	free(req);
	ok(webhook_forge_status_request(&url, &req, &gh, "octo/app", "not-a-sha", &st) == SIGMA_EINVALID,
	   "a bad sha never reaches a URL");

	/* --- backoff */
	int64_t b1 = webhook_backoff_ms(1, 1000, 600000, -1, 42), b5 = webhook_backoff_ms(5, 1000, 600000, -1, 42);
	ok(b1 >= 500 && b1 <= 1000, "first retry between base/2 and base (%lld)", (long long)b1);
	ok(b5 >= 8000 && b5 <= 16000, "fifth retry grows exponentially (%lld)", (long long)b5);
	ok(webhook_backoff_ms(40, 1000, 600000, -1, 7) <= 600000, "capped");
	ok(webhook_backoff_ms(1, 1000, 600000, 30000, 7) == 30000, "a Retry-After hint wins when longer");

	/* --- description of a certificate */
	webhook_state state;
	char desc[WEBHOOK_DESCRIPTION_MAX + 1];
	const char *cert = "{\"decision\":\"rejected\",\"packages\":[{},{},{}],\"summary\":{\"rejecting\":1},"
	                   "\"reasons\":[{\"package\":\"left-pad@1.3.0\",\"depth\":0,\"code\":\"admin\"}]}";
	ok(webhook_worker_describe(&state, desc, sizeof desc, cert) == 0 && state == STATE_FAILURE &&
	       strstr(desc, "left-pad@1.3.0 (direct, admin)") && strstr(desc, "3 packages"),
	   "rejected: failure, naming the first blocked package: %s", desc);
	ok(webhook_worker_describe(&state, desc, sizeof desc, "{\"decision\":\"accepted\",\"packages\":[{}]}") == 0 &&
	       state == STATE_SUCCESS && !strcmp(desc, "sigma: accepted; 1 package checked"), "accepted: success: %s", desc);
	ok(webhook_worker_describe(&state, desc, sizeof desc, "{}") == SIGMA_EINVALID, "not a certificate: error");
	const char *testing = "{\"decision\":\"accepted\",\"would_decision\":\"rejected\",\"enforcement\":\"testing\","
	                      "\"packages\":[{},{}],\"summary\":{\"rejecting\":1},"
	                      "\"reasons\":[{\"package\":\"left-pad@1.3.0\",\"depth\":0,\"code\":\"admin\"}]}";
	ok(webhook_worker_describe(&state, desc, sizeof desc, testing) == 0 && state == STATE_SUCCESS &&
	       sigma_startswith(desc, "sigma (testing): would fail: 1 blocked, first left-pad@1.3.0"),
	   "testing mode: success, saying it would fail: %s", desc);

	/* --- escaping for the page */
	sigma_buf out = SIGMA_BUF_INIT;
	webhook_pages_escape(&out, "<a href=\"x\">'&'</a>");
	ok(out.ptr && !strcmp(out.ptr, "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"), "HTML escaping");
	sigma_buf_dispose(&out);

	/* --- the HMAC as the body arrives equals the one over the whole body */
	const char *secret = "It's a Secret to Everybody", *msg = "Hello, World!";
	char whole[72] = "sha256=";
	webhook_hmac_sha256_hex(secret, msg, 13, whole + 7);
	webhook_mac *mac = NULL;
	ok(webhook_mac_new(&mac, secret) == 0, "streaming HMAC set up");
	for (int i = 0; i < 13; i++)
		webhook_mac_update(mac, msg + i, 1);
	ok(webhook_mac_verify(mac, FORGE_GITHUB, whole) == 0, "HMAC fed byte by byte matches the one-shot HMAC");
	webhook_mac_free(mac);
	webhook_mac_new(&mac, secret);
	webhook_mac_update(mac, msg, 12);
	ok(webhook_mac_verify(mac, FORGE_GITHUB, whole) == SIGMA_EINVALID, "one byte short: refused");
	webhook_mac_free(mac);
	ok(webhook_forge_proof_shape(FORGE_GITHUB, NULL) == SIGMA_EINVALID &&
	       webhook_forge_proof_shape(FORGE_GITHUB, whole + 7) == SIGMA_EINVALID &&
	       webhook_forge_proof_shape(FORGE_GITHUB, "sha256=zz") == SIGMA_EINVALID &&
	       webhook_forge_proof_shape(FORGE_GITHUB, whole) == 0 && webhook_forge_proof_shape(FORGE_GITEA, whole + 7) == 0,
	   "proof shapes refused on the headers: missing, no prefix (GitHub), not hex; accepted: both spellings");
	ok(webhook_forge_event_judged(FORGE_GITHUB, "push") && webhook_forge_event_judged(FORGE_GITLAB, "Push Hook") &&
	       !webhook_forge_event_judged(FORGE_GITHUB, "issues") && !webhook_forge_event_judged(FORGE_GITLAB, "push") &&
	       !webhook_forge_event_judged(FORGE_GITEA, NULL),
	   "events that can be judged, per forge");

	/* --- log values: one token, no line of their own */
	char lv[160];
	webhook_log_value(lv, sizeof lv, "x\r\nsigma serve: delivery outcome=queued \"a\\b\"\x1b\xc3");
	ok(!strcmp(lv, "x\\x0d\\x0asigma\\x20serve:\\x20delivery\\x20outcome=queued\\x20\\\"a\\\\b\\\"\\x1b\\xc3"),
	   "log value escaped: %s", lv);
	webhook_log_value(lv, 8, "abcdefghijkl");
	ok(strlen(lv) < 8, "log value cut to its buffer");

	/* --- origins and where a clone URL may come from */
	char origin[256];
	ok(webhook_url_origin(origin, sizeof origin, "HTTPS://User:pw@GitHub.com/octo/app.git") == 0 &&
	       !strcmp(origin, "https://github.com:443"), "origin: %s", origin);
	ok(webhook_url_origin(origin, sizeof origin, "http://127.0.0.1:8080/a") == 0 &&
	       !strcmp(origin, "http://127.0.0.1:8080"), "origin with a port: %s", origin);
	ok(webhook_url_origin(origin, sizeof origin, "http://[::1]:81/x") == 0 && !strcmp(origin, "http://[::1]:81"),
	   "origin of an IPv6 literal: %s", origin);
	ok(webhook_url_origin(origin, sizeof origin, "file:///srv/x.git") == SIGMA_EINVALID &&
	       webhook_url_origin(origin, sizeof origin, "/srv/x.git") == SIGMA_EINVALID &&
	       webhook_url_origin(origin, sizeof origin, "git@github.com:o/r.git") == SIGMA_EINVALID &&
	       webhook_url_origin(origin, sizeof origin, "http://h:99999999/") == SIGMA_EINVALID,
	   "no origin for file://, paths, scp-style URLs, bad ports");
	webhook_forge fg = { "gh", FORGE_GITHUB, "https://api.github.com", "s", "t", "c", "https://github.com",
	                     "https://github.com:443", 0 };
	char *src = NULL;
	int offer = -1;
	ok(webhook_mirror_source(&src, &offer, &fg, NULL, "https://github.com/octo/app.git") == 0 && offer == 1,
	   "a clone URL on the forge's origin: fetched, token offered");
	free(src);
	ok(webhook_mirror_source(&src, &offer, &fg, NULL, "https://github.com.evil.example/octo/app.git") ==
	           SIGMA_EINVALID && !src && strstr(sigma_error_last(), "not on https://github.com:443"),
	   "another host: refused (%s)", sigma_error_last());
	ok(webhook_mirror_source(&src, &offer, &fg, NULL, "https://github.com:8443/octo/app.git") == SIGMA_EINVALID,
	   "another port: refused");
	ok(webhook_mirror_source(&src, &offer, &fg, NULL, "file:///etc") == SIGMA_EINVALID &&
	       webhook_mirror_source(&src, &offer, &fg, NULL, "/srv/git/app.git") == SIGMA_EINVALID,
	   "file:// and a local path from a payload: refused");
	webhook_repository mapped = { "octo/app", "gh", NULL, NULL, "/srv/git/app.git" };
	ok(webhook_mirror_source(&src, &offer, &fg, &mapped, "https://evil.example/x.git") == 0 &&
	       !strcmp(src, "/srv/git/app.git") && offer == 0,
	   "a [repository] url wins over the payload's, without the token");
	free(src);
	return tap_done();
}
