#!/usr/bin/env bash
# run.sh: the whole suite. Runs every unit test program (C, TAP) and every
# end-to-end script (tests/e2e/*.sh, tests/sandbox/*.sh), shows their TAP
# output, and closes with one line "N passed, N failed, N skipped".
# A script that dies without reporting a failure counts as one failure, so a
# crash can never pass silently. TESTS=pattern runs only matching files.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${SIGMA_BIN:=$here/../sigma}"
: "${SIGMA_UNIT_DIR:=$here/../build/tests}"
export SIGMA_BIN SIGMA_UNIT_DIR
pass=0 fail=0 skipped=0
failed_files=()

run_one() {
	local name=$1; shift
	local out rc
	echo "# --- $name"
	out=$("$@" 2>&1); rc=$?
	printf '%s\n' "$out"
	local p f s
	p=$(printf '%s\n' "$out" | grep -Ec '^ok [0-9]+' || true)
	s=$(printf '%s\n' "$out" | grep -Ec '^ok [0-9]+.*# (SKIP|skip)' || true)
	f=$(printf '%s\n' "$out" | grep -Ec '^not ok [0-9]+' || true)
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited with status $rc"
		f=1
	fi
	pass=$((pass + p - s)); skipped=$((skipped + s)); fail=$((fail + f))
	[ "$f" -gt 0 ] && failed_files+=("$name")
}

for t in "$SIGMA_UNIT_DIR"/*; do
	[ -x "$t" ] || continue
	case "$(basename "$t")" in ${TESTS:-*}) ;; *) continue ;; esac
	run_one "unit/$(basename "$t")" "$t"
done
for t in "$here"/e2e/*.sh "$here"/sandbox/*.sh; do
	[ -f "$t" ] || continue
	case "$(basename "$t")" in ${TESTS:-*}) ;; *) continue ;; esac
	run_one "${t#$here/}" bash "$t"
done

[ ${#failed_files[@]} -gt 0 ] && echo "# failed in: ${failed_files[*]}"
echo "$pass passed, $fail failed, $skipped skipped"
[ "$fail" -eq 0 ]
