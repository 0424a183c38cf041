#!/usr/bin/env bash
# unjudged.sh: never clean about what was not read. A lockfile of a format
# sigma does not read (pdm.lock, deno.lock, ...) is named on every push:
# a warning by default (sigma.unjudged = warn), a refusal under refuse,
# whatever sigma.onError says; the certificate records it; the headline
# never says "0 warnings" while it is there.
source "$(dirname "$0")/../lib.sh"
out=$T/out
server=$(new_server app)
work=$(new_clone work "$server")
cd "$work"
npm_project . '{"left-pad":"1.3.0"}' "$(lock_entry left-pad 1.3.0)"
mkdir -p py && printf '[metadata]\nlock_version = "4.4"\n' > py/pdm.lock
: > deno.lock
git add -A && git commit -qm mixed
check "a pdm.lock and a deno.lock: accepted by default" bash -c "git push origin HEAD:main > '$out' 2>&1"
check "... but not as clean: 2 warnings" grep -q "accepted: 3 lockfiles, 1 package, 2 warnings" "$out"
check "... naming each file as not judged, with the way out" \
	bash -c "grep -q '! py/pdm.lock is not judged' '$out' && grep -q 'pdm export -o requirements.txt' '$out' && grep -q '! deno.lock is not judged' '$out'"
check "... and saying what sigma.unjudged did" grep -q "sigma.unjudged = warn: accepted, but nothing in it was judged" "$out"
sqlite3 "$SIGMA_DB" "SELECT certificate FROM submission_certificates WHERE commit_oid='$(git rev-parse HEAD)'" > "$T/cert.json"
check "the certificate records them as lockfile-unjudged warnings" python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
r = [x for x in c["reasons"] if x.get("code") == "lockfile-unjudged"]
sys.exit(0 if sorted(x["lockfile"] for x in r) == ["deno.lock", "py/pdm.lock"] and all(x["effect"] == "warn" for x in r) else 1)' "$T/cert.json"

git config --file "$SIGMA_CONFIG" sigma.unjudged refuse
git config --file "$SIGMA_CONFIG" sigma.onError accept
echo x > x && git add -A && git commit -qm more
if git push origin HEAD:main > "$out" 2>&1; then nok "sigma.unjudged = refuse refuses, even with sigma.onError = accept"; else ok "sigma.unjudged = refuse refuses, even with sigma.onError = accept"; fi
check "... saying so" grep -q "x py/pdm.lock is not judged" "$out"
"$SIGMA_BIN" scan "$work" > "$out" 2>&1; rc=$?
check "sigma scan of the directory says the same (exit 1)" bash -c "[ $rc -eq 1 ] && grep -q 'deno.lock is not judged' '$out'"
git config --file "$SIGMA_CONFIG" --unset sigma.unjudged
git config --file "$SIGMA_CONFIG" sigma.onError reject
check "a broken lockfile is still onError's business (refused by default)" bash -c "
	printf '{' > package-lock.json && git add -A && git commit -qm broken && ! git push origin HEAD:main > '$out' 2>&1 && grep -q 'package-lock.json could not be read' '$out'"
done_testing
