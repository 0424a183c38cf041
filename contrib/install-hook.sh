#!/bin/sh
# install-hook.sh: put sigma in front of one or more bare repositories.
#
#   contrib/install-hook.sh [--sigma /usr/local/bin/sigma] [--layout plain|gitea|gitlab] REPO.git...
#
# plain   hooks/pre-receive is a symlink to sigma (sigma runs as the hook when
#         invoked as "pre-receive"); an existing hook is kept and chained.
# gitea   Gitea runs every executable in hooks/pre-receive.d/: sigma goes there.
# gitlab  GitLab runs custom_hooks/pre-receive.d/* (in the repository's
#         directory on the Gitaly node): sigma goes there.
# A REPO directory with many repositories can be given with a glob
# (/srv/git/*.git). Nothing is overwritten without being kept as *.before-sigma.
set -eu
sigma=$(command -v sigma || echo /usr/local/bin/sigma)
layout=plain
while [ $# -gt 0 ]; do
	case $1 in
	--sigma) sigma=$2; shift 2 ;;
	--layout) layout=$2; shift 2 ;;
	--) shift; break ;;
	-*) echo "install-hook: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || { echo "usage: install-hook.sh [--sigma PATH] [--layout plain|gitea|gitlab] REPO.git..." >&2; exit 2; }
[ -x "$sigma" ] || { echo "install-hook: $sigma is not executable" >&2; exit 2; }

for repo in "$@"; do
	[ -d "$repo/objects" ] || { echo "install-hook: $repo is not a bare repository, skipped" >&2; continue; }
	case $layout in
	plain)
		hook=$repo/hooks/pre-receive
		if [ -e "$hook" ] && [ "$(readlink "$hook" || true)" != "$sigma" ]; then
			# Keep the existing hook and run it after sigma, with the same stdin.
			mv "$hook" "$hook.before-sigma"
			cat > "$hook" <<HOOK
#!/bin/sh
# sigma first, then the hook that was here before (stdin is replayed).
input=\$(cat)
printf '%s\n' "\$input" | "$sigma" pre-receive || exit \$?
printf '%s\n' "\$input" | "\$(dirname "\$0")/pre-receive.before-sigma"
HOOK
			chmod +x "$hook"
		else
			ln -sf "$sigma" "$hook"
		fi ;;
	gitea)
		mkdir -p "$repo/hooks/pre-receive.d"
		printf '#!/bin/sh\nexec "%s" pre-receive\n' "$sigma" > "$repo/hooks/pre-receive.d/sigma" ;;
	gitlab)
		mkdir -p "$repo/custom_hooks/pre-receive.d"
		printf '#!/bin/sh\nexec "%s" pre-receive\n' "$sigma" > "$repo/custom_hooks/pre-receive.d/sigma" ;;
	*) echo "install-hook: unknown layout $layout" >&2; exit 2 ;;
	esac
	chmod +x "$repo"/hooks/pre-receive* "$repo"/hooks/pre-receive.d/* "$repo"/custom_hooks/pre-receive.d/* 2>/dev/null || true
	echo "sigma installed in $repo ($layout)"
done
