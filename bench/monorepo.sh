#!/usr/bin/env bash
# monorepo.sh: issue 22, a monorepo of N real lockfiles (bench/monorepo-gen.sh:
# npm v3/v1, pnpm 9/6, yarn 1/berry; about 500 packages a lockfile) pushed
# through a real pre-receive hook.
#   - for N in MONO_SIZES (100 500 1000 2000): the first push (cold registry) and
#     `sigma scan DIR`, wall time and peak RSS (/usr/bin/time -v);
#   - at N = MONO_AT (500): a push changing one lockfile and a push changing none
#     (hook, /usr/bin/time, median of MONO_PUSHES), and the same judgements
#     through `sigma scan --repo` under hyperfine (--prepare makes the commit);
#   - registry growth over MONO_GROWTH (100) successive pushes that each
#     change one lockfile: certificate storage (parts + rows) and the whole
#     database file, against the changed lockfile's own part.
# Output: bench/monorepo-results.md.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is needed (apt-get install time)"; exit 2; }
sizes=(${MONO_SIZES:-100 500 1000 2000})
pushes=${MONO_PUSHES:-5}
growth=${MONO_GROWTH:-100}
at=${MONO_AT:-500}   # the size the later pushes and the growth are measured at
one=- none=- h_one=- h_none=- growth_row="| - |"
gen=$here/bench/monorepo-gen.sh
load=$(cut -d' ' -f1-3 /proc/loadavg)
# A cold first push of 2,000 lockfiles takes longer than the default 4 s.
git config --file "$SIGMA_CONFIG" sigma.timeout 300

