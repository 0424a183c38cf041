/* test_toml.c: the strict TOML reader: every construct the Python
 * lockfiles use, the real fixture files, and rejections with file:line. */
#include <math.h>
#include "tests/unit/tap.h"
#include "tests/unit/lockcheck.h"
#include "common/toml.h"

static toml_value *parse_ok(const char *src)
{
	toml_value *v = NULL;
	if (toml_parse(&v, "t.toml", src, strlen(src)) != 0)
		return NULL;
	return v;
}

static void check_syntax(void)
{
	static const char src[] =
		"# comment\n"
		"title = \"basic \\\"q\\\" \\u00e9 \\t end\" # trailing\n"
		"lit = 'C:\\path\\no-escape'\n"
		"ml = \"\"\"\nline1\nline2 \\\n    joined\"\"\"\n"
		"mll = '''\nraw \\n kept'''\n"
		"int = +1_000\nneg = -17\nhex = 0xdead_beef\noct = 0o755\nbin = 0b1101\n"
		"flt = 6.626e-34\nflt2 = 1_000.5\npinf = inf\nnnan = -nan\n"
		"yes = true\nno = false\n"
		"odt = 1979-05-27T07:32:00Z\nsp = 1979-05-27 07:32:00.999+01:00\nld = 1979-05-27\n"
		"arr = [\n  1, # one\n  2,\n]\nmixed = [\"a\", [1, 2], {x = 1}]\n"
		"inl = { name = \"x\", ver.sion = \"1\" }\n"
		"dotted.a.b = 1\ndotted.a.c = 2\n"
		"\"quoted key\" = 1\n'lit key' = 2\n"
		"[table]\nk = 1\n"
		"[table.sub]\nk = 2\n"
		"[[aot]]\nname = \"first\"\n[aot.inner]\nz = 1\n"
		"[[aot]]\nname = \"second\"\n";
	toml_value *v = parse_ok(src);
	if (!ok(v != NULL, "a document with every construct parses (%s)", sigma_error_last()))
		return;
	ok(sigma_streq(toml_getstr(v, "title"), "basic \"q\" \xc3\xa9 \t end"), "basic string escapes and \\u");
	ok(sigma_streq(toml_getstr(v, "lit"), "C:\\path\\no-escape"), "literal string keeps backslashes");
	ok(sigma_streq(toml_getstr(v, "ml"), "line1\nline2 joined"), "multi-line basic: first newline trimmed, line-ending backslash");
	ok(sigma_streq(toml_getstr(v, "mll"), "raw \\n kept"), "multi-line literal");
	ok(toml_get(v, "int")->integer == 1000 && toml_get(v, "neg")->integer == -17, "integers with sign and underscores");
	ok(toml_get(v, "hex")->integer == 0xdeadbeef && toml_get(v, "oct")->integer == 0755 &&
	   toml_get(v, "bin")->integer == 13, "hex, octal and binary integers");
	ok(toml_get(v, "flt")->type == TOML_FLOAT && fabs(toml_get(v, "flt2")->number - 1000.5) < 1e-9 &&
	   isinf(toml_get(v, "pinf")->number) && isnan(toml_get(v, "nnan")->number), "floats, inf, nan");
	ok(toml_get(v, "yes")->integer == 1 && toml_get(v, "no")->type == TOML_BOOL, "booleans");
	ok(toml_get(v, "odt")->type == TOML_DATETIME && sigma_streq(toml_get(v, "sp")->str, "1979-05-27 07:32:00.999+01:00") &&
	   toml_get(v, "ld")->type == TOML_DATETIME, "date-times kept as text, space separator too");
	const toml_value *arr = toml_get(v, "arr"), *mixed = toml_get(v, "mixed");
	ok(arr->n == 2 && mixed->n == 3 && mixed->items[1]->type == TOML_ARRAY && mixed->items[2]->type == TOML_TABLE,
	   "multi-line array with comments and trailing comma; mixed array");
	const toml_value *inl = toml_get(v, "inl");
	ok(sigma_streq(toml_getstr(inl, "name"), "x") && sigma_streq(toml_getstr(toml_get(inl, "ver"), "sion"), "1"),
	   "inline table with a dotted key");
	ok(toml_get(toml_get(toml_get(v, "dotted"), "a"), "c")->integer == 2, "dotted keys build tables");
	ok(toml_get(v, "quoted key") && toml_get(v, "lit key"), "quoted keys");
	ok(toml_get(toml_get(toml_get(v, "table"), "sub"), "k")->integer == 2, "[table] and [table.sub]");
	const toml_value *aot = toml_get(v, "aot");
	ok(aot && aot->type == TOML_ARRAY && aot->n == 2 && sigma_streq(toml_getstr(aot->items[1], "name"), "second") &&
	   toml_get(toml_get(aot->items[0], "inner"), "z"), "[[array of tables]] with a sub-table of its last element");
	ok(toml_get(v, "title")->line == 2 && toml_get(toml_get(v, "table"), "k")->line == 35, "values carry their line");
	toml_free(v);
	v = parse_ok("");
	ok(v && v->type == TOML_TABLE && v->n == 0, "an empty document is an empty table");
	toml_free(v);
	v = parse_ok("a = 1\r\nb = \"x\"\r\n");
	ok(v && toml_get(v, "b"), "CRLF line ends");
	toml_free(v);
}

