#!/usr/bin/env bash
# scan_links.sh: `sigma scan DIR` reads inside DIR only, and follows no
# symbolic link on the way to a file (hook/treepath.c, treepath_open).
# Before, only the last component was checked: `-r link/passwd` with
# link -> a directory outside read that directory's passwd. A link that
# points back inside is refused too; and in a pushed tree, where a link is
# a blob holding its target's name, a link on the way is refused the same
# way (hook/repo.c, repo_read_path).
source "$(dirname "$0")/../lib.sh"
out=$T/out
p=$T/proj
mkdir -p "$p/sub" "$T/outside"
# What must never be read: a requirement only the outside file names.
printf 'sentinel-outside==6.6.6\n' > "$T/outside/passwd"
printf 'six==1.16.0\n' > "$p/sub/more.txt"
ln -s ../outside "$p/link"
ln -s sub "$p/inlink"
ln -s sub/more.txt "$p/more-link.txt"

printf 'requests==2.31.0\n-r link/passwd\n' > "$p/requirements.txt"
sigma scan "$p" > "$out" 2>&1; rc=$?
check "-r through a directory link to the outside is refused (exit $rc)" test "$rc" -eq 1
check "... naming the file, the line and the link" \
	grep -q "why:     requirements.txt:2: -r link/passwd: link is a symbolic link; sigma follows none" "$out"
sigma scan --json "$p" > "$out" 2>&1
check "... and nothing from outside is read" sh -c "! grep -q sentinel-outside '$out'"
check "... the certificate says why" grep -q '"code":"lockfile-error","effect":"reject","lockfile":"requirements.txt","message":"requirements.txt:2: -r link/passwd' "$out"

printf 'requests==2.31.0\n-r inlink/more.txt\n' > "$p/requirements.txt"
sigma scan "$p" > "$out" 2>&1; rc=$?
check "-r through a directory link that points inside is refused too (exit $rc)" test "$rc" -eq 1
check "... naming it" grep -q "requirements.txt:2: -r inlink/more.txt: inlink is a symbolic link" "$out"

printf 'requests==2.31.0\n-c more-link.txt\n' > "$p/requirements.txt"
sigma scan "$p" > "$out" 2>&1; rc=$?
check "-c of a file that is itself a link is refused (exit $rc)" test "$rc" -eq 1
check "... naming it" grep -q "requirements.txt:2: -c more-link.txt: more-link.txt is a symbolic link" "$out"

printf 'requests==2.31.0\n-r sub/more.txt\n' > "$p/requirements.txt"
sigma scan --json "$p" > "$out" 2>&1; rc=$?
check "a plain include inside the directory is read (exit $rc)" test "$rc" -eq 0
check "... with its packages" grep -q '"name":"six"' "$out"

# A manifest behind a link is not read either.
n=$T/npm
mkdir -p "$n"
npm_project "$n" '{"left-pad":"1.3.0"}' "$(lock_entry left-pad 1.3.0)"
mv "$n/package.json" "$T/outside/package.json"
ln -s ../outside/package.json "$n/package.json"
sigma scan "$n" > "$out" 2>&1; rc=$?
check "a package.json that is a link is refused (exit $rc)" test "$rc" -eq 1
check "... saying so" grep -q "package.json is a symbolic link" "$out"

# A lockfile inside a linked directory is not found at all.
mkdir -p "$T/outside/app" "$T/walk/real"
printf 'sentinel-outside==6.6.6\n' > "$T/outside/app/requirements.txt"
printf 'six==1.16.0\n' > "$T/walk/real/requirements.txt"
ln -s ../outside/app "$T/walk/app"
sigma scan --json "$T/walk" > "$out" 2>&1; rc=$?
check "a lockfile behind a directory link is not walked into (exit $rc)" \
	sh -c "test $rc -eq 0 && grep -q '\"path\":\"real/requirements.txt\"' '$out' && ! grep -q sentinel-outside '$out'"

# The directory given on the command line may itself be a link.
ln -s "$p" "$T/proj-link"
sigma scan "$T/proj-link" > "$out" 2>&1; rc=$?
check "the scanned directory itself may be a link (exit $rc)" test "$rc" -eq 0

# --- the same in a pushed tree, where a link is a blob holding its target's name.
server=$(new_server links)
work=$(new_clone work "$server")
mkdir -p "$work/sub"
printf 'six==1.16.0\n' > "$work/sub/more.txt"
ln -s sub/more.txt "$work/more-link.txt"
ln -s /etc "$work/linkdir"
try_push() {  # try_push REQUIREMENTS_LINE...: commit requirements.txt and push it
	printf '%s\n' requests==2.31.0 "$@" > "$work/requirements.txt"
	git -C "$work" add -A && git -C "$work" commit -qm "$*" && git -C "$work" push origin HEAD:main > "$out" 2>&1
}
if try_push "-r more-link.txt"; then nok "a pushed -r of a link is refused"; else ok "a pushed -r of a link is refused"; fi
check "... naming the file, the line and the link (not reading the link's text as requirements)" \
	grep -q "requirements.txt:2: -r more-link.txt: more-link.txt is a symbolic link; sigma follows none" "$out"
if try_push "-r linkdir/passwd"; then nok "a pushed -r through a linked directory is refused"; else ok "a pushed -r through a linked directory is refused"; fi
check "... naming the link" grep -q "requirements.txt:2: -r linkdir/passwd: linkdir is a symbolic link; sigma follows none" "$out"
try_push "-r sub/more.txt"; rc=$?
check "a pushed plain include is accepted (exit $rc)" test "$rc" -eq 0

done_testing
