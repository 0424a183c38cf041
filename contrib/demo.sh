#!/usr/bin/env bash
# demo.sh: sigma guarding a real git server, in a temporary directory.
#
# Makes a bare repository with sigma as its pre-receive hook and a registry
# that blocks event-stream@3.3.6 (the 2018 flatmap-stream compromise). Then
# it pushes twice: once with event-stream@3.3.6 as a direct dependency,
# which is refused, and once with 4.0.1, which is accepted. Nothing outside
# the temporary directory is touched; no network is used.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
sigma=$here/sigma
demo=$(mktemp -d "${TMPDIR:-/tmp}/sigma-demo.XXXXXX")
trap 'rm -rf "$demo"' EXIT
export SIGMA_DB=$demo/registry.db SIGMA_CONFIG=$demo/sigma.config HOME=$demo/home
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=Dev GIT_AUTHOR_EMAIL=dev@example.com \
       GIT_COMMITTER_NAME=Dev GIT_COMMITTER_EMAIL=dev@example.com
mkdir -p "$HOME" && : > "$SIGMA_CONFIG"
git config --global init.defaultBranch main

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "A bare repository with sigma as its pre-receive hook"
git init -q --bare "$demo/server.git"
ln -s "$sigma" "$demo/server.git/hooks/pre-receive"
echo "$demo/server.git/hooks/pre-receive -> $sigma"

say "The admin blocks event-stream@3.3.6"
"$sigma" registry init
"$sigma" registry block npm event-stream 3.3.6 --reason "ships flatmap-stream@0.1.1, which steals bitcoin wallets (2018)"

lock() {  # lock VERSION: a package.json and package-lock.json using event-stream@VERSION
	cat > package.json <<JSON
{ "name": "wallet-ui", "version": "1.0.0", "dependencies": { "event-stream": "$1" } }
JSON
	cat > package-lock.json <<JSON
{
  "name": "wallet-ui", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
  "packages": {
    "": { "name": "wallet-ui", "version": "1.0.0", "dependencies": { "event-stream": "$1" } },
    "node_modules/event-stream": {
      "version": "$1",
      "resolved": "https://registry.invalid/event-stream/-/event-stream-$1.tgz",
      "dependencies": { "through": "~2.3.1" }
    },
    "node_modules/through": {
      "version": "2.3.8",
      "resolved": "https://registry.invalid/through/-/through-2.3.8.tgz"
    }
  }
}
JSON
}

git clone -q "$demo/server.git" "$demo/work" 2>/dev/null
cd "$demo/work"

say "Push 1: a commit that depends on event-stream@3.3.6"
lock 3.3.6
git add -A && git commit -qm "Add event-stream"
if git push origin main; then echo "(unexpected: accepted)"; exit 1; fi
echo "=> refused, as it should be"

say "Push 2: the same project on event-stream@4.0.1"
lock 4.0.1
git add -A && git commit -q --amend -m "Add event-stream 4.0.1"
git push origin main
echo "=> accepted"
git --git-dir="$demo/server.git" log --oneline main
