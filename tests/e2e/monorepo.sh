#!/usr/bin/env bash
# monorepo.sh: a monorepo of 60 real lockfiles (npm v3 and v1, pnpm 9 and
# 6, yarn 1 and berry; bench/monorepo-gen.sh) pushed through a real hook
# (issue 22). The certificate is stored one part per lockfile: a push that
# changes one lockfile stores one new part and one index, a push that
# changes none stores no part; every stored certificate verifies, and one
# with any stored part altered does not. Clean lockfiles are kept whole and
# neither parsed nor judged again; a block (a new registry generation)
# drops them, so verdicts stay right. The headline counts the same way on
# every push.
. "$(dirname "$0")/../lib.sh"
N=60
gen=$TESTS_DIR/../bench/monorepo-gen.sh

sigma keygen > /dev/null
git config --file "$SIGMA_CONFIG" sigma.signingKey "$XDG_DATA_HOME/sigma/signing.key"
server=$(new_server mono)
work=$T/work
"$gen" "$work" $N
git -C "$work" init -q
git -C "$work" add -A
git -C "$work" commit -qm "$N projects"
export SIGMA_TRACE=1

parts() { sqlite3 "$SIGMA_DB" "SELECT count(*) FROM certificate_parts"; }
stored() { # the certificate of commit $1, read back through the view
	sqlite3 "$SIGMA_DB" "SELECT certificate FROM submission_certificates WHERE commit_oid='$1'" > "$2"
}
headline() { grep -o "accepted: $N lockfiles, [0-9]* packages" "$1"; }

# --- the first push --------------------------------------------------------------
git -C "$work" push -q "$server" HEAD:refs/heads/main 2> "$T/out1"; rc=$?
check "the first push of $N lockfiles is accepted" test "$rc" -eq 0
check "... every lockfile parsed once" grep -q "lockfiles=$N parsed=$N cached=0 kept=0" "$T/out1"
first=$(headline "$T/out1")
check "... and the headline counts all $N lockfiles and their packages ($first)" test -n "$first"
c1=$(git -C "$work" rev-parse HEAD)
stored "$c1" "$T/c1.json"
check "the stored certificate verifies (id, signature, chains) when read back from its parts" \
	bash -c "'$SIGMA_BIN' verify '$T/c1.json' | grep -q '^OK: '"
check "... it is v3, with one lockfile entry per lockfile, and as many packages as the headline says" \
	python3 - "$T/c1.json" $N "${first##*, }" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); n = int(sys.argv[2]); total = int(sys.argv[3].split()[0])
assert c["schema"] == "sigma.certificate/v3", c["schema"]
assert len(c["lockfiles"]) == n and len(c["packages"]) == total
assert sum(l["packages"] for l in c["lockfiles"]) == total
PY
check "... stored as one part per lockfile plus an index" test "$(parts)" -eq $((N + 1))
check "... the submission row names the index and holds no package itself" \
	test "$(sqlite3 "$SIGMA_DB" "SELECT count(*) FROM submissions WHERE parts_index IS NOT NULL AND instr(certificate, '\"purl\"') = 0")" -eq 1

# --- a push that changes one lockfile --------------------------------------------
"$gen" --touch "$work" 0
git -C "$work" commit -qam "one lockfile"
git -C "$work" push -q "$server" HEAD:refs/heads/main 2> "$T/out2"; rc=$?
check "a push changing one lockfile is accepted" test "$rc" -eq 0
check "... parsing and judging only that one: the other $((N - 1)) are kept whole" \
	grep -q "lockfiles=$N parsed=1 cached=0 kept=$((N - 1))" "$T/out2"
check "... with the same headline count as the first push" test "$(headline "$T/out2")" = "$first"
check "... and it stores two parts: the changed lockfile's and a new index" test "$(parts)" -eq $((N + 3))
c2=$(git -C "$work" rev-parse HEAD)
stored "$c2" "$T/c2.json"
check "... its certificate verifies" bash -c "'$SIGMA_BIN' verify '$T/c2.json' | grep -q '^OK: '"
check "... and is the first one but for that lockfile's blob and one package's integrity" \
	python3 - "$T/c1.json" "$T/c2.json" <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
diff = [i for i, (p, q) in enumerate(zip(a["packages"], b["packages"])) if p != q]
assert len(a["packages"]) == len(b["packages"]) and len(diff) == 1, diff
assert a["packages"][diff[0]]["lockfile"] == "projects/p0000/package-lock.json"
assert [l for l in a["lockfiles"] if l["blob"] not in {m["blob"] for m in b["lockfiles"]}][0]["path"] == "projects/p0000/package-lock.json"
PY

# --- a push that changes no lockfile ---------------------------------------------
echo "docs" > "$work/README"
git -C "$work" add README
git -C "$work" commit -qm readme
git -C "$work" push -q "$server" HEAD:refs/heads/main 2> "$T/out3"; rc=$?
check "a push changing no lockfile is accepted, its judgement reused whole" \
	bash -c "test $rc -eq 0 && grep -q 'judgement=reused' '$T/out3'"
