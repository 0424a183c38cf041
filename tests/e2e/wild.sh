#!/usr/bin/env bash
# wild.sh: lockfiles as they are in the wild (issue 21), through a real
# push and through `sigma scan`:
#   - pnpm lockfileVersion 5.4 (pnpm 7) is read; one whose packages: lacks
#     an id it references is refused, naming the lockfile, the key and how
#     to regenerate it;
#   - an empty or whitespace-only lockfile is an unreadable lockfile
#     (sigma.onError decides); `package = []` is a valid, empty poetry.lock;
#   - requirements: ${VAR} comes from the server's environment; an unset
#     one leaves the line unpinned and says so, never refusing the file;
#   - npm-shrinkwrap.json beside package-lock.json: only the shrinkwrap is
#     judged, the other is reported as ignored in one line;
#   - bun.lock (Bun 1.4) is read; bun.lockb alone is refused with the
#     command that writes bun.lock, and beside bun.lock it is ignored.
source "$(dirname "$0")/../lib.sh"

# commit_push NAME DIR: commit DIR's files (once) and push them to a new
# server; the push's output lands in $T/out, its status is returned.
commit_push() {
	local name=$1 dir=$2 server
	[ -d "$dir/.git" ] || (cd "$dir" && git init -q && git add -A && git commit -qm "$name")
	server=$(new_server "$name")
	(cd "$dir" && git push "$server" main > "$T/out" 2>&1)
}
show() { sed 's/^/# /' "$T/out" | head -12; }

# pnpm 5.4, as pnpm 7 wrote it: accepted, and the L1 dependency of a direct
# one is found through the 5.x ids (/react-dom/18.3.1_react@18.3.1 -> scheduler).
p=$T/pnpm54 && mkdir -p "$p" && cp -r "$FIXTURES/pnpm5/pnpm7-app/." "$p/" && rm -f "$p/expected.json" "$p/list.json"
if commit_push pnpm54 "$p"; then ok "pnpm 5.4: a clean push is accepted"; else nok "pnpm 5.4: a clean push is accepted"; show; fi
sigma registry block npm scheduler '*' --reason "test block of scheduler" > /dev/null
if commit_push pnpm54-b "$p"; then
	nok "pnpm 5.4: a blocked L1 dependency is refused"; show
else
	ok "pnpm 5.4: a blocked L1 dependency is refused"
fi
check "pnpm 5.4: ... named with its chain through the peer-suffixed react-dom" \
	grep -q "react-dom@18.3.1 > scheduler@0.23.2" "$T/out"
sigma registry unblock npm scheduler '*' > /dev/null

# An inconsistent pnpm-lock.yaml: /debug/4.4.3 needs /ms/2.1.3, which
# packages: no longer defines (a bad merge).
i=$T/incons && mkdir -p "$i" && cp -r "$FIXTURES/pnpm5/pnpm7-app/." "$i/" && rm -f "$i/expected.json" "$i/list.json"
python3 - "$i/pnpm-lock.yaml" <<'PY'
import re, sys
p = sys.argv[1]
s = open(p).read()
s2 = re.sub(r"\n  /ms/2\.1\.3:\n(    .*\n)+", "\n", s)
assert s2 != s
open(p, "w").write(s2)
PY
if commit_push incons "$i"; then nok "inconsistent pnpm-lock.yaml: refused"; show; else ok "inconsistent pnpm-lock.yaml: refused"; fi
check "inconsistent: ... ms@2.1.3 named, with the lockfile, the key and the regeneration" \
	grep -q 'pnpm-lock.yaml references "/ms/2.1.3" from /debug/4.4.3 but has no entry for it: the lockfile is inconsistent.*pnpm install' "$T/out"
check "inconsistent: ... and the fix is to regenerate the lockfile" grep -q "fix:     regenerate pnpm-lock.yaml with its package manager" "$T/out"
sigma scan "$i" > "$T/out" 2>&1
check "inconsistent: sigma scan refuses it too (status 1)" test $? -eq 1
check "inconsistent: ... with the same reason" grep -q "inconsistent: pnpm-lock.yaml references \"/ms/2.1.3\"" "$T/out"