# hook_server DIR: a bare repository whose hook records its own time and RSS.
hook_server() {
	git init -q --bare "$1"
	printf '#!/bin/sh\nexec /usr/bin/time -f "%%e %%M" -o "%s/hook.time" "%s" pre-receive\n' "$1" "$sigma" \
		> "$1/hooks/pre-receive"
	chmod +x "$1/hooks/pre-receive"
}
# push WORK SERVER: push WORK's HEAD, print "seconds KB" as the hook measured them.
push() {
	git -C "$1" push -q "$2" HEAD:refs/heads/main 2> "$b/push.err" || { cat "$b/push.err" >&2; exit 1; }
	cat "$2/hook.time"
}
tv() { # FILE: "seconds MB" from /usr/bin/time -v output
	python3 - "$1" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([0-9.]+)", t)
s = int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
print("%.2f %.0f" % (s, rss / 1024))
PY
}
median() { tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
stored_bytes() {
	sqlite3 "$SIGMA_DB" "SELECT (SELECT coalesce(sum(length(body)),0) FROM certificate_parts) +
	                            (SELECT coalesce(sum(length(certificate)),0) FROM submissions)"
}
db_bytes() {
	sqlite3 "$SIGMA_DB" "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null
	stat -c %s "$SIGMA_DB"
}

size_rows=()
for n in "${sizes[@]}"; do
	d=$b/mono-$n
	"$gen" "$d/work" "$n"
	git -C "$d/work" init -q && git -C "$d/work" add -A && git -C "$d/work" commit -qm "$n projects"
	mb=$(du -sm "$d/work/projects" | cut -f1)
	rm -f "$SIGMA_DB" "$SIGMA_DB-wal" "$SIGMA_DB-shm" && "$sigma" registry init > /dev/null
	# A tree whose certificate would pass its cap (the packages member's
	# 256 MiB) cannot be certified: scan exits 2 and the push is refused.
	if ! /usr/bin/time -v "$sigma" scan "$d/work" > "$d/scan.out" 2> "$d/scan.time"; then
		why=$(grep -o "cap of [0-9]* bytes reached" "$d/scan.time" | head -1)
		read -r scan_s scan_mb < <(tv "$d/scan.time")
		size_rows+=("| $n | $mb MB | - | refused: ${why:-see scan.time} | | $scan_s s (exit 2) | $scan_mb MB |")
		continue
	fi
	read -r scan_s scan_mb < <(tv "$d/scan.time")
	pk=$(grep -o "[0-9]* packages" "$d/scan.out" | head -1 | cut -d' ' -f1)
	hook_server "$d/srv.git"
	read -r first_s first_kb < <(push "$d/work" "$d/srv.git")
	size_rows+=("| $n | $mb MB | $pk | $first_s s | $((first_kb / 1024)) MB | $scan_s s | $scan_mb MB |")
	if [ "$n" = "$at" ]; then
		# Pushes that change one lockfile (a different one each time) and none.
		one_t=() one_m=() none_t=() none_m=()
		for ((i = 0; i < pushes; i++)); do
			"$gen" --touch "$d/work" $((i * 37 % n))
			git -C "$d/work" commit -qam "one lockfile $i"
			read -r s kb < <(push "$d/work" "$d/srv.git"); one_t+=("$s"); one_m+=("$((kb / 1024))")
			echo "$i" >> "$d/work/README" && git -C "$d/work" add README && git -C "$d/work" commit -qm "docs $i"
			read -r s kb < <(push "$d/work" "$d/srv.git"); none_t+=("$s"); none_m+=("$((kb / 1024))")
		done
		one="$(echo "${one_t[*]}" | median) s, $(echo "${one_m[*]}" | median) MB"
		none="$(echo "${none_t[*]}" | median) s, $(echo "${none_m[*]}" | median) MB"
		# The same judgements without git receive-pack around them.
		hyperfine --runs 10 --export-json "$d/h.json" \
			--prepare "$gen --touch $d/work \$((RANDOM % $n)) && git -C $d/work commit -qam t" -n one-lockfile \
			"$sigma scan --repo $d/work --rev HEAD" \
			--prepare "echo x >> $d/work/README && git -C $d/work commit -qam t" -n no-lockfile \
			"$sigma scan --repo $d/work --rev HEAD" > /dev/null
		read -r h_one h_none < <(python3 -c "
import json; r = json.load(open('$d/h.json'))['results']
print(' '.join('%.3f' % x['median'] for x in r))")
		# Registry growth: each push changes one lockfile.
		s0=$(stored_bytes) f0=$(db_bytes) parts=0
		for ((i = 0; i < growth; i++)); do
			k=$(((i * 13 + 5) % n))
			"$gen" --touch "$d/work" "$k"
			git -C "$d/work" commit -qam "growth $i"
			push "$d/work" "$d/srv.git" > /dev/null
			# The changed lockfile's new part: its run in the newest certificate.
			p=$(sqlite3 "$SIGMA_DB" "SELECT length(c.body) FROM submissions s, certificate_parts i, json_each(i.body) e
			    JOIN certificate_parts c ON c.hash = e.value
			    WHERE i.hash = s.parts_index AND s.commit_oid = '$(git -C "$d/work" rev-parse HEAD)'
			    AND instr(c.body, '\"lockfile\":\"projects/$(printf 'p%04d' "$k")/') > 0")
			parts=$((parts + p))
		done
		s1=$(stored_bytes) f1=$(db_bytes)
		growth_row=$(python3 -c "
g, pt, fg, n = $s1 - $s0, $parts, $f1 - $f0, $growth
print('| %d | %.0f KB | %.0f KB | %.2fx | %.0f KB | %.2fx |' % (n, pt / n / 1024, g / n / 1024, g / pt, fg / n / 1024, fg / pt))")
	fi
done

{
	echo "## A monorepo of N lockfiles through the pre-receive hook — $(date -u +%Y-%m-%d), $(nproc) cores"
	echo
	echo "Command: \`make bench-monorepo\` (bench/monorepo.sh). Tree: bench/monorepo-gen.sh, N projects"
	echo "cycling through the real fixture projects (npm v3 and v1, pnpm 9 and 6, yarn 1 and berry;"
	echo "express-api and react-webpack), every lockfile distinct. Push times and peak RSS are the"
	echo "hook's own (/usr/bin/time around \`sigma pre-receive\`); scan is \`sigma scan DIR\` under"
	echo "/usr/bin/time -v. Load average $load when the run started (the machine is shared)."
	echo
	echo "### Cold: first push (empty registry) and sigma scan DIR"
	echo
	echo "| lockfiles | tree | packages | first push | peak RSS | sigma scan | peak RSS |"
	echo "|---:|---:|---:|---:|---:|---:|---:|"
	printf '%s\n' "${size_rows[@]}"
	echo
	echo "### Later pushes at $at lockfiles"
	echo
	echo "| push | hook: median of $pushes (time, peak RSS) | sigma scan --repo, hyperfine median of 10 |"
	echo "|---|---:|---:|"
	echo "| one lockfile changed | $one | $h_one s |"
	echo "| no lockfile changed | $none | $h_none s |"
	echo
	echo "### Registry growth at $at lockfiles, one lockfile changed per push"
	echo
	echo "Stored = certificate parts + submission rows (what certificates cost); file = the"
	echo "database after a WAL checkpoint, which also holds the parse cache of the new blob and"
	echo "the kept judgement of the changed lockfile."
	echo
	echo "| pushes | changed lockfile's part | stored per push | ratio | file growth per push | ratio |"
	echo "|---:|---:|---:|---:|---:|---:|"
	echo "$growth_row"
} > "${MONO_OUT:-$here/bench/monorepo-results.md}"
cat "${MONO_OUT:-$here/bench/monorepo-results.md}"
