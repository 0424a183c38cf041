#!/bin/sh
# install-hook.sh: put sigma in front of one or more bare repositories.
#
#   contrib/install-hook.sh [--sigma /usr/local/bin/sigma] [--layout plain|gitea|gitlab]
#                           [--uninstall] [--no-doctor] [--quiet] REPO.git|ROOT...
#
# plain   hooks/pre-receive is a symlink to sigma (sigma runs as the hook when
#         invoked as "pre-receive"). An existing hook is kept as
#         pre-receive.before-sigma and run after sigma, with the same input,
#         by a small wrapper that takes its place.
# gitea   Gitea (and Forgejo) run every executable in hooks/pre-receive.d/:
#         sigma goes there. A ROOT (Gitea's repository root, ROOT/owner/repo.git)
#         installs into every repository under it; contrib/gitea/ has the
#         systemd units that run this again for repositories created later.
#         Gitea's "Resynchronize hooks" rewrites hooks/pre-receive and
#         hooks/pre-receive.d/gitea only, so sigma's file survives it.
# gitlab  GitLab runs custom_hooks/pre-receive.d/* (in the repository's
#         directory on the Gitaly node): sigma goes there. Since GitLab 15.11
#         the documented ways are the server-wide hooks directory or
#         `gitaly hooks set`: see contrib/gitlab/README.md.
#
# Safe to run again: a repository that already has sigma keeps exactly one
# sigma hook and its original hook, chained once; --quiet then says nothing
# about repositories where nothing changed. What it writes belongs to the
# repository's owner (the server's user must be able to rewrite its hooks). --uninstall puts the
# original hook back byte for byte (or removes sigma's when there was none).
#
# After installing, `sigma doctor --repo REPO` runs as the repository's owner
# (the user git runs the hook as), and what it finds wrong is printed; the
# exit status is then 1, though the hook stays installed.
set -eu
sigma=$(command -v sigma || echo /usr/local/bin/sigma)
layout=plain
uninstall=0
doctor=1
quiet=0
usage="usage: install-hook.sh [--sigma PATH] [--layout plain|gitea|gitlab] [--uninstall] [--no-doctor] [--quiet] REPO.git|ROOT..."
while [ $# -gt 0 ]; do
	case $1 in
	--sigma) sigma=$2; shift 2 ;;
	--layout) layout=$2; shift 2 ;;
	--uninstall) uninstall=1; shift ;;
	--no-doctor) doctor=0; shift ;;
	--quiet) quiet=1; shift ;;
	--) shift; break ;;
	-*) echo "install-hook: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || { echo "$usage" >&2; exit 2; }
case $layout in plain|gitea|gitlab) ;; *) echo "install-hook: unknown layout $layout" >&2; exit 2 ;; esac
[ "$uninstall" = 1 ] || [ -x "$sigma" ] || { echo "install-hook: $sigma is not executable" >&2; exit 2; }

# The first line after #! marks sigma's own wrapper, so a second run knows it.
marker="# sigma-hook: installed by sigma's contrib/install-hook.sh"

# is_sigma FILE: the file is sigma's hook (a link to a sigma binary, or the
# wrapper), so installing again must not wrap it a second time.
is_sigma() {
	if [ -L "$1" ]; then
		case $(readlink "$1") in */sigma|sigma) return 0 ;; esac
		return 1
	fi
	[ -f "$1" ] && sed -n 2p "$1" | grep -qF "$marker"
}

write_wrapper() {  # write_wrapper HOOK: sigma, then pre-receive.before-sigma
	tmp=$1.sigma-new
	cat > "$tmp" <<HOOK
#!/bin/sh
$marker
# sigma first, then the hook that was here before (pre-receive.before-sigma),
# with the same input. contrib/install-hook.sh --uninstall puts it back.
input=\$(mktemp) || exit 1
trap 'rm -f "\$input"' EXIT
cat > "\$input"
"$sigma" pre-receive < "\$input" || exit \$?
"\$(dirname "\$0")/pre-receive.before-sigma" < "\$input"
HOOK
	chmod 0755 "$tmp"
	mv -f "$tmp" "$1"
}

# own REPO PATH...: give what was written to the repository's owner.
own() {
	repo=$1; shift
	[ "$(id -u)" = 0 ] || return 0
	chown -h "$(stat -c %u:%g "$repo")" "$@"
}

