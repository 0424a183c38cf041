#!/usr/bin/env bash
# monorepo-gen.sh OUT N: a monorepo of N projects under OUT/projects/pNNNN,
# each a copy of one of the real fixture projects (tests/fixtures: npm v3
# and v1, pnpm 9 and 6, yarn 1 and berry; express-api about 260 packages,
# react-webpack about 1,250), cycling through them so about one in four is
# the large one (about 500 packages a lockfile on average, as in issue 22's
# 504-lockfile tree). Every lockfile is made distinct (a root name or a
# comment line naming its project), so no two share a blob and each one is
# parsed and judged on its own, as in a real monorepo.
#
# monorepo-gen.sh --touch OUT K: change project K's lockfile (one package's
# integrity, with a counter so every touch differs), the way a push that
# changes one lockfile does.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
fx=$here/../tests/fixtures

# fixture project, lockfile name
sources=(
	"npm/express-api package-lock.json"
	"pnpm/express-api pnpm-lock.yaml"
	"yarn1/express-api yarn.lock"
	"npm/react-webpack package-lock.json"
	"berry/express-api yarn.lock"
	"pnpm6/express-api pnpm-lock.yaml"
	"npm-v1/express-api package-lock.json"
	"pnpm/react-webpack pnpm-lock.yaml"
)

# mark FILE TEXT: make FILE's bytes its own. JSON lockfiles get TEXT as
# their root name (the first "name" member); YAML and yarn ones a comment.
mark() {
	local file=$1 text=$2
	case "$file" in
	*.json) sed -i "0,/\"name\": \"[^\"]*\"/s//\"name\": \"$text\"/" "$file" ;;
	*) printf '# %s\n' "$text" >> "$file" ;;
	esac
}

if [ "${1:-}" = --touch ]; then
	out=$2 k=$3
	dir=$(printf '%s/projects/p%04d' "$out" "$k")
	lock=$(ls "$dir" | grep -E '^(package-lock\.json|pnpm-lock\.yaml|yarn\.lock)$')
	n=$(( $(cat "$dir/.touched" 2>/dev/null || echo 0) + 1 ))
	echo "$n" > "$dir/.touched"
	# One package's integrity, so the lockfile's packages (and its part
	# of the certificate) change, not only its bytes.
	if grep -q 'sha512-' "$dir/$lock"; then
		sed -i "0,/sha512-/s//sha512-c$n/" "$dir/$lock"
	else
		sed -i "0,/checksum: /s//checksum: c$n/" "$dir/$lock"
	fi
	exit 0
fi

out=$1 n=$2
mkdir -p "$out/projects"
for ((k = 0; k < n; k++)); do
	set -- ${sources[$((k % ${#sources[@]}))]}
	dir=$(printf '%s/projects/p%04d' "$out" "$k")
	mkdir -p "$dir"
	cp "$fx/$1/package.json" "$fx/$1/$2" "$dir/"
	mark "$dir/$2" "p$k"
done
