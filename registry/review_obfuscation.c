/* review_obfuscation.c: the obfuscation reviewer.
 *
 * Honest code has little reason to carry kilobytes of base64 or hex in a
 * string literal, and none to decode such a blob and evaluate it. This
 * reviewer finds long string literals made only of base64 or hex
 * characters whose Shannon entropy is that of encoded data (MEDIUM), the
 * same blob handed to a decoder (Buffer.from, atob, b64decode, unhexlify)
 * on its line (HIGH), and decoded data evaluated (eval / Function / exec
 * with a decoder on the line: CRITICAL). It also knows the fingerprints of
 * common obfuscators: javascript-obfuscator's _0x identifiers and Dean
 * Edwards' packer "eval(function(p,a,c,k,e,". Data URIs ("base64,...")
 * are assets, not payloads, and are skipped. */
#include <math.h>
#include <string.h>
#include <strings.h>
#include "registry/review.h"

#define NAME "obfuscation"
#define BLOB_MIN 200

static const char *const decoders[] = {
	"Buffer.from(", "atob(", "b64decode(", "base64.decode", "unhexlify(", "bytes.fromhex(", "decodestring(",
	"fromCharCode", NULL,
};
static const char *const evaluators[] = { "eval(", "Function(", "exec(", "runInThisContext", NULL };

static int ident_or_dot(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$' ||
	       c == '.';
}

/* An evaluator called on [s, e): eval(, Function(, exec( as names of
 * their own (not regExp.exec(, not x.compile(). */
static int evaluator_on(const char *s, const char *e)
{
	for (int i = 0; evaluators[i]; i++) {
		size_t n = strlen(evaluators[i]);
		for (const char *at = s; at < e && (at = memmem(at, (size_t)(e - at), evaluators[i], n)); at++)
			if (at == s || !ident_or_dot(at[-1]) || !strcmp(evaluators[i], "runInThisContext"))
				return 1;
	}
	return 0;
}

static int span_has_any(const char *s, const char *e, const char *const *words)
{
	for (int i = 0; words[i]; i++)
		if (review_span_has(s, e, words[i]))
			return 1;
	return 0;
}

static double entropy(const unsigned char *s, size_t n)
{
	size_t counts[256] = { 0 };
	for (size_t i = 0; i < n; i++)
		counts[s[i]]++;
	double h = 0;
	for (int i = 0; i < 256; i++)
		if (counts[i]) {
			double p = (double)counts[i] / (double)n;
			h -= p * log2(p);
		}
	return h;
}

static int b64_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
	       c == '=' || c == '-' || c == '_';
}

static int hex_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static void blobs(review_findings *out, const unpack_file *f)
{
	const unsigned char *d = (const unsigned char *)f->data, *end = d + f->len;
	int line = 1, reported = 0;
	for (const unsigned char *p = d; p < end && reported < 3; p++) {
		if (*p == '\n') {
			line++;
			continue;
		}
		if (*p != '"' && *p != '\'' && *p != '`')
			continue;
		const unsigned char *s = p + 1, *q = s;
		int hex = 1;
		while (q < end && b64_char(*q)) {
			hex &= hex_char(*q);
			q++;
		}
		size_t n = (size_t)(q - s);
		if (n < BLOB_MIN || q >= end || *q != *p) {
			p = q > p + 1 ? q - 1 : p;
			continue;
		}
		double h = entropy(s, n);
		p = q; /* continue after the literal */
		if (hex ? h < 3.0 : h < 4.2)
			continue; /* repetitive text, not encoded data */
		const char *ls = (const char *)s, *le = (const char *)q;
		while (ls > f->data && ls[-1] != '\n')
			ls--;
		while (le < f->data + f->len && *le != '\n')
			le++;
		if (review_span_has(ls, (const char *)s, "base64,"))
			continue; /* a data: URI */
		int decoded = span_has_any(ls, le, decoders);
		int evaluated = decoded && evaluator_on(ls, le);
		reported++;
		/* WebAssembly.compile/instantiate of a bundled module (vite's and
		 * next's lexers) compiles sandboxed bytecode; it is not source
		 * decoded and evaluated. */
		/* A WebAssembly module: its bytes start with "\0asm" ("AGFzbQ" in
		 * base64, "0061736d" in hex), which no evaluator can run as source
		 * (undici's llhttp in next, vite's lexer). Or a blob that is not
		 * evaluated on a line that hands it to WebAssembly. */
		int wasm_magic = hex ? n >= 8 && !strncasecmp((const char *)s, "0061736d", 8)
		                     : n >= 6 && !memcmp(s, "AGFzbQ", 6);
		if (wasm_magic || (!evaluated && review_span_has(ls, le, "WebAssembly."))) {
			review_findings_add(out, NAME, "wasm-blob", SEV_LOW, f->path, line,
			                    "a %zu-character encoded WebAssembly module", n);
			continue;
		}
		if (evaluated)
			review_findings_add(out, NAME, "blob-exec", SEV_CRITICAL, f->path, line,
			                    "a %zu-character %s blob is decoded and executed", n, hex ? "hex" : "base64");
		else if (decoded)
			review_findings_add(out, NAME, "decoded-blob", SEV_MEDIUM, f->path, line,
			                    "a %zu-character %s blob (entropy %.1f bits/char) is decoded at run time", n,
			                    hex ? "hex" : "base64", h);
		else
			review_findings_add(out, NAME, "encoded-blob", SEV_MEDIUM, f->path, line,
			                    "a %zu-character %s string literal (entropy %.1f bits/char)", n,
			                    hex ? "hex" : "base64", h);
	}
}

