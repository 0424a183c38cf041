#!/bin/sh
# build-env.sh: a GitHub Enterprise Server pre-receive hook environment for
# sigma, as a .tar.gz to upload (Site admin > Hooks > environments, or
# ghe-hook-env-create on the appliance).
#
#   contrib/ghes/build-env.sh [--sigma PATH] [--db PATH] [--key PATH]
#                             [--config FILE] --out sigma-env.tar.gz
#
# GHES runs each pre-receive hook in a chroot made from such a tarball. This
# one is the least that sigma's hook needs, and nothing else:
#
#   /bin/sh                            for the hook script (contrib/ghes/pre-receive.sh)
#   /usr/local/bin/sigma               the executable
#   /usr/local/lib/sigma/sigma-core.so its core (found as ../lib/sigma from the executable)
#   the shared libraries of the three, copied from `ldd` at their own paths,
#   and the dynamic loader
#   /etc/sigma/config                  sigma.database and sigma.signingKey (or --config)
#   /etc/sigma/signing.key             the key that signs the judgements (--key)
#   /var/lib/sigma/registry.db         a snapshot of the registry (--db): one file,
#                                      no WAL, read-only in the environment
#
# The snapshot is taken with SQLite's online backup, so the live registry
# may be in use. The environment is read-only where GHES runs it: sigma sees
# a registry it cannot write and judges without its cache, saying so once per
# push. Refresh the blocks by building and uploading again (README.md).
#
# Defaults: `command -v sigma`, the registry and key that `sigma doctor` as
# root would use (/var/lib/sigma/registry.db, /etc/sigma/signing.key).
set -eu
sigma=$(command -v sigma || echo /usr/local/bin/sigma)
db=/var/lib/sigma/registry.db
key=/etc/sigma/signing.key
config=
out=
usage="usage: build-env.sh [--sigma PATH] [--db PATH] [--key PATH] [--config FILE] --out FILE.tar.gz"
while [ $# -gt 0 ]; do
	case $1 in
	--sigma) sigma=$2; shift 2 ;;
	--db) db=$2; shift 2 ;;
	--key) key=$2; shift 2 ;;
	--config) config=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	-h|--help) echo "$usage"; exit 0 ;;
	*) echo "build-env: unknown argument $1" >&2; echo "$usage" >&2; exit 2 ;;
	esac
done
[ -n "$out" ] || { echo "$usage" >&2; exit 2; }
die() { echo "build-env: $*" >&2; exit 1; }
[ -x "$sigma" ] || die "$sigma is not executable (--sigma)"
sigma=$(readlink -f "$sigma")
core=$(dirname "$sigma")/sigma-core.so
[ -f "$core" ] || core=$(dirname "$sigma")/../lib/sigma/sigma-core.so
[ -f "$core" ] || die "no sigma-core.so beside $sigma or in ../lib/sigma"
[ -s "$db" ] || die "$db: no registry there (--db; sigma registry init makes one)"
[ -s "$key" ] || die "$key: no signing key there (--key; sigma keygen --out makes one)"
command -v sqlite3 > /dev/null || die "needs sqlite3 (the Debian package sqlite3) for the snapshot"
command -v ldd > /dev/null || die "needs ldd"

root=$(mktemp -d "${TMPDIR:-/tmp}/sigma-ghes.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/usr/local/bin" "$root/usr/local/lib/sigma" "$root/etc/sigma" \
	"$root/var/lib/sigma" "$root/tmp"
chmod 1777 "$root/tmp"
cp "$(readlink -f /bin/sh)" "$root/bin/sh"
cp "$sigma" "$root/usr/local/bin/sigma"
cp "$core" "$root/usr/local/lib/sigma/sigma-core.so"

# Every library the three load at start, at the path the loader looks for
# it (ldd prints "name => /path (addr)", for the loader "/path (addr)", and
# "FILE:" before each file's list).
# The copies are the files, not symlinks, so the tree has no dangling link.
for lib in $(ldd "$root/bin/sh" "$root/usr/local/bin/sigma" "$root/usr/local/lib/sigma/sigma-core.so" |
	awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// && $2 ~ /^\(/ { print $1 }' | sort -u); do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
missing=$(ldd "$sigma" "$core" | grep 'not found' || true)
[ -z "$missing" ] || die "libraries not found: $missing"

# The registry: one file, rollback journal rather than WAL, so that a
# read-only copy needs no -wal or -shm beside it.
sqlite3 "$db" ".backup '$root/var/lib/sigma/registry.db'"
sqlite3 "$root/var/lib/sigma/registry.db" "PRAGMA journal_mode = DELETE;" > /dev/null
cp "$key" "$root/etc/sigma/signing.key"
if [ -n "$config" ]; then
	cp "$config" "$root/etc/sigma/config"
else
	cat > "$root/etc/sigma/config" <<'EOF'
# sigma in a GitHub Enterprise Server pre-receive hook environment.
[sigma]
	database = /var/lib/sigma/registry.db
	signingKey = /etc/sigma/signing.key
	# GHES gives every pre-receive hook 5 s in all.
	timeout = 4
EOF
fi
# Read-only for everyone but root; the key readable by nobody else.
chmod 0444 "$root/var/lib/sigma/registry.db" "$root/etc/sigma/config"
chmod 0555 "$root/var/lib/sigma"
chmod 0400 "$root/etc/sigma/signing.key"

tar -C "$root" --numeric-owner --owner=0 --group=0 -czf "$out" .
echo "build-env: $out ($(du -k "$out" | cut -f1) KB): $("$sigma" --version 2>/dev/null | head -1), registry snapshot of $db"
