#!/usr/bin/env bash
# install.sh: contrib/install-hook.sh on real bare repositories: a plain
# install, one that keeps and chains an existing hook, and the Gitea and
# GitLab layouts.
source "$(dirname "$0")/../lib.sh"
installer=$TESTS_DIR/../contrib/install-hook.sh

git init -q --bare "$T/plain.git"
check "plain install succeeds" sh "$installer" --sigma "$SIGMA_BIN" "$T/plain.git"
check "... as a symlink named pre-receive" test "$(readlink "$T/plain.git/hooks/pre-receive")" = "$SIGMA_BIN"

git init -q --bare "$T/chained.git"
printf '#!/bin/sh\nwhile read o n r; do echo "old hook saw $r"; done\n' > "$T/chained.git/hooks/pre-receive"
chmod +x "$T/chained.git/hooks/pre-receive"
sh "$installer" --sigma "$SIGMA_BIN" "$T/chained.git" > /dev/null
work=$(new_clone w "$T/chained.git")
cd "$work"
npm_project . '{"left-pad":"1.3.0"}' "$(lock_entry left-pad 1.3.0)"
git add -A && git commit -qm one
git push origin main > "$T/out" 2>&1
check "the existing hook still runs after sigma, with the same input" grep -q "old hook saw refs/heads/main" "$T/out"
check "... and sigma ran first" grep -q "sigma: refs/heads/main" "$T/out"
sigma registry block npm evil 1.0.0 --reason test > /dev/null
git checkout -q -b b2
npm_project . '{"left-pad":"1.3.0","evil":"1.0.0"}' "$(lock_entry left-pad 1.3.0),$(lock_entry evil 1.0.0)"
git add -A && git commit -qm two
if git push origin b2 > "$T/out" 2>&1; then nok "a refusal by sigma stops the chain"; else ok "a refusal by sigma stops the chain"; fi
check "... before the old hook runs" bash -c "! grep -q 'old hook saw refs/heads/b2' '$T/out'"

git init -q --bare "$T/gitea.git"
sh "$installer" --sigma "$SIGMA_BIN" --layout gitea "$T/gitea.git" > /dev/null
check "gitea layout: hooks/pre-receive.d/sigma is executable" test -x "$T/gitea.git/hooks/pre-receive.d/sigma"
git init -q --bare "$T/gitlab.git"
sh "$installer" --sigma "$SIGMA_BIN" --layout gitlab "$T/gitlab.git" > /dev/null
check "gitlab layout: custom_hooks/pre-receive.d/sigma is executable" test -x "$T/gitlab.git/custom_hooks/pre-receive.d/sigma"
if sh "$installer" --sigma "$SIGMA_BIN" "$T" > "$T/out" 2>&1 && grep -q "not a bare repository" "$T/out"; then
	ok "a directory that is not a bare repository is skipped, saying so"
else
	nok "a directory that is not a bare repository is skipped, saying so"
fi
done_testing
