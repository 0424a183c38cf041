#!/usr/bin/env bash
# affected.sh: when a package becomes blocked after it was merged, who
# carries it. Three repositories are pushed; a package two of them carry is
# then blocked: `sigma registry block` says how many branch heads already
# carry it, and `sigma registry affected` lists exactly those two, with ref,
# commit, depth and lockfile; a later push of a clean head clears one.
source "$(dirname "$0")/../lib.sh"
out=$T/out
push_repo() {  # push_repo NAME DEPS_JSON ENTRIES: a repository with one commit pushed to main
	local server work
	server=$(new_server "$1")
	work=$(new_clone "w-$1" "$server")
	npm_project "$work" "$2" "$3"
	git -C "$work" add -A && git -C "$work" commit -qm deps && git -C "$work" push -q origin HEAD:main 2> /dev/null
	echo "$work"
}
a=$(push_repo a '{"left-pad":"1.3.0"}' "$(lock_entry left-pad 1.3.0)")
b=$(push_repo b '{"express":"4.19.2"}' "$(lock_entry express 4.19.2 '{"left-pad":"1.3.0"}'),$(lock_entry left-pad 1.3.0)")
c=$(push_repo c '{"ms":"2.1.3"}' "$(lock_entry ms 2.1.3)")

sigma registry block npm left-pad 1.3.0 --reason "compromised after the fact" > "$out"
check "block says how many branch heads already carry it" grep -q "2 branch heads already carry it" "$out"
sigma registry affected npm left-pad 1.3.0 --json > "$out"
check "registry affected lists exactly the two repositories" \
	test "$(python3 -c 'import json,sys; print(sorted(json.loads(l)["repository"].rsplit("/",1)[-1] for l in open(sys.argv[1])))' "$out")" = "['a.git', 'b.git']"
check "... with ref, commit, depth and lockfile" python3 -c '
import json, sys
rows = {json.loads(l)["repository"].rsplit("/", 1)[-1]: json.loads(l) for l in open(sys.argv[1])}
b = rows["b.git"]
sys.exit(0 if b["ref"] == "refs/heads/main" and len(b["commit"]) == 40 and b["depth"] == 1 and
         b["lockfile"] == "package-lock.json" and rows["a.git"]["depth"] == 0 else 1)' "$out"
sigma registry affected npm left-pad > "$out"
check "any version, as text" grep -q "^2 branch heads carry left-pad (any version)" "$out"

# Repository a drops it: its head no longer carries it.
npm_project "$a" '{"ms":"2.1.3"}' "$(lock_entry ms 2.1.3)"
git -C "$a" add -A && git -C "$a" commit -qm "drop left-pad" && git -C "$a" push -q origin HEAD:main 2> /dev/null
sigma registry affected npm left-pad 1.3.0 > "$out"
check "after a clean push of a, only b is affected" \
	bash -c "grep -q '^1 branch head carries left-pad@1.3.0' '$out' && grep -q '/b.git refs/heads/main' '$out'"
done_testing