changed=0
install_plain() {  # install_plain REPO
	hook=$1/hooks/pre-receive
	before=$hook.before-sigma
	mkdir -p "$1/hooks"
	if [ -e "$hook" ] || [ -L "$hook" ]; then
		if is_sigma "$hook"; then
			# Already sigma's: refresh it only when the sigma path moved.
			if [ -e "$before" ]; then
				grep -qF "\"$sigma\" pre-receive" "$hook" && return 0
				write_wrapper "$hook"
			else
				[ "$(readlink "$hook")" = "$sigma" ] && return 0
				ln -sfn "$sigma" "$hook"
			fi
			own "$1" "$hook"
			changed=1
			return 0
		fi
		if [ -e "$before" ] || [ -L "$before" ]; then
			echo "install-hook: $1: both pre-receive (not sigma's) and pre-receive.before-sigma exist;" \
			     "merge them by hand, then run again" >&2
			return 1
		fi
		# Keep the existing hook (mv keeps its bytes, mode and owner).
		mv "$hook" "$before"
		write_wrapper "$hook"
	else
		ln -sfn "$sigma" "$hook"
	fi
	own "$1" "$hook"
	changed=1
}

uninstall_plain() {  # uninstall_plain REPO
	hook=$1/hooks/pre-receive
	before=$hook.before-sigma
	if [ -e "$hook" ] || [ -L "$hook" ]; then
		is_sigma "$hook" || { echo "install-hook: $1: pre-receive is not sigma's; left alone" >&2; return 1; }
		rm -f "$hook"
	fi
	if [ -e "$before" ] || [ -L "$before" ]; then mv "$before" "$hook"; fi
}

drop_in() {  # drop_in REPO DIR: sigma as DIR/sigma (Gitea and GitLab run every file there)
	new=$(printf '#!/bin/sh\n%s\nexec "%s" pre-receive\n' "$marker" "$sigma")
	[ -f "$2/sigma" ] && [ "$(cat "$2/sigma")" = "$new" ] && [ -x "$2/sigma" ] && return 0
	[ -d "$2" ] || { mkdir -p "$2" && own "$1" "$2"; }
	printf '%s\n' "$new" > "$2/sigma.sigma-new"
	chmod 0755 "$2/sigma.sigma-new"
	own "$1" "$2/sigma.sigma-new"
	mv -f "$2/sigma.sigma-new" "$2/sigma"
	changed=1
}

# repositories ARG: ARG itself when it is a bare repository; for a Gitea
# ROOT, every ROOT/OWNER/REPO.git under it.
repositories() {
	if [ -d "$1/objects" ] || [ "$layout" != gitea ]; then
		printf '%s\n' "$1"
		return
	fi
	for r in "$1"/*/*.git; do [ -d "$r/objects" ] && printf '%s\n' "$r"; done
}

# run_doctor REPO: sigma doctor as the repository's owner; its problems shown.
run_doctor() {
	owner=$(stat -c %U "$1")
	if [ "$(id -u)" = 0 ] && [ "$owner" != root ] && command -v runuser > /dev/null; then
		out=$(runuser -u "$owner" -- "$sigma" doctor --repo "$1" 2>&1) && return 0
	elif [ "$(id -un)" = "$owner" ] || [ "$(id -u)" = 0 ]; then
		out=$("$sigma" doctor --repo "$1" 2>&1) && return 0
	else
		echo "  (sigma doctor not run: this user is not $owner, the repository's owner)"
		return 0
	fi
	echo "  sigma doctor, as $owner, found problems in $1:"
	printf '%s\n' "$out" | grep -E '^(FAIL|warn)' | sed 's/^/    /'
	return 1
}

status=0
for arg in "$@"; do
	repos=$(repositories "$arg")
	[ -n "$repos" ] || { echo "install-hook: $arg is not a bare repository (nor a $layout root), skipped" >&2; continue; }
	# One repository per line; paths with newlines are not supported.
	while IFS= read -r repo; do
		[ -d "$repo/objects" ] || { echo "install-hook: $repo is not a bare repository, skipped" >&2; continue; }
		if [ "$uninstall" = 1 ]; then
			case $layout in
			plain) uninstall_plain "$repo" || { status=1; continue; } ;;
			gitea) rm -f "$repo/hooks/pre-receive.d/sigma" ;;
			gitlab) rm -f "$repo/custom_hooks/pre-receive.d/sigma" ;;
			esac
			echo "sigma removed from $repo ($layout)"
			continue
		fi
		changed=0
		case $layout in
		plain) install_plain "$repo" || { status=1; continue; } ;;
		gitea) drop_in "$repo" "$repo/hooks/pre-receive.d" ;;
		gitlab) drop_in "$repo" "$repo/custom_hooks/pre-receive.d" ;;
		esac
		if [ "$changed" = 1 ] || [ "$quiet" = 0 ]; then
			echo "sigma installed in $repo ($layout)"
		fi
		if [ "$doctor" = 1 ]; then run_doctor "$repo" || status=1; fi
	done <<EOF
$repos
EOF
done
exit $status
