/* test_review_obfuscation.c: an encoded blob alone is MEDIUM, decoded at
 * run time HIGH, decoded and evaluated CRITICAL; obfuscator fingerprints
 * are HIGH; a data: URI and repetitive text are not blobs; the real
 * packages (lodash's big source included) have no findings at all. */
#include "review_fixture.h"
#include "tap.h"

/* A pseudo-random base64 string of n characters. */
static char *blob(size_t n)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *s = malloc(n + 1);
	unsigned x = 12345;
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		s[i] = a[(x >> 16) % 64];
	}
	s[n] = '\0';
	return s;
}

int main(void)
{
	fixture f;
	review_findings fs;
	char *b = blob(600);
	char *exec_js = sigma_xasprintf("module.exports = 1;\neval(Buffer.from('%s', 'base64').toString());\n", b);
	char *decode_js = sigma_xasprintf("const p = Buffer.from(\"%s\", 'base64');\n", b);
	/* vite's bundled lexer: base64 WebAssembly compiled on one minified line that also has eval(. */
	char *wasm_js = sigma_xasprintf("let m;eval.call;WebAssembly.compile(Buffer.from('%s','base64')).then(x=>m=x);\n", b);
	char *plain_js = sigma_xasprintf("const KEY = '%s';\n", b);
	char *data_uri = sigma_xasprintf("const img = 'data:image/png;base64,%s';\n", b);
	char *zeros = malloc(700);
	memset(zeros, 'A', 699);
	zeros[699] = '\0';
	char *rep = sigma_xasprintf("const pad = '%s';\n", zeros);

	const char *c1[] = { "index.js", exec_js, NULL };
	fixture_crafted(&f, "npm", "x", c1);
	fixture_review(&fs, &review_obfuscation, &f);
	const review_finding *x = fixture_find(&fs, "blob-exec");
	ok(x && x->severity == SEV_CRITICAL && x->line == 2, "a base64 blob decoded and evaluated is CRITICAL, line 2");
	ok(fixture_find(&fs, "decode-eval") != NULL, "... and eval(Buffer.from( is itself a finding");
	review_findings_dispose(&fs);
	fixture_dispose(&f);

	const char *c2[] = { "a.js", decode_js, "b.js", plain_js, "c.js", data_uri, "d.js", rep, NULL };
	fixture_crafted(&f, "npm", "x", c2);
	fixture_review(&fs, &review_obfuscation, &f);
	x = fixture_find(&fs, "decoded-blob");
	ok(x && x->severity == SEV_MEDIUM && !strcmp(x->file, "a.js"),
	   "a blob handed to Buffer.from is MEDIUM (decoded, not executed: a source without a sink)");
	x = fixture_find(&fs, "encoded-blob");
	ok(x && x->severity == SEV_MEDIUM && !strcmp(x->file, "b.js"), "a blob alone is MEDIUM");
	int others = 0;
	for (size_t i = 0; i < fs.n; i++)
		others += !strcmp(fs.items[i].file, "c.js") || !strcmp(fs.items[i].file, "d.js");
	ok(others == 0, "a data: URI and a run of one letter are not blobs");
	review_findings_dispose(&fs);
	fixture_dispose(&f);

	const char *wasm_pkg[] = { "lexer.js", wasm_js, NULL };
	fixture_crafted(&f, "npm", "x", wasm_pkg);
	fixture_review(&fs, &review_obfuscation, &f);
	x = fixture_find(&fs, "wasm-blob");
	ok(x && x->severity == SEV_LOW && fixture_worst(&fs) == SEV_LOW,
	   "base64 WebAssembly handed to WebAssembly.compile is LOW, not decode-then-execute");
	review_findings_dispose(&fs);
	fixture_dispose(&f);
	free(wasm_js);
	/* undici's llhttp (in next): a WebAssembly module by its bytes ("\0asm",
	 * "AGFzbQ" in base64) on a minified line that also evaluates. */
	char *llhttp = sigma_xasprintf("A.exports=r.from(\"AGFzbQ%s\",\"base64\")},7:(A)=>{eval(A)};\n", b);
	const char *llhttp_pkg[] = { "undici.cjs", llhttp, NULL };
	fixture_crafted(&f, "npm", "x", llhttp_pkg);
	fixture_review(&fs, &review_obfuscation, &f);
	ok(fixture_find(&fs, "wasm-blob") && fixture_worst(&fs) == SEV_LOW,
	   "a blob whose bytes are a WebAssembly module is LOW, whatever else the line does");
	review_findings_dispose(&fs);
	fixture_dispose(&f);
	free(llhttp);
	/* A mention of WebAssembly does not excuse a decoded blob that is run. */
	char *wasm_eval = sigma_xasprintf("WebAssembly.Memory;eval(Buffer.from('%s','base64').toString());\n", b);
	const char *wasm_eval_pkg[] = { "lexer.js", wasm_eval, NULL };
	fixture_crafted(&f, "npm", "x", wasm_eval_pkg);
	fixture_review(&fs, &review_obfuscation, &f);
	x = fixture_find(&fs, "blob-exec");
	ok(x && x->severity == SEV_CRITICAL, "... but a WebAssembly mention beside eval of the decoded blob stays CRITICAL");
	review_findings_dispose(&fs);
	fixture_dispose(&f);
	free(wasm_eval);

	sigma_buf ob = SIGMA_BUF_INIT;
	for (int i = 0; i < 40; i++)
		sigma_buf_printf(&ob, "var _0x%04x=_0x%04x+1;", i * 7 + 4096, i * 3 + 4096);
	const char *c3[] = { "o.js", ob.ptr, "p.py", "exec(base64.b64decode(s))\n", NULL };
	fixture_crafted(&f, "npm", "x", c3);
	fixture_review(&fs, &review_obfuscation, &f);
	ok(fixture_find(&fs, "obfuscator-signature") != NULL, "javascript-obfuscator's _0x names are HIGH");
	x = fixture_find(&fs, "decode-eval");
	ok(x && !strcmp(x->file, "p.py") && x->severity == SEV_CRITICAL, "exec(base64.b64decode( is CRITICAL");
	review_findings_dispose(&fs);
	fixture_dispose(&f);

	char who[512] = "";
	ok(fixture_quiet_on_clean(&review_obfuscation, SEV_CLEAR, who, sizeof who), "no findings on the real packages %s", who);
	sigma_buf_dispose(&ob);
	free(b); free(exec_js); free(decode_js); free(plain_js); free(data_uri); free(zeros); free(rep);
	return tap_done();
}
