#!/usr/bin/env bash
# cache.sh: the hook's caches, seen through SIGMA_TRACE on real pushes. A
# lockfile blob is parsed once, ever: pushing it again on another branch, or
# in another repository served by the same registry, is a cache hit; and a
# push that does not touch the lockfiles parses nothing.
source "$(dirname "$0")/../lib.sh"
export SIGMA_TRACE=1
server=$(new_server app)
work=$(new_clone work "$server")
cd "$work"
cp "$FIXTURES/npm/react-webpack/package-lock.json" "$FIXTURES/npm/react-webpack/package.json" .
git add -A && git commit -qm "react app"
git push -q origin main 2> "$T/out"
check "the first push parses the lockfile" grep -q "refs/heads/main lockfiles=1 parsed=1 cached=0" "$T/out"

git checkout -q -b other && echo x > X && git add -A && git commit -qm x
git push -q origin other 2> "$T/out"
check "the same lockfile on another branch parses nothing and reuses the clean judgement" \
	grep -q "refs/heads/other lockfiles=1 parsed=0 .*judgement=reused" "$T/out"

for i in $(seq 1 50); do echo "$i" > "file$i"; git add -A; git commit -qm "commit $i"; done
git push -q origin other 2> "$T/out"
check "50 commits that leave the lockfile alone parse nothing" grep -q "lockfiles=1 parsed=0 .*judgement=reused" "$T/out"

server2=$(new_server second)
git push -q "$server2" other 2> "$T/out"
check "another repository with the same lockfile blob reuses the work" grep -q "parsed=0 .*judgement=reused" "$T/out"

# A judgement is reused only while the registry is unchanged: after a block
# of a package in the lockfile, the same lockfile pushed to a repository
# that never had it is refused, reuse or not.
sigma registry block npm webpack 4.29.6 --reason "test: reuse must not hide this" > /dev/null
fresh=$(new_server fresh)
if git push "$fresh" other > "$T/out" 2>&1; then nok "after a block, the same lockfile is judged again and refused"; else ok "after a block, the same lockfile is judged again and refused"; fi
check "... naming webpack" grep -q "x webpack@4.29.6" "$T/out"
check "... with the graph from the parse cache and the judgement computed" grep -q "parsed=0 cached=1 .*judgement=computed" "$T/out"
git checkout -q -b third && echo t > T && git add -A && git commit -qm t
git push -q origin third 2> "$T/out"
check "where it was already there, it warns (judged afresh, not reused)" \
	bash -c "grep -q 'already there before this push' '$T/out' && grep -q 'judgement=computed' '$T/out'"
sigma registry unblock npm webpack 4.29.6 > /dev/null
fresh2=$(new_server fresh2)
git push -q "$fresh2" third 2> "$T/out"
check "after the unblock the lockfile is clean again: accepted" grep -q "accepted: 1 lockfile, 1244 packages, 0 warnings" "$T/out"
git checkout -q other

# A changed manifest is a different cache key: the graph is parsed again.
sed -i 's/"name": *"react-webpack-app"/"name":"renamed"/' package.json
git add -A && git commit -qm rename && git push -q origin other 2> "$T/out"
check "a changed package.json next to the lockfile is parsed again" grep -q "parsed=1 cached=0" "$T/out"

# A corrupt cache row is not trusted: it is parsed again and overwritten.
sqlite3 "$SIGMA_DB" "UPDATE cache SET value='{\"n\":7}' WHERE key LIKE 'lock:%' OR key LIKE 'judged:%' OR key LIKE 'lockjudged:%'"
echo y > Y && git add -A && git commit -qm y && git push -q origin other 2> "$T/out"
check "a corrupt cache entry is re-parsed, not trusted" grep -q "parsed=1 cached=0" "$T/out"
# Certificates share their packages list: the react app's 1,244 packages are
# stored once however many commits and branches carry them, and each
# certificate still reads back whole and intact.
check "one shared copy of the packages list for all the pushes of the same lockfile" \
	test "$(sqlite3 "$SIGMA_DB" "SELECT count(*) FROM certificate_parts")" -le 3
check "... while every submission has its certificate" \
	test "$(sqlite3 "$SIGMA_DB" "SELECT count(*) FROM submissions")" -ge 5
sqlite3 "$SIGMA_DB" "SELECT certificate FROM submission_certificates WHERE ref='refs/heads/other' ORDER BY issued_at LIMIT 1" > "$T/cert.json"
check "a certificate read back from shared storage is whole: its id matches its content" \
	bash -c "'$SIGMA_BIN' verify '$T/cert.json' | grep -q 'NOT SIGNED.*matches the content'"
check "... and is exactly the canonical form an independent writer (Python json, sorted keys) produces" \
	python3 -c "import json,sys; raw=open('$T/cert.json').read().strip(); sys.exit(0 if json.dumps(json.loads(raw), sort_keys=True, separators=(',', ':'), ensure_ascii=False) == raw else 1)"
check "... and it lists all 1,244 packages" \
	test "$(python3 -c "import json; print(len(json.load(open('$T/cert.json'))['packages']))")" -eq 1244
check "... in a row far smaller than the certificate" \
	test "$(sqlite3 "$SIGMA_DB" "SELECT max(length(certificate)) FROM submissions WHERE part_hash IS NOT NULL")" -lt 20000
# The hook leaves the write-ahead log to the next process (no checkpoint on
# every close), but never lets it grow without bound: 150 more pushes of the
# same lockfile (3 pages each) keep it under 1 MiB plus a page, the point
# where the closing hook checkpoints and truncates it.
head=$(git rev-parse HEAD)
for i in $(seq 1 150); do
	printf '%s %s refs/heads/wal%s\n' 0000000000000000000000000000000000000000 "$head" "$i" |
		GIT_DIR="$server" "$SIGMA_BIN" pre-receive 2> /dev/null
done
wal=$(stat -c %s "$SIGMA_DB-wal" 2>/dev/null || echo 0)
check "150 pushes leave a bounded write-ahead log ($wal bytes)" test "$wal" -le $((257 * 4120))
check "... and their certificates are all there" \
	test "$(sqlite3 "$SIGMA_DB" "SELECT count(*) FROM submissions WHERE ref LIKE 'refs/heads/wal%'")" -eq 150
# A judgement kept while a check was off is not reused once it is on: the
# same clean tree, judged again under a release-age cooldown, warns that
# the publish times are unknown.
fresh3=$(new_server fresh3)
git push -q "$fresh3" HEAD:refs/heads/main 2> "$T/out"
check "(the clean tree is reused in a new repository while settings are unchanged)" grep -q "judgement=reused" "$T/out"
git config --file "$SIGMA_CONFIG" sigma.minimumReleaseAge 3d
fresh4=$(new_server fresh4)
git push -q "$fresh4" HEAD:refs/heads/main 2> "$T/out"
check "turning sigma.minimumReleaseAge on: the kept judgement is not reused" \
	bash -c "grep -q 'judgement=computed' '$T/out' && grep -q 'release-age-unknown' '$T/out'"
git config --file "$SIGMA_CONFIG" --unset sigma.minimumReleaseAge
done_testing
