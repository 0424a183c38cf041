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
done_testing
