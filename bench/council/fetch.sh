#!/bin/bash
# fetch.sh CACHE: the popular packages of the council benchmark, fetched
# once into CACHE (npm tarballs with `npm pack`; Debian python3-* packages
# with `apt-get download`, extracted with dpkg-deb -x). Only the npm and
# Debian registries are contacted; nothing fetched is committed.
# Already-fetched packages are kept, so a rerun costs nothing.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${1:?usage: fetch.sh CACHE}
mkdir -p "$cache/npm" "$cache/deb" "$cache/pypi"
while read -r name; do
	case $name in ''|'#'*) continue ;; esac
	stem=${name//\//__}
	[ -s "$cache/npm/$stem.tgz" ] && continue
	tmp=$(mktemp -d "$cache/npm/.pack.XXXXXX")
	if (cd "$tmp" && npm pack --silent "$name" >/dev/null 2>&1); then
		mv "$tmp"/*.tgz "$cache/npm/$stem.tgz"
	else
		echo "fetch: npm pack $name failed" >&2
	fi
	rm -rf "$tmp"
done < "$here/popular-npm.txt"
while read -r deb name; do
	case $deb in ''|'#'*) continue ;; esac
	[ -d "$cache/pypi/$name" ] && continue
	(cd "$cache/deb" && apt-get download "$deb" >/dev/null 2>&1) || { echo "fetch: apt-get download $deb failed" >&2; continue; }
	tmp=$(mktemp -d "$cache/deb/.x.XXXXXX")
	dpkg-deb -x "$cache/deb/${deb}"_*.deb "$tmp"
	src=$(find "$tmp/usr/lib" -maxdepth 3 -type d -name dist-packages | head -1)
	[ -n "$src" ] && mv "$src" "$cache/pypi/$name"
	rm -rf "$tmp"
done < "$here/popular-pypi.txt"
