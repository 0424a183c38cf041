#!/usr/bin/env bash
# install_files.sh: what `make install` adds besides the binaries, and
# `make uninstall`. The manual pages pass `mandoc -T lint`, cover every
# option `sigma help CMD` lists and (sigma-config(5)) every configuration
# key the code reads; the systemd units pass `systemd-analyze verify` and
# keep their hardening; install into a DESTDIR then uninstall leaves no
# file behind.
source "$(dirname "$0")/../lib.sh"
repo=$(cd "$TESTS_DIR/.." && pwd)
man=$repo/man

# -------------------------------------------------------- manual pages
pages="sigma.1 sigma-scan.1 sigma-certify.1 sigma-registry.1 sigma-sandbox.1 sigma-keygen.1
       sigma-verify.1 sigma-config.5 sigma-serve.8 sigma-doctor.8 sigma-pre-receive.8"
missing=
for p in $pages; do [ -f "$man/$p" ] || missing="$missing $p"; done
check "every manual page is there${missing:+ (missing:$missing)}" test -z "$missing"

if command -v mandoc > /dev/null; then
	# mandoc looks the pages named by .Xr up in the system's man database,
	# where sigma's own are not until installed: those lines are left out
	# here, and each such page is checked to be among ours instead.
	lint=$(cd "$man" && for p in *.[158]; do mandoc -T lint "$p" 2>&1; done |
		grep -v 'STYLE: referenced manual not found: Xr sigma[a-z-]* [158]')
	if [ -z "$lint" ]; then ok "mandoc -T lint reports nothing on any page"; else
		nok "mandoc -T lint reports nothing on any page"; printf '%s\n' "$lint" | sed 's/^/# /'; fi
	dangling=$(cd "$man" && grep -ho '^\.Xr sigma[a-z-]* [158]' *.[158] | sort -u |
		while read -r _ name sec; do [ -f "$name.$sec" ] || echo "$name($sec)"; done)
	check "every page an .Xr names is one of ours${dangling:+ (not: $dangling)}" test -z "$dangling"
else
	skip "mandoc is not installed (contrib/debian-packages)"
	skip "mandoc is not installed"
fi

