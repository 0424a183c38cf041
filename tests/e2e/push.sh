#!/usr/bin/env bash
# push.sh: the hook end to end. Every case is a real `git push` to a real
# bare repository whose pre-receive hook is sigma, with a real SQLite
# registry. The packages are made up (left-pad-ish names under our own
# scope) so that the graph's shape is exactly what each case needs:
#   app -> @t/a -> @t/b -> @t/c      (direct, L1, L2)
#   app -> @t/clean
source "$(dirname "$0")/../lib.sh"

server=$(new_server app)
work=$(new_clone work "$server")
cd "$work"

chain_lock() {  # the four packages, with optional extras ($1: more root deps, $2: more entries)
	npm_project . "{\"@t/a\":\"^1.0.0\",\"@t/clean\":\"1.0.0\"${1:+,$1}}" \
	"$(lock_entry @t/a 1.0.0 '{"@t/b":"^1.0.0"}'),$(lock_entry @t/b 1.0.0 '{"@t/c":"^1.0.0"}'),$(lock_entry @t/c 1.0.0),$(lock_entry @t/clean 1.0.0)${2:+,$2}"
}

push() {  # push ARGS...: run git push, keep its output in $T/out, return its status
	git push "$@" > "$T/out" 2>&1
}

# --- a clean first push -----------------------------------------------------
chain_lock
git add -A && git commit -qm "initial"
if push origin main; then ok "a clean push is accepted"; else nok "a clean push is accepted"; cat "$T/out"; fi

check "with no forge configured, an accepted push leaves no outbox row (nothing would read it)" \
	test "$(sqlite3 "$SIGMA_DB" "SELECT count(*) FROM sqlite_master WHERE name = 'webhook_jobs'")" = 0

# --- a blocked direct dependency ---------------------------------------------
sigma registry block npm left-pad 1.3.0 --reason "unpublished and republished with a miner" >/dev/null
chain_lock '"left-pad":"1.3.0"' "$(lock_entry left-pad 1.3.0)"
git add -A && git commit -qm "add left-pad"
bad_commit=$(git rev-parse HEAD)
if push origin main; then nok "a blocked direct dependency is refused"; else ok "a blocked direct dependency is refused"; fi
check "the refusal names the package and its reason" grep -q "left-pad@1.3.0.*direct dependency" "$T/out"
check "the refusal says why" grep -q "unpublished and republished with a miner" "$T/out"
check "the refusal says how to fix it" grep -q "fix:" "$T/out"
check "the refusal names the lockfile" grep -q "lockfile: package-lock.json" "$T/out"
# The pushed objects existed only in the quarantine: the hook read them
# there (it named the package), and git discarded them after the refusal.
if git --git-dir="$server" cat-file -e "$bad_commit" 2>/dev/null; then
	nok "a refused push leaves no objects behind (quarantine)"
else
	ok "a refused push leaves no objects behind (quarantine)"
fi
check "the refused commit's certificate is stored, decision rejected" \
	test "$(sqlite3 "$SIGMA_DB" "SELECT decision FROM submissions WHERE commit_oid='$bad_commit'")" = rejected
git reset -q --hard HEAD~1

# --- a blocked L1 dependency ---------------------------------------------------
sigma registry block npm @t/b 1.0.0 --reason "maintainer account taken over" >/dev/null
echo "change" > README && git add -A && git commit -qm "readme"
# @t/b is already in main, so this push introduces nothing: a warning.
if push origin main; then ok "a package blocked before the push warns, does not refuse"; else nok "a package blocked before the push warns, does not refuse"; cat "$T/out"; fi
check "... and says it was already there" grep -q "already there before this push" "$T/out"
# On a new repository with the same content, @t/b is introduced: refused.
server2=$(new_server fresh)
if push "$server2" main; then nok "a blocked L1 dependency is refused"; else ok "a blocked L1 dependency is refused"; fi
check "the L1 refusal shows the chain" grep -q "chain:   @t/a@1.0.0 > @t/b@1.0.0" "$T/out"
sigma registry unblock npm @t/b 1.0.0 >/dev/null

# --- a blocked L2 dependency ---------------------------------------------------
sigma registry block npm @t/c 1.0.0 --reason "typosquat" >/dev/null
server3=$(new_server l2)
if push "$server3" main; then ok "a blocked L2 dependency is accepted"; else nok "a blocked L2 dependency is accepted"; cat "$T/out"; fi
check "... with a warning naming it" grep -q "warning: @t/c@1.0.0.*L2" "$T/out"
sigma registry unblock npm @t/c 1.0.0 >/dev/null

# --- branches, tags, deletion, force push, several refs --------------------------
git checkout -q -b feature
chain_lock '"left-pad":"1.3.0"' "$(lock_entry left-pad 1.3.0)"
git add -A && git commit -qm "feature with left-pad"
if push origin feature; then nok "a new branch with a blocked dependency is refused"; else ok "a new branch with a blocked dependency is refused"; fi
check "... and the report names the branch" grep -q "refs/heads/feature" "$T/out"
git reset -q --hard main
echo feature > FEATURE && git add -A && git commit -qm "clean feature"
check "a new clean branch is accepted" push origin feature
git tag -a v1 -m "release" && check "an annotated tag is accepted" push origin v1
git tag bad-tag "$bad_commit" 2>/dev/null || git tag bad-tag "$(git rev-parse HEAD)"
if git cat-file -e "$bad_commit" 2>/dev/null; then
	if push origin bad-tag; then nok "a tag on a commit with a blocked dependency is refused"; else ok "a tag on a commit with a blocked dependency is refused"; fi
else
	skip "the refused commit is gone from the clone"