check "... with the same headline count" test "$(headline "$T/out3")" = "$first"
check "... and it stores no part" test "$(parts)" -eq $((N + 3))
c3=$(git -C "$work" rev-parse HEAD)
stored "$c3" "$T/c3.json"
check "... its certificate verifies" bash -c "'$SIGMA_BIN' verify '$T/c3.json' | grep -q '^OK: '"

# --- altering any stored part fails verification -----------------------------------
cp "$SIGMA_DB" "$T/saved.db"
idx=$(sqlite3 "$SIGMA_DB" "SELECT parts_index FROM submissions WHERE commit_oid='$c3'")
last=$(sqlite3 "$SIGMA_DB" "SELECT e.value FROM certificate_parts i, json_each(i.body) e WHERE i.hash='$idx' ORDER BY e.key DESC LIMIT 1")
sqlite3 "$SIGMA_DB" "UPDATE certificate_parts SET body = replace(body, '\"dev\":false', '\"dev\":true') WHERE hash='$last'"
stored "$c3" "$T/altered.json"
"$SIGMA_BIN" verify "$T/altered.json" > "$T/v" 2>&1; rc=$?
check "a certificate whose last lockfile's part was altered in storage fails verification" \
	bash -c "test $rc -ne 0 && grep -q '^FAILED' '$T/v'"
cp "$T/saved.db" "$SIGMA_DB"; rm -f "$SIGMA_DB-wal" "$SIGMA_DB-shm"
sqlite3 "$SIGMA_DB" "DELETE FROM certificate_parts WHERE hash=(SELECT e.value FROM certificate_parts i, json_each(i.body) e WHERE i.hash='$idx' AND e.key=7)"
stored "$c3" "$T/missing.json"
"$SIGMA_BIN" verify "$T/missing.json" > "$T/v" 2>&1; rc=$?
check "... and so does one with a part missing" bash -c "test $rc -ne 0 && ! grep -q '^OK' '$T/v'"
cp "$T/saved.db" "$SIGMA_DB"; rm -f "$SIGMA_DB-wal" "$SIGMA_DB-shm"
stored "$c3" "$T/again.json"
check "... while the untouched parts give back a certificate that verifies" \
	bash -c "'$SIGMA_BIN' verify '$T/again.json' | grep -q '^OK: '"

# --- a block: kept judgements are not trusted across registry generations ----------------
sigma registry block npm pg 8.23.1 --reason "test" > /dev/null
echo "more docs" >> "$work/README"
git -C "$work" commit -qam readme2
git -C "$work" push -q "$server" HEAD:refs/heads/main 2> "$T/out4"; rc=$?
check "after a block, a push changing no lockfile is judged afresh (nothing kept)" \
	grep -q "lockfiles=$N parsed=0 cached=$N kept=0 old_tip_scanned=1 judgement=computed" "$T/out4"
check "... accepted, the blocked pg already there a warning, not a refusal" \
	bash -c "test $rc -eq 0 && grep -q 'accepted: $N lockfiles, [0-9]* packages, [1-9][0-9]* warning' '$T/out4'"
mkdir -p "$work/projects/zz-new"
cp "$FIXTURES/npm/express-api/package.json" "$FIXTURES/npm/express-api/package-lock.json" "$work/projects/zz-new/"
git -C "$work" add -A
git -C "$work" commit -qm "a new project with express"
git -C "$work" push -q "$server" HEAD:refs/heads/main 2> "$T/out5"; rc=$?
check "a new project bringing the blocked pg as a direct dependency is refused" \
	bash -c "test $rc -ne 0 && grep -q 'pg@8.23.1' '$T/out5'"
# The react-webpack projects (one in four) have no pg: they were clean on
# the previous push and are kept; the express-api ones warn, and are judged
# every time.
kept=$(grep -o "kept=[0-9]*" "$T/out5" | cut -d= -f2)
check "... the new lockfile parsed, the clean ones kept from the previous push ($kept), the others judged again" \
	bash -c "grep -q 'lockfiles=$((N + 1)) parsed=1 cached=$((N - kept)) kept=$kept' '$T/out5' && test $kept -ge $((N / 4)) && test $kept -lt $N"
c5=$(git -C "$work" rev-parse HEAD)
stored "$c5" "$T/c5.json"
check "the refused push's certificate verifies, kept runs and judged ones together" \
	bash -c "'$SIGMA_BIN' verify '$T/c5.json' | grep -q '^OK: '"
check "... and its reason names pg by its position in the whole packages array" \
	python3 - "$T/c5.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
r = [r for r in c["reasons"] if r.get("index") is not None and r["lockfile"] == "projects/zz-new/package-lock.json"]
assert r and c["decision"] == "rejected"
p = c["packages"][r[0]["index"]]
assert p["name"] == "pg" and p["version"] == "8.23.1" and p["lockfile"] == "projects/zz-new/package-lock.json", p
PY

done_testing