# Each option of `sigma help CMD` appears as .Fl in that command's page.
undocumented=
for cmd in scan certify registry sandbox keygen verify serve doctor pre-receive; do
	page=$(ls "$man"/sigma-$cmd.[158] 2> /dev/null | head -1)
	[ -n "$page" ] || { undocumented="$undocumented sigma-$cmd(page)"; continue; }
	for opt in $(sigma help "$cmd" | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		grep -q "Fl -${opt#--}\b" "$page" || undocumented="$undocumented $cmd:$opt"
	done
done
check "every option in 'sigma help CMD' is in its page${undocumented:+ (not:$undocumented)}" test -z "$undocumented"

# Every key the code reads is in sigma-config(5), as .Va section.key (the
# forge and repository ones as forge.NAME.key).
keys=$(grep -ho '"sigma\.[a-zA-Z]*"' "$repo/common/config.c" | tr -d '"'
	awk '/^static int forge_entry/,/^}/' "$repo/webhook/settings.c" | grep -o 'strcmp(var, "[a-z]*")' | sed 's/.*"\(.*\)".*/forge.\1/'
	awk '/^static int serve_entry/,/^}/' "$repo/webhook/settings.c" | grep -o 'strcmp(var, "[a-z]*")' | sed 's/.*"\(.*\)".*/serve.\1/'
	awk '/^static int walk_entry/,/^}/' "$repo/webhook/settings.c" | grep -o 'strcmp(var, "[a-z]*")' | sed 's/.*"\(.*\)".*/repository.\1/')
documented=$(grep -o '^\.It Va [a-zA-Z.\\&]*\( Ns Ar [a-z]* Ns Va [a-zA-Z.]*\)\?\( , [a-zA-Z.]*\)\?' "$man/sigma-config.5" |
	sed 's/\.It Va //; s/\\&//; s/\. Ns Ar [a-z]* Ns Va \./\./; s/ , / /' | tr ' ' '\n' | tr 'A-Z' 'a-z')
absent=
for k in $keys; do
	printf '%s\n' "$documented" | grep -qx "$(echo "$k" | tr 'A-Z' 'a-z')" || absent="$absent $k"
done
check "sigma-config(5) has every key the code reads ($(echo $keys | wc -w) keys)${absent:+ (not:$absent)}" \
	bash -c "[ -z '$absent' ] && [ $(echo $keys | wc -w) -ge 30 ]"

# ------------------------------------------------------- make install
if [ ! -x "$repo/sigma" ] || [ ! -f "$repo/sigma-core.so" ]; then
	skip "make install needs the normal build (./sigma): run make first"
	done_testing; exit 0
fi
# -o: install what is built; never rebuild from inside the suite.
mk() { make -s -C "$repo" -o sigma -o sigma-core.so "$@"; }
prefix=$T/prefix
if mk install PREFIX="$prefix" > "$T/install.out" 2>&1; then ok "make install PREFIX=..."; else
	nok "make install PREFIX=..."; sed 's/^/# /' "$T/install.out"; fi
n=0; for p in $pages; do [ -f "$prefix/share/man/man${p##*.}/$p" ] && n=$((n + 1)); done
check "... the manual pages in share/man/man{1,5,8} ($n)" test "$n" -eq "$(echo $pages | wc -w)"
check "... the example configuration in share/doc/sigma" test -f "$prefix/share/doc/sigma/sigma.config.example"
check "... the contrib scripts in share/sigma/contrib, executable" \
	test -x "$prefix/share/sigma/contrib/install-hook.sh" -a -x "$prefix/share/sigma/contrib/ghes/build-env.sh"
units=$prefix/lib/systemd/system
check "... the units in lib/systemd/system, ExecStart this prefix's sigma" \
	bash -c "grep -qx 'ExecStart=$prefix/bin/sigma serve' '$units/sigma-serve.service' &&
		grep -qx 'ExecStart=$prefix/bin/sigma registry import /var/lib/sigma/osv' '$units/sigma-osv-import.service' &&
		test -f '$units/sigma-osv-import.timer'"

# ------------------------------------------------------- systemd units
unit=$units/sigma-serve.service
for line in User=sigma ProtectSystem=strict ReadWritePaths=/var/lib/sigma NoNewPrivileges=yes PrivateTmp=yes Restart=on-failure; do
	check "sigma-serve.service: $line" grep -qx "$line" "$unit"
done
check "sigma-serve.service: /var/lib/sigma is the only writable path" \
	test "$(grep -c '^ReadWritePaths=' "$unit")" -eq 1
check "sigma-osv-import.timer starts the import service's unit" \
	bash -c "grep -q '^OnCalendar=' '$units/sigma-osv-import.timer' && test -f '$units/sigma-osv-import.service'"
if ! command -v systemd-analyze > /dev/null; then
	skip "systemd-analyze is not installed (package systemd)"
elif ! systemd-analyze --version > /dev/null 2>&1; then
	skip "systemd-analyze cannot run in this container"
else
	# The units' Documentation= names our pages: man finds them here.
	if (cd "$units" && MANPATH=$prefix/share/man: systemd-analyze verify \
		./sigma-serve.service ./sigma-osv-import.service ./sigma-osv-import.timer) > "$T/verify" 2>&1; then
		ok "systemd-analyze verify accepts the three units"
	else
		nok "systemd-analyze verify accepts the three units"; sed 's/^/# /' "$T/verify"
	fi
fi

# ----------------------------------------------------- make uninstall
dest=$T/dest
mk install DESTDIR="$dest" PREFIX=/usr/local > /dev/null 2>&1
check "make install DESTDIR=... installs $(find "$dest" -type f | wc -l) files" test "$(find "$dest" -type f | wc -l)" -ge 20
mk uninstall DESTDIR="$dest" PREFIX=/usr/local > "$T/uninstall.out" 2>&1
left=$(find "$dest" ! -type d | head -5)
check "make uninstall leaves no file in the DESTDIR${left:+ (left: $left)}" test -z "$left"
check "... nor sigma's own directories" test ! -e "$dest/usr/local/lib/sigma" -a ! -e "$dest/usr/local/share/sigma" -a ! -e "$dest/usr/local/share/doc/sigma"
done_testing
