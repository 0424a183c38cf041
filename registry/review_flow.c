/* review_flow.c: the data-flow reviewer.
 *
 * The other reviewers see API names; this one follows values through a
 * file, because what marks a stealer or a dropper is not that it reads
 * ~/.npmrc or calls eval (pip names .pypirc, template engines call
 * Function) but that the secret reaches the network, or the decoded or
 * downloaded bytes reach an evaluator. A source with no sink is not a
 * finding here at all.
 *
 * How: the file is lexed (review_lex: comments blanked, strings and regex
 * literals known), cut into statements (';', or a newline outside
 * brackets that does not continue an expression), and each statement's
 * assignment targets ("x =", "x +=", "const x of", "for x in", "as x",
 * "function x" returning a tainted value) take the labels of what the
 * statement reads: sources (the whole environment, secret variables,
 * credential and wallet files, decoders, images, network responses) and
 * already-labelled names. Two passes reach names used before they are
 * assigned in the text (callbacks). Then each statement is judged:
 *   - a network call or a network object (`req.write`, `s.send`) with a
 *     secret: "exfiltration", CRITICAL;
 *   - an evaluator (eval, Function, vm, Python exec/compile, require or a
 *     call by a decoded name) with decoded data: "decode-exec", CRITICAL;
 *     with a network response, or a process started on a file a network
 *     response was written to: "download-exec", CRITICAL;
 *   - a shell command that downloads and runs ("curl ... | sh",
 *     "wget ... && chmod +x"), in code or a .bat/.cmd/.ps1 file:
 *     "download-exec", CRITICAL;
 *   - "npm publish" run by the package: "worm", CRITICAL when an install
 *     script runs the package's code, HIGH otherwise;
 *   - a detached process with its output discarded: "detached-spawn" HIGH;
 *   - a .dll copied into an application or system directory: "dll-plant"
 *     HIGH; clipboard read and written: "clipboard-hijack" HIGH; screen
 *     capture in a file that sends: "screen-capture" HIGH.
 * WebAssembly.compile/instantiate are not evaluators: compiling a bundled
 * wasm module (vite's lexer) runs sandboxed bytecode, not decoded source. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "common/util.h"
#include "registry/review.h"

#define NAME "flow"
#define MAX_NAMES 1024
#define MAX_STATEMENT ((size_t)64 << 10) /* a longer "statement" is minified soup: judged, not assigned from */

enum {
	T_SECRET = 1,    /* environment, secret variable, credential file */
	T_DECODED = 2,   /* base64/hex/charcode/escape-decoded or read from an image */
	T_REMOTE = 4,    /* a network response */
	T_NET = 8,       /* a network module or connection */
	T_DECODER = 16,  /* a function that decodes */
	T_DROPPED = 32,  /* a path a network response was written to */
};

typedef struct taint {
	char name[64];
	unsigned labels;
	int scope;       /* 0: module level; n: the nth function of the file */
} taint;

/* The patterns of each list that occur anywhere in the file: a statement
 * is only searched for those (most files hold none of most lists, and
 * this is what keeps the reviewer at the speed of the substring ones). */
#define LIST_MAX 48
typedef struct present {
	const char *env_whole[LIST_MAX], *credential_paths[LIST_MAX], *decoders[LIST_MAX], *read_apis[LIST_MAX],
		*images[LIST_MAX], *fetches[LIST_MAX], *net_objects[LIST_MAX], *net_calls[LIST_MAX],
		*evaluators[LIST_MAX], *processes[LIST_MAX];
} present;

/* Why values were not followed: a file made to look minified or written as
 * one overlong statement is an evasion that costs nothing; a name table
 * filled up is what big real bundles do (vite's), so it is only noted. */
enum { UNTRACKED_MINIFIED = 1, UNTRACKED_OVERLONG = 2, UNTRACKED_NAMES = 4 };

typedef struct flow {
	const unpack_file *f;
	present p;
	const char *code; /* the lexed copy */
	const char *mask; /* REVIEW_LEX_* per byte */
	unsigned lang;
	taint names[MAX_NAMES];
	size_t nnames;
	unsigned any_labels;  /* the union of the names' labels: a quick "none of these" */
	int has_publish, has_detached, has_dll, has_loader, has_bracket_call; /* file-level gates for judge */
	int has_secret_var, has_buffer_decode, has_requests;                 /* ... and for sources */
	const char *function; /* the latest "function NAME" / "def NAME" seen */
	size_t function_len;
	int fetches;          /* the file reads from the network */
	int scope, nscopes;   /* the function the statement is in (0: module level) */
	int minified;         /* lines average over 300 characters of code */
	int untracked;        /* values not followed: UNTRACKED_* bits */
	int sourceful;        /* the file holds some source pattern: worth following names */
	int acting;           /* ... or something the judge looks at without sources */
	int child_process;    /* JavaScript that names child_process */
} flow;

/* ---------------------------------------------------------------- helpers */

static int ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$';
}

static const char *span_find(const char *s, const char *e, const char *needle)
{
	size_t n = strlen(needle);
	return s < e && (size_t)(e - s) >= n ? memmem(s, (size_t)(e - s), needle, n) : NULL;
}

/* `needle` in [s, e) with no identifier character (or '.') before it. */
static const char *span_find_word(const char *s, const char *e, const char *needle)
{
	for (const char *at = s; (at = span_find(at, e, needle)); at++)
		if (at == s || (!ident_char(at[-1]) && at[-1] != '.'))
			return at;
	return NULL;
}

static int span_has_any(const char *s, const char *e, const char *const *words)
{
	for (int i = 0; words[i]; i++)
		if (span_find(s, e, words[i]))
			return 1;
	return 0;
}

