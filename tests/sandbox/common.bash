# common.sh: shared setup for the sandbox escape suite (sourced, not run).
#
# Compiles escape.c into $T, defines sbx (sigma sandbox with the helper
# bound at /escape), attempt (one escape attempt = one TAP line) and small
# JSON checks on reports (python3). If `sigma sandbox` is not available
# in $SIGMA_BIN, the caller's whole file is skipped with the reason.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
chmod 755 "$T"

sandbox_available() {
	if ! "$SIGMA_BIN" sandbox --help >/dev/null 2>&1; then
		skip "sigma sandbox is not available in $SIGMA_BIN"
		done_testing
		exit 0
	fi
	if ! cc -O1 -o "$T/escape" "$here/escape.c" 2>"$T/cc.log"; then
		nok "compile escape.c: $(cat "$T/cc.log")"
		done_testing
		exit 1
	fi
	chmod 755 "$T/escape"
}

sbx() { "$SIGMA_BIN" sandbox --ro-bind "$T/escape:/escape" "$@"; }

# attempt DESCRIPTION [SANDBOX-OPTION...] -- ATTEMPT [ARG...]
# ok when the helper says "blocked" and exits 0.
attempt() {
	local desc=$1; shift
	local out rc
	out=$(sbx "$@" 2>&1); rc=$?
	if [ "$rc" -eq 0 ] && grep -q '^blocked' <<<"$out"; then
		ok "$desc: $(head -n1 <<<"$out")"
	else
		nok "$desc (status $rc): $(tr '\n' ' ' <<<"$out")"
	fi
}

# json FILE PYTHON-EXPRESSION: true when the expression (over `r`, the
# parsed report) is true.
json() {
	python3 - "$1" "$2" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except Exception as e:
    print("# bad report: %s" % e)
    sys.exit(1)
ok = eval(sys.argv[2], {"r": r})
if not ok:
    print("# report check failed: %s" % sys.argv[2])
sys.exit(0 if ok else 1)
PY
}
