# lib.sh: what the hook benchmarks share. Source it after `set -euo pipefail`.
# Sets here (the checkout), sigma (the binary) and b (a scratch directory,
# removed on exit), and points every sigma and git setting into b, with an
# initialised registry.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sigma=${SIGMA:-$here/sigma}  # SIGMA=path to compare builds
command -v hyperfine >/dev/null || { echo "bench: hyperfine is needed (apt-get install hyperfine)"; exit 2; }
b=$(mktemp -d "${TMPDIR:-/tmp}/sigma-bench.XXXXXX")
trap 'rm -rf "$b"' EXIT
export SIGMA_DB=$b/registry.db SIGMA_CONFIG=$b/config HOME=$b/home GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=b GIT_AUTHOR_EMAIL=b@example.com GIT_COMMITTER_NAME=b GIT_COMMITTER_EMAIL=b@example.com
mkdir -p "$HOME" && : > "$SIGMA_CONFIG"
"$sigma" registry init >/dev/null