static const review_pattern patterns[] = {
	{ "eval(function(p,a,c,k,e,", REVIEW_JS, 0, SEV_HIGH, "packed-eval", "Dean Edwards packer: packed code is evaluated" },
	{ "eval(atob(", REVIEW_JS, REVIEW_NODOT, SEV_CRITICAL, "decode-eval", "evaluates base64-decoded code" },
	{ "eval(Buffer.from(", REVIEW_JS, REVIEW_NODOT, SEV_CRITICAL, "decode-eval", "evaluates decoded code" },
	{ "Function(atob(", REVIEW_JS, 0, SEV_CRITICAL, "decode-eval", "builds a function from base64-decoded code" },
	{ "exec(base64.b64decode(", REVIEW_PY, REVIEW_NODOT, SEV_CRITICAL, "decode-eval", "executes base64-decoded code" },
	{ "exec(zlib.decompress(", REVIEW_PY, REVIEW_NODOT, SEV_CRITICAL, "decode-eval", "executes compressed code" },
	{ "exec(codecs.decode(", REVIEW_PY, REVIEW_NODOT, SEV_CRITICAL, "decode-eval", "executes decoded code" },
	{ "exec(bytes.fromhex(", REVIEW_PY, REVIEW_NODOT, SEV_CRITICAL, "decode-eval", "executes hex-decoded code" },
	{ "__import__('base64')", REVIEW_PY, 0, SEV_MEDIUM, "hidden-import", "imports base64 by computed name" },
};

static void on_hit(void *ctx, const unpack_file *f, const review_pattern *p, int line, const char *ls,
                   const char *le)
{
	review_findings_add(ctx, NAME, p->code, p->severity, f->path, line, "%s", p->message);
}

/* javascript-obfuscator renames every identifier to _0x followed by hex. */
static void obfuscator_names(review_findings *out, const unpack_file *f)
{
	size_t count = 0;
	const char *d = f->data, *end = d + f->len;
	for (const char *p = d; p < end && count < 1000;) {
		const char *hit = memmem(p, (size_t)(end - p), "_0x", 3);
		if (!hit)
			break;
		p = hit + 3;
		if (p + 3 < end && hex_char((unsigned char)p[0]) && hex_char((unsigned char)p[1]) && hex_char((unsigned char)p[2]))
			count++;
	}
	if (count >= 20)
		review_findings_add(out, NAME, "obfuscator-signature", SEV_HIGH, f->path, 0,
		                    "%zu _0x… identifiers: machine-obfuscated code", count);
}

static int review(review_findings *out, const review_package *pkg)
{
	for (size_t i = 0; pkg->files && i < pkg->files->nfiles; i++) {
		const unpack_file *f = &pkg->files->files[i];
		if (!review_lang(f->path))
			continue;
		blobs(out, f);
		review_scan(f, patterns, sizeof patterns / sizeof *patterns, 1, on_hit, out);
		if (review_lang(f->path) == REVIEW_JS)
			obfuscator_names(out, f);
	}
	return 0;
}

const reviewer review_obfuscation = { NAME, review };
