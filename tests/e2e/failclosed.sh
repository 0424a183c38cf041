#!/usr/bin/env bash
# failclosed.sh: the hook never judges against a registry it cannot trust.
# Each broken registry (missing, 0 bytes, a directory, not SQLite, not
# initialised, an older or a newer schema, a typo in sigma.database) makes a
# real push refused, with sigma.onError = accept, naming the path and the
# fix; nothing creates a file; `sigma scan` exits 2 and `sigma doctor` exits
# 1 on each. Then the installer, run three times, and --uninstall.
source "$(dirname "$0")/../lib.sh"
out=$T/out
installer=$TESTS_DIR/../contrib/install-hook.sh

server=$(new_server app)
git --git-dir="$server" config sigma.onError accept
work=$(new_clone work "$server")
cd "$work"
npm_project . '{"left-pad":"1.3.0"}' "$(lock_entry left-pad 1.3.0)"
git add -A && git commit -qm clean
good_db=$SIGMA_DB

# broken NAME PROBLEM-TEXT FIX-TEXT: SIGMA_DB points at a broken registry.
broken() {
	local name=$1 problem=$2 fix=$3
	if git push origin HEAD:main > "$out" 2>&1; then
		nok "$name: the push is refused, even with sigma.onError = accept"
	else
		ok "$name: the push is refused, even with sigma.onError = accept"
	fi
	check "... naming the path and where it came from" grep -qF "registry: $SIGMA_DB (\$SIGMA_DB)" "$out"
	check "... saying what is wrong ($problem)" grep -q "problem: .*$problem" "$out"
	check "... and the fix ($fix)" grep -q "fix: .*$fix" "$out"
	"$SIGMA_BIN" scan "$work" > "$out" 2>&1; local rc=$?
	check "... sigma scan exits 2 with the same text" \
		bash -c "[ $rc -eq 2 ] && grep -q 'registry: $SIGMA_DB' '$out'"
	if "$SIGMA_BIN" doctor > "$out" 2>&1; then nok "... sigma doctor exits 1"; else ok "... sigma doctor exits 1"; fi
	check "... with a FAIL line naming it" grep -q "^FAIL  registry .*$problem" "$out"
}

export SIGMA_DB=$T/missing.db
broken "missing file" "no registry database here" "sigma registry init --db $SIGMA_DB"
check "... and no file was created" test ! -e "$SIGMA_DB"

export SIGMA_DB=$T/empty.db && : > "$SIGMA_DB"
broken "0-byte file" "empty (0 bytes)" "sigma registry init --db"
check "... which stays 0 bytes" test ! -s "$SIGMA_DB"

export SIGMA_DB=$T/dir.db && mkdir -p "$SIGMA_DB"
broken "a directory" "a directory" "at the database file itself"

export SIGMA_DB=$T/garbage.db && head -c 4096 /dev/urandom > "$SIGMA_DB"
broken "not a SQLite file" "not a SQLite database" "restore"

export SIGMA_DB=$T/uninit.db && sqlite3 "$SIGMA_DB" "CREATE TABLE t(x);"
broken "a SQLite file without the schema" "not an initialised registry" "sigma registry init --db"

export SIGMA_DB=$T/newer.db && sqlite3 "$good_db" ".backup '$SIGMA_DB'" && sqlite3 "$SIGMA_DB" "PRAGMA user_version = 99"
broken "a newer schema" "schema 99 is newer" "install that version"

# Schema 4 as an older sigma left it: without migrations 5 to 7 (waivers,
# advisory columns, releases, per-lockfile parts; a new migration adds its
# own undoing here).
now=$(sqlite3 "$good_db" "PRAGMA user_version")
export SIGMA_DB=$T/older.db && sqlite3 "$good_db" ".backup '$SIGMA_DB'" && sqlite3 "$SIGMA_DB" \
	"$(for t in advisories_ins advisories_upd advisories_del waivers_ins waivers_upd waivers_del \
	           releases_ins releases_upd releases_del; do echo "DROP TRIGGER $t;"; done)
	 DROP TABLE waivers; DROP TABLE releases; ALTER TABLE advisories DROP COLUMN aliases; ALTER TABLE advisories DROP COLUMN score;
	 DROP VIEW submission_certificates; ALTER TABLE submissions DROP COLUMN parts_index;
	 CREATE VIEW submission_certificates AS SELECT certificate FROM submissions;
	 PRAGMA user_version = 4"
