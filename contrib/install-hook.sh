#!/bin/sh
# install-hook.sh: put sigma in front of one or more bare repositories.
#
#   contrib/install-hook.sh [--sigma /usr/local/bin/sigma] [--layout plain|gitea|gitlab]
#                           [--uninstall] [--no-doctor] REPO.git...
#
# plain   hooks/pre-receive is a symlink to sigma (sigma runs as the hook when
#         invoked as "pre-receive"). An existing hook is kept as
#         pre-receive.before-sigma and run after sigma, with the same input,
#         by a small wrapper that takes its place.
# gitea   Gitea runs every executable in hooks/pre-receive.d/: sigma goes there.
# gitlab  GitLab runs custom_hooks/pre-receive.d/* (in the repository's
#         directory on the Gitaly node): sigma goes there.
#
# Safe to run again: a repository that already has sigma keeps exactly one
# sigma hook and its original hook, chained once. --uninstall puts the
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
usage="usage: install-hook.sh [--sigma PATH] [--layout plain|gitea|gitlab] [--uninstall] [--no-doctor] REPO.git..."
while [ $# -gt 0 ]; do
	case $1 in
	--sigma) sigma=$2; shift 2 ;;
	--layout) layout=$2; shift 2 ;;
	--uninstall) uninstall=1; shift ;;
	--no-doctor) doctor=0; shift ;;
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

install_plain() {  # install_plain REPO
	hook=$1/hooks/pre-receive
	before=$hook.before-sigma
	mkdir -p "$1/hooks"
	if [ -e "$hook" ] || [ -L "$hook" ]; then
		if is_sigma "$hook"; then
			# Already sigma's: refresh it in place (the sigma path may have moved).
			if [ -e "$before" ]; then write_wrapper "$hook"; else ln -sfn "$sigma" "$hook"; fi
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

drop_in() {  # drop_in DIR: sigma as DIR/sigma (Gitea and GitLab run every file there)
	mkdir -p "$1"
	printf '#!/bin/sh\n%s\nexec "%s" pre-receive\n' "$marker" "$sigma" > "$1/sigma.sigma-new"
	chmod 0755 "$1/sigma.sigma-new"
	mv -f "$1/sigma.sigma-new" "$1/sigma"
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
for repo in "$@"; do
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
	case $layout in
	plain) install_plain "$repo" || { status=1; continue; } ;;
	gitea) drop_in "$repo/hooks/pre-receive.d" ;;
	gitlab) drop_in "$repo/custom_hooks/pre-receive.d" ;;
	esac
	echo "sigma installed in $repo ($layout)"
	if [ "$doctor" = 1 ]; then run_doctor "$repo" || status=1; fi
done
exit $status
