#!/bin/bash
# council.sh: `make bench-council`. The council (unpack + reviewers +
# consensus, without the sandbox) on
#   - the malicious samples of tests/fixtures/council/malicious (written
#     for sigma from public descriptions of real incidents; inert: only
#     loopback and .invalid hosts), each expected to be blocked or flagged;
#   - popular packages fetched at bench time (bench/council/fetch.sh:
#     npm pack, and Debian's python3-* packages), each expected to be
#     approved.
# Prints detection per category, false positives by name, and the
# council's time per package. COUNCIL_CACHE (default ~/.cache/sigma-council)
# keeps the fetched packages between runs; COUNCIL_OFFLINE=1 skips fetching.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
driver=${COUNCIL_DRIVER:-$here/build/bench/council}
cache=${COUNCIL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sigma-council}
corpus=$here/tests/fixtures/council/malicious
[ "${COUNCIL_OFFLINE:-0}" = 1 ] || bash "$here/bench/council/fetch.sh" "$cache"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sigma-council.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Malicious: ECO NAME PATH [META] in, verdict lines out (same order).
grep -v '^#' "$corpus/INDEX" > "$tmp/index"
while read -r eco name dir cat expect meta; do
	m=""; [ "$meta" != - ] && m=$corpus/$meta
	echo "$eco $name $corpus/$dir $m"
done < "$tmp/index" > "$tmp/mal.in"
"$driver" < "$tmp/mal.in" > "$tmp/mal.out"
paste "$tmp/index" "$tmp/mal.out" > "$tmp/mal"

# Popular.
: > "$tmp/pop.in"
for t in "$cache"/npm/*.tgz; do
	[ -e "$t" ] || continue
	n=$(basename "$t" .tgz); echo "npm ${n//__//} $t" >> "$tmp/pop.in"
done
for d in "$cache"/pypi/*/; do
	[ -d "$d" ] || continue
	echo "pypi $(basename "$d") $d" >> "$tmp/pop.in"
done
"$driver" < "$tmp/pop.in" > "$tmp/pop.out"

awk -F'\t' '
FILENAME ~ /mal$/ {
	split($1, f, " "); cat = f[4]; want = f[5]; v = $2
	n[cat]++; tot++
	if (v == "REJECTED" || v == "FLAGGED") { det[cat]++; dtot++ }
	if (want == "block") { nb[cat]++; btot++; if (v == "REJECTED") { blk[cat]++; bok++ } }
	if (v == "APPROVED" || (want == "block" && v != "REJECTED")) miss = miss sprintf("  %-9s %-22s %-18s %s\n", v, f[2], cat, $6)
	next
}
{
	pn++
	if ($1 == "FLAGGED") { fl++; fp = fp sprintf("  FLAGGED   %-22s %s\n", $4, $5) }
	if ($1 == "REJECTED") { bl++; fp = fp sprintf("  REJECTED  %-22s %s\n", $4, $5) }
	t[pn] = $3
}
END {
	printf "malicious samples: %d, detected (flagged or blocked) %d (%.0f%%); of %d that must be blocked, blocked %d (%.0f%%)\n", tot, dtot, 100*dtot/tot, btot, bok, btot ? 100*bok/btot : 0
	printf "| category | samples | detected | must block | blocked |\n|---|---|---|---|---|\n"
	for (c in n) printf "| %s | %d | %d | %d | %d |\n", c, n[c], det[c]+0, nb[c]+0, blk[c]+0
	printf "\nnot detected, or not blocked when it must be:\n%s", miss
	printf "\npopular packages: %d, flagged %d (%.1f%%), blocked %d (%.1f%%)\n%s", pn, fl+0, 100*fl/pn, bl+0, 100*bl/pn, fp
}' "$tmp/mal" "$tmp/pop.out"
# Time per popular npm package (council + consensus), median and worst.
awk -F'\t' 'NR==FNR { split($0, x, " "); eco[FNR]=x[1]; next } eco[FNR]=="npm" { print $3 }' "$tmp/pop.in" "$tmp/pop.out" | sort -n |
	awk '{ a[NR]=$1 } END { if (NR) printf "council time per popular npm package: median %.2f ms, p90 %.2f ms, max %.2f ms (n=%d)\n", a[int((NR+1)/2)]/1000, a[int(NR*0.9)]/1000, a[NR]/1000, NR }'