broken "an older schema" "schema 4 is older than this sigma ($now)" "sigma registry migrate --db"
check "... which the hook did not migrate" test "$(sqlite3 "$SIGMA_DB" "PRAGMA user_version")" -eq 4
"$SIGMA_BIN" registry migrate > "$out" 2>&1
check "sigma registry migrate brings it up to date" test "$(sqlite3 "$SIGMA_DB" "PRAGMA user_version")" -eq "$now"
check "... and the push then goes through" git push -q origin HEAD:main 2> /dev/null

# A typo in sigma.database, in the repository's config: the file is named.
unset SIGMA_DB
git --git-dir="$server" config sigma.database "$T/registy.db"
echo x > x && git add -A && git commit -qm x
if git push origin HEAD:main > "$out" 2>&1; then nok "a typo in sigma.database refuses"; else ok "a typo in sigma.database refuses"; fi
check "... naming the setting and the file it is in" grep -qF "registry: $T/registy.db (sigma.database in $server/config)" "$out"
check "... and creating nothing" test ! -e "$T/registy.db"
git --git-dir="$server" config --unset sigma.database
export SIGMA_DB=$good_db

# A push of deletions alone judges nothing, so it needs no registry.
git push -q origin HEAD:refs/heads/tmp 2> /dev/null
SIGMA_DB=$T/missing.db git push -q origin :refs/heads/tmp 2> /dev/null
check "a push that only deletes a ref needs no registry" \
	bash -c "! git --git-dir='$server' rev-parse -q --verify refs/heads/tmp > /dev/null"
"$SIGMA_BIN" serve --listen 127.0.0.1:0 --db "$T/nothing.db" > "$out" 2>&1
check "sigma serve refuses a missing registry with the same words, creating nothing" \
	bash -c "grep -q 'registry: $T/nothing.db (--db)' '$out' && ! ls '$T'/nothing.db* > /dev/null 2>&1"
check "sigma registry list does not create a registry either" \
	bash -c "! SIGMA_DB='$T/nothing.db' '$SIGMA_BIN' registry list > /dev/null 2>&1 && test ! -e '$T/nothing.db'"

# Installed three times: one sigma hook, the original kept and run once.
git init -q --bare "$T/chained.git"
printf '#!/bin/sh\n# the original hook\nwhile read o n r; do echo "original hook saw $r"; done\n' > "$T/chained.git/hooks/pre-receive"
chmod 0750 "$T/chained.git/hooks/pre-receive"
cp -p "$T/chained.git/hooks/pre-receive" "$T/original-hook"
for i in 1 2 3; do sh "$installer" --sigma "$SIGMA_BIN" "$T/chained.git" > "$out" 2>&1; done
check "the installer, run three times, succeeds" grep -q "sigma installed in" "$out"
check "... leaving one wrapper and one kept hook" \
	test "$(ls "$T/chained.git/hooks" | grep -cE '^pre-receive(\.before-sigma)?$')" -eq 2
check "... the kept hook is the original" cmp -s "$T/original-hook" "$T/chained.git/hooks/pre-receive.before-sigma"
git -C "$work" push -q "$T/chained.git" HEAD:main > "$out" 2>&1
check "a push runs the original hook once" test "$(grep -c 'original hook saw refs/heads/main' "$out")" -eq 1
check "... and sigma once" test "$(grep -c 'sigma: refs/heads/main' "$out")" -eq 1
sh "$installer" --uninstall "$T/chained.git" > /dev/null
check "--uninstall puts the original hook back, byte for byte" cmp -s "$T/original-hook" "$T/chained.git/hooks/pre-receive"
check "... with its mode" test "$(stat -c %a "$T/chained.git/hooks/pre-receive")" = 750
check "... and nothing of sigma's left" test ! -e "$T/chained.git/hooks/pre-receive.before-sigma"

# The installer runs sigma doctor and reports what fails.
git init -q --bare "$T/nodb.git"
if SIGMA_DB=$T/missing.db sh "$installer" --sigma "$SIGMA_BIN" "$T/nodb.git" > "$out" 2>&1; then
	nok "the installer exits 1 when sigma doctor finds a problem"
else
	ok "the installer exits 1 when sigma doctor finds a problem"
fi
check "... printing the FAIL line" grep -q "FAIL  registry .*missing.db" "$out"
check "sigma doctor on a healthy install exits 0" bash -c "'$SIGMA_BIN' doctor --repo '$server' > /dev/null"
done_testing