fi
check "deleting a branch is accepted" push origin --delete feature
git checkout -q main
echo one > ONE && git add -A && git commit -qm one && push origin main
git reset -q --hard HEAD~1
echo two > TWO && git add -A && git commit -qm two
check "a clean force push is accepted" push --force origin main
chain_lock '"left-pad":"1.3.0"' "$(lock_entry left-pad 1.3.0)"
git add -A && git commit -qm "force with left-pad"
if push --force origin main; then nok "a force push with a blocked dependency is refused"; else ok "a force push with a blocked dependency is refused"; fi
git reset -q --hard HEAD~1
git branch -q side && git branch -q side2
if push origin side side2 main; then ok "several clean refs in one push are accepted"; else nok "several clean refs in one push are accepted"; cat "$T/out"; fi
git checkout -q side2
chain_lock '"left-pad":"1.3.0"' "$(lock_entry left-pad 1.3.0)"
git add -A && git commit -qm "side2 with left-pad"
git checkout -q side && echo s > S && git add -A && git commit -qm s
if push origin side side2; then nok "one bad ref among several refuses the push"; else ok "one bad ref among several refuses the push"; fi
check "... naming the bad ref" grep -q "refs/heads/side2" "$T/out"
check "... and no ref moved (pre-receive is all or nothing)" \
	test "$(git --git-dir="$server" rev-parse side)" != "$(git rev-parse side)"
git checkout -q main

# --- a monorepo with three lockfiles ---------------------------------------------
server4=$(new_server mono)
mono=$T/mono && mkdir -p "$mono" && cd "$mono" && git init -q
for d in api web tools; do
	mkdir -p "$d"
	(cd "$d" && npm_project . "{\"@t/$d\":\"1.0.0\"}" "$(lock_entry @t/$d 1.0.0)")
done
mkdir -p web/node_modules/x && (cd web/node_modules/x && npm_project . '{"left-pad":"1.3.0"}' "$(lock_entry left-pad 1.3.0)")
git add -A && git commit -qm mono
check "a monorepo whose node_modules/ holds a blocked lockfile is accepted (never looked at)" push "$server4" main
(cd tools && npm_project . '{"@t/tools":"1.0.0","left-pad":"1.3.0"}' "$(lock_entry @t/tools 1.0.0),$(lock_entry left-pad 1.3.0)")
git add -A && git commit -qm "tools adds left-pad"
if push "$server4" main; then nok "a blocked dependency in the third lockfile of a monorepo is refused"; else ok "a blocked dependency in the third lockfile of a monorepo is refused"; fi
check "... naming tools/package-lock.json" grep -q "lockfile: tools/package-lock.json" "$T/out"
check "the certificate lists all three lockfiles" \
	test "$(sigma scan --json --repo "$mono" --rev HEAD | grep -o '"path":"[a-z]*/package-lock.json"' | sort | tr '\n' ' ')" = '"path":"api/package-lock.json" "path":"tools/package-lock.json" "path":"web/package-lock.json" '
git reset -q --hard HEAD~1

# --- a malformed lockfile ------------------------------------------------------------
printf '{\n  "lockfileVersion": 3,\n  "packages": {\n    "": {}\n    "node_modules/x": {}\n  }\n}\n' > api/package-lock.json
git add -A && git commit -qm "broken lockfile"
if push "$server4" main; then nok "a malformed lockfile is refused (sigma.onError = reject)"; else ok "a malformed lockfile is refused (sigma.onError = reject)"; fi
check "... with the file and the line" grep -q "api/package-lock.json:5: not valid JSON" "$T/out"
git --git-dir="$server4" config sigma.onError accept
if push "$server4" main; then ok "... and accepted with sigma.onError = accept"; else nok "... and accepted with sigma.onError = accept"; cat "$T/out"; fi
check "... still telling the pusher why" grep -q "api/package-lock.json:5: not valid JSON" "$T/out"

# --- the deadline --------------------------------------------------------------------
cd "$work"
git --git-dir="$server" config sigma.timeout 1ms
cp "$FIXTURES/npm/react-webpack/package-lock.json" "$FIXTURES/npm/react-webpack/package.json" .
git add -A && git commit -qm "big lockfile"
if push origin main; then nok "a push that cannot be judged in time is refused"; else ok "a push that cannot be judged in time is refused"; fi
check "... saying so" grep -q "could not finish judging this push within 0.0 s" "$T/out"
git --git-dir="$server" config sigma.timeout 4
if push origin main; then ok "the same push within the deadline is accepted"; else nok "the same push within the deadline is accepted"; cat "$T/out"; fi

# --- bad settings fail closed --------------------------------------------------------
git --git-dir="$server" config sigma.onError sometimes
echo x >> README && git add -A && git commit -qm x
if push origin main; then nok "a bad sigma.onError refuses rather than guesses"; else ok "a bad sigma.onError refuses rather than guesses"; fi
check "... naming the key" grep -q "sigma.onError: expected 'reject' or 'accept', got 'sometimes'" "$T/out"
git --git-dir="$server" config --unset sigma.onError

# --- sigma.policy = all -----------------------------------------------------------------
chain_lock && git add -A && git commit -qm "back to the small lockfile" && push origin main
sigma registry block npm @t/a 1.0.0 --reason "late finding" >/dev/null
echo y >> README && git add -A && git commit -qm y
check "with the default policy an old blocked direct dependency only warns" push origin main
git --git-dir="$server" config sigma.policy all
echo z >> README && git add -A && git commit -qm z
if push origin main; then nok "sigma.policy = all refuses it"; cat "$T/out"; else ok "sigma.policy = all refuses it"; fi

done_testing