static taint *lookup(flow *fl, const char *name, size_t n, int scope)
{
	for (size_t i = 0; i < fl->nnames; i++)
		if (fl->names[i].scope == scope && strlen(fl->names[i].name) == n && !memcmp(fl->names[i].name, name, n))
			return &fl->names[i];
	return NULL;
}

/* Give `name` the labels, in the current scope (functions: module
 * level); 1 when that changed anything. */
static int label_in(flow *fl, const char *name, size_t n, unsigned labels, int scope);
static int label(flow *fl, const char *name, size_t n, unsigned labels)
{
	return label_in(fl, name, n, labels, fl->scope);
}

static int label_in(flow *fl, const char *name, size_t n, unsigned labels, int scope)
{
	if (!labels || !n || n >= sizeof fl->names[0].name)
		return 0;
	taint *t = lookup(fl, name, n, scope);
	if (!t) {
		if (fl->nnames == MAX_NAMES) {
			fl->untracked |= UNTRACKED_NAMES;
			return 0;
		}
		t = &fl->names[fl->nnames++];
		memcpy(t->name, name, n);
		t->name[n] = '\0';
		t->labels = 0;
		t->scope = scope;
	}
	unsigned before = t->labels;
	t->labels |= labels;
	fl->any_labels |= labels;
	return t->labels != before;
}

/* The labels of the names used in [s, e) (code only, whole identifiers). */
static unsigned used_labels(const flow *fl, const char *s, const char *e, unsigned want)
{
	unsigned got = 0;
	if (!(fl->any_labels & want))
		return 0;
	const char *base = fl->code;
	for (const char *p = s; p < e;) {
		if (fl->mask[p - base] != REVIEW_LEX_CODE || !ident_char(*p) || (p > base && ident_char(p[-1]))) {
			p++;
			continue;
		}
		const char *q = p;
		while (q < e && ident_char(*q))
			q++;
		for (size_t i = 0; i < fl->nnames; i++)
			if ((fl->names[i].labels & want) && (fl->names[i].scope == 0 || fl->names[i].scope == fl->scope) &&
			    strlen(fl->names[i].name) == (size_t)(q - p) &&
			    !memcmp(fl->names[i].name, p, (size_t)(q - p)))
				got |= fl->names[i].labels;
		p = q;
	}
	return got & want;
}

/* The first use in [s, e) of a name with one of the labels, or NULL. */
static const char *first_use(const flow *fl, const char *s, const char *e, unsigned want)
{
	if (!(fl->any_labels & want))
		return NULL;
	for (const char *p = s; p < e; p++) {
		if (fl->mask[p - fl->code] != REVIEW_LEX_CODE || !ident_char(*p) || (p > fl->code && ident_char(p[-1])))
			continue;
		const char *q = p;
		while (q < e && ident_char(*q))
			q++;
		/* A network object is used when it is called or its member is:
		 * "https: void 0" (a key) or "x = https" is not a send. */
		if ((q < e && (*q == '.' || *q == '(')) && used_labels(fl, p, q, want))
			return p;
		p = q;
	}
	return NULL;
}

/* ---------------------------------------------------------------- sources */

static const char *const env_whole[] = {
	"JSON.stringify(process.env", "Object.assign({}, process.env", "Object.assign({},process.env",
	"Object.entries(process.env", "dict(os.environ", "json.dumps(os.environ", "os.environ.copy(",
	"str(os.environ", "os.environ.items(", NULL,
};

/* Files that hold credentials, sessions or wallets. */
static const char *const credential_paths[] = {
	".npmrc", ".ssh/", ".ssh'", ".ssh\"", "/.ssh", "id_rsa", "id_ed25519", ".aws/credentials", ".git-credentials",
	".docker/config.json", ".kube/config", ".pypirc", ".netrc", "/etc/shadow", "Local Storage",
	"Login Data", "wallet.dat", ".wallet", "Exodus", "/.bitcoin", "/.ethereum", "Keychains", NULL,
};

static const char *const secret_words[] = {
	"TOKEN", "SECRET", "PASSWORD", "PASSWD", "API_KEY", "APIKEY", "ACCESS_KEY", "PRIVATE_KEY", "CREDENTIAL", NULL,
};

/* process.env.X, process.env['X'], os.environ['X'], os.environ.get('X'),
 * os.getenv('X') with X naming a secret. */
static int secret_variable(const char *s, const char *e)
{
	static const char *const accessors[] = { "process.env.", "process.env[", "os.environ[", "os.environ.get(",
	                                         "os.getenv(", NULL };
	for (int i = 0; accessors[i]; i++)
		for (const char *at = s; (at = span_find(at, e, accessors[i])); at++) {
			const char *p = at + strlen(accessors[i]);
			while (p < e && (*p == '\'' || *p == '"' || *p == '`'))
				p++;
			char var[96];
			size_t n = 0;
			while (p < e && n + 1 < sizeof var && (isalnum((unsigned char)*p) || *p == '_'))
				var[n++] = *p++;
			var[n] = '\0';
			for (int k = 0; n && secret_words[k]; k++)
				if (strcasestr(var, secret_words[k]))
					return 1;
		}
	return 0;
}

/* Eight or more \xHH (or \u00HH) escapes of printable ASCII: letters
 * spelled as escapes hide words ("\x65\x76\x61\x6c"); legitimate code
 * escapes control characters and non-ASCII ranges, not letters. */
static int escapes(const char *s, const char *e)
{
	int n = 0;
	const char *last = NULL; /* where the previous escape ended: they must follow each other */
	for (const char *p = s; p + 3 < e && n < 8; p++) {
		if (p[0] != '\\')
			continue;
		if (last && p != last)
			n = 0;
		const char *h = NULL;
		if (p[1] == 'x')
			h = p + 2;
		else if (p[1] == 'u' && p + 5 < e && p[2] == '0' && p[3] == '0')
			h = p + 4;
		if (!h || !isxdigit((unsigned char)h[0]) || !isxdigit((unsigned char)h[1]))
			continue;
		int v = (int)strtol((char[]){ h[0], h[1], 0 }, NULL, 16);
		if (v >= 0x20 && v < 0x7f) {
			n++;
			last = h + 2;
		} else {
			n = 0;
			last = NULL;
		}
	}
	return n >= 8;
}