# Empty lockfiles are unreadable lockfiles; package = [] is an empty one.
for f in uv.lock poetry.lock Pipfile.lock pnpm-lock.yaml package-lock.json yarn.lock; do
	e=$T/empty-$f && mkdir -p "$e"
	printf '\n  \n' > "$e/$f"
	slug=empty-${f//./-}
	if commit_push "$slug" "$e"; then nok "whitespace-only $f: refused under onError=reject"; show; else ok "whitespace-only $f: refused under onError=reject"; fi
	check "whitespace-only $f: ... named as not a lockfile" grep -q "$f:1: the file is only whitespace: not a lockfile" "$T/out"
done
e=$T/empty0 && mkdir -p "$e" && : > "$e/uv.lock"
(cd "$e" && git init -q && git add -A && git commit -qm empty)
server=$(new_server empty0)
git --git-dir="$server" config sigma.onError accept
if (cd "$e" && git push "$server" main > "$T/out" 2>&1); then
	ok "0-byte uv.lock: accepted under onError=accept"
else
	nok "0-byte uv.lock: accepted under onError=accept"; show
fi
check "0-byte uv.lock: ... with the error shown" grep -q "uv.lock:1: the file is empty: not a lockfile" "$T/out"
sigma scan "$e" > "$T/out" 2>&1
check "0-byte uv.lock: sigma scan refuses it (onError defaults to reject)" test $? -eq 1
r=$T/emptyreq && mkdir -p "$r" && : > "$r/requirements.txt"
if commit_push emptyreq "$r"; then ok "an empty requirements.txt is valid and empty"; else nok "an empty requirements.txt is valid and empty"; show; fi
z=$T/pkgnone && mkdir -p "$z"
printf 'package = []\n\n[metadata]\nlock-version = "2.0"\npython-versions = "^3.11"\ncontent-hash = "0"\n' > "$z/poetry.lock"
printf '[project]\nname = "x"\nversion = "0"\ndependencies = []\n' > "$z/pyproject.toml"
if commit_push pkgnone "$z"; then ok "poetry.lock with package = []: accepted"; else nok "poetry.lock with package = []: accepted"; show; fi
sigma scan "$z" > "$T/out" 2>&1
check "poetry.lock with package = []: sigma scan accepts it" test $? -eq 0

# ${VAR} from the server's environment (the hook inherits the push's).
v=$T/envvar && mkdir -p "$v"
printf 'requests==${REQ_VERSION}\nflask==${SIGMA_TEST_UNSET}\n' > "$v/requirements.txt"
sigma registry block pypi requests 2.32.3 --reason "test block of requests 2.32.3" > /dev/null
if REQ_VERSION=2.32.3 commit_push envvar "$v"; then
	nok "\${REQ_VERSION}=2.32.3 on the server: the blocked requests 2.32.3 is refused"; show
else
	ok "\${REQ_VERSION}=2.32.3 on the server: the blocked requests 2.32.3 is refused"
fi
check "\${VAR}: ... the unset one leaves flask unpinned and says so" \
	grep -q 'requirements.txt:2: "flask==${SIGMA_TEST_UNSET}": ${SIGMA_TEST_UNSET} is not set' "$T/out"
# The same blob again (the registry database, and so the parse cache, is
# shared): the cached graph recorded REQ_VERSION's hash, so it is redone.
server=$(new_server envvar2)
if (cd "$v" && REQ_VERSION=2.31.0 git push "$server" main > "$T/out" 2>&1); then
	ok "\${REQ_VERSION}=2.31.0 on the server: accepted, the graph cached under 2.32.3 is not reused"
else
	nok "\${REQ_VERSION}=2.31.0 on the server: accepted, the graph cached under 2.32.3 is not reused"; show
fi
server=$(new_server envvar3)
if (cd "$v" && REQ_VERSION=2.32.3 git push "$server" main > "$T/out" 2>&1); then
	nok "\${REQ_VERSION} back to 2.32.3: refused again"; show
else
	ok "\${REQ_VERSION} back to 2.32.3: refused again"
fi
REQ_VERSION=2.32.3 sigma scan "$v" > "$T/out" 2>&1
check "\${VAR}: sigma scan expands it from its own environment" test $? -eq 1
sigma registry unblock pypi requests 2.32.3 > /dev/null

# npm-shrinkwrap.json beside package-lock.json: npm installs from the
# shrinkwrap; a blocked package only in package-lock.json does not refuse.
s=$T/shrink
npm_project "$s" '{"left-pad":"1.3.0"}' "$(lock_entry left-pad 1.3.0)"
cp "$s/package-lock.json" "$s/kept.json"
npm_project "$s" '{"ms":"2.1.3"}' "$(lock_entry ms 2.1.3)"
mv "$s/package-lock.json" "$s/npm-shrinkwrap.json" && mv "$s/kept.json" "$s/package-lock.json"
sigma registry block npm left-pad '*' --reason "test block of left-pad" > /dev/null
if commit_push shrink "$s"; then ok "shrinkwrap: a blocked package only in the ignored package-lock.json does not refuse"; else nok "shrinkwrap: a blocked package only in the ignored package-lock.json does not refuse"; show; fi
check "shrinkwrap: ... package-lock.json is reported ignored, in one line" \
	test "$(grep -c 'package-lock.json: ignored by npm, which installs from npm-shrinkwrap.json beside it; not judged' "$T/out")" -eq 1
sigma registry block npm ms '*' --reason "test block of ms" > /dev/null
if commit_push shrink2 "$s"; then nok "shrinkwrap: a blocked package in npm-shrinkwrap.json refuses"; show; else ok "shrinkwrap: a blocked package in npm-shrinkwrap.json refuses"; fi
check "shrinkwrap: ... naming npm-shrinkwrap.json" grep -q "lockfile: npm-shrinkwrap.json" "$T/out"
sigma scan "$s" > "$T/out" 2>&1
check "shrinkwrap: sigma scan judges the same (refused, package-lock.json ignored)" \
	bash -c "test $? -eq 1 && grep -q 'package-lock.json: ignored by npm' '$T/out'"
sigma registry unblock npm ms '*' > /dev/null

# Several directories each with both files: every package-lock.json is
# ignored (the shadow search must not lose its way as files are dropped).
m=$T/shrink-many && mkdir -p "$m"
for d in a b c d; do
	npm_project "$m/$d" '{"left-pad":"1.3.0"}' "$(lock_entry left-pad 1.3.0)"
	cp "$m/$d/package-lock.json" "$m/$d/kept.json"
	npm_project "$m/$d" '{"ms":"2.1.3"}' "$(lock_entry ms 2.1.3)"
	mv "$m/$d/package-lock.json" "$m/$d/npm-shrinkwrap.json" && mv "$m/$d/kept.json" "$m/$d/package-lock.json"
done
if commit_push shrink-many "$m"; then ok "shrinkwrap in four directories: no ignored package-lock.json is judged"; else nok "shrinkwrap in four directories: no ignored package-lock.json is judged"; show; fi
check "... each reported ignored" test "$(grep -c 'package-lock.json: ignored by npm' "$T/out")" -eq 4
sigma registry unblock npm left-pad '*' > /dev/null

# bun.lock: a blocked package nested under express (express/debug/ms) is
# found at its real depth through the install keys.
b=$T/bun && mkdir -p "$b" && cp "$FIXTURES/bun/app/package.json" "$FIXTURES/bun/app/bun.lock" "$b/"
if commit_push bun "$b"; then ok "bun.lock: a clean push is accepted"; else nok "bun.lock: a clean push is accepted"; show; fi
sigma registry block npm ms 2.0.0 --reason "test block of ms 2.0.0" > /dev/null
server=$(new_server bun-deep)
git --git-dir="$server" config sigma.rejectDepth 2
if (cd "$b" && git push "$server" main > "$T/out" 2>&1); then
	nok "bun.lock: ms@2.0.0 at depth 2 refused under rejectDepth 2"; show
else
	ok "bun.lock: ms@2.0.0 at depth 2 refused under rejectDepth 2"
fi
check "bun.lock: ... with a chain through a nested key" grep -q "> debug@2.6.9 > ms@2.0.0" "$T/out"
sigma registry unblock npm ms 2.0.0 > /dev/null
printf '#!/usr/bin/env bun\nbun-lockfile-format-v0\n\001\002\003' > "$b/bun.lockb"
(cd "$b" && git add -A && git commit -qm lockb)
if (cd "$b" && git push "$T/bun.git" main > "$T/out" 2>&1); then
	ok "bun.lockb beside bun.lock: accepted"
else
	nok "bun.lockb beside bun.lock: accepted"; show
fi
check "bun.lockb beside bun.lock: ... reported ignored" grep -q "bun.lockb: ignored by bun, which installs from bun.lock beside it" "$T/out"
lb=$T/lockb && mkdir -p "$lb" && cp "$b/bun.lockb" "$b/package.json" "$lb/"
if commit_push lockb "$lb"; then nok "bun.lockb alone: refused (onError=reject)"; show; else ok "bun.lockb alone: refused (onError=reject)"; fi
check "bun.lockb alone: ... naming the file and bun install --save-text-lockfile" \
	grep -q "bun.lockb:1: bun.lockb is Bun's binary lockfile.*bun install --save-text-lockfile" "$T/out"
done_testing
