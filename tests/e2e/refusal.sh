#!/usr/bin/env bash
# refusal.sh: what the pusher reads. Under GitLab every line of sigma's
# message carries GL-HOOK-ERR: (GitLab drops the others); with
# serve.publicUrl the refusal links the certificate's page; sigma.contact
# says whom to ask; the advice names no server-side command; the headline
# counts the packages of every lockfile, in good English.
source "$(dirname "$0")/../lib.sh"
out=$T/out
server=$(new_server app)
work=$(new_clone work "$server")
cd "$work"
sigma registry block npm evil 1.0.0 --reason "steals tokens" > /dev/null
git config --file "$SIGMA_CONFIG" serve.publicUrl "https://sigma.example.invalid/"
git config --file "$SIGMA_CONFIG" sigma.contact "security@example.invalid (#supply-chain)"

# Two lockfiles: the headline counts both (3 + 1 packages).
npm_project . '{"left-pad":"1.3.0","a":"1.0.0","b":"1.0.0"}' \
	"$(lock_entry left-pad 1.3.0),$(lock_entry a 1.0.0),$(lock_entry b 1.0.0)"
npm_project sub '{"c":"1.0.0"}' "$(lock_entry c 1.0.0)"
git add -A && git commit -qm two-lockfiles
git push origin main > "$out" 2>&1
check "the headline counts every lockfile's packages" grep -q "accepted: 2 lockfiles, 4 packages, 0 warnings" "$out"
git rm -rq sub && git commit -qm one
npm_project . '{"left-pad":"1.3.0"}' "$(lock_entry left-pad 1.3.0)"
git add -A && git commit -qm single
git push origin main > "$out" 2>&1
check "... and says \"1 lockfile, 1 package, 0 warnings\"" grep -q "accepted: 1 lockfile, 1 package, 0 warnings" "$out"

# A refusal under GitLab: GL_ID and GL_PROTOCOL are what its hooks get.
npm_project . '{"left-pad":"1.3.0","evil":"1.0.0"}' "$(lock_entry left-pad 1.3.0),$(lock_entry evil 1.0.0)"
git add -A && git commit -qm evil
if GL_ID=user-7 GL_PROTOCOL=ssh GL_PROJECT_PATH=group/app git push origin main > "$out" 2>&1; then
	nok "the blocked package is refused"
else
	ok "the blocked package is refused"
fi
grep '^remote: ' "$out" | sed 's/^remote: //; s/ *$//' | grep -v '^$' > "$T/lines"
check "under GitLab, sigma wrote several lines" test "$(wc -l < "$T/lines")" -ge 5
check "... every one of them starts with GL-HOOK-ERR:" bash -c "! grep -v '^GL-HOOK-ERR: ' '$T/lines'"
check "... the reason is among them" grep -q "^GL-HOOK-ERR: .*why: .*steals tokens" "$T/lines"
check "... and the fix" grep -q "^GL-HOOK-ERR: .*fix: " "$T/lines"
check "the refusal links the certificate's page under serve.publicUrl" \
	grep -qE "certificate: https://sigma.example.invalid/certificates/[0-9a-f]{64}$" "$T/lines"
check "... says whom to ask for an exception (sigma.contact)" grep -q "exceptions: security@example.invalid (#supply-chain)" "$T/lines"
check "... and names no command the pusher cannot run" bash -c "! grep -q 'sigma registry' '$T/lines'"

# Without GitLab's environment, no prefix at all.
git push origin main > "$out" 2>&1
check "outside GitLab, no line carries the prefix" bash -c "! grep -q 'GL-HOOK-ERR' '$out'"

# A registry that cannot be used: also prefixed line by line under GitLab.
if SIGMA_DB=$T/none.db GL_ID=user-7 git push origin main > "$out" 2>&1; then nok "a missing registry refuses"; else ok "a missing registry refuses"; fi
grep '^remote: ' "$out" | sed 's/^remote: //; s/ *$//' | grep -v '^$' > "$T/lines"
check "... and under GitLab every line of that message is prefixed too" \
	bash -c "[ \$(wc -l < '$T/lines') -ge 4 ] && ! grep -v '^GL-HOOK-ERR: ' '$T/lines'"
done_testing
