# lib.sh: shared setup for end-to-end tests. Source it first.
#
# Gives each test a private temporary directory (removed on exit, together
# with any server it started), a private registry database, TAP helpers,
# and helpers for real bare repositories with the sigma hook installed.
set -u
SIGMA_BIN=${SIGMA_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/sigma}
TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FIXTURES=$TESTS_DIR/fixtures
T=$(mktemp -d "${TMPDIR:-/tmp}/sigma-test.XXXXXX")
_pids=()
cleanup() {
	for p in "${_pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

export SIGMA_DB=$T/registry.db
export SIGMA_CONFIG=$T/sigma.config
: > "$SIGMA_CONFIG"
export HOME=$T/home XDG_DATA_HOME=$T/home/.local/share
mkdir -p "$HOME"
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=Test GIT_AUTHOR_EMAIL=test@example.com \
       GIT_COMMITTER_NAME=Test GIT_COMMITTER_EMAIL=test@example.com
git config --global init.defaultBranch main
git config --global advice.detachedHead false
# Only `sigma registry init` creates a registry; every test starts with one.
"$SIGMA_BIN" registry init > /dev/null || { echo "not ok 1 - sigma registry init"; exit 1; }

_n=0
ok()   { _n=$((_n + 1)); echo "ok $_n - $*"; }
nok()  { _n=$((_n + 1)); echo "not ok $_n - $*"; }
skip() { _n=$((_n + 1)); echo "ok $_n # SKIP $*"; }
# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() { local d=$1; shift; if "$@"; then ok "$d"; else nok "$d"; fi; }
done_testing() { echo "1..$_n"; }

sigma() { "$SIGMA_BIN" "$@"; }

# new_server NAME: a bare repository with sigma installed as pre-receive.
new_server() {
	local dir=$T/$1.git
	git init -q --bare "$dir"
	printf '#!/bin/sh\nexec "%s" pre-receive\n' "$SIGMA_BIN" > "$dir/hooks/pre-receive"
	chmod +x "$dir/hooks/pre-receive"
	echo "$dir"
}

# new_clone NAME SERVER: a working clone of SERVER.
new_clone() {
	local dir=$T/$1
	git clone -q "$2" "$dir" 2>/dev/null
	echo "$dir"
}

# npm_project DIR DEPS_JSON LOCK_PACKAGES_JSON: write package.json and a
# lockfileVersion 3 package-lock.json. DEPS_JSON is the root's
# "dependencies" object; LOCK_PACKAGES_JSON the "node_modules/..." entries.
npm_project() {
	local dir=$1 deps=$2 pkgs=$3
	mkdir -p "$dir"
	printf '{"name":"app","version":"1.0.0","dependencies":%s}\n' "$deps" > "$dir/package.json"
	printf '{"name":"app","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"app","version":"1.0.0","dependencies":%s}%s}}\n' \
		"$deps" "${pkgs:+,$pkgs}" > "$dir/package-lock.json"
}

# lock_entry NAME VERSION [DEPS_JSON]: one "node_modules/NAME" entry.
lock_entry() {
	printf '"node_modules/%s":{"version":"%s","resolved":"https://registry.invalid/%s/-/%s-%s.tgz","integrity":"sha512-AAAA"%s}' \
		"$1" "$2" "$1" "${1##*/}" "$2" "${3:+,\"dependencies\":$3}"
}
