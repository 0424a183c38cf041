#!/bin/sh
# make-hooks-tarball.sh: the tarball `gitaly hooks set` takes, holding
# sigma as custom_hooks/pre-receive.d/sigma (GitLab 15.11 and later).
#
#   contrib/gitlab/make-hooks-tarball.sh [--sigma /usr/local/bin/sigma] OUT.tar
#
# Then, on each Gitaly node, for each project (its relative path is shown in
# Admin → Projects → the project, "Gitaly relative path", @hashed/...):
#   sudo -u git -- /opt/gitlab/embedded/bin/gitaly hooks set --storage default \
#       --repository @hashed/xx/yy/HASH.git --config /var/opt/gitlab/gitaly/config.toml < OUT.tar
# For every project at once, use the server-wide directory instead (README.md).
set -eu
sigma=/usr/local/bin/sigma
while [ $# -gt 0 ]; do
	case $1 in
	--sigma) sigma=$2; shift 2 ;;
	-h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "make-hooks-tarball: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || { echo "usage: make-hooks-tarball.sh [--sigma PATH] OUT.tar" >&2; exit 2; }
out=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/custom_hooks/pre-receive.d"
"$(dirname "$0")/pre-receive.d-sigma" --print "$sigma" > "$dir/custom_hooks/pre-receive.d/sigma"
chmod 0755 "$dir/custom_hooks/pre-receive.d" "$dir/custom_hooks/pre-receive.d/sigma"
# Owned by the git user once extracted by gitaly; numeric 0 here is harmless.
tar -C "$dir" --owner=0 --group=0 -cf "$out" custom_hooks
echo "wrote $out: custom_hooks/pre-receive.d/sigma -> $sigma pre-receive"