static const char *const decoders[] = {
	"atob(", "b64decode(", "fromhex(", "unhexlify(", "fromCharCode(", "zlib.decompress(", "codecs.decode(",
	"decodestring(", "decodebytes(", "IEND", NULL,
};
static const char *const read_apis[] = {
	"readFileSync(", "readFile(", "readdirSync(", "createReadStream(", "open(", ".read(", "read_bytes(",
	"read_text(", "expanduser(", "homedir(", NULL,
};
static const char *const images[] = { ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".ico", ".webp", NULL };
static const char *const fetches[] = {
	"http.get(", "https.get(", "').get(", "\").get(", "fetch(", "urlopen(", "requests.get(", "axios.get(",
	"httpx.get(", ".on('data'", ".on(\"data\"", "urlretrieve(", NULL,
};
static const char *const net_objects[] = {
	"require('http')", "require(\"http\")", "require('https')", "require(\"https\")", "require('net')",
	"require(\"net\")", "require('dns')", "require(\"dns\")", "require('dgram')", "require('tls')",
	"require('axios')", "require(\"axios\")", "require('node-fetch')", "net.connect(", "net.createConnection(",
	"tls.connect(", "http.request(", "https.request(", "socket.socket(", "socket.create_connection(",
	"new WebSocket(", "requests.Session(", NULL,
};
/* Calls that send. */
static const char *const net_calls[] = {
	"fetch(", "http.request(", "https.request(", "http.get(", "https.get(", "').request(", "\").request(",
	"').get(", "\").get(", "axios.", "axios(", "urlopen(", "requests.", "httpx.", "dns.lookup(",
	"dns.resolve", "sendBeacon(", "XMLHttpRequest", "WebSocket(", ".sendto(", "smtplib", NULL,
};

/* One of `words` in [s, e) as code, not inside a string or a regex. */
static int code_has_any(const flow *fl, const char *s, const char *e, const char *const *words)
{
	for (int i = 0; words[i]; i++)
		for (const char *at = s; (at = span_find(at, e, words[i])); at++)
			if (fl->mask[at - fl->code] == REVIEW_LEX_CODE)
				return 1;
	return 0;
}

static unsigned sources(const flow *fl, const char *s, const char *e)
{
	unsigned l = 0;
	/* "{ ...process.env, X: 1 }" is a child's environment, not a dump. */
	if (span_has_any(s, e, fl->p.env_whole) || (fl->has_secret_var && secret_variable(s, e)) ||
	    span_has_any(s, e, fl->p.credential_paths))
		l |= T_SECRET;
	if (code_has_any(fl, s, e, fl->p.decoders) || escapes(s, e) ||
	    (fl->has_buffer_decode && span_find(s, e, "Buffer.from(") && (span_find(s, e, "'base64'") || span_find(s, e, "\"base64\"") ||
	                                         span_find(s, e, "'hex'") || span_find(s, e, "\"hex\""))) ||
	    (span_has_any(s, e, fl->p.read_apis) && span_has_any(s, e, fl->p.images)))
		l |= T_DECODED;
	if (code_has_any(fl, s, e, fl->p.fetches) || (fl->has_requests && span_find(s, e, "requests.") && span_find(s, e, ".content")))
		l |= T_REMOTE;
	if (span_has_any(s, e, fl->p.net_objects))
		l |= T_NET;
	/* A call to a function that decodes. */
	if (used_labels(fl, s, e, T_DECODER))
		l |= T_DECODED;
	return l;
}

/* ---------------------------------------------------------------- statements */

/* Assignment targets in [s, e): call fn for each. */
static int assign(flow *fl, const char *s, const char *e, unsigned labels)
{
	int changed = 0;
	const char *base = fl->code;
	for (const char *p = s; p < e; p++) {
		if (fl->mask[p - base] != REVIEW_LEX_CODE)
			continue;
		const char *name = NULL, *name_end = NULL;
		if (*p == '=' && p + 1 < e && p[1] != '=' && p[1] != '>' && p > s && p[-1] != '=' && p[-1] != '!' &&
		    p[-1] != '<' && p[-1] != '>') {
			/* "x =", "x +=", "x[k] =", "a.b =" */
			const char *q = p;
			if (q > s && (q[-1] == '+' || q[-1] == '|'))
				q--;
			while (q > s && q[-1] == ' ')
				q--;
			if (q > s && q[-1] == ']') {
				int depth = 0;
				while (q > s) {
					q--;
					if (*q == ']')
						depth++;
					else if (*q == '[' && --depth == 0)
						break;
				}
			}
			name_end = q;
			while (q > s && ident_char(q[-1]))
				q--;
			name = q;
		} else if (*p == ' ' && p + 4 <= e && (p[1] == 'o' || p[1] == 'i') && p[3] == ' ' &&
		           (!memcmp(p, " of ", 4) || !memcmp(p, " in ", 4)) && p > s && ident_char(p[-1])) {
			/* for (const x of xs), for x in xs */
			const char *q = p;
			name_end = q;
			while (q > s && ident_char(q[-1]))
				q--;
			name = q;
		} else if (*p == ' ' && p + 4 < e && p[1] == 'a' && !memcmp(p, " as ", 4) && ident_char(p[4])) {
			name = p + 4;
			name_end = name;
			while (name_end < e && ident_char(*name_end))
				name_end++;
		}
		/* "self.url = ...": an attribute, not a name this file reads back. */
		if (name && name_end > name && !(name > base && name[-1] == '.'))
			changed |= label(fl, name, (size_t)(name_end - name), labels);
	}
	return changed;
}

