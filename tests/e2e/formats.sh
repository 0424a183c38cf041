#!/usr/bin/env bash
# formats.sh: a refusal reads the same whatever the package manager. For
# each real project (locked by yarn 1, yarn 4, pnpm 9, pnpm 8, poetry, uv,
# pipenv, pip-compile and hand-written requirements), a clean push is
# accepted; with one of its direct dependencies blocked, a push of the same
# project to a new repository is refused, naming the package, its lockfile
# and its depth, and saying how to fix it.
source "$(dirname "$0")/../lib.sh"

for project in yarn1/express-api berry/express-api pnpm/express-api pnpm6/express-api \
               python/poetry-rich python/uv-flask python/pipenv-requests-html \
               python/pip-compile-click python/requirements-celery; do
	read -r eco name < <(python3 - "$FIXTURES/$project/expected.json" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
fmt = e.get("format")
d = [p for p in e["packages"] if p["depth"] == 0 and not p.get("dev")]
print("pypi" if fmt else "npm", d[0]["name"])
PY
)
	slug=${project//\//-}
	work=$T/$slug && mkdir -p "$work" && cp -r "$FIXTURES/$project/." "$work/" && rm -f "$work/expected.json" "$work/SOURCE"
	(cd "$work" && git init -q && git add -A && git commit -qm "$slug")
	server=$(new_server "$slug")
	if (cd "$work" && git push -q "$server" main > "$T/out" 2>&1); then
		ok "$project: a clean push is accepted"
	else
		nok "$project: a clean push is accepted"; sed 's/^/# /' "$T/out" | head -5
	fi
	# The JS projects are clean: any warning there is a false positive.
	case $project in
	python/*) ;;
	*) check "$project: ... with no warning" grep -q "accepted: .* 0 warnings" "$T/out" ;;
	esac
	sigma registry block "$eco" "$name" '*' --reason "test block of $name" > /dev/null
	server2=$(new_server "$slug-2")
	if (cd "$work" && git push "$server2" main > "$T/out" 2>&1); then
		nok "$project: a blocked direct dependency ($name) is refused"; sed 's/^/# /' "$T/out" | head -8
	else
		ok "$project: a blocked direct dependency ($name) is refused"
	fi
	check "$project: ... the refusal names $name as a direct dependency" grep -qi "x $name@\?[^ ]* ($eco.*direct dependency" "$T/out"
	check "$project: ... and its lockfile and the fix" bash -c "grep -q 'lockfile: ' '$T/out' && grep -q 'fix: ' '$T/out'"
	sigma registry unblock "$eco" "$name" '*' > /dev/null
done
# yarn 1 workspaces named by a glob ("packages/*") are found by listing the
# pushed tree's directories. With sigma.rejectDepth 0 only depth 0 refuses:
# ms, declared by packages/a and also needed by debug, is direct only when
# the glob was expanded (the fallback would put it at depth 1 and warn).
g=$T/yarn-globs && mkdir -p "$g/packages/a" "$g/packages/skip"
cat > "$g/package.json" <<'J'
{"name":"r","private":true,"workspaces":["packages/*","!packages/skip"],"dependencies":{"debug":"^4.3.4"}}
J
echo '{"name":"a","version":"1.0.0","dependencies":{"ms":"^2.1.2"}}' > "$g/packages/a/package.json"
echo '{"name":"skip","version":"1.0.0","dependencies":{"pad":"1.0.0"}}' > "$g/packages/skip/package.json"
cat > "$g/yarn.lock" <<'L'
# yarn lockfile v1


debug@^4.3.4:
  version "4.3.4"
  resolved "https://registry.invalid/debug/-/debug-4.3.4.tgz"
  dependencies:
    ms "2.1.2"

ms@2.1.2, ms@^2.1.2:
  version "2.1.2"
  resolved "https://registry.invalid/ms/-/ms-2.1.2.tgz"

pad@1.0.0:
  version "1.0.0"
  resolved "https://registry.invalid/pad/-/pad-1.0.0.tgz"
L
(cd "$g" && git init -q && git add -A && git commit -qm globs)
server=$(new_server yarn-globs)
git --git-dir="$server" config sigma.rejectDepth 0
sigma registry block npm ms '*' --reason "test block of ms" > /dev/null
if (cd "$g" && git push "$server" main > "$T/out" 2>&1); then
	nok "yarn1 glob workspaces: ms declared by packages/a is refused at depth 0"; sed 's/^/# /' "$T/out" | head -8
else
	ok "yarn1 glob workspaces: ms declared by packages/a is refused at depth 0"
fi
check "yarn1 glob workspaces: ... named as a direct dependency" grep -qi "x ms@2.1.2 (npm.*direct dependency" "$T/out"
sigma registry unblock npm ms '*' > /dev/null
# The cached graph depends on the listing: a new workspace directory (with
# an unchanged yarn.lock) is seen on the next push.
sigma registry block npm pad '*' --reason "test block of pad" > /dev/null
(cd "$g" && git push -q "$server" main > "$T/out" 2>&1)
check "yarn1 glob workspaces: pad, needed only by the excluded packages/skip, does not refuse" test $? -eq 0
mkdir -p "$g/packages/b" && echo '{"name":"b","version":"1.0.0","dependencies":{"pad":"1.0.0"}}' > "$g/packages/b/package.json"
(cd "$g" && git add -A && git commit -qm "workspace b")
git --git-dir="$server" config sigma.policy all
if (cd "$g" && git push "$server" main > "$T/out" 2>&1); then
	nok "yarn1 glob workspaces: a new packages/b declaring pad is seen (lockfile unchanged)"; sed 's/^/# /' "$T/out" | head -8
else
	ok "yarn1 glob workspaces: a new packages/b declaring pad is seen (lockfile unchanged)"
fi
sigma registry unblock npm pad '*' > /dev/null
done_testing
