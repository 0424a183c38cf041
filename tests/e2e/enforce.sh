#!/usr/bin/env bash
# enforce.sh: rolling sigma out. sigma.enforce = testing (per repository)
# runs the whole judgement, stores and signs the certificate, prints what
# would have been refused with every line marked "testing:", and accepts;
# the certificate says so. sigma.enforce = off judges nothing and says so on
# every push. A wrong value fails closed. The pusher named by the server's
# hook environment is recorded in the certificate.
source "$(dirname "$0")/../lib.sh"
out=$T/out
server=$(new_server app)
work=$(new_clone work "$server")
cd "$work"
sigma registry block npm evil 1.0.0 --reason "steals tokens" > /dev/null
cert_of() { sqlite3 "$SIGMA_DB" "SELECT certificate FROM submission_certificates WHERE commit_oid='$(git rev-parse HEAD)'"; }

git --git-dir="$server" config sigma.enforce testing
npm_project . '{"evil":"1.0.0"}' "$(lock_entry evil 1.0.0)"
git add -A && git commit -qm evil
check "testing: a blocked direct dependency is accepted" \
	bash -c "GITEA_REPO_USER_NAME=alice GITEA_REPO_NAME=app GITEA_PUSHER_NAME=mallory git push origin HEAD:main > '$out' 2>&1"
grep '^remote: ' "$out" | sed 's/^remote: //; s/ *$//' | grep -v '^$' > "$T/lines"
check "... every line of what would refuse it starts with testing:" \
	bash -c "[ \$(grep -c '^testing: ' '$T/lines') -ge 5 ] && grep -q '^testing: sigma: push refused for refs/heads/main' '$T/lines'"
check "... with the reason" grep -q "^testing: .*why: .*steals tokens" "$T/lines"
check "... and one closing line saying it was accepted" grep -q "^sigma: sigma.enforce = testing: the push is accepted" "$T/lines"
cert_of > "$T/cert.json"
check "the certificate is stored: decision accepted, would be rejected, enforcement testing" python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
sys.exit(0 if (c["decision"], c["would_decision"], c["enforcement"]) == ("accepted", "rejected", "testing") else 1)' "$T/cert.json"
check "... naming the pusher from Gitea's hook environment" \
	python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["subject"]["pusher"] == "mallory" else 1)' "$T/cert.json"
check "... and it verifies" bash -c "'$SIGMA_BIN' verify '$T/cert.json' | grep -q 'matches the content'"

git --git-dir="$server" config sigma.enforce off
npm_project . '{"evil":"1.0.0","evil2":"1.0.0"}' "$(lock_entry evil 1.0.0),$(lock_entry evil2 1.0.0)"
sigma registry block npm evil2 1.0.0 --reason "also bad" > /dev/null
git add -A && git commit -qm off
check "off: the push is accepted without judging" bash -c "git push origin HEAD:main > '$out' 2>&1"
check "... saying so" grep -q "sigma: not judged: sigma.enforce = off for this repository" "$out"
check "... and no certificate is stored" test -z "$(cert_of)"

git --git-dir="$server" config sigma.enforce sometimes
echo x > x && git add -A && git commit -qm typo
if git push origin HEAD:main > "$out" 2>&1; then nok "a wrong sigma.enforce value refuses (fails closed)"; else ok "a wrong sigma.enforce value refuses (fails closed)"; fi
check "... naming the key" grep -q "sigma.enforce: expected block, testing or off" "$out"
git --git-dir="$server" config --unset sigma.enforce
sigma registry block npm evil3 1.0.0 --reason "third" > /dev/null
npm_project . '{"evil":"1.0.0","evil2":"1.0.0","evil3":"1.0.0"}' "$(lock_entry evil 1.0.0),$(lock_entry evil2 1.0.0),$(lock_entry evil3 1.0.0)"
git add -A && git commit -qm block
if git push origin HEAD:main > "$out" 2>&1; then nok "back to block: a newly blocked package refuses"; else ok "back to block: a newly blocked package refuses"; fi
check "... while the ones accepted in testing are now 'already there' warnings" \
	grep -q "warning: evil@1.0.0 .*already there before this push" "$out"
done_testing