static void check_fixtures(void)
{
	static const char *const files[] = {
		"tests/fixtures/python/poetry-rich/poetry.lock", "tests/fixtures/python/poetry-rich/pyproject.toml",
		"tests/fixtures/python/uv-flask/uv.lock", "tests/fixtures/python/uv-flask/pyproject.toml",
		"tests/fixtures/python/pipenv-requests-html/Pipfile",
	};
	for (size_t k = 0; k < sizeof files / sizeof *files; k++) {
		size_t len;
		char *data = lc_slurp(files[k], &len);
		toml_value *v = NULL;
		int rc = data ? toml_parse(&v, files[k], data, len) : -1;
		ok(rc == 0 && v && v->n > 0, "%s parses (%s)", files[k], sigma_error_last());
		if (k == 2) {
			const toml_value *pk = toml_get(v, "package");
			ok(pk && pk->n == 83 && sigma_streq(toml_getstr(pk->items[0], "name"), "alabaster"),
			   "uv.lock: 83 [[package]] tables");
		}
		toml_free(v);
		free(data);
	}
}

static void check_errors(void)
{
	static const struct { const char *src, *where; } bad[] = {
		{ "a = 1\na = 2\n", "t.toml:2:" },
		{ "[t]\nx = 1\n[t]\ny = 2\n", "t.toml:3:" },
		{ "a = {x = 1}\n[a]\ny = 1\n", "t.toml:2:" },
		{ "a = \"unterminated\n", "t.toml:1:" },
		{ "\n\na = \"\"\"never closed\n\n", "t.toml:3:" },
		{ "a = \"bad \\q escape\"\n", "t.toml:1:" },
		{ "a = 1 b = 2\n", "t.toml:1:" },
		{ "a = [1, 2\n", "t.toml:" },
		{ "a = 01\n", "t.toml:1:" },
		{ "a = 1__0\n", "t.toml:1:" },
		{ "a = 99999999999999999999\n", "t.toml:1:" },
		{ "= 1\n", "t.toml:1:" },
		{ "a\n", "t.toml:1:" },
		{ "[a\nb = 1\n", "t.toml:1:" },
		{ "a = 1\n[a.b]\n", "t.toml:2:" },
		{ "[[a]]\n[a]\n", "t.toml:2:" },
		{ "x = \"\\ud800\"\n", "t.toml:1:" },
		{ "a.b = 1\n[a]\n", "t.toml:2:" },
		{ "a = tru\n", "t.toml:1:" },
		{ "a = {x = 1,}\n", "t.toml:1:" },
		/* Found by fuzz_toml (a leak on this path): a multi-line key. */
		{ "a = 1\n\"\"\"\nk\"\"\" = 1\n", "t.toml:2:" },
		/* Found by fuzz_toml (a leak on this path): a bad part after good ones. */
		{ "[a.b.\"c\n", "t.toml:1:" },
		{ "x.y.= 1\n", "t.toml:1:" },
	};
	for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
		toml_value *v = NULL;
		int rc = toml_parse(&v, "t.toml", bad[k].src, strlen(bad[k].src));
		ok(rc == SIGMA_EINVALID && v == NULL && lc_error_has(bad[k].where), "rejects case %zu: %s", k,
		   sigma_error_last());
	}
	/* Nesting past the cap is an error, not a stack overflow. */
	sigma_buf b = SIGMA_BUF_INIT;
	sigma_buf_puts(&b, "a = ");
	for (int i = 0; i < 10000; i++)
		sigma_buf_putc(&b, '[');
	toml_value *v = NULL;
	int rc = toml_parse(&v, "t.toml", b.ptr, b.len);
	ok(rc == SIGMA_EINVALID && lc_error_has("nested too deeply"), "deep nesting: %s", sigma_error_last());
	sigma_buf_dispose(&b);
	rc = toml_parse(&v, "t.toml", "a = 1\n\0b = 2\n", 13);
	ok(rc == SIGMA_EINVALID && lc_error_has("t.toml:2:"), "NUL byte: %s", sigma_error_last());
}

int main(void)
{
	check_syntax();
	check_fixtures();
	check_errors();
	lc_unused();
	return tap_done();
}
