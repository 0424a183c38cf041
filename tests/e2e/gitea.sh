#!/usr/bin/env bash
# gitea.sh: the Gitea/Forgejo layout. `install-hook.sh --layout gitea ROOT`
# reaches every ROOT/owner/repo.git, Gitea's dispatcher runs sigma from
# hooks/pre-receive.d/, the certificate names the repository as owner/name
# from Gitea's hook environment, "Resynchronize hooks" leaves sigma in
# place, the systemd unit's command picks up a repository created later,
# and a second run changes nothing. Gitea itself is not a Debian package:
# its dispatcher hook is stood in for by a script that does what Gitea's
# generated hooks/pre-receive does (run each executable in pre-receive.d
# with the same input; any failure refuses).
source "$(dirname "$0")/../lib.sh"
out=$T/out
installer=$TESTS_DIR/../contrib/install-hook.sh
units=$TESTS_DIR/../contrib/gitea
root=$T/gitea-repositories

# Gitea's side: a repository and its dispatcher, as Gitea writes them.
gitea_repo() {  # gitea_repo OWNER NAME
	local r=$root/$1/$2.git
	git init -q --bare "$r"
	gitea_resync "$r"
}
gitea_resync() {  # what "Resynchronize hooks" rewrites in one repository
	mkdir -p "$1/hooks/pre-receive.d"
	cat > "$1/hooks/pre-receive" <<'SH'
#!/bin/sh
# stand-in for Gitea's generated dispatcher
input=$(cat)
status=0
for h in "$(dirname "$0")"/pre-receive.d/*; do
	[ -f "$h" ] && [ -x "$h" ] || continue
	printf '%s\n' "$input" | "$h" || status=$?
done
exit $status
SH
	printf '#!/bin/sh\nexit 0\n' > "$1/hooks/pre-receive.d/gitea"
	chmod +x "$1/hooks/pre-receive" "$1/hooks/pre-receive.d/gitea"
}
gitea_repo alice app
gitea_repo bob lib

sh "$installer" --layout gitea --sigma "$SIGMA_BIN" "$root" > "$out" 2>&1
check "--layout gitea ROOT installs into every owner's repositories (2)" \
	test "$(grep -c '^sigma installed in' "$out")" -eq 2
check "... as hooks/pre-receive.d/sigma, executable" \
	bash -c "test -x '$root/alice/app.git/hooks/pre-receive.d/sigma' && test -x '$root/bob/lib.git/hooks/pre-receive.d/sigma'"
sh "$installer" --layout gitea --sigma "$SIGMA_BIN" --quiet --no-doctor "$root" > "$out" 2>&1
check "a second run with --quiet changes and says nothing" test ! -s "$out"

sigma registry block npm evil 1.0.0 --reason "steals tokens" > /dev/null
work=$(new_clone work "$root/alice/app.git")
cd "$work"
npm_project . '{"evil":"1.0.0"}' "$(lock_entry evil 1.0.0)"
git add -A && git commit -qm evil
gitea_env() { GITEA_REPO_USER_NAME=alice GITEA_REPO_NAME=app GITEA_PUSHER_NAME=mallory "$@"; }
if gitea_env git push origin HEAD:main > "$out" 2>&1; then nok "Gitea's dispatcher runs sigma: the blocked push is refused"; else ok "Gitea's dispatcher runs sigma: the blocked push is refused"; fi
check "... with sigma's reason" grep -q "steals tokens" "$out"
sigma registry unblock npm evil 1.0.0 > /dev/null
gitea_env git push -q origin HEAD:main 2> /dev/null
check "the certificate names the repository as Gitea does (alice/app)" \
	test "$(sqlite3 "$SIGMA_DB" "SELECT repository FROM submissions WHERE commit_oid='$(git rev-parse HEAD)'")" = alice/app

# "Resynchronize hooks" rewrites Gitea's files; sigma's stays and still runs.
gitea_resync "$root/alice/app.git"
sigma registry block npm evil2 1.0.0 --reason "also steals" > /dev/null
npm_project . '{"evil":"1.0.0","evil2":"1.0.0"}' "$(lock_entry evil 1.0.0),$(lock_entry evil2 1.0.0)"
git add -A && git commit -qm more
if gitea_env git push origin HEAD:main > "$out" 2>&1; then nok "after a resync the hook still refuses"; else ok "after a resync the hook still refuses"; fi

# A repository created later: the unit's own command line installs it.
gitea_repo carol new
cmd=$(sed -n 's/^ExecStart=//p' "$units/sigma-gitea-hooks.service")
check "the service runs the installer for the gitea layout, quietly" \
	bash -c "echo '$cmd' | grep -q -- '--layout gitea' && echo '$cmd' | grep -q -- '--quiet'"
GITEA_REPOSITORIES=$root SIGMA=$SIGMA_BIN INSTALL_HOOK=$installer \
	bash -c "eval \"set -- \$(echo '$cmd' | sed 's/\${\([A-Z_]*\)}/\"\$\1\"/g')\"; \"\$@\"" > "$out" 2>&1
check "... which picks up the new repository, saying only that" \
	bash -c "test -x '$root/carol/new.git/hooks/pre-receive.d/sigma' && [ \$(wc -l < '$out') -eq 1 ] && grep -q carol '$out'"
if command -v systemd-analyze > /dev/null && systemd-analyze --version > /dev/null 2>&1; then
	mkdir -p "$T/units" && cp "$units"/sigma-gitea-hooks.* "$T/units/"
	sed -i "s|ExecStart=/bin/sh \${INSTALL_HOOK}|ExecStart=/bin/sh $installer|" "$T/units/sigma-gitea-hooks.service"
	if systemd-analyze verify --man=no "$T"/units/sigma-gitea-hooks.* > "$out" 2>&1; then
		ok "systemd-analyze verify accepts the Gitea units"
	elif grep -qiE "Failed to (connect|initialize|set up)|System has not been booted|Operation not permitted" "$out"; then
		skip "systemd-analyze cannot run here: $(head -1 "$out")"
	else
		nok "systemd-analyze verify accepts the Gitea units"; sed 's/^/# /' "$out"
	fi
else
	skip "systemd-analyze is not installed"
fi
sh "$installer" --layout gitea --uninstall "$root" > /dev/null
check "--uninstall --layout gitea ROOT removes sigma everywhere, Gitea's hooks stay" \
	bash -c "! ls '$root'/*/*.git/hooks/pre-receive.d/sigma 2>/dev/null && test -x '$root/alice/app.git/hooks/pre-receive.d/gitea'"
done_testing