static const char *statement_end(const flow *fl, const char *s, const char *end, int *depth)
{
	const char *base = fl->code;
	for (const char *p = s; p < end; p++) {
		if (fl->mask[p - base] != REVIEW_LEX_CODE)
			continue;
		if (*p == '(' || *p == '[')
			(*depth)++;
		else if ((*p == ')' || *p == ']') && *depth > 0)
			(*depth)--;
		else if (*p == ';')
			return p + 1;
		else if (*p == '\n' && *depth == 0) {
			/* JavaScript without semicolons: a line ending in an operator
			 * or a comma continues, as does one followed by ".x". */
			const char *b = p;
			while (b > s && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r'))
				b--;
			const char *n = p + 1;
			while (n < end && (*n == ' ' || *n == '\t'))
				n++;
			if (fl->lang == REVIEW_JS && b > s && strchr(",=+-*/&|?:<>({[.", b[-1]))
				continue;
			if (fl->lang == REVIEW_JS && n < end && strchr(".?:+-*/&|,)]}", *n))
				continue;
			if (fl->lang == REVIEW_PY && b > s && b[-1] == '\\')
				continue;
			return p + 1;
		}
	}
	return end;
}

/* The statement at s opens a function, or is back at module level (it
 * starts a line at column 0). */
static void enter(flow *fl, const char *s, const char *e)
{
	const char *t = s; /* the first character of the statement (comments are blank by now) */
	while (t < e && isspace((unsigned char)*t))
		t++;
	const char *first = t > fl->code && t[-1] != '\n' ? NULL : t; /* at column 0? */
	static const char *const modifiers[] = { "export ", "default ", "async ", NULL };
	for (int again = t < e && (*t == 'e' || *t == 'd' || *t == 'a'); again;) {
		again = 0;
		for (int i = 0; modifiers[i]; i++)
			if ((size_t)(e - t) > strlen(modifiers[i]) && !strncmp(t, modifiers[i], strlen(modifiers[i]))) {
				t += strlen(modifiers[i]);
				again = 1;
			}
	}
	if (((size_t)(e - t) > 9 && !memcmp(t, "function ", 9)) || ((size_t)(e - t) > 4 && !memcmp(t, "def ", 4)))
		fl->scope = ++fl->nscopes;
	else if (first && t < e && *t != '}' && *t != ')')
		fl->scope = 0;
}

/* Taint what [s, e) assigns. */
static int propagate(flow *fl, const char *s, const char *e)
{
	int changed = 0;
	const char *fn = fl->lang == REVIEW_JS ? span_find_word(s, e, "function ") : NULL;
	const char *def = fl->lang == REVIEW_PY ? span_find_word(s, e, "def ") : NULL;
	const char *head = fn ? fn + 9 : def ? def + 4 : NULL;
	if (head) {
		const char *q = head;
		while (q < e && ident_char(*q))
			q++;
		if (q > head) {
			fl->function = head;
			fl->function_len = (size_t)(q - head);
		}
	}
	unsigned direct = sources(fl, s, e);
	/* A network object is what a network constructor returned, not
	 * whatever a statement that mentions one computes. */
	unsigned l = direct | used_labels(fl, s, e, T_SECRET | T_DECODED | T_REMOTE);
	fl->fetches |= (direct & T_REMOTE) != 0;
	if ((size_t)(e - s) > MAX_STATEMENT) {
		fl->untracked |= UNTRACKED_OVERLONG;
		return 0;
	}
	if (fl->minified) { /* one-letter names reused in every scope: no flow to follow */
		l = 0;
		fl->untracked |= UNTRACKED_MINIFIED;
	}
	changed |= assign(fl, s, e, l & ~T_DECODER);
	/* "function e(r) { return Buffer.from(r, 'hex')...": e decodes (the
	 * header, the return and the decoder in one statement). */
	const char *ret = span_find_word(s, e, "return");
	if (head && fl->function && ret && (direct & T_DECODED) && !fl->minified)
		changed |= label_in(fl, fl->function, fl->function_len, T_DECODER, 0);
	/* "return out" with out secret: the function's calls are secret. */
	if (fl->function && fl->scope && ret && (used_labels(fl, ret, e, T_SECRET) || (sources(fl, ret, e) & T_SECRET)))
		changed |= label_in(fl, fl->function, fl->function_len, T_SECRET, 0);
	/* A write of a network response: the path it goes to is a dropped file. */
	static const char *const writes[] = { "createWriteStream(", "writeFileSync(", "writeFile(", "open(", NULL };
	if (fl->fetches) {
		for (int i = 0; writes[i]; i++) {
			const char *w = span_find(s, e, writes[i]);
			if (!w)
				continue;
			if (!strcmp(writes[i], "open(") && !span_find(s, e, "'wb'") && !span_find(s, e, "\"wb\""))
				continue;
			const char *a = w + strlen(writes[i]);
			while (a < e && *a == ' ')
				a++;
			const char *b = a;
			if (a < e && (*a == '\'' || *a == '"')) {
				b = a + 1;
				while (b < e && *b != *a)
					b++;
				if (b < e)
					b++;
			} else {
				while (b < e && ident_char(*b))
					b++;
			}
			if (b > a)
				changed |= label(fl, a, (size_t)(b - a), T_DROPPED);
		}
	}
	return changed;
}

/* Non-zero when a dropped path (a name, or a quoted literal) is used in [s, e). */
static int uses_dropped(const flow *fl, const char *s, const char *e)
{
	for (size_t i = 0; i < fl->nnames; i++) {
		if (!(fl->names[i].labels & T_DROPPED))
			continue;
		const char *n = fl->names[i].name;
		if (n[0] == '\'' || n[0] == '"') {
			char inner[64];
			size_t len = strlen(n);
			if (len < 3)
				continue;
			snprintf(inner, sizeof inner, "%.*s", (int)(len - 2), n + 1);
			if (span_find(s, e, inner))
				return 1;
		} else if (span_find_word(s, e, n)) {
			const char *at = span_find_word(s, e, n);
			if (at && (at + strlen(n) >= e || !ident_char(at[strlen(n)])))
				return 1;
		}
	}
	return 0;
}

static const char *const evaluators_js[] = { "eval(", "Function(", "runInThisContext(", "runInNewContext(",
	                                         "runInContext(", "vm.Script(", "_compile(", NULL };
static const char *const evaluators_py[] = { "exec(", "eval(", "compile(", NULL };
static const char *const processes[] = {
	"execSync(", "exec(", "spawn(", "spawnSync(", "execFile(", "execFileSync(", "fork(", "os.system(",
	"subprocess.", "Popen(", "os.popen(", "os.exec", "os.startfile(", NULL,
};

/* The end of the call whose '(' is at `open` (after its ')'), or e. */
static const char *args_end(const flow *fl, const char *open, const char *e)
{
	int depth = 0;
	for (const char *p = open; p < e; p++) {
		if (fl->mask[p - fl->code] != REVIEW_LEX_CODE)
			continue;
		if (*p == '(')
			depth++;
		else if (*p == ')' && --depth == 0)
			return p + 1;
	}
	return e;
}

/* What the arguments [open, end of call) carry. */
static unsigned args_labels(const flow *fl, const char *open, const char *e)
{
	const char *end = args_end(fl, open, e);
	return sources(fl, open, end) | used_labels(fl, open, end, T_SECRET | T_DECODED | T_REMOTE);
}

/* The labels that reach an evaluator's arguments in [s, e), or 0. */
static unsigned evaluated(const flow *fl, const char *s, const char *e)
{
	const char *const *ev = fl->p.evaluators;
	unsigned got = 0;
	for (int i = 0; ev[i]; i++) {
		for (const char *at = s; (at = span_find(at, e, ev[i])); at++) {
			if (at > s && (ident_char(at[-1]) || (at[-1] == '.' && strcmp(ev[i], "_compile(") &&
			                                      strncmp(ev[i], "run", 3) && strcmp(ev[i], "vm.Script("))))
				continue;
			if (fl->mask[at - fl->code] != REVIEW_LEX_CODE)
				continue;
			/* Function('return this'): the global object, not code from data. */
			if (span_find(at, at + strlen(ev[i]) + 14 < e ? at + strlen(ev[i]) + 14 : e, "return this"))
				continue;
			got |= args_labels(fl, at + strlen(ev[i]) - 1, e);
		}
	}
	return got;
}

static const char *args_end(const flow *fl, const char *open, const char *e);

/* Starts a process. In JavaScript only in a file that names
 * child_process, and ".exec(" only on it (regExp.exec is a regex). */
static const char *starts_process(const flow *fl, const char *s, const char *e)
{
	if (fl->lang == REVIEW_JS && !fl->child_process)
		return NULL;
	const char *const *procs = fl->p.processes;
	for (int i = 0; procs[i]; i++)
		for (const char *at = s; (at = span_find(at, e, procs[i])); at++) {
			if (fl->mask[at - fl->code] != REVIEW_LEX_CODE || (at > s && ident_char(at[-1])))
				continue;
			if (!strcmp(procs[i], "exec(") && at > s && at[-1] == '.' &&
			    !(fl->lang == REVIEW_JS && at - s >= 3 && (!memcmp(at - 3, "cp.", 3) ||
			                                               (at - s >= 14 && !memcmp(at - 14, "child_process.", 14)))))
				continue;
			if (fl->lang == REVIEW_PY && !strcmp(procs[i], "exec("))
				continue; /* Python's exec() is an evaluator */
			/* "exec(v, I) {": a method definition, not a call. */
			const char *after = args_end(fl, at + strlen(procs[i]) - 1, e);
			while (after < e && (*after == ' ' || *after == '\n'))
				after++;
			if (strchr(procs[i], '(') && after < e && *after == '{')
				continue;
			return at;
		}
	return NULL;
}

/* A shell command line that fetches and runs what it fetched. */
static int shell_dropper(const char *s, const char *e)
{
	static const char *const get[] = { "curl ", "wget ", "Invoke-WebRequest", "iwr ", "bitsadmin", "certutil -urlcache",
	                                   "DownloadFile(", "DownloadString(", NULL };
	static const char *const run[] = { "| sh", "|sh", "| bash", "|bash", "chmod +x", "&& ./", "; ./", "regsvr32",
	                                   "rundll32", "iex", "Invoke-Expression", "start ", "| python", NULL };
	return span_has_any(s, e, get) && span_has_any(s, e, run);
}

typedef struct pkg_facts {
	int install_runs_code; /* an npm install script, or setup.py */
} pkg_facts;

static void judge_statement(flow *fl, review_findings *out, const pkg_facts *pf, const char *s, const char *e,
                            int line, int *reported)
{
	const unpack_file *f = fl->f;
	/* Exfiltration: from a network call (or a network object) on, the
	 * statement carries a secret. */
	const char *net = NULL;
	for (int i = 0; fl->p.net_calls[i] && !net; i++)
		for (const char *at = s; !net && (at = span_find(at, e, fl->p.net_calls[i])); at++)
			if (at == s || !ident_char(at[-1]) || !ident_char(fl->p.net_calls[i][0]))
				net = at;
	if (!net)
		net = first_use(fl, s, e, T_NET);
	if (net && ((sources(fl, net, e) | used_labels(fl, net, e, T_SECRET)) & T_SECRET) && !reported[0]++)
		review_findings_add(out, NAME, "exfiltration", SEV_CRITICAL, f->path, line,
		                    "a secret (the environment, a secret variable or a credential file) reaches a "
		                    "network call");
	unsigned ev = evaluated(fl, s, e);
	/* Loading a module or calling a method by a decoded name. */
	int by_decoded = 0;
	static const char *const loaders[] = { "require(", "__import__(", NULL };
	for (int i = 0; fl->has_loader && loaders[i]; i++)
		for (const char *at = s; (at = span_find_word(at, e, loaders[i])); at++) {
			const char *open = at + strlen(loaders[i]) - 1;
			by_decoded |= (sources(fl, open, args_end(fl, open, e)) & T_DECODED) != 0;
		}
	for (const char *at = s; fl->has_bracket_call && (at = span_find(at, e, "](")); at++) {
		const char *open = at;
		for (int depth = 0; open > s; open--) {
			if (*open == ']')
				depth++;
			else if (*open == '[' && --depth == 0)
				break;
		}
		by_decoded |= (sources(fl, open, at) & T_DECODED) != 0;
	}
	if (((ev & T_DECODED) || by_decoded) && !reported[1]++)
		review_findings_add(out, NAME, "decode-exec", SEV_CRITICAL, f->path, line,
		                    "decoded data (base64, hex, char codes, escapes or bytes hidden in an image) is "
		                    "executed");
	const char *proc = starts_process(fl, s, e);
	const char *open = proc ? memchr(proc, '(', (size_t)(e - proc)) : NULL;
	const char *proc_end = open ? args_end(fl, open, e) : e;
	/* The program is the first argument (or the first element of a list). */
	const char *prog = open ? open + 1 : NULL;
	while (prog && prog < proc_end && (*prog == ' ' || *prog == '['))
		prog++;
	const char *prog_end = prog;
	while (prog_end && prog_end < proc_end && *prog_end != ',' && *prog_end != ')' && *prog_end != ']')
		prog_end++;
	if ((ev & T_REMOTE) || ((proc || fl->lang == REVIEW_SH) && shell_dropper(proc ? proc : s, e))) {
		if (!reported[2]++)
			review_findings_add(out, NAME, "download-exec", SEV_CRITICAL, f->path, line,
			                    "code fetched from the network is executed");
	} else if (proc && prog && fl->fetches && uses_dropped(fl, prog, prog_end) && !reported[2]++) {
		/* A downloaded program run when the module loads or installs is a
		 * dropper; run from inside a function it is a tool fetching its
		 * helper binary (next's mkcert): worth a human's look, not a block. */
		review_findings_add(out, NAME, "download-exec", fl->scope ? SEV_HIGH : SEV_CRITICAL, f->path, line,
		                    "a file written from a network response is run as a program%s",
		                    fl->scope ? " (inside a function)" : " when the module loads");
	}
	if (fl->has_publish && span_find(s, e, "npm publish") && !reported[3]++)
		review_findings_add(out, NAME, "worm", pf->install_runs_code ? SEV_CRITICAL : SEV_HIGH, f->path, line,
		                    "runs npm publish%s", pf->install_runs_code
		                    ? " from a package whose install script runs its code: a self-propagating worm"
		                    : "");
	if (fl->has_detached && (span_find(s, e, "detached: true") || span_find(s, e, "detached:true") || span_find(s, e, "detached:!0") ||
	     span_find(s, e, "start_new_session=True") || span_find(s, e, "DETACHED_PROCESS")) &&
	    (span_find(s, e, "'ignore'") || span_find(s, e, "\"ignore\"") || span_find(s, e, "DEVNULL") ||
	     span_find(s, e, ".unref()")) && proc && !reported[4]++)
		review_findings_add(out, NAME, "detached-spawn", SEV_HIGH, f->path, line,
		                    "starts a detached process with its output discarded (outlives the install, "
		                    "silently)");
	static const char *const app_dirs[] = { "LOCALAPPDATA", "APPDATA", "System32", "SysWOW64", "Program Files",
	                                        "ProgramData", NULL };
	/* The target directory is often built in the statement before. */
	const char *fs_ = fl->code, *fe = fl->code + fl->f->len;
	if (fl->has_dll && span_find(s, e, ".dll") && span_has_any(fs_, fe, app_dirs) &&
	    (span_find(s, e, "copyFile") || span_find(s, e, "writeFile") || span_find(s, e, "rename") ||
	     span_find(s, e, "shutil.copy")) && !reported[5]++)
		review_findings_add(out, NAME, "dll-plant", SEV_HIGH, f->path, line,
		                    "copies a DLL into an application or system directory (DLL hijacking)");
}

/* SIGMA_FLOW_DEBUG=1 prints the statement behind each finding (for tuning on real packages). */
static void judge(flow *fl, review_findings *out, const pkg_facts *pf, const char *s, const char *e, int line,
                  int *reported)
{
	size_t before = out->n;
	judge_statement(fl, out, pf, s, e, line, reported);
	if (out->n > before && getenv("SIGMA_FLOW_DEBUG"))
		fprintf(stderr, "flow %s:%d [%s] %.*s\n", fl->f->path, line, out->items[out->n - 1].code,
		        (int)(e - s > 300 ? 300 : e - s), s);
}

/* Unicode that changes what a reader sees: bidirectional controls
 * (Trojan Source, CVE-2021-42574) in code or strings; invisible
 * characters (Hangul fillers, zero-width) and Cyrillic or Greek letters
 * touching Latin ones, in code (not in strings or comments). */
static void unicode_tricks(const flow *fl, review_findings *out)
{
	const unsigned char *d = (const unsigned char *)fl->code;
	size_t n = fl->f->len;
	int line = fl->f->first_line > 1 ? fl->f->first_line : 1, bidi = 0, hidden = 0;
	for (size_t i = 0; i + 2 < n && !(bidi && hidden); i++) {
		if (d[i] == '\n') {
			line++;
			continue;
		}
		if (d[i] < 0x80)
			continue;
		/* U+202A..U+202E, U+2066..U+2069 */
		if (!bidi && d[i] == 0xe2 && ((d[i + 1] == 0x80 && d[i + 2] >= 0xaa && d[i + 2] <= 0xae) ||
		                              (d[i + 1] == 0x81 && d[i + 2] >= 0xa6 && d[i + 2] <= 0xa9)) &&
		    fl->mask[i] != REVIEW_LEX_COMMENT) {
			bidi = 1;
			review_findings_add(out, NAME, "bidi-control", SEV_HIGH, fl->f->path, line,
			                    "a bidirectional control character in source: what runs is not what reads");
		}
		if (hidden || fl->mask[i] != REVIEW_LEX_CODE)
			continue;
		int invisible = (d[i] == 0xe3 && d[i + 1] == 0x85 && d[i + 2] == 0xa4) ||   /* U+3164 */
		                (d[i] == 0xef && d[i + 1] == 0xbe && d[i + 2] == 0xa0) ||   /* U+FFA0 */
		                (d[i] == 0xe2 && d[i + 1] == 0x80 && d[i + 2] == 0x8b); /* U+200B; ZWNJ/ZWJ are Persian, Kurdish, Indic text */
		int mixed = (d[i] == 0xd0 || d[i] == 0xd1 || d[i] == 0xce || d[i] == 0xcf) &&
		            ((i > 0 && isalpha(d[i - 1])) || isalpha(d[i + 2]));
		if (invisible || mixed) {
			hidden = 1;
			review_findings_add(out, NAME, invisible ? "invisible-identifier" : "homoglyph-identifier", SEV_HIGH,
			                    fl->f->path, line, "%s", invisible
			                    ? "an invisible character used as or in a name"
			                    : "a name mixes Latin with Cyrillic or Greek letters that look alike");
		}
	}
}

/* File-wide behaviours: clipboard and screen. */
static void behaviours(const flow *fl, review_findings *out)
{
	const char *s = fl->code, *e = fl->code + fl->f->len;
	static const char *const clip_read[] = { "pyperclip.paste(", "xclip -selection clipboard -o", "xclip -o", "xsel -o",
	                                         "xsel --clipboard --output", "pbpaste", "Get-Clipboard",
	                                         "clipboard.readText(", "GetClipboardData(", "clipboardy.read", NULL };
	static const char *const clip_write[] = { "pyperclip.copy(", "| xclip", "|xclip", "pbcopy", "Set-Clipboard",
	                                          "clipboard.writeText(", "SetClipboardData(", "clipboardy.write", NULL };
	static const char *const screen[] = { "ImageGrab.grab(", "pyautogui.screenshot(", "screenshot-desktop",
	                                      "desktopCapturer", "mss.mss(", "screencapture ", NULL };
	int cr = span_has_any(s, e, clip_read), cw = span_has_any(s, e, clip_write);
	if (cr && cw)
		review_findings_add(out, NAME, "clipboard-hijack", SEV_HIGH, fl->f->path, 0,
		                    "reads and rewrites the clipboard (address swapping)");
	else if (cr)
		review_findings_add(out, NAME, "clipboard-read", SEV_MEDIUM, fl->f->path, 0, "reads the clipboard");
	if (span_has_any(s, e, screen))
		review_findings_add(out, NAME, "screen-capture", span_has_any(s, e, net_calls) ? SEV_HIGH : SEV_MEDIUM,
		                    fl->f->path, 0, "captures the screen%s",
		                    span_has_any(s, e, net_calls) ? " in a file that sends over the network" : "");
}

static void keep_present(const char **out, const char *const *in, const unpack_file *f)
{
	size_t n = 0;
	for (int i = 0; in[i] && n + 1 < LIST_MAX; i++)
		if (memmem(f->data, f->len, in[i], strlen(in[i])))
			out[n++] = in[i];
	out[n] = NULL;
}

static void find_present(present *p, const unpack_file *f, unsigned lang)
{
	keep_present(p->env_whole, env_whole, f);
	keep_present(p->credential_paths, credential_paths, f);
	keep_present(p->decoders, decoders, f);
	keep_present(p->read_apis, read_apis, f);
	keep_present(p->images, images, f);
	keep_present(p->fetches, fetches, f);
	keep_present(p->net_objects, net_objects, f);
	keep_present(p->net_calls, net_calls, f);
	keep_present(p->evaluators, lang == REVIEW_PY ? evaluators_py : evaluators_js, f);
	keep_present(p->processes, processes, f);
}

static int script_lang(const char *path)
{
	return sigma_endswith(path, ".bat") || sigma_endswith(path, ".cmd") || sigma_endswith(path, ".ps1");
}

static void review_file(review_findings *out, const unpack_file *f, const pkg_facts *pf)
{
	unsigned lang = review_lang(f->path);
	if (script_lang(f->path))
		lang = REVIEW_SH;
	if (!lang)
		return;
	/* A source file larger than one window is read window by window: the
	 * lexer starts each one without knowing whether it opens inside a
	 * string, and names are not followed from one window to the next. Its
	 * patterns are still reviewed, but its flow cannot be cleared. */
	if (!unpack_file_whole(f) && f->offset == 0)
		review_findings_add(out, NAME, "flow-not-followed", SEV_HIGH, f->path, 0,
		                    "a %s file over one review window: values across windows are not followed",
		                    lang == REVIEW_SH ? "script" : "source");
	flow *fl = sigma_xcalloc(1, sizeof *fl);
	char *code = NULL, *mask = NULL;
	review_lex(f->data, f->len, lang, &code, &mask);
	fl->f = f;
	find_present(&fl->p, f, lang);
	fl->code = code;
	fl->mask = mask;
	fl->lang = lang;
	fl->child_process = review_span_has(f->data, f->data + f->len, "child_process");
	/* Minified by its code, not its comments or strings: one long comment
	 * line must not turn the following of values off. */
	size_t lines = 1, code_bytes = 0;
	for (size_t k = 0; k < f->len; k++) {
		lines += f->data[k] == '\n';
		code_bytes += mask[k] == REVIEW_LEX_CODE && !isspace((unsigned char)f->data[k]);
	}
	fl->minified = code_bytes / lines > 300;
	const char *end = code + f->len;
	const present *pp = &fl->p;
	fl->has_secret_var = secret_variable(f->data, f->data + f->len);
	fl->has_buffer_decode = memmem(f->data, f->len, "Buffer.from(", 12) != NULL;
	fl->has_requests = memmem(f->data, f->len, "requests.", 9) != NULL;
	/* NODE_ENV checks are everywhere: only a secret variable counts. */
	fl->sourceful = pp->env_whole[0] || pp->credential_paths[0] || pp->decoders[0] || pp->fetches[0] ||
	                pp->images[0] || fl->has_secret_var || escapes(f->data, f->data + f->len) ||
	                (memmem(f->data, f->len, "Buffer.from(", 12) &&
	                 (memmem(f->data, f->len, "base64", 6) || memmem(f->data, f->len, "hex", 3)));
	fl->has_publish = memmem(f->data, f->len, "npm publish", 11) != NULL;
	fl->has_detached = memmem(f->data, f->len, "detached", 8) || memmem(f->data, f->len, "DETACHED", 8) ||
	                   memmem(f->data, f->len, "start_new_session", 17);
	fl->has_dll = memmem(f->data, f->len, ".dll", 4) != NULL;
	fl->has_loader = memmem(f->data, f->len, "require(", 8) || memmem(f->data, f->len, "__import__(", 11);
	/* a call by a computed name only matters when something decodes */
	fl->has_bracket_call = fl->sourceful && memmem(f->data, f->len, "](", 2);
	fl->acting = pp->processes[0] || memmem(f->data, f->len, "npm publish", 11) || memmem(f->data, f->len, ".dll", 4) ||
	             lang == REVIEW_SH;
	for (int pass = 0; fl->sourceful && pass < 2; pass++) {
		int depth = 0, changed = 0;
		fl->function = NULL;
		fl->scope = fl->nscopes = 0;
		for (const char *s = code; s < end;) {
			const char *e = statement_end(fl, s, end, &depth);
			enter(fl, s, e);
			changed |= propagate(fl, s, e);
			s = e;
		}
		if (!changed && pass)
			break;
	}
	int depth = 0, reported[6] = { 0 }, line = f->first_line > 1 ? f->first_line : 1;
	const char *counted = code;
	fl->scope = fl->nscopes = 0;
	for (const char *s = code; (fl->sourceful || fl->acting) && s < end;) {
		const char *e = statement_end(fl, s, end, &depth);
		enter(fl, s, e);
		const char *first = s;
		while (first < e && isspace((unsigned char)*first))
			first++;
		for (; counted < first; counted++)
			line += *counted == '\n';
		judge(fl, out, pf, s, e, line, reported);
		s = e;
	}
	/* A batch or shell script is one command stream: a download on one
	 * line and its execution on the next are one act. */
	if (lang == REVIEW_SH && !reported[2] && shell_dropper(code, end))
		review_findings_add(out, NAME, "download-exec", SEV_CRITICAL, f->path, 0,
		                    "a script downloads a file and runs it");
	behaviours(fl, out);
	unicode_tricks(fl, out);
	/* Where values could not be followed, a secret and a network call in
	 * one file cannot be cleared either: say so (at least FLAGGED), rather
	 * than let an unfollowed theft pass as nothing found. */
	const present *pq = &fl->p;
	if ((fl->untracked & (UNTRACKED_MINIFIED | UNTRACKED_OVERLONG)) && !reported[0] && (pq->env_whole[0] || pq->credential_paths[0] || fl->has_secret_var) &&
	    (pq->net_calls[0] || pq->net_objects[0]))
		review_findings_add(out, NAME, "flow-not-followed", SEV_HIGH, f->path, 0,
		                    "this file reads secrets and calls the network, and its values could not be followed "
		                    "(minified, or one overlong statement): not cleared");
	free(code);
	free(mask);
	free(fl);
}

static int review(review_findings *out, const review_package *pkg)
{
	pkg_facts pf = { 0 };
	const unpack_file *manifest = pkg->files ? unpack_find_file(pkg->files, "package.json") : NULL;
	if (manifest) {
		cJSON *doc = cJSON_ParseWithLength(manifest->data, manifest->len);
		const cJSON *scripts = cJSON_GetObjectItemCaseSensitive(doc, "scripts");
		static const char *const lifecycle[] = { "preinstall", "install", "postinstall", NULL };
		for (int i = 0; lifecycle[i]; i++) {
			const char *cmd = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(scripts, lifecycle[i]));
			if (!cmd)
				continue;
			pf.install_runs_code = 1;
			if (strstr(cmd, "npm publish"))
				review_findings_add(out, NAME, "worm", SEV_CRITICAL, "package.json", 0,
				                    "the %s script runs npm publish", lifecycle[i]);
		}
		cJSON_Delete(doc);
	}
	if (pkg->files && unpack_find_file(pkg->files, "setup.py"))
		pf.install_runs_code = 1;
	for (size_t i = 0; pkg->files && i < pkg->files->nfiles; i++)
		review_file(out, &pkg->files->files[i], &pf);
	return 0;
}

const reviewer review_flow = { NAME, review };
