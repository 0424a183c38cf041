/* review_credentials.c: the credential and environment access reviewer.
 *
 * Reading NODE_ENV is ordinary; reading NPM_TOKEN, AWS keys or ~/.ssh is
 * what credential stealers do, and what uploaders and SDKs do too: every
 * finding here is LOW evidence (a source); the flow reviewer decides
 * whether a secret reaches a sink. The text below is the history. Sensitive variables and files are MEDIUM;
 * serialising the whole environment is MEDIUM (enumerating it, as debug
 * does for DEBUG_* options, is LOW). Any of them in a file that also makes
 * network calls is raised one level, to HIGH for the sensitive ones: the
 * secret has somewhere to go. */
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include "registry/review.h"

#define NAME "credentials"

static const review_pattern patterns[] = {
	/* Accessors followed by a variable name (checked in on_hit). */
	{ "process.env.", REVIEW_JS, REVIEW_WORD, SEV_MEDIUM, "secret-env", "reads" },
	{ "process.env[", REVIEW_JS, REVIEW_WORD, SEV_MEDIUM, "secret-env", "reads" },
	{ "os.environ[", REVIEW_PY, REVIEW_WORD, SEV_MEDIUM, "secret-env", "reads" },
	{ "os.environ.get(", REVIEW_PY, REVIEW_WORD, SEV_MEDIUM, "secret-env", "reads" },
	{ "os.getenv(", REVIEW_PY, REVIEW_WORD, SEV_MEDIUM, "secret-env", "reads" },
	/* The whole environment. */
	{ "JSON.stringify(process.env", REVIEW_JS, 0, SEV_MEDIUM, "env-dump", "serialises the whole environment" },
	{ "Object.entries(process.env", REVIEW_JS, 0, SEV_MEDIUM, "env-dump", "copies the whole environment" },
	{ "...process.env", REVIEW_JS, 0, SEV_LOW, "env-enumeration", "copies the environment" },
	{ "Object.keys(process.env", REVIEW_JS, 0, SEV_LOW, "env-enumeration", "enumerates environment variables" },
	{ "dict(os.environ", REVIEW_PY, 0, SEV_MEDIUM, "env-dump", "copies the whole environment" },
	{ "os.environ.items(", REVIEW_PY, 0, SEV_LOW, "env-enumeration", "enumerates environment variables" },
	{ "os.environ.copy(", REVIEW_PY, 0, SEV_LOW, "env-enumeration", "copies the environment" },
	{ "json.dumps(os.environ", REVIEW_PY, 0, SEV_MEDIUM, "env-dump", "serialises the whole environment" },
	/* Files that hold credentials. */
	{ ".npmrc", REVIEW_ANY, 0, SEV_MEDIUM, "credential-file", "reads npm credentials (.npmrc)" },
	{ ".ssh/", REVIEW_ANY, 0, SEV_MEDIUM, "credential-file", "reads SSH keys (~/.ssh)" },
	{ "id_rsa", REVIEW_ANY, 0, SEV_MEDIUM, "credential-file", "reads an SSH private key" },
	{ ".aws/credentials", REVIEW_ANY, 0, SEV_MEDIUM, "credential-file", "reads AWS credentials" },
	{ ".git-credentials", REVIEW_ANY, 0, SEV_MEDIUM, "credential-file", "reads git credentials" },
	{ ".docker/config.json", REVIEW_ANY, 0, SEV_MEDIUM, "credential-file", "reads Docker registry credentials" },
	{ ".kube/config", REVIEW_ANY, 0, SEV_MEDIUM, "credential-file", "reads Kubernetes credentials" },
	{ ".pypirc", REVIEW_ANY, 0, SEV_MEDIUM, "credential-file", "reads PyPI credentials" },
	{ "/etc/shadow", REVIEW_ANY, 0, SEV_MEDIUM, "credential-file", "reads /etc/shadow" },
	{ "Local Storage/leveldb", REVIEW_ANY, 0, SEV_MEDIUM, "credential-file", "reads browser/Discord token storage" },
	{ "Login Data", REVIEW_ANY, 0, SEV_MEDIUM, "credential-file", "reads browser saved passwords" },
	{ "wallet.dat", REVIEW_ANY, 0, SEV_MEDIUM, "credential-file", "reads a cryptocurrency wallet" },
};

static const char *const secret_words[] = {
	"TOKEN", "SECRET", "PASSWORD", "PASSWD", "API_KEY", "APIKEY", "ACCESS_KEY", "PRIVATE_KEY",
	"CREDENTIAL", "NPM_TOKEN", "SESSION_TOKEN", NULL,
};

/* The variable name after an accessor: "X" in process.env.X,
 * process.env['X'], os.environ["X"], os.getenv('X'). */
static int var_name(char *out, size_t n, const char *p, const char *le)
{
	while (p < le && (*p == '\'' || *p == '"' || *p == '`' || *p == ' '))
		p++;
	size_t i = 0;
	while (p < le && i + 1 < n && (isalnum((unsigned char)*p) || *p == '_'))
		out[i++] = *p++;
	out[i] = '\0';
	return i > 0;
}

typedef struct scan_ctx {
	review_findings *out;
	int network;
} scan_ctx;

static void on_hit(void *ctx, const unpack_file *f, const review_pattern *p, int line, const char *ls,
                   const char *le)
{
	scan_ctx *c = ctx;
	review_severity sev = p->severity;
	char var[128] = "";
	if (!strcmp(p->code, "secret-env")) {
		const char *at = memmem(ls, (size_t)(le - ls), p->needle, strlen(p->needle));
		if (!at || !var_name(var, sizeof var, at + strlen(p->needle), le))
			return;
		int secret = 0;
		for (int i = 0; secret_words[i]; i++)
			secret |= strcasestr(var, secret_words[i]) != NULL;
		if (!secret)
			return;
	}
	/* A credential file named without being read on the line (pip's
	 * help text about .pypirc) is a mention: LOW, and not raised. */
	if (!strcmp(p->code, "credential-file")) {
		static const char *const reads[] = { "readFile", "open(", "read(", "createReadStream", "expanduser",
		                                     "homedir", "Path.home", "HOME", "USERPROFILE", NULL };
		int read = 0;
		for (int i = 0; reads[i]; i++)
			read |= review_span_has(ls, le, reads[i]);
		if (!read) {
			review_findings_add(c->out, NAME, "credential-mention", SEV_LOW, f->path, line, "%s (named, not read here)",
			                    p->message);
			return;
		}
	}
	const char *flow = "";
	/* A source is not a sink: whether the secret reaches the network is
	 * the flow reviewer's question (review_flow.c, CRITICAL when it does).
	 * Here every read is evidence to show, LOW: setuptools reads .pypirc
	 * to upload, and spawners copy the environment for their children. */
	sev = SEV_LOW;
	if (c->network) {
		flow = ", in a file that also makes network calls";
	}
	if (var[0])
		review_findings_add(c->out, NAME, "secret-env", sev, f->path, line, "reads the secret variable %s%s",
		                    var, flow);
	else
		review_findings_add(c->out, NAME, p->code, sev, f->path, line, "%s%s", p->message, flow);
}

static int review(review_findings *out, const review_package *pkg)
{
	for (size_t i = 0; pkg->files && i < pkg->files->nfiles; i++) {
		const unpack_file *f = &pkg->files->files[i];
		if (!review_lang(f->path))
			continue;
		scan_ctx c = { out, review_file_uses_network(f) };
		review_scan(f, patterns, sizeof patterns / sizeof *patterns, 2, on_hit, &c);
	}
	return 0;
}

const reviewer review_credentials = { NAME, review };
